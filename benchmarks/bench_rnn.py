"""RNN benchmarks: one training step of an LSTM (input 64, hidden 128, 20 steps, batch 32,
`BasicLSTMCell`, squared error of the last output, plain SGD), unrolled with `static_rnn`
and looped with `dynamic_rnn`; flowgraph vs TensorFlow (TF1 cells from tf_keras) vs
hand-written numpy (forward and backpropagation through time).

`make_cases(runner)` returns case factories built on the runner's `Case`, `Unavailable` and
`_guard` (pass `benchmarks/run.py`'s module), so `run.py` can add them to its `CASES`:

    import bench_rnn
    CASES += bench_rnn.make_cases(sys.modules[__name__])

Run alone (`python benchmarks/bench_rnn.py [--reps N]`) it times the cases in this process
with the runner's interleaved timer and prints the medians."""
import os
import sys

BATCH, STEPS, N_IN, N_HID = 32, 20, 64, 128
LR = 0.1


def _data(np):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, N_IN)).astype(np.float32)
    y = rng.uniform(-0.5, 0.5, (BATCH, N_HID)).astype(np.float32)
    kernel = (rng.standard_normal((N_IN + N_HID, 4 * N_HID)) * 0.05).astype(np.float32)
    bias = (rng.standard_normal(4 * N_HID) * 0.05).astype(np.float32)
    return x, y, kernel, bias


def lstm_graph(tf, unrolled):
    """The LSTM (static_rnn when `unrolled`, else dynamic_rnn), its loss and an SGD train
    op in the default graph: (x, y, loss, train)."""
    x = tf.placeholder(tf.float32, [BATCH, STEPS, N_IN], name="x")
    y = tf.placeholder(tf.float32, [BATCH, N_HID], name="y")
    cell = tf.nn.rnn_cell.BasicLSTMCell(N_HID)
    if unrolled:
        _, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    else:
        _, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(state.h - y))
    train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
    return x, y, loss, train


def _lstm_step(tf, env, is_tf, unrolled):
    """`sess.run(train_op)` of the LSTM; returns the step callable and the first loss."""
    np = env.np
    x0, y0, k0, b0 = _data(np)
    if is_tf:  # TF1 cells live in tf_keras (a missing one makes this case Unavailable)
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train = lstm_graph(tf, unrolled)
        init = tf.global_variables_initializer()
        kernel, bias = tf.trainable_variables()
    sess = env.tf_session(g) if is_tf else tf.Session(graph=g)
    sess.run(init)
    kernel.load(k0, sess)
    bias.load(b0, sess)
    feed = {x: x0, y: y0}
    first = sess.run(loss, feed)
    sess.run(train, feed)  # compile the plan outside the timing
    return (lambda: sess.run(train, feed)), first


def _sigmoid(np, z):
    return np.float32(1) / (np.float32(1) + np.exp(-z))


def numpy_lstm_loss_and_grads(np, x, y, kernel, bias):
    """Forward through time, then backpropagation through time: (loss, dkernel, dbias)."""
    n = N_HID
    h = np.zeros((BATCH, n), np.float32)
    c = np.zeros((BATCH, n), np.float32)
    tape = []
    for t in range(STEPS):
        xh = np.concatenate([x[:, t], h], 1)
        z = xh @ kernel + bias
        i, j, f, o = (z[:, k * n:(k + 1) * n] for k in range(4))
        si, tj, sf, so = _sigmoid(np, i), np.tanh(j), _sigmoid(np, f + np.float32(1)), \
            _sigmoid(np, o)
        c_new = c * sf + si * tj
        tc = np.tanh(c_new)
        tape.append((xh, c, si, tj, sf, so, tc))
        c, h = c_new, tc * so
    diff = h - y
    loss = np.mean(diff * diff)
    dh = diff * np.float32(2.0 / diff.size)
    dc = np.zeros_like(dh)
    dk = np.zeros_like(kernel)
    db = np.zeros_like(bias)
    for xh, c_prev, si, tj, sf, so, tc in reversed(tape):
        dso = dh * tc
        dc = dc + dh * so * (np.float32(1) - tc * tc)
        dz = np.concatenate([dc * tj * si * (np.float32(1) - si),
                             dc * si * (np.float32(1) - tj * tj),
                             dc * c_prev * sf * (np.float32(1) - sf),
                             dso * so * (np.float32(1) - so)], 1)
        dk += xh.T @ dz
        db += dz.sum(0)
        dxh = dz @ kernel.T
        dh = dxh[:, N_IN:]
        dc = dc * sf
    return loss, dk, db


def _lstm_step_numpy(env):
    np = env.np
    x, y, kernel, bias = _data(np)
    params = [kernel.copy(), bias.copy()]
    lr = np.float32(LR)

    def step():
        _, dk, db = numpy_lstm_loss_and_grads(np, x, y, params[0], params[1])
        params[0] -= lr * dk
        params[1] -= lr * db
    return step


def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def make(unrolled):
        name = "lstm_static_train_step" if unrolled else "lstm_dynamic_train_step"
        first = {}

        def check(k, loss, env):
            first[k] = loss
            want = numpy_lstm_loss_and_grads(env.np, *_data(env.np))[0]
            if abs(loss - want) > 1e-4 * max(1.0, abs(want)):
                raise AssertionError(f"{name}: {k} loss {loss} vs numpy {want}")

        def fg(env):
            fn, loss = _lstm_step(env.fg, env, False, unrolled)
            check("flowgraph", loss, env)
            return fn

        def tf(env):
            fn, loss = _lstm_step(env.need_tf(), env, True, unrolled)
            check("tensorflow", loss, env)
            return fn

        def case():
            how = "`static_rnn` (unrolled)" if unrolled else "`dynamic_rnn` (while loop)"
            return Case(name, f"one SGD training step of a BasicLSTMCell({N_HID}) over "
                        f"{STEPS} steps of {N_IN} inputs, batch {BATCH}, float32, with {how}",
                        {"flowgraph": guard(fg), "tensorflow": guard(tf),
                         "numpy": _lstm_step_numpy},
                        note="numpy: the same step written by hand (BPTT)")
        return case

    return [make(True), make(False)]


def main():
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import run as runner
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args()
    runner.standalone(make_cases, args.reps)


if __name__ == "__main__":
    main()
