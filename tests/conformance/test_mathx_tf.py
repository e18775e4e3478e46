"""Special functions, scatter, partition/histogram/search, batch<->space and bitwise ops
against real TensorFlow: the same program gives the same op types, dtypes, static shapes
(on partial shapes), values and gradients, and the same error classes."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()

import flowgraph as fg  # noqa: E402

R = np.random.RandomState(4)
FEED = {
    "p": R.uniform(0.3, 5, (2, 3)).astype(np.float32),
    "q": R.uniform(0.3, 5, (2, 3)).astype(np.float32),
    "u": R.uniform(0.05, 0.95, (2, 3)).astype(np.float32),
    "x": R.uniform(-3, 3, (2, 3)).astype(np.float32),
    "d": R.uniform(0.3, 5, (4,)).astype(np.float64),
    "i": np.array([[5, -6, 7], [1, 2, -3]], np.int32),
    "img": R.uniform(-1, 1, (2, 4, 6, 3)).astype(np.float32),
    "vol": R.uniform(-1, 1, (2, 3, 4, 4, 2)).astype(np.float32),
    "parts": np.array([1, 0, 2, 1], np.int32),
    "ids": np.array([3, 1, 4, 1, 5, 0], np.int32),
}


def _phs(tf):
    return {
        "p": tf.placeholder(tf.float32, [None, 3], name="p"),
        "q": tf.placeholder(tf.float32, [2, 3], name="q"),
        "u": tf.placeholder(tf.float32, [2, None], name="u"),
        "x": tf.placeholder(tf.float32, [2, 3], name="x"),
        "d": tf.placeholder(tf.float64, [None], name="d"),
        "i": tf.placeholder(tf.int32, [None, 3], name="i"),
        "img": tf.placeholder(tf.float32, [None, 4, None, 3], name="img"),
        "vol": tf.placeholder(tf.float32, [None, 3, 4, 4, 2], name="vol"),
        "parts": tf.placeholder(tf.int32, [None], name="parts"),
        "ids": tf.placeholder(tf.int32, [None], name="ids"),
    }


def _program(tf):
    h = _phs(tf)
    p, q, u, x, d, i = (h[k] for k in "pquxdi")
    m = tf.math
    outs = [
        tf.lgamma(x), tf.digamma(p), tf.polygamma(tf.ones_like(p), p), tf.zeta(q + 1.0, p),
        tf.igamma(p, q), tf.igammac(p, q), tf.betainc(p, q, u), tf.lbeta(p),
        tf.log_sigmoid(x), tf.atan2(x, p), tf.accumulate_n([p, q, x]), m.bessel_i0e(x),
        m.bessel_i1e(x), m.erfinv(u * 2 - 1), m.ndtri(u), m.xlogy(x, p), m.xdivy(x, p),
        m.xlog1py(x, p), m.bessel_i0(x), m.bessel_i1(x), m.erfcinv(u * 2),
        m.multiply_no_nan(x, u * tf.cast(u > 0.5, tf.float32)), m.reciprocal_no_nan(x),
        m.nextafter(x, p), m.polyval([1.0, -2.0, 0.5], x), m.reduce_euclidean_norm(x, 1),
        m.reduce_euclidean_norm(i, keepdims=True), m.reduce_euclidean_norm(p), tf.lgamma(d),
        tf.digamma(d), tf.igamma(d, d), m.ndtri(d / 6),
        tf.bitwise.bitwise_and(i, 6), tf.bitwise.bitwise_or(i, 6), tf.bitwise.invert(i),
        tf.bitwise.bitwise_xor(i, 3), tf.bitwise.left_shift(i, 2),
        tf.bitwise.right_shift(i, 1),
        tf.tensor_scatter_nd_update(x, [[1], [0]], p[:2] * 0 + q),
        tf.tensor_scatter_nd_add(x, [[0, 1], [1, 2], [0, 1]], [1., 2., 3.]),
        tf.tensor_scatter_sub(x, [[1]], q[:1]),
        tf.tensor_scatter_nd_max(x, [[0, 0], [1, 1]], [0.5, -0.5]),
        tf.tensor_scatter_nd_min(x, [[0]], q[1:]),
        tf.space_to_batch(h["img"], [[0, 0], [1, 1]], block_size=2),
        tf.space_to_batch_nd(h["img"], [2, 3], [[1, 1], [0, 0]]),
        tf.batch_to_space_nd(tf.space_to_batch_nd(h["img"], [2, 3], [[1, 1], [0, 3]]),
                             [2, 3], [[1, 1], [0, 3]]),
        tf.batch_to_space(tf.space_to_batch(h["img"], [[0, 0], [1, 1]], 2),
                          [[0, 0], [1, 1]], 2),
        tf.extract_volume_patches(h["vol"], [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME"),
        tf.extract_volume_patches(h["vol"], [1, 2, 2, 3, 1], [1, 1, 1, 1, 1], "VALID"),
        tf.dynamic_stitch([[0, 2], [1, 3]], [p[:2] * 1.0, q]),
    ]
    outs += tf.dynamic_partition(h["img"], h["parts"][:2], 3)
    outs += [
        tf.bincount(h["ids"]), tf.math.bincount(h["ids"], minlength=9, dtype=tf.float32),
        tf.bincount(h["ids"], weights=tf.cast(h["ids"], tf.float32), maxlength=4),
        tf.histogram_fixed_width(x, [-2.0, 2.0], nbins=6),
        tf.histogram_fixed_width_bins(x, [-2.0, 2.0], nbins=6),
        tf.searchsorted(tf.sort(x), p), tf.searchsorted(tf.sort(x), q, side="right",
                                                        out_type=tf.int64),
        tf.unravel_index(h["ids"], [2, 3]), tf.bitcast(x, tf.int32),
        tf.bitcast(i, tf.uint8), tf.batch_gather(x, [[2, 0], [1, 1]]),
        tf.confusion_matrix(h["ids"], h["ids"][::-1], num_classes=6),
        tf.math.confusion_matrix([0, 1, 2], [2, 1, 0], weights=[1., 2., 3.],
                                 dtype=tf.float32),
        tf.is_non_decreasing(h["ids"]), tf.is_strictly_increasing(tf.range(4)),
        tf.math.is_non_decreasing(d), tf.to_complex64(x), tf.to_complex128(d),
    ]
    outs += list(tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [0, 1]]))
    return h, outs


def _run(tf):
    g = tf.Graph()
    with g.as_default():
        h, outs = _program(tf)
        with tf.Session(graph=g) as s:
            vals = s.run(outs, {h[k]: v for k, v in FEED.items()})
    meta = [(t.op.type, t.dtype.name, t.shape.as_list() if t.shape.ndims is not None
             else None) for t in outs]
    return meta, vals


def test_same_ops_shapes_and_values_as_tensorflow():
    meta_tf, vals_tf = _run(tf1)
    meta_fg, vals_fg = _run(fg)
    assert meta_fg == meta_tf
    for k, (a, b, (op_type, _, _)) in enumerate(zip(vals_fg, vals_tf, meta_tf)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (k, op_type)
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5, err_msg=f"{k} {op_type}")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{k} {op_type}")


def _grad_program(tf):
    h = _phs(tf)
    p, q, u, x = (h[k] for k in "pqux")
    img, vol = h["img"], h["vol"]
    ys = [tf.lgamma(p), tf.digamma(p), tf.polygamma(2.0 * tf.ones_like(p), p),
          tf.zeta(q + 1.0, p), tf.igamma(p, q), tf.igammac(p, q), tf.betainc(p, q, u),
          tf.atan2(x, p), tf.math.bessel_i0e(x), tf.math.bessel_i1e(x),
          tf.math.erfinv(u - 0.5), tf.math.ndtri(u), tf.math.xlogy(x, p),
          tf.math.xdivy(x, p), tf.math.xlog1py(x, p), tf.lbeta(p), tf.log_sigmoid(x),
          tf.math.bessel_i0(x), tf.math.bessel_i1(x), tf.math.erfcinv(u * 1.5),
          tf.math.multiply_no_nan(x, p), tf.math.polyval([1.0, -2.0, 0.5], x),
          tf.math.reduce_euclidean_norm(p, 0), tf.math.reduce_euclidean_norm(x, keepdims=True),
          tf.tensor_scatter_nd_update(x, [[1]], q[:1] * p[:1]),
          tf.tensor_scatter_nd_add(x, [[0, 1]], [3.0]) * x,
          tf.tensor_scatter_nd_sub(x, [[0], [1]], q * p),
          tf.tensor_scatter_nd_max(x, [[0, 0], [1, 1]], p[0, :2]),
          tf.tensor_scatter_nd_min(x, [[0, 0], [1, 1]], p[0, :2]),
          tf.space_to_batch_nd(img, [2, 3], [[1, 1], [0, 0]]) ** 2,
          tf.batch_to_space(tf.space_to_batch(img, [[0, 0], [1, 1]], 2) * 2.0,
                            [[0, 0], [1, 1]], 1 + 1) ** 2,
          tf.extract_volume_patches(vol, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME") ** 2,
          tf.dynamic_stitch([[0, 2], [1, 3]], [p[:2] * x, q]) ** 2]
    ys += [t ** 2 for t in tf.dynamic_partition(img, h["parts"][:2], 3)]
    xs = [p, q, u, x, img, vol]
    return h, [tf.gradients(tf.reduce_sum(y * 1.5), xs) for y in ys]


def test_same_gradients_as_tensorflow():
    out = []
    for tf in (tf1, fg):
        g = tf.Graph()
        with g.as_default():
            h, grads = _grad_program(tf)
            with tf.Session(graph=g) as s:
                feed = {h[k]: v for k, v in FEED.items()}
                out.append([[None if gi is None else s.run(gi, feed) for gi in gs]
                            for gs in grads])
    for k, (gf, gt) in enumerate(zip(*out)):
        for j, (a, b) in enumerate(zip(gf, gt)):
            if b is None:
                assert a is None or not np.any(a), (k, j)
                continue
            assert a is not None, (k, j)
            a = np.asarray(a.values if hasattr(a, "values") else a)
            b = np.asarray(b.values if hasattr(b, "values") else b)
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-4, err_msg=f"{k} {j}")


@pytest.mark.parametrize("build", [
    lambda tf: tf.lgamma(tf.constant([1, 2])),
    lambda tf: tf.bitwise.left_shift(tf.constant([1.0]), tf.constant([1.0])),
    lambda tf: tf.polygamma(tf.constant([1.0], tf.float16), tf.constant([1.0], tf.float16)),
    lambda tf: tf.tensor_scatter_nd_update(tf.zeros([4, 3]), [[1]], tf.zeros([1, 2])),
    lambda tf: tf.space_to_batch_nd(tf.zeros([1, 5, 4, 1]), [2, 2], [[0, 0], [0, 0]]),
    lambda tf: tf.bitcast(tf.zeros([3, 3], tf.int16), tf.int32),
    lambda tf: tf.searchsorted([1, 2], [1], side="middle"),
    lambda tf: tf.accumulate_n([]),
])
def test_same_build_errors(build):
    errs = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            with pytest.raises((TypeError, ValueError)) as e:
                build(tf)
            errs.append(e.type)
    assert issubclass(errs[1], errs[0]) or issubclass(errs[0], errs[1]), errs


@pytest.mark.parametrize("build", [
    lambda tf, p: tf.dynamic_partition(tf.zeros([3]), p, 2)[0],
    lambda tf, p: tf.unravel_index(p, [2, 2]),
    lambda tf, p: tf.tensor_scatter_nd_add(tf.zeros([3]), tf.reshape(p, [-1, 1]),
                                           tf.ones([3])),
    lambda tf, p: tf.bincount(p - 5),
])
def test_same_run_errors(build):
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.int32, [None])
            out = build(tf, p)
            with tf.Session() as s:
                with pytest.raises(tf.errors.InvalidArgumentError):
                    s.run(out, {p: [0, 2, 4]})


def test_scatter_variables_like_tensorflow():
    res = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            v = tf.Variable(np.arange(1, 13, dtype=np.float32).reshape(4, 3))
            w = tf.Variable(np.arange(1, 7, dtype=np.int32) * 7)
            ops = [tf.scatter_mul(v, [1, 1], np.full((2, 3), 2, np.float32)),
                   tf.scatter_div(v, [0], np.full((1, 3), 4, np.float32)),
                   tf.scatter_max(v, [2, 3], np.full((2, 3), 9, np.float32)),
                   tf.scatter_min(v, [3], np.full((1, 3), 10, np.float32)),
                   tf.scatter_nd_update(v, [[0, 0], [3, 2]], [-1.0, -2.0]),
                   tf.scatter_nd_add(v, [[1], [1]], np.ones((2, 3), np.float32)),
                   tf.scatter_nd_sub(v, [[2, 1]], [5.0]),
                   tf.scatter_div(w, [0, 1, 2], [2, -3, 4]),
                   tf.batch_scatter_update(tf.Variable(np.zeros((2, 3), np.float32)),
                                           [[0, 2], [1, 0]], [[1., 2.], [3., 4.]])]
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                res.append([s.run(o) for o in ops])
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


def test_random_poisson_graph_like_tensorflow():
    got = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            y = tf.random_poisson([1.0, 3.0], [5, 2], dtype=tf.int64, seed=2)
            got.append((y.op.type, y.dtype.name, y.shape.as_list(),
                        y.op.inputs[1].dtype.name))
    assert got[0] == got[1]


def test_to_bfloat16_like_tensorflow():
    got = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            y = tf.to_bfloat16(tf.constant([1.5, -2.0]))
            with tf.Session() as s:
                v = s.run(y)
            got.append((y.op.type, y.op.name, y.dtype.name, np.asarray(v, np.float32).tolist()))
    assert got[0] == got[1]


def test_fingerprint_like_tensorflow():
    r = np.random.RandomState(9)
    datas = [r.randint(0, 256, (2, n)).astype(np.uint8) for n in
             (0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 300)]
    datas += [r.randn(3, 5).astype(np.float32), r.randint(0, 9, (2, 3, 4)).astype(np.int64),
              np.array([[True, False]]), np.array([["ab", "cde", ""], ["x", "yy", "zzz"]]),
              np.array(["hello", "", "a" * 100])]
    res = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            outs = [tf.fingerprint(tf.constant(d)) for d in datas]
            with tf.Session() as s:
                res.append((s.run(outs), [(o.op.type, o.shape.as_list()) for o in outs]))
    assert res[0][1] == res[1][1]
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_array_equal(a, b)


def test_manip_namespace_like_tensorflow():
    names = sorted(n for n in dir(tf1.manip) if not n.startswith("_"))
    assert all(hasattr(fg.manip, n) for n in names), names
    res = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            x = tf.constant(np.arange(12.0).reshape(1, 2, 6, 1))
            outs = [tf.manip.space_to_batch_nd(x, [1, 2], [[0, 0], [0, 0]]),
                    tf.manip.roll(x, 2, 2), tf.manip.tile(x, [1, 1, 1, 2])]
            with tf.Session() as s:
                res.append(s.run(outs))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)
