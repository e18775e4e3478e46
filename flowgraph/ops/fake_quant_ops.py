"""Fake quantization (quantization-aware training): values rounded to the `2^num_bits`
levels of a nudged [min, max] range, with straight-through gradients, as TF computes them.

The range is nudged so that 0.0 is exactly representable: with
`scale = (max - min) / (quant_max - quant_min)` the zero point `quant_min - min / scale` is
rounded into [quant_min, quant_max] and the range shifted to match. Inputs are clamped to
the nudged range and rounded to the nearest level; the gradient passes through inside the
range, and (for the `Vars` ops) what falls below/above goes to `min`/`max`.
"""
import numpy as np

from flowgraph.framework import errors, shape_fns
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

_NAMES = ["fake_quant_with_min_max_args", "fake_quant_with_min_max_args_gradient",
          "fake_quant_with_min_max_vars", "fake_quant_with_min_max_vars_gradient",
          "fake_quant_with_min_max_vars_per_channel",
          "fake_quant_with_min_max_vars_per_channel_gradient"]
__all__ = list(_NAMES)
__namespaces__ = {"quantization": _NAMES}
_QUANT = {"num_bits": 8, "narrow_range": False}


def _nudge(xp, mn, mx, num_bits, narrow_range):
    """(nudged_min, nudged_max, scale) in float32, elementwise over `mn`, `mx`."""
    if not 2 <= num_bits <= 16:
        raise errors.InvalidArgumentError(
            None, None, f"num_bits is out of range, expected between 2 and 16, was: {num_bits}")
    qmin = np.float32(1 if narrow_range else 0)
    qmax = np.float32((1 << num_bits) - 1)
    mn, mx = xp.asarray(mn, np.float32), xp.asarray(mx, np.float32)
    scale = (mx - mn) / (qmax - qmin)
    # The zero point's half-way cases (127.5) decide the range: computed without float32
    # rounding, as TF's kernels end up computing it.
    zero = float(qmin) - mn.astype(np.float64) * ((float(qmax) - float(qmin)) /
                                                  (mx.astype(np.float64) - mn))
    nudged_zero = xp.clip(xp.floor(zero + 0.5), qmin, qmax).astype(np.float32)
    return (qmin - nudged_zero) * scale, (qmax - nudged_zero) * scale, scale


def _quantize(xp, x, lo, hi, scale):
    levels = xp.floor((xp.clip(x, lo, hi) - lo) * (np.float32(1) / scale) + np.float32(0.5))
    return (levels * scale + lo).astype(np.float32)


def _check_range(mn, mx):
    if not np.all(np.asarray(mn) < np.asarray(mx)):
        raise errors.InvalidArgumentError(None, None, f"min has to be smaller than max, was: "
                                                      f"{mn} >= {mx}")


def _vars_grads(xp, g, x, lo, hi, axes):
    inside = (x >= lo) & (x <= hi)
    zero = xp.zeros_like(g)
    return (xp.where(inside, g, zero),
            xp.sum(xp.where(x < lo, g, zero), axis=axes).astype(np.float32),
            xp.sum(xp.where(x > hi, g, zero), axis=axes).astype(np.float32))


# -- ops --------------------------------------------------------------------------------
@defop("FakeQuantWithMinMaxArgs", inputs=("inputs: float",), outputs=("outputs: float",),
       attrs={"min": -6.0, "max": 6.0, **_QUANT})
class FakeQuantWithMinMaxArgs:
    """Fake-quantizes `inputs` to the nudged range of the `min`/`max` attrs."""
    shape = shape_fns.unchanged

    def kernel(xp, inputs, min, max, num_bits, narrow_range):
        _check_range(min, max)
        return _quantize(xp, inputs, *_nudge(xp, min, max, num_bits, narrow_range))

    def grad(op, g):
        return [apply_op("FakeQuantWithMinMaxArgsGradient", [g, op.inputs[0]],
                         {k: op.get_attr(k) for k in ("min", "max", "num_bits",
                                                      "narrow_range")})]


@defop("FakeQuantWithMinMaxArgsGradient", inputs=("gradients: float", "inputs: float"),
       outputs=("backprops: float",), attrs={"min": -6.0, "max": 6.0, **_QUANT})
class FakeQuantWithMinMaxArgsGradient:
    """The straight-through gradient of FakeQuantWithMinMaxArgs."""
    shape = shape_fns.unchanged
    grad = NOT_DIFFERENTIABLE

    def kernel(xp, gradients, inputs, min, max, num_bits, narrow_range):
        lo, hi, _ = _nudge(xp, min, max, num_bits, narrow_range)
        return xp.where((inputs >= lo) & (inputs <= hi), gradients, xp.zeros_like(gradients))


def _vars_shape(per_channel):
    def shape(op):
        x = op.inputs[0].shape
        for t in op.inputs[1:3]:
            if not per_channel:
                t.shape.with_rank(0)
            elif x.ndims:
                t.shape.with_rank(1).assert_is_compatible_with(x[-1:])
        return [x]
    return shape


def _grad_shape(op):
    x = op.inputs[1].shape
    op.inputs[0].shape.assert_is_compatible_with(x)
    r = op.inputs[2].shape
    return [x, r, r]


def _vars_kernel(xp, inputs, mn, mx, num_bits, narrow_range):
    _check_range(mn, mx)
    return _quantize(xp, inputs, *_nudge(xp, mn, mx, num_bits, narrow_range))


def _vars_grad_kernel(per_channel):
    def kernel(xp, gradients, inputs, min, max, num_bits, narrow_range):
        lo, hi, _ = _nudge(xp, min, max, num_bits, narrow_range)
        axes = tuple(range(inputs.ndim - 1)) if per_channel else None
        return _vars_grads(xp, gradients, inputs, lo, hi, axes)
    return kernel


def _vars_grad(grad_op):
    def grad(op, g):
        return apply_op(grad_op, [g, *op.inputs], {k: op.get_attr(k) for k in _QUANT})
    return grad


@defop("FakeQuantWithMinMaxVars", inputs=("inputs: float", "min: float", "max: float"),
       outputs=("outputs: float",), attrs=dict(_QUANT))
class FakeQuantWithMinMaxVars:
    """Fake-quantizes `inputs` to the nudged range of the scalar tensors `min`, `max`."""
    shape = _vars_shape(False)
    kernel = _vars_kernel
    grad = _vars_grad("FakeQuantWithMinMaxVarsGradient")


@defop("FakeQuantWithMinMaxVarsGradient",
       inputs=("gradients: float", "inputs: float", "min: float", "max: float"),
       outputs=("backprops_wrt_input: float", "backprop_wrt_min: float",
                "backprop_wrt_max: float"), attrs=dict(_QUANT))
class FakeQuantWithMinMaxVarsGradient:
    """Gradients of FakeQuantWithMinMaxVars for its input, min and max."""
    shape = _grad_shape
    kernel = _vars_grad_kernel(False)
    grad = NOT_DIFFERENTIABLE


@defop("FakeQuantWithMinMaxVarsPerChannel",
       inputs=("inputs: float", "min: float", "max: float"), outputs=("outputs: float",),
       attrs=dict(_QUANT))
class FakeQuantWithMinMaxVarsPerChannel:
    """Fake-quantizes each channel (last dimension) to its own nudged [min, max] range."""
    shape = _vars_shape(True)
    kernel = _vars_kernel
    grad = _vars_grad("FakeQuantWithMinMaxVarsPerChannelGradient")


@defop("FakeQuantWithMinMaxVarsPerChannelGradient",
       inputs=("gradients: float", "inputs: float", "min: float", "max: float"),
       outputs=("backprops_wrt_input: float", "backprop_wrt_min: float",
                "backprop_wrt_max: float"), attrs=dict(_QUANT))
class FakeQuantWithMinMaxVarsPerChannelGradient:
    """Gradients of FakeQuantWithMinMaxVarsPerChannel for its input and each channel's
    min and max."""
    shape = _grad_shape
    kernel = _vars_grad_kernel(True)
    grad = NOT_DIFFERENTIABLE


# -- builders ---------------------------------------------------------------------------
def fake_quant_with_min_max_args(inputs, min=-6, max=6, num_bits=8, narrow_range=False,
                                 name=None):
    """`inputs` fake-quantized to `2^num_bits` levels of the nudged [min, max]."""
    return apply_op("FakeQuantWithMinMaxArgs", [inputs],
                    {"min": float(min), "max": float(max), "num_bits": num_bits,
                     "narrow_range": narrow_range}, name=name)


def fake_quant_with_min_max_args_gradient(gradients, inputs, min=-6, max=6, num_bits=8,
                                          narrow_range=False, name=None):
    """`gradients` where `inputs` lies in the nudged range, else 0."""
    return apply_op("FakeQuantWithMinMaxArgsGradient", [gradients, inputs],
                    {"min": float(min), "max": float(max), "num_bits": num_bits,
                     "narrow_range": narrow_range}, name=name)


def fake_quant_with_min_max_vars(inputs, min, max, num_bits=8, narrow_range=False,
                                 name=None):
    """`inputs` fake-quantized to the nudged range of scalar tensors `min` and `max`."""
    return apply_op("FakeQuantWithMinMaxVars", [inputs, min, max],
                    {"num_bits": num_bits, "narrow_range": narrow_range}, name=name)


def fake_quant_with_min_max_vars_gradient(gradients, inputs, min, max, num_bits=8,
                                          narrow_range=False, name=None):
    """(d inputs, d min, d max) of FakeQuantWithMinMaxVars."""
    return apply_op("FakeQuantWithMinMaxVarsGradient", [gradients, inputs, min, max],
                    {"num_bits": num_bits, "narrow_range": narrow_range}, name=name)


def fake_quant_with_min_max_vars_per_channel(inputs, min, max, num_bits=8,
                                             narrow_range=False, name=None):
    """`inputs` fake-quantized per channel (last dimension) with 1-D `min` and `max`."""
    return apply_op("FakeQuantWithMinMaxVarsPerChannel", [inputs, min, max],
                    {"num_bits": num_bits, "narrow_range": narrow_range}, name=name)


def fake_quant_with_min_max_vars_per_channel_gradient(gradients, inputs, min, max,
                                                      num_bits=8, narrow_range=False,
                                                      name=None):
    """(d inputs, d min, d max) of FakeQuantWithMinMaxVarsPerChannel."""
    return apply_op("FakeQuantWithMinMaxVarsPerChannelGradient",
                    [gradients, inputs, min, max],
                    {"num_bits": num_bits, "narrow_range": narrow_range}, name=name)

