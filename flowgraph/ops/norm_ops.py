"""Normalization ops: `FusedBatchNormV3` (training and inference) with its gradient op
`FusedBatchNormGradV3`, and local response normalization (`LRN` / `LRNGrad`).

Batch norm statistics are computed in the parameter type U (float32 for float16 inputs)
with the channel dimension moved last, as TF's CPU kernels do; `reserve_space_1/2` hold
the batch mean and the biased batch variance the gradient needs."""
from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, constant
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import nn_util as U

__all__ = []
__namespaces__ = {"nn": ["fused_batch_norm", "lrn", "local_response_normalization",
                         "batch_norm_with_global_normalization"]}

_FORMATS = ("NHWC", "NCHW", "NDHWC", "NCDHW")
_BN_ATTRS = {"T": None, "U": None, "epsilon": 1e-4, "exponential_avg_factor": 1.0,
             "data_format": "NHWC", "is_training": True}
_BN_GRAD_ATTRS = {k: v for k, v in _BN_ATTRS.items() if k != "exponential_avg_factor"}


def _channel_axis(data_format):
    return 1 if data_format.startswith("NC") else -1


def _rank(data_format):
    return 5 if "D" in data_format else 4


def _to_last(xp, x, df):
    return xp.moveaxis(x, 1, -1) if df.startswith("NC") else x


def _from_last(xp, x, df):
    return xp.moveaxis(x, -1, 1) if df.startswith("NC") else x


# -- FusedBatchNormV3 ----------------------------------------------------------------------------
def _bn_shape(op):
    df = U.check_choice(op.type, "data_format", op.get_attr("data_format"), _FORMATS)
    x = op.inputs[0].shape.with_rank(_rank(df))
    c = x.as_list()[_channel_axis(df)] if x.ndims is not None else None
    training = op.get_attr("is_training")
    stats = [op.inputs[i] for i in range(1, 5)]
    if training and op.get_attr("exponential_avg_factor") == 1.0:
        stats = stats[:2]
    for t in stats:
        s = t.shape.with_rank(1).as_list()[0]
        if c is not None and s is not None and c != s:
            raise ValueError(f"Dimensions must be equal, but are {c} and {s}")
        c = c if c is not None else s
    vec = TensorShape([c])
    return [x, vec, vec, vec, vec, TensorShape(None)]


def _bn_kernel(xp, x, scale, offset, mean, variance, U, epsilon, exponential_avg_factor,
               data_format, is_training):
    xl = _to_last(xp, x, data_format).astype(U, copy=False)
    axes = tuple(range(xl.ndim - 1))
    if is_training:
        m = xp.mean(xl, axis=axes, dtype=U)
        v = xp.mean(xp.square(xl - m), axis=axes, dtype=U)
        count = xl.size // max(xl.shape[-1], 1)
        unbiased = v * (count / max(count - 1, 1))
        f = exponential_avg_factor
        if f == 1.0:
            out_m, out_v = m, unbiased
        else:
            out_m = (1 - f) * mean + f * m
            out_v = (1 - f) * variance + f * unbiased
    else:
        m, v = mean, variance
        out_m, out_v = mean, variance
    inv = 1 / xp.sqrt(v + epsilon)
    y = (xl - m) * (inv * scale) + offset
    y = _from_last(xp, y, data_format).astype(x.dtype, copy=False)
    return (y, out_m.astype(U, copy=False), out_v.astype(U, copy=False),
            xp.asarray(m, dtype=U), xp.asarray(v, dtype=U), xp.zeros((), dtype=U))


def _bn_grad(op, *grads):
    g = grads[0]
    x, scale = op.inputs[0], op.inputs[1]
    training = op.get_attr("is_training")
    if training:
        rs1, rs2 = op.outputs[3], op.outputs[4]
    else:
        rs1, rs2 = op.inputs[3], op.inputs[4]
    attrs = {k: op.get_attr(k) for k in ("epsilon", "data_format", "is_training")}
    attrs["U"] = op.get_attr("U")
    dx, dscale, doffset, _, _ = apply_op(
        "FusedBatchNormGradV3", [g, x, scale, rs1, rs2, op.outputs[5]], attrs)
    return [dx, dscale, doffset, None, None]


@defop("FusedBatchNormV3", inputs=("x: T", "scale: U", "offset: U", "mean: U", "variance: U"),
       outputs=("y: T", "batch_mean: U", "batch_variance: U", "reserve_space_1: U",
                "reserve_space_2: U", "reserve_space_3: U"), attrs=_BN_ATTRS)
class FusedBatchNormV3:
    """Batch normalization over all dimensions but the channel dimension. Training: the
    batch statistics normalize `x`, and `batch_mean`/`batch_variance` (unbiased) are
    blended into `mean`/`variance` by `exponential_avg_factor`. Inference: `mean` and
    `variance` normalize `x`."""
    shape = _bn_shape
    kernel = _bn_kernel
    grad = _bn_grad


def _bn_grad_shape(op):
    df = U.check_choice(op.type, "data_format", op.get_attr("data_format"), _FORMATS)
    x = op.inputs[1].shape.with_rank(_rank(df)).merge_with(op.inputs[0].shape)
    c = x.as_list()[_channel_axis(df)] if x.ndims is not None else None
    for t in op.inputs[2:5]:
        s = t.shape.with_rank(1).as_list()[0]
        if c is not None and s is not None and c != s:
            raise ValueError(f"Dimensions must be equal, but are {c} and {s}")
        c = c if c is not None else s
    vec = TensorShape([c])
    return [x, vec, vec, TensorShape([0]), TensorShape([0])]


def _bn_grad_kernel(xp, y_backprop, x, scale, reserve_space_1, reserve_space_2,
                    reserve_space_3, U, epsilon, data_format, is_training):
    dy = _to_last(xp, y_backprop, data_format).astype(U, copy=False)
    xl = _to_last(xp, x, data_format).astype(U, copy=False)
    axes = tuple(range(xl.ndim - 1))
    inv = 1 / xp.sqrt(reserve_space_2 + epsilon)
    xhat = (xl - reserve_space_1) * inv
    doffset = xp.sum(dy, axis=axes, dtype=U)
    dscale = xp.sum(dy * xhat, axis=axes, dtype=U)
    if is_training:
        count = xl.size // max(xl.shape[-1], 1)
        dx = (scale * inv) * (dy - doffset / count - xhat * (dscale / count))
    else:
        dx = dy * (scale * inv)
    dx = _from_last(xp, dx, data_format).astype(x.dtype, copy=False)
    empty = xp.zeros((0,), dtype=U)
    return dx, dscale.astype(U, copy=False), doffset.astype(U, copy=False), empty, empty


def _bn_grad_grad(op, *grads):
    """Second order: rebuild the first-order gradient from differentiable ops and
    differentiate it (TF's `_BatchNormGrad` route). The rebuilt gradient reads
    StopGradient copies of the inputs, so that paths which reach `y_backprop` from `x`
    outside this op (x -> y -> loss -> y_backprop) are not differentiated twice."""
    from flowgraph.gradients import gradients
    from flowgraph.ops.core import stop_gradient
    dy, x, scale, rs1, rs2 = [stop_gradient(t) for t in op.inputs[:5]]
    gx, gscale, goffset = grads[:3]
    dx, dscale, doffset = _composite_bn_grad(dy, x, scale, rs1, rs2, op.get_attr("epsilon"),
                                             op.get_attr("data_format"),
                                             op.get_attr("is_training"))
    ys, gys = [], []
    for y, gy in ((dx, gx), (dscale, gscale), (doffset, goffset)):
        if gy is not None:
            ys.append(y)
            gys.append(gy)
    d_dy, d_x, d_scale = gradients(ys, [dy, x, scale], grad_ys=gys)
    return [d_dy, d_x, d_scale, None, None, None]


def _composite_bn_grad(dy, x, scale, mean, var, epsilon, data_format, is_training):
    """The batch norm input/scale/offset gradients as graph ops (training recomputes the
    statistics from x so that their dependence on x is differentiated)."""
    from flowgraph.ops import math_ops as m, array_ops as ar
    rank = _rank(data_format)
    t_dtype = x.dtype.base_dtype
    dy32 = m.cast(dy, scale.dtype.base_dtype) if t_dtype != scale.dtype.base_dtype else dy
    x32 = m.cast(x, scale.dtype.base_dtype) if t_dtype != scale.dtype.base_dtype else x
    if data_format.startswith("NC"):
        perm = [0] + list(range(2, rank)) + [1]
        dy32, x32 = ar.transpose(dy32, perm), ar.transpose(x32, perm)
    axes = list(range(rank - 1))
    if is_training:
        mean = m.reduce_mean(x32, axes)
        var = m.reduce_mean(m.square(m.subtract(x32, mean)), axes)
    inv = m.rsqrt(m.add(var, epsilon))
    xhat = m.multiply(m.subtract(x32, mean), inv)
    doffset = m.reduce_sum(dy32, axes)
    dscale = m.reduce_sum(m.multiply(dy32, xhat), axes)
    if is_training:
        mean_dy = m.reduce_mean(dy32, axes)
        mean_dyx = m.reduce_mean(m.multiply(dy32, xhat), axes)
        dx = m.multiply(m.multiply(scale, inv),
                        m.subtract(m.subtract(dy32, mean_dy), m.multiply(xhat, mean_dyx)))
    else:
        dx = m.multiply(dy32, m.multiply(scale, inv))
    if data_format.startswith("NC"):
        dx = ar.transpose(dx, [0, rank - 1] + list(range(1, rank - 1)))
    if t_dtype != scale.dtype.base_dtype:
        dx = m.cast(dx, t_dtype)
    return dx, dscale, doffset


@defop("FusedBatchNormGradV3",
       inputs=("y_backprop: T", "x: T", "scale: float32", "reserve_space_1: U",
               "reserve_space_2: U", "reserve_space_3: U"),
       outputs=("x_backprop: T", "scale_backprop: U", "offset_backprop: U",
                "reserve_space_4: U", "reserve_space_5: U"), attrs=_BN_GRAD_ATTRS)
class FusedBatchNormGradV3:
    """The gradients of `FusedBatchNormV3` with respect to x, scale and offset, from the
    statistics in `reserve_space_1/2` (batch statistics in training, population ones in
    inference)."""
    shape = _bn_grad_shape
    kernel = _bn_grad_kernel
    grad = _bn_grad_grad


# -- LRN -----------------------------------------------------------------------------------------
_LRN_ATTRS = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5, "T": dtypes.float32}


def _window_sum(xp, v, r):
    """sum over channels c-r..c+r (clipped) of v, along the last axis."""
    c = v.shape[-1]
    pad = [(0, 0)] * (v.ndim - 1) + [(r, r)]
    vp = xp.pad(v, pad)
    out = xp.zeros_like(v)
    for k in range(2 * r + 1):
        out += vp[..., k:k + c]
    return out


def _lrn_norm(xp, x, depth_radius, bias, alpha):
    return bias + alpha * _window_sum(xp, x * x, depth_radius)


@defop("LRN", inputs=("input: T",), outputs=("output: T",), attrs=_LRN_ATTRS)
class LRN:
    """Local response normalization across channels (NHWC):
    input / (bias + alpha * sum(input[c-r:c+r+1] ** 2)) ** beta."""

    def shape(op):
        return op.inputs[0].shape.with_rank(4)

    def kernel(xp, input, depth_radius, bias, alpha, beta):
        n = _lrn_norm(xp, input, depth_radius, bias, alpha)
        return (input * n ** -beta).astype(input.dtype, copy=False)

    def grad(op, g):
        a = {k: op.get_attr(k) for k in ("depth_radius", "bias", "alpha", "beta")}
        return [apply_op("LRNGrad", [g, op.inputs[0], op.outputs[0]], a)]


@defop("LRNGrad", inputs=("input_grads: T", "input_image: T", "output_image: T"),
       outputs=("output: T",), attrs=_LRN_ATTRS)
class LRNGrad:
    """The gradient of `LRN`."""

    def shape(op):
        return op.inputs[1].shape.with_rank(4).merge_with(op.inputs[0].shape)

    def kernel(xp, input_grads, input_image, output_image, depth_radius, bias, alpha, beta):
        x, dy = input_image, input_grads
        n = _lrn_norm(xp, x, depth_radius, bias, alpha)
        inner = _window_sum(xp, dy * output_image / n, depth_radius)
        dx = dy * n ** -beta - (2 * alpha * beta) * x * inner
        return dx.astype(x.dtype, copy=False)
    grad = NOT_DIFFERENTIABLE


# -- builders ------------------------------------------------------------------------------------
def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization of a 4-D (or 5-D) `x`: returns (y, batch_mean, batch_variance)
    in training, (y, mean, variance) in inference."""
    with name_scope(name, "FusedBatchNormV3", [x, scale, offset]) as scope:
        x = convert_to_tensor(x, name="input")
        U.check_dtype(x, (dtypes.float16, dtypes.bfloat16, dtypes.float32), "x")
        scale = convert_to_tensor(scale, name="scale")
        offset = convert_to_tensor(offset, name="offset", dtype=scale.dtype)
        if (not is_training or exponential_avg_factor != 1.0) and (mean is None or
                                                                   variance is None):
            raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when "
                             "is_training is False or exponential_avg_factor != 1.0.")
        if mean is None:
            mean = constant([], dtype=scale.dtype)
        if variance is None:
            variance = constant([], dtype=scale.dtype)
        mean = convert_to_tensor(mean, name="mean", dtype=scale.dtype)
        variance = convert_to_tensor(variance, name="variance", dtype=scale.dtype)
        epsilon = max(float(epsilon), 1.001e-5)  # cuDNN's floor, applied by TF everywhere
        attrs = {"epsilon": epsilon, "data_format": data_format,
                 "is_training": bool(is_training),
                 "exponential_avg_factor": float(exponential_avg_factor)}
        y, m, v, _, _, _ = apply_op("FusedBatchNormV3", [x, scale, offset, mean, variance],
                                    attrs, name=scope)
        return y, m, v


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5,
                                 name=None):
    """Local response normalization across the channels of a 4-D NHWC input."""
    input = convert_to_tensor(input, name="input")
    U.check_dtype(input, (dtypes.float16, dtypes.bfloat16, dtypes.float32), "input")
    return apply_op("LRN", [input], {"depth_radius": int(depth_radius), "bias": float(bias),
                                     "alpha": float(alpha), "beta": float(beta)}, name=name)


lrn = local_response_normalization


def batch_norm_with_global_normalization(t=None, m=None, v=None, beta=None, gamma=None,
                                         variance_epsilon=None,
                                         scale_after_normalization=None, name=None,
                                         input=None, mean=None, variance=None):
    """Batch normalization with given moments (a composite of batch_normalization)."""
    from flowgraph.ops import nn_impl
    t = t if input is None else input
    m = m if mean is None else mean
    v = v if variance is None else variance
    return nn_impl.batch_normalization(t, m, v, beta, gamma if scale_after_normalization
                                       else None, variance_epsilon,
                                       name or "BatchNormWithGlobalNormalization")
