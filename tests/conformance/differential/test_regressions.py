"""Minimal programs the differential tester found that revealed flowgraph bugs, fixed; each
must now show no difference from real TensorFlow."""
import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tests.conformance.differential.known import known  # noqa: E402
from tests.conformance.differential.program import Node, Program  # noqa: E402
from tests.conformance.differential.runner import differences, frameworks  # noqa: E402


def ph(name, value, shape="full"):
    value = np.asarray(value)
    return Node(name, "placeholder", value=value,
                shape=list(value.shape) if shape == "full" else shape)


def op(name, code, *args):
    return Node(name, "op", code=code, args=args)


F64 = np.array([[-1.04798, 0.5], [2.0, -0.25]], np.float64)
F32 = np.array([0.25, -1.5, 2.0], np.float32)

REGRESSIONS = {
    # nn_impl naming: TF writes `relu_logits - logits * labels`, named "mul" and "sub".
    "sigmoid_xent_op_names": Program([
        ph("n0", F32, [None]),
        op("n1", "tf.nn.sigmoid_cross_entropy_with_logits(labels=n0, logits=n0)", "n0")]),
    # LeakyRelu's alpha is a 32-bit float attr even for float64 features (value and grad).
    "leaky_relu_alpha_float32": Program([
        ph("n0", F64, [None, 2]),
        op("n1", "tf.nn.leaky_relu(n0, alpha=0.61)", "n0")]),
    # Prod's gradient on a partly unknown shape, all axes reduced: gather with an empty
    # (float32) index list failed at run time.
    "prod_grad_all_axes_unknown_dims": Program([
        ph("n0", np.array([[[1.226]]], np.float32), [None, 1, 1]),
        op("n1", "tf.reduce_prod(n0, axis=None, keepdims=False)", "n0")]),
    "prod_grad_axes_list_unknown_dims": Program([
        ph("n0", np.array([[0.63, 2.0]], np.float64), [1, None]),
        op("n1", "tf.reduce_prod(n0, axis=[0, 1], keepdims=True)", "n0")]),
    # A fed cond output: the If still runs for the values its gradient reads, but must not
    # overwrite the feed, and the gradient reads the branch's own value, not the fed one.
    "cond_output_fed_with_gradient": Program([
        ph("n0", np.array([[-1.73, 1.357], [0.2, -0.4]], np.float32), [2, 2]),
        op("n1", "tf.constant(np.array(False))"),
        Node("n2", "op", code="tf.cond(n1, lambda: tf.abs(n0), lambda: tf.sigmoid(n0))",
             args=("n1", "n0"), key="cond")],
        feeds=("n2",), feed_values={"n2": np.array([[1.8, 0.03], [0.8, -1.2]], np.float32)}),
    # Relu6's gradient reads the op's output (as TF), which matters when it is fed.
    "relu6_grad_from_fed_output": Program([
        ph("n0", np.array([[-0.075, 1.177], [0.5, -1.6]], np.float32)),
        op("n1", "tf.nn.relu6(n0)", "n0")], feeds=("n1",),
        feed_values={"n1": np.array([[0.7, 1.8], [-0.9, 7.0]], np.float32)}),
    # Select (tf.where) with a condition of the same rank takes its known dims.
    "select_shape_takes_condition_dims": Program([
        ph("n0", np.array([[[5, 2, 0]], [[-1, -2, 0]]], np.int32), [2, None, 3]),
        Node("n1", "const", value=np.array([[[True, True, True]], [[False, True, False]]])),
        ph("n2", np.array([[[0, 1, 2]], [[3, 4, 5]]], np.int32), None),
        op("n3", "tf.where(n1, n0, n2)", "n1", "n0", "n2")]),
    # Broadcasting a known 0 against an unknown dim leaves it unknown statically, as TF.
    "broadcast_zero_against_unknown": Program([
        ph("n0", np.zeros((0, 0), np.int64)), ph("n1", np.zeros((0, 0), np.int64), [None, 0]),
        op("n2", "tf.minimum(n0, n1)", "n0", "n1"), op("n3", "tf.add(n1, n0)", "n0", "n1")]),
    # tf.cast of a variable ref to its own base dtype makes a Cast op (a plain tensor).
    "cast_of_ref_reads_it": Program([
        Node("n0", "const", value=np.array(0.468)),
        op("n1", "tf.assign_add(tf.Variable(tf.fill([], tf.constant(-0.32, tf.float64))), n0)",
           "n0"),
        op("n2", "tf.cast(n1, tf.float64)", "n1")]),
}


@pytest.fixture(scope="module")
def frameworks_():
    return frameworks()


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name, frameworks_):
    tf1, fg = frameworks_
    ds = [d for d in differences(REGRESSIONS[name], tf1, fg)
          if not known(d, REGRESSIONS[name])]
    assert not ds, "\n".join(map(str, ds)) + "\n\n" + REGRESSIONS[name].snippet()
