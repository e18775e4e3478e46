"""Small control-flow programs written once against a `tf`-like module (flowgraph or
`tensorflow.compat.v1`), shared by tests/io/test_function_io.py and
scripts/make_cf_fixtures.py.

Each program is `fn(tf, grads) -> (outputs, feeds)`: `outputs` a list of tensors (with
`grads`, gradient tensors appended: they go through If_grad / While_grad), `feeds` a list
of feed dicts keyed by tensor name ("x:0"). Every program has a float placeholder "x"
whose gradient `grad_target` names. Only ops that both TF and flowgraph have are used."""
import numpy as np


def cond(tf, grads=True):
    x = tf.placeholder(tf.float64, [2, 3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    w = tf.constant(np.arange(6.).reshape(2, 3) / 7, name="w")
    v = tf.constant(0.25, tf.float64, name="v")
    a, b = tf.cond(p, lambda: (x * w, tf.reduce_sum(x) + v),
                   lambda: (x - w, tf.reduce_max(x)), name="branch")
    out = tf.identity(a * b, name="out")
    outs = [out]
    if grads:
        outs.append(tf.gradients(out, [x])[0])
    base = {"x:0": np.arange(6.).reshape(2, 3) - 2.0}
    return outs, [{**base, "p:0": True}, {**base, "p:0": False}]


def while_dynamic(tf, grads=True):
    x = tf.placeholder(tf.float64, [3], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    i, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, tf.sin(a) * x + 0.5),
                           [0, x], name="loop")
    outs = [tf.identity(i, name="count"), tf.identity(acc, name="out")]
    if grads:
        outs.append(tf.gradients(acc, x)[0])
    base = {"x:0": np.array([0.3, -0.2, 1.1])}
    return outs, [{**base, "n:0": k} for k in (0, 1, 4)]


def nested_loops(tf, grads=True):
    x = tf.placeholder(tf.float64, [2], name="x")
    n = tf.placeholder(tf.int32, [], name="n")

    def outer_body(i, a):
        _, b = tf.while_loop(lambda j, b: j < i, lambda j, b: (j + 1, b * 0.9 + x), [0, a],
                             name="inner")
        return i + 1, b
    _, acc = tf.while_loop(lambda i, a: i < n, outer_body, [0, x], name="outer")
    outs = [tf.identity(acc, name="out")]
    if grads:
        outs.append(tf.gradients(acc, x)[0])
    base = {"x:0": np.array([0.5, -1.5])}
    return outs, [{**base, "n:0": k} for k in (0, 3)]


def loop_in_cond(tf, grads=True):
    x = tf.placeholder(tf.float64, [2], name="x")
    n = tf.placeholder(tf.int32, [], name="n")

    def loop():
        return tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * x),
                             [0, tf.ones_like(x)])[1]
    y = tf.cond(n > 2, loop, lambda: x * 2.0)
    outs = [tf.identity(y, name="out")]
    if grads:
        outs.append(tf.gradients(y, x)[0])
    base = {"x:0": np.array([1.5, -0.5])}
    return outs, [{**base, "n:0": k} for k in (1, 4)]


def cond_in_loop(tf, grads=True):
    x = tf.placeholder(tf.float64, [2], name="x")
    n = tf.placeholder(tf.int32, [], name="n")

    def body(i, a):
        a = tf.cond(tf.equal(i % 2, 0), lambda: a * x, lambda: a + x)
        return i + 1, a
    _, y = tf.while_loop(lambda i, a: i < n, body, [0, x])
    outs = [tf.identity(y, name="out")]
    if grads:
        outs.append(tf.gradients(y, x)[0])
    base = {"x:0": np.array([1.5, -0.5])}
    return outs, [{**base, "n:0": k} for k in (0, 5)]


def max_iterations(tf, grads=True):
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.while_loop(lambda a: tf.reduce_sum(a) < 100.0, lambda a: a * 2.0, [x],
                      maximum_iterations=5)
    outs = [tf.identity(y, name="out")]
    if grads:
        outs.append(tf.gradients(y, x)[0])
    return outs, [{"x:0": np.array([1.0, 2.0], np.float32)},
                  {"x:0": np.array([0.5, 0.25, 0.125], np.float32)}]


def map_and_scan(tf, grads=True):
    x = tf.placeholder(tf.float64, [4, 3], name="x")
    y = tf.map_fn(lambda r: tf.reduce_sum(tf.sin(r)) * r, x)
    s = tf.scan(lambda a, r: a * 0.5 + r, x)
    outs = [tf.identity(y, name="out_map"), tf.identity(s, name="out")]
    if grads:
        outs.append(tf.gradients([tf.reduce_sum(y * y), tf.reduce_sum(s)], x)[0])
    return outs, [{"x:0": np.arange(12.).reshape(4, 3) / 5 - 1}]


def passthrough(tf, grads=True):
    x = tf.placeholder(tf.float64, [2], name="x")
    z = tf.placeholder(tf.float64, [2], name="z")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: x, lambda: z * 3.0)
    _, _, w = tf.while_loop(lambda k, c, w: k < 3, lambda k, c, w: (k + 1, c, w * c),
                            [0, x, z])
    outs = [tf.identity(y + w, name="out")]
    if grads:
        outs.append(tf.gradients(y + w, [x])[0])
    base = {"x:0": np.array([1., 2.]), "z:0": np.array([3., -1.])}
    return outs, [{**base, "p:0": True}, {**base, "p:0": False}]


def stateful(tf, grads=True):
    """A random op (times zero) makes TF's ops `If`/`While` instead of StatelessIf/
    StatelessWhile; the results stay deterministic."""
    x = tf.placeholder(tf.float64, [2], name="x")
    p = tf.placeholder(tf.bool, [], name="p")

    def noisy(a):
        return a + 0.0 * tf.random_uniform([2], dtype=tf.float64, seed=3)
    y = tf.cond(p, lambda: noisy(x) * 2.0, lambda: x - 1.0)
    _, z = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, noisy(a) * x), [0, y])
    outs = [tf.identity(z, name="out")]
    if grads:
        outs.append(tf.gradients(z, x)[0])
    base = {"x:0": np.array([0.5, 2.0])}
    return outs, [{**base, "p:0": True}, {**base, "p:0": False}]


PROGRAMS = {f.__name__: f for f in (cond, while_dynamic, nested_loops, loop_in_cond,
                                    cond_in_loop, max_iterations, map_and_scan,
                                    passthrough, stateful)}
grad_target = "x:0"
