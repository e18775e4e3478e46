"""Common-subexpression elimination alone: op counts and values against numpy."""
import numpy as np
import pytest

import flowgraph as tf
from tests.runtime.grappler.helpers import op_types, run

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7


def test_equal_pure_ops_are_computed_once():
    x = tf.placeholder(tf.float32, [2, 3])
    a = tf.exp(x) + 1.0
    b = tf.exp(x) + 1.0
    y = a * b
    got, plan = run(y, {x: X}, only="common_subgraph_elimination")
    assert op_types(plan) == ["AddV2", "Exp", "Mul"]
    np.testing.assert_allclose(got, (np.exp(X) + 1) ** 2, rtol=1e-6)
    got, plan = run(y, {x: X}, off=True)
    assert op_types(plan) == ["AddV2", "AddV2", "Exp", "Exp", "Mul"]


def test_fetches_of_merged_tensors_keep_their_values():
    x = tf.placeholder(tf.float32, [2, 3])
    a, b = tf.square(x), tf.square(x)
    got, plan = run([a, b, a - b], {x: X}, only="common_subgraph_elimination")
    assert op_types(plan) == ["Square", "Sub"]
    np.testing.assert_allclose(got[0], X ** 2)
    np.testing.assert_allclose(got[1], X ** 2)
    np.testing.assert_array_equal(got[2], 0)


def test_different_attrs_or_inputs_are_not_merged():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.reduce_sum(x, 0) + tf.reduce_sum(x, 0, keepdims=True)
    z = tf.reduce_sum(x, 1)
    got, plan = run([y, z], {x: X}, only="common_subgraph_elimination")
    assert op_types(plan).count("Sum") == 3
    np.testing.assert_allclose(got[0], X.sum(0) + X.sum(0, keepdims=True), rtol=1e-6)


def test_stateful_ops_and_placeholders_are_never_merged():
    r1 = tf.random_uniform([1000], seed=1)
    r2 = tf.random_uniform([1000], seed=1)
    p1 = tf.placeholder(tf.float32, [2])
    p2 = tf.placeholder(tf.float32, [2])
    got, plan = run([r1 - r2, p1 - p2], {p1: [1, 2], p2: [3, 5]},
                    only="common_subgraph_elimination")
    assert op_types(plan).count("RandomUniform") == 2
    np.testing.assert_array_equal(got[1], [-2, -3])


def test_a_fed_tensor_is_never_replaced_by_its_twin():
    x = tf.placeholder(tf.float32, [2, 3])
    a, b = tf.exp(x), tf.exp(x)
    got, _ = run(a + b, {x: X, b: np.zeros((2, 3), np.float32)},
                 only="common_subgraph_elimination")
    np.testing.assert_allclose(got, np.exp(X), rtol=1e-6)


def test_variable_reads_are_not_merged_across_an_update():
    v = tf.Variable(1.0)
    before = v * 2.0
    with tf.control_dependencies([before]):
        inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = v * 2.0
    got, _ = run([before, after], only="common_subgraph_elimination")
    assert got == [2.0, 4.0]


def test_control_dependents_of_a_merged_op_wait_for_its_twin():
    x = tf.placeholder(tf.float32, [])
    a, b = tf.square(x), tf.square(x)
    with tf.control_dependencies([b]):
        c = tf.identity(x * 3.0)
    got, plan = run([a, c], {x: 2.0}, only="common_subgraph_elimination")
    assert got == [4.0, 6.0]
    assert op_types(plan).count("Square") == 1
    ident = next(op for op in plan.ops if op.type == "Identity")
    assert [o.type for o in ident._control_inputs] == ["Square"]


@pytest.mark.parametrize("threads", [1, 3])
def test_graph_is_not_mutated(threads):
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.exp(x) * tf.exp(x)
    g = tf.get_default_graph()
    before = g.as_graph_def().SerializeToString()
    run(y, {x: X}, only="common_subgraph_elimination")
    assert g.as_graph_def().SerializeToString() == before
    assert y.op.inputs[0] is not y.op.inputs[1]
