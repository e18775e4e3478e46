"""Session tensors: keep a value in the session between `run` calls and refer to it by a
string handle (`tf.get_session_handle`, `tf.get_session_tensor`,
`tf.delete_session_tensor`). Fetching a handle gives a `TensorHandle`, as in TF."""
import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns, tensor_shape
from flowgraph.framework.graph import get_default_graph
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["get_session_handle", "get_session_tensor", "delete_session_tensor",
           "TensorHandle"]

def _store(ctx):
    """The session's table of kept tensors: handle -> value."""
    s = ctx.session
    if not hasattr(s, "_session_tensors"):
        s._session_tensors = {}
    return s._session_tensors


def _text(handle):
    h = handle[()] if isinstance(handle, np.ndarray) else handle
    return h.decode() if isinstance(h, bytes) else str(h)


class TensorHandle:
    """A value kept in a session, named by `handle`; `eval()` reads it, `delete()` frees it."""

    def __init__(self, handle, dtype, session):
        self._handle = _text(handle)
        self._dtype = dtypes.as_dtype(dtype)
        self._session = session

    handle = property(lambda self: self._handle)

    def __str__(self):
        return self._handle

    def get_raw_handle(self):
        return self._handle

    def eval(self):
        """The kept value."""
        holder, tensor = get_session_tensor(self._handle, self._dtype)
        return self._session.run(tensor, {holder: self._handle})

    def delete(self):
        """Frees the kept value in its session."""
        holder, deleter = delete_session_tensor(self._handle)
        self._session.run(deleter, {holder: self._handle})


def _wrap_handle(value, tensor, session):
    return TensorHandle(value, tensor.op.inputs[0].dtype.base_dtype, session)


@defop("GetSessionHandle", inputs=("value: T",), outputs=("handle: string",),
       stateful=True)
class GetSessionHandle:
    """Keeps `value` in the session; outputs the string handle naming it."""
    devices = ("CPU",)
    fetch_as = staticmethod(_wrap_handle)  # the session returns a TensorHandle
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, value, op_name):
        store = _store(ctx)
        n = store["__next_id__"] = store.get("__next_id__", -1) + 1  # per session, as TF
        handle = f"{op_name};{n};/job:localhost/replica:0/task:0/device:CPU:0"
        store[handle] = ctx.xp.array(value, copy=True)
        return np.array(handle.encode(), dtype=object)


@defop("GetSessionTensor", inputs=("handle: string",), outputs=("value: dtype",),
       attrs={"dtype": None}, stateful=True)
class GetSessionTensor:
    """The value kept in the session under `handle`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.unknown_shape()

    def kernel(ctx, handle, dtype):
        h = _text(handle)
        value = _store(ctx).get(h)
        if value is None:
            raise errors.InvalidArgumentError(None, None, f"The tensor with handle '{h}' "
                                              "is not in the session store.")
        if value.dtype != dtype:
            raise errors.InvalidArgumentError(
                None, None, f"The tensor with handle '{h}' has dtype "
                f"{dtypes.as_dtype(value.dtype).name}, not {dtypes.as_dtype(dtype).name}")
        return value


@defop("DeleteSessionTensor", inputs=("handle: string",), stateful=True)
class DeleteSessionTensor:
    """Frees the value kept in the session under `handle`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    shape = shape_fns.no_outputs

    def kernel(ctx, handle):
        h = _text(handle)
        if _store(ctx).pop(h, None) is None:
            raise errors.InvalidArgumentError(None, None, f"The tensor with handle '{h}' "
                                              "is not in the session store.")
        return None


def get_session_handle(data, name=None):
    """A string tensor: running it keeps `data`'s value in the session and returns a
    `TensorHandle` for it."""
    from flowgraph.framework.op_builder import convert_to_tensor
    data = convert_to_tensor(data)
    return apply_op("GetSessionHandle", [data], name=name)


def _placeholder(graph):
    from flowgraph.ops.core import placeholder
    with graph.as_default():
        return placeholder(dtypes.string)


def get_session_tensor(handle, dtype, name=None):
    """`(holder, tensor)`: feed a handle string to the placeholder `holder` and `tensor`
    is the value kept under it."""
    holder = _placeholder(get_default_graph())
    tensor = apply_op("GetSessionTensor", [holder], {"dtype": dtypes.as_dtype(dtype)},
                      name=name)
    return holder, tensor


def delete_session_tensor(handle, name=None):
    """`(holder, deleter)`: running `deleter` with a handle fed to `holder` frees it."""
    holder = _placeholder(get_default_graph())
    deleter = apply_op("DeleteSessionTensor", [holder], name=name)
    return holder, deleter
