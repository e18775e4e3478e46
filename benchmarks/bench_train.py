"""Training benchmarks: one Adam step of a 784-512-10 MLP, and building a 20-layer MLP with
its gradients; flowgraph vs TensorFlow (vs hand-written numpy for the step).

`make_cases(runner)` returns case factories built on the runner's `Case`, `Unavailable` and
`_guard` (pass `benchmarks/run.py`'s module), so `run.py` can add them to its `CASES`:

    import bench_train
    CASES += bench_train.make_cases(sys.modules[__name__])

Run alone (`python benchmarks/bench_train.py [--reps N]`) it times the cases in this process
with the runner's interleaved timer and prints the medians."""
import os
import sys

BATCH, N_IN, N_HID, N_OUT = 128, 784, 512, 10
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
DEEP_LAYERS, DEEP_WIDTH = 20, 256


def _data(np):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, N_IN)).astype(np.float32)
    y = np.eye(N_OUT, dtype=np.float32)[rng.integers(0, N_OUT, BATCH)]
    w1 = (rng.standard_normal((N_IN, N_HID)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((N_HID, N_OUT)) * 0.05).astype(np.float32)
    return x, y, [w1, np.zeros(N_HID, np.float32), w2, np.zeros(N_OUT, np.float32)]


def mlp_graph(tf, params):
    """The MLP, its softmax cross-entropy and an Adam train op in the default graph:
    (x, y, loss, train)."""
    x = tf.placeholder(tf.float32, [None, N_IN], name="x")
    y = tf.placeholder(tf.float32, [None, N_OUT], name="y")
    w1, b1, w2, b2 = (tf.Variable(p) for p in params)
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.matmul(h, w2) + b2
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                     logits=logits))
    train = tf.train.AdamOptimizer(LR, BETA1, BETA2, EPS).minimize(loss)
    return x, y, loss, train


def _mlp_step(tf, env, is_tf):
    """`sess.run(train_op)` of the MLP; returns the step callable and the first loss."""
    np = env.np
    x0, y0, params = _data(np)
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train = mlp_graph(tf, params)
        init = tf.global_variables_initializer()
    sess = env.tf_session(g) if is_tf else tf.Session(graph=g)
    sess.run(init)
    feed = {x: x0, y: y0}
    first = sess.run(loss, feed)
    sess.run(train, feed)  # compile the plan outside the timing
    return (lambda: sess.run(train, feed)), first


def _mlp_step_numpy(env):
    """The same step by hand: forward, backward, Adam, on float32 arrays."""
    np = env.np
    x, y, params = _data(np)
    params = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]

    def step():
        w1, b1, w2, b2 = params
        a = x @ w1 + b1
        h = np.maximum(a, 0)
        z = h @ w2 + b2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        dz = (p - y) / np.float32(BATCH)
        dh = dz @ w2.T
        dh[a <= 0] = 0
        grads = [x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
        t[0] += 1
        lr = np.float32(LR * np.sqrt(1 - BETA2 ** t[0]) / (1 - BETA1 ** t[0]))
        for i, gr in enumerate(grads):
            m[i] += (gr - m[i]) * np.float32(1 - BETA1)
            v[i] += (gr * gr - v[i]) * np.float32(1 - BETA2)
            params[i] -= lr * m[i] / (np.sqrt(v[i]) + np.float32(EPS))
    return step


def _build_deep(tf, np):
    """Builds a 20-layer relu MLP, a softmax cross-entropy loss and its gradients."""
    rng = np.random.default_rng(0)
    inits = [(rng.standard_normal((DEEP_WIDTH, DEEP_WIDTH)).astype(np.float32) * 0.05,
              np.zeros(DEEP_WIDTH, np.float32)) for _ in range(DEEP_LAYERS)]

    def run():
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, DEEP_WIDTH], name="x")
            y = tf.placeholder(tf.float32, [None, DEEP_WIDTH], name="y")
            h, variables = x, []
            for w0, b0 in inits:
                w, b = tf.Variable(w0), tf.Variable(b0)
                variables += [w, b]
                h = tf.nn.relu(tf.matmul(h, w) + b)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                             logits=h))
            grads = tf.gradients(loss, variables)
            assert all(gr is not None for gr in grads)
        return g
    return run


def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def case_mlp_train_step():
        first = {}

        def fg(env):
            fn, first["flowgraph"] = _mlp_step(env.fg, env, False)
            return fn

        def tf(env):
            fn, first["tensorflow"] = _mlp_step(env.need_tf(), env, True)
            if "flowgraph" in first and abs(first["flowgraph"] - first["tensorflow"]) > 1e-4:
                raise AssertionError(f"losses differ: {first}")
            return fn
        return Case("mlp_train_step",
                    f"one training step (`sess.run(train_op)`) of a {N_IN}-{N_HID}-{N_OUT} "
                    f"relu MLP, softmax cross-entropy, Adam, batch {BATCH}, float32",
                    {"flowgraph": guard(fg), "tensorflow": guard(tf),
                     "numpy": _mlp_step_numpy})

    def case_build_mlp20_grads():
        counts = {}

        def fg(env):
            run = _build_deep(env.fg, env.np)
            counts["flowgraph"] = len(run().get_operations())
            return run

        def tf(env):
            run = _build_deep(env.need_tf(), env.np)
            counts["tensorflow"] = len(run().get_operations())
            return run
        return Case("build_mlp20_grads",
                    f"building a {DEEP_LAYERS}-layer relu MLP (width {DEEP_WIDTH}) with a "
                    f"softmax cross-entropy loss and `tf.gradients` of all "
                    f"{2 * DEEP_LAYERS} variables",
                    {"flowgraph": guard(fg), "tensorflow": guard(tf)},
                    note="numpy builds no graph")

    return [case_mlp_train_step, case_build_mlp20_grads]


def graph_sizes(env):
    """Op counts of the built graphs: (flowgraph, tensorflow or None) per case."""
    out = {}
    deep = {k: len(_build_deep(lib, env.np)().get_operations())
            for k, lib in (("flowgraph", env.fg), ("tensorflow", env.tf)) if lib is not None}
    out["build_mlp20_grads"] = deep
    return out


def main():
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import run as runner
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args()
    env = runner.standalone(make_cases, args.reps)
    print("op counts:", graph_sizes(env))


if __name__ == "__main__":
    main()
