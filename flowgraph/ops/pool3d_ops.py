"""3-D pooling: `MaxPool3D`, `AvgPool3D`, their gradients `MaxPool3DGrad`,
`MaxPool3DGradGrad`, `AvgPool3DGrad`, and the builders `tf.nn.max_pool3d` / `avg_pool3d`.

Kernels loop over the KD*KH*KW window taps, each one vectorized slice of the padded NDHWC
batch. `MaxPool3DGrad` sends a window's gradient to its first maximum (row-major), as TF's
default (oneDNN) CPU kernels do; SAME average pooling divides by the unpadded count."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, \
    constant_value_as_shape
from flowgraph.framework.registry import defop
from flowgraph.ops import conv3d_ops as C
from flowgraph.ops import nn_util as U

__all__ = ["max_pool3d", "avg_pool3d"]
__namespaces__ = {"nn": ["max_pool3d", "avg_pool3d"]}

_ATTRS = {"ksize": None, "strides": None, "padding": None, "data_format": "NDHWC",
          "T": None}
_GRAD_ATTRS = dict(_ATTRS, T=dtypes.float32, TInput=dtypes.float32)
_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


# -- shapes --------------------------------------------------------------------------------------
def _pooled(op, shape):
    df = C.check_attrs(op, with_dilations=False)
    ksize = C.check_5d_attr(op.type, "ksize", op.get_attr("ksize"), df)
    n, *sp, c = C.ndhwc_dims(shape, df)
    out = [U.out_size(s, k, st, 1, op.get_attr("padding"))[0] for s, k, st in
           zip(sp, C.spatial3(ksize, df), C.spatial3(op.get_attr("strides"), df))]
    return C.format_shape(n, out, c, df)


def _pool_shape(op):
    return _pooled(op, op.inputs[0].shape)


def _max_grad_shape(op):
    op.inputs[2].shape.assert_is_compatible_with(_pooled(op, op.inputs[0].shape))
    return op.inputs[0].shape.with_rank(5)


def _max_gradgrad_shape(op):
    op.inputs[2].shape.assert_is_compatible_with(op.inputs[0].shape)
    return _pooled(op, op.inputs[0].shape)


def _avg_grad_shape(op):
    C.check_attrs(op, with_dilations=False)
    op.inputs[1].shape.with_rank(5)
    return constant_value_as_shape(op.inputs[0]).with_rank(5)


# -- kernels -------------------------------------------------------------------------------------
def _geom(op_type, shape, ksize, strides, padding, df):
    return C.Geom3(op_type, shape, C.spatial3(ksize, df), strides, None, padding, df)


def _lowest(dtype):
    return np.iinfo(dtype).min if np.dtype(dtype).kind in "iu" else -np.inf


def _max(xp, g, xpad):
    out = None
    for _, v in g.taps(xpad):
        out = v.copy() if out is None else xp.maximum(out, v, out=out)
    return out


def _first_max(xp, g, xpad):
    """[mask per tap]: each marks the outputs whose first maximum is at that tap."""
    top = _max(xp, g, xpad)
    free, hits = None, []
    for _, v in g.taps(xpad):
        hit = v == top
        if free is None:
            free = ~hit
        else:
            hit &= free
            free &= ~hit
        hits.append(hit)
    return hits


def _check_grad(op_type, g, dy):
    if tuple(dy.shape) != g.out_shape(g.c):
        raise U.invalid(f"{op_type}: expected grad of shape {list(g.out_shape(g.c))} "
                        f"(NDHWC), got {list(dy.shape)}")


def _max_pool_kernel(xp, input, ksize, strides, padding, data_format):
    x = C.to_ndhwc(xp, input, data_format)
    g = _geom("MaxPool3D", x.shape, ksize, strides, padding, data_format)
    return C.from_ndhwc(xp, _max(xp, g, g.pad(xp, x, _lowest(x.dtype))), data_format)


def _max_pool_grad_kernel(xp, orig_input, orig_output, grad, ksize, strides, padding,
                          data_format):
    x = C.to_ndhwc(xp, orig_input, data_format)
    g = _geom("MaxPool3DGrad", x.shape, ksize, strides, padding, data_format)
    dy = C.to_ndhwc(xp, grad, data_format)
    _check_grad("MaxPool3DGrad", g, dy)
    hits = _first_max(xp, g, g.pad(xp, x, _lowest(x.dtype)))
    dx = xp.zeros((g.n, *g.padded, g.c), dtype=grad.dtype)
    zero = xp.zeros((), dtype=grad.dtype)
    for hit, (_, dst) in zip(hits, g.taps(dx)):
        dst += xp.where(hit, dy, zero)
    return C.from_ndhwc(xp, xp.ascontiguousarray(g.crop(dx)), data_format)


def _max_pool_gradgrad_kernel(xp, orig_input, orig_output, grad, ksize, strides, padding,
                              data_format):
    x = C.to_ndhwc(xp, orig_input, data_format)
    g = _geom("MaxPool3DGradGrad", x.shape, ksize, strides, padding, data_format)
    gg = C.to_ndhwc(xp, grad, data_format)
    if gg.shape != x.shape:
        raise U.invalid(f"MaxPool3DGradGrad: grad shape {list(grad.shape)} must equal "
                        f"orig_input shape {list(orig_input.shape)}")
    hits = _first_max(xp, g, g.pad(xp, x, _lowest(x.dtype)))
    out = xp.zeros(g.out_shape(g.c), dtype=grad.dtype)
    for hit, (_, src) in zip(hits, g.taps(g.pad(xp, gg))):
        out = xp.where(hit, src, out)
    return C.from_ndhwc(xp, out, data_format)


def _counts(xp, g, dtype):
    """[od, oh, ow, 1]: the number of unpadded elements in each window."""
    per_dim = []
    for o, s, k, (before, _), n in zip(g.out, g.s, g.k, g.pads, g.size):
        start = np.arange(o) * s - before
        per_dim.append(np.minimum(start + k, n) - np.maximum(start, 0))
    cnt = np.einsum("i,j,k->ijk", *per_dim)[..., None]
    return xp.asarray(cnt.astype(dtype))


def _avg_pool_kernel(xp, input, ksize, strides, padding, data_format):
    x = C.to_ndhwc(xp, input, data_format)
    g = _geom("AvgPool3D", x.shape, ksize, strides, padding, data_format)
    total = None
    for _, v in g.taps(g.pad(xp, x)):
        total = v.copy() if total is None else xp.add(total, v, out=total)
    out = (total / _counts(xp, g, x.dtype)).astype(x.dtype, copy=False)
    return C.from_ndhwc(xp, out, data_format)


def _avg_pool_grad_kernel(xp, orig_input_shape, grad, ksize, strides, padding, data_format):
    sizes = C._sizes5(orig_input_shape, "orig_input_shape", data_format)
    g = _geom("AvgPool3DGrad", sizes, ksize, strides, padding, data_format)
    dy = C.to_ndhwc(xp, grad, data_format)
    _check_grad("AvgPool3DGrad", g, dy)
    share = (dy / _counts(xp, g, dy.dtype)).astype(dy.dtype, copy=False)
    dx = xp.zeros((g.n, *g.padded, g.c), dtype=grad.dtype)
    for _, dst in g.taps(dx):
        dst += share
    return C.from_ndhwc(xp, xp.ascontiguousarray(g.crop(dx)), data_format)


# -- gradients -----------------------------------------------------------------------------------
def _attrs(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "data_format")}


def _max_pool_grad(op, g):
    return [apply_op("MaxPool3DGrad", [op.inputs[0], op.outputs[0], g], _attrs(op))]


def _max_pool_grad_grad(op, g):
    from flowgraph.ops import math_ops
    x, y, _ = op.inputs
    if x.dtype.base_dtype != g.dtype.base_dtype:
        x, y = math_ops.cast(x, g.dtype), math_ops.cast(y, g.dtype)
    return [None, None, apply_op("MaxPool3DGradGrad", [x, y, g], _attrs(op))]


def _max_pool_gradgrad_grad(op, g):
    x, y, _ = op.inputs
    return [None, None, apply_op("MaxPool3DGrad", [x, y, g], _attrs(op))]


def _avg_pool_grad(op, g):
    from flowgraph.ops import array_ops
    return [apply_op("AvgPool3DGrad", [array_ops.shape(op.inputs[0]), g], _attrs(op))]


def _avg_pool_grad_grad(op, g):
    return [None, apply_op("AvgPool3D", [g], _attrs(op))]


# -- ops -----------------------------------------------------------------------------------------
@defop("MaxPool3D", inputs=("input: T",), outputs=("output: T",), attrs=_ATTRS)
class MaxPool3D:
    """3-D max pooling of a 5-D `input` over `ksize` windows moved by `strides`."""
    shape = _pool_shape
    kernel = _max_pool_kernel
    grad = _max_pool_grad


@defop("MaxPool3DGrad", inputs=("orig_input: TInput", "orig_output: TInput", "grad: T"),
       outputs=("output: T",), attrs=_GRAD_ATTRS)
class MaxPool3DGrad:
    """The gradient of `MaxPool3D`: `grad` routed to each window's (first) maximum."""
    shape = _max_grad_shape
    kernel = _max_pool_grad_kernel
    grad = _max_pool_grad_grad


@defop("MaxPool3DGradGrad", inputs=("orig_input: T", "orig_output: T", "grad: T"),
       outputs=("output: T",), attrs=_ATTRS)
class MaxPool3DGradGrad:
    """The gradient of `MaxPool3DGrad` with respect to its `grad` input."""
    shape = _max_gradgrad_shape
    kernel = _max_pool_gradgrad_kernel
    grad = _max_pool_gradgrad_grad


@defop("AvgPool3D", inputs=("input: T",), outputs=("output: T",), attrs=_ATTRS)
class AvgPool3D:
    """3-D average pooling of a 5-D `input` over `ksize` windows moved by `strides`."""
    shape = _pool_shape
    kernel = _avg_pool_kernel
    grad = _avg_pool_grad


@defop("AvgPool3DGrad", inputs=("orig_input_shape: int32", "grad: T"),
       outputs=("output: T",), attrs=_ATTRS)
class AvgPool3DGrad:
    """The gradient of `AvgPool3D`, for an input of shape `orig_input_shape`."""
    shape = _avg_grad_shape
    kernel = _avg_pool_grad_kernel
    grad = _avg_pool_grad_grad


# -- builders ------------------------------------------------------------------------------------
def _pool(op_type, default_name, input, ksize, strides, padding, data_format, name):
    df = U.check_choice(op_type, "data_format", data_format or "NDHWC", C.FORMATS)
    if isinstance(padding, bytes):
        padding = padding.decode()
    c = 1 if df == "NCDHW" else 4
    a = {"ksize": U.get_sequence(ksize, 3, c, "ksize"),
         "strides": U.get_sequence(strides, 3, c, "strides"),
         "padding": U.check_choice(op_type, "padding", str(padding).upper(),
                                   ("SAME", "VALID")),
         "data_format": df}
    with name_scope(name, default_name, [input]) as scope:
        x = convert_to_tensor(input, name="input")
        U.check_dtype(x, _TYPES, "input")
        return apply_op(op_type, [x], a, name=scope)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D max pooling of a 5-D `input`."""
    return _pool("MaxPool3D", "MaxPool3D", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D average pooling of a 5-D `input`."""
    return _pool("AvgPool3D", "AvgPool3D", input, ksize, strides, padding, data_format, name)
