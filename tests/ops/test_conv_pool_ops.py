"""Convolution and pooling ops against naive loop references written here (small sizes,
one output pixel at a time), with numeric gradient checks of every op, including the
backprop ops and their own gradients."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

R = np.random.RandomState(7)


def rnd(*shape):
    return R.uniform(-1, 1, shape).astype(np.float32)


def distinct(*shape):
    """Values without ties (and well apart), so max pooling is differentiable there."""
    v = R.permutation(int(np.prod(shape))).astype(np.float32) / 4
    return v.reshape(shape)


# -- references ----------------------------------------------------------------------------------
def ref_pads(n, k, s, d, padding):
    """(out, before, after) the TF way, written independently of the kernels."""
    ek = d * (k - 1) + 1
    if padding == "VALID":
        return (n - ek) // s + 1, 0, 0
    if isinstance(padding, tuple):
        b, a = padding
        return (n + b + a - ek) // s + 1, b, a
    out = (n + s - 1) // s
    need = max(0, (out - 1) * s + ek - n)
    return out, need // 2, need - need // 2


def _geom(x_shape, kh, kw, strides, dil, padding):
    n, h, w, c = x_shape
    ph = padding[0] if isinstance(padding, list) else padding
    pw = padding[1] if isinstance(padding, list) else padding
    oh, pt, pb = ref_pads(h, kh, strides[0], dil[0], ph)
    ow, pl, pr = ref_pads(w, kw, strides[1], dil[1], pw)
    return oh, ow, pt, pl, (pt, pb, pl, pr)


def _padded(x, pads, value=0.0):
    pt, pb, pl, pr = pads
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)


def _window(xp, i, j, kh, kw, strides, dil):
    r0, c0 = i * strides[0], j * strides[1]
    return xp[:, r0:r0 + dil[0] * (kh - 1) + 1:dil[0], c0:c0 + dil[1] * (kw - 1) + 1:dil[1], :]


def ref_conv(x, w, strides=(1, 1), padding="SAME", dil=(1, 1)):
    kh, kw, _, co = w.shape
    oh, ow, _, _, pads = _geom(x.shape, kh, kw, strides, dil, padding)
    xp = _padded(x.astype(np.float64), pads)
    out = np.zeros((x.shape[0], oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = np.einsum("nhwc,hwco->no", _window(xp, i, j, kh, kw, strides, dil),
                                        w)
    return out.astype(x.dtype)


def ref_conv_backprop_input(x_shape, w, dy, strides=(1, 1), padding="SAME", dil=(1, 1)):
    kh, kw = w.shape[:2]
    oh, ow, pt, pl, pads = _geom(x_shape, kh, kw, strides, dil, padding)
    dxp = _padded(np.zeros(x_shape), pads)
    for i in range(oh):
        for j in range(ow):
            win = _window(dxp, i, j, kh, kw, strides, dil)
            win += np.einsum("no,hwco->nhwc", dy[:, i, j, :], w)
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :].astype(w.dtype)


def ref_conv_backprop_filter(x, w_shape, dy, strides=(1, 1), padding="SAME", dil=(1, 1)):
    kh, kw = w_shape[:2]
    oh, ow, _, _, pads = _geom(x.shape, kh, kw, strides, dil, padding)
    xp = _padded(x.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    for i in range(oh):
        for j in range(ow):
            dw += np.einsum("nhwc,no->hwco", _window(xp, i, j, kh, kw, strides, dil),
                            dy[:, i, j, :])
    return dw.astype(x.dtype)


def ref_depthwise(x, w, strides=(1, 1), padding="SAME", dil=(1, 1)):
    kh, kw, c, m = w.shape
    oh, ow, _, _, pads = _geom(x.shape, kh, kw, strides, dil, padding)
    xp = _padded(x.astype(np.float64), pads)
    out = np.zeros((x.shape[0], oh, ow, c, m))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.einsum("nhwc,hwcm->ncm", _window(xp, i, j, kh, kw, strides, dil),
                                     w)
    return out.reshape(x.shape[0], oh, ow, c * m).astype(x.dtype)


def ref_depthwise_backprop_input(x_shape, w, dy, strides=(1, 1), padding="SAME"):
    kh, kw, c, m = w.shape
    oh, ow, pt, pl, pads = _geom(x_shape, kh, kw, strides, (1, 1), padding)
    dxp = _padded(np.zeros(x_shape), pads)
    dy = dy.reshape(dy.shape[:3] + (c, m))
    for i in range(oh):
        for j in range(ow):
            _window(dxp, i, j, kh, kw, strides, (1, 1))[...] += np.einsum(
                "ncm,hwcm->nhwc", dy[:, i, j], w)
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :].astype(w.dtype)


def ref_depthwise_backprop_filter(x, w_shape, dy, strides=(1, 1), padding="SAME"):
    kh, kw, c, m = w_shape
    oh, ow, _, _, pads = _geom(x.shape, kh, kw, strides, (1, 1), padding)
    xp = _padded(x.astype(np.float64), pads)
    dy = dy.reshape(dy.shape[:3] + (c, m))
    dw = np.zeros(w_shape)
    for i in range(oh):
        for j in range(ow):
            dw += np.einsum("nhwc,ncm->hwcm", _window(xp, i, j, kh, kw, strides, (1, 1)),
                            dy[:, i, j])
    return dw.astype(x.dtype)


def _pool_windows(x, k, s, padding, fill):
    oh, ow, pt, pl, pads = _geom(x.shape, k[0], k[1], s, (1, 1), padding)
    xp = _padded(x, pads, fill)
    return oh, ow, pt, pl, pads, xp


def ref_max_pool(x, k, s, padding):
    oh, ow, _, _, _, xp = _pool_windows(x, k, s, padding, -np.inf)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = _window(xp, i, j, k[0], k[1], s, (1, 1)).max(axis=(1, 2))
    return out


def _first_argmax(win):
    """[n, c] flat row-major index of the first maximum of each [n, kh, kw, c] window."""
    n, kh, kw, c = win.shape
    return np.argmax(win.transpose(0, 3, 1, 2).reshape(n, c, kh * kw), axis=2)


def ref_max_pool_grad(x, dy, k, s, padding):
    oh, ow, pt, pl, pads, xp = _pool_windows(x, k, s, padding, -np.inf)
    dxp = np.zeros(xp.shape)
    n, c = x.shape[0], x.shape[3]
    for i in range(oh):
        for j in range(ow):
            arg = _first_argmax(_window(xp, i, j, k[0], k[1], s, (1, 1)))
            for b in range(n):
                for ch in range(c):
                    r, q = divmod(arg[b, ch], k[1])
                    dxp[b, i * s[0] + r, j * s[1] + q, ch] += dy[b, i, j, ch]
    return dxp[:, pt:pt + x.shape[1], pl:pl + x.shape[2], :].astype(x.dtype)


def ref_max_pool_grad_grad(x, g, k, s, padding):
    oh, ow, pt, pl, pads, xp = _pool_windows(x, k, s, padding, -np.inf)
    gp = _padded(g, pads)
    n, c = x.shape[0], x.shape[3]
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            arg = _first_argmax(_window(xp, i, j, k[0], k[1], s, (1, 1)))
            gw = _window(gp, i, j, k[0], k[1], s, (1, 1))
            for b in range(n):
                for ch in range(c):
                    r, q = divmod(arg[b, ch], k[1])
                    out[b, i, j, ch] = gw[b, r, q, ch]
    return out


def ref_argmax(x, k, s, padding, include_batch):
    oh, ow, pt, pl, pads, xp = _pool_windows(x, k, s, padding, -np.inf)
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c), np.int64)
    for i in range(oh):
        for j in range(ow):
            arg = _first_argmax(_window(xp, i, j, k[0], k[1], s, (1, 1)))
            for b in range(n):
                for ch in range(c):
                    r, q = divmod(arg[b, ch], k[1])
                    y, xx = i * s[0] + r - pt, j * s[1] + q - pl
                    out[b, i, j, ch] = ((b * h + y) * w + xx) * c + ch if include_batch \
                        else (y * w + xx) * c + ch
    return out


def ref_avg_pool(x, k, s, padding):
    oh, ow, _, _, _, xp = _pool_windows(x, k, s, padding, np.nan)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.nanmean(_window(xp, i, j, k[0], k[1], s, (1, 1)), axis=(1, 2))
    return out


def ref_avg_pool_grad(x_shape, dy, k, s, padding):
    oh, ow, pt, pl, pads, valid = _pool_windows(np.ones(x_shape), k, s, padding, 0.0)
    dxp = np.zeros(valid.shape)
    for i in range(oh):
        for j in range(ow):
            vw = _window(valid, i, j, k[0], k[1], s, (1, 1))
            cnt = vw[0, :, :, 0].sum()
            _window(dxp, i, j, k[0], k[1], s, (1, 1))[...] += \
                vw * dy[:, i:i + 1, j:j + 1, :] / cnt
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :].astype(dy.dtype)


def nchw(x):
    return np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))


def nhwc(x):
    return np.ascontiguousarray(np.transpose(x, (0, 2, 3, 1)))


# -- cases ---------------------------------------------------------------------------------------
X = rnd(2, 5, 6, 3)
W = rnd(3, 2, 3, 4)
DW = rnd(3, 3, 3, 2)
P = distinct(2, 5, 7, 2)


def _conv(strides, padding, dil=(1, 1), df="NHWC"):
    s4 = [1, strides[0], strides[1], 1]
    d4 = [1, dil[0], dil[1], 1]
    if df == "NCHW":
        s4, d4 = [1, 1] + s4[1:3], [1, 1] + d4[1:3]
    return lambda x, w: tf.nn.conv2d(x, w, s4, padding, data_format=df, dilations=d4)


def _explicit(pads):
    return [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]


def _sized(op_type, sizes, strides, padding, df="NHWC"):
    """A builder applying a backprop op with a constant sizes input."""
    s4 = [1, strides[0], strides[1], 1] if df == "NHWC" else [1, 1, strides[0], strides[1]]
    attrs = {"strides": s4, "padding": padding, "data_format": df}

    def build(a, b):
        ins = [np.array(sizes, np.int32), a, b] if "Input" in op_type else \
            [a, np.array(sizes, np.int32), b]
        return apply_op(op_type, ins, attrs)
    return build


DY_SAME = rnd(2, 3, 3, 4)     # conv of X with W, strides (2, 2), SAME
DY_VALID = rnd(2, 3, 5, 4)    # strides (1, 1), VALID
DDY = rnd(2, 3, 3, 6)         # depthwise of X with DW, strides (2, 2), SAME


CASES = [
    Case("Conv2D", _conv((1, 1), "SAME"), [X, W], lambda x, w: ref_conv(x, w),
         name="Conv2D_same"),
    Case("Conv2D", _conv((2, 2), "SAME"), [X, W], lambda x, w: ref_conv(x, w, (2, 2)),
         name="Conv2D_same_stride2"),
    Case("Conv2D", _conv((2, 3), "VALID"), [X, W],
         lambda x, w: ref_conv(x, w, (2, 3), "VALID"), name="Conv2D_valid_stride23"),
    Case("Conv2D", _conv((1, 1), "SAME", (2, 2)), [X, W],
         lambda x, w: ref_conv(x, w, dil=(2, 2)), name="Conv2D_dilated"),
    Case("Conv2D", _conv((1, 2), _explicit(((1, 2), (0, 1)))), [X, W],
         lambda x, w: ref_conv(x, w, (1, 2), [(1, 2), (0, 1)]), name="Conv2D_explicit"),
    Case("Conv2D", _conv((2, 1), "SAME", df="NCHW"), [nchw(X), W],
         lambda x, w: nchw(ref_conv(nhwc(x), w, (2, 1))), name="Conv2D_nchw"),
    Case("Conv2D", _conv((1, 1), "VALID"), [X.astype(np.int32) + 2,
                                            (W * 4).astype(np.int32)],
         lambda x, w: ref_conv(x, w, padding="VALID"), name="Conv2D_int32"),
    Case("Conv2DBackpropInput", _sized("Conv2DBackpropInput", X.shape, (2, 2), "SAME"),
         [W, DY_SAME], lambda w, dy: ref_conv_backprop_input(X.shape, w, dy, (2, 2))),
    Case("Conv2DBackpropInput", _sized("Conv2DBackpropInput", X.shape, (1, 1), "VALID"),
         [W, DY_VALID], lambda w, dy: ref_conv_backprop_input(X.shape, w, dy,
                                                              padding="VALID"),
         name="Conv2DBackpropInput_valid"),
    Case("Conv2DBackpropInput", _sized("Conv2DBackpropInput", nchw(X).shape, (2, 2), "SAME",
                                       "NCHW"),
         [W, nchw(DY_SAME)], lambda w, dy: nchw(ref_conv_backprop_input(
             X.shape, w, nhwc(dy), (2, 2))), name="Conv2DBackpropInput_nchw"),
    Case("Conv2DBackpropFilter", _sized("Conv2DBackpropFilter", W.shape, (2, 2), "SAME"),
         [X, DY_SAME], lambda x, dy: ref_conv_backprop_filter(x, W.shape, dy, (2, 2))),
    Case("Conv2DBackpropFilter", _sized("Conv2DBackpropFilter", W.shape, (1, 1), "VALID"),
         [X, DY_VALID], lambda x, dy: ref_conv_backprop_filter(x, W.shape, dy,
                                                               padding="VALID"),
         name="Conv2DBackpropFilter_valid"),
    Case("Conv2DBackpropInput",
         lambda w, x: tf.nn.conv2d_transpose(x, w, [2, 9, 7, 3], [1, 2, 2, 1], "VALID"),
         [W, rnd(2, 4, 3, 4)], lambda w, x: ref_conv_backprop_input(
             (2, 9, 7, 3), w, x, (2, 2), "VALID"), name="conv2d_transpose"),
    Case("DepthwiseConv2dNative",
         lambda x, w: tf.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], "SAME"), [X, DW],
         lambda x, w: ref_depthwise(x, w, (2, 2))),
    Case("DepthwiseConv2dNative",
         lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID", rate=[2, 1]),
         [X, DW], lambda x, w: ref_depthwise(x, w, padding="VALID", dil=(2, 1)),
         name="Depthwise_rate"),
    Case("DepthwiseConv2dNative",
         lambda x, w: tf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 2], "SAME",
                                                    data_format="NCHW"),
         [nchw(X), DW], lambda x, w: nchw(ref_depthwise(nhwc(x), w, (1, 2))),
         name="Depthwise_nchw"),
    Case("DepthwiseConv2dNativeBackpropInput",
         _sized("DepthwiseConv2dNativeBackpropInput", X.shape, (2, 2), "SAME"), [DW, DDY],
         lambda w, dy: ref_depthwise_backprop_input(X.shape, w, dy, (2, 2))),
    Case("DepthwiseConv2dNativeBackpropFilter",
         _sized("DepthwiseConv2dNativeBackpropFilter", DW.shape, (2, 2), "SAME"), [X, DDY],
         lambda x, dy: ref_depthwise_backprop_filter(x, DW.shape, dy, (2, 2))),
    # -- pooling --
    Case("MaxPool", lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), [P],
         lambda x: ref_max_pool(x, (3, 3), (2, 2), "SAME")),
    Case("MaxPool", lambda x: tf.nn.max_pool(x, [1, 2, 3, 1], [1, 1, 2, 1], "VALID"), [P],
         lambda x: ref_max_pool(x, (2, 3), (1, 2), "VALID"), name="MaxPool_valid"),
    Case("MaxPool", lambda x: tf.nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "SAME",
                                             data_format="NCHW"), [nchw(P)],
         lambda x: nchw(ref_max_pool(nhwc(x), (2, 2), (2, 2), "SAME")), name="MaxPool_nchw"),
    Case("MaxPool", lambda x: tf.nn.max_pool(x, 2, 2, _explicit(((1, 0), (1, 1)))), [P],
         lambda x: ref_max_pool(x, (2, 2), (2, 2), [(1, 0), (1, 1)]),
         name="MaxPool_explicit"),
    Case("MaxPool", lambda x: tf.nn.max_pool(x, 2, 2, "SAME"),
         [(P * 4).astype(np.int32)], lambda x: ref_max_pool(x.astype(np.float64), (2, 2),
                                                            (2, 2), "SAME").astype(np.int32),
         name="MaxPool_int32"),
    Case("MaxPoolGrad", lambda x, y, g: apply_op(
        "MaxPoolGrad", [x, y, g], {"ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1],
                                   "padding": "SAME"}),
         [P, ref_max_pool(P, (3, 3), (2, 2), "SAME"), rnd(2, 3, 4, 2)],
         lambda x, y, g: ref_max_pool_grad(x, g, (3, 3), (2, 2), "SAME")),
    Case("MaxPoolGradGrad", lambda x, y, g: apply_op(
        "MaxPoolGradGrad", [x, y, g], {"ksize": [1, 2, 2, 1], "strides": [1, 2, 1, 1],
                                       "padding": "VALID"}),
         [P, ref_max_pool(P, (2, 2), (2, 1), "VALID"), rnd(*P.shape)],
         lambda x, y, g: ref_max_pool_grad_grad(x, g, (2, 2), (2, 1), "VALID")),
    Case("AvgPool", lambda x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), [X],
         lambda x: ref_avg_pool(x, (3, 3), (2, 2), "SAME")),
    Case("AvgPool", lambda x: tf.nn.avg_pool(x, [1, 2, 3, 1], [1, 3, 1, 1], "VALID"), [X],
         lambda x: ref_avg_pool(x, (2, 3), (3, 1), "VALID"), name="AvgPool_valid"),
    Case("AvgPool", lambda x: tf.nn.avg_pool(x, [1, 1, 3, 2], [1, 1, 2, 2], "SAME",
                                             data_format="NCHW"), [nchw(X)],
         lambda x: nchw(ref_avg_pool(nhwc(x), (3, 2), (2, 2), "SAME")), name="AvgPool_nchw"),
    Case("AvgPoolGrad", lambda g: apply_op(
        "AvgPoolGrad", [np.array(X.shape, np.int32), g],
        {"ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1], "padding": "SAME"}),
         [rnd(2, 3, 3, 3)], lambda g: ref_avg_pool_grad(X.shape, g, (3, 3), (2, 2), "SAME")),
    Case("MaxPoolWithArgmax", lambda x: tf.nn.max_pool_with_argmax(
        x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=True), [P],
         lambda x: [ref_max_pool(x, (2, 2), (2, 2), "SAME"),
                    ref_argmax(x, (2, 2), (2, 2), "SAME", True)]),
    Case("MaxPoolWithArgmax", lambda x: tf.nn.max_pool_with_argmax(
        x, [1, 3, 2, 1], [1, 1, 2, 1], "VALID"), [P],
         lambda x: [ref_max_pool(x, (3, 2), (1, 2), "VALID"),
                    ref_argmax(x, (3, 2), (1, 2), "VALID", False)], name="MaxPoolWithArgmax_b"),
    Case("MaxPoolGradWithArgmax", lambda x, g: apply_op(
        "MaxPoolGradWithArgmax", [x, g, ref_argmax(P, (2, 2), (2, 2), "SAME", False)],
        {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "SAME"}),
         [P, rnd(2, 3, 4, 2)], lambda x, g: ref_max_pool_grad(x, g, (2, 2), (2, 2), "SAME"),
         grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)
