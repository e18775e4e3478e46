"""Special functions and bitwise shifts against scipy/numpy, with numeric gradients."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

rng = np.random.RandomState(5)
POS = rng.uniform(0.3, 6, (2, 3))
POS2 = rng.uniform(0.3, 6, (2, 3))
X = rng.uniform(-3, 3, (2, 3))
U = rng.uniform(0.05, 0.95, (2, 3))
S = rng.uniform(1.5, 5, (2, 3))
N = np.array([[0., 1, 2], [3, 1, 0]])


def sp():
    return pytest.importorskip("scipy.special")


def _f32(*xs):
    return [np.asarray(x, np.float32) for x in xs]


CASES = [
    Case("Lgamma", tf.lgamma, _f32([-2.6, -0.4, 0.7, 1.3, 4.2, 9.5]), ref=lambda x: sp().gammaln(x),
         rtol=1e-5, atol=1e-5),
    Case("Digamma", tf.digamma, _f32([-2.6, -0.4, 0.7, 1.3, 4.2, 9.5]),
         ref=lambda x: sp().digamma(x.astype(np.float64)), rtol=1e-4, atol=1e-4),
    Case("Polygamma", tf.polygamma, _f32(N, POS), ref=lambda n, x: sp().polygamma(n, x),
         rtol=1e-4, atol=1e-5, grad=False),
    Case("Polygamma", lambda x: tf.polygamma(tf.constant(N, x.dtype), x), _f32(POS),
         ref=lambda x: sp().polygamma(N, x), rtol=1e-4, atol=1e-5, name="polygamma_dx"),
    Case("Zeta", tf.zeta, _f32(S, POS), ref=lambda x, q: sp().zeta(x, q), rtol=1e-4,
         grad=False),
    Case("Zeta", lambda q: tf.zeta(tf.constant(S, q.dtype), q), _f32(POS),
         ref=lambda q: sp().zeta(S, q), rtol=1e-4, name="zeta_dq"),
    Case("Igamma", tf.igamma, _f32(POS, POS2), ref=lambda a, x: sp().gammainc(a, x),
         rtol=1e-4, atol=1e-6, grad_tol=1e-3),
    Case("Igammac", tf.igammac, _f32(POS, POS2), ref=lambda a, x: sp().gammaincc(a, x),
         rtol=1e-4, atol=1e-6, grad_tol=1e-3),
    Case("IgammaGradA", lambda a, x: tf.raw_ops.IgammaGradA(a=a, x=x), _f32(POS, POS2),
         ref=lambda a, x: (sp().gammainc(a.astype(np.float64) + 1e-6, x) -
                           sp().gammainc(a.astype(np.float64) - 1e-6, x)) / 2e-6,
         rtol=1e-5, atol=1e-6, grad=False),
    Case("Betainc", tf.betainc, _f32(POS, POS2, U), ref=lambda a, b, x: sp().betainc(a, b, x),
         rtol=1e-4, atol=1e-6, grad=False),
    Case("Betainc", lambda x: tf.betainc(tf.constant(POS, x.dtype), tf.constant(POS2, x.dtype),
                                         x), _f32(U),
         ref=lambda x: sp().betainc(POS, POS2, x), rtol=1e-4, atol=1e-6, name="betainc_dx"),
    Case("Betainc", lambda x: tf.betainc(tf.constant(POS, x.dtype), tf.constant(POS2, x.dtype),
                                         x), _f32(0.4),
         ref=lambda x: sp().betainc(POS, POS2, x), rtol=1e-4, atol=1e-6,
         name="betainc_scalar_x"),
    Case("Erfinv", tf.math.erfinv, _f32(U * 2 - 1), ref=lambda x: sp().erfinv(x),
         rtol=1e-5, atol=1e-6),
    Case("Ndtri", tf.math.ndtri, _f32(U), ref=lambda x: sp().ndtri(x), rtol=1e-5,
         atol=1e-6),
    Case("BesselI0e", tf.math.bessel_i0e, _f32(X * 10), ref=lambda x: sp().i0e(x)),
    Case("BesselI1e", tf.math.bessel_i1e, _f32(X * 10), ref=lambda x: sp().i1e(x)),
    Case("BesselI1e", tf.math.bessel_i1e, [np.array([0.0, 1e-9, -2.0])],
         ref=lambda x: sp().i1e(x), name="bessel_i1e_near_zero", grad_tol=1e-3),
    Case("BesselI0", tf.math.bessel_i0, _f32(X * 3), ref=lambda x: sp().i0(x), rtol=1e-5),
    Case("BesselI1", tf.math.bessel_i1, _f32(X * 3), ref=lambda x: sp().i1(x), rtol=1e-5),
    Case("BesselI1", tf.math.bessel_i1, [np.array([0.0, 1e-9, -2.0])],
         ref=lambda x: sp().i1(x), name="bessel_i1_near_zero"),
    Case("MulNoNan", tf.math.multiply_no_nan, _f32(X, X[::-1] * (X[::-1] > 0)),
         ref=lambda x, y: np.where(y == 0, 0, x * y), grad=False, name="mul_no_nan_zeros"),
    Case("MulNoNan", tf.math.multiply_no_nan, _f32(X, POS), ref=np.multiply),
    Case("NextAfter", tf.math.nextafter, _f32(X, X[::-1]), ref=np.nextafter, grad=False),
    Case("EuclideanNorm", lambda x: tf.math.reduce_euclidean_norm(x, 1), _f32(X),
         ref=lambda x: np.sqrt((x * x).sum(1))),
    Case("EuclideanNorm", lambda x: tf.math.reduce_euclidean_norm(x, keepdims=True),
         _f32(X), ref=lambda x: np.sqrt((x * x).sum(keepdims=True)),
         name="euclidean_norm_all_keepdims"),
    Case("Atan2", tf.atan2, _f32(X, X[::-1]), ref=np.arctan2),
    Case("Xlogy", tf.math.xlogy, _f32(X * (X > 0), POS), ref=lambda x, y: np.where(
        x == 0, 0, x * np.log(y)), grad=False, name="xlogy_zeros"),
    Case("Xlogy", tf.math.xlogy, _f32(X, POS), ref=lambda x, y: x * np.log(y)),
    Case("Xdivy", tf.math.xdivy, _f32(X * (X > 0), POS), ref=lambda x, y: np.where(
        x == 0, 0, x / y), grad=False, name="xdivy_zeros"),
    Case("Xdivy", tf.math.xdivy, _f32(X, POS), ref=lambda x, y: x / y),
    Case("Xlog1py", tf.math.xlog1py, _f32(X * (X > 0), POS), grad=False,
         ref=lambda x, y: np.where(x == 0, 0, x * np.log1p(y)), name="xlog1py_zeros"),
    Case("Xlog1py", tf.math.xlog1py, _f32(X, POS), ref=lambda x, y: x * np.log1p(y)),
    Case("LeftShift", tf.bitwise.left_shift, [np.array([1, -3, 7], np.int32),
                                              np.array([0, 2, 5], np.int32)],
         ref=np.left_shift),
    Case("RightShift", tf.bitwise.right_shift, [np.array([64, -64, 7], np.int16),
                                                np.array([3, 2, 1], np.int16)],
         ref=np.right_shift),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_float64_accuracy_vs_scipy():
    special = sp()
    x = rng.uniform(0.05, 30, 200)
    y = rng.uniform(0.05, 30, 200)
    u = rng.uniform(0, 1, 200)
    got = _run([tf.lgamma(x), tf.digamma(x), tf.igamma(x, y), tf.betainc(x, y, u),
                tf.math.ndtri(u), tf.zeta(x + 1.01, y)])
    want = [special.gammaln(x), special.digamma(x), special.gammainc(x, y),
            special.betainc(x, y, u), special.ndtri(u), special.zeta(x + 1.01, y)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-13)


def test_incomplete_gamma_for_large_a():
    special = sp()
    a = np.repeat([50.0, 2e3, 3e4], 5)
    x = a * np.tile([0.9, 1.0, 1.001, 1.1, 0.5], 3)
    p, q = _run([tf.igamma(a, x), tf.igammac(a, x)])
    np.testing.assert_allclose(p, special.gammainc(a, x), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(q, special.gammaincc(a, x), rtol=1e-8, atol=1e-12)


def test_igamma_grad_a_float64_vs_scipy_differences():
    special = sp()
    a = rng.uniform(0.05, 40, 300)
    x = rng.uniform(0, 60, 300)
    got = _run(tf.raw_ops.IgammaGradA(a=a, x=x))
    h = 1e-6 * a
    want = (special.gammainc(a + h, x) - special.gammainc(a - h, x)) / (2 * h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_poles_and_domain():
    x = tf.constant([0., -1., -2.5, 1.])
    lg, dg = _run([tf.lgamma(x), tf.digamma(x)])
    assert np.isinf(lg[:2]).all() and np.isnan(dg[:2]).all()
    pg = _run(tf.polygamma(tf.constant([1., 1.5]), tf.constant([2., 2.])))
    assert np.isnan(pg[1]) and np.isfinite(pg[0])
    z = _run(tf.zeta(tf.constant([0.5, 1.]), tf.constant([1., 1.])))
    assert np.isnan(z[0]) and np.isinf(z[1])
    e = _run(tf.math.erfinv(tf.constant([-1., 1., 2.])))
    assert e[0] == -np.inf and e[1] == np.inf and np.isnan(e[2])


def test_erfcinv_reciprocal_no_nan_polyval():
    z = np.array([0.1, 0.5, 1.0, 1.7], np.float32)
    e, r, p0, p3 = _run([tf.math.erfcinv(z), tf.math.reciprocal_no_nan(z - 1.0),
                         tf.math.polyval([], z), tf.math.polyval([2.0, -1.0, 3.0], z)])
    np.testing.assert_allclose(e, sp().erfcinv(z), rtol=1e-5, atol=1e-6)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(r, np.where(z == 1, 0, 1 / (z - 1)), rtol=1e-6)
    np.testing.assert_array_equal(p0, np.zeros(4))
    np.testing.assert_allclose(p3, 2 * z ** 2 - z + 3, rtol=1e-6)
    with pytest.raises(ValueError):
        tf.math.polyval(np.ones(2), z)


def test_lbeta_log_sigmoid_accumulate_n():
    x = rng.uniform(0.5, 3, (2, 4)).astype(np.float32)
    lb, ls, acc = _run([tf.lbeta(x), tf.log_sigmoid(x - 2), tf.math.accumulate_n([x, x, x])])
    want = sp().gammaln(x).sum(-1) - sp().gammaln(x.sum(-1))
    np.testing.assert_allclose(lb, want, rtol=1e-5)
    np.testing.assert_allclose(ls, -np.log1p(np.exp(-(x - 2))), rtol=1e-5)
    np.testing.assert_allclose(acc, 3 * x, rtol=1e-6)
    with pytest.raises(ValueError):
        tf.accumulate_n([])
    with pytest.raises(TypeError):
        tf.accumulate_n([tf.constant(x)], tensor_dtype=tf.float64)


def test_special_dtypes_are_checked():
    with pytest.raises(TypeError):
        tf.lgamma(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        tf.bitwise.left_shift(tf.constant([1.0]), tf.constant([1.0]))
    with pytest.raises(TypeError):
        tf.polygamma(tf.constant([1.0], tf.float16), tf.constant([1.0], tf.float16))
