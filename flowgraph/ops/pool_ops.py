"""2-D pooling: `MaxPool` / `AvgPool`, their gradients (`MaxPoolGrad`, `MaxPoolGradGrad`,
`AvgPoolGrad`), `MaxPoolWithArgmax`, and the `tf.nn` pooling builders.

Kernels work in NHWC and loop over the KH*KW window taps, each one vectorized slice
operation over the whole batch (numpy's reductions over small window axes are several times
slower). Max pooling's gradient goes to the first maximum of each window in row-major order,
as TF's CPU kernels do: the tap index of that maximum becomes a flat index and the gradient
is scattered with one indexed store (disjoint windows) or one bincount (overlapping ones).
Average pooling with SAME padding divides by the number of valid (unpadded) elements."""
import functools

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, \
    constant_value_as_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import nn_util as U

__all__ = []
__namespaces__ = {"nn": ["max_pool", "max_pool2d", "avg_pool", "avg_pool2d", "max_pool1d",
                         "avg_pool1d", "max_pool_v2", "avg_pool_v2", "max_pool_with_argmax",
                         "pool"]}

_POOL_ATTRS = {"T": None, "ksize": None, "strides": None, "padding": None,
               "data_format": "NHWC"}
_MAX_ATTRS = dict(_POOL_ATTRS, explicit_paddings=[])
_ARGMAX_ATTRS = {"T": None, "ksize": None, "strides": None, "padding": None,
                 "Targmax": dtypes.int64, "include_batch_in_index": False}
_MAX_TYPES = U.REAL


# -- shapes --------------------------------------------------------------------------------------
def _pool_out(op, shape):
    df = op._attrs.get("data_format", "NHWC")
    U.check_choice(op.type, "data_format", df, ("NHWC", "NCHW"))
    pads = ("SAME", "VALID", "EXPLICIT") if "explicit_paddings" in op._attrs else \
        ("SAME", "VALID")
    padding = U.check_choice(op.type, "padding", op.get_attr("padding"), pads)
    ksize = U.check_4d_attr(op.type, "ksize", op.get_attr("ksize"), df)
    strides = U.check_4d_attr(op.type, "strides", op.get_attr("strides"), df)
    explicit = list(op._attrs.get("explicit_paddings", []))
    if padding == "EXPLICIT" and len(explicit) != 8:
        raise ValueError(f"explicit_paddings attribute must contain 8 values, but got: "
                         f"{len(explicit)}")
    d = shape.with_rank(4).as_list()
    n, h, w, c = [d[0], d[2], d[3], d[1]] if df == "NCHW" else d
    kh, kw = U.spatial(ksize, df)
    (oh, _, _), (ow, _, _) = U.geometry(h, w, kh, kw, strides, [1, 1, 1, 1], padding,
                                        explicit, df)
    return TensorShape([n, c, oh, ow] if df == "NCHW" else [n, oh, ow, c])


def _pool_shape(op):
    return _pool_out(op, op.inputs[0].shape)


def _grad_shape(op):
    """MaxPoolGrad: the orig_input shape (the grad must have the pooled shape)."""
    out = _pool_out(op, op.inputs[0].shape)
    op.inputs[2].shape.assert_is_compatible_with(out)
    return op.inputs[0].shape


def _gradgrad_shape(op):
    out = _pool_out(op, op.inputs[0].shape)
    op.inputs[2].shape.assert_is_compatible_with(op.inputs[0].shape)
    return out


def _avg_grad_shape(op):
    s = constant_value_as_shape(op.inputs[0]).with_rank(4)
    op.inputs[1].shape.with_rank(4)
    return s


# -- kernels -------------------------------------------------------------------------------------
class _Pool:
    """The geometry of one pooling op on an NHWC array of `shape`, with TF's checks.
    Kernels loop over the KH*KW window taps; each step is one vectorized slice op."""

    def __init__(self, op_type, shape, ksize, strides, padding, explicit, df):
        self.n, self.h, self.w, self.c = shape
        self.kh, self.kw = U.spatial(ksize, df)
        self.sh, self.sw = U.spatial(strides, df)
        try:
            (self.oh, pt, pb), (self.ow, pl, pr) = U.geometry(
                self.h, self.w, self.kh, self.kw, strides, [1, 1, 1, 1], padding, explicit,
                df)
        except ValueError as e:
            raise U.invalid(f"{op_type}: {e}") from None
        self.pads = (pt, pb, pl, pr)
        self.hp, self.wp = self.h + pt + pb, self.w + pl + pr

    def taps(self, x):
        """(k, slice of padded NHWC `x` read by window tap k) for k in row-major order."""
        for k in range(self.kh * self.kw):
            i, j = divmod(k, self.kw)
            yield k, U.tap(x, i, j, self.oh, self.ow, self.sh, self.sw)

    def max(self, xp, xpad):
        out = None
        for _, v in self.taps(xpad):
            out = v.copy() if out is None else xp.maximum(out, v, out=out)
        return out

    def first_max(self, xp, x):
        """(padded x, pooled max, k): k is the window tap (row-major) of each output's first
        maximum, as TF's CPU kernels choose; it counts the leading taps below the max."""
        xpad = U.pad_nhwc(xp, x, self.pads, _lowest(x.dtype))
        out = self.max(xp, xpad)
        taps = [v for _, v in self.taps(xpad)]
        if len(taps) == 1:
            return xpad, out, xp.zeros(out.shape, dtype=np.intp)
        free = xp.not_equal(taps[0], out)
        k = free.astype(np.intp)
        for v in taps[1:-1]:
            free &= xp.not_equal(v, out)
            k += free
        return xpad, out, k

    @property
    def disjoint(self):
        """Whether no two windows overlap (then each input feeds at most one output)."""
        return self.sh >= self.kh and self.sw >= self.kw

    def flat_index(self, xp, k):
        """The flat index into the padded NHWC image of each output's tap `k`."""
        base, off = _index_tables(xp, self.n, self.hp, self.wp, self.c, self.oh, self.ow,
                                  self.sh, self.sw, self.kh, self.kw)
        return base + off[k]

    def scatter(self, xp, k, dy):
        """The padded NHWC image with each `dy` added at its window's tap `k`: one indexed
        store when windows are disjoint, else one bincount (floats) or a pass per tap."""
        size = self.n * self.hp * self.wp * self.c
        shape = (self.n, self.hp, self.wp, self.c)
        if self.disjoint:
            dx = xp.zeros(size, dtype=dy.dtype)
            dx[self.flat_index(xp, k).reshape(-1)] = dy.reshape(-1)
            return dx.reshape(shape)
        if np.dtype(dy.dtype).kind == "f":
            dx = xp.bincount(self.flat_index(xp, k).reshape(-1),
                             weights=dy.reshape(-1).astype(np.float64), minlength=size)
            return dx.astype(dy.dtype).reshape(shape)
        dx = xp.zeros(shape, dtype=dy.dtype)
        zero = xp.zeros((), dtype=dy.dtype)
        for t, dst in self.taps(dx):
            dst += xp.where(k == t, dy, zero)
        return dx

    def zeros(self, xp, dtype):
        return xp.zeros((self.n, self.hp, self.wp, self.c), dtype=dtype)

    def crop(self, x):
        pt, _, pl, _ = self.pads
        return x[:, pt:pt + self.h, pl:pl + self.w, :]

    def counts(self, xp, dtype):
        """[oh, ow, 1]: the number of unpadded elements in each window."""
        def valid(o, s, k, pad, n):
            start = np.arange(o) * s - pad
            return np.minimum(start + k, n) - np.maximum(start, 0)
        rows = valid(self.oh, self.sh, self.kh, self.pads[0], self.h)
        cols = valid(self.ow, self.sw, self.kw, self.pads[2], self.w)
        return xp.asarray(np.outer(rows, cols)[:, :, None].astype(dtype))


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return 0


@functools.lru_cache(maxsize=64)
def _index_tables(xp, n, hp, wp, c, oh, ow, sh, sw, kh, kw):
    """(base, off): base[b, i, j, ch] is the flat padded-NHWC index of output (i, j)'s
    window origin, off[k] the offset of window tap k (row-major)."""
    base = ((np.arange(n).reshape(-1, 1, 1, 1) * hp + np.arange(oh).reshape(1, -1, 1, 1) * sh)
            * wp + np.arange(ow).reshape(1, 1, -1, 1) * sw) * c + np.arange(c)
    off = np.array([(i * wp + j) * c for i in range(kh) for j in range(kw)], dtype=np.intp)
    return xp.asarray(base.astype(np.intp)), xp.asarray(off)


def _geom(op_type, xp, x, ksize, strides, padding, explicit, df):
    x = U.to_nhwc(xp, x, df)
    return x, _Pool(op_type, x.shape, ksize, strides, padding, explicit, df)


def _out(xp, x, df):
    """An NHWC result in data format `df` (contiguous)."""
    return x if df != "NCHW" else xp.ascontiguousarray(U.from_nhwc(xp, x, df))


def _check_grad(op_type, p, dy):
    if dy.shape != (p.n, p.oh, p.ow, p.c):
        raise U.invalid(f"{op_type}: expected grad of shape {[p.n, p.oh, p.ow, p.c]} "
                        f"(NHWC), got {list(dy.shape)}")


def _max_pool_kernel(xp, input, ksize, strides, padding, explicit_paddings, data_format):
    x, p = _geom("MaxPool", xp, input, ksize, strides, padding, explicit_paddings,
                 data_format)
    return _out(xp, p.max(xp, U.pad_nhwc(xp, x, p.pads, _lowest(x.dtype))), data_format)


def _max_pool_grad_kernel(xp, orig_input, orig_output, grad, ksize, strides, padding,
                          data_format, explicit_paddings=()):
    x, p = _geom("MaxPoolGrad", xp, orig_input, ksize, strides, padding, explicit_paddings,
                 data_format)
    dy = U.to_nhwc(xp, grad, data_format)
    _check_grad("MaxPoolGrad", p, dy)
    _, _, k = p.first_max(xp, x)
    return _out(xp, p.crop(p.scatter(xp, k, dy)), data_format)


def _max_pool_grad_grad_kernel(xp, orig_input, orig_output, grad, ksize, strides, padding,
                               data_format):
    x, p = _geom("MaxPoolGradGrad", xp, orig_input, ksize, strides, padding, (),
                 data_format)
    g = U.to_nhwc(xp, grad, data_format)
    if g.shape != x.shape:
        raise U.invalid(f"MaxPoolGradGrad: grad shape {list(grad.shape)} must equal "
                        f"orig_input shape {list(orig_input.shape)}")
    _, _, k = p.first_max(xp, x)
    gpad = U.pad_nhwc(xp, g, p.pads).reshape(-1)
    return _out(xp, gpad[p.flat_index(xp, k)], data_format)


def _avg_pool_kernel(xp, value, ksize, strides, padding, data_format):
    x, p = _geom("AvgPool", xp, value, ksize, strides, padding, (), data_format)
    total = None
    for _, v in p.taps(U.pad_nhwc(xp, x, p.pads)):
        total = v.copy() if total is None else xp.add(total, v, out=total)
    out = (total / p.counts(xp, x.dtype)).astype(x.dtype, copy=False)
    return _out(xp, out, data_format)


def _avg_pool_grad_kernel(xp, orig_input_shape, grad, ksize, strides, padding, data_format):
    sizes = U.sizes_arg(orig_input_shape, "orig_input_shape")
    if data_format == "NCHW":
        sizes = (sizes[0], sizes[2], sizes[3], sizes[1])
    p = _Pool("AvgPoolGrad", sizes, ksize, strides, padding, (), data_format)
    dy = U.to_nhwc(xp, grad, data_format)
    _check_grad("AvgPoolGrad", p, dy)
    share = (dy / p.counts(xp, dy.dtype)).astype(dy.dtype, copy=False)
    dx = p.zeros(xp, dy.dtype)
    for _, dst in p.taps(dx):
        dst += share
    return _out(xp, p.crop(dx), data_format)


def _max_pool_argmax_kernel(xp, input, ksize, strides, padding, Targmax,
                            include_batch_in_index):
    p = _Pool("MaxPoolWithArgmax", input.shape, ksize, strides, padding, (), "NHWC")
    _, out, k = p.first_max(xp, input)
    rows = xp.arange(p.oh).reshape(1, -1, 1, 1) * p.sh - p.pads[0] + k // p.kw
    cols = xp.arange(p.ow).reshape(1, 1, -1, 1) * p.sw - p.pads[2] + k % p.kw
    idx = (rows * p.w + cols) * p.c + xp.arange(p.c).reshape(1, 1, 1, -1)
    if include_batch_in_index:
        idx = idx + xp.arange(p.n).reshape(-1, 1, 1, 1) * (p.h * p.w * p.c)
    return out, idx.astype(Targmax)


def _max_pool_grad_argmax_kernel(xp, input, grad, argmax, ksize, strides, padding,
                                 include_batch_in_index):
    n = input.shape[0]
    per = int(np.prod(input.shape[1:]))
    idx = argmax.astype(np.int64)
    if not include_batch_in_index:
        idx = idx + xp.arange(n, dtype=np.int64).reshape(-1, 1, 1, 1) * per
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n * per):
        raise U.invalid("MaxPoolGradWithArgmax: argmax index out of range")
    dx = xp.bincount(idx.reshape(-1), weights=grad.reshape(-1).astype(np.float64),
                     minlength=n * per)
    return dx.astype(input.dtype).reshape(input.shape)


# -- gradients -----------------------------------------------------------------------------------
def _attrs(op, explicit=True):
    keys = ["ksize", "strides", "padding", "data_format"]
    out = {k: op.get_attr(k) for k in keys}
    if explicit and "explicit_paddings" in op._attrs:
        out["explicit_paddings"] = op.get_attr("explicit_paddings")
    return out


def _zeros_like(t):
    from flowgraph.ops import array_ops
    return array_ops.zeros_like(t)


def _max_pool_grad(op, g):
    return [apply_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], g], _attrs(op))]


def _max_pool_grad_grad(op, g):
    x, y, _ = op.inputs
    if op.get_attr("padding") == "EXPLICIT":
        raise NotImplementedError("The gradient of MaxPoolGrad with EXPLICIT padding is not "
                                  "supported (TF has no MaxPoolGradGrad for it either)")
    return [_zeros_like(x), _zeros_like(y),
            apply_op("MaxPoolGradGrad", [x, y, g], _attrs(op, explicit=False))]


def _max_pool_grad_grad_grad(op, g):
    x, y, _ = op.inputs
    return [_zeros_like(x), _zeros_like(y), apply_op("MaxPoolGrad", [x, y, g], _attrs(op))]


def _avg_pool_grad(op, g):
    from flowgraph.ops import array_ops
    return [apply_op("AvgPoolGrad", [array_ops.shape(op.inputs[0]), g], _attrs(op))]


def _avg_pool_grad_grad(op, g):
    return [None, apply_op("AvgPool", [g], _attrs(op))]


def _argmax_grad(op, g, _unused_argmax_grad=None):
    a = {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "include_batch_in_index")}
    return [apply_op("MaxPoolGradWithArgmax", [op.inputs[0], g, op.outputs[1]], a)]


# -- ops -----------------------------------------------------------------------------------------
@defop("MaxPool", inputs=("input: T",), outputs=("output: T",), attrs=_MAX_ATTRS)
class MaxPool:
    """Max pooling over `ksize` windows of a 4-D input."""
    shape = _pool_shape
    kernel = _max_pool_kernel
    grad = _max_pool_grad


@defop("MaxPoolGrad", inputs=("orig_input: T", "orig_output: T", "grad: T"),
       outputs=("output: T",), attrs=_MAX_ATTRS)
class MaxPoolGrad:
    """The gradient of `MaxPool`: each window's gradient goes to its first maximum."""
    shape = _grad_shape
    kernel = _max_pool_grad_kernel
    grad = _max_pool_grad_grad


@defop("MaxPoolGradGrad", inputs=("orig_input: T", "orig_output: T", "grad: T"),
       outputs=("output: T",), attrs=_POOL_ATTRS)
class MaxPoolGradGrad:
    """The gradient of `MaxPoolGrad`: `grad` read at each window's first maximum."""
    shape = _gradgrad_shape
    kernel = _max_pool_grad_grad_kernel
    grad = _max_pool_grad_grad_grad


@defop("AvgPool", inputs=("value: T",), outputs=("output: T",), attrs=_POOL_ATTRS)
class AvgPool:
    """Average pooling; SAME windows average over their unpadded elements only."""
    shape = _pool_shape
    kernel = _avg_pool_kernel
    grad = _avg_pool_grad


@defop("AvgPoolGrad", inputs=("orig_input_shape: int32", "grad: T"), outputs=("output: T",),
       attrs=_POOL_ATTRS)
class AvgPoolGrad:
    """The gradient of `AvgPool` for an input of shape `orig_input_shape`."""
    shape = _avg_grad_shape
    kernel = _avg_pool_grad_kernel
    grad = _avg_pool_grad_grad


@defop("MaxPoolWithArgmax", inputs=("input: T",), outputs=("output: T", "argmax: Targmax"),
       attrs=_ARGMAX_ATTRS)
class MaxPoolWithArgmax:
    """Max pooling (NHWC) that also returns the flat index of each maximum:
    `(y * width + x) * channels + c` (plus `b * height * width * channels` when
    `include_batch_in_index`)."""

    def shape(op):
        s = _pool_out(op, op.inputs[0].shape)
        return [s, s]
    kernel = _max_pool_argmax_kernel
    grad = _argmax_grad


@defop("MaxPoolGradWithArgmax", inputs=("input: T", "grad: T", "argmax: Targmax"),
       outputs=("output: T",), attrs=_ARGMAX_ATTRS)
class MaxPoolGradWithArgmax:
    """The gradient of `MaxPoolWithArgmax`: `grad` summed into the argmax positions."""

    def shape(op):
        return op.inputs[0].shape.with_rank(4)
    kernel = _max_pool_grad_argmax_kernel
    grad = NOT_DIFFERENTIABLE


# -- builders ------------------------------------------------------------------------------------
def _pool_attrs(op_type, ksize, strides, padding, data_format, explicit_ok):
    df = data_format or "NHWC"
    if isinstance(df, bytes):
        df = df.decode()
    if df not in ("NHWC", "NCHW"):
        raise ValueError(f"Data formats other than NHWC and NCHW are not supported; got "
                         f"{df!r}")
    c = 1 if df == "NCHW" else 3
    pad, explicit = U.padding_attrs(padding, df)
    a = {"ksize": U.get_sequence(ksize, 2, c, "ksize"),
         "strides": U.get_sequence(strides, 2, c, "strides"), "padding": pad,
         "data_format": df}
    if explicit_ok:
        a["explicit_paddings"] = explicit
    elif pad == "EXPLICIT":
        raise ValueError(f"{op_type} does not support explicit padding")
    return a


def _pool(op_type, default_name, value, ksize, strides, padding, data_format, name, allowed):
    with name_scope(name, default_name, [value]) as scope:
        value = convert_to_tensor(value, name="input")
        U.check_dtype(value, allowed, "input")
        a = _pool_attrs(op_type, ksize, strides, padding, data_format,
                        op_type == "MaxPool")
        return apply_op(op_type, [value], a, name=scope)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """Max pooling of a 4-D `value` over `ksize` windows moved by `strides`."""
    value = value if input is None else input
    return _pool("MaxPool", "MaxPool", value, ksize, strides, padding, data_format, name,
                 _MAX_TYPES)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Max pooling of a 4-D input (`tf.nn.max_pool2d`)."""
    return _pool("MaxPool", "MaxPool2d", input, ksize, strides, padding, data_format, name,
                 _MAX_TYPES)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """Average pooling of a 4-D `value` over `ksize` windows moved by `strides`."""
    value = value if input is None else input
    return _pool("AvgPool", "AvgPool", value, ksize, strides, padding, data_format, name,
                 U.FLOATS)


def avg_pool2d(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """Average pooling of a 4-D input (`tf.nn.avg_pool2d`)."""
    value = value if input is None else input
    return _pool("AvgPool", "AvgPool2D", value, ksize, strides, padding, data_format, name,
                 U.FLOATS)


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling of a 4-D (or, through max_pool1d, 3-D) input."""
    input = convert_to_tensor(input, name="input")
    if input.shape.ndims == 3:
        return max_pool1d(input, ksize, strides, padding, data_format or "NWC", name)
    return max_pool(input, ksize, strides, padding, data_format or "NHWC", name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling of a 4-D (or, through avg_pool1d, 3-D) input."""
    input = convert_to_tensor(input, name="input")
    if input.shape.ndims == 3:
        return avg_pool1d(input, ksize, strides, padding, data_format or "NWC", name)
    return avg_pool(input, ksize, strides, padding, data_format or "NHWC", name)


def _pool1d(op_type, default_name, input, ksize, strides, padding, data_format, name):
    from flowgraph.ops import array_ops
    if data_format in (None, "NWC", "NHWC"):
        df, axis, c = "NHWC", 1, 2
    elif data_format in ("NCW", "NCHW"):
        df, axis, c = "NCHW", 2, 1
    else:
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                         f"data_format={data_format}")
    with name_scope(name, default_name, [input]) as scope:
        ksize = [1] + U.get_sequence(ksize, 1, c, "ksize")
        strides = [1] + U.get_sequence(strides, 1, c, "strides")
        x = array_ops.expand_dims(convert_to_tensor(input, name="input"), axis)
        a = _pool_attrs(op_type, ksize, strides, padding, df, op_type == "MaxPool")
        out = apply_op(op_type, [x], a)
        return array_ops.squeeze(out, [axis], name=scope)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max pooling of a 3-D input: ExpandDims, MaxPool, Squeeze."""
    return _pool1d("MaxPool", "MaxPool1d", input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Average pooling of a 3-D input: ExpandDims, AvgPool, Squeeze."""
    return _pool1d("AvgPool", "AvgPool1D", input, ksize, strides, padding, data_format, name)


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None,
                         name=None, output_dtype=None, include_batch_in_index=False):
    """Max pooling (NHWC) returning `(output, argmax)` with flat argmax indices."""
    if data_format != "NHWC":
        raise ValueError("Data formats other than 'NHWC' are not yet supported")
    targmax = output_dtype if Targmax is None else Targmax
    a = _pool_attrs("MaxPoolWithArgmax", ksize, strides, padding, "NHWC", False)
    del a["data_format"]
    a["Targmax"] = dtypes.as_dtype(targmax or dtypes.int64)
    a["include_batch_in_index"] = bool(include_batch_in_index)
    return tuple(apply_op("MaxPoolWithArgmax", [input], a, name=name))


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None,
         name=None, data_format=None, dilations=None):
    """N-D pooling for N = 1 or 2 ("MAX" or "AVG"); dilation rates must be 1."""
    rate = dilation_rate if dilation_rate is not None else dilations
    if rate is not None and any(r != 1 for r in np.ravel(rate)):
        raise NotImplementedError("pool with dilation_rate > 1 is not supported")
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"Invalid pooling_type: {pooling_type}")
    input = convert_to_tensor(input, name="input")
    strides = strides or [1] * len(window_shape)
    if len(window_shape) == 1:
        f = max_pool1d if pooling_type == "MAX" else avg_pool1d
        return f(input, window_shape, strides, padding, data_format or "NWC", name)
    f = max_pool if pooling_type == "MAX" else avg_pool
    return f(input, window_shape, strides, padding, data_format or "NHWC", name)
