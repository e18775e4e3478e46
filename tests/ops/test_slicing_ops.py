"""Slicing and gathering: slice, strided_slice and `Tensor.__getitem__`, gather, gather_nd,
scatter_nd, unsorted_segment_sum, boolean_mask, one_hot, unique, setdiff1d."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

X = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 3.0
Y = np.linspace(-1, 1, 24).astype(np.float32).reshape(2, 3, 4)
W = np.random.RandomState(0).uniform(-1, 1, (3, 5, 2)).astype(np.float32)


def _one_hot(idx, depth, axis=-1):
    out = (np.asarray(idx)[..., None] == np.arange(depth)).astype(np.float32)
    return np.moveaxis(out, -1, axis) if axis != -1 else out


def _segment_sum(data, ids, n):
    out = np.zeros((n,) + data.shape[np.ndim(ids):], data.dtype)
    for i, s in np.ndenumerate(np.asarray(ids)):
        if s >= 0:
            out[s] += data[i]
    return out


def _ss_grad_ref(shape, index, dy):
    out = np.zeros(shape, dy.dtype)
    out[index] = dy
    return out


CASES = [
    Case("Slice", lambda y: tf.slice(y, [0, 1, 1], [-1, 2, 3]), [Y],
         ref=lambda y: y[:, 1:3, 1:4]),
    Case("Slice", lambda y: tf.slice(y, [1, 0, 2], [1, 0, 1]), [Y],
         ref=lambda y: y[1:2, 0:0, 2:3], name="Slice_empty"),
    Case("StridedSlice", lambda y: y[1, ::-1, 1::2], [Y], ref=lambda y: y[1, ::-1, 1::2]),
    Case("StridedSlice", lambda y: y[..., None, -1], [Y], ref=lambda y: y[..., None, -1],
         name="StridedSlice_ellipsis_newaxis"),
    Case("StridedSlice", lambda y: y[-5:10, 2:-4:-1], [Y], ref=lambda y: y[-5:10, 2:-4:-1],
         name="StridedSlice_clamped"),
    Case("StridedSlice", lambda y: y[:, tf.constant(1), tf.constant(-3):], [Y],
         ref=lambda y: y[:, 1, -3:], name="StridedSlice_tensor_index"),
    Case("StridedSlice", lambda y: y[None, :, None, 0, :], [Y], ref=lambda y: y[None, :, None, 0],
         name="StridedSlice_newaxis_shrink"),
    Case("StridedSliceGrad",
         lambda dy: apply_op("StridedSliceGrad", [[2, 3, 4], [1, 0, 3], [2, 3, 0], [1, 2, -1],
                                                  dy], {"shrink_axis_mask": 1}),
         [np.arange(6, dtype=np.float32).reshape(2, 3)],
         ref=lambda dy: _ss_grad_ref((2, 3, 4), (1, slice(0, 3, 2), slice(3, 0, -1)), dy)),
    Case("GatherV2", lambda x: tf.gather(x, [[1, 0, 1], [0, 0, 1]]), [X],
         ref=lambda x: x[np.array([[1, 0, 1], [0, 0, 1]])]),
    Case("GatherV2", lambda w: tf.gather(w, [4, 0, 4, 2], axis=1), [W],
         ref=lambda w: w[:, [4, 0, 4, 2]], name="GatherV2_axis1"),
    Case("GatherV2", lambda w: tf.gather(w, [[1], [0]], axis=-1), [W],
         ref=lambda w: w[..., np.array([[1], [0]])], name="GatherV2_axis_last"),
    Case("GatherV2", lambda w: tf.gather(w, [[4, 1], [0, 0], [2, 2]], axis=1, batch_dims=1),
         [W], ref=lambda w: np.stack([w[i, idx] for i, idx in
                                      enumerate([[4, 1], [0, 0], [2, 2]])]),
         name="GatherV2_batch_dims"),
    Case("GatherV2", lambda w: tf.gather(w, [[1, 0, 1], [0, 0, 0], [1, 1, 0]], axis=2,
                                         batch_dims=1), [W],
         ref=lambda w: np.stack([w[i][:, idx] for i, idx in
                                 enumerate([[1, 0, 1], [0, 0, 0], [1, 1, 0]])]),
         name="GatherV2_batch_dims_axis2"),
    Case("GatherNd", lambda w: tf.gather_nd(w, [[[0, 4], [2, 1]], [[1, 1], [0, 4]]]), [W],
         ref=lambda w: w[np.array([[0, 2], [1, 0]]), np.array([[4, 1], [1, 4]])]),
    Case("GatherNd", lambda w: tf.gather_nd(w, [[2, 0, 1], [0, 0, 0]]), [W],
         ref=lambda w: w[[2, 0], [0, 0], [1, 0]], name="GatherNd_scalars"),
    Case("ScatterNd", lambda u: tf.scatter_nd([[1], [3], [1]], u, [5, 3]),
         [X.reshape(3, 2).repeat(3, 1)[:, :3]],
         ref=lambda u: _segment_sum(u, [1, 3, 1], 5)),
    Case("UnsortedSegmentSum", lambda w: tf.unsorted_segment_sum(w, [2, 0, 2], 4), [W],
         ref=lambda w: _segment_sum(w, [2, 0, 2], 4)),
    Case("UnsortedSegmentSum", lambda w: tf.unsorted_segment_sum(w, [[0, -1, 1, 0, 2]] * 3, 3),
         [W], ref=lambda w: _segment_sum(w, [[0, -1, 1, 0, 2]] * 3, 3),
         name="UnsortedSegmentSum_2d_negative"),
    Case("OneHot", lambda: tf.one_hot([[0, 2], [-1, 1]], 3), [],
         ref=lambda: _one_hot([[0, 2], [-1, 1]], 3)),
    Case("OneHot", lambda: tf.one_hot([0, 2, 1], 4, on_value=5, off_value=-1, axis=0), [],
         ref=lambda: np.where(_one_hot([0, 2, 1], 4, axis=0) > 0, 5, -1).astype(np.int32),
         name="OneHot_axis0_int"),
    Case("Unique", tf.unique, [np.array([4, 1, 4, 7, 1, 1], np.int64)],
         ref=lambda x: [np.array([4, 1, 7]), np.array([0, 1, 0, 2, 1, 1], np.int32)]),
    Case("UniqueWithCounts", tf.unique_with_counts, [np.array([4., 1, 4, 7, 1, 1], np.float32)],
         ref=lambda x: [np.array([4., 1, 7], np.float32), np.array([0, 1, 0, 2, 1, 1], np.int32),
                        np.array([2, 3, 1], np.int32)], grad=False),
    Case("ListDiff", lambda x, y: tf.setdiff1d(x, y),
         [np.array([1, 5, 2, 5, 9], np.int32), np.array([5, 3], np.int32)],
         ref=lambda x, y: [np.array([1, 2, 9], np.int32), np.array([0, 2, 4], np.int32)]),
]

EXEMPT = {}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_getitem_forms():
    y = tf.placeholder(tf.float32, [2, 3, 4])
    i = tf.placeholder(tf.int32, [])
    j = tf.placeholder(tf.int64, [])
    cases = [
        (y[0], Y[0]), (y[-1, -1], Y[-1, -1]), (y[:, 1:], Y[:, 1:]), (y[..., ::2], Y[..., ::2]),
        (y[::-1, ::-2, 3], Y[::-1, ::-2, 3]), (y[tf.newaxis], Y[None]), (y[1, ...], Y[1]),
        (y[..., 1, tf.newaxis], Y[..., 1, None]), (y[i], Y[1]), (y[i:], Y[1:]),
        (y[:, i:i + 2], Y[:, 1:3]), (y[j, :j], Y[1, :1]), (y[[1, 2]], Y[1, 2]),
        (y[tf.constant([True, False])], Y[[True, False]]), (y[np.int64(1), 2, 3], Y[1, 2, 3]),
        (y[:, -100:100], Y), (y[()], Y),
    ]
    with tf.Session() as sess:
        for t, want in cases:
            got = sess.run(t, {y: Y, i: 1, j: 1})
            np.testing.assert_array_equal(got, want)
            assert t.shape.is_compatible_with(np.shape(want)), (t, np.shape(want))
    assert y[0].op.type == "StridedSlice" and y[0].op.get_attr("shrink_axis_mask") == 1
    assert y[i].shape.as_list() == [3, 4] and y[:, i:].shape.as_list() == [2, None, 4]
    assert y[..., ::2].op.get_attr("ellipsis_mask") == 1
    assert y[None].op.get_attr("new_axis_mask") == 1


def test_getitem_on_variables_and_iteration():
    v = tf.Variable(Y)
    rows = list(tf.constant(X))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(v[1, :, 2]), Y[1, :, 2])
        np.testing.assert_array_equal(sess.run(rows), list(X))


def test_getitem_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(TypeError, match="valid indices"):
        x[1.5]
    with pytest.raises(TypeError, match="valid indices"):
        x[tf.constant(1.0)]
    with pytest.raises(ValueError, match="strided_slice"):
        x[5]
    with pytest.raises(ValueError, match="strided_slice"):
        x[::0]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        x[..., ...]
    with pytest.raises(ValueError, match="out of range"):
        x[0, 0, 0]
    p = tf.placeholder(tf.float32)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="strided_slice"):
            sess.run(p[3], {p: X})


def test_partial_shapes():
    u = tf.placeholder(tf.float32, [None, 3])
    assert tf.slice(u, [0, 1], [-1, 2]).shape.as_list() == [None, 2]
    assert tf.slice(u, [1, 1], [2, -1]).shape.as_list() == [2, 2]
    assert tf.slice(u, tf.placeholder(tf.int32, [2]), [1, 1]).shape.as_list() == [1, 1]
    assert u[1:, :2].shape.as_list() == [None, 2]
    assert u[:, tf.placeholder(tf.int32, [])].shape.as_list() == [None]
    assert tf.placeholder(tf.float32)[0].shape.ndims is None
    assert tf.gather(u, [0, 1]).shape.as_list() == [2, 3]
    assert tf.gather(u, tf.placeholder(tf.int32, [None, 2]), axis=1).shape.as_list() == \
        [None, None, 2]
    assert tf.gather(u, [1], axis=tf.placeholder(tf.int32, [])).shape.as_list() == [None, None]
    assert tf.gather_nd(u, tf.placeholder(tf.int32, [5, 1])).shape.as_list() == [5, 3]
    assert tf.unsorted_segment_sum(u, tf.placeholder(tf.int32, [None]), 4).shape.as_list() == \
        [4, 3]
    assert tf.one_hot(tf.placeholder(tf.int32, [None]), 5, axis=0).shape.as_list() == [5, None]
    assert tf.boolean_mask(u, tf.placeholder(tf.bool, [None])).shape.as_list() == [None, 3]
    assert tf.unique(tf.placeholder(tf.int32, [7])).y.shape.as_list() == [None]


def test_boolean_mask():
    y = tf.placeholder(tf.float32, [2, 3, 4])
    m = np.array([[True, False, True], [False, False, True]])
    out = tf.boolean_mask(y, m)
    out1 = tf.boolean_mask(y, [True, False, True, True], axis=2)
    u = tf.placeholder(tf.float32, [None, 3, 4])
    out2 = tf.boolean_mask(u, tf.placeholder_with_default(m, [None, 3]))
    assert out.shape.as_list() == [None, 4] and out1.shape.as_list() == [2, 3, None]
    assert out.op.type == "GatherV2"
    with tf.Session() as sess:
        a, b, c = sess.run([out, out1, out2], {y: Y, u: Y})
    np.testing.assert_array_equal(a, Y[m])
    np.testing.assert_array_equal(b, Y[:, :, [True, False, True, True]])
    np.testing.assert_array_equal(c, Y[m])
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(y, [True])
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(y, True)


def test_boolean_mask_gradient():
    x = tf.placeholder(tf.float64, [3, 2])
    y = tf.boolean_mask(x, [True, False, True])
    g, = tf.gradients(tf.reduce_sum(y * y), x)
    xv = np.arange(6.0).reshape(3, 2)
    with tf.Session() as sess:
        r = sess.run(g, {x: xv})
    np.testing.assert_allclose(r, 2 * xv * np.array([[1], [0], [1]]))


def test_gather_gradient_is_sparse_along_axis_0():
    # As TF: an IndexedSlices for axis 0 (densified only where a dense value is needed).
    p = tf.placeholder(tf.float32, [5, 2])
    g, = tf.gradients(tf.reduce_sum(tf.gather(p, [1, 3, 1])), p)
    assert isinstance(g, tf.IndexedSlices)
    g1, = tf.gradients(tf.reduce_sum(tf.gather(p, [1, 0], axis=1)), p)
    assert isinstance(g1, tf.Tensor)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(g), {p: np.ones((5, 2))}),
                                      [[0, 0], [2, 2], [0, 0], [1, 1], [0, 0]])
        np.testing.assert_array_equal(sess.run(g1), np.ones((5, 2)))


def test_gather_gradient_dynamic_shapes():
    p = tf.placeholder(tf.float64, [None, 4, 3])
    idx = tf.placeholder(tf.int32, [None])
    g1, = tf.gradients(tf.reduce_sum(tf.gather(p, idx, axis=1) ** 2), p)
    g2, = tf.gradients(tf.reduce_sum(tf.gather(p, [[0, 3], [1, 1]], axis=1, batch_dims=1)), p)
    pv = np.random.RandomState(0).uniform(size=(2, 4, 3))
    with tf.Session() as sess:
        r1, r2 = sess.run([g1, g2], {p: pv, idx: [3, 0, 3]})
    want1 = np.zeros_like(pv)
    for k in [3, 0, 3]:
        want1[:, k] += 2 * pv[:, k]
    np.testing.assert_allclose(r1, want1)
    want2 = np.zeros_like(pv)
    want2[0, 0] += 1
    want2[0, 3] += 1
    want2[1, 1] += 2
    np.testing.assert_allclose(r2, want2)


def test_unsorted_segment_sum_gradient_drops_negative_ids():
    d = tf.placeholder(tf.float64, [4, 2])
    s = tf.unsorted_segment_sum(d, [1, -1, 0, 1], 2)
    g, = tf.gradients(s, d, grad_ys=tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float64))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {d: np.ones((4, 2))}),
                                      [[3, 4], [0, 0], [1, 2], [3, 4]])


def test_slice_gradient_dynamic():
    u = tf.placeholder(tf.float64, [None, 3])
    b = tf.placeholder(tf.int32, [2])
    g, = tf.gradients(tf.reduce_sum(tf.slice(u, b, [1, 2])), u)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {u: np.ones((2, 3)), b: [1, 0]}),
                                      [[0, 0, 0], [1, 1, 0]])


@pytest.mark.parametrize("build,feed,op_type", [
    (lambda p: tf.slice(p, [0, 1], [3, 1]), X, "Slice"),
    (lambda p: tf.slice(p, [0, 4], [1, -1]), X, "Slice"),
    (lambda p: tf.gather(p, [5]), X, "GatherV2"),
    (lambda p: tf.gather(p, [-1]), X, "GatherV2"),
    (lambda p: tf.gather_nd(p, [[0, 5]]), X, "GatherNd"),
    (lambda p: tf.scatter_nd([[7]], p, [2, 3]), X[:1], "ScatterNd"),
    (lambda p: tf.unsorted_segment_sum(p, [0, 3], 2), X, "UnsortedSegmentSum"),
    (lambda p: tf.one_hot([0], tf.cast(p[0, 0], tf.int32) - 5), X, "OneHot"),
    (lambda p: tf.unique(p), X, "Unique"),
])
def test_run_time_errors(build, feed, op_type):
    p = tf.placeholder(tf.float32)
    out = build(p)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(out, {p: feed})
    op = (out[0] if isinstance(out, (list, tuple)) else out).op
    assert op.type == op_type and op.name in str(e.value)


def test_build_time_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match="GatherV2"):
        tf.gather(x, [0], axis=2)
    with pytest.raises(ValueError, match="GatherNd"):
        tf.gather_nd(x, [[0, 1, 1]])
    with pytest.raises(ValueError, match="UnsortedSegmentSum"):
        tf.unsorted_segment_sum(x, [0, 1, 1], 2)
    with pytest.raises(TypeError, match="off_value"):
        tf.one_hot([0, 1], 3, on_value=1.0, off_value=0)
    with pytest.raises(ValueError, match="Unique"):
        tf.unique(x)


def test_one_hot_dtypes():
    assert tf.one_hot([0, 1], 3).dtype == tf.float32
    assert tf.one_hot([0, 1], 3, on_value=1, dtype=tf.float32).dtype == tf.float32
    assert tf.one_hot([0, 1], 3, off_value=tf.constant(0, tf.int64)).dtype == tf.int64
    assert tf.one_hot([0, 1], 3, on_value=True, off_value=False).dtype == tf.bool
    with pytest.raises(TypeError):
        tf.one_hot([0, 1], 3, dtype=tf.bool)  # as TF: 1 is not a bool
