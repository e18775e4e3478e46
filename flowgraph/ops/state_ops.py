"""Variable ops (TF1 ref variables): the variable node, assignment and initialization checks.

A ref input reaches the kernel as the variable's store key (see `RunContext`)."""
import numpy as np

from flowgraph.framework import errors, shape_fns
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["assign", "assign_add", "assign_sub", "is_variable_initialized"]


@defop("VariableV2", outputs=("ref: Ref(dtype)",),
       attrs={"shape": None, "dtype": None, "container": "", "shared_name": ""},
       stateful=True)
class VariableV2:
    """A mutable tensor that keeps its value in the session between runs."""
    shape = shape_fns.attr_shape("shape")

    def kernel(ctx, op_name, shared_name):
        return ctx.read(shared_name or op_name)
    grad = NOT_DIFFERENTIABLE


def _check_shapes(ctx, key, value, what):
    """The value's shape must equal the variable's: its current value's, or before it has
    one, the declared shape (`key.shape`, when fully known)."""
    old = ctx.vars.get(key)
    lhs = old.shape if old is not None else getattr(key, "shape", None)
    if lhs is not None and None not in lhs and tuple(lhs) != np.shape(value):
        raise errors.InvalidArgumentError(
            None, None, f"{what} requires shapes of both tensors to match. lhs shape= "
                        f"{list(lhs)} rhs shape= {list(np.shape(value))}")


@defop("Assign", inputs=("ref: Ref(T)", "value: T"), outputs=("output_ref: Ref(T)",),
       attrs={"validate_shape": True, "use_locking": True}, stateful=True)
class Assign:
    """Stores `value` in the variable; outputs the new value."""
    forwards_ref = True

    def shape(op):
        if op.get_attr("validate_shape"):
            return op.inputs[0].shape.merge_with(op.inputs[1].shape)
        return op.inputs[1].shape

    def kernel(ctx, ref, value, validate_shape):
        value = ctx.xp.array(value, copy=True)
        if validate_shape:
            _check_shapes(ctx, ref, value, "Assign")
        return ctx.write(ref, value)
    grad = NOT_DIFFERENTIABLE


def _update_op(name, fn, sign):
    class Update:
        __doc__ = f"Updates the variable with `ref {sign}= value`; outputs the new value."
        forwards_ref = True

        def shape(op):
            return op.inputs[0].shape.merge_with(op.inputs[1].shape)

        def kernel(ctx, ref, value):
            old = ctx.read(ref)
            _check_shapes(ctx, ref, value, name)
            return ctx.write(ref, fn(old, value).astype(old.dtype, copy=False))
        grad = NOT_DIFFERENTIABLE
    return defop(name, inputs=("ref: Ref(T)", "value: T"), outputs=("output_ref: Ref(T)",),
                 attrs={"use_locking": False}, stateful=True)(Update)


AssignAdd = _update_op("AssignAdd", lambda a, b: a + b, "+")
AssignSub = _update_op("AssignSub", lambda a, b: a - b, "-")


@defop("IsVariableInitialized", inputs=("ref: Ref(dtype)",), outputs=("is_initialized: bool",),
       stateful=True)
class IsVariableInitialized:
    """Whether the variable has been assigned a value in this session."""
    shape = shape_fns.scalar

    def kernel(ctx, ref):
        v = np.bool_(ctx.is_initialized(ref))
        return v if ctx.xp is np else ctx.xp.asarray(v)
    grad = NOT_DIFFERENTIABLE


def _is_ref_variable(ref):
    return hasattr(ref, "_ref") and not hasattr(ref, "consumers")


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Assigns `value` to the variable `ref`; returns the variable's new value."""
    attrs = {}
    if validate_shape is not None:
        attrs["validate_shape"] = validate_shape
    if use_locking is not None:
        attrs["use_locking"] = use_locking
    return apply_op("Assign", [ref, value], attrs, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    """`ref += value`; returns the new value."""
    return apply_op("AssignAdd", [ref, value],
                    {} if use_locking is None else {"use_locking": use_locking}, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    """`ref -= value`; returns the new value."""
    return apply_op("AssignSub", [ref, value],
                    {} if use_locking is None else {"use_locking": use_locking}, name=name)


def is_variable_initialized(variable):
    """A bool tensor: has `variable` been initialized in the running session?"""
    return apply_op("IsVariableInitialized", [variable],
                    {"dtype": variable.dtype.base_dtype}, name=None)
