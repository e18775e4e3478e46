"""Learning-rate schedules of the global step, built from math ops (TF1's
`tf.train.*_decay`). Each returns a scalar tensor of the learning rate's dtype."""
import math

from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import constant, convert_to_tensor
from flowgraph.ops import core, math_ops

__all__ = ["exponential_decay", "inverse_time_decay", "natural_exp_decay",
           "piecewise_constant", "polynomial_decay", "cosine_decay"]


def _require_step(global_step, fn):
    if global_step is None:
        raise ValueError(f"global_step is required for {fn}.")


def _as(x, dtype):
    """`x` as a tensor of `dtype`: a cast for tensors, a constant for Python values."""
    if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
        return math_ops.cast(x, dtype)
    return constant(x, dtype=dtype)


def _progress(learning_rate, global_step, decay_steps, staircase):
    """(lr tensor, dtype, global_step / decay_steps, floored if `staircase`)."""
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    dtype = lr.dtype.base_dtype
    p = math_ops.truediv(math_ops.cast(global_step, dtype), _as(decay_steps, dtype))
    if staircase:
        p = math_ops.floor(p)
    return lr, dtype, p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * decay_rate ^ (global_step / decay_steps)` (the exponent floored
    when `staircase`)."""
    _require_step(global_step, "exponential_decay")
    with name_scope(name, "ExponentialDecay",
                    [learning_rate, global_step, decay_steps, decay_rate]) as scope:
        lr, dtype, p = _progress(learning_rate, global_step, decay_steps, staircase)
        return math_ops.multiply(lr, math_ops.pow(_as(decay_rate, dtype), p), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * exp(-decay_rate * global_step / decay_steps)` (the step ratio
    floored when `staircase`)."""
    _require_step(global_step, "natural_exp_decay")
    with name_scope(name, "ExponentialDecay",
                    [learning_rate, global_step, decay_steps, decay_rate]) as scope:
        lr, dtype, p = _progress(learning_rate, global_step, decay_steps, staircase)
        base = math_ops.exp(math_ops.negative(_as(decay_rate, dtype)))
        return math_ops.multiply(lr, math_ops.pow(base, p), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """`learning_rate / (1 + decay_rate * global_step / decay_steps)` (the step ratio
    floored when `staircase`)."""
    _require_step(global_step, "inverse_time_decay")
    with name_scope(name, "InverseTimeDecay",
                    [learning_rate, global_step, decay_steps, decay_rate]) as scope:
        lr, dtype, p = _progress(learning_rate, global_step, decay_steps, staircase)
        denom = math_ops.add(constant(1, dtype=dtype),
                             math_ops.multiply(_as(decay_rate, dtype), p))
        return math_ops.truediv(lr, denom, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """`(learning_rate - end) * (1 - step / decay_steps) ^ power + end`, with the step
    capped at `decay_steps`, or (`cycle`) `decay_steps` stretched to the next multiple."""
    _require_step(global_step, "polynomial_decay")
    with name_scope(name, "PolynomialDecay",
                    [learning_rate, global_step, decay_steps, end_learning_rate,
                     power]) as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype.base_dtype
        end = _as(end_learning_rate, dtype)
        step = math_ops.cast(global_step, dtype)
        steps = _as(decay_steps, dtype)
        if cycle:
            from flowgraph.ops import reduction_ops
            mult = reduction_ops.where_v2(math_ops.equal(step, 0), constant(1.0, dtype),
                                          math_ops.ceil(step / steps))
            steps = math_ops.multiply(steps, mult)
        else:
            step = math_ops.minimum(step, steps)
        p = math_ops.truediv(step, steps)
        scale = math_ops.pow(1 - p, _as(power, dtype))
        return math_ops.add(math_ops.multiply(lr - end, scale), end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """`learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) + alpha)` with
    `t = min(global_step, decay_steps) / decay_steps` (Loshchilov & Hutter, 2017)."""
    _require_step(global_step, "cosine_decay")
    with name_scope(name, "CosineDecay", [learning_rate, global_step]) as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype.base_dtype
        steps = _as(decay_steps, dtype)
        t = math_ops.minimum(math_ops.cast(global_step, dtype), steps) / steps
        cosine = 0.5 * (1.0 + math_ops.cos(constant(math.pi, dtype=dtype) * t))
        alpha = _as(alpha, dtype)
        return math_ops.multiply(lr, (1 - alpha) * cosine + alpha, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """`values[0]` while `x <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < x <= boundaries[i]`, and `values[-1]` after the last boundary."""
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of "
                         "values")
    from flowgraph.ops import reduction_ops
    with name_scope(name, "PiecewiseConstant", [x]) as scope:
        x = convert_to_tensor(x)
        xd = x.dtype.base_dtype
        bs = []
        for b in boundaries:
            b = convert_to_tensor(b)
            if b.dtype.base_dtype != xd:
                if b.dtype.base_dtype.name == "int32" and xd.name == "int64":
                    b = math_ops.cast(b, xd)
                else:
                    raise ValueError(f"Boundaries ({b.dtype.base_dtype.name}) must have the "
                                     f"same dtype as x ({xd.name}).")
            bs.append(b)
        vs = [convert_to_tensor(v) for v in values]
        for v in vs[1:]:
            if v.dtype.base_dtype != vs[0].dtype.base_dtype:
                raise ValueError(f"Values must have elements all with the same dtype "
                                 f"({vs[0].dtype.base_dtype.name} vs "
                                 f"{v.dtype.base_dtype.name}).")
        out = vs[-1]
        for b, v in reversed(list(zip(bs, vs))):
            out = reduction_ops.where_v2(math_ops.less_equal(x, b), v, out)
        return core.identity(out, name=scope)
