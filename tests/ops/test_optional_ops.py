"""Optional ops (OptionalFromValue, OptionalNone, OptionalHasValue, OptionalGetValue): kernels
and errors, and TF's OpDefs. The TF 2.15 estimator exports of tests/saved_model/
test_tf215_exports.py carry them in their function libraries."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import check_opdef_matches_tf

EXEMPT = {op: "tests/ops/test_optional_ops.py (variant values; not differentiable)"
          for op in ("OptionalFromValue", "OptionalNone", "OptionalHasValue",
                     "OptionalGetValue")}


def test_kernels():
    with tf.Graph().as_default(), tf.Session() as sess:
        a, b = tf.constant([1.0, 2.0]), tf.constant(3, tf.int64)
        full = apply_op("OptionalFromValue", [[a, b]])
        empty = apply_op("OptionalNone")
        assert full.dtype == tf.variant and full.shape.as_list() == []
        has = [apply_op("OptionalHasValue", [o]) for o in (full, empty)]
        assert sess.run(has) == [True, False]
        got = apply_op("OptionalGetValue", [full], {
            "output_types": [tf.float32, tf.int64],
            "output_shapes": [tf.TensorShape([2]), tf.TensorShape([])]})
        assert [t.shape.as_list() for t in got] == [[2], []]
        va, vb = sess.run(got)
        np.testing.assert_array_equal(va, [1.0, 2.0])
        assert vb == 3
        none = apply_op("OptionalGetValue", [empty], {
            "output_types": [tf.float32], "output_shapes": [tf.TensorShape([])]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not have a value"):
            sess.run(none)
        wrong = apply_op("OptionalGetValue", [full], {
            "output_types": [tf.float32], "output_shapes": [tf.TensorShape([2])]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="has 2 components"):
            sess.run(wrong)


@pytest.mark.parametrize("name", sorted(EXEMPT))
def test_signature_matches_tf(name):
    check_opdef_matches_tf(name)
