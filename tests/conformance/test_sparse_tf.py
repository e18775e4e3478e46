"""The sparse ops against real TensorFlow: one program built in both gives the same
values, dtypes, op types and gradients."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

IDX = [[0, 0], [0, 2], [1, 1], [2, 3]]
B = np.arange(8, dtype=np.float32).reshape(4, 2) - 3.0
D = np.arange(12, dtype=np.float32).reshape(3, 4) / 7.0


def _sp(tf):
    return tf.SparseTensor(IDX, [1.0, -2.0, 3.0, 4.0], [3, 4])


def _sp3(tf):
    return tf.SparseTensor([[0, 0, 1], [0, 1, 0], [1, 0, 2], [1, 2, 1]],
                           [5, 6, 7, 8], [2, 3, 3])


PROGRAMS = {
    "matmul": lambda tf: tf.sparse_tensor_dense_matmul(_sp(tf), B),
    "matmul_adj": lambda tf: tf.sparse.matmul(_sp(tf), B.T, adjoint_b=True),
    "matmul_adj_a": lambda tf: tf.sparse.sparse_dense_matmul(
        tf.SparseTensor([[0, 1], [2, 0], [3, 2]], [1.0, 2.0, 3.0], [4, 3]), B,
        adjoint_a=True),
    "add": lambda tf: tf.sparse_add(_sp(tf), tf.SparseTensor([[0, 0], [1, 0]], [-1.0, 2.0],
                                                             [3, 4])),
    "add_thresh": lambda tf: tf.sparse.add(_sp(tf), tf.SparseTensor(
        [[0, 0], [0, 2]], [-0.5, 2.5], [3, 4]), threshold=0.6),
    "add_dense": lambda tf: tf.sparse_add(_sp(tf), D),
    "concat1": lambda tf: tf.sparse_concat(1, [_sp(tf), _sp(tf)]),
    "concat0": lambda tf: tf.sparse.concat(0, [_sp(tf), _sp(tf)]),
    "concat_expand": lambda tf: tf.sparse_concat(
        1, [_sp(tf), tf.SparseTensor([[4, 0]], [9.0], [5, 1])], expand_nonconcat_dim=True),
    "reshape": lambda tf: tf.sparse_reshape(_sp(tf), [2, -1]),
    "reshape3": lambda tf: tf.sparse.reshape(_sp3(tf), [3, 6]),
    "reorder": lambda tf: tf.sparse_reorder(tf.SparseTensor([[2, 1], [0, 3], [0, 1]],
                                                            [1, 2, 3], [3, 4])),
    "retain": lambda tf: tf.sparse_retain(_sp(tf), [True, False, True, True]),
    "reduce_sum": lambda tf: tf.sparse_reduce_sum(_sp(tf), 1),
    "reduce_sum_all": lambda tf: tf.sparse_reduce_sum(_sp3(tf)),
    "reduce_sum_keep": lambda tf: tf.sparse.reduce_sum(_sp3(tf), [0, 2], keepdims=True),
    "reduce_max": lambda tf: tf.sparse_reduce_max(_sp(tf), 0),
    "reduce_sum_sparse": lambda tf: tf.sparse_reduce_sum_sparse(_sp3(tf), 1),
    "reduce_max_sparse": lambda tf: tf.sparse.reduce_max_sparse(_sp3(tf), -1,
                                                                keepdims=True),
    "fill": lambda tf: tf.sparse_fill_empty_rows(
        tf.SparseTensor([[1, 0], [1, 1], [3, 2]], [5.0, 6.0, 7.0], [5, 3]), -1.0),
    "slice": lambda tf: tf.sparse_slice(_sp(tf), [0, 1], [2, 3]),
    "slice_clip": lambda tf: tf.sparse.slice(_sp3(tf), [1, 0, 1], [5, 5, 5]),
    "split": lambda tf: tf.sparse_split(sp_input=_sp(tf), num_split=3, axis=1),
    "split0": lambda tf: tf.sparse.split(sp_input=_sp3(tf), num_split=2, axis=0),
    "transpose": lambda tf: tf.sparse_transpose(_sp(tf)),
    "transpose_perm": lambda tf: tf.sparse.transpose(_sp3(tf), [1, 2, 0]),
    "maximum": lambda tf: tf.sparse_maximum(_sp(tf), tf.SparseTensor(
        [[0, 0], [1, 0], [2, 3]], [5.0, -1.0, 1.0], [3, 4])),
    "minimum": lambda tf: tf.sparse.minimum(_sp(tf), tf.SparseTensor(
        [[0, 0], [1, 0], [2, 3]], [5.0, -1.0, 1.0], [3, 4])),
    "softmax": lambda tf: tf.sparse_softmax(_sp(tf)),
    "softmax3": lambda tf: tf.sparse.softmax(tf.SparseTensor(
        [[0, 0, 1], [0, 0, 2], [1, 0, 2], [1, 2, 1]], [1.0, 3.0, 2.0, -1.0], [2, 3, 3])),
    "seg_sum": lambda tf: tf.sparse_segment_sum(B, [0, 1, 3], [0, 0, 2]),
    "seg_mean": lambda tf: tf.sparse_segment_mean(B, [0, 1, 3, 3], [0, 0, 2, 2]),
    "seg_sqrtn": lambda tf: tf.sparse.segment_sqrt_n(B, [0, 1, 3], [0, 0, 1],
                                                     num_segments=4),
    "seg_sum_n": lambda tf: tf.sparse.segment_sum(B, [2, 1], [0, 3], num_segments=5),
    "expand_dims": lambda tf: tf.sparse.expand_dims(_sp(tf), 1),
    "expand_dims_last": lambda tf: tf.sparse.expand_dims(_sp3(tf)),
    "to_indicator": lambda tf: tf.sparse_to_indicator(tf.SparseTensor(
        [[0, 0], [0, 1], [1, 0]], [3, 1, 2], [2, 2]), 4),
    "reset_shape": lambda tf: tf.sparse_reset_shape(_sp3(tf)),
    "reset_shape_to": lambda tf: tf.sparse.reset_shape(_sp(tf), [4, 5]),
    "merge": lambda tf: tf.sparse_merge(
        tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([3, 1, 2], tf.int64), [2, 2]),
        tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0.5, 1.5, 2.5], [2, 2]), 4),
    "eye": lambda tf: tf.sparse.eye(3, 5),
    "mul_dense": lambda tf: _sp(tf) * D,
    "mul_broadcast": lambda tf: _sp(tf) * np.array([1.0, 2.0, 3.0, 4.0], np.float32),
    "div_dense": lambda tf: _sp(tf) / (D + 1.0),
    "div_scalar": lambda tf: _sp(tf) / 4.0,
    "mul_int3": lambda tf: _sp3(tf) * np.array([[2], [3], [4]], np.int32),
    "to_dense": lambda tf: tf.sparse.to_dense(tf.sparse_reorder(_sp3(tf))),
}


def _flatten(v):
    if hasattr(v, "indices") and hasattr(v, "dense_shape"):
        return [np.asarray(v.indices), np.asarray(v.values), np.asarray(v.dense_shape)]
    if isinstance(v, (list, tuple)):
        return [x for e in v for x in _flatten(e)]
    return [np.asarray(v)]


def _run(tf, build):
    with tf.Graph().as_default():
        out = build(tf)
        with tf.Session() as s:
            return _flatten(s.run(out))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_values_as_tf(name):
    got = _run(fg, PROGRAMS[name])
    want = _run(tf1, PROGRAMS[name])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype, (name, g.dtype, w.dtype)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6, err_msg=name)


def _op_types(tf, build):
    with tf.Graph().as_default() as g:
        build(tf)
        return {op.type for op in g.get_operations()}


@pytest.mark.parametrize("name,op_type", [
    ("matmul", "SparseTensorDenseMatMul"), ("add", "SparseAdd"),
    ("add_dense", "SparseTensorDenseAdd"), ("concat1", "SparseConcat"),
    ("reshape", "SparseReshape"), ("reorder", "SparseReorder"),
    ("reduce_sum", "SparseReduceSum"), ("reduce_max", "SparseReduceMax"),
    ("reduce_sum_sparse", "SparseReduceSumSparse"),
    ("reduce_max_sparse", "SparseReduceMaxSparse"), ("fill", "SparseFillEmptyRows"),
    ("slice", "SparseSlice"), ("split", "SparseSplit"), ("maximum", "SparseSparseMaximum"),
    ("minimum", "SparseSparseMinimum"), ("softmax", "SparseSoftmax"),
    ("seg_sum", "SparseSegmentSum"), ("seg_mean", "SparseSegmentMean"),
    ("seg_sqrtn", "SparseSegmentSqrtNWithNumSegments"),
    ("seg_sum_n", "SparseSegmentSumWithNumSegments")])
def test_op_types_as_tf(name, op_type):
    assert op_type in _op_types(tf1, PROGRAMS[name])
    assert op_type in _op_types(fg, PROGRAMS[name])


VALS = np.array([1.0, -2.0, 3.0, 4.0])
DENSE = np.arange(8, dtype=np.float64).reshape(4, 2) / 3.0 - 1.0

# (name, build(tf, values, dense) -> a float tensor of both)
GRADS = {
    "matmul": lambda tf, v, d: tf.sparse_tensor_dense_matmul(
        tf.SparseTensor(IDX, v, [3, 4]), d),
    "matmul_adj": lambda tf, v, d: tf.sparse_tensor_dense_matmul(
        tf.SparseTensor([[0, 1], [2, 0], [1, 3], [1, 1]], v, [3, 4]),
        tf.transpose(d[:3]), adjoint_a=True, adjoint_b=True),
    "add": lambda tf, v, d: tf.sparse.to_dense(tf.sparse_add(
        tf.SparseTensor(IDX, v, [3, 4]), tf.SparseTensor([[0, 0], [1, 0]], v[:2] * 2.0,
                                                         [3, 4]))) * tf.reduce_sum(d),
    "add_dense": lambda tf, v, d: tf.sparse_add(tf.SparseTensor(IDX, v, [3, 4]),
                                                tf.reshape(d[:3] * 2.0, [3, 2]) @
                                                tf.ones([2, 4], tf.float64)),
    "reorder": lambda tf, v, d: tf.sparse.to_dense(tf.sparse_reorder(tf.SparseTensor(
        [[2, 1], [0, 3], [0, 1], [1, 1]], v, [3, 4]))) * tf.reduce_sum(d),
    "reduce_sum": lambda tf, v, d: tf.sparse_reduce_sum(
        tf.SparseTensor(IDX, v * tf.reduce_sum(d), [3, 4]), 1) ** 2,
    "slice": lambda tf, v, d: tf.sparse_slice(
        tf.SparseTensor(IDX, v * tf.reduce_mean(d), [3, 4]), [0, 1], [2, 3]).values ** 2,
    "fill": lambda tf, v, d: tf.sparse_fill_empty_rows(tf.SparseTensor(
        [[1, 0], [1, 1], [3, 2], [3, 3]], v, [5, 4]), tf.reduce_sum(d))[0].values ** 2,
    "softmax": lambda tf, v, d: tf.sparse_softmax(tf.SparseTensor(IDX[:2] + [[0, 3], [2, 0]],
                                                                  v, [3, 4])).values *
    tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64) * tf.reduce_sum(d),
    "seg_sum": lambda tf, v, d: tf.sparse_segment_sum(d, [0, 1, 3], [0, 0, 2]) * 1.5,
    "cwise_mul": lambda tf, v, d: (tf.SparseTensor(IDX, v, [3, 4]) *
                                   tf.reshape(d, [2, 4])[:1]).values ** 2,
    "cwise_div": lambda tf, v, d: (tf.SparseTensor(IDX, v, [3, 4]) /
                                   (tf.reshape(d, [2, 4])[1] + 3.0)).values ** 2,
    "seg_mean": lambda tf, v, d: tf.sparse_segment_mean(d, [0, 1, 3, 3], [0, 0, 2, 2]) ** 2,
    "seg_sqrtn": lambda tf, v, d: tf.sparse.segment_sqrt_n(
        d, [0, 1, 3], [0, 0, 1], num_segments=4) ** 2,
}


def _grads(tf, build):
    with tf.Graph().as_default():
        v = tf.constant(VALS)
        d = tf.constant(DENSE)
        y = tf.reduce_sum(build(tf, v, d) * 0.7)
        gs = [g for g in tf.gradients(y, [v, d])]
        with tf.Session() as s:
            return s.run([g if g is not None else tf.zeros([1], tf.float64) for g in gs])


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_as_tf(name):
    got, want = _grads(fg, GRADS[name]), _grads(tf1, GRADS[name])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8, err_msg=name)


def _embedding(tf, combiner, weighted, safe, default_id=None):
    with tf.Graph().as_default():
        params = tf.constant(np.arange(15, dtype=np.float64).reshape(5, 3) / 4.0)
        if safe:
            ids = tf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 1]],
                                  tf.constant([1, 3, -1, 4, 2], tf.int64), [2, 3, 2])
            w = tf.SparseTensor(ids.indices, tf.constant([1.0, 2.0, 1.0, 0.0, 3.0],
                                                         tf.float64), ids.dense_shape)
        else:
            ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1], [3, 2]],
                                  tf.constant([1, 3, 0, 4, 1, 1], tf.int64), [4, 3])
            w = tf.SparseTensor(ids.indices, tf.constant([1.0, 2.0, 1.0, 0.5, 3.0, 1.0],
                                                         tf.float64), ids.dense_shape)
        w = w if weighted else None
        if safe:
            out = tf.nn.safe_embedding_lookup_sparse(params, ids, w, combiner=combiner,
                                                     default_id=default_id)
        else:
            out = tf.nn.embedding_lookup_sparse(params, ids, w, combiner=combiner)
        grad = tf.gradients(tf.reduce_sum(out * out), params)[0]
        grad = tf.convert_to_tensor(grad)
        with tf.Session() as s:
            return s.run([out, grad]), out.shape.as_list()


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("safe", [False, True])
def test_embedding_lookup_sparse_as_tf(combiner, weighted, safe):
    (got, gg), gshape = _embedding(fg, combiner, weighted, safe)
    (want, wg), wshape = _embedding(tf1, combiner, weighted, safe)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(gg, wg, rtol=1e-12)
    assert gshape == wshape


def test_safe_embedding_default_id_as_tf():
    (got, _), _ = _embedding(fg, "mean", True, True, default_id=2)
    (want, _), _ = _embedding(tf1, "mean", True, True, default_id=2)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_sparse_placeholder_feed_and_fetch_as_tf():
    value = ([[0, 1], [2, 0]], [3.0, 4.0], [3, 2])
    res = []
    for tf in (fg, tf1):
        with tf.Graph().as_default():
            sp = tf.sparse_placeholder(tf.float32)
            out = tf.sparse_reduce_sum(sp, 0)
            with tf.Session() as s:
                res.append(s.run([out, tf.sparse_reorder(sp)], {sp: value}))
    np.testing.assert_allclose(res[0][0], res[1][0])
    for a, b in zip(res[0][1], res[1][1]):
        np.testing.assert_array_equal(a, b)
