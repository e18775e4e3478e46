"""Regularizers (TF1 contrib and Keras 2 semantics): values against numpy, op names, the
REGULARIZATION_LOSSES collection and TF's argument errors."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph import regularizers as R

W = np.array([[1.0, -2.0, 3.0], [-0.5, 0.25, 4.0]])


def _eval(t, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(t, feed)


def test_l1_regularizer():
    w = tf.constant(W, dtype=tf.float32)
    loss = R.l1_regularizer(0.3)(w)
    assert loss.name == "l1_regularizer:0" and loss.op.type == "Mul"
    assert loss.shape.as_list() == [] and loss.dtype == tf.float32
    names = [o.name for o in tf.get_default_graph().get_operations()]
    assert names[1:] == ["l1_regularizer/scale", "l1_regularizer/Abs", "l1_regularizer/Const",
                         "l1_regularizer/Sum", "l1_regularizer"]
    np.testing.assert_allclose(_eval(loss), 0.3 * np.abs(W).sum(), rtol=1e-6)


def test_l2_regularizer():
    w = tf.constant(W)  # float64: the scale follows the weights' dtype
    loss = R.l2_regularizer(0.1, scope="my_l2")(w)
    assert loss.name == "my_l2:0" and loss.dtype == tf.float64
    assert loss.op.inputs[1].op.type == "L2Loss"
    np.testing.assert_allclose(_eval(loss), 0.1 * (W ** 2).sum() / 2, rtol=1e-12)


def test_scale_zero_gives_none_and_bad_scales_raise():
    assert R.l1_regularizer(0.0)(tf.constant(W)) is None
    assert R.l2_regularizer(0.0)(tf.constant(W)) is None
    with pytest.raises(ValueError, match="scale cannot be an integer: 1"):
        R.l2_regularizer(1)
    with pytest.raises(ValueError, match="Setting a scale less than 0 on a regularizer: -0.5"):
        R.l1_regularizer(-0.5)
    with pytest.raises(ValueError, match="scale_l1 cannot be an integer: 2"):
        R.l1_l2_regularizer(2, 1.0)
    with pytest.raises(ValueError, match="scale_l2 cannot be an integer: 2"):
        R.l1_l2_regularizer(1.0, 2)


def test_l1_l2_and_sum_regularizers():
    w = tf.constant(W, dtype=tf.float32)
    both = R.l1_l2_regularizer(0.2, 0.4)(w)
    assert both.name == "l1_l2_regularizer:0" and both.op.type == "AddN"
    only_l1 = R.l1_l2_regularizer(0.2, 0.0)(w)
    assert only_l1.name == "l1_l2_regularizer_1:0"
    summed = R.sum_regularizer([R.l1_regularizer(0.5), None, lambda x: None])(w)
    assert summed.name == "sum_regularizer:0"
    assert R.sum_regularizer([None]) is None
    assert R.sum_regularizer([lambda x: None])(w) is None
    got = _eval([both, only_l1, summed])
    l1, l2 = np.abs(W).sum(), (W ** 2).sum() / 2
    np.testing.assert_allclose(got, [0.2 * l1 + 0.4 * l2, 0.2 * l1, 0.5 * l1], rtol=1e-6)


def test_apply_regularization():
    a = tf.get_variable("a", initializer=W.astype(np.float32))
    b = tf.get_variable("b", initializer=np.ones(3, np.float32))
    tf.add_to_collection(tf.GraphKeys.WEIGHTS, a)
    total = R.apply_regularization(R.l1_regularizer(0.1))  # the WEIGHTS collection
    assert total.name == "get_regularization_penalty:0"
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) == [total]
    np.testing.assert_allclose(_eval(total), 0.1 * np.abs(W).sum(), rtol=1e-6)
    both = R.apply_regularization(lambda w: None if w is b else tf.reduce_sum(w), [a, b])
    np.testing.assert_allclose(_eval(both), W.sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="regularizer must return a scalar Tensor instead of a "
                                         "Tensor with rank 1."):
        R.apply_regularization(lambda w: tf.reduce_sum(w, axis=0), [a])
    tf.get_default_graph().clear_collection(tf.GraphKeys.WEIGHTS)
    with pytest.raises(ValueError, match="No weights to regularize."):
        R.apply_regularization(R.l1_regularizer(0.1))


def test_get_variable_regularizer_value():
    with tf.variable_scope("layer", regularizer=R.l1_regularizer(0.25)):
        w = tf.get_variable("w", initializer=W.astype(np.float32))
    (loss,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert loss.name == "layer/w/Regularizer/l1_regularizer:0"
    np.testing.assert_allclose(_eval(loss), 0.25 * np.abs(W).sum(), rtol=1e-6)
    assert w.name == "layer/w:0"


def test_keras_style():
    x = tf.constant(W, dtype=tf.float32)
    l1, l2, l12 = R.l1(0.1)(x), R.l2()(x), R.l1_l2(l1=0.2, l2=0.3)(x)
    zero = R.L1L2()(x)
    got = _eval([l1, l2, l12, zero])
    a, s = np.abs(W).sum(), (W ** 2).sum()
    np.testing.assert_allclose(got, [0.1 * a, 0.01 * s, 0.2 * a + 0.3 * s, 0.0], rtol=1e-6)
    assert R.L2(l=0.5).l2 == np.float32(0.5)
    assert R.L1L2(0.1, 0.2).get_config() == {"l1": float(np.float32(0.1)),
                                              "l2": float(np.float32(0.2))}
    with pytest.raises(TypeError, match="Argument"):
        R.L2(foo=1)
    with pytest.raises(ValueError, match="not a valid regularization penalty number"):
        R.L1("a")
