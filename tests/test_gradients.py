"""tf.gradients itself: seeding, fan-in, stops, names, overrides, second order."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.test import compute_gradient_error, random_direction_error


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_several_ys_are_summed_and_grad_ys_seed():
    x = tf.constant([1.0, 2.0])
    g, = tf.gradients([x * 3.0, x * x], x)
    np.testing.assert_array_equal(_run(g), [5.0, 7.0])
    g, = tf.gradients(x * x, x, grad_ys=tf.constant([10.0, 0.5]))
    np.testing.assert_array_equal(_run(g), [20.0, 2.0])


def test_fan_in_is_one_add_n_and_names_mirror_scopes():
    x = tf.placeholder(tf.float32, [2], name="x")
    with tf.name_scope("layer"):
        y = tf.sin(x) * tf.cos(x) + x
    g, = tf.gradients(y, x)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert g.op.type == "AddN" and g.op.name.startswith("gradients/")
    assert "gradients/layer/Sin_grad/Cos" in names
    x0 = np.array([0.3, -1.2], np.float32)
    want = np.cos(2 * x0) + 1.0
    np.testing.assert_allclose(_run(g, {x: x0}), want, rtol=1e-6)


def test_unconnected_integer_and_stopped():
    x, z = tf.constant(1.0), tf.constant(2.0)
    i = tf.constant(3)
    y = x * 2.0 + tf.cast(i, tf.float32)
    assert tf.gradients(y, [z])[0] is None
    assert _run(tf.gradients(y, [z], unconnected_gradients="zero")[0]) == 0.0
    assert tf.gradients(y, i)[0] is None  # integers carry no gradient
    a = x * 3.0
    b = a * a
    assert _run(tf.gradients(b, x)[0]) == 18.0
    assert tf.gradients(b, x, stop_gradients=[a])[0] is None
    assert _run(tf.gradients(b, a, stop_gradients=[a])[0]) == 6.0


def test_register_gradient_and_override_map():
    @tf.RegisterGradient("TimesTenGrad")
    def _times_ten(op, grad):
        return [grad * 10.0]
    x = tf.constant(2.0)
    g = tf.get_default_graph()
    with g.gradient_override_map({"Identity": "TimesTenGrad"}):
        y = tf.identity(x)
    plain = tf.identity(x)
    assert _run(tf.gradients(y, x)[0]) == 10.0
    assert _run(tf.gradients(plain, x)[0]) == 1.0
    with pytest.raises(KeyError):
        tf.RegisterGradient("TimesTenGrad")(_times_ten)


def test_not_differentiable_and_missing_gradient():
    tf.NotDifferentiable("ZerosLike")  # already not differentiable: registering is harmless
    x = tf.constant([1.0, 2.0])
    assert tf.gradients(tf.zeros_like(x) + 1.0, x)[0] is None


def test_hessians():
    x = tf.placeholder(tf.float64, [2])
    y = x[0] * x[0] * x[1] + tf.sin(x[1])
    h, = tf.hessians(y, x)
    x0 = np.array([1.5, 0.3])
    want = [[2 * x0[1], 2 * x0[0]], [2 * x0[0], -np.sin(x0[1])]]
    np.testing.assert_allclose(_run(h, {x: x0}), want, rtol=1e-12)


def test_second_order_and_random_direction_check_on_a_large_input():
    rng = np.random.RandomState(0)
    x = tf.placeholder(tf.float64, [64, 48])
    w = tf.constant(rng.standard_normal((48, 32)))
    y = tf.tanh(tf.matmul(x, w))
    g, = tf.gradients(tf.reduce_sum(y * y), x)  # first derivative, differentiated again
    x0 = rng.standard_normal((64, 48)) * 0.1
    assert random_direction_error(x, y, {x: x0}) < 1e-6
    assert random_direction_error(x, g, {x: x0}) < 1e-4


def test_gradient_error_checker_catches_a_wrong_gradient():
    @tf.RegisterGradient("WrongSquareGrad")
    def _wrong(op, grad):
        return [grad * 3.0 * op.inputs[0]]
    x = tf.placeholder(tf.float64, [3])
    with tf.get_default_graph().gradient_override_map({"Square": "WrongSquareGrad"}):
        y = tf.square(x)
    with tf.Session() as s:
        err = compute_gradient_error(x, [3], y, [3], x_init_value=np.array([1.0, 2.0, 3.0]),
                                     session=s)
        assert random_direction_error(x, y, {x: np.array([1.0, 2.0, 3.0])}, session=s) > 0.1
    assert err > 0.5
