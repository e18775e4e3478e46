"""Resource-variable ops, as TF 2.x writes them even in graph mode (`VarHandleOp`,
`ReadVariableOp`, `AssignVariableOp`, ...): enough to import and run the graphs of
SavedModels and meta graphs TensorFlow writes with resource variables. A handle is a
scalar `resource` tensor holding the variable's key in the session's store (its
`shared_name`, else the op name), the store ref variables use too. flowgraph's own
variables stay TF1 ref variables; gradients through these ops are not provided. The ops
run on the host (`devices = ("CPU",)`), as string ops do: a handle is a Python object."""
import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns, tensor_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = []


def _key(handle):
    key = handle.item() if isinstance(handle, np.ndarray) else handle
    if not isinstance(key, str):
        raise errors.InvalidArgumentError(None, None, f"Not a resource handle: {key!r}")
    return key


def _read(ctx, handle, dtype):
    key = _key(handle)
    if not ctx.is_initialized(key):
        raise errors.FailedPreconditionError(
            None, None, f"Could not find variable {key}. This could mean that the variable "
                        "has been deleted. In TF1, it can also mean the variable is "
                        "uninitialized.")
    value = ctx.read_local(key)
    if value.dtype != dtypes.as_dtype(dtype).as_numpy_dtype:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to read variable {key} with wrong dtype. Expected "
                        f"{dtypes.as_dtype(dtype).name} got "
                        f"{dtypes.as_dtype(value.dtype).name}")
    return value


def _handle_shape(op):
    """The variable's declared shape, when the handle comes straight from a VarHandleOp."""
    src = op.inputs[0].op
    if src.type == "VarHandleOp":
        return tensor_shape.as_shape(src.get_attr("shape"))
    return tensor_shape.TensorShape(None)


@defop("VarHandleOp", outputs=("resource: resource",),
       attrs={"container": "", "shared_name": "", "debug_name": "", "dtype": None,
              "shape": None, "allowed_devices": []}, stateful=True)
class VarHandleOp:
    """A handle to the resource variable `shared_name` (else this op's name)."""
    devices = ("CPU",)
    shape = shape_fns.scalar

    def kernel(ctx, op_name, shared_name):
        return np.array(shared_name or op_name, dtype=object)
    grad = NOT_DIFFERENTIABLE


@defop("ReadVariableOp", inputs=("resource: resource",), outputs=("value: dtype",),
       attrs={"dtype": None}, stateful=True)
class ReadVariableOp:
    """The current value of the variable behind a handle."""
    devices = ("CPU",)
    shape = _handle_shape

    def kernel(ctx, resource, dtype):
        return _read(ctx, resource, dtype)
    grad = NOT_DIFFERENTIABLE


@defop("AssignVariableOp", inputs=("resource: resource", "value: dtype"), outputs=(),
       attrs={"dtype": None, "validate_shape": False}, stateful=True)
class AssignVariableOp:
    """Stores `value` in the variable behind a handle."""
    devices = ("CPU",)
    shape = shape_fns.no_outputs

    def kernel(ctx, resource, value, dtype, validate_shape):
        key = _key(resource)
        value = ctx.xp.array(value, copy=True)
        if ctx.is_initialized(key):
            old = ctx.read(key)
            if old.dtype != value.dtype:
                raise errors.InvalidArgumentError(
                    None, None, f"Trying to assign variable with wrong dtype. Expected "
                                f"{dtypes.as_dtype(old.dtype).name} got "
                                f"{dtypes.as_dtype(value.dtype).name}")
            if validate_shape and old.shape != value.shape:
                raise errors.InvalidArgumentError(
                    None, None, f"Trying to assign to variable with tensor with wrong shape. "
                                f"Expected {list(old.shape)} got {list(value.shape)}")
        ctx.write(key, value)
    grad = NOT_DIFFERENTIABLE


def _update(name, sign):
    @defop(name, inputs=("resource: resource", "value: dtype"), outputs=(),
           attrs={"dtype": None}, stateful=True)
    class Update:
        __doc__ = f"{'Adds' if sign > 0 else 'Subtracts'} `value` to the variable."
        devices = ("CPU",)
        shape = shape_fns.no_outputs

        def kernel(ctx, resource, value, dtype):
            key = _key(resource)
            with ctx.lock(key):
                old = _read(ctx, resource, dtype)
                ctx.write(key, old + sign * ctx.xp.asarray(value, dtype=old.dtype))
        grad = NOT_DIFFERENTIABLE
    Update.__name__ = name
    return Update


AssignAddVariableOp = _update("AssignAddVariableOp", 1)
AssignSubVariableOp = _update("AssignSubVariableOp", -1)


def _gather_shape(op):
    params = _handle_shape(op)
    indices = op.inputs[1].shape
    if params.ndims is None or indices.ndims is None:
        return tensor_shape.TensorShape(None)
    b = op.get_attr("batch_dims")
    return tensor_shape.TensorShape(params.dims[:b]).concatenate(
        indices.dims[b:]).concatenate(params.dims[b + 1:])


@defop("ResourceGather", inputs=("resource: resource", "indices: Tindices"),
       outputs=("output: dtype",),
       attrs={"batch_dims": 0, "validate_indices": True, "dtype": None, "Tindices": None},
       stateful=True)
class ResourceGather:
    """Rows `indices` of the variable behind a handle (an embedding lookup)."""
    devices = ("CPU",)
    shape = _gather_shape

    def kernel(ctx, resource, indices, batch_dims, validate_indices, dtype):
        params = _read(ctx, resource, dtype)
        if batch_dims != 0:
            raise errors.UnimplementedError(None, None, "ResourceGather: batch_dims != 0 is "
                                                        "not supported")
        idx = ctx.xp.asarray(indices)
        n = params.shape[0] if params.ndim else 0
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
            raise errors.InvalidArgumentError(
                None, None, f"indices = {int(bad)} is not in [0, {n})")
        return ctx.xp.take(params, idx, axis=0)
    grad = NOT_DIFFERENTIABLE


@defop("VarIsInitializedOp", inputs=("resource: resource",), outputs=("is_initialized: bool",),
       stateful=True)
class VarIsInitializedOp:
    """Whether the variable behind a handle has a value."""
    devices = ("CPU",)
    shape = shape_fns.scalar

    def kernel(ctx, resource):
        return np.array(ctx.is_initialized(_key(resource)))
    grad = NOT_DIFFERENTIABLE
