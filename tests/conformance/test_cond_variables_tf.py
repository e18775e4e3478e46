"""Variables assigned inside cond branches and while bodies (by reference), against TF."""
import numpy as np
import pytest

import flowgraph as tf

PROGRAM = """
v = tf.Variable(1.0, name="v")
w = tf.get_variable("w", initializer=np.float32([1.0, 2.0]))
cnt = tf.Variable(0, name="cnt")
p = tf.placeholder(tf.bool, [])
r1 = tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.identity(v))
r2 = tf.cond(p, lambda: tf.scatter_add(w, [1], [5.0]), lambda: tf.assign(w, w * 2.0))
def then():
    with tf.control_dependencies([tf.assign_add(v, 1.0)]):
        return v.read_value() * 1.0
r3 = tf.cond(p, then, lambda: v * 1.0)
r4 = tf.cond(p, lambda: tf.cond(p, lambda: tf.assign_sub(v, 0.5), lambda: tf.identity(v)),
             lambda: tf.identity(v))
def body(i):
    with tf.control_dependencies([tf.assign_add(v, 10.0)]):
        return i + 1
loop = tf.while_loop(lambda i: i < 3, body, [tf.constant(0)])
loop2 = tf.while_loop(lambda c, i: i < 5, lambda c, i: (tf.cond(
    tf.equal(i % 2, 0), lambda: tf.assign_add(cnt, 1), lambda: tf.identity(cnt)), i + 1),
    [0, 0])
grad = tf.gradients(tf.cond(p, lambda: v * 3.0, lambda: v * v), v)[0]
out = []
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    out.append([s.run(r1, {p: True}), s.run(v)])  # (one run of both: TF's order is a race)
    out.append([s.run(r1, {p: False}), s.run(v)])
    out.append(s.run(r2, {p: True}))
    out.append(s.run(r2, {p: False}))
    out.append(s.run(r3, {p: True}))
    out.append(s.run(v))
    out.append(s.run(r4, {p: True}))
    out.append(s.run(v))
    out.append(s.run(loop))
    out.append(s.run(v))
    out.append(s.run(loop2)[1])  # (its c: TF reads cnt racily in the loop, 1 or 2)
    out.append(s.run(cnt))
    out.append(s.run(grad, {p: True}))
    out.append(s.run(grad, {p: False}))
"""


def _run(mod):
    env = {"tf": mod, "np": np}
    with mod.Graph().as_default():
        exec(PROGRAM, env)
    return env["out"]


def _flat(out):
    return [np.asarray(x, dtype=np.float64).tolist() for x in out]


def test_values():
    ours = _flat(_run(tf))
    assert ours[0] == [2.0, 2.0] and ours[1] == [2.0, 2.0]      # hand-computed
    assert ours[2] == [1.0, 7.0] and ours[3] == [2.0, 14.0]
    assert ours[4:8] == [3.0, 3.0, 2.5, 2.5]                   # assign, then read_value
    assert ours[8] == 3 and ours[9] == 32.5 and ours[11] == 3  # three += 10 in the loop
    assert ours[12:] == [3.0, 65.0]


def test_same_as_tensorflow():
    tft = pytest.importorskip("tensorflow").compat.v1
    assert _flat(_run(tf)) == _flat(_run(tft))


def test_known_difference_snapshot_read_in_loop():
    """A variable's value captured from outside a while body is read when the loop starts
    (TF1 re-reads it each iteration); the assign's own result sees every update."""
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0])

        def body(i, acc):
            a = tf.assign(w, w + 1.0)
            return i + 1, acc + tf.reduce_sum(a)
        loop = tf.while_loop(lambda i, a: i < 2, body, [0, 0.0])
        with tf.Session() as s:
            s.run(w.initializer)
            assert s.run(loop)[1] == 10.0    # TF: 5 + 7 = 12
