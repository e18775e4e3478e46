"""The global step helpers and the learning-rate schedules (values from their formulas)."""
import math

import numpy as np
import pytest

import flowgraph as tf


def test_create_and_get_global_step():
    assert tf.train.get_global_step() is None
    step = tf.train.get_or_create_global_step()
    assert step.op.name == "global_step" and step.dtype.base_dtype == tf.int64
    assert step.shape.as_list() == [] and not step.trainable
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    assert step in tf.global_variables() and step not in tf.trainable_variables()
    assert step.initializer.inputs[1].op.name == "global_step/Initializer/zeros"
    assert tf.train.get_global_step() is step
    assert tf.train.get_or_create_global_step() is step
    with pytest.raises(ValueError, match='"global_step" already exists'):
        tf.train.create_global_step()
    with tf.Session() as s:
        s.run(step.initializer)
        assert tf.train.global_step(s, step) == 0


def test_global_step_ignores_name_scope_and_uses_given_graph():
    g = tf.Graph()
    with tf.name_scope("scope"):
        step = tf.train.create_global_step(g)
    assert step.graph is g and step.op.name == "global_step"
    assert tf.train.get_global_step() is None
    assert tf.train.get_global_step(g) is step


def test_global_step_found_by_name_and_checked():
    v = tf.Variable(0, name="global_step", dtype=tf.int64, trainable=False)
    assert tf.train.get_global_step() is v._ref()
    tf.reset_default_graph()
    tf.Variable(0.0, name="global_step")
    with pytest.raises(TypeError, match="does not have integer type"):
        tf.train.get_global_step()
    tf.reset_default_graph()
    tf.add_to_collection(tf.GraphKeys.GLOBAL_STEP, tf.Variable([1, 2], name="s"))
    with pytest.raises(TypeError, match="is not scalar"):
        tf.train.get_global_step()


def _values(make, steps=(0, 1, 5, 9, 10, 11, 25, 40)):
    tf.reset_default_graph()
    step = tf.train.get_or_create_global_step()
    lr = make(step)
    assert lr.shape.as_list() == []
    out = []
    with tf.Session() as s:
        s.run(step.initializer)
        for k in steps:
            s.run(step.assign(k))
            out.append(float(s.run(lr)))
    return np.array(out), np.array(steps, float), lr


def test_exponential_natural_inverse_time_decay():
    got, k, lr = _values(lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5))
    assert lr.op.name == "ExponentialDecay" and lr.dtype == tf.float32
    np.testing.assert_allclose(got, 0.1 * 0.5 ** (k / 10), rtol=1e-6)
    got, k, _ = _values(lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5, staircase=True))
    np.testing.assert_allclose(got, 0.1 * 0.5 ** np.floor(k / 10), rtol=1e-6)
    got, k, _ = _values(lambda s: tf.train.natural_exp_decay(0.2, s, 10, 0.3))
    np.testing.assert_allclose(got, 0.2 * np.exp(-0.3 * k / 10), rtol=1e-5)
    got, k, _ = _values(lambda s: tf.train.natural_exp_decay(0.2, s, 10, 0.3, True))
    np.testing.assert_allclose(got, 0.2 * np.exp(-0.3 * np.floor(k / 10)), rtol=1e-5)
    got, k, lr = _values(lambda s: tf.train.inverse_time_decay(0.5, s, 10, 2.0))
    assert lr.op.name == "InverseTimeDecay"
    np.testing.assert_allclose(got, 0.5 / (1 + 2.0 * k / 10), rtol=1e-6)
    got, k, _ = _values(lambda s: tf.train.inverse_time_decay(0.5, s, 10, 2.0, True))
    np.testing.assert_allclose(got, 0.5 / (1 + 2.0 * np.floor(k / 10)), rtol=1e-6)


def test_polynomial_and_cosine_decay():
    got, k, _ = _values(lambda s: tf.train.polynomial_decay(0.1, s, 20, 0.01, power=2.0))
    kk = np.minimum(k, 20)
    np.testing.assert_allclose(got, (0.1 - 0.01) * (1 - kk / 20) ** 2 + 0.01, rtol=1e-6)
    got, k, _ = _values(lambda s: tf.train.polynomial_decay(0.1, s, 20, 0.01, cycle=True))
    steps = 20 * np.where(k == 0, 1, np.ceil(k / 20))
    np.testing.assert_allclose(got, 0.09 * (1 - k / steps) + 0.01, rtol=1e-6)
    got, k, lr = _values(lambda s: tf.train.cosine_decay(0.1, s, 20, alpha=0.2))
    assert lr.op.name == "CosineDecay"
    frac = np.minimum(k, 20) / 20
    want = 0.1 * ((1 - 0.2) * 0.5 * (1 + np.cos(math.pi * frac)) + 0.2)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_piecewise_constant():
    got, k, lr = _values(lambda s: tf.train.piecewise_constant(s, [5, 10], [1.0, 0.5, 0.1]))
    np.testing.assert_allclose(got, np.where(k <= 5, 1.0, np.where(k <= 10, 0.5, 0.1)))
    assert lr.dtype == tf.float32
    x = tf.placeholder(tf.float32, [])
    out = tf.train.piecewise_constant(x, [0.5], [3, 7])
    assert out.dtype == tf.int32
    with tf.Session() as s:
        assert s.run(out, {x: 0.5}) == 3 and s.run(out, {x: 0.6}) == 7
    with pytest.raises(ValueError, match="1 less than the length of values"):
        tf.train.piecewise_constant(x, [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="must have the same dtype as x"):
        tf.train.piecewise_constant(x, [1], [1.0, 2.0])
    with pytest.raises(ValueError, match="all with the same dtype"):
        tf.train.piecewise_constant(x, [1.0], [1.0, 2])


def test_schedules_need_a_global_step():
    for fn in (tf.train.exponential_decay, tf.train.inverse_time_decay,
               tf.train.natural_exp_decay):
        with pytest.raises(ValueError, match="global_step is required"):
            fn(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="global_step is required for polynomial_decay"):
        tf.train.polynomial_decay(0.1, None, 10)
    with pytest.raises(ValueError, match="global_step is required for cosine_decay"):
        tf.train.cosine_decay(0.1, None, 10)


def test_schedule_with_float64_rate_and_tensor_steps():
    _, _, lr = _values(lambda s: tf.train.exponential_decay(
        tf.constant(0.1, tf.float64), s, tf.constant(10), 0.5), steps=(3,))
    assert lr.dtype == tf.float64
    got, k, _ = _values(lambda s: tf.train.exponential_decay(
        tf.constant(0.1, tf.float64), s, tf.constant(10), 0.5), steps=(3, 7))
    np.testing.assert_allclose(got, 0.1 * 0.5 ** (k / 10), rtol=1e-12)
