"""tf.sets: set_size / set_intersection / set_union / set_difference on dense and sparse
inputs, against TF and hand-computed sets."""
import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {n: "test_set_ops.py (SparseTensor results vs TF and by hand)" for n in (
    "DenseToDenseSetOperation", "DenseToSparseSetOperation", "SparseToSparseSetOperation",
    "SetSize")}
A = np.array([[1, 2, 2, 3], [4, 5, 4, 4]], np.int32)
B = np.array([[2, 3, 9, 9], [1, 4, 4, 4]], np.int32)


def _program(tf):
    a, b = tf.constant(A), tf.constant(B)
    sp = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [7, 2, 5], [2, 4])
    a3 = tf.constant(np.arange(24, dtype=np.int64).reshape(2, 3, 4) % 5)
    b3 = tf.constant(np.arange(24, dtype=np.int64).reshape(2, 3, 4) % 3)
    s1 = tf.constant([[b"a", b"b", b"a"], [b"c", b"a", b"d"]])
    s2 = tf.constant([[b"b", b"z", b"z"], [b"d", b"d", b"c"]])
    return {"inter": tf.sets.set_intersection(a, b), "union": tf.sets.set_union(a, b),
            "diff": tf.sets.set_difference(a, b),
            "diffb": tf.sets.set_difference(a, b, aminusb=False),
            "ds": tf.sets.set_intersection(a, sp), "sd": tf.sets.set_difference(sp, a),
            "ss": tf.sets.set_union(sp, sp), "rank3": tf.sets.set_union(a3, b3),
            "str": tf.sets.set_difference(s1, s2), "size": tf.sets.set_size(sp),
            "size_of_result": tf.sets.size(tf.sets.intersection(a, b))}


def _run(tf):
    with tf.Graph().as_default():
        outs = _program(tf)
        static = {k: [t.shape.as_list() if t.shape.ndims is not None else None
                      for t in ((v.indices, v.values, v.dense_shape)
                                if hasattr(v, "indices") else (v,))]
                  for k, v in outs.items()}
        # (TF's get_attr gives string attrs as bytes, flowgraph's as str)
        types = {k: (v.indices.op.type, tf.compat.as_str(v.indices.op.get_attr(
            "set_operation"))) for k, v in outs.items() if hasattr(v, "indices")}
        with tf.Session() as s:
            vals = s.run(outs)
    return vals, static, types


def test_hand_computed():
    vals = _run(tf)[0]
    inter = vals["inter"]
    np.testing.assert_array_equal(inter.indices, [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(inter.values, [2, 3, 4])
    np.testing.assert_array_equal(inter.dense_shape, [2, 2])
    np.testing.assert_array_equal(vals["union"].values, [1, 2, 3, 9, 1, 4, 5])
    np.testing.assert_array_equal(vals["size"], [2, 1])
    np.testing.assert_array_equal(vals["size_of_result"], [2, 1])
    assert list(vals["str"].values) == [b"a", b"a"]


def test_same_as_tensorflow():
    tft = pytest.importorskip("tensorflow").compat.v1
    ours, theirs = _run(tf), _run(tft)
    assert ours[1:] == theirs[1:]
    for k in ours[0]:
        a, b = ours[0][k], theirs[0][k]
        for x, y in zip(a if isinstance(a, tuple) else [a], b if isinstance(b, tuple) else [b]):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y), err_msg=k)


def test_errors():
    with tf.Graph().as_default():
        with pytest.raises(TypeError):
            tf.sets.set_size(tf.constant([[1, 2]]))
        with pytest.raises(TypeError):
            tf.sets.set_union(tf.constant([[1.0]]), tf.constant([[2.0]]))
        with pytest.raises(ValueError):
            tf.sets.set_union(tf.constant([1, 2]), tf.constant([1, 2]))
        bad = tf.sets.set_union(tf.constant([[1, 2]]), tf.constant([[1], [2]]))
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError):
            s.run(bad)
