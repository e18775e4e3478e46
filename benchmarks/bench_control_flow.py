"""Control-flow benchmark: a `tf.while_loop` of 1,000 iterations of a cheap body, flowgraph
vs TensorFlow (graph mode) vs the same loop in plain numpy. Picked up by benchmarks/run.py."""

ITERS = 1000


def _loop(tf, env, is_tf):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4], name="x")
        _, y = tf.while_loop(lambda i, v: i < ITERS, lambda i, v: (i + 1, v * 0.999 + x),
                             [tf.constant(0), tf.zeros([4])])
    sess = env.tf_session(g) if is_tf else tf.Session(graph=g)
    feed = {x: env.np.full(4, 0.001, env.np.float32)}
    want = sum(0.999 ** k for k in range(ITERS)) * 0.001
    got = float(sess.run(y, feed)[0])
    if abs(got - want) > 1e-4:
        raise AssertionError(f"while_loop gave {got}, expected {want}")
    return lambda: sess.run(y, feed)


def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def numpy(env):
        np = env.np
        x = np.full(4, 0.001, np.float32)
        c = np.float32(0.999)

        def run():
            i, v = 0, np.zeros(4, np.float32)
            while i < ITERS:
                i, v = i + 1, v * c + x
            return v
        return run

    def case_while_loop_1000():
        return Case("while_loop_1000",
                    f"`tf.while_loop` of {ITERS} iterations of `v * 0.999 + x` on 4 floats "
                    "(per-iteration overhead of the loop machinery)",
                    {"flowgraph": guard(lambda env: _loop(env.fg, env, False)),
                     "tensorflow": guard(lambda env: _loop(env.need_tf(), env, True)),
                     "numpy": numpy})
    return [case_while_loop_1000]
