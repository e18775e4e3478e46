"""Partition/stitch, counting and searching, index and bit reinterpretation, batch<->space
and volume patches against numpy, with numeric gradients."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

rng = np.random.RandomState(2)
D = rng.uniform(-1, 1, (5, 2)).astype(np.float32)
P = np.array([1, 0, 2, 1, 0], np.int32)
X4 = rng.uniform(-1, 1, (2, 4, 6, 3)).astype(np.float32)
V5 = rng.uniform(-1, 1, (1, 3, 4, 3, 2)).astype(np.float32)


def _np_s2b(x, block, pads):
    m = len(block)
    x = np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - m - 1))
    b = x.shape[0]
    outs = []
    # batch index of the output is (offsets..., b) with b fastest: loop in that order
    for off in np.ndindex(*block):
        sl = tuple(slice(o, None, k) for o, k in zip(off, block))
        outs.append(x[(slice(None),) + sl])
    return np.concatenate(outs, 0).reshape((b * int(np.prod(block)),) + outs[0].shape[1:])


def _np_patches(x, ks, st, padding):
    from flowgraph.ops.batch_space_ops import _out_size
    sizes = [_out_size(x.shape[i], ks[i], st[i], padding) for i in range(1, 4)]
    need = [(o - 1) * st[i + 1] + ks[i + 1] for i, (o, _) in enumerate(sizes)]
    xp = np.pad(x, [(0, 0)] + [(b, max(n - x.shape[i + 1] - b, 0))
                               for i, ((_, b), n) in enumerate(zip(sizes, need))] + [(0, 0)])
    out = np.zeros((x.shape[0],) + tuple(o for o, _ in sizes) +
                   (ks[1] * ks[2] * ks[3] * x.shape[4],), x.dtype)
    for a, b_, c in np.ndindex(*(o for o, _ in sizes)):
        patch = xp[:, a * st[1]:a * st[1] + ks[1], b_ * st[2]:b_ * st[2] + ks[2],
                   c * st[3]:c * st[3] + ks[3], :]
        out[:, a, b_, c] = patch.reshape(x.shape[0], -1)
    return out


def _partition_sum(d):
    parts = tf.dynamic_partition(d, P, 3)  # reshaped to static shapes for the grad check
    return [tf.reshape(parts[0], [2, 2]) * 2.0, tf.reshape(parts[1], [2, 2]),
            tf.reshape(parts[2], [1, 2]) * 3.0]


CASES = [
    Case("DynamicPartition", _partition_sum, [D],
         ref=lambda d: [d[P == 0] * 2, d[P == 1], d[P == 2] * 3]),
    Case("DynamicStitch", lambda a, b: tf.dynamic_stitch([[0, 3], [1, 4, 2]], [a, b]),
         [D[:2], D[2:]], ref=lambda a, b: np.stack([a[0], b[0], b[2], a[1], b[1]])),
    Case("DynamicStitch", lambda a, b: tf.dynamic_stitch([[0, 3], [1, 2, 3]], [a, b]),
         [D[:2], D[2:]], ref=lambda a, b: np.stack([a[0], b[0], b[1], b[2]]), grad=False,
         name="dynamic_stitch_overlap_last_wins"),
    Case("DenseBincount", lambda a: tf.bincount(a, minlength=7),
         [np.array([1, 1, 4, 0, 4, 4], np.int32)],
         ref=lambda a: np.bincount(a, minlength=7).astype(np.int32)),
    Case("DenseBincount", lambda a, w: tf.math.bincount(a, weights=w, maxlength=3),
         [np.array([1, 1, 4, 0, 2], np.int32), np.array([.5, 1., 2., 3., 4.], np.float32)],
         ref=lambda a, w: np.array([3., 1.5, 4.], np.float32), grad=False,
         name="bincount_weights_maxlength"),
    Case("HistogramFixedWidth", lambda v: tf.histogram_fixed_width(v, [-1.0, 1.0], nbins=5),
         [D.reshape(-1)], ref=lambda v: np.histogram(np.clip(v, -1, 1), 5, (-1, 1))[0]
         .astype(np.int32)),
    Case("LowerBound", lambda s, v: tf.searchsorted(s, v),
         [np.sort(D, axis=-1).T.copy(), rng.uniform(-1, 1, (2, 4)).astype(np.float32)],
         ref=lambda s, v: np.stack([np.searchsorted(a, b) for a, b in zip(s, v)])
         .astype(np.int32)),
    Case("UpperBound", lambda s, v: tf.searchsorted(s, v, side="right", out_type=tf.int64),
         [np.array([1, 2, 2, 3], np.int32), np.array([2, 0, 3, 9], np.int32)],
         ref=lambda s, v: np.searchsorted(s, v, side="right")),
    Case("UnravelIndex", tf.unravel_index, [np.array([0, 5, 11], np.int32),
                                            np.array([3, 4], np.int32)],
         ref=lambda i, d: np.stack(np.unravel_index(i, d)).astype(np.int32)),
    Case("Bitcast", lambda x: tf.bitcast(x, tf.int32), [np.array([1.0, -2.5], np.float32)],
         ref=lambda x: x.view(np.int32), grad=False),
    Case("Bitcast", lambda x: tf.bitcast(x, tf.uint8), [np.array([258, 7], np.int16)],
         ref=lambda x: x.view(np.uint8).reshape(2, 2), name="bitcast_widen"),
    Case("SpaceToBatchND", lambda x: tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 0]]),
         [X4], ref=lambda x: _np_s2b(x, [2, 3], [[1, 1], [0, 0]])),
    Case("BatchToSpaceND", lambda x: tf.batch_to_space_nd(
        tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 3]]), [2, 3], [[1, 1], [0, 3]]),
        [X4], ref=lambda x: x),
    Case("SpaceToBatch", lambda x: tf.raw_ops.SpaceToBatch(
        input=x, paddings=[[0, 0], [1, 1]], block_size=2), [X4],
        ref=lambda x: _np_s2b(x, [2, 2], [[0, 0], [1, 1]])),
    Case("BatchToSpace", lambda x: tf.raw_ops.BatchToSpace(
        input=x, crops=[[0, 0], [1, 1]], block_size=2), [_np_s2b(X4, [2, 2], [[0, 0], [1, 1]])],
        ref=lambda x: X4),
    Case("ExtractVolumePatches", lambda v: tf.extract_volume_patches(
        v, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME"), [V5],
        ref=lambda v: _np_patches(v, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME")),
    Case("ExtractVolumePatches", lambda v: tf.extract_volume_patches(
        v, [1, 2, 3, 2, 1], [1, 1, 1, 2, 1], "VALID"), [V5],
        ref=lambda v: _np_patches(v, [1, 2, 3, 2, 1], [1, 1, 1, 2, 1], "VALID"),
        name="extract_volume_patches_valid"),
]
EXEMPT = {"RandomPoissonV2": "tests/ops/test_partition_ops.py::test_random_poisson",
          "Fingerprint": "tests/conformance/test_mathx_tf.py::test_fingerprint_like_tensorflow "
                         "(values); tests/ops/test_partition_ops.py::test_fingerprint"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_partial_shapes():
    d = tf.placeholder(tf.float32, [None, 2])
    p = tf.placeholder(tf.int32, [None])
    assert [s.shape.as_list() for s in tf.dynamic_partition(d, p, 2)] == [[None, 2]] * 2
    st = tf.dynamic_stitch([tf.constant([0, 4]), p], [tf.zeros([2, 2]), d])
    assert st.shape.as_list() == [None, 2]
    x = tf.placeholder(tf.float32, [None, 4, None, 3])
    assert tf.space_to_batch(x, [[0, 0], [1, 1]], block_size=2).shape.as_list() == \
        [None, 2, None, 3]
    assert tf.unravel_index(p, [3, 4]).shape.as_list() == [2, None]
    assert tf.bitcast(tf.zeros([3, 2], tf.int16), tf.int32).shape.as_list() == [3]
    with pytest.raises(ValueError):
        tf.space_to_batch_nd(tf.zeros([1, 5, 4, 1]), [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError):
        tf.bitcast(tf.zeros([3, 3], tf.int16), tf.int32)


def test_searchsorted_empty_values_and_nd():
    v = tf.placeholder(tf.float32, [1, None])
    out = tf.searchsorted([[1., 2.]], v)
    assert _run(out, {v: np.zeros((1, 0))}).shape == (1, 0)
    seq = np.sort(rng.uniform(size=(2, 3, 5)), -1)
    q = rng.uniform(size=(2, 3, 4))
    got = _run(tf.searchsorted(seq, q, side="right"))
    want = np.array([[np.searchsorted(a, b, "right") for a, b in zip(s2, q2)]
                     for s2, q2 in zip(seq, q)])
    np.testing.assert_array_equal(got, want)


def test_runtime_errors():
    p = tf.placeholder(tf.int32, [None])
    bad = tf.dynamic_partition(tf.zeros([3]), p, 2)
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(bad, {p: [0, 2, 1]})
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(tf.unravel_index([12], [3, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(tf.histogram_fixed_width([1.0], [1.0, 0.0]))


def test_bins_confusion_monotone_batch_gather():
    v = np.array([-2., 0., 0.3, 0.99, 1.0, 5.], np.float32)
    bins = _run(tf.histogram_fixed_width_bins(v, [0., 1.], nbins=4))
    np.testing.assert_array_equal(bins, [0, 0, 1, 3, 3, 3])
    cm = _run(tf.confusion_matrix([0, 1, 2, 1], [0, 2, 2, 1], num_classes=4,
                                  weights=[1., 2., 3., 4.], dtype=tf.float32))
    want = np.zeros((4, 4), np.float32)
    for lab, pr, w in zip([0, 1, 2, 1], [0, 2, 2, 1], [1, 2, 3, 4]):
        want[lab, pr] += w
    np.testing.assert_array_equal(cm, want)
    assert _run(tf.math.confusion_matrix([1, 2], [2, 0])).shape == (3, 3)
    res = _run([tf.is_non_decreasing([[1, 2], [2, 5]]), tf.is_strictly_increasing([1, 1]),
                tf.math.is_strictly_increasing([3]), tf.is_non_decreasing([3, 1])])
    assert [bool(r) for r in res] == [True, False, True, False]
    got = _run(tf.batch_gather(np.arange(12).reshape(2, 3, 2), [[2, 0], [1, 1]]))
    np.testing.assert_array_equal(got, np.arange(12).reshape(2, 3, 2)[[[0], [1]],
                                                                      [[2, 0], [1, 1]]])


def test_required_space_to_batch_paddings():
    pads, crops = _run(tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [0, 1]]))
    np.testing.assert_array_equal(pads, [[1, 0], [0, 2]])
    np.testing.assert_array_equal(crops, [[0, 0], [0, 1]])
    shape = tf.placeholder(tf.int32, [2])
    p, c = tf.required_space_to_batch_paddings(shape, [4, 3])
    pads, crops = _run([p, c], {shape: [5, 7]})
    np.testing.assert_array_equal(pads, [[0, 3], [0, 2]])
    np.testing.assert_array_equal(crops, [[0, 3], [0, 2]])


def test_random_poisson():
    lam = np.array([0.5, 4.0, 30.0], np.float32)
    x = tf.random_poisson(lam, [4000], seed=3)
    assert x.shape.as_list() == [4000, 3] and x.dtype == tf.float32
    y = tf.random.poisson(lam, [2], dtype=tf.int64, seed=3)
    a, b = _run([x, y])
    np.testing.assert_allclose(a.mean(0), lam, rtol=0.08)
    np.testing.assert_allclose(a.var(0), lam, rtol=0.15)
    assert b.dtype == np.int64 and (a >= 0).all() and (a == np.round(a)).all()
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        z = tf.random_poisson(2.0, [5])
        with tf.Session() as s1:
            r1 = s1.run(z)
        with tf.Session() as s2:
            r2 = s2.run(z)
    np.testing.assert_array_equal(r1, r2)


def test_fingerprint():
    x = np.array([[1, 2, 3], [1, 2, 3], [1, 2, 4]], np.int32)
    p = tf.placeholder(tf.int32, [None, 3])
    f = tf.fingerprint(p)
    assert f.dtype == tf.uint8 and f.shape.as_list() == [None, 8]
    got = _run(f, {p: x})
    assert got.shape == (3, 8) and (got[0] == got[1]).all() and (got[0] != got[2]).any()
    s = _run(tf.fingerprint(tf.constant([["a", "b"], ["a", "c"]])))
    assert (s[0] != s[1]).any()
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(tf.fingerprint(p, method="md5"), {p: x})
    with pytest.raises(ValueError):
        tf.fingerprint(tf.constant(1))
