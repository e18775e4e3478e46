"""roll, repeat, sort/argsort, segment reductions, space_to_depth/depth_to_space: values,
gradients, and conformance with real TensorFlow 2.21 where cheap."""
import sys

import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

RNG = np.random.RandomState(7)
X = RNG.permutation(12).astype(np.float64).reshape(3, 4) - 5.5   # distinct values
IDS = np.array([0, 0, 2], np.int32)
UIDS = np.array([3, -1, 3], np.int32)
IMG = RNG.randn(1, 4, 4, 2)
DEEP = RNG.randn(1, 2, 2, 8)


def _seg(kind, ids, n, x, empty):
    out = np.full((n,) + x.shape[1:], empty, x.dtype)
    for s in range(n):
        rows = x[ids == s]
        if len(rows):
            out[s] = getattr(np, kind)(rows, axis=0)
    return out


def _s2d(x, bs):
    b, h, w, c = x.shape
    return x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5).reshape(
        b, h // bs, w // bs, bs * bs * c)


def _d2s(x, bs):
    b, h, w, c = x.shape
    return x.reshape(b, h, w, bs, bs, c // bs // bs).transpose(0, 1, 3, 2, 4, 5).reshape(
        b, h * bs, w * bs, c // bs // bs)


LOW = np.finfo(np.float64).min
HIGH = np.finfo(np.float64).max
CASES = [
    Case("Roll", lambda x: tf.roll(x, [1, -3], [0, 1]), [X],
         ref=lambda x: np.roll(x, [1, -3], [0, 1])),
    Case("SegmentSum", lambda x: tf.segment_sum(x, IDS), [X],
         ref=lambda x: _seg("sum", IDS, 3, x, 0)),
    Case("SegmentMean", lambda x: tf.math.segment_mean(x, IDS), [X],
         ref=lambda x: _seg("mean", IDS, 3, x, 0)),
    Case("SegmentMax", lambda x: tf.segment_max(x, IDS), [X],
         ref=lambda x: _seg("max", IDS, 3, x, 0)),
    Case("SegmentMin", lambda x: tf.segment_min(x, IDS), [X],
         ref=lambda x: _seg("min", IDS, 3, x, 0)),
    Case("SegmentProd", lambda x: tf.segment_prod(x, IDS), [X],
         ref=lambda x: _seg("prod", IDS, 3, x, 1)),
    Case("UnsortedSegmentMax", lambda x: tf.unsorted_segment_max(x, UIDS, 4), [X],
         ref=lambda x: _seg("max", UIDS, 4, x, LOW)),
    Case("UnsortedSegmentMin", lambda x: tf.math.unsorted_segment_min(x, UIDS, 4), [X],
         ref=lambda x: _seg("min", UIDS, 4, x, HIGH)),
    Case("UnsortedSegmentProd", lambda x: tf.unsorted_segment_prod(x, UIDS, 4), [X],
         ref=lambda x: _seg("prod", UIDS, 4, x, 1)),
    Case("SpaceToDepth", lambda x: tf.space_to_depth(x, 2), [IMG], ref=lambda x: _s2d(x, 2)),
    Case("DepthToSpace", lambda x: tf.depth_to_space(x, 2), [DEEP], ref=lambda x: _d2s(x, 2)),
    Case("UnsortedSegmentSum", lambda x: tf.unsorted_segment_mean(x, UIDS, 4), [X],
         ref=lambda x: _seg("mean", UIDS, 4, x, 0), name="unsorted_segment_mean"),
    Case("UnsortedSegmentSum", lambda x: tf.unsorted_segment_sqrt_n(x, UIDS, 4), [X],
         ref=lambda x: _seg("sum", UIDS, 4, x, 0) / np.array([1, 1, 1, np.sqrt(2)])[:, None],
         name="unsorted_segment_sqrt_n"),
    Case("TopKV2", lambda x: tf.sort(x, axis=0), [X], ref=lambda x: np.sort(x, 0),
         name="sort_axis0"),
    Case("TopKV2", lambda x: tf.sort(x, direction="DESCENDING"), [X],
         ref=lambda x: -np.sort(-x, -1), name="sort_descending"),
    Case("TopKV2", lambda x: tf.argsort(x, axis=0), [X],
         ref=lambda x: np.argsort(x, 0, kind="stable").astype(np.int32), grad=False,
         name="argsort_axis0"),
    Case("Tile", lambda x: tf.repeat(x, 2, axis=1), [X], ref=lambda x: np.repeat(x, 2, 1),
         name="repeat_scalar"),
    Case("Tile", lambda x: tf.repeat(x, [2, 0, 1]), [X[:, 0]],
         ref=lambda x: np.repeat(x, [2, 0, 1]), name="repeat_vector"),
    Case("Tile", lambda x: tf.repeat(x, 3), [X], ref=lambda x: np.repeat(x, 3),
         name="repeat_flat"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _grad_value(build, x, n_out):
    g = tf.Graph()
    with g.as_default():
        xt = tf.constant(x)
        w = np.arange(1, 2 * n_out + 1, dtype=x.dtype).reshape(n_out, 2)
        dx = tf.gradients(tf.reduce_sum(build(xt) * w), xt)[0]
        with tf.Session() as s:
            return None, s.run(dx)


def test_max_gradient_splits_ties_equally_and_prod_handles_zeros():
    x = np.array([[1.0, 0.0], [1.0, 2.0], [0.5, 0.0]])
    _, dx = _grad_value(lambda t: tf.segment_max(t, [0, 0, 1]), x, 2)
    np.testing.assert_allclose(dx, [[0.5, 0.0], [0.5, 2.0], [3.0, 4.0]])
    _, dx = _grad_value(lambda t: tf.unsorted_segment_prod(t, [0, 0, 1], 2), x, 2)
    np.testing.assert_allclose(dx, [[1.0, 4.0], [1.0, 0.0], [3.0, 4.0]])
    _, dx = _grad_value(lambda t: tf.unsorted_segment_prod(t, [0, 0, 0], 1), x, 1)
    np.testing.assert_allclose(dx, [[0.5, 0.0], [0.5, 0.0], [1.0, 0.0]])


def test_int_values_and_static_shapes():
    x = tf.constant(np.arange(6, dtype=np.int32))
    y = tf.segment_max(x, [0, 0, 1, 1, 3, 3])
    z = tf.repeat(tf.ones([2, 3]), 2, axis=1)
    assert y.shape.as_list() == [None] and z.shape.as_list() == [2, 6]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y), [1, 3, 0, 5])


@pytest.mark.parametrize("build, cls", [
    (lambda: tf.segment_sum(X, [1, 0, 0]), tf.errors.InvalidArgumentError),
    (lambda: tf.segment_sum(X, [-1, 0, 0]), tf.errors.InvalidArgumentError),
    (lambda: tf.unsorted_segment_max(X, [0, 5, 3], 4), tf.errors.InvalidArgumentError),
    (lambda: tf.roll(tf.placeholder_with_default(X, None), [1], [5]),
     tf.errors.InvalidArgumentError),
])
def test_bad_ids_raise_at_run_time(build, cls):
    line = sys._getframe().f_lineno
    y = build()
    with tf.Session() as s, pytest.raises(cls) as e:
        s.run(y)
    assert y.op.name in str(e.value)
    assert "test_extra_array_ops.py" in str(e.value) and line > 0


def test_error_names_the_op_and_user_line():
    line = sys._getframe().f_lineno + 1
    y = tf.segment_sum(X, [2, 0, 0], name="my_seg")
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError) as e:
        s.run(y)
    assert "my_seg" in str(e.value) and f"test_extra_array_ops.py:{line}" in str(e.value)


def test_build_time_errors():
    with pytest.raises(ValueError, match="evenly divisible by 2"):
        tf.space_to_depth(np.zeros((1, 3, 3, 1), np.float32), 2)
    with pytest.raises(ValueError, match="evenly divisible by 4"):
        tf.depth_to_space(np.zeros((1, 3, 3, 3), np.float32), 2)
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        tf.roll(X, [1, 2], [0])
    with pytest.raises(ValueError, match="direction"):
        tf.sort(X, direction="x")


def _tf_graph(build):
    tfr = pytest.importorskip("tensorflow").compat.v1
    tfr.disable_eager_execution()
    g = tfr.Graph()
    with g.as_default():
        y = build(tfr)
        with tfr.Session() as s:
            return s.run(y), y, g


def _fg_graph(build):
    g = tf.Graph()
    with g.as_default():
        y = build(tf)
        with tf.Session() as s:
            return s.run(y), y, g


CONFORM = {
    "roll": lambda t: t.roll(X, [1, 2], [1, 0]),
    "repeat_vec": lambda t: t.repeat(X, [1, 0, 3], axis=0),
    "repeat_scalar": lambda t: t.repeat(X, 2),
    "sort": lambda t: t.sort(X, axis=0),
    "argsort": lambda t: t.argsort(np.array([[3, 1, 3, 1, 2]], np.int32),
                                   direction="DESCENDING"),
    "segment_mean": lambda t: t.math.segment_mean(X, [0, 0, 3]),
    "segment_prod_int": lambda t: t.segment_prod(np.arange(6, dtype=np.int32), [0, 0, 1, 1, 3,
                                                                                3]),
    "unsorted_min": lambda t: t.unsorted_segment_min(X.astype(np.float32), UIDS, 4),
    "unsorted_mean": lambda t: t.unsorted_segment_mean(X, UIDS, 4),
    "unsorted_sqrt_n": lambda t: t.math.unsorted_segment_sqrt_n(X, UIDS, 4),
    "s2d": lambda t: t.space_to_depth(IMG, 2),
    "d2s": lambda t: t.depth_to_space(DEEP, 2),
}


@pytest.mark.parametrize("key", sorted(CONFORM))
def test_matches_tensorflow(key):
    want, wy, wg = _tf_graph(CONFORM[key])
    got, gy, gg = _fg_graph(CONFORM[key])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == want.dtype
    assert gy.shape.as_list() == wy.shape.as_list()
    assert gy.op.type == wy.op.type
    want_types = sorted({o.type for o in wg.get_operations()} & {
        "Roll", "TopKV2", "SegmentMean", "SegmentProd", "UnsortedSegmentMin",
        "UnsortedSegmentSum", "SpaceToDepth", "DepthToSpace", "Tile"})
    got_types = sorted({o.type for o in gg.get_operations()} & set(want_types) | (
        {o.type for o in gg.get_operations()} & {"Roll", "TopKV2", "SegmentMean"}))
    assert got_types == want_types


@pytest.mark.parametrize("key", ["roll", "segment_max", "unsorted_prod", "s2d", "sort"])
def test_gradients_match_tensorflow(key):
    x = np.array([[1.0, 0.0, 2.0], [1.0, 2.0, 0.0], [0.5, 0.0, 3.0]])
    builds = {
        "roll": lambda t, v: t.roll(v, 1, 1),
        "segment_max": lambda t, v: t.segment_max(v, [0, 0, 1]),
        "unsorted_prod": lambda t, v: t.unsorted_segment_prod(v, [1, 1, 1], 2),
        "s2d": lambda t, v: t.space_to_depth(t.reshape(v[:2, :2], [1, 2, 2, 1]), 2),
        "sort": lambda t, v: t.sort(v, axis=0) * np.arange(9.).reshape(3, 3),
    }

    def run(t):
        xt = t.constant(x)
        return t.gradients(t.reduce_sum(builds[key](t, xt) * 1.5), xt)[0]
    want = _tf_graph(run)[0]
    got = _fg_graph(run)[0]
    np.testing.assert_allclose(got, want)
