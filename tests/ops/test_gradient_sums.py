"""Sums of many per-step gradients that `tf.gradients` builds as one op
(`OpDef.sum_gradients`): a weight shared by several MatMuls gets one MatMul of
concatenations, a shared bias one BiasAddGrad, sharing the concatenation; values against
numpy, and the plain AddN where the shortcut does not apply."""
import numpy as np

import flowgraph as tf

R = np.random.RandomState(3)
XS = [R.standard_normal((4, 3)) for _ in range(5)]
W0, B0 = R.standard_normal((3, 2)), R.standard_normal(2)


def _numpy(xs, w, b, out_scale):
    """d/dw and d/db of sum_t sum(tanh(x_t @ w + b) * out_scale[t])."""
    dw, db = np.zeros_like(w), np.zeros_like(b)
    for x, s in zip(xs, out_scale):
        dz = (1 - np.tanh(x @ w + b) ** 2) * s
        dw += x.T @ dz
        db += dz.sum(0)
    return dw, db


def _build(n, reuse_a_grad=False):
    g = tf.Graph()
    with g.as_default():
        xs = [tf.placeholder(tf.float64, [None, 3]) for _ in range(n)]
        w, b = tf.Variable(W0), tf.Variable(B0)
        loss = tf.add_n([tf.reduce_sum(tf.tanh(tf.nn.bias_add(tf.matmul(x, w), b)) * (t + 1.0))
                         for t, x in enumerate(xs)])
        dw, db = tf.gradients(loss, [w, b])
    return g, xs, dw, db


def test_shared_weight_and_bias_sum_as_one_op_each():
    g, xs, dw, db = _build(5)
    assert dw.op.type == "MatMul" and dw.op.get_attr("transpose_a")
    assert db.op.type == "BiasAddGrad"
    assert all(i.op.type == "ConcatV2" for i in dw.op.inputs)
    assert db.op.inputs[0] is dw.op.inputs[1]    # one concatenation of the step gradients
    with tf.Session(graph=g) as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run([dw, db], dict(zip(xs, XS)))
    want = _numpy(XS, W0, B0, [1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_two_steps_keep_the_plain_addn():
    _, _, dw, db = _build(2)
    assert dw.op.type == "AddN" and db.op.type == "AddN"


def test_unknown_inner_dims_keep_the_plain_addn():
    with tf.Graph().as_default():
        xs = [tf.placeholder(tf.float64, [None, None]) for _ in range(3)]
        w = tf.placeholder(tf.float64, [None, 2])
        dw = tf.gradients(tf.add_n([tf.reduce_sum(tf.matmul(x, w)) for x in xs]), w)[0]
        assert dw.op.type == "AddN"
