"""Core ops: Const, Identity, StopGradient, PlaceholderWithDefault, grouping."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7.0

CASES = [
    Case("Const", lambda x: tf.constant([[1.5, 2.5, 3.5]]), [X], ref=lambda x: np.array(
        [[1.5, 2.5, 3.5]], np.float32), grad=False),
    Case("Identity", tf.identity, [X], ref=lambda x: x),
    Case("StopGradient", tf.stop_gradient, [X], ref=lambda x: x, grad=False),
    Case("PlaceholderWithDefault", lambda x: tf.placeholder_with_default(x, [None, 3]),
         [X], ref=lambda x: x, grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_stop_gradient_blocks():
    x = tf.placeholder(tf.float32, [2])
    y = tf.identity(x) + tf.stop_gradient(x)
    g, = tf.gradients(y, x)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(g, {x: [1.0, 2.0]}), [1.0, 1.0])


def test_placeholder_with_default_can_be_fed():
    d = tf.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[2])
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(d), [1.0, 2.0])
        np.testing.assert_array_equal(s.run(d, {d: [3.0, 4.0]}), [3.0, 4.0])


def test_group_and_tuple():
    v = tf.Variable(0)
    a = tf.assign_add(v, 1)
    b = tf.assign_add(v, 10)
    g = tf.group(a, b, name="both")
    assert g.type == "NoOp" and g.name == "both"
    assert set(g.control_inputs) == {a.op, b.op}
    t1, t2 = tf.tuple([tf.constant(1), tf.constant(2)])
    assert t1.op.type == "Identity" and t1.op.control_inputs
    with tf.Session() as s:
        s.run(v.initializer)
        s.run(g)
        assert s.run(v) == 11
        assert s.run([t1, t2]) == [1, 2]
    assert tf.no_op(name="nothing").name == "nothing"
