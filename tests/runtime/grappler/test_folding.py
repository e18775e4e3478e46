"""Constant folding and shape folding alone: op counts and values against numpy."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.runtime.grappler import constant_folding
from tests.runtime.grappler.helpers import op_types, run

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7


def test_constant_subgraphs_become_constants():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.matmul(a, a) + tf.exp(a)
    x = tf.placeholder(tf.float32, [2, 2])
    y = x * b
    A = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    got, plan = run([y, b], {x: np.ones((2, 2), np.float32)}, only="constfold")
    assert op_types(plan) == ["Mul"]
    np.testing.assert_allclose(got[0], A @ A + np.exp(A), rtol=1e-6)
    np.testing.assert_allclose(got[1], A @ A + np.exp(A), rtol=1e-6)
    _, plan = run(y, {x: np.ones((2, 2), np.float32)}, off=True)
    assert op_types(plan) == ["AddV2", "Exp", "MatMul", "Mul"]


def test_folded_fetches_are_copies():
    b = tf.exp(tf.constant([1.0, 2.0]))
    with tf.Session() as s:
        v = s.run(b)
        v[0] = 0
        np.testing.assert_allclose(s.run(b), np.exp([1.0, 2.0]), rtol=1e-6)


def test_results_over_the_size_limit_are_not_folded(monkeypatch):
    monkeypatch.setattr(constant_folding, "MAX_CONSTANT_BYTES", 100)
    big = tf.fill([50], 2.0) * 3.0  # 200 bytes
    small = tf.fill([5], 2.0) * 3.0
    got, plan = run([big, small], only="constfold")
    assert op_types(plan) == ["Fill", "Mul"]
    np.testing.assert_array_equal(got[0], np.full(50, 6.0))


def test_a_huge_constant_result_is_not_even_computed(monkeypatch):
    from flowgraph.runtime.grappler import view as view_mod
    big = tf.range(0, 10 ** 7) * 2  # 40 MB each: over the limit by their static shapes
    small = tf.reduce_sum(big[:3]) + tf.reduce_sum(tf.range(0, 3))
    evaluated = []
    monkeypatch.setattr(view_mod.GraphView, "evaluate", _counting(
        view_mod.GraphView.evaluate, evaluated, lambda args: args[1].type))
    got, plan = run(small, only="constfold")
    assert got == 9
    assert evaluated.count("Range") == 1 and "Mul" not in evaluated  # only the small one
    assert op_types(plan).count("Range") == 1


def _counting(fn, log, what=lambda args: True):
    def wrapped(*args):
        log.append(what(args))
        return fn(*args)
    return wrapped


def test_a_fed_constant_is_not_folded():
    c = tf.constant(2.0)
    y = c * 3.0
    got, _ = run(y, {c: 5.0}, only="constfold")
    assert got == 15.0


def test_a_feed_of_a_foldable_tensor_wins():
    c = tf.constant(2.0)
    y = c * 3.0
    z = y + 1.0
    got, _ = run([y, z], {y: 10.0}, only="constfold")
    assert got == [10.0, 11.0]


def test_stateful_and_random_ops_are_not_folded():
    r = tf.random_uniform([3], seed=3) * 2.0
    with tf.Session() as s:
        a, b = s.run(r), s.run(r)
    assert not np.array_equal(a, b)


def test_a_failing_kernel_is_left_to_fail_at_run_time_naming_the_op():
    shape = tf.placeholder_with_default(tf.constant([2, 1]), [None])  # unknown when built
    bad = tf.reshape(tf.constant([1.0, 2.0, 3.0]), shape)
    line = bad.op.traceback[1]
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError) as e:
        s.run(bad)
    assert "Reshape" in str(e.value) and f":{line}" in str(e.value)


def test_multi_output_ops_fold_to_one_constant_per_output():
    r0, r1 = tf.raw_ops.BroadcastGradientArgs(s0=tf.constant([2, 1, 3]),
                                              s1=tf.constant([3]))
    x = tf.placeholder(tf.int32, [None])
    got, plan = run([r0 + x, r1], {x: [0]}, only="constfold")
    assert op_types(plan) == ["AddV2"]
    np.testing.assert_array_equal(got[0], [1])
    np.testing.assert_array_equal(got[1], [0, 1])


def test_shape_ops_of_known_shapes_fold():
    x = tf.placeholder(tf.float32, [2, 3])
    shape, size = tf.raw_ops.Shape(input=x), tf.raw_ops.Size(input=x)
    y = tf.reshape(x, shape[::-1]) * tf.cast(size + tf.raw_ops.Rank(input=x), tf.float32)
    got, plan = run(y, {x: X}, only=["shape", "constfold"])
    assert op_types(plan) == ["Mul", "Reshape"]
    np.testing.assert_allclose(got, X.reshape(3, 2) * 8)
    _, plan = run(y, {x: X}, only="constfold")  # without shape folding nothing folds
    assert "Shape" in op_types(plan)


def test_unknown_shapes_are_not_folded():
    x = tf.placeholder(tf.float32, [None, 3])
    got, plan = run(tf.shape(x), {x: X}, only=["shape", "constfold"])
    assert op_types(plan) == ["Shape"]
    np.testing.assert_array_equal(got, [2, 3])


def test_gradients_of_static_broadcasts_fold_their_shape_arithmetic():
    x = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [3])
    gx, gb = tf.gradients(tf.reduce_sum(tf.square(x - b)), [x, b])
    feed = {x: X, b: np.ones(3, np.float32)}
    got_on, plan_on = run([gx, gb], feed)
    got_off, plan_off = run([gx, gb], feed, off=True)
    assert len(plan_on.steps) < len(plan_off.steps)
    for a, w in zip(got_on, got_off):
        np.testing.assert_allclose(a, w, rtol=1e-6)
    np.testing.assert_allclose(got_on[1], -2 * (X - 1).sum(0), rtol=1e-5)
