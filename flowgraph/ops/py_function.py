"""`tf.py_function`: like `tf.py_func`, but as TF's `EagerPyFunc` op, whose Python function
receives tensor-like values (numpy arrays with a `.numpy()` method) instead of arrays."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import script_ops

__all__ = ["py_function"]


class _EagerValue(np.ndarray):
    """A numpy array that also answers the eager-tensor calls TF code makes on it."""

    def numpy(self):
        return np.asarray(self)


def _eager_args(func):
    def call(*args):
        out = func(*[np.asarray(a).view(_EagerValue) if not isinstance(a, np.ndarray)
                     or a.dtype != object else a for a in args])
        as_plain = (lambda v: np.asarray(v.numpy() if hasattr(v, "numpy") else v)
                    if v is not None else v)
        if isinstance(out, (list, tuple)):
            return [as_plain(v) for v in out]
        return as_plain(out)
    return call


@defop("EagerPyFunc", inputs=("input: Tin",), outputs=("output: Tout",),
       attrs={"token": None, "Tin": [], "Tout": [], "is_async": False}, stateful=True)
class EagerPyFunc:
    """Calls the Python function registered under `token` on the inputs' values."""
    devices = ("CPU",)
    shape = staticmethod(script_ops._unknown_shapes)
    grad = NOT_DIFFERENTIABLE

    def kernel(xp, input, token, Tout):
        return script_ops._call(token, input, Tout)


def py_function(func=None, inp=None, Tout=None, name=None):
    """Wraps Python function `func` as an op; `func` gets tensor-like values (call
    `.numpy()` on them) and returns values of the types `Tout`. Returns one tensor, or a
    list when `Tout` is a list."""
    token = f"pyfunc_{next(script_ops._TOKENS)}"
    script_ops._FUNCS[token] = _eager_args(func)
    single = not isinstance(Tout, (list, tuple))
    types = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    out = apply_op("EagerPyFunc", [list(inp or [])], {"token": token, "Tout": types},
                   name=name)
    if not types:
        return out
    out = out if isinstance(out, list) else [out]
    return out[0] if single else out
