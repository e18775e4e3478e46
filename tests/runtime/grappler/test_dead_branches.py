"""Dead-branch removal: an If over a predicate constant in the plan runs the taken
branch's ops inline, forward and gradient alike."""
import numpy as np

import flowgraph as tf
from tests.runtime.grappler.helpers import op_types, run

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7


def _model():
    x = tf.placeholder(tf.float32, [2, 3])
    training = tf.placeholder_with_default(True, [])
    y = tf.cond(training, lambda: tf.exp(x) * 2.0, lambda: tf.sin(x) + 1.0)
    g, = tf.gradients(tf.reduce_sum(y), x)
    return x, training, y, g


def test_a_constant_predicate_inlines_the_taken_branch():
    x, training, y, g = _model()
    got, plan = run([y, g], {x: X}, only=["constfold", "loop"])
    assert "If" not in op_types(plan)
    np.testing.assert_allclose(got[0], np.exp(X) * 2, rtol=1e-6)
    np.testing.assert_allclose(got[1], np.exp(X) * 2, rtol=1e-6)
    got, plan = run([y, g], {x: X})  # every pass: the gradient shares the forward Exp
    assert op_types(plan) == ["Exp", "Mul", "Mul"]
    np.testing.assert_allclose(got[1], np.exp(X) * 2, rtol=1e-6)


def test_a_fed_predicate_keeps_the_if():
    x, training, y, g = _model()
    got, plan = run([y, g], {x: X, training: False})
    assert op_types(plan).count("If") == 2
    np.testing.assert_allclose(got[0], np.sin(X) + 1, rtol=1e-6)
    np.testing.assert_allclose(got[1], np.cos(X), rtol=1e-6)


def test_the_else_branch_and_values_passed_through():
    x = tf.placeholder(tf.float32, [2, 3])
    y, z = tf.cond(tf.constant(False), lambda: (x * 3.0, x), lambda: (x + 1.0, tf.square(x)))
    got, plan = run([y, z], {x: X}, only=["loop"])
    assert op_types(plan) == ["AddV2", "Square"]
    np.testing.assert_allclose(got[0], X + 1, rtol=1e-6)
    np.testing.assert_allclose(got[1], X ** 2, rtol=1e-6)
    y2 = tf.cond(tf.constant(True), lambda: x, lambda: x + 1.0)
    got, plan = run(y2, {x: X}, only=["loop"])
    assert op_types(plan) == []
    np.testing.assert_array_equal(got, X)


def test_branches_with_state_stay_behind_their_if():
    v = tf.Variable(1.0)
    y = tf.cond(tf.constant(True), lambda: tf.assign_add(v, 1.0), lambda: tf.identity(v))
    got, plan = run(y, only=["loop"])
    assert got == 2.0 and "If" in op_types(plan)


def test_an_error_in_an_inlined_branch_names_the_branch_op():
    x = tf.placeholder(tf.int32, [2])
    y = tf.cond(tf.constant(True), lambda: tf.gather(x, [5]), lambda: x)
    with tf.Session() as s:
        try:
            s.run(y, {x: [1, 2]})
        except tf.errors.InvalidArgumentError as e:
            assert "GatherV2" in str(e) and "test_dead_branches.py" in str(e)
        else:
            raise AssertionError("no error")
