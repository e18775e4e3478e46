"""Numpy formulations of a 2-D convolution and its two gradients, and the rule that picks
one per shape class from static shapes (cached per geometry, so a plan pays for the choice
once). All work on NHWC images and HWIO filters; `conv_ops` checks attrs and converts
layouts.

The formulations (measured in `benchmarks/bench_conv.py`, chosen as in `choose`):

- ``im2col_nhwc``: columns [N*OH*OW, KH*KW*C] copied from a strided view of the padded
  NHWC image, then one GEMM. The copy moves runs of C values: good when C is not tiny.
- ``im2col_cnhw``: the image copied once to [C, N, H, W]; columns [KH*KW*C, N*OH*OW] then
  copy rows of OW values: good for the few input channels of a first layer (C = 1, 3).
- ``taps``: shifted-view accumulation, one small GEMM per kernel tap against a strided view
  of the image, no column matrix. Good for the input gradient when C and C_out are moderate
  (it skips col2im's [KH*KW*C, N*OH*OW] buffer).
- ``fft``: for stride 1 and no dilation, products in the frequency domain (rfft2 over the
  padded image), one batched GEMM per frequency; wins for large kernels.

im2col paths run over batch chunks whose column matrix stays under `COLS_BUDGET` bytes.
(`einsum` over `sliding_window_view` was measured too: numpy's einsum copies the window
view or loops in C without BLAS, and was never the fastest, so it is not a choice.)"""
import functools
from typing import NamedTuple

import numpy as np

COLS_BUDGET = 32 << 20   # bytes of one chunk's column matrix
FORMULATIONS = ("im2col_nhwc", "im2col_cnhw", "taps", "fft")


class Geometry(NamedTuple):
    """One convolution's static sizes (NHWC image, HWIO filter, pads top/bottom/left/right)."""
    n: int
    h: int
    w: int
    c: int
    kh: int
    kw: int
    co: int
    oh: int
    ow: int
    sh: int
    sw: int
    dh: int
    dw: int
    pads: tuple

    @property
    def hp(self):
        return self.h + self.pads[0] + self.pads[1]

    @property
    def wp(self):
        return self.w + self.pads[2] + self.pads[3]

    @property
    def k(self):
        return self.kh * self.kw * self.c


# -- the rule ------------------------------------------------------------------------------------
def eligible(algo, g, floating=True):
    """Whether formulation `algo` computes geometry `g` (FFT: stride 1, no dilation, floats)."""
    if algo == "fft":
        return floating and g.sh == g.sw == g.dh == g.dw == 1
    return algo in FORMULATIONS


@functools.lru_cache(maxsize=512)
def choose(kind, g, itemsize=4, floating=True):
    """The formulation for `kind` ("forward", "filter" or "input") of geometry `g`.

    The thresholds come from `benchmarks/bench_conv.py` (docs/conv-and-rnn-kernels.md has
    the table): FFT for large kernels (its cost barely grows with KH*KW; the filter
    gradient's per-frequency GEMMs are smaller, so it needs a larger kernel to pay), a
    1x1 kernel is one GEMM on the image itself, channel-major columns for very few input
    channels, per-tap GEMMs for the input gradient once both channel counts are moderate
    (NHWC col2im, whose adds move runs of only C values, is never the fastest there)."""
    area = g.kh * g.kw
    if itemsize in (4, 8) and eligible("fft", g, floating) and g.oh * g.ow >= 64 and \
            area >= (100 if kind == "filter" else 49):
        return "fft"
    if area == 1:
        return "taps"
    if kind == "input":
        return "taps" if g.c >= 4 and g.co >= 4 else "im2col_cnhw"
    return "im2col_cnhw" if g.c < 4 else "im2col_nhwc"


# -- padded images and column matrices -------------------------------------------------------
def pad_nhwc(xp, x, g):
    """The zero-padded NHWC image, C-contiguous (`x` itself when it already is)."""
    t, b, l, r = g.pads
    if not (t or b or l or r):
        return xp.ascontiguousarray(x)
    out = xp.zeros((g.n, g.hp, g.wp, g.c), dtype=x.dtype)
    out[:, t:t + g.h, l:l + g.w] = x
    return out


def pad_cnhw(xp, x, g):
    """The zero-padded image as a contiguous [C, N, H, W] array."""
    t, b, l, r = g.pads
    src = xp.transpose(x, (3, 0, 1, 2))
    if not (t or b or l or r):
        return xp.ascontiguousarray(src)
    out = xp.zeros((g.c, g.n, g.hp, g.wp), dtype=x.dtype)
    out[:, :, t:t + g.h, l:l + g.w] = src
    return out


def _strided(xp, x, shape, strides):
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def cols_nhwc(xp, xpad, g):
    """[nb*OH*OW, KH*KW*C] columns of a padded NHWC batch chunk (rows (b, y, x))."""
    nb = xpad.shape[0]
    s0, s1, s2, s3 = xpad.strides
    view = _strided(xp, xpad, (nb, g.oh, g.ow, g.kh, g.kw, g.c),
                    (s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3))
    return view.reshape(nb * g.oh * g.ow, g.k)


def cols_cnhw(xp, xc, g):
    """[KH*KW*C, nb*OH*OW] columns of a padded [C, nb, H, W] chunk (rows (i, j, c))."""
    nb = xc.shape[1]
    s0, s1, s2, s3 = xc.strides
    view = _strided(xp, xc, (g.kh, g.kw, g.c, nb, g.oh, g.ow),
                    (s2 * g.dh, s3 * g.dw, s0, s1, s2 * g.sh, s3 * g.sw))
    return view.reshape(g.k, nb * g.oh * g.ow)


def _chunks(g, itemsize):
    """Batch ranges whose column matrix fits COLS_BUDGET."""
    per = max(1, g.oh * g.ow * g.k * itemsize)
    step = max(1, min(g.n, COLS_BUDGET // per))
    return [(i, min(i + step, g.n)) for i in range(0, g.n, step)]


def col2im_cnhw(cols, g, out):
    """Adds [KH*KW*C, nb*OH*OW] columns into the padded [C, nb, H, W] image `out` (the
    adjoint of `cols_cnhw`), one strided add per kernel tap."""
    cols = cols.reshape(g.kh, g.kw, g.c, out.shape[1], g.oh, g.ow)
    for i in range(g.kh):
        for j in range(g.kw):
            y0, x0 = i * g.dh, j * g.dw
            out[:, :, y0:y0 + g.sh * (g.oh - 1) + 1:g.sh,
                x0:x0 + g.sw * (g.ow - 1) + 1:g.sw] += cols[i, j]
    return out


def tap_view(x, g, i, j):
    """The [N, OH, OW, C] slice of a padded NHWC image that kernel tap (i, j) reads."""
    y0, x0 = i * g.dh, j * g.dw
    return x[:, y0:y0 + g.sh * (g.oh - 1) + 1:g.sh, x0:x0 + g.sw * (g.ow - 1) + 1:g.sw]


def crop(x, g):
    t, _, l, _ = g.pads
    return x[:, t:t + g.h, l:l + g.w]


# -- forward -------------------------------------------------------------------------------------
def forward(xp, x, w, g, algo=None):
    """Conv2D of NHWC `x` with HWIO `w`: the [N, OH, OW, C_out] NHWC result."""
    algo = algo or choose("forward", g, x.dtype.itemsize, x.dtype.kind == "f")
    w2 = w.reshape(g.k, g.co)
    if algo == "fft":
        return _fft_forward(xp, pad_nhwc(xp, x, g), w, g).astype(x.dtype, copy=False)
    if algo == "taps":
        xpad = pad_nhwc(xp, x, g)
        out = xp.zeros((g.n * g.oh * g.ow, g.co), dtype=x.dtype)
        for i in range(g.kh):
            for j in range(g.kw):
                out += xp.matmul(tap_view(xpad, g, i, j).reshape(-1, g.c), w[i, j])
        return out.reshape(g.n, g.oh, g.ow, g.co)
    rows = g.oh * g.ow
    out = xp.empty((g.n * rows, g.co), dtype=x.dtype)
    if algo == "im2col_cnhw":
        xc = pad_cnhw(xp, x, g)
        for a, b in _chunks(g, x.dtype.itemsize):
            out[a * rows:b * rows] = xp.matmul(cols_cnhw(xp, xc[:, a:b], g).T, w2)
    else:
        xpad = pad_nhwc(xp, x, g)
        for a, b in _chunks(g, x.dtype.itemsize):
            out[a * rows:b * rows] = xp.matmul(cols_nhwc(xp, xpad[a:b], g), w2)
    return out.reshape(g.n, g.oh, g.ow, g.co)


# -- filter gradient -------------------------------------------------------------------------
def backprop_filter(xp, x, dy, g, algo=None):
    """The HWIO filter gradient from NHWC `x` and NHWC out_backprop `dy`."""
    algo = algo or choose("filter", g, x.dtype.itemsize, x.dtype.kind == "f")
    rows = g.oh * g.ow
    d2 = dy.reshape(g.n * rows, g.co)
    if algo == "fft":
        out = _fft_filter(xp, pad_nhwc(xp, x, g), dy, g)
        return out.astype(x.dtype, copy=False)
    if algo == "taps":
        xpad = pad_nhwc(xp, x, g)
        out = xp.empty((g.kh, g.kw, g.c, g.co), dtype=x.dtype)
        for i in range(g.kh):
            for j in range(g.kw):
                out[i, j] = xp.matmul(tap_view(xpad, g, i, j).reshape(-1, g.c).T, d2)
        return out
    out = None
    if algo == "im2col_cnhw":
        xc = pad_cnhw(xp, x, g)
        parts = (xp.matmul(cols_cnhw(xp, xc[:, a:b], g), d2[a * rows:b * rows])
                 for a, b in _chunks(g, x.dtype.itemsize))
    else:
        xpad = pad_nhwc(xp, x, g)
        parts = (xp.matmul(cols_nhwc(xp, xpad[a:b], g).T, d2[a * rows:b * rows])
                 for a, b in _chunks(g, x.dtype.itemsize))
    for p in parts:
        out = p if out is None else xp.add(out, p, out=out)
    return out.reshape(g.kh, g.kw, g.c, g.co)


# -- input gradient --------------------------------------------------------------------------
def backprop_input(xp, dy, w, g, algo=None):
    """The NHWC input gradient (unpadded) from NHWC out_backprop `dy` and HWIO `w`."""
    algo = algo or choose("input", g, w.dtype.itemsize, w.dtype.kind == "f")
    rows = g.oh * g.ow
    d2 = dy.reshape(g.n * rows, g.co)
    if algo == "fft":
        return crop(_fft_input(xp, dy, w, g), g).astype(w.dtype, copy=False)
    if algo == "taps":
        out = xp.zeros((g.n, g.hp, g.wp, g.c), dtype=w.dtype)
        for i in range(g.kh):
            for j in range(g.kw):
                tap_view(out, g, i, j)[...] += xp.matmul(d2, w[i, j].T).reshape(
                    g.n, g.oh, g.ow, g.c)
        return crop(out, g)
    w2 = w.reshape(g.k, g.co)
    if algo == "im2col_cnhw":
        out = xp.zeros((g.c, g.n, g.hp, g.wp), dtype=w.dtype)
        for a, b in _chunks(g, w.dtype.itemsize):
            col2im_cnhw(xp.matmul(w2, d2[a * rows:b * rows].T), g, out[:, a:b])
        return crop(xp.transpose(out, (1, 2, 3, 0)), g)
    out = xp.zeros((g.n, g.hp, g.wp, g.c), dtype=w.dtype)
    for a, b in _chunks(g, w.dtype.itemsize):
        cols = xp.matmul(d2[a * rows:b * rows], w2.T).reshape(
            b - a, g.oh, g.ow, g.kh, g.kw, g.c)
        part = out[a:b]
        for i in range(g.kh):
            for j in range(g.kw):
                tap_view(part, g, i, j)[...] += cols[:, :, :, i, j]
    return crop(out, g)


# -- FFT (stride 1, no dilation) -------------------------------------------------------------
def _spectra(xp, a, g, axes=(1, 2)):
    return xp.fft.rfft2(a, s=(g.hp, g.wp), axes=axes)


def _fft_forward(xp, xpad, w, g):
    """out[b, y, x, o] = sum_{i,j,c} xpad[b, y+i, x+j, c] w[i, j, c, o]: a correlation, so
    the filter's spectrum is conjugated; no wrap-around reaches the kept OH x OW corner."""
    fx = _spectra(xp, xpad, g)                                  # [n, hp, wf, c]
    fw = xp.conj(_spectra(xp, w, g, axes=(0, 1)))               # [hp, wf, c, co]
    hp, wf = fx.shape[1:3]
    prod = xp.matmul(xp.transpose(fx, (1, 2, 0, 3)).reshape(hp * wf, g.n, g.c),
                     fw.reshape(hp * wf, g.c, g.co))            # [f, n, co]
    prod = xp.transpose(prod.reshape(hp, wf, g.n, g.co), (2, 0, 1, 3))
    out = xp.fft.irfft2(prod, s=(g.hp, g.wp), axes=(1, 2))
    return out[:, :g.oh, :g.ow]


def _fft_filter(xp, xpad, dy, g):
    """dw[i, j, c, o] = sum_{b,y,x} xpad[b, y+i, x+j, c] dy[b, y, x, o]."""
    fx = _spectra(xp, xpad, g)                                  # [n, hp, wf, c]
    fd = xp.conj(_spectra(xp, dy, g))                           # [n, hp, wf, co]
    hp, wf = fx.shape[1:3]
    prod = xp.matmul(xp.transpose(fx, (1, 2, 3, 0)).reshape(hp * wf, g.c, g.n),
                     xp.transpose(fd, (1, 2, 0, 3)).reshape(hp * wf, g.n, g.co))
    out = xp.fft.irfft2(prod.reshape(hp, wf, g.c, g.co), s=(g.hp, g.wp), axes=(0, 1))
    return out[:g.kh, :g.kw]


def _fft_input(xp, dy, w, g):
    """The padded input gradient: the full convolution of dy with w (no wrap-around, since
    the padded image is exactly OH + KH - 1 by OW + KW - 1)."""
    fd = _spectra(xp, dy, g)                                    # [n, hp, wf, co]
    fw = _spectra(xp, w, g, axes=(0, 1))                        # [hp, wf, c, co]
    hp, wf = fd.shape[1:3]
    prod = xp.matmul(xp.transpose(fd, (1, 2, 0, 3)).reshape(hp * wf, g.n, g.co),
                     xp.swapaxes(fw.reshape(hp * wf, g.c, g.co), 1, 2))  # [f, n, c]
    prod = xp.transpose(prod.reshape(hp, wf, g.n, g.c), (2, 0, 1, 3))
    return xp.fft.irfft2(prod, s=(g.hp, g.wp), axes=(1, 2))
