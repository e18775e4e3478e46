"""2-D convolutions: `Conv2D`, its two backprop ops, the depthwise family, and the
builders `tf.nn.conv2d`, `conv1d`, `conv2d_transpose`, `depthwise_conv2d`,
`separable_conv2d`, `atrous_conv2d`.

Conv2D and its backprops run the formulation `conv_algorithms.choose` picks for their
static shapes (im2col + GEMM in two layouts, per-tap GEMMs, FFT). Depthwise kernels are
channel-major im2col + one batched matrix product per channel; their input gradient folds
the columns back with col2im (one strided add per kernel tap)."""
import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, \
    constant_value_as_shape
from flowgraph.framework.registry import defop, NO_GRADIENT
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import conv_algorithms as CA
from flowgraph.ops import nn_util as U

__all__ = ["conv2d_backprop_input_v2", "conv2d_backprop_filter_v2"]
__namespaces__ = {"nn": ["conv2d", "conv1d", "conv2d_transpose", "conv1d_transpose",
                         "conv2d_backprop_input", "conv2d_backprop_filter", "depthwise_conv2d",
                         "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
                         "depthwise_conv2d_native_backprop_filter", "separable_conv2d",
                         "atrous_conv2d", "atrous_conv2d_transpose", "convolution",
                         "depthwise_conv2d_backprop_input=depthwise_conv2d_native_backprop_input",
                         "depthwise_conv2d_backprop_filter=depthwise_conv2d_native_backprop_filter"]}

_CONV_ATTRS = {"T": None, "strides": None, "use_cudnn_on_gpu": True, "padding": None,
               "explicit_paddings": [], "data_format": "NHWC", "dilations": [1, 1, 1, 1]}
_DW_ATTRS = {k: v for k, v in _CONV_ATTRS.items() if k != "use_cudnn_on_gpu"}
_CONV_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.int32)


# -- shape rules ---------------------------------------------------------------------------------
def _nhwc_dims(shape, data_format):
    """[n, h, w, c] of a rank-4 partial shape in `data_format`."""
    d = shape.with_rank(4).as_list()
    return [d[0], d[2], d[3], d[1]] if data_format == "NCHW" else d


def _format(n, h, w, c, data_format):
    return TensorShape([n, c, h, w] if data_format == "NCHW" else [n, h, w, c])


def _check_attrs(op):
    df = op.get_attr("data_format")
    U.check_choice(op.type, "data_format", df, ("NHWC", "NCHW"))
    U.check_choice(op.type, "padding", op.get_attr("padding"), ("SAME", "VALID", "EXPLICIT"))
    U.check_4d_attr(op.type, "strides", op.get_attr("strides"), df)
    U.check_4d_attr(op.type, "dilations", op.get_attr("dilations"), df)
    pads = list(op.get_attr("explicit_paddings"))
    if op.get_attr("padding") == "EXPLICIT":
        if len(pads) != 8:
            raise ValueError(f"explicit_paddings attribute must contain 8 values, but got: "
                             f"{len(pads)}")
        if any(p < 0 for p in pads):
            raise ValueError(f"All elements of explicit_paddings must be nonnegative, got "
                             f"{pads}")
    elif pads:
        raise ValueError("explicit_paddings must be empty unless padding is EXPLICIT")
    return df


def _out_shape(op, in_shape, filter_shape, depthwise):
    """The output shape of a (depthwise) convolution from partial input/filter shapes."""
    df = _check_attrs(op)
    n, h, w, c = _nhwc_dims(in_shape, df)
    kh, kw, ci, co = filter_shape.with_rank(4).as_list()
    if depthwise:
        if c is not None and ci is not None and c != ci:
            raise ValueError(f"Dimensions must be equal, but are {c} and {ci}")
        c = c if c is not None else ci
        out_c = None if c is None or co is None else c * co
    else:
        if c is not None and ci is not None and c % ci != 0:
            raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of "
                             f"filter ({ci})")
        out_c = co
    (oh, _, _), (ow, _, _) = U.geometry(
        h, w, kh or 1, kw or 1, op.get_attr("strides"), op.get_attr("dilations"),
        op.get_attr("padding"), op.get_attr("explicit_paddings"), df)
    if kh is None:
        oh = None
    if kw is None:
        ow = None
    return _format(n, oh, ow, out_c, df)


def _conv_shape(depthwise):
    def rule(op):
        return _out_shape(op, op.inputs[0].shape, op.inputs[1].shape, depthwise)
    return rule


def _backprop_input_shape(depthwise):
    def rule(op):
        sizes = constant_value_as_shape(op.inputs[0]).with_rank(4)
        filt = op.inputs[1].shape.with_rank(4)
        dy = op.inputs[2].shape.with_rank(4)
        df = _check_attrs(op)
        co = _nhwc_dims(dy, df)[3]
        k_out = filt.as_list()[3]
        if depthwise and filt.as_list()[2] is not None and k_out is not None:
            k_out = filt.as_list()[2] * k_out
        if co is not None and k_out is not None and co != k_out:
            raise ValueError(f"Dimensions must be equal, but are {co} and {k_out}")
        return sizes
    return rule


def _backprop_filter_shape(op):
    sizes = constant_value_as_shape(op.inputs[1]).with_rank(4)
    op.inputs[0].shape.with_rank(4)
    op.inputs[2].shape.with_rank(4)
    _check_attrs(op)
    return sizes


# -- kernels -------------------------------------------------------------------------------------
class _Geom:
    """Everything a kernel needs about one convolution, with TF's run-time checks."""

    def __init__(self, op_type, in_nhwc, k_shape, strides, dilations, padding, explicit,
                 df, depthwise=False):
        n, h, w, c = in_nhwc
        kh, kw, ci, co = k_shape
        if c != ci:
            what = "filter in_depth" if depthwise else \
                "filter depth; grouped convolutions are not supported"
            raise U.invalid(f"{op_type}: input depth ({c}) must equal {what} ({ci})")
        sh, sw = U.spatial(strides, df)
        dh, dw = U.spatial(dilations, df)
        try:
            (oh, pt, pb), (ow, pl, pr) = U.geometry(
                h, w, kh, kw, strides, dilations, padding, explicit, df)
        except ValueError as e:
            raise U.invalid(f"{op_type}: {e}") from None
        out_c = c * co if depthwise else co
        self.g = CA.Geometry(n, h, w, c, kh, kw, out_c, oh, ow, sh, sw, dh, dw,
                             (pt, pb, pl, pr))
        self.p = n * oh * ow
        self.df = df

    def cols(self, xp, x):
        """The [KH*KW*C, N*OH*OW] im2col matrix of input `x` (in data format df)."""
        return CA.cols_cnhw(xp, CA.pad_cnhw(xp, U.to_nhwc(xp, x, self.df), self.g), self.g)

    def image(self, xp, dcols):
        """col2im of [KH*KW*C, N*OH*OW] columns, cropped, in data format df."""
        g = self.g
        out = CA.col2im_cnhw(dcols, g, xp.zeros((g.c, g.n, g.hp, g.wp), dtype=dcols.dtype))
        return self.output(xp, CA.crop(xp.transpose(out, (1, 2, 3, 0)), g))

    def dy(self, xp, dy, op_type):
        """out_backprop in NHWC, after checking its shape."""
        d = U.to_nhwc(xp, dy, self.df)
        g = self.g
        want = (g.n, g.oh, g.ow, g.co)
        if tuple(d.shape) != want:
            raise U.invalid(f"{op_type}: Size of out_backprop doesn't match computed: actual "
                            f"= {list(d.shape)}, computed = {list(want)}")
        return d

    def output(self, xp, out):
        """An NHWC result (or [N*OH*OW, C] rows) as a contiguous image in data format df."""
        if out.ndim == 2:
            g = self.g
            out = out.reshape(g.n, g.oh, g.ow, out.shape[-1])
        if self.df == "NCHW":
            return xp.ascontiguousarray(xp.transpose(out, (0, 3, 1, 2)))
        return xp.ascontiguousarray(out)


def _nhwc_sizes(sizes, df):
    return (sizes[0], sizes[2], sizes[3], sizes[1]) if df == "NCHW" else tuple(sizes)


def _conv2d_kernel(xp, input, filter, strides, padding, explicit_paddings, data_format,
                   dilations):
    g = _Geom("Conv2D", _nhwc_sizes(input.shape, data_format), filter.shape, strides,
              dilations, padding, explicit_paddings, data_format)
    return g.output(xp, CA.forward(xp, U.to_nhwc(xp, input, data_format), filter, g.g))


def _conv2d_backprop_input_kernel(xp, input_sizes, filter, out_backprop, strides, padding,
                                  explicit_paddings, data_format, dilations):
    sizes = _nhwc_sizes(U.sizes_arg(input_sizes, "input_sizes"), data_format)
    g = _Geom("Conv2DBackpropInput", sizes, filter.shape, strides, dilations, padding,
              explicit_paddings, data_format)
    dy = g.dy(xp, out_backprop, "Conv2DBackpropInput")
    return g.output(xp, CA.backprop_input(xp, dy, filter, g.g))


def _conv2d_backprop_filter_kernel(xp, input, filter_sizes, out_backprop, strides, padding,
                                   explicit_paddings, data_format, dilations):
    sizes = U.sizes_arg(filter_sizes, "filter_sizes")
    g = _Geom("Conv2DBackpropFilter", _nhwc_sizes(input.shape, data_format), sizes, strides,
              dilations, padding, explicit_paddings, data_format)
    dy = g.dy(xp, out_backprop, "Conv2DBackpropFilter")
    return CA.backprop_filter(xp, U.to_nhwc(xp, input, data_format), dy, g.g)


def _dw_forward_kernel(xp, input, filter, strides, padding, explicit_paddings, data_format,
                       dilations):
    kh, kw, c, m = filter.shape
    g = _Geom("DepthwiseConv2dNative", _nhwc_sizes(input.shape, data_format), filter.shape,
              strides, dilations, padding, explicit_paddings, data_format, depthwise=True)
    cols = xp.transpose(g.cols(xp, input).reshape(kh * kw, c, g.p), (1, 2, 0))  # [c, p, kk]
    wk = xp.transpose(filter.reshape(kh * kw, c, m), (1, 0, 2))                 # [c, kk, m]
    out = xp.transpose(xp.matmul(cols, wk), (1, 0, 2)).reshape(g.p, c * m)
    return g.output(xp, out.astype(input.dtype, copy=False))


def _dw_backprop_input_kernel(xp, input_sizes, filter, out_backprop, strides, padding,
                              explicit_paddings, data_format, dilations):
    sizes = _nhwc_sizes(U.sizes_arg(input_sizes, "input_sizes"), data_format)
    kh, kw, c, m = filter.shape
    g = _Geom("DepthwiseConv2dNativeBackpropInput", sizes, filter.shape, strides, dilations,
              padding, explicit_paddings, data_format, depthwise=True)
    dy = g.dy(xp, out_backprop, "DepthwiseConv2dNativeBackpropInput")
    dy = xp.transpose(dy.reshape(g.p, c, m), (1, 2, 0))                        # [c, m, p]
    wk = xp.transpose(filter.reshape(kh * kw, c, m), (1, 0, 2))                 # [c, kk, m]
    dcols = xp.transpose(xp.matmul(wk, dy), (1, 0, 2))                          # [kk, c, p]
    return g.image(xp, dcols.astype(filter.dtype, copy=False))


def _dw_backprop_filter_kernel(xp, input, filter_sizes, out_backprop, strides, padding,
                               explicit_paddings, data_format, dilations):
    sizes = U.sizes_arg(filter_sizes, "filter_sizes")
    kh, kw, c, m = sizes
    g = _Geom("DepthwiseConv2dNativeBackpropFilter", _nhwc_sizes(input.shape, data_format),
              sizes, strides, dilations, padding, explicit_paddings, data_format,
              depthwise=True)
    dy = g.dy(xp, out_backprop, "DepthwiseConv2dNativeBackpropFilter")
    dy = xp.transpose(dy.reshape(g.p, c, m), (1, 0, 2))                        # [c, p, m]
    cols = xp.transpose(g.cols(xp, input).reshape(kh * kw, c, g.p), (1, 0, 2))  # [c, kk, p]
    dw = xp.transpose(xp.matmul(cols, dy), (1, 0, 2))                           # [kk, c, m]
    return dw.reshape(sizes).astype(input.dtype, copy=False)


# -- gradients -----------------------------------------------------------------------------------
def _attrs(op):
    keys = ("strides", "padding", "explicit_paddings", "data_format", "dilations")
    out = {k: op.get_attr(k) for k in keys}
    if "use_cudnn_on_gpu" in op._attrs:
        out["use_cudnn_on_gpu"] = op.get_attr("use_cudnn_on_gpu")
    return out


def _shape(t):
    from flowgraph.ops import array_ops
    return array_ops.shape(t)


def _family(depthwise):
    if depthwise:
        return ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                "DepthwiseConv2dNativeBackpropFilter")
    return "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"


def _forward_grad(depthwise):
    fwd, bin_, bfil = _family(depthwise)

    def grad(op, g):
        x, w = op.inputs
        a = _attrs(op)
        return [apply_op(bin_, [_shape(x), w, g], a), apply_op(bfil, [x, _shape(w), g], a)]
    return grad


def _backprop_input_grad(depthwise):
    fwd, bin_, bfil = _family(depthwise)

    def grad(op, g):
        _, w, dy = op.inputs
        a = _attrs(op)
        return [None, apply_op(bfil, [g, _shape(w), dy], a), apply_op(fwd, [g, w], a)]
    return grad


def _backprop_filter_grad(depthwise):
    fwd, bin_, bfil = _family(depthwise)

    def grad(op, g):
        x, _, dy = op.inputs
        a = _attrs(op)
        return [apply_op(bin_, [_shape(x), g, dy], a), None, apply_op(fwd, [x, g], a)]
    return grad


# -- ops -----------------------------------------------------------------------------------------
@defop("Conv2D", inputs=("input: T", "filter: T"), outputs=("output: T",), attrs=_CONV_ATTRS)
class Conv2D:
    """2-D convolution of a 4-D `input` with a [h, w, in, out] `filter`."""
    shape = _conv_shape(False)
    kernel = _conv2d_kernel
    grad = _forward_grad(False)


@defop("Conv2DBackpropInput", inputs=("input_sizes: int32", "filter: T", "out_backprop: T"),
       outputs=("output: T",), attrs=_CONV_ATTRS)
class Conv2DBackpropInput:
    """The gradient of `Conv2D` with respect to its input (a transposed convolution)."""
    shape = _backprop_input_shape(False)
    kernel = _conv2d_backprop_input_kernel
    grad = _backprop_input_grad(False)


@defop("Conv2DBackpropFilter", inputs=("input: T", "filter_sizes: int32", "out_backprop: T"),
       outputs=("output: T",), attrs=_CONV_ATTRS)
class Conv2DBackpropFilter:
    """The gradient of `Conv2D` with respect to its filter."""
    shape = _backprop_filter_shape
    kernel = _conv2d_backprop_filter_kernel
    grad = _backprop_filter_grad(False)


def _shaped_like(k):
    """The V2 backprops' rule: the output has input `k`'s shape; all inputs are 4-D."""
    def rule(op):
        for t in op.inputs:
            t.shape.with_rank(4)
        _check_attrs(op)
        return [op.inputs[k].shape.with_rank(4)]
    return rule


@defop("Conv2DBackpropInputV2", inputs=("input: T", "filter: T", "out_backprop: T"),
       outputs=("output: T",), attrs=_CONV_ATTRS)
class Conv2DBackpropInputV2:
    """`Conv2DBackpropInput` with the input's shape taken from the tensor `input` (its
    values are unused); no gradient is registered for it, as in TF."""
    grad = NO_GRADIENT
    shape = _shaped_like(0)

    def kernel(xp, input, filter, out_backprop, strides, padding, explicit_paddings,
               data_format, dilations):
        return _conv2d_backprop_input_kernel(xp, np.asarray(input.shape, np.int32), filter,
                                             out_backprop, strides, padding,
                                             explicit_paddings, data_format, dilations)


@defop("Conv2DBackpropFilterV2", inputs=("input: T", "filter: T", "out_backprop: T"),
       outputs=("output: T",), attrs=_CONV_ATTRS)
class Conv2DBackpropFilterV2:
    """`Conv2DBackpropFilter` with the filter's shape taken from the tensor `filter` (its
    values are unused); no gradient is registered for it, as in TF."""
    grad = NO_GRADIENT
    shape = _shaped_like(1)

    def kernel(xp, input, filter, out_backprop, strides, padding, explicit_paddings,
               data_format, dilations):
        return _conv2d_backprop_filter_kernel(xp, input, np.asarray(filter.shape, np.int32),
                                              out_backprop, strides, padding,
                                              explicit_paddings, data_format, dilations)


@defop("DepthwiseConv2dNative", inputs=("input: T", "filter: T"), outputs=("output: T",),
       attrs=_DW_ATTRS)
class DepthwiseConv2dNative:
    """Depthwise 2-D convolution: each input channel convolved with its own
    `channel_multiplier` filters; output depth is in_channels * channel_multiplier."""
    shape = _conv_shape(True)
    kernel = _dw_forward_kernel
    grad = _forward_grad(True)


@defop("DepthwiseConv2dNativeBackpropInput",
       inputs=("input_sizes: int32", "filter: T", "out_backprop: T"), outputs=("output: T",),
       attrs=_DW_ATTRS)
class DepthwiseConv2dNativeBackpropInput:
    """The gradient of `DepthwiseConv2dNative` with respect to its input."""
    shape = _backprop_input_shape(True)
    kernel = _dw_backprop_input_kernel
    grad = _backprop_input_grad(True)


@defop("DepthwiseConv2dNativeBackpropFilter",
       inputs=("input: T", "filter_sizes: int32", "out_backprop: T"), outputs=("output: T",),
       attrs=_DW_ATTRS)
class DepthwiseConv2dNativeBackpropFilter:
    """The gradient of `DepthwiseConv2dNative` with respect to its filter."""
    shape = _backprop_filter_shape
    kernel = _dw_backprop_filter_kernel
    grad = _backprop_filter_grad(True)


# -- builders ------------------------------------------------------------------------------------
def _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn=None):
    data_format = U.check_choice("Conv2D", "data_format", data_format or "NHWC",
                                 ("NHWC", "NCHW"))
    c = 1 if data_format == "NCHW" else 3
    pad, explicit = U.padding_attrs(padding, data_format)
    a = {"strides": U.get_sequence(strides, 2, c, "strides"), "padding": pad,
         "explicit_paddings": explicit, "data_format": data_format,
         "dilations": U.get_sequence(dilations, 2, c, "dilations")}
    if use_cudnn is not None:
        a["use_cudnn_on_gpu"] = bool(use_cudnn)
    return a


def _pick(a, b, what):
    if a is not None and b is not None:
        raise ValueError(f"Cannot specify both '{what[0]}' and '{what[1]}'")
    return a if a is not None else b


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,
           data_format="NHWC", dilations=[1, 1, 1, 1], name=None, filters=None):  # noqa: B006
    """Computes a 2-D convolution of a 4-D `input` and a [h, w, in, out] `filter`.

    `padding` is "SAME", "VALID" or a list of [before, after] pairs per dimension."""
    filter = _pick(filter, filters, ("filter", "filters"))
    if strides is None:
        raise TypeError("conv2d() missing required argument 'strides'")
    if padding is None:
        raise TypeError("conv2d() missing required argument 'padding'")
    a = _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return _apply_typed("Conv2D", [input, filter], a, name, ("input", "filter"))


def _apply_typed(op_type, inputs, attrs, name, params, allowed=_CONV_TYPES):
    """Converts `inputs` (data inputs to the first one's dtype), checks their dtypes, and
    adds the op named `name` (default `op_type`), its constants under its scope."""
    with name_scope(name, op_type, [i for i in inputs if i is not None]) as scope:
        ts, want = [], None
        for v, p in zip(inputs, params):
            sizes = p.endswith("_sizes")
            # Python values follow the first input's dtype; tensors keep theirs, so that a
            # mismatch is apply_op's TypeError.
            t = v if hasattr(v, "op") else convert_to_tensor(
                v, dtype=None if sizes else want, name=p)
            if not sizes:
                U.check_dtype(t, allowed, p)
                want = want or t.dtype.base_dtype
            ts.append(t)
        return apply_op(op_type, ts, attrs, name=scope)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=[1, 1, 1, 1], name=None, filters=None):  # noqa: B006
    """The gradient of conv2d with respect to its input, for an input of `input_sizes`."""
    filter = _pick(filter, filters, ("filter", "filters"))
    a = _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn_on_gpu)
    sizes = _sizes_tensor(input_sizes, "input_sizes")
    return _apply_typed("Conv2DBackpropInput", [sizes, filter, out_backprop], a, name,
                        ("input_sizes", "filter", "out_backprop"))


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu=True, data_format="NHWC",
                           dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of conv2d with respect to its filter, of shape `filter_sizes`."""
    a = _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn_on_gpu)
    sizes = _sizes_tensor(filter_sizes, "filter_sizes")
    return _apply_typed("Conv2DBackpropFilter", [input, sizes, out_backprop], a, name,
                        ("input", "filter_sizes", "out_backprop"))


def conv2d_backprop_input_v2(input, filter, out_backprop, strides, padding,
                             use_cudnn_on_gpu=True, explicit_paddings=[], data_format="NHWC",
                             dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of conv2d with respect to its input, shaped like the tensor `input`."""
    a = _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn_on_gpu)
    if explicit_paddings:
        a["explicit_paddings"] = list(explicit_paddings)
    return _apply_typed("Conv2DBackpropInputV2", [input, filter, out_backprop], a, name,
                        ("input", "filter", "out_backprop"))


def conv2d_backprop_filter_v2(input, filter, out_backprop, strides, padding,
                              use_cudnn_on_gpu=True, explicit_paddings=[], data_format="NHWC",
                              dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of conv2d with respect to its filter, shaped like the tensor `filter`."""
    a = _conv_attr_dict(strides, padding, data_format, dilations, use_cudnn_on_gpu)
    if explicit_paddings:
        a["explicit_paddings"] = list(explicit_paddings)
    return _apply_typed("Conv2DBackpropFilterV2", [input, filter, out_backprop], a, name,
                        ("input", "filter", "out_backprop"))


def _sizes_tensor(v, name):
    if isinstance(v, tensor_shape.TensorShape):
        v = v.as_list()
    if hasattr(v, "dtype") and hasattr(v, "op"):
        if v.dtype.base_dtype != dtypes.int32:
            from flowgraph.ops import math_ops
            v = math_ops.cast(v, dtypes.int32)
        return v
    if isinstance(v, (list, tuple)) and any(hasattr(d, "op") for d in v):
        from flowgraph.ops import array_ops
        return array_ops.stack([convert_to_tensor(d, dtype=dtypes.int32) for d in v])
    return convert_to_tensor(np.asarray(v, dtype=np.int32), name=name)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,
                     padding="SAME", data_format="NHWC", name=None, input=None, filters=None,
                     dilations=None):
    """The transpose of conv2d (the gradient of conv2d with respect to its input): maps
    `value` [n, h, w, out] to `output_shape` with a [kh, kw, out_ch, in_ch] filter."""
    value = _pick(value, input, ("value", "input"))
    filter = _pick(filter, filters, ("filter", "filters"))
    with name_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        value = convert_to_tensor(value, name="value")
        filter = convert_to_tensor(filter, name="filter", dtype=value.dtype)
        df = data_format or "NHWC"
        c = 1 if df == "NCHW" else 3
        sizes = _sizes_tensor(output_shape, "input_sizes")
        s = constant_value_as_shape(sizes)
        if s.ndims is not None and s.ndims != 4:
            raise ValueError(f"output_shape must have shape (4,), got {s}")
        out_c = s.as_list()[c] if s.ndims == 4 else None
        fc = filter.shape.as_list()[2] if filter.shape.ndims == 4 else None
        if out_c is not None and fc is not None and out_c != fc:
            raise ValueError(f"output_shape does not match filter's output channels, {out_c} "
                             f"!= {fc}")
        a = _conv_attr_dict(strides, padding, df, dilations, True)
        return create_named("Conv2DBackpropInput", [sizes, filter, value], a, scope)


def create_named(op_type, inputs, attrs, scope):
    """Adds an op named after the current name scope (TF's `name=scope` idiom)."""
    return apply_op(op_type, inputs, attrs, name=scope)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):
    """1-D convolution of a [batch, width, in] `value` with a [w, in, out] filter, built
    as TF does: ExpandDims, Conv2D, Squeeze."""
    from flowgraph.ops import array_ops
    value = _pick(value, input, ("value", "input"))
    with name_scope(name, "conv1d", [value, filters]) as scope:
        if data_format is None or data_format in ("NHWC", "NWC"):
            data_format, spatial, c = "NHWC", 1, 2
        elif data_format in ("NCHW", "NCW"):
            data_format, spatial, c = "NCHW", 2, 1
        else:
            raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                             f"data_format={data_format}")
        strides = [1] + U.get_sequence(stride, 1, c, "stride")
        dil = [1] + U.get_sequence(dilations, 1, c, "dilations")
        value = array_ops.expand_dims(value, spatial)
        filters = array_ops.expand_dims(filters, 0)
        a = _conv_attr_dict(strides, padding, data_format, dil,
                            True if use_cudnn_on_gpu is None else use_cudnn_on_gpu)
        out = create_named("Conv2D", [value, filters], a, scope)
        return array_ops.squeeze(out, [spatial])


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",
                            dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """Depthwise 2-D convolution with a [h, w, in, multiplier] filter."""
    a = _conv_attr_dict(strides, padding, data_format, dilations)
    return _apply_typed("DepthwiseConv2dNative", [input, filter], a, name,
                        ("input", "filter"), U.FLOATS)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides,
                                           padding, data_format="NHWC",
                                           dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of depthwise_conv2d_native with respect to its input."""
    a = _conv_attr_dict(strides, padding, data_format, dilations)
    return _apply_typed("DepthwiseConv2dNativeBackpropInput",
                        [_sizes_tensor(input_sizes, "input_sizes"), filter, out_backprop], a,
                        name, ("input_sizes", "filter", "out_backprop"), U.FLOATS)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,
                                            padding, data_format="NHWC",
                                            dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of depthwise_conv2d_native with respect to its filter."""
    a = _conv_attr_dict(strides, padding, data_format, dilations)
    return _apply_typed("DepthwiseConv2dNativeBackpropFilter",
                        [input, _sizes_tensor(filter_sizes, "filter_sizes"), out_backprop], a,
                        name, ("input", "filter_sizes", "out_backprop"), U.FLOATS)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,
                     dilations=None):
    """Depthwise 2-D convolution; `rate` (or `dilations`) is the [h, w] dilation.

    TF lowers rate > 1 to SpaceToBatchND around a VALID convolution; flowgraph passes it
    to the op's `dilations` attr, which computes the same values."""
    rate = _pick(rate, dilations, ("rate", "dilations"))
    with name_scope(name, "depthwise", [input, filter]) as scope:
        df = data_format or "NHWC"
        c = 1 if df == "NCHW" else 3
        strides = U.get_sequence(strides, 2, c, "strides")
        dil = U.get_sequence(rate, 2, c, "rate")
        if max(dil) > 1 and max(U.spatial(strides, df)) > 1:
            raise ValueError("strides > 1 not supported in conjunction with rate > 1")
        a = _conv_attr_dict(strides, padding, df, dil)
        input = convert_to_tensor(input, name="input")
        filter = convert_to_tensor(filter, name="filter", dtype=input.dtype)
        return create_named("DepthwiseConv2dNative", [input, filter], a, scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None,
                     name=None, data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    rate = _pick(rate, dilations, ("rate", "dilations"))
    with name_scope(name, "separable_conv2d",
                    [input, depthwise_filter, pointwise_filter]) as scope:
        input = convert_to_tensor(input, name="input")
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter",
                                             dtype=input.dtype)
        pw = pointwise_filter.shape
        if pw.ndims is not None:
            pw.with_rank(4)
            if pw.as_list()[:2] != [1, 1] and None not in pw.as_list()[:2]:
                raise ValueError(f"Dimensions must be equal, but are {pw.as_list()[0]} and 1")
        depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, rate=rate,
                                     name="depthwise", data_format=data_format)
        a = _conv_attr_dict([1, 1, 1, 1], "VALID", data_format or "NHWC", None, True)
        return create_named("Conv2D", [depthwise, pointwise_filter], a, scope)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Atrous (dilated) 2-D convolution with dilation `rate` in both spatial dims."""
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, rate, rate, 1],
                  name=name or "convolution")


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of atrous_conv2d."""
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d_transpose(value, filters, output_shape, [1, 1, 1, 1], padding,
                            name=name or "conv2d_transpose", dilations=[1, rate, rate, 1])


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NWC", dilations=None, name=None):
    """The transpose of conv1d: ExpandDims, Conv2DBackpropInput, Squeeze."""
    from flowgraph.ops import array_ops
    with name_scope(name, "conv1d_transpose", [input, filters, output_shape]) as scope:
        if data_format in (None, "NWC", "NHWC"):
            df, spatial, c = "NHWC", 1, 2
        elif data_format in ("NCW", "NCHW"):
            df, spatial, c = "NCHW", 2, 1
        else:
            raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                             f"data_format={data_format}")
        strides = [1] + U.get_sequence(strides, 1, c, "strides")
        dil = [1] + U.get_sequence(dilations, 1, c, "dilations")
        sizes = _sizes_tensor(output_shape, "output_shape")
        sizes = array_ops.concat([sizes[:spatial], [1], sizes[spatial:]], axis=0)
        input = array_ops.expand_dims(input, spatial)
        filters = array_ops.expand_dims(filters, 0)
        a = _conv_attr_dict(strides, padding, df, dil, True)
        out = create_named("Conv2DBackpropInput", [sizes, filters, input], a, scope)
        return array_ops.squeeze(out, spatial)


def convolution(input, filter, padding, strides=None, dilation_rate=None, name=None,
                data_format=None, filters=None, dilations=None):
    """N-D convolution for N = 1 or 2 (conv1d / conv2d with dilations)."""
    filter = _pick(filter, filters, ("filter", "filters"))
    dilation_rate = _pick(dilation_rate, dilations, ("dilation_rate", "dilations"))
    input = convert_to_tensor(input, name="input")
    n = input.shape.ndims
    if n == 3:
        return conv1d(input, filter, strides or 1, padding, data_format=data_format,
                      dilations=dilation_rate, name=name or "convolution")
    if n == 4:
        df = data_format or "NHWC"
        return conv2d(input, filter, strides or 1, padding, data_format=df,
                      dilations=dilation_rate, name=name or "convolution")
    raise ValueError(f"convolution supports inputs of rank 3 or 4, got {input.shape}")
