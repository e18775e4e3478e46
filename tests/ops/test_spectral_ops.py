"""FFTs and DCTs: kernels against numpy.fft (and scipy.fft.dct), gradients checked
numerically in real coordinates, and values and gradients against real TF."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

R = np.random.RandomState(5)
X = R.uniform(-1, 1, (2, 4, 6))
Z = X + 1j * R.uniform(-1, 1, (2, 4, 6))
SMALL = R.uniform(-1, 1, (2, 3, 4))
SMALL_IM = R.uniform(-1, 1, (2, 3, 4))


def _parts(z):
    return [tf.real(z), tf.imag(z)]


def _np_parts(z):
    return [np.real(z), np.imag(z)]


_C2C = [("FFT", tf.signal.fft, np.fft.fft), ("IFFT", tf.signal.ifft, np.fft.ifft),
        ("FFT2D", tf.signal.fft2d, np.fft.fft2), ("IFFT2D", tf.signal.ifft2d, np.fft.ifft2),
        ("FFT3D", tf.signal.fft3d, np.fft.fftn), ("IFFT3D", tf.signal.ifft3d, np.fft.ifftn)]


def _axes(rank):
    return tuple(range(-rank, 0))


def _rfft_ref(rank, n=None):
    return lambda x: np.fft.rfftn(x, s=n, axes=_axes(rank))


def _irfft_ref(rank, n=None):
    return lambda z: np.fft.irfftn(z, s=n, axes=_axes(rank))


CASES = []
for _t, _fn, _ref in _C2C:
    CASES.append(Case(_t, _fn, [Z.astype(np.complex64)], ref=_ref, grad=False, rtol=1e-4,
                      atol=1e-5, name=f"{_t}[complex64]"))
    CASES.append(Case(_t, lambda a, b, fn=_fn: _parts(fn(tf.complex(a, b))), [SMALL, SMALL_IM],
                      ref=lambda a, b, r=_ref: _np_parts(r(a + 1j * b)), name=f"{_t}[grad]"))
for _rank, _sfx in ((1, ""), (2, "2d"), (3, "3d")):
    _rf = getattr(tf.signal, "rfft" + _sfx)
    _irf = getattr(tf.signal, "irfft" + _sfx)
    _T = "RFFT" + _sfx.upper()
    _IT = "IRFFT" + _sfx.upper()
    _n_small = [2, 3, 3][-_rank:]  # crops the last axes of SMALL (and pads for 3d's 2 -> 2)
    _n_big = [3, 4, 7][-_rank:]
    CASES += [
        Case(_T, _rf, [X], ref=_rfft_ref(_rank), grad=False, name=f"{_T}[float64]"),
        Case(_T, lambda x, f=_rf, n=_n_big: f(x, n), [X.astype(np.float32)],
             ref=_rfft_ref(_rank, _n_big), grad=False, rtol=1e-4, atol=1e-5,
             name=f"{_T}[padded]"),
        Case(_IT, _irf, [Z], ref=_irfft_ref(_rank), grad=False, name=f"{_IT}[complex128]"),
        Case(_IT, lambda z, f=_irf, n=_n_big: f(z, n), [Z.astype(np.complex64)],
             ref=_irfft_ref(_rank, _n_big), grad=False, rtol=1e-4, atol=1e-5,
             name=f"{_IT}[fft_length]"),
        Case(_T, lambda x, f=_rf: _parts(f(x)), [SMALL], ref=lambda x, r=_rank: _np_parts(
            np.fft.rfftn(x, axes=_axes(r))), name=f"{_T}[grad]"),
        Case(_T, lambda x, f=_rf, n=_n_small: _parts(f(x, n)), [SMALL],
             ref=lambda x, r=_rank, n=_n_small: _np_parts(np.fft.rfftn(x, n, _axes(r))),
             name=f"{_T}[grad-cropped]"),
        Case(_T, lambda x, f=_rf, n=_n_big: _parts(f(x, n)), [SMALL],
             ref=lambda x, r=_rank, n=_n_big: _np_parts(np.fft.rfftn(x, n, _axes(r))),
             name=f"{_T}[grad-padded]"),
        Case(_IT, lambda a, b, f=_irf: f(tf.complex(a, b)), [SMALL, SMALL_IM],
             ref=lambda a, b, r=_rank: np.fft.irfftn(a + 1j * b, axes=_axes(r)),
             name=f"{_IT}[grad]"),
        Case(_IT, lambda a, b, f=_irf, n=_n_big: f(tf.complex(a, b), n), [SMALL, SMALL_IM],
             ref=lambda a, b, r=_rank, n=_n_big: np.fft.irfftn(a + 1j * b, n, _axes(r)),
             name=f"{_IT}[grad-fft_length]"),
        Case(_IT, lambda a, b, f=_irf, n=_n_small: f(tf.complex(a, b), n), [SMALL, SMALL_IM],
             ref=lambda a, b, r=_rank, n=_n_small: np.fft.irfftn(a + 1j * b, n, _axes(r)),
             name=f"{_IT}[grad-cropped]"),
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_namespaces_hold_the_transforms():
    for name in ("fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"):
        assert getattr(tf, name) is getattr(tf.signal, name) is getattr(tf.spectral, name)
        assert getattr(tf.compat.v1, name) is getattr(tf, name)
    for name in ("rfft", "irfft", "rfft2d", "irfft2d", "rfft3d", "irfft3d", "dct", "idct"):
        assert getattr(tf.signal, name) is getattr(tf.spectral, name)


def test_static_shapes():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 8])
        assert tf.signal.rfft(x).shape.as_list() == [None, 5]
        assert tf.signal.rfft(x, [5]).shape.as_list() == [None, 3]
        z = tf.placeholder(tf.complex64, [None, 4, 5])
        assert tf.signal.irfft2d(z).shape.as_list() == [None, 4, 8]
        assert tf.signal.irfft(z, [7]).shape.as_list() == [None, 4, 7]
        assert tf.signal.fft2d(z).shape.as_list() == [None, 4, 5]
        n = tf.placeholder(tf.int32, [1])
        assert tf.signal.rfft(x, n).shape.as_list() == [None, None]
        with pytest.raises(ValueError):
            tf.signal.fft2d(tf.placeholder(tf.complex64, [3]))
        assert tf.signal.rfft(x).op.get_attr("Tcomplex") == tf.complex64
        assert tf.signal.irfft(tf.cast(z, tf.complex128)).op.get_attr("Treal") == tf.float64


def test_unknown_sizes_and_a_fed_fft_length():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, None])
        n = tf.placeholder(tf.int32, [1])
        y = tf.signal.rfft(x)
        y6 = tf.signal.rfft(x, n)
        z = tf.signal.irfft(tf.complex(x, x))
        gy = tf.gradients(tf.reduce_sum(tf.real(y) * tf.imag(y)), x)[0]
        with tf.Session() as s:
            v, v6, vz, vg = s.run([y, y6, z, gy], {x: X[0], n: [9]})
    np.testing.assert_allclose(v, np.fft.rfft(X[0]))
    np.testing.assert_allclose(v6, np.fft.rfft(X[0], 9))
    np.testing.assert_allclose(vz, np.fft.irfft(X[0] + 1j * X[0]))
    # d/dx sum(re * im) numerically.
    eps, num = 1e-6, np.zeros_like(X[0])
    for idx in np.ndindex(*X[0].shape):
        d = np.zeros_like(X[0])
        d[idx] = eps
        f = [np.sum(np.real(w) * np.imag(w)) for w in
             (np.fft.rfft(X[0] + d), np.fft.rfft(X[0] - d))]
        num[idx] = (f[0] - f[1]) / (2 * eps)
    np.testing.assert_allclose(vg, num, atol=1e-6)


def test_rfft_rejects_complex_and_irfft_rejects_real():
    with tf.Graph().as_default():
        with pytest.raises(ValueError):
            tf.signal.rfft(tf.constant([1 + 1j]))
        with pytest.raises(ValueError):
            tf.signal.irfft(tf.constant([1.0]))
        with pytest.raises(TypeError):
            tf.signal.fft(tf.constant([1.0]))


@pytest.mark.parametrize("dct_type", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_matches_scipy(dct_type, norm):
    sfft = pytest.importorskip("scipy.fft")
    if dct_type == 1 and norm == "ortho":
        with tf.Graph().as_default(), pytest.raises(ValueError):
            tf.signal.dct(tf.constant(X), 1, norm="ortho")
        return
    with tf.Graph().as_default():
        x = tf.constant(X.astype(np.float32))
        outs = [tf.signal.dct(x, dct_type, norm=norm), tf.signal.idct(x, dct_type, norm=norm),
                tf.signal.dct(x, dct_type, n=4, norm=norm),
                tf.signal.dct(x, dct_type, n=9, norm=norm)]
        with tf.Session() as s:
            got = s.run(outs)
    want = [sfft.dct(X, dct_type, norm=norm), sfft.idct(X, dct_type, norm=norm) *
            (1 if norm else 2 * (X.shape[-1] - (dct_type == 1))),
            sfft.dct(X, dct_type, n=4, norm=norm), sfft.dct(X, dct_type, n=9, norm=norm)]
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


def test_dct_argument_errors():
    with tf.Graph().as_default():
        x = tf.constant(X)
        with pytest.raises(NotImplementedError):
            tf.signal.dct(x, axis=0)
        with pytest.raises(ValueError):
            tf.signal.dct(x, 5)
        with pytest.raises(ValueError):
            tf.signal.dct(x, norm="forward")
        with pytest.raises(ValueError):
            tf.signal.dct(x, n=0)
        with pytest.raises(ValueError):
            tf.signal.dct(tf.constant([[1.0]]), 1)


@pytest.mark.parametrize("dct_type", [1, 2, 3, 4])
def test_dct_gradient_is_numerically_right(dct_type):
    from flowgraph.test.gradient_checker import compute_gradient_error
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [2, 5])
        y = tf.signal.dct(x, dct_type, norm="ortho" if dct_type > 1 else None)
        err = compute_gradient_error(x, [2, 5], y, [2, 5], x_init_value=X[0, :2, :5])
    assert err < 1e-6


# -- against real TF -------------------------------------------------------------------------
_TF_EXPRS = {
    "fft": lambda t, c, r: t.signal.fft(c), "ifft": lambda t, c, r: t.signal.ifft(c),
    "fft2d": lambda t, c, r: t.fft2d(c), "ifft2d": lambda t, c, r: t.ifft2d(c),
    "fft3d": lambda t, c, r: t.spectral.fft3d(c), "ifft3d": lambda t, c, r: t.signal.ifft3d(c),
    "rfft": lambda t, c, r: t.signal.rfft(r), "rfft8": lambda t, c, r: t.signal.rfft(r, [8]),
    "rfft2d": lambda t, c, r: t.signal.rfft2d(r),
    "rfft2d_pad": lambda t, c, r: t.signal.rfft2d(r, [5, 9]),
    "irfft": lambda t, c, r: t.signal.irfft(c), "irfft11": lambda t, c, r: t.signal.irfft(c, [11]),
    "irfft2d": lambda t, c, r: t.spectral.irfft2d(c),
    "dct1": lambda t, c, r: t.signal.dct(r, 1), "dct2": lambda t, c, r: t.signal.dct(r),
    "dct3": lambda t, c, r: t.signal.dct(r, 3), "dct4": lambda t, c, r: t.signal.dct(r, 4),
    "dct2o": lambda t, c, r: t.signal.dct(r, norm="ortho"),
    "dct3o": lambda t, c, r: t.signal.dct(r, 3, norm="ortho"),
    "dct2n": lambda t, c, r: t.signal.dct(r, 2, n=4),
    "idct2": lambda t, c, r: t.signal.idct(r),
    "idct3o": lambda t, c, r: t.signal.idct(r, 3, norm="ortho"),
}


def _tf1():
    tfr = pytest.importorskip("tensorflow")
    tf1 = tfr.compat.v1
    tf1.disable_v2_behavior()
    return tf1


def _values_and_grads(t, expr, bits):
    g = t.Graph()
    with g.as_default():
        c = t.placeholder(t.complex64 if bits == 32 else t.complex128, Z.shape)
        r = t.placeholder(t.float32 if bits == 32 else t.float64, X.shape)
        e = expr(t, c, r)
        gy = t.placeholder(e.dtype, e.shape)
        grads = [x for x in t.gradients(e, [c, r], grad_ys=gy) if x is not None]
        rs = np.random.RandomState(1)
        shape = e.shape.as_list()
        gv = rs.uniform(-1, 1, shape) + (1j * rs.uniform(-1, 1, shape) if e.dtype.is_complex
                                         else 0)
        with t.Session(graph=g) as s:
            out = s.run([e] + grads, {c: Z, r: X, gy: gv})
    return out, e.shape.as_list(), e.op.type


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("key", sorted(_TF_EXPRS))
def test_values_and_gradients_match_tensorflow(key, bits):
    tf1 = _tf1()
    want, wshape, wtype = _values_and_grads(tf1, _TF_EXPRS[key], bits)
    got, gshape, gtype = _values_and_grads(tf, _TF_EXPRS[key], bits)
    assert gshape == wshape
    if not key.startswith(("dct", "idct")):
        assert gtype == wtype
    assert len(got) == len(want) == 2
    tol = 2e-4 if bits == 32 else 1e-9
    for w, v in zip(want, got):
        assert np.asarray(v).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(v, w, rtol=tol, atol=tol, err_msg=key)


def test_gradients_with_a_fed_fft_length():
    from flowgraph.test.gradient_checker import compute_gradient_error
    x0 = SMALL[0]
    for n_val in ([3], [4], [7]):
        with tf.Graph().as_default():
            n = tf.placeholder(tf.int32, [1])
            x = tf.placeholder(tf.float64, [3, 4])
            y = tf.signal.rfft(x, n)
            y = tf.real(y) + 0.5 * tf.imag(y)
            zr = tf.placeholder(tf.float64, [3, 4])
            w = tf.signal.irfft(tf.complex(zr, x), n)
            with tf.Session() as s:
                ys, ws = s.run([y, w], {x: x0, zr: x0, n: n_val})
                e1 = compute_gradient_error(x, [3, 4], y, ys.shape, x_init_value=x0,
                                            extra_feed_dict={n: n_val}, session=s)
                e2 = compute_gradient_error(x, [3, 4], w, ws.shape, x_init_value=x0,
                                            extra_feed_dict={n: n_val, zr: x0}, session=s)
        assert e1 < 1e-6 and e2 < 1e-6, (n_val, e1, e2)


def test_fftshift_and_ifftshift_match_numpy():
    x = np.arange(35.0).reshape(5, 7)
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float64, [None, 7])
        outs = [tf.signal.fftshift(x), tf.signal.ifftshift(x), tf.signal.fftshift(x, axes=1),
                tf.signal.ifftshift(x, axes=(0,)), tf.signal.fftshift(p, axes=[0, 1]),
                tf.signal.ifftshift(p, axes=0)]
        with tf.Session() as s:
            got = s.run(outs, {p: x})
    want = [np.fft.fftshift(x), np.fft.ifftshift(x), np.fft.fftshift(x, axes=1),
            np.fft.ifftshift(x, axes=(0,)), np.fft.fftshift(x, axes=[0, 1]),
            np.fft.ifftshift(x, axes=0)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
