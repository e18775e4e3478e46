"""3-D convolutions: `Conv3D`, `Conv3DBackpropInputV2`, `Conv3DBackpropFilterV2` and the
builders `tf.nn.conv3d` and `tf.nn.conv3d_transpose`.

Kernels work on a zero-padded NDHWC copy of the input and loop over the KD*KH*KW kernel
taps only; each tap is one strided slice of the whole batch and one matrix product with
that tap's [in, out] filter slice (its adjoints are a strided add and a reduction)."""
import itertools

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, \
    constant_value_as_shape
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import nn_util as U

__all__ = ["conv3d", "conv3d_transpose", "conv3d_backprop_input_v2",
           "conv3d_backprop_filter_v2"]
__namespaces__ = {"nn": ["conv3d", "conv3d_transpose", "conv3d_backprop_filter_v2",
                         "conv3d_backprop_filter=conv3d_backprop_filter_v2"]}

_ATTRS = {"T": None, "strides": None, "padding": None, "data_format": "NDHWC",
          "dilations": [1, 1, 1, 1, 1]}
_BIN_ATTRS = dict(_ATTRS, Tshape=dtypes.int32)
_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
FORMATS = ("NDHWC", "NCDHW")


# -- geometry shared with pool3d_ops -------------------------------------------------------------
def spatial3(values, df):
    """The three spatial entries of a 5-element attr in data format `df`."""
    return tuple(values[2:5]) if df == "NCDHW" else tuple(values[1:4])


def to_ndhwc(xp, x, df):
    return xp.transpose(x, (0, 2, 3, 4, 1)) if df == "NCDHW" else x


def from_ndhwc(xp, x, df):
    return xp.ascontiguousarray(xp.transpose(x, (0, 4, 1, 2, 3))) if df == "NCDHW" else x


def ndhwc_dims(shape, df):
    """[n, d, h, w, c] of a rank-5 partial shape in data format `df`."""
    d = shape.with_rank(5).as_list()
    return [d[0], d[2], d[3], d[4], d[1]] if df == "NCDHW" else d


def format_shape(n, sp, c, df):
    return TensorShape([n, c] + list(sp) if df == "NCDHW" else [n] + list(sp) + [c])


def check_5d_attr(op_type, name, values, df, allow_one_batch=True):
    """TF's build-time checks of a 5-element strides/ksize/dilations attr."""
    values = [int(v) for v in values]
    if len(values) != 5:
        raise ValueError(f"{op_type}: {name} must have 5 elements, got {len(values)}")
    c = 1 if df == "NCDHW" else 4
    if values[0] != 1 or values[c] != 1:
        raise ValueError(f"{op_type}: {name} in the batch and depth dimensions must be 1, "
                         f"got {values}")
    if any(v < 1 for v in values):
        raise ValueError(f"{op_type}: {name} must be positive, got {values}")
    return values


def check_attrs(op, with_dilations=True):
    df = U.check_choice(op.type, "data_format", op.get_attr("data_format"), FORMATS)
    U.check_choice(op.type, "padding", op.get_attr("padding"), ("SAME", "VALID"))
    check_5d_attr(op.type, "strides", op.get_attr("strides"), df)
    if with_dilations:
        check_5d_attr(op.type, "dilations", op.get_attr("dilations"), df)
    return df


class Geom3:
    """Output sizes and pads of one 3-D window op over an NDHWC array of `shape`."""

    def __init__(self, op_type, shape, ksize, strides, dilations, padding, df):
        self.n, *self.size, self.c = [int(d) for d in shape]
        self.k = [int(v) for v in ksize]
        self.s = spatial3(strides, df)
        self.d = spatial3(dilations, df) if dilations is not None else (1, 1, 1)
        self.out, self.pads = [], []
        try:
            for n, k, s, d in zip(self.size, self.k, self.s, self.d):
                o, before, after = U.out_size(n, k, s, d, padding)
                self.out.append(o)
                self.pads.append((before, after))
        except ValueError as e:
            raise U.invalid(f"{op_type}: {e}") from None
        self.padded = [n + b + a for n, (b, a) in zip(self.size, self.pads)]

    def pad(self, xp, x, value=0):
        if not any(b or a for b, a in self.pads):
            return x
        return xp.pad(x, [(0, 0)] + self.pads + [(0, 0)], constant_values=value)

    def crop(self, x):
        (a, _), (b, _), (c, _) = self.pads
        d, h, w = self.size
        return x[:, a:a + d, b:b + h, c:c + w, :]

    def taps(self, x):
        """(tap index (i, j, k), slice of padded NDHWC `x` that tap reads for every
        output), in row-major tap order."""
        for t in itertools.product(*[range(k) for k in self.k]):
            sl = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                       for i, d, s, o in zip(t, self.d, self.s, self.out))
            yield t, x[(slice(None),) + sl + (slice(None),)]

    def out_shape(self, c):
        return (self.n, *self.out, c)


def _sizes5(v, what, df=None):
    v = np.asarray(v.get() if hasattr(v, "get") else v).reshape(-1)
    if v.size != 5:
        raise U.invalid(f"{what} must be 5-dimensional, got {list(v)}")
    v = [int(d) for d in v]
    if df == "NCDHW":
        v = [v[0], v[2], v[3], v[4], v[1]]
    return tuple(v)


def _check_depth(op_type, c, ci):
    if c != ci:
        raise U.invalid(f"{op_type}: Input depth ({c}) must equal filter in_depth ({ci}); "
                        f"grouped convolutions are not supported")


# -- kernels -------------------------------------------------------------------------------------
def _conv3d_kernel(xp, input, filter, strides, padding, data_format, dilations):
    x = to_ndhwc(xp, input, data_format)
    _check_depth("Conv3D", x.shape[4], filter.shape[3])
    g = Geom3("Conv3D", x.shape, filter.shape[:3], strides, dilations, padding, data_format)
    out = xp.zeros(g.out_shape(filter.shape[4]), dtype=np.result_type(x.dtype, np.float32)
                   if x.dtype == np.float16 else x.dtype)
    for t, v in g.taps(g.pad(xp, x)):
        out += xp.matmul(v, filter[t])
    return from_ndhwc(xp, out.astype(input.dtype, copy=False), data_format)


def _check_dy(op_type, g, dy, co):
    want = g.out_shape(co)
    if tuple(dy.shape) != want:
        raise U.invalid(f"{op_type}: Size of out_backprop doesn't match computed: actual = "
                        f"{list(dy.shape)}, computed = {list(want)}")


def _backprop_input(xp, sizes, filter, out_backprop, strides, padding, data_format,
                    dilations):
    """The input gradient of an NDHWC-`sizes` input (in data_format) as an array."""
    g = Geom3("Conv3DBackpropInputV2", sizes, filter.shape[:3], strides, dilations, padding,
              data_format)
    _check_depth("Conv3DBackpropInputV2", sizes[4], filter.shape[3])
    dy = to_ndhwc(xp, out_backprop, data_format)
    _check_dy("Conv3DBackpropInputV2", g, dy, filter.shape[4])
    dx = xp.zeros((g.n, *g.padded, g.c), dtype=filter.dtype)
    for t, dst in g.taps(dx):
        dst += xp.matmul(dy, xp.swapaxes(filter[t], 0, 1)).astype(dx.dtype, copy=False)
    return from_ndhwc(xp, xp.ascontiguousarray(g.crop(dx)), data_format)


def _backprop_filter(xp, input, fsizes, out_backprop, strides, padding, data_format,
                     dilations):
    x = to_ndhwc(xp, input, data_format)
    _check_depth("Conv3DBackpropFilterV2", x.shape[4], fsizes[3])
    g = Geom3("Conv3DBackpropFilterV2", x.shape, fsizes[:3], strides, dilations, padding,
              data_format)
    dy = to_ndhwc(xp, out_backprop, data_format)
    _check_dy("Conv3DBackpropFilterV2", g, dy, fsizes[4])
    dw = xp.zeros(fsizes, dtype=input.dtype)
    dy2 = dy.reshape(-1, fsizes[4])
    for t, v in g.taps(g.pad(xp, x)):
        dw[t] = xp.matmul(v.reshape(-1, fsizes[3]).T, dy2).astype(dw.dtype, copy=False)
    return dw


# -- gradients -----------------------------------------------------------------------------------
def _attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "data_format", "dilations")}


def _shape(t):
    from flowgraph.ops import array_ops
    return array_ops.shape(t)


def _conv3d_grad(op, g):
    x, w = op.inputs
    a = _attrs(op)
    return [apply_op("Conv3DBackpropInputV2", [_shape(x), w, g], a),
            apply_op("Conv3DBackpropFilterV2", [x, _shape(w), g], a)]


def _backprop_input_grad(op, g):
    _, w, dy = op.inputs
    a = _attrs(op)
    return [None, apply_op("Conv3DBackpropFilterV2", [g, _shape(w), dy], a),
            apply_op("Conv3D", [g, w], a)]


def _backprop_filter_grad(op, g):
    x, _, dy = op.inputs
    a = _attrs(op)
    return [apply_op("Conv3DBackpropInputV2", [_shape(x), g, dy], a), None,
            apply_op("Conv3D", [x, g], a)]


# -- shape rules ---------------------------------------------------------------------------------
def _conv3d_shape(op):
    df = check_attrs(op)
    n, *sp, c = ndhwc_dims(op.inputs[0].shape, df)
    *k, ci, co = op.inputs[1].shape.with_rank(5).as_list()
    if c is not None and ci is not None and c != ci:
        raise ValueError(f"Dimensions must be equal, but are {c} and {ci} for '{op.name}' "
                         f"(op: 'Conv3D')")
    strides, dil = spatial3(op.get_attr("strides"), df), spatial3(op.get_attr("dilations"), df)
    out = []
    for size, kk, s, d in zip(sp, k, strides, dil):
        if kk is None or (size is None and op.get_attr("padding") == "VALID"):
            out.append(None)
        else:
            out.append(U.out_size(size, kk, s, d, op.get_attr("padding"))[0])
    return format_shape(n, out, co, df)


def _backprop_input_shape(op):
    check_attrs(op)
    op.inputs[1].shape.with_rank(5)
    op.inputs[2].shape.with_rank(5)
    return constant_value_as_shape(op.inputs[0]).with_rank(5)


def _backprop_filter_shape(op):
    check_attrs(op)
    op.inputs[0].shape.with_rank(5)
    op.inputs[2].shape.with_rank(5)
    return constant_value_as_shape(op.inputs[1]).with_rank(5)


# -- ops -----------------------------------------------------------------------------------------
@defop("Conv3D", inputs=("input: T", "filter: T"), outputs=("output: T",), attrs=_ATTRS)
class Conv3D:
    """3-D convolution of a 5-D `input` with a [d, h, w, in, out] `filter`."""
    shape = _conv3d_shape
    kernel = _conv3d_kernel
    grad = _conv3d_grad


@defop("Conv3DBackpropInputV2", inputs=("input_sizes: Tshape", "filter: T",
                                        "out_backprop: T"),
       outputs=("output: T",), attrs=_BIN_ATTRS)
class Conv3DBackpropInputV2:
    """The gradient of `Conv3D` with respect to its input, of shape `input_sizes`."""
    shape = _backprop_input_shape
    grad = _backprop_input_grad

    def kernel(xp, input_sizes, filter, out_backprop, strides, padding, data_format,
               dilations, Tshape=None):
        sizes = _sizes5(input_sizes, "input_sizes", data_format)
        return _backprop_input(xp, sizes, filter, out_backprop, strides, padding,
                               data_format, dilations)


@defop("Conv3DBackpropFilterV2", inputs=("input: T", "filter_sizes: int32",
                                         "out_backprop: T"),
       outputs=("output: T",), attrs=_ATTRS)
class Conv3DBackpropFilterV2:
    """The gradient of `Conv3D` with respect to its filter, of shape `filter_sizes`."""
    shape = _backprop_filter_shape
    grad = _backprop_filter_grad

    def kernel(xp, input, filter_sizes, out_backprop, strides, padding, data_format,
               dilations):
        return _backprop_filter(xp, input, _sizes5(filter_sizes, "filter_sizes"),
                                out_backprop, strides, padding, data_format, dilations)


# -- builders ------------------------------------------------------------------------------------
def _attr_dict(op_type, strides, padding, data_format, dilations):
    df = U.check_choice(op_type, "data_format", data_format or "NDHWC", FORMATS)
    if isinstance(padding, bytes):
        padding = padding.decode()
    padding = U.check_choice(op_type, "padding", str(padding).upper(), ("SAME", "VALID"))
    c = 1 if df == "NCDHW" else 4
    return {"strides": U.get_sequence(strides, 3, c, "strides"), "padding": padding,
            "data_format": df,
            "dilations": U.get_sequence(dilations, 3, c, "dilations")}


def _pick(a, b, what):
    if a is not None and b is not None:
        raise ValueError(f"Cannot specify both '{what[0]}' and '{what[1]}'")
    return a if a is not None else b


def _typed(op_type, inputs, params, attrs, name):
    with name_scope(name, op_type, [i for i in inputs if i is not None]) as scope:
        ts, want = [], None
        for v, p in zip(inputs, params):
            sizes = p.endswith("_sizes")
            t = v if hasattr(v, "op") else convert_to_tensor(
                v, dtype=dtypes.int32 if sizes else want, name=p)
            if not sizes:
                U.check_dtype(t, _TYPES, p)
                want = want or t.dtype.base_dtype
            ts.append(t)
        return apply_op(op_type, ts, attrs, name=scope)


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC",
           dilations=[1, 1, 1, 1, 1], name=None, filters=None):  # noqa: B006
    """Computes a 3-D convolution of a 5-D `input` and a [d, h, w, in, out] `filter`."""
    filter = _pick(filter, filters, ("filter", "filters"))
    a = _attr_dict("Conv3D", strides, padding, data_format, dilations)
    return _typed("Conv3D", [input, filter], ("input", "filter"), a, name)


def conv3d_backprop_input_v2(input_sizes, filter, out_backprop, strides, padding,
                             data_format="NDHWC", dilations=[1, 1, 1, 1, 1],
                             name=None):  # noqa: B006
    """The gradient of conv3d with respect to its input, for an input of `input_sizes`."""
    a = _attr_dict("Conv3DBackpropInputV2", strides, padding, data_format, dilations)
    return _typed("Conv3DBackpropInputV2", [input_sizes, filter, out_backprop],
                  ("input_sizes", "filter", "out_backprop"), a, name)


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding,
                              data_format="NDHWC", dilations=[1, 1, 1, 1, 1],
                              name=None):  # noqa: B006
    """The gradient of conv3d with respect to its filter, of shape `filter_sizes`."""
    a = _attr_dict("Conv3DBackpropFilterV2", strides, padding, data_format, dilations)
    return _typed("Conv3DBackpropFilterV2", [input, filter_sizes, out_backprop],
                  ("input", "filter_sizes", "out_backprop"), a, name)


def conv3d_transpose(value=None, filter=None, output_shape=None, strides=None,
                     padding="SAME", data_format="NDHWC", name=None, input=None,
                     filters=None, dilations=None):
    """The transpose of conv3d: maps `value` [n, d, h, w, out] to `output_shape` with a
    [kd, kh, kw, out_ch, in_ch] filter."""
    from flowgraph.ops.conv_ops import _sizes_tensor
    value = _pick(value, input, ("value", "input"))
    filter = _pick(filter, filters, ("filter", "filters"))
    with name_scope(name, "conv3d_transpose", [value, filter, output_shape]) as scope:
        value = convert_to_tensor(value, name="value")
        filter = convert_to_tensor(filter, name="filter", dtype=value.dtype)
        a = _attr_dict("Conv3DBackpropInputV2", strides, padding, data_format, dilations)
        sizes = _sizes_tensor(output_shape, "output_shape")
        s = constant_value_as_shape(sizes)
        if s.ndims is not None and s.ndims != 5:
            raise ValueError(f"output_shape must have shape (5,), got {s}")
        c = 1 if a["data_format"] == "NCDHW" else 4
        out_c = s.as_list()[c] if s.ndims == 5 else None
        fc = filter.shape.as_list()[3] if filter.shape.ndims == 5 else None
        if out_c is not None and fc is not None and out_c != fc:
            raise ValueError(f"output_shape does not match filter's output channels, {out_c} "
                             f"!= {fc}")
        return apply_op("Conv3DBackpropInputV2", [sizes, filter, value], a, name=scope)
