"""Resource-variable ops (VarHandleOp, ReadVariableOp, AssignVariableOp, ...): kernels and
errors on hand-built graphs, and TF 2.21-written graphs with resource variables (a meta
graph with an optimizer step, a SavedModel) imported and run with TF's values."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import check_opdef_matches_tf

EXEMPT = {op: "tests/ops/test_resource_variable_ops.py (stateful; not differentiable)"
          for op in ("VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                     "AssignSubVariableOp", "VarIsInitializedOp", "ResourceGather")}


def _handle(name, dtype=tf.float32, shape=(2,)):
    return apply_op("VarHandleOp", [], {"dtype": dtype, "shape": tf.TensorShape(shape),
                                        "shared_name": name}, name=name)


def test_kernels():
    with tf.Graph().as_default(), tf.Session() as sess:
        h = _handle("v")
        assert h.dtype == tf.resource and h.shape.as_list() == []
        read = apply_op("ReadVariableOp", [h], {"dtype": tf.float32})
        assert read.shape.as_list() == [2]
        init = apply_op("VarIsInitializedOp", [h])
        assign = apply_op("AssignVariableOp", [h, tf.constant([1.0, 2.0])],
                          {"dtype": tf.float32})
        add = apply_op("AssignAddVariableOp", [h, tf.constant([0.5, 0.5])],
                       {"dtype": tf.float32})
        sub = apply_op("AssignSubVariableOp", [h, tf.constant([2.0, 0.0])],
                       {"dtype": tf.float32})
        assert not sess.run(init)
        with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable v"):
            sess.run(read)
        sess.run(assign)
        assert sess.run(init)
        np.testing.assert_array_equal(sess.run(read), [1.0, 2.0])
        sess.run(add)
        sess.run(sub)
        np.testing.assert_array_equal(sess.run(read), [-0.5, 2.5])
        with tf.Session() as other:  # each session has its own store
            assert not other.run(init)
        bad = apply_op("AssignVariableOp", [h, tf.constant([1, 2])], {"dtype": tf.int32})
        with pytest.raises(tf.errors.InvalidArgumentError, match="wrong dtype"):
            sess.run(bad)
        wrong = apply_op("ReadVariableOp", [h], {"dtype": tf.int32})
        with pytest.raises(tf.errors.InvalidArgumentError, match="wrong dtype"):
            sess.run(wrong)
        table = _handle("table", shape=(3, 2))
        sess.run(apply_op("AssignVariableOp", [table, tf.constant([[0., 1.], [2., 3.], [4., 5.]])],
                          {"dtype": tf.float32}))
        rows = apply_op("ResourceGather", [table, tf.constant([[2, 0]])], {"dtype": tf.float32})
        assert rows.shape.as_list() == [1, 2, 2]
        np.testing.assert_array_equal(sess.run(rows), [[[4., 5.], [0., 1.]]])
        out_of_range = apply_op("ResourceGather", [table, tf.constant([3])],
                                {"dtype": tf.float32})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 3 is not in \[0, 3\)"):
            sess.run(out_of_range)
        shaped = apply_op("AssignVariableOp", [h, tf.constant([1.0, 2.0, 3.0])],
                          {"dtype": tf.float32, "validate_shape": True})
        with pytest.raises(tf.errors.InvalidArgumentError, match="wrong shape"):
            sess.run(shaped)


def test_tf_meta_graph_with_resource_variables(tmp_path):
    """A TF-written meta graph with a resource variable and an `assign_sub` update, its
    variable initialized, updated and read in flowgraph."""
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    x_val = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    with real.Graph().as_default() as g, v1.Session(graph=g) as sess:
        x = v1.placeholder(real.float32, [None, 2], name="x")
        w = v1.get_variable("w", initializer=real.constant([[0.5], [-1.0]]),
                            use_resource=True)
        y = real.identity(real.matmul(x, w), name="y")
        step = v1.assign_sub(w, real.fill([2, 1], 0.25), name="step")
        step_op = step.op.name if hasattr(step, "op") else step.name
        v1.train.Saver().export_meta_graph(str(tmp_path / "m.meta"))
        sess.run(v1.global_variables_initializer())
        sess.run(step)
        want = sess.run(y, {x: x_val})
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        sess.run(tf.global_variables_initializer())
        sess.run(step_op)
        np.testing.assert_allclose(sess.run("y:0", {"x:0": x_val}), want, rtol=1e-6)


def test_tf_saved_model_with_resource_variables(tmp_path):
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    d = str(tmp_path / "sm")
    x_val = np.arange(6, dtype=np.float32).reshape(2, 3)
    with real.Graph().as_default() as g, v1.Session(graph=g) as sess:
        x = v1.placeholder(real.float32, [None, 3], name="x")
        w = v1.get_variable("w", initializer=real.constant([[1.0], [2.0], [3.0]]),
                            use_resource=True)
        y = real.nn.relu(real.matmul(x, w) - 10.0, name="y")
        sess.run(v1.global_variables_initializer())
        sess.run(w.assign([[1.0], [-2.0], [4.0]]))
        v1.saved_model.simple_save(sess, d, {"x": x}, {"y": y})
        want = sess.run(y, {x: x_val})
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], d)
        sig = meta.signature_def["serving_default"]
        np.testing.assert_allclose(
            sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x_val}), want)
        assert sess.run("w/IsInitialized/VarIsInitializedOp:0")


@pytest.mark.parametrize("name", sorted(EXEMPT))
def test_signature_matches_tf(name):
    """Input/output names, attr names, required attrs and statefulness as TF's OpDef."""
    check_opdef_matches_tf(name)
