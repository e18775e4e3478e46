"""Elementwise binary math ops (with numpy broadcasting), comparisons, logical and bitwise
ops, `add_n`, and Tensor's operator overloads (`a + b` builds `AddV2` named "add", as TF).

This module is also the facade of the math library: it re-exports the builders of
`unary_ops`, `reduction_ops` and `matmul_ops`, so `math_ops.reduce_sum` works as in TF."""
import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.grad_util import reduce_gradient_args
from flowgraph.ops.math_common import (binary_op, check_type, FLOAT, INT, INT32_64, NUMERIC,
                                       REAL_FLOAT, REAL_NUMERIC, SIGNED_NUMERIC)

_BINARY = ["add", "subtract", "multiply", "divide", "truediv", "div", "realdiv", "floordiv",
           "floor_div", "mod", "floormod", "truncatediv", "truncatemod", "pow", "maximum",
           "minimum", "squared_difference", "div_no_nan", "scalar_mul", "add_n", "less",
           "less_equal", "greater", "greater_equal", "equal", "not_equal", "logical_and",
           "logical_or", "logical_not", "logical_xor"]
__all__ = list(_BINARY)
__namespaces__ = {"math": [n for n in _BINARY if n not in (
    "div", "floor_div", "realdiv", "truncatediv", "truncatemod", "div_no_nan")] +
    ["divide_no_nan=div_no_nan"]}


# -- kernels -------------------------------------------------------------------------------
def _check_int_divisor(xp, y):
    if y.dtype.kind in "iu" and not xp.all(y):
        raise errors.InvalidArgumentError(None, None, "Integer division by zero")


def _real_div(xp, x, y):
    if x.dtype.kind in "iu":
        return _truncate_div(xp, x, y)
    return xp.true_divide(x, y)


def _floor_div(xp, x, y):
    if x.dtype.kind in "iu":
        _check_int_divisor(xp, y)
        return xp.floor_divide(x, y)
    return xp.floor(xp.true_divide(x, y))


def _floor_mod(xp, x, y):
    if x.dtype.kind in "iu":
        _check_int_divisor(xp, y)
    return xp.mod(x, y)


def _truncate_div(xp, x, y):
    if x.dtype.kind not in "iu":
        return xp.trunc(xp.true_divide(x, y))
    _check_int_divisor(xp, y)
    q = xp.floor_divide(x, y)
    fix = (q * y != x) & ((x < 0) != (y < 0))  # floor went one below the truncated value
    return (q + fix).astype(q.dtype, copy=False)


def _truncate_mod(xp, x, y):
    if x.dtype.kind in "iu":
        _check_int_divisor(xp, y)
    return xp.fmod(x, y)


def _pow(xp, x, y):
    if x.dtype.kind in "iu" and xp.any(y < 0):
        raise errors.InvalidArgumentError(
            None, None, "Integers to negative integer powers are not allowed")
    return xp.power(x, y)


def _squared_difference(xp, x, y):
    d = xp.subtract(x, y)
    return d * xp.conj(d) if d.dtype.kind == "c" else d * d


def _div_no_nan(xp, x, y):
    zero = y == 0
    out = xp.true_divide(x, xp.where(zero, xp.ones_like(y), y))
    return xp.where(zero, xp.zeros_like(out), out)


# -- gradients -----------------------------------------------------------------------------
def _conj(x):
    from flowgraph.ops.unary_ops import conj
    return conj(x)


def _negative(x):
    return apply_op("Neg", [x])


def _add_grad(op, grad):
    return list(reduce_gradient_args(op.inputs[0], op.inputs[1], grad, grad))


def _sub_grad(op, grad):
    return list(reduce_gradient_args(op.inputs[0], op.inputs[1], grad, _negative(grad)))


def _mul_grad(op, grad):
    x, y = op.inputs
    cx, cy = _conj(x), _conj(y)  # complex: the gradient flows as the conjugate (TF)
    return list(reduce_gradient_args(x, y, multiply(grad, cy), multiply(cx, grad)))


def _real_div_grad(op, grad):
    x, y = op.inputs
    cx, cy = _conj(x), _conj(y)
    return list(reduce_gradient_args(
        x, y, realdiv(grad, cy), multiply(grad, realdiv(realdiv(_negative(cx), cy), cy))))


def _div_no_nan_grad(op, grad):
    x, y = op.inputs
    cx, cy = _conj(x), _conj(y)
    return list(reduce_gradient_args(x, y, div_no_nan(grad, cy), multiply(
        grad, div_no_nan(div_no_nan(_negative(cx), cy), cy))))


def _floor_mod_grad(op, grad):
    x, y = op.inputs
    return list(reduce_gradient_args(x, y, grad, multiply(grad, _negative(floor_div(x, y)))))


def _pow_grad(op, grad):
    from flowgraph.ops import array_ops, unary_ops, reduction_ops
    x, y = _conj(op.inputs[0]), _conj(op.inputs[1])
    z = _conj(op.outputs[0])
    one = convert_to_tensor(1, dtype=y.dtype.base_dtype)
    gx = multiply(multiply(grad, y), pow(x, subtract(y, one)))
    zero = convert_to_tensor(0, dtype=x.dtype.base_dtype)
    # Complex: log is defined off 0 (TF masks x != 0); real: only for x > 0.
    mask = not_equal(x, zero) if x.dtype.is_complex else greater(x, zero)
    safe_x = reduction_ops.where(mask, x, array_ops.ones_like(x))
    log_x = reduction_ops.where(mask, unary_ops.log(safe_x), array_ops.zeros_like(x))
    return list(reduce_gradient_args(op.inputs[0], op.inputs[1], gx,
                                     multiply(multiply(grad, z), log_x)))


def _max_min_grad(selector):
    def grad_fn(op, grad):
        from flowgraph.ops import array_ops, reduction_ops
        x, y = op.inputs
        xmask = selector(x, y)
        zeros = array_ops.zeros_like(grad)
        return list(reduce_gradient_args(x, y, reduction_ops.where_v2(xmask, grad, zeros),
                                         reduction_ops.where_v2(xmask, zeros, grad)))
    return grad_fn


def _squared_difference_grad(op, grad):
    x, y = op.inputs
    g = multiply(scalar_mul(2, grad), subtract(x, y))
    gx, gy = reduce_gradient_args(x, y, g, g)
    return [gx, _negative(gy)]


_CMP = REAL_NUMERIC
_BINARY_TABLE = [
    # op type, kernel, allowed types, gradient, doc
    ("AddV2", "add", NUMERIC, _add_grad, "Returns x + y elementwise."),
    ("Sub", "subtract", NUMERIC, _sub_grad,
     "Returns x - y elementwise."),
    ("Mul", "multiply", NUMERIC, _mul_grad,
     "Returns x * y elementwise."),
    ("RealDiv", _real_div, NUMERIC, _real_div_grad,
     "Returns x / y elementwise for real types."),
    ("FloorDiv", _floor_div, REAL_NUMERIC, NOT_DIFFERENTIABLE,
     "Returns floor(x / y) elementwise."),
    ("FloorMod", _floor_mod, REAL_NUMERIC, _floor_mod_grad,
     "Returns the remainder of floor division: x - floor(x / y) * y."),
    ("TruncateDiv", _truncate_div, REAL_NUMERIC, NOT_DIFFERENTIABLE,
     "Returns x / y rounded toward zero."),
    ("TruncateMod", _truncate_mod, REAL_FLOAT | INT32_64, NOT_DIFFERENTIABLE,
     "Returns the remainder of truncated division (C's fmod)."),
    ("Pow", _pow, SIGNED_NUMERIC, _pow_grad, "Returns x ** y elementwise."),
    ("Maximum", "maximum", REAL_NUMERIC,
     _max_min_grad(lambda x, y: greater_equal(x, y)),
     "Returns max(x, y) elementwise."),
    ("Minimum", "minimum", REAL_NUMERIC,
     _max_min_grad(lambda x, y: less_equal(x, y)),
     "Returns min(x, y) elementwise."),
    ("SquaredDifference", _squared_difference, FLOAT | INT32_64, _squared_difference_grad,
     "Returns (x - y) * (x - y) elementwise."),
    ("DivNoNan", _div_no_nan, FLOAT, _div_no_nan_grad,
     "Returns x / y, or 0 where y is 0."),
    ("BitwiseAnd", "bitwise_and", INT, NOT_DIFFERENTIABLE,
     "Returns x & y elementwise."),
    ("BitwiseOr", "bitwise_or", INT, NOT_DIFFERENTIABLE,
     "Returns x | y elementwise."),
    ("BitwiseXor", "bitwise_xor", INT, NOT_DIFFERENTIABLE,
     "Returns x ^ y elementwise."),
]
_CMP_TABLE = [
    ("Less", "less", "Returns the truth value of x < y elementwise."),
    ("LessEqual", "less_equal",
     "Returns the truth value of x <= y elementwise."),
    ("Greater", "greater",
     "Returns the truth value of x > y elementwise."),
    ("GreaterEqual", "greater_equal",
     "Returns the truth value of x >= y elementwise."),
]
# x op e == x (the graph optimizer drops such ops when shapes allow)
_NEUTRAL = {"AddV2": (0, "both"), "Sub": (0, "right"), "Mul": (1, "both"),
            "RealDiv": (1, "right")}
for _t, _k, _allowed, _g, _doc in _BINARY_TABLE:
    binary_op(_t, _k, _doc, _allowed, _g,
              flags={"neutral_element": _NEUTRAL[_t]} if _t in _NEUTRAL else None)
binary_op("Add", "add", "Returns x + y elementwise; for strings, their "
          "concatenation (TF's older Add op, still used for strings).",
          (NUMERIC - {dtypes.uint16, dtypes.uint32, dtypes.uint64}) | {dtypes.string},
          _add_grad)
for _t, _k, _doc in _CMP_TABLE:
    binary_op(_t, _k, _doc, _CMP, NOT_DIFFERENTIABLE, out="bool")


def _equality_op(op_type, fn, doc):
    def shape(op):
        try:
            return shape_fns.broadcast(op)
        except ValueError:
            if op.get_attr("incompatible_shape_error"):
                raise
            return None  # decided at run time: a scalar False/True

    def kernel(xp, x, y, incompatible_shape_error):
        try:
            return fn(xp, x, y)
        except ValueError:
            if incompatible_shape_error:
                raise errors.InvalidArgumentError(
                    None, None, f"Incompatible shapes: {list(np.shape(x))} vs. "
                                f"{list(np.shape(y))}") from None
            v = np.bool_(op_type == "NotEqual")
            return v if xp is np else xp.asarray(v)
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(shape),
                             "kernel": staticmethod(kernel), "grad": NOT_DIFFERENTIABLE})
    defop(op_type, inputs=("x: T", "y: T"), outputs=("z: bool",),
          attrs={"incompatible_shape_error": True})(cls)


def _equal(xp, x, y):
    if x.shape != y.shape:
        np.broadcast_shapes(x.shape, y.shape)  # ValueError when incompatible (host shapes)
    return xp.equal(x, y)


def _not_equal(xp, x, y):
    if x.shape != y.shape:
        np.broadcast_shapes(x.shape, y.shape)
    return xp.not_equal(x, y)


_equality_op("Equal", _equal, "Returns the truth value of x == y elementwise.")
_equality_op("NotEqual", _not_equal, "Returns the truth value of x != y elementwise.")


def _logical_op(op_type, fn, doc):
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(shape_fns.broadcast),
                             "kernel": staticmethod(fn), "grad": NOT_DIFFERENTIABLE})
    defop(op_type, inputs=("x: bool", "y: bool"), outputs=("z: bool",))(cls)


_logical_op("LogicalAnd", "logical_and",
            "Returns the truth value of x AND y elementwise.")
_logical_op("LogicalOr", "logical_or",
            "Returns the truth value of x OR y elementwise.")


@defop("LogicalNot", inputs=("x: bool",), outputs=("y: bool",))
class LogicalNot:
    """Returns the truth value of NOT x elementwise."""
    shape = shape_fns.unchanged
    involution = True

    def kernel(xp, x):
        return xp.logical_not(x)
    grad = NOT_DIFFERENTIABLE


@defop("Invert", inputs=("x: T",), outputs=("y: T",))
class Invert:
    """Flips all bits of each element (~x) of an integer tensor."""
    def shape(op):
        check_type(op, INT)
        return op.inputs[0].shape

    def kernel(xp, x):
        return xp.invert(x)
    grad = NOT_DIFFERENTIABLE


@defop("AddN", inputs=("inputs: N * T",), outputs=("sum: T",))
class AddN:
    """Adds all input tensors elementwise (all of the same shape and type)."""
    def shape(op):
        check_type(op, NUMERIC | {dtypes.variant}, arg="inputs")  # variant: TensorLists
        s = op.inputs[0].shape
        for t in op.inputs[1:]:
            s = s.merge_with(t.shape)
        return s

    def kernel(xp, inputs):
        out = xp.add(inputs[0], inputs[1]) if len(inputs) > 1 else xp.array(inputs[0])
        for x in inputs[2:]:
            out = xp.add(out, x, out=out) if isinstance(out, xp.ndarray) else out + x
        return out

    def grad(op, grad):
        return [grad] * len(op.inputs)


# -- builders ------------------------------------------------------------------------------
def add(x, y, name=None):
    """Returns x + y elementwise (with broadcasting)."""
    with name_scope(name, "Add", [x, y]) as name:
        x = convert_to_tensor(x, name="x")
        op_type = "Add" if x.dtype.base_dtype == dtypes.string else "AddV2"
        return apply_op(op_type, [x, y], name=name)


def subtract(x, y, name=None):
    """Returns x - y elementwise."""
    return apply_op("Sub", [x, y], name=name)


def multiply(x, y, name=None):
    """Returns x * y elementwise."""
    return apply_op("Mul", [x, y], name=name)


# TF's truediv: integer inputs are cast to a float type first.
_TRUEDIV_TYPES = {dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32,
                  dtypes.uint16: dtypes.float32, dtypes.int16: dtypes.float32,
                  dtypes.uint32: dtypes.float64, dtypes.uint64: dtypes.float64,
                  dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64}


def _convert_pair(x, y):
    x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, dtype_hint=x.dtype.base_dtype, name="y")
    if x.dtype.base_dtype != y.dtype.base_dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype.base_dtype!r} "
                        f"!= {y.dtype.base_dtype!r}.")
    return x, y


def truediv(x, y, name=None):
    """Divides x / y elementwise, casting integer inputs to floats first (Python 3 `/`)."""
    from flowgraph.ops.unary_ops import cast
    with name_scope(name, "truediv", [x, y]) as name:
        x, y = _convert_pair(x, y)
        target = _TRUEDIV_TYPES.get(x.dtype.base_dtype)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return apply_op("RealDiv", [x, y], name=name)


def divide(x, y, name=None):
    """Computes Python-style division of x by y (`x / y`)."""
    return truediv(x, y, name=name)


def div(x, y, name=None):
    """Python 2 division: floor division for integers, real division for floats."""
    with name_scope(name, "div", [x, y]) as name:
        x = convert_to_tensor(x, name="x")  # as TF: a y of another dtype is a ValueError
        y = convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        if x.dtype.base_dtype.is_floating or x.dtype.base_dtype.is_complex:
            return apply_op("RealDiv", [x, y], name=name)
        return apply_op("FloorDiv", [x, y], name=name)


def realdiv(x, y, name=None):
    """Returns x / y elementwise for real types (integers: truncated)."""
    return apply_op("RealDiv", [x, y], name=name)


def floordiv(x, y, name=None):
    """Divides x / y elementwise, rounding toward the most negative integer."""
    with name_scope(name, "floordiv", [x, y]) as name:
        return apply_op("FloorDiv", [x, y], name=name)


def floor_div(x, y, name=None):
    """Returns floor(x / y) elementwise (the `FloorDiv` op)."""
    return apply_op("FloorDiv", [x, y], name=name)


def floormod(x, y, name=None):
    """Returns the floor-division remainder, with the sign of y (Python's `%`)."""
    return apply_op("FloorMod", [x, y], name=name)


mod = floormod


def truncatediv(x, y, name=None):
    """Returns x / y rounded toward zero."""
    return apply_op("TruncateDiv", [x, y], name=name)


def truncatemod(x, y, name=None):
    """Returns the truncated-division remainder, with the sign of x (C's `%`)."""
    return apply_op("TruncateMod", [x, y], name=name)


def pow(x, y, name=None):  # noqa: A001 (TF's name)
    """Computes x ** y elementwise."""
    with name_scope(name, "Pow", [x]) as name:
        return apply_op("Pow", [x, y], name=name)


def maximum(x, y, name=None):
    """Returns max(x, y) elementwise."""
    return apply_op("Maximum", [x, y], name=name)


def minimum(x, y, name=None):
    """Returns min(x, y) elementwise."""
    return apply_op("Minimum", [x, y], name=name)


def squared_difference(x, y, name=None):
    """Returns (x - y)(x - y) elementwise."""
    return apply_op("SquaredDifference", [x, y], name=name)


def div_no_nan(x, y, name=None):
    """Computes x / y, returning 0 where y is zero."""
    with name_scope(name, "div_no_nan", [x, y]) as name:
        x, y = _convert_pair(x, y)
        return apply_op("DivNoNan", [x, y], name=name)


def scalar_mul(scalar, x, name=None):
    """Multiplies the tensor x by the scalar `scalar`."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
    if scalar.shape.ndims not in (0, None):
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return apply_op("Mul", [scalar, x], name=name)


def add_n(inputs, name=None):
    """Adds all input tensors elementwise."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    inputs = [convert_to_tensor(x) for x in inputs]
    if len(inputs) == 1:
        if name:
            from flowgraph.ops import core
            return core.identity(inputs[0], name=name)
        return inputs[0]
    return apply_op("AddN", [inputs], name=name)


def less(x, y, name=None):
    """Returns the truth value of (x < y) elementwise."""
    return apply_op("Less", [x, y], name=name)


def less_equal(x, y, name=None):
    """Returns the truth value of (x <= y) elementwise."""
    return apply_op("LessEqual", [x, y], name=name)


def greater(x, y, name=None):
    """Returns the truth value of (x > y) elementwise."""
    return apply_op("Greater", [x, y], name=name)


def greater_equal(x, y, name=None):
    """Returns the truth value of (x >= y) elementwise."""
    return apply_op("GreaterEqual", [x, y], name=name)


def equal(x, y, name=None):
    """Returns the truth value of (x == y) elementwise."""
    return apply_op("Equal", [x, y], name=name)


def not_equal(x, y, name=None):
    """Returns the truth value of (x != y) elementwise."""
    return apply_op("NotEqual", [x, y], name=name)


def logical_and(x, y, name=None):
    """Returns the truth value of x AND y elementwise."""
    return apply_op("LogicalAnd", [x, y], name=name)


def logical_or(x, y, name=None):
    """Returns the truth value of x OR y elementwise."""
    return apply_op("LogicalOr", [x, y], name=name)


def logical_not(x, name=None):
    """Returns the truth value of NOT x elementwise."""
    return apply_op("LogicalNot", [x], name=name)


def logical_xor(x, y, name="LogicalXor"):
    """Returns the truth value of x XOR y elementwise: (x | y) & ~(x & y)."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def bitwise_and(x, y, name=None):
    return apply_op("BitwiseAnd", [x, y], name=name)


def bitwise_or(x, y, name=None):
    return apply_op("BitwiseOr", [x, y], name=name)


def bitwise_xor(x, y, name=None):
    return apply_op("BitwiseXor", [x, y], name=name)


def invert(x, name=None):
    return apply_op("Invert", [x], name=name)


# TF's operators on Tensor (`a + b` is `add` named "add", ...): see math_operators.
from flowgraph.ops import math_operators  # noqa: E402

math_operators.install()

# -- the rest of the math library (facade, as TF's math_ops module) ------------------------
from flowgraph.ops import unary_ops, reduction_ops, matmul_ops  # noqa: E402
from flowgraph.ops.unary_ops import *  # noqa: E402,F401,F403
from flowgraph.ops.reduction_ops import *  # noqa: E402,F401,F403
from flowgraph.ops.matmul_ops import *  # noqa: E402,F401,F403
from flowgraph.ops.reduction_ops import reduced_shape  # noqa: E402,F401

for _m in (unary_ops, reduction_ops, matmul_ops):
    __all__ += [n for n in _m.__all__ if n not in __all__]
    for _ns, _names in _m.__namespaces__.items():
        __namespaces__.setdefault(_ns, [])
        __namespaces__[_ns] += _names
