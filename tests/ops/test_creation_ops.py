"""Creation ops (zeros, ones, *_like, fill, range, linspace, sequence_mask, meshgrid) and
diagonals (matrix_diag/_part/set_diag with bands, diag/diag_part, eye)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

X = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 3.0
M = np.random.RandomState(0).uniform(-1, 1, (2, 3, 4)).astype(np.float32)


def dyn(x):
    return tf.placeholder_with_default(x, [None] * x.shape.ndims)


def _diag_part_ref(m, k0, k1, pad=0.0):
    """numpy reference for MatrixDiagPartV3 with RIGHT_LEFT alignment."""
    rows, cols = m.shape[-2:]
    max_len = min(rows + min(k1, 0), cols - max(k0, 0))
    out = np.full(m.shape[:-2] + (k1 - k0 + 1, max_len), pad, m.dtype)
    for i, d in enumerate(range(k1, k0 - 1, -1)):
        diag = np.diagonal(m, offset=d, axis1=-2, axis2=-1)
        n = diag.shape[-1]
        off = max_len - n if d >= 0 else 0
        out[..., i, off:off + n] = diag
    return out[..., 0, :] if k0 == k1 else out


def _set_diag_ref(m, diag, k0, k1):
    out = m.copy()
    if k0 == k1:
        diag = diag[..., None, :]
    max_len = diag.shape[-1]
    for i, d in enumerate(range(k1, k0 - 1, -1)):
        n = np.diagonal(m, offset=d, axis1=-2, axis2=-1).shape[-1]
        off = max_len - n if d >= 0 else 0
        r = np.arange(n) + max(0, -d)
        out[..., r, r + d] = diag[..., i, off:off + n]
    return out


CASES = [
    Case("Fill", lambda v: tf.fill([2, 3], v), [np.float32(1.5)],
         ref=lambda v: np.full((2, 3), v, np.float32)),
    Case("Fill", lambda x: tf.fill(tf.shape(dyn(x)), 7), [X],
         ref=lambda x: np.full((2, 3), 7, np.int32), grad=False, name="Fill_dynamic"),
    Case("ZerosLike", lambda x: tf.zeros_like(dyn(x)), [X], ref=np.zeros_like, grad=False),
    Case("OnesLike", lambda x: apply_op("OnesLike", [x]), [X], ref=np.ones_like, grad=False),
    Case("Range", lambda: tf.range(2, 11, 3), [], ref=lambda: np.arange(2, 11, 3, dtype=np.int32)),
    Case("Range", lambda: tf.range(1.0, -1.0, -0.25), [],
         ref=lambda: np.arange(1.0, -1.0, -0.25, dtype=np.float32), name="Range_float_neg"),
    Case("Range", lambda x: tf.range(tf.size(dyn(x))), [X],
         ref=lambda x: np.arange(6, dtype=np.int32), grad=False, name="Range_dynamic"),
    Case("LinSpace", lambda a, b: tf.linspace(a, b, 5), [np.float32(-1.0), np.float32(2.0)],
         ref=lambda a, b: np.linspace(a, b, 5, dtype=np.float32)),
    Case("LinSpace", lambda a, b: tf.linspace(a, b, 1), [np.float32(-1.0), np.float32(2.0)],
         ref=lambda a, b: np.array([a], np.float32), name="LinSpace_one"),
    Case("MatrixDiagV3", tf.linalg.diag, [X], ref=lambda x: np.stack([np.diag(r) for r in x])),
    Case("MatrixDiagV3", lambda d: tf.linalg.diag(d, k=(-1, 1), num_cols=5, padding_value=9),
         [M[:, :, :3]], name="MatrixDiagV3_band",
         ref=lambda d: _ref_band_diag(d, -1, 1, 3, 5, 9.0)),
    Case("MatrixDiagPartV3", tf.linalg.diag_part, [M], ref=lambda m: _diag_part_ref(m, 0, 0)),
    Case("MatrixDiagPartV3", lambda m: tf.linalg.diag_part(m, k=(-1, 2), padding_value=5), [M],
         ref=lambda m: _diag_part_ref(m, -1, 2, 5.0), name="MatrixDiagPartV3_band", grad=[0]),
    Case("MatrixSetDiagV3", tf.linalg.set_diag, [M, X],
         ref=lambda m, d: _set_diag_ref(m, d, 0, 0)),
    Case("MatrixSetDiagV3", lambda m, d: tf.linalg.set_diag(m, d, k=(0, 1)), [M, M[:, :2, :3]],
         ref=lambda m, d: _set_diag_ref(m, d, 0, 1), name="MatrixSetDiagV3_band"),
    Case("Diag", tf.linalg.tensor_diag, [X],
         ref=lambda x: np.diag(x.reshape(-1)).reshape(2, 3, 2, 3)),
    Case("DiagPart", tf.linalg.tensor_diag_part, [M.reshape(2, 3, 4)[:, :, :3].reshape(2, 3, 1, 3)
                                                  .repeat(2, 2).reshape(2, 3, 2, 3)],
         ref=lambda x: np.einsum("ijij->ij", x)),
]

EXEMPT = {}


def _ref_band_diag(d, k0, k1, rows, cols, pad):
    out = np.full(d.shape[:-2] + (rows, cols), pad, d.dtype)
    max_len = d.shape[-1]
    for i, k in enumerate(range(k1, k0 - 1, -1)):
        n = min(rows + min(0, k), cols - max(0, k))
        off = max_len - n if k >= 0 else 0
        r = np.arange(n) + max(0, -k)
        out[..., r, r + k] = d[..., i, off:off + n]
    return out


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_zeros_ones_op_types_follow_tf():
    assert tf.zeros([2, 3]).op.type == "Const"
    assert tf.zeros([1000]).op.type == "Fill" and tf.zeros([999]).op.type == "Const"
    assert tf.ones([100, 100]).op.type == "Fill"
    u = tf.placeholder(tf.float32, [None, 3])
    z = tf.zeros([tf.shape(u)[0], 3])
    assert z.op.type == "Fill" and z.shape.as_list() == [None, 3]
    assert tf.zeros_like(u).op.type == "ZerosLike"
    assert tf.zeros_like(tf.placeholder(tf.float32, [2, 3])).op.type == "Const"
    assert tf.ones_like(u).op.type == "Fill" and tf.ones_like(u).shape.as_list() == [None, 3]
    assert tf.zeros([2], tf.string).dtype == tf.string
    assert tf.zeros(tf.TensorShape([2, 3]), tf.int64).dtype == tf.int64
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(z, {u: np.ones((4, 3))}), np.zeros((4, 3)))
        assert sess.run(tf.zeros([2], tf.string)).tolist() == [b"", b""]
        assert sess.run(tf.ones([2], tf.bool)).tolist() == [True, True]
        np.testing.assert_array_equal(sess.run(tf.ones_like(u, dtype=tf.int32),
                                               {u: np.zeros((2, 3))}), np.ones((2, 3)))
        assert sess.run(tf.zeros([1000])).sum() == 0


def test_range_dtype_inference():
    assert tf.range(5).dtype == tf.int32 and tf.range(5).shape.as_list() == [5]
    assert tf.range(1, 3, 0.5).dtype == tf.float32
    assert tf.range(1, 3, 0.5).shape.as_list() == [4]
    assert tf.range(5, dtype=tf.float64).dtype == tf.float64
    assert tf.range(tf.constant(5, tf.int64)).dtype == tf.int64
    assert tf.range(tf.placeholder(tf.int32, [])).shape.as_list() == [None]
    r = tf.range(3)
    assert r.op.type == "Range" and r.op.get_attr("Tidx") == tf.int32
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.range(10, 1, -3)), [10, 7, 4])


def test_range_errors():
    with pytest.raises(ValueError, match="delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(ValueError, match="start <= limit"):
        tf.range(5, 0, 1)
    n = tf.placeholder(tf.int32, [])
    r = tf.range(5, n, 1)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="range"):
            sess.run(r, {n: 0})


def test_fill_errors_and_gradient():
    with pytest.raises(ValueError, match="Fill"):
        tf.fill([2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="-2"):
        tf.fill([-2, 3], 1.0)
    d = tf.placeholder(tf.int32, [2])
    f = tf.fill(d, 1.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Fill"):
            sess.run(f, {d: [-1, 2]})
    v = tf.placeholder(tf.float64, [])
    g, = tf.gradients(tf.fill([2, 3], v), v)
    with tf.Session() as sess:
        assert sess.run(g, {v: 1.0}) == 6.0


def test_like_ops_have_no_gradient():
    x = tf.placeholder(tf.float32, [None])
    assert tf.gradients(tf.zeros_like(x) + tf.ones_like(x), x) == [None]


def test_sequence_mask():
    lengths = tf.placeholder(tf.int32, [None])
    m = tf.sequence_mask(lengths, 4)
    m2 = tf.sequence_mask([[1, 3], [0, 2]], dtype=tf.float32)
    assert m.dtype == tf.bool and m.shape.as_list() == [None, 4]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(m, {lengths: [1, 3]}),
                                      [[1, 0, 0, 0], [1, 1, 1, 0]])
        np.testing.assert_array_equal(sess.run(m2), [[[1, 0, 0], [1, 1, 1]],
                                                     [[0, 0, 0], [1, 1, 0]]])
        assert sess.run(m2).dtype == np.float32


def test_meshgrid():
    x, y = tf.meshgrid([1, 2, 3], [4, 5])
    a, b = tf.meshgrid([1., 2., 3.], [4., 5.], indexing="ij")
    assert x.shape.as_list() == [2, 3] and a.shape.as_list() == [3, 2]
    want_x, want_y = np.meshgrid([1, 2, 3], [4, 5])
    want_a, want_b = np.meshgrid([1., 2., 3.], [4., 5.], indexing="ij")
    with tf.Session() as sess:
        for t, w in zip(sess.run([x, y, a, b]), [want_x, want_y, want_a, want_b]):
            np.testing.assert_array_equal(t, w)
    with pytest.raises(ValueError, match="indexing"):
        tf.meshgrid([1], [2], indexing="xx")


def test_eye():
    cases = [(tf.eye(3), np.eye(3)), (tf.eye(2, 4, dtype=tf.int32), np.eye(2, 4)),
             (tf.eye(3, batch_shape=[2]), np.broadcast_to(np.eye(3), (2, 3, 3))),
             (tf.eye(tf.constant(3), tf.constant(2)), np.eye(3, 2))]
    assert cases[0][0].op.type == "MatrixDiagV3"
    assert cases[1][0].op.type == "MatrixSetDiagV3" and cases[1][0].dtype == tf.int32
    with tf.Session() as sess:
        for t, w in cases:
            got = sess.run(t)
            np.testing.assert_array_equal(got, w)
            assert t.shape.is_compatible_with(got.shape)


def test_diag_errors():
    with pytest.raises(ValueError, match="MatrixDiagV3"):
        tf.linalg.diag(tf.zeros([2, 3]), k=(-1, 1))
    with pytest.raises(ValueError, match="DiagPart"):
        tf.linalg.tensor_diag_part(tf.zeros([2, 3, 4]))
    p = tf.placeholder(tf.float32)
    d = tf.linalg.tensor_diag_part(p)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="DiagPart"):
            sess.run(d, {p: np.zeros((2, 3))})


def test_diag_part_gradient_dynamic_shape():
    u = tf.placeholder(tf.float64, [None, 3])
    g, = tf.gradients(tf.reduce_sum(tf.linalg.diag_part(u) * 2.0), u)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {u: np.ones((4, 3))}),
                                      2 * np.eye(4, 3))


def test_zeros_like_strings_and_one_hot_uint8():
    s = tf.placeholder(tf.string, [None])
    z = tf.zeros_like(s)
    oh = tf.one_hot(tf.constant([255, 3], tf.uint8), 300)
    with tf.Session() as sess:
        assert sess.run(z, {s: [b"a", b"bc"]}).tolist() == [b"", b""]
        r = sess.run(oh)
    assert r.shape == (2, 300) and r[0, 255] == 1 and r[1, 3] == 1 and r.sum() == 2
