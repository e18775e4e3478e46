"""Neural-network benchmarks: one SGD training step of LeNet-5 (28x28x1 images, batch 64)
and the inference of a 784-512-10 MLP at batch 1024; flowgraph vs TensorFlow vs
hand-written numpy.

Both frameworks build the same graph from `tf.nn` ops and variables (`tf.layers` makes
these very ops; real TF's `tf.layers` needs tf_keras, so the cases do without it).

`make_cases(runner)` returns case factories built on the runner's `Case` and `_guard`
(`benchmarks/run.py` picks them up by itself). Run alone,

    python benchmarks/bench_nn.py [--reps N] [--profile]

times the cases in this process and, with `--profile`, prints where flowgraph's LeNet-5
step spends its time, per op type (from a FULL_TRACE run's step stats)."""
import os
import sys

LENET_BATCH, LR = 64, 0.01
MLP_BATCH, MLP_IN, MLP_HID, MLP_OUT = 1024, 784, 512, 10


# -- LeNet-5 -----------------------------------------------------------------------------------
def _lenet_params(np):
    rng = np.random.default_rng(0)

    def he(*shape):
        fan_in = int(np.prod(shape[:-1]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    shapes = [(5, 5, 1, 6), (5, 5, 6, 16), (400, 120), (120, 84), (84, 10)]
    params = []
    for s in shapes:
        params += [he(*s), np.full(s[-1], 0.01, np.float32)]
    return params


def _lenet_data(np):
    rng = np.random.default_rng(1)
    x = rng.random((LENET_BATCH, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, LENET_BATCH).astype(np.int32)
    return x, y


def lenet_graph(tf, params):
    """LeNet-5 (conv 6@5x5 same, max-pool 2, conv 16@5x5 valid, max-pool 2, dense 120,
    84, 10; relu) with a mean sparse softmax cross-entropy and an SGD train op."""
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = (tf.Variable(p) for p in params)
    one = [1, 1, 1, 1]
    pool = dict(ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, one, "SAME"), b1))
    h = tf.nn.max_pool(h, **pool)
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, w2, one, "VALID"), b2))
    h = tf.nn.max_pool(h, **pool)
    h = tf.reshape(h, [-1, 400])
    h = tf.nn.relu(tf.matmul(h, w3) + b3)
    h = tf.nn.relu(tf.matmul(h, w4) + b4)
    logits = tf.matmul(h, w5) + b5
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
    return x, y, loss, train


def _lenet_step(tf, env, is_tf):
    np = env.np
    xv, yv = _lenet_data(np)
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train = lenet_graph(tf, _lenet_params(np))
        init = tf.global_variables_initializer()
    sess = env.tf_session(g) if is_tf else tf.Session(graph=g)
    sess.run(init)
    feed = {x: xv, y: yv}
    first = sess.run(loss, feed)
    sess.run(train, feed)  # compile the plan outside the timing
    return (lambda: sess.run(train, feed)), first, (sess, train, feed, g)


def _windows(np, x, k):
    """[N, OH, OW, kh*kw*C] patches of NHWC `x` for a k x k valid convolution."""
    v = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
    n, oh, ow, c = v.shape[:4]
    return v.transpose(0, 1, 2, 4, 5, 3).reshape(n, oh, ow, k * k * c)


def lenet_numpy(np):
    """The LeNet-5 SGD step by hand (im2col convolutions, reshape pooling); returns
    (step, loss_of_the_initial_parameters)."""
    params = [p.copy() for p in _lenet_params(np)]
    x, y = _lenet_data(np)
    n = len(y)
    onehot = np.eye(10, dtype=np.float32)[y]

    def pool_fwd(h):
        b, hh, ww, c = h.shape
        r = h.reshape(b, hh // 2, 2, ww // 2, 2, c)
        m = r.max(axis=(2, 4))
        return m, (r == m[:, :, None, :, None, :])

    def pool_bwd(d, mask):
        b, oh, _, ow, _, c = mask.shape
        return (mask * d[:, :, None, :, None, :]).reshape(b, oh * 2, ow * 2, c)

    def forward_backward(params):
        w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
        xp = np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)])
        c1 = _windows(np, xp, 5)                           # [n, 28, 28, 25]
        a1 = c1 @ w1.reshape(25, 6) + b1
        r1 = np.maximum(a1, 0)
        p1, m1 = pool_fwd(r1)                              # [n, 14, 14, 6]
        c2 = _windows(np, p1, 5)                           # [n, 10, 10, 150]
        a2 = c2 @ w2.reshape(150, 16) + b2
        r2 = np.maximum(a2, 0)
        p2, m2 = pool_fwd(r2)                              # [n, 5, 5, 16]
        f = p2.reshape(n, 400)
        a3 = f @ w3 + b3
        h3 = np.maximum(a3, 0)
        a4 = h3 @ w4 + b4
        h4 = np.maximum(a4, 0)
        z = h4 @ w5 + b5
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - (z * onehot).sum(1)))
        dz = (e / s - onehot) / np.float32(n)
        g5, gb5 = h4.T @ dz, dz.sum(0)
        d4 = (dz @ w5.T) * (a4 > 0)
        g4, gb4 = h3.T @ d4, d4.sum(0)
        d3 = (d4 @ w4.T) * (a3 > 0)
        g3, gb3 = f.T @ d3, d3.sum(0)
        dp2 = (d3 @ w3.T).reshape(p2.shape)
        da2 = pool_bwd(dp2, m2) * (a2 > 0)                 # [n, 10, 10, 16]
        g2 = (c2.reshape(-1, 150).T @ da2.reshape(-1, 16)).reshape(w2.shape)
        gb2 = da2.sum(axis=(0, 1, 2))
        dc2 = (da2.reshape(-1, 16) @ w2.reshape(150, 16).T).reshape(n, 10, 10, 5, 5, 6)
        dp1 = np.zeros_like(p1)
        for i in range(5):                                 # col2im
            for j in range(5):
                dp1[:, i:i + 10, j:j + 10, :] += dc2[:, :, :, i, j, :]
        da1 = pool_bwd(dp1, m1) * (a1 > 0)                 # [n, 28, 28, 6]
        g1 = (c1.reshape(-1, 25).T @ da1.reshape(-1, 6)).reshape(w1.shape)
        gb1 = da1.sum(axis=(0, 1, 2))
        return loss, [g1, gb1, g2, gb2, g3, gb3, g4, gb4, g5, gb5]

    first, _ = forward_backward(params)
    lr = np.float32(LR)

    def step():
        _, grads = forward_backward(params)
        for p, gr in zip(params, grads):
            p -= lr * gr
    return step, first


# -- MLP inference -----------------------------------------------------------------------------
def _mlp_params(np):
    rng = np.random.default_rng(2)
    return [(rng.standard_normal((MLP_IN, MLP_HID)) * 0.05).astype(np.float32),
            np.zeros(MLP_HID, np.float32),
            (rng.standard_normal((MLP_HID, MLP_OUT)) * 0.05).astype(np.float32),
            np.zeros(MLP_OUT, np.float32)]


def _mlp_input(np):
    return np.random.default_rng(3).random((MLP_BATCH, MLP_IN), dtype=np.float32)


def _mlp_infer(tf, env, is_tf):
    np = env.np
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, MLP_IN], name="x")
        w1, b1, w2, b2 = (tf.Variable(p) for p in _mlp_params(np))
        probs = tf.nn.softmax(tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2)
        init = tf.global_variables_initializer()
    sess = env.tf_session(g) if is_tf else tf.Session(graph=g)
    sess.run(init)
    feed = {x: _mlp_input(np)}
    out = sess.run(probs, feed)
    return (lambda: sess.run(probs, feed)), out


def mlp_numpy(np):
    w1, b1, w2, b2 = _mlp_params(np)
    x = _mlp_input(np)

    def run():
        z = np.maximum(x @ w1 + b1, 0) @ w2 + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return run


# -- cases -----------------------------------------------------------------------------------
def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def case_lenet5_train_step():
        first = {}

        def check(name, value):
            first[name] = value
            if len(first) > 1 and max(first.values()) - min(first.values()) > 1e-4:
                raise AssertionError(f"first losses differ: {first}")

        def fg(env):
            fn, loss, _ = _lenet_step(env.fg, env, False)
            check("flowgraph", loss)
            return fn

        def tf(env):
            fn, loss, _ = _lenet_step(env.need_tf(), env, True)
            check("tensorflow", loss)
            return fn

        def numpy(env):
            fn, loss = lenet_numpy(env.np)
            check("numpy", loss)
            return fn
        return Case("lenet5_train_step",
                    f"one SGD step (`sess.run(train_op)`) of LeNet-5 on 28x28x1 images, "
                    f"batch {LENET_BATCH}: conv 5x5x6 (same), max-pool, conv 5x5x16 "
                    "(valid), max-pool, dense 120-84-10, relu, softmax cross-entropy",
                    {"flowgraph": guard(fg), "tensorflow": guard(tf),
                     "numpy": numpy})

    def case_mlp_inference_1024():
        outs = {}

        def check(name, value):
            outs[name] = value
            vals = list(outs.values())
            if len(vals) > 1 and abs(vals[0] - vals[-1]).max() > 1e-5:
                raise AssertionError("MLP outputs differ")

        def fg(env):
            fn, out = _mlp_infer(env.fg, env, False)
            check("flowgraph", out)
            return fn

        def tf(env):
            fn, out = _mlp_infer(env.need_tf(), env, True)
            check("tensorflow", out)
            return fn

        def numpy(env):
            fn = mlp_numpy(env.np)
            check("numpy", fn())
            return fn
        return Case("mlp_inference_1024",
                    f"`sess.run` of a {MLP_IN}-{MLP_HID}-{MLP_OUT} relu MLP's softmax "
                    f"output for a batch of {MLP_BATCH}, float32",
                    {"flowgraph": guard(fg), "tensorflow": guard(tf), "numpy": numpy})

    return [case_lenet5_train_step, case_mlp_inference_1024]


# -- profile -----------------------------------------------------------------------------------
def profile_lenet(env, steps=20):
    """Seconds per step spent in each op type of flowgraph's LeNet-5 step (FULL_TRACE)."""
    tf = env.fg
    _, _, (sess, train, feed, g) = _lenet_step(tf, env, False)
    totals = {}
    for _ in range(steps):
        md = tf.RunMetadata()
        sess.run(train, feed, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                 run_metadata=md)
        for dev in md.step_stats.dev_stats:
            for ns in dev.node_stats:
                try:
                    op_type = g.get_operation_by_name(ns.node_name).type
                except (KeyError, ValueError):
                    op_type = ns.node_name
                totals[op_type] = totals.get(op_type, 0.0) + ns.all_end_rel_micros / 1e6
    return sorted(((t / steps, k) for k, t in totals.items()), reverse=True)


def main():
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import run as runner
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--profile", action="store_true",
                   help="print flowgraph's LeNet-5 step time per op type")
    args = p.parse_args()
    env = runner.standalone(make_cases, args.reps)
    if args.profile:
        rows = profile_lenet(env)
        total = sum(t for t, _ in rows)
        print(f"flowgraph LeNet-5 step by op type (traced, {total * 1e3:.1f} ms in kernels):")
        for t, k in rows[:15]:
            print(f"  {k:28s} {t * 1e3:7.2f} ms  {100 * t / total:5.1f}%")


if __name__ == "__main__":
    main()
