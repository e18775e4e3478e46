"""Op table for the sparse ops: each kernel against a dense numpy computation, each
differentiable op's gradient numerically; user errors raise TF's classes."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

IDX = np.array([[0, 0], [0, 2], [1, 1], [2, 3]], np.int64)
VALS = np.array([1.0, -2.0, 3.0, 4.0])
SHAPE = np.array([3, 4], np.int64)
B = np.arange(8, dtype=np.float64).reshape(4, 2) / 3.0 - 1.0


def dense(idx, vals, shape):
    out = np.zeros(tuple(shape), np.asarray(vals).dtype)
    for i, v in zip(np.asarray(idx).tolist(), vals):
        out[tuple(i)] += v
    return out


def sp(i, v, s):
    return tf.SparseTensor(i, v, s)


def parts(x):
    return [x.indices, x.values, x.dense_shape]


def _seg_ref(kind, n=None):
    def ref(data, indices, seg):
        rows = n if n is not None else (seg.max() + 1)
        out = np.zeros((rows,) + data.shape[1:], data.dtype)
        cnt = np.zeros(rows)
        for i, s in zip(indices, seg):
            out[s] += data[i]
            cnt[s] += 1
        norm = {"sum": np.ones(rows), "mean": np.maximum(cnt, 1),
                "sqrtn": np.sqrt(np.maximum(cnt, 1))}[kind]
        return out / norm[:, None]
    return ref


SEG_I = np.array([0, 1, 3, 3], np.int32)
SEG_S = np.array([0, 0, 2, 2], np.int32)


def _sorted_entries(d):
    nz = np.argwhere(d != 0)
    return nz.astype(np.int64), d[tuple(nz.T)], np.array(d.shape, np.int64)


CASES = [
    Case("SparseTensorDenseMatMul", lambda i, v, s, b: tf.sparse_tensor_dense_matmul(
        sp(i, v, s), b), [IDX, VALS, SHAPE, B], lambda i, v, s, b: dense(i, v, s) @ b,
        grad=[1, 3]),
    Case("SparseTensorDenseMatMul", lambda i, v, s, b: tf.sparse_tensor_dense_matmul(
        sp(i, v, s), tf.transpose(b)[:, :3], adjoint_a=True, adjoint_b=True),
        [IDX, VALS, SHAPE, B], lambda i, v, s, b: dense(i, v, s).T @ b[:3],
        grad=[1, 3], name="SparseTensorDenseMatMul_adjoint"),
    Case("SparseAdd", lambda i, v, s: parts(tf.sparse_add(sp(i, v, s), sp(
        [[0, 0], [2, 2]], np.array([5.0, 6.0]), s))), [IDX, VALS, SHAPE],
        lambda i, v, s: _sorted_entries(dense(i, v, s) + dense([[0, 0], [2, 2]],
                                                               [5.0, 6.0], s)), grad=False),
    Case("SparseAdd", lambda i, v, s: tf.sparse_add(sp(i, v, s), sp(
        [[0, 0], [1, 1]], v[:2] * 2.0, s)).values * 1.0, [IDX, VALS, SHAPE],
        lambda i, v, s: np.array([3.0, -2.0, 3.0 - 4.0, 4.0]), grad=[1],
        name="SparseAdd_grad"),
    Case("SparseAddGrad", lambda g, a, b, c: tf.raw_ops.SparseAddGrad(
        backprop_val_grad=g, a_indices=a, b_indices=b, sum_indices=c),
        [np.array([1.0, 2.0, 3.0]), IDX[:2], IDX[1:3], IDX[:3]],
        lambda g, a, b, c: [np.array([1.0, 2.0]), np.array([2.0, 3.0])], grad=False),
    Case("SparseTensorDenseAdd", lambda i, v, s, d: tf.sparse_add(sp(i, v, s), d),
         [IDX, VALS, SHAPE, np.ones((3, 4))], lambda i, v, s, d: dense(i, v, s) + d,
         grad=[1, 3]),
    Case("SparseConcat", lambda i, v, s: parts(tf.sparse_concat(1, [sp(i, v, s),
                                                                   sp(i, v * 2, s)])),
         [IDX, VALS, SHAPE], lambda i, v, s: _sorted_entries(np.concatenate(
             [dense(i, v, s), dense(i, v * 2, s)], 1)), grad=False),
    Case("SparseReshape", lambda i, v, s: parts(tf.sparse_reshape(sp(i, v, s), [2, 3, -1])),
         [IDX, VALS, SHAPE], lambda i, v, s: _sorted_entries(
             dense(i, v, s).reshape(2, 3, 2)), grad=False),
    Case("SparseReorder", lambda i, v, s: tf.sparse.to_dense(tf.sparse_reorder(
        sp(i[::-1], v, s))), [IDX, VALS, SHAPE], lambda i, v, s: dense(i[::-1], v, s),
        grad=[1]),
    Case("SparseReduceSum", lambda i, v, s: tf.sparse_reduce_sum(sp(i, v, s), 0),
         [IDX, VALS, SHAPE], lambda i, v, s: dense(i, v, s).sum(0), grad=[1]),
    Case("SparseReduceSum", lambda i, v, s: tf.sparse_reduce_sum(sp(i, v, s), -1,
                                                                 keepdims=True),
         [IDX, VALS, SHAPE], lambda i, v, s: dense(i, v, s).sum(-1, keepdims=True),
         grad=[1], name="SparseReduceSum_keepdims"),
    Case("SparseReduceMax", lambda i, v, s: tf.sparse_reduce_max(sp(i, v, s), 1),
         [IDX, VALS, SHAPE], lambda i, v, s: np.array([1.0, 3.0, 4.0]), grad=False),
    Case("SparseReduceSumSparse", lambda i, v, s: parts(tf.sparse_reduce_sum_sparse(
        sp(i, v, s), 0)), [IDX, VALS, SHAPE], lambda i, v, s: _sorted_entries(
            dense(i, v, s).sum(0)), grad=False),
    Case("SparseReduceMaxSparse", lambda i, v, s: parts(tf.sparse.reduce_max_sparse(
        sp(i, v, s), 1)), [IDX, VALS, SHAPE], lambda i, v, s: (
            np.array([[0], [1], [2]], np.int64), np.array([1.0, 3.0, 4.0]),
            np.array([3], np.int64)), grad=False),
    Case("SparseFillEmptyRows", lambda i, v, s: tf.sparse.to_dense(
        tf.sparse_fill_empty_rows(sp(i, v, s), 9.0)[0]),
        [IDX[1:3], VALS[1:3], np.array([4, 4], np.int64)],
        lambda i, v, s: dense(np.concatenate([i, [[2, 0], [3, 0]]]),
                              np.concatenate([v, [9.0, 9.0]]), s), grad=[1]),
    Case("SparseFillEmptyRowsGrad", lambda m, g: tf.raw_ops.SparseFillEmptyRowsGrad(
        reverse_index_map=m, grad_values=g), [np.array([2, 0], np.int64),
                                              np.array([1.0, 2.0, 3.0, 4.0])],
         lambda m, g: [np.array([3.0, 1.0]), np.array(6.0)], grad=False),
    Case("SparseSlice", lambda i, v, s: tf.sparse.to_dense(tf.sparse_slice(
        sp(i, v, s), [0, 1], [2, 3])), [IDX, VALS, SHAPE],
        lambda i, v, s: dense(i, v, s)[0:2, 1:4], grad=[1]),
    Case("SparseSliceGrad", lambda g, i, st, o: tf.raw_ops.SparseSliceGrad(
        backprop_val_grad=g, input_indices=i, input_start=st, output_indices=o),
        [np.array([5.0, 6.0]), IDX, np.array([0, 1], np.int64),
         np.array([[0, 1], [1, 0]], np.int64)],
        lambda g, i, st, o: np.array([0.0, 5.0, 6.0, 0.0]), grad=False),
    Case("SparseSplit", lambda i, v, s: [tf.sparse.to_dense(x) for x in tf.sparse_split(
        sp_input=sp(i, v, s), num_split=3, axis=1)], [IDX, VALS, SHAPE],
        lambda i, v, s: [dense(i, v, s)[:, :2], dense(i, v, s)[:, 2:3],
                         dense(i, v, s)[:, 3:]], grad=False),
    Case("SparseSparseMaximum", lambda i, v, s: tf.sparse.to_dense(tf.sparse_maximum(
        sp(i, v, s), sp([[0, 0], [0, 1]], np.array([3.0, -1.0]), s))), [IDX, VALS, SHAPE],
        lambda i, v, s: np.maximum(dense(i, v, s), dense([[0, 0], [0, 1]], [3.0, -1.0], s)),
        grad=False),
    Case("SparseSparseMinimum", lambda i, v, s: tf.sparse.to_dense(tf.sparse_minimum(
        sp(i, v, s), sp([[0, 0], [0, 1]], np.array([3.0, -1.0]), s))), [IDX, VALS, SHAPE],
        lambda i, v, s: np.minimum(dense(i, v, s), dense([[0, 0], [0, 1]], [3.0, -1.0], s)),
        grad=False),
    Case("SparseSoftmax", lambda i, v, s: tf.sparse_softmax(sp(i, v, s)).values,
         [np.array([[0, 0], [0, 2], [2, 1], [2, 3]], np.int64), VALS, SHAPE],
         lambda i, v, s: np.concatenate([np.exp(v[:2]) / np.exp(v[:2]).sum(),
                                         np.exp(v[2:]) / np.exp(v[2:]).sum()]), grad=[1]),
]
CASES += [
    Case("SparseDenseCwiseMul", lambda i, v, s, d: (sp(i, v, s) * d).values,
         [IDX, VALS, SHAPE, np.arange(4.0) + 1], lambda i, v, s, d: v * (i[:, 1] + 1),
         grad=[1, 3]),
    Case("SparseDenseCwiseDiv", lambda i, v, s, d: (sp(i, v, s) / d).values,
         [IDX, VALS, SHAPE, np.array([[2.0], [4.0], [5.0]])],
         lambda i, v, s, d: v / d[i[:, 0], 0], grad=[1, 3]),
    Case("SparseDenseCwiseAdd", lambda i, v, s, d: tf.raw_ops.SparseDenseCwiseAdd(
        sp_indices=i, sp_values=v, sp_shape=s, dense=d), [IDX, VALS, SHAPE, np.array(10.0)],
        lambda i, v, s, d: v + 10, grad=False),
]
for _kind, _op in (("sum", "Sum"), ("mean", "Mean"), ("sqrtn", "SqrtN")):
    _fn = {"sum": tf.sparse.segment_sum, "mean": tf.sparse.segment_mean,
           "sqrtn": tf.sparse.segment_sqrt_n}[_kind]
    CASES += [
        Case(f"SparseSegment{_op}", lambda d, i, s, _fn=_fn: _fn(d, i, s), [B, SEG_I, SEG_S],
             _seg_ref(_kind)),
        Case(f"SparseSegment{_op}WithNumSegments",
             lambda d, i, s, _fn=_fn: _fn(d, i, s, num_segments=5), [B, SEG_I, SEG_S],
             _seg_ref(_kind, 5)),
        Case(f"SparseSegment{_op}Grad", lambda g, i, s, _op=_op: getattr(
            tf.raw_ops, f"SparseSegment{_op}Grad")(grad=g, indices=i, segment_ids=s,
                                                    output_dim0=4),
             [np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 5.0]]), SEG_I, SEG_S],
             lambda g, i, s, _k=_kind: {"sum": np.array([[1, 2], [1, 2], [0, 0], [6, 10.]]),
                                        "mean": np.array([[.5, 1], [.5, 1], [0, 0], [3, 5]]),
                                        "sqrtn": np.array([[1, 2], [1, 2], [0, 0], [6, 10.]])
                                        / np.sqrt(2)}[_k], grad=False),
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(out, feed=None):
    with tf.Session() as s:
        return s.run(out, feed)


def test_user_errors_raise_tf_classes():
    with tf.Graph().as_default():
        a = tf.SparseTensor(IDX, VALS, SHAPE)
        with pytest.raises(tf.errors.InvalidArgumentError, match="inner dimension"):
            _run(tf.sparse_tensor_dense_matmul(a, np.ones((3, 2))))
        with pytest.raises(tf.errors.InvalidArgumentError, match="shapes do not match"):
            _run(tf.sparse_add(a, tf.SparseTensor(IDX, VALS, [3, 5])).values)
        with pytest.raises(tf.errors.InvalidArgumentError, match="only one output"):
            _run(tf.sparse_reshape(a, [-1, -1]).indices)
        with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
            _run(tf.sparse.segment_sum(B, [0, 1], [1, 0]))
        with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
            _run(tf.sparse.segment_sum(B, [0, 9], [0, 0]))
        with pytest.raises(TypeError):
            tf.sparse_reduce_sum(np.ones(3))
        with pytest.raises(TypeError, match="At least one input"):
            tf.sparse_add(np.ones(3), np.ones(3))
        with pytest.raises(ValueError, match="Keyword arguments"):
            tf.sparse_split(a, 2, 1)


def test_no_gradient_where_tf_has_none():
    with tf.Graph().as_default():
        v = tf.constant(VALS)
        out = tf.sparse_reduce_max(tf.SparseTensor(IDX, v, SHAPE), 1)
        with pytest.raises(LookupError):
            tf.gradients(out, v)


def test_sparse_tensor_value_fed_and_fetched():
    with tf.Graph().as_default():
        p = tf.sparse_placeholder(tf.float64)
        out = tf.sparse_transpose(p)
        got = _run(out, {p: tf.SparseTensorValue(IDX, VALS, SHAPE)})
    assert isinstance(got, tf.SparseTensorValue)
    np.testing.assert_array_equal(dense(got.indices, got.values, got.dense_shape),
                                  dense(IDX, VALS, SHAPE).T)
