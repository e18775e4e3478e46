"""Constants, placeholders, identity and grouping: the ops every graph starts from."""
import builtins

import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns, tensor_shape
from flowgraph.framework.graph import Tensor, Operation, name_scope, \
    control_dependencies
from flowgraph.framework.op_builder import apply_op, constant, convert_to_tensor, create_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, NO_GRADIENT

__all__ = ["constant", "convert_to_tensor", "placeholder", "placeholder_with_default",
           "identity", "no_op", "group", "tuple", "stop_gradient", "guarantee_const"]


@defop("Const", outputs=("output: dtype",), attrs={"value": None, "dtype": None})
class Const:
    """A constant tensor holding `value`."""
    def shape(op):
        return tensor_shape.TensorShape(op.get_attr("value").shape)

    def kernel(xp, value):
        if value.size > 1 and not any(value.strides):  # an imported fill, not expanded
            _check_room(value)
        return value if xp is np else xp.asarray(value)
    grad = NOT_DIFFERENTIABLE


def _check_room(value):
    """TF materializes a constant when its kernel is made: one that cannot be allocated
    is an InvalidArgumentError then. The probe reserves the space without touching it."""
    try:
        np.empty(value.shape, value.dtype)
    except (MemoryError, ValueError):
        raise errors.InvalidArgumentError(
            None, None, f"Cannot parse tensor from proto: a {value.dtype} constant of shape "
                        f"{list(value.shape)} ({value.nbytes} bytes) does not fit in "
                        "memory") from None


@defop("Placeholder", outputs=("output: dtype",),
       attrs={"dtype": None, "shape": tensor_shape.unknown_shape()})
class Placeholder:
    """A value that must be fed at run time."""
    shape = shape_fns.attr_shape("shape")
    foldable = False  # two placeholders are never one

    def kernel(xp, op_name):
        raise ValueError(f"You must feed a value for placeholder tensor '{op_name}'")
    grad = NOT_DIFFERENTIABLE


@defop("PlaceholderWithDefault", inputs=("input: dtype",), outputs=("output: dtype",),
       attrs={"shape": None})
class PlaceholderWithDefault:
    """Passes `input` through unless fed."""
    forwards_input = 0
    shape = shape_fns.attr_shape("shape")

    def kernel(xp, input):
        return input
    grad = NOT_DIFFERENTIABLE


@defop("Identity", inputs=("input: T",), outputs=("output: T",))
class Identity:
    """Returns its input unchanged."""
    forwards_input = 0
    shape = shape_fns.unchanged
    forwards_ref = False

    def kernel(xp, input):
        return input

    def grad(op, g):
        return [g]


@defop("GuaranteeConst", inputs=("input: T",), outputs=("output: T",))
class GuaranteeConst:
    """Its input unchanged, promised constant for the session's lifetime (a hint to TF's
    optimizer; no gradient is registered for it, as in TF)."""
    forwards_input = 0
    shape = shape_fns.unchanged
    grad = NO_GRADIENT

    def kernel(xp, input):
        return input


def guarantee_const(input, name=None):
    """Promises `input` stays constant; returns it unchanged."""
    return apply_op("GuaranteeConst", [input], name=name)


@defop("StopGradient", inputs=("input: T",), outputs=("output: T",))
class StopGradient:
    """Identity in the forward pass; blocks gradients."""
    forwards_input = 0
    shape = shape_fns.unchanged

    def kernel(xp, input):
        return input
    grad = NOT_DIFFERENTIABLE


@defop("NoOp")
class NoOp:
    """Does nothing; a place to hang control dependencies."""
    shape = shape_fns.no_outputs

    def kernel(xp):
        return None
    grad = NOT_DIFFERENTIABLE


def placeholder(dtype, shape=None, name=None):
    """A tensor that must be fed: `sess.run(..., feed_dict={p: value})`."""
    shape = tensor_shape.unknown_shape() if shape is None else tensor_shape.as_shape(shape)
    return apply_op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype), "shape": shape},
                    name=name)


def placeholder_with_default(input, shape, name=None):
    """A placeholder that yields `input` when not fed."""
    input = convert_to_tensor(input)
    return apply_op("PlaceholderWithDefault", [input],
                    {"dtype": input.dtype, "shape": tensor_shape.as_shape(shape)}, name=name)


def identity(input, name=None):
    """Returns a tensor with the same shape and contents as `input`."""
    if hasattr(input, "_as_graph_element") and not isinstance(input, Tensor) \
            and hasattr(input, "value"):
        input = input.value()
    return apply_op("Identity", [input], name=name)


def stop_gradient(input, name=None):
    """Identity whose gradient is zero (gradients do not flow through it)."""
    return apply_op("StopGradient", [input], name=name)


def no_op(name=None):
    """An op that does nothing."""
    return apply_op("NoOp", [], name=name)


def group(*inputs, **kwargs):
    """An op that runs all of `inputs` (tensors or ops) and produces nothing."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {list(kwargs)}")
    ops = []
    for x in _flatten(inputs):
        if hasattr(x, "_as_graph_element") and not isinstance(x, (Tensor, Operation)):
            x = x._as_graph_element()
        ops.append(x.op if isinstance(x, Tensor) else x)
    if not ops:
        return no_op(name=name)
    g = ops[0].graph
    with g.as_default(), g.name_scope(name or "group_deps") as scope:
        with control_dependencies(ops):
            return create_op("NoOp", [], name=scope)


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 (TF's name)
    """Identities of `tensors` that are only available after all of them are computed."""
    with name_scope(name, "tuple", tensors):
        gate = group(*[t for t in tensors if t is not None] + list(control_inputs or []),
                     name="control_dependency")
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            with control_dependencies([gate]):
                out.append(identity(t))
        return out


def _flatten(xs):
    for x in xs:
        if isinstance(x, (list, builtins.tuple, set)):
            yield from _flatten(x)
        elif isinstance(x, dict):
            yield from _flatten(list(x.values()))
        else:
            yield x
