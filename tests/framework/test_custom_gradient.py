"""tf.custom_gradient, tf.grad_pass_through, tf.recompute_grad and UnconnectedGradients in
graph mode: values and gradients against numpy and, where TF is importable, real TF."""
import numpy as np
import pytest

import flowgraph as tf


def _run(fetches, init=False):
    with tf.Session() as s:
        if init:
            s.run(tf.global_variables_initializer())
        return s.run(fetches)


def test_grad_fn_replaces_the_gradient():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.log(1 + e), grad

    x = tf.constant([0.0, 100.0])
    y = log1pexp(x)
    g = tf.gradients(y, x)[0]
    yv, gv = _run([y, g])
    assert np.isfinite(gv).all()
    np.testing.assert_allclose(gv, [0.5, 1.0], rtol=1e-6)
    assert y.op.type == "IdentityN" and y.shape.as_list() == [2]


def test_grad_fn_overrides_even_a_wrong_gradient_and_multi_inputs():
    @tf.custom_gradient
    def f(a, b):
        def grad(dy):
            return dy * 7.0, dy * 11.0
        return a * b, grad

    a, b = tf.constant(2.0), tf.constant(3.0)
    ga, gb = _run(tf.gradients(f(a, b), [a, b]))
    assert (ga, gb) == (7.0, 11.0)


def test_variables_read_are_passed_to_grad_fn():
    v = tf.Variable(2.0, name="v")
    seen = []

    @tf.custom_gradient
    def f(x):
        def grad(dy, variables=None):
            seen.append(variables)
            return dy * 10.0, [tf.reduce_sum(dy) * 100.0]
        return x * v, grad

    x = tf.constant([1.0, 2.0])
    gx, gv = tf.gradients(f(x), [x, v])
    gxv, gvv = _run([gx, gv], init=True)
    np.testing.assert_allclose(gxv, [10.0, 10.0])
    assert gvv == 200.0 and seen[0] == [v]


def test_grad_fn_without_variables_kwarg_is_a_type_error():
    v = tf.Variable(1.0)

    @tf.custom_gradient
    def f(x):
        return x * v, lambda dy: dy

    with pytest.raises(TypeError, match="variables"):
        f(tf.constant(1.0))


def test_grad_pass_through_and_recompute_grad():
    x = tf.constant([0.4, 1.6, -2.2])
    y = tf.grad_pass_through(tf.round)(x * 2.0)
    v = tf.Variable(3.0)
    r = tf.recompute_grad(lambda a: tf.sin(a) * v)(x)
    gy = tf.gradients(y, x)[0]
    gr, gv = tf.gradients(r, [x, v])
    yv, gyv, rv, grv, gvv = _run([y, gy, r, gr, gv], init=True)
    xv = np.array([0.4, 1.6, -2.2], np.float32)
    np.testing.assert_allclose(yv, np.round(xv * 2))
    np.testing.assert_allclose(gyv, [2.0, 2.0, 2.0])
    np.testing.assert_allclose(rv, np.sin(xv) * 3, rtol=1e-6)
    np.testing.assert_allclose(grv, np.cos(xv) * 3, rtol=1e-6)
    np.testing.assert_allclose(gvv, np.sin(xv).sum(), rtol=1e-6)


def test_unconnected_gradients_enum():
    x, y = tf.constant(1.0), tf.constant(2.0)
    assert tf.gradients(y, x, unconnected_gradients=tf.UnconnectedGradients.NONE) == [None]
    z = tf.gradients(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)[0]
    assert _run(z) == 0.0
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tf.gradients(y, x, unconnected_gradients="bad")


def test_no_gradient_alias():
    assert tf.no_gradient is tf.NotDifferentiable


def test_custom_gradient_matches_tensorflow():
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    xv = np.array([0.3, -1.2], np.float32)

    def build(lib):
        @lib.custom_gradient
        def f(x):
            def grad(dy):
                return dy * lib.cos(x) * 2.0
            return lib.sin(x) * lib.exp(x), grad
        x = lib.constant(xv)
        y = f(x) * 3.0
        return y, lib.gradients(y, x)[0]

    g = tf1.Graph()
    with g.as_default():
        want = tf1.Session(graph=g).run(build(tf1))
    got = _run(build(tf))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
