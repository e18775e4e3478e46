"""`tf.py_func` / `tf.numpy_function`: an op that calls a Python function on the numpy
values of its inputs. The function is kept in a process-wide table under the op's `token`
attr (`pyfunc_0`, `pyfunc_1`, ...), as in TF: a GraphDef names it but cannot carry it."""
import itertools

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["py_func", "numpy_function"]

_FUNCS = {}
_TOKENS = itertools.count()
# Python exceptions raised by the function, as the TF error classes TF reports them with.
_ERRORS = {ValueError: errors.InvalidArgumentError, TypeError: errors.InvalidArgumentError,
           StopIteration: errors.OutOfRangeError, MemoryError: errors.ResourceExhaustedError,
           NotImplementedError: errors.UnimplementedError}


def _call(token, inputs, Tout):
    """Runs the function registered under `token`; returns its results checked against
    `Tout` (numpy dtypes)."""
    try:
        result = _FUNCS[token](*inputs)
    except Exception as e:
        cls = next((c for t, c in _ERRORS.items() if isinstance(e, t)), errors.UnknownError)
        raise cls(None, None, f"{type(e).__name__}: {e}") from e
    if not Tout:
        return []
    if len(Tout) == 1 and not isinstance(result, (list, tuple)):
        result = [result]
    if not isinstance(result, (list, tuple)) or len(result) != len(Tout):
        n = len(result) if isinstance(result, (list, tuple)) else 1
        raise errors.InvalidArgumentError(
            None, None, f"{token} returns {n} values, but expects to see {len(Tout)} values.")
    out = []
    for i, (v, dt) in enumerate(zip(result, Tout)):
        if dt == object:  # strings
            v = np.asarray(v, dtype=object)
        elif not isinstance(v, np.ndarray):
            v = np.asarray(v, dtype=dt)  # Python values take the declared type
        if v.dtype != dt:
            got, want = (dtypes.type_string(d) for d in (v.dtype, np.dtype(dt)))
            raise errors.InvalidArgumentError(
                None, None, f"{i}-th value returned by {token} is {got}, but expects {want}")
        out.append(v)
    return out


def _unknown_shapes(op):
    return [tensor_shape.unknown_shape() for _ in op.outputs]


for _type, _stateful in (("PyFunc", True), ("PyFuncStateless", False)):
    @defop(_type, inputs=("input: Tin",), outputs=("output: Tout",),
           attrs={"token": None, "Tin": [], "Tout": []}, stateful=_stateful)
    class _PyFunc:
        """Calls the Python function registered under `token` on the inputs' values."""
        devices = ("CPU",)  # the function sees numpy arrays
        shape = staticmethod(_unknown_shapes)
        grad = NOT_DIFFERENTIABLE

        def kernel(xp, input, token, Tout):
            return _call(token, input, Tout)


def py_func(func, inp, Tout, stateful=True, name=None):
    """Wraps Python function `func` (numpy arrays in, numpy values out) as an op; returns
    its output tensor, or a list of them when `Tout` is a list."""
    token = f"pyfunc_{next(_TOKENS)}"
    _FUNCS[token] = func
    single = not isinstance(Tout, (list, tuple))
    types = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    op_type = "PyFunc" if stateful else "PyFuncStateless"
    out = apply_op(op_type, [list(inp)], {"token": token, "Tout": types}, name=name)
    if not types:
        return out
    out = out if isinstance(out, list) else [out]
    return out[0] if single else out


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """`py_func` under its TF 2 name."""
    return py_func(func, inp, Tout, stateful=stateful, name=name)
