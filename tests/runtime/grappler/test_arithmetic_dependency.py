"""The arithmetic and dependency passes alone: op counts and values against numpy."""
import numpy as np

import flowgraph as tf
from tests.runtime.grappler.helpers import op_types, run

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
W = np.arange(12, dtype=np.float32).reshape(4, 3) / 5


def test_neutral_elements_are_dropped():
    x = tf.placeholder(tf.float32, [2, 3])
    y = ((x * 1.0 + 0.0) - tf.zeros([3])) / tf.ones([2, 3])
    z = 1.0 * tf.exp(x)
    got, plan = run([y, z], {x: X}, only="arithmetic")
    assert op_types(plan) == ["Exp"]
    np.testing.assert_array_equal(got[0], X)
    np.testing.assert_allclose(got[1], np.exp(X), rtol=1e-6)


def test_a_neutral_constant_that_broadcasts_is_kept():
    x = tf.placeholder(tf.float32, [3])
    y = x * tf.ones([2, 3])  # the result is [2, 3], not x
    got, plan = run(y, {x: X[0]}, only=["constfold", "arithmetic"])
    assert op_types(plan) == ["Mul"]
    np.testing.assert_array_equal(got, np.broadcast_to(X[0], (2, 3)))


def test_non_neutral_constants_are_kept():
    x = tf.placeholder(tf.float32, [2, 3])
    got, plan = run([x * 2.0, x - 1.0, 0.0 - x, 1.0 / x], {x: X + 1}, only="arithmetic")
    assert op_types(plan) == ["Mul", "RealDiv", "Sub", "Sub"]
    np.testing.assert_allclose(got[3], 1 / (X + 1), rtol=1e-6)


def test_double_negation_is_dropped():
    x = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.bool, [2])
    got, plan = run([-(-x) * 2.0, tf.logical_not(tf.logical_not(b))],
                    {x: X, b: [True, False]}, only="arithmetic")
    assert op_types(plan) == ["Mul"]
    np.testing.assert_allclose(got[0], 2 * X)
    np.testing.assert_array_equal(got[1], [True, False])


def test_transposes_fold_into_matmul_flags():
    x = tf.placeholder(tf.float32, [2, 3])
    w = tf.placeholder(tf.float32, [4, 3])
    y = tf.matmul(x, tf.transpose(w))
    z = tf.matmul(tf.transpose(x), tf.transpose(tf.transpose(x)), transpose_b=False)
    got, plan = run([y, z], {x: X, w: W}, only="arithmetic")
    assert op_types(plan) == ["MatMul", "MatMul"]
    mm = sorted((op._attrs["transpose_a"], op._attrs["transpose_b"]) for op in plan.ops
                if op.type == "MatMul")
    assert mm == [(False, True), (True, False)]
    np.testing.assert_allclose(got[0], X @ W.T, rtol=1e-6)
    np.testing.assert_allclose(got[1], X.T @ X, rtol=1e-6)


def test_noop_reshapes_and_identity_transposes_are_dropped():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.reshape(x, [2, 3]) + tf.transpose(x, [0, 1]) + tf.reshape(x, [3, 2])[0, 0]
    got, plan = run(y, {x: X}, only=["arithmetic"])
    assert op_types(plan).count("Reshape") == 1 and "Transpose" not in op_types(plan)
    np.testing.assert_allclose(got, 2 * X + X[0, 0], rtol=1e-6)


def test_identity_chains_are_read_through():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.identity(tf.identity(tf.stop_gradient(x)))
    z = tf.identity(y) * 2.0
    got, plan = run([y, z], {x: X}, only="dependency")
    assert op_types(plan) == ["Mul"]
    np.testing.assert_array_equal(got[0], X)
    np.testing.assert_array_equal(got[1], 2 * X)


def test_identities_with_control_inputs_or_of_variables_stay():
    v = tf.Variable([1.0, 2.0])
    with tf.control_dependencies([tf.assign_add(v, [1.0, 1.0])]):
        after = tf.identity(v)
    got, plan = run(after * 2.0, only="dependency")
    np.testing.assert_array_equal(got, [4.0, 6.0])
    assert "Identity" in op_types(plan)


def test_control_dependents_of_a_dropped_identity_wait_for_its_input():
    v = tf.Variable(1.0)
    x = tf.placeholder(tf.float32, [])
    with tf.control_dependencies([tf.assign(v, 5.0)]):
        s = tf.square(x)
    t = tf.identity(s)
    with tf.control_dependencies([t]):
        read = tf.identity(v)
    got, plan = run([read, t], {x: 3.0}, only="dependency")
    assert got == [5.0, 9.0]
    assert op_types(plan) == ["Assign", "Identity", "Square"]
    ident = next(op for op in plan.ops if op.type == "Identity")
    assert [c.type for c in ident._control_inputs] == ["Square"]


def test_implied_and_constant_control_edges_are_dropped():
    x = tf.placeholder(tf.float32, [])
    a = tf.square(x)
    c = tf.constant(3.0)
    with tf.control_dependencies([a, c]):
        b = tf.sqrt(tf.abs(a))  # waits for a through its data input anyway
    got, plan = run(b, {x: 2.0}, only="dependency")
    assert got == 2.0
    sqrt = next(op for op in plan.ops if op.type == "Sqrt")
    assert sqrt._control_inputs == []
    _, plan = run(b, {x: 2.0}, off=True)
    assert len(next(op for op in plan.ops if op.type == "Sqrt")._control_inputs) == 2


def test_a_fed_identity_is_not_read_through():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.identity(x)
    got, _ = run(y * 2.0, {x: X, y: np.ones((2, 3), np.float32)}, only="dependency")
    np.testing.assert_array_equal(got, 2 * np.ones((2, 3)))
