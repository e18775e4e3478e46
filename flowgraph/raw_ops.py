"""`tf.raw_ops`: every registered op as a keyword-only function (`tf.raw_ops.MatMul(a=,
b=, transpose_a=False)`), the way TF exposes its generated op wrappers.

Inputs and the attrs a user sets are keyword arguments; type and length attrs are
inferred from the inputs. An op with several fixed outputs returns a namedtuple of them
(`Unique(y, idx)`), one with a single output a Tensor, one without outputs the Operation.
"""
import collections
import functools
import re

import numpy as np

from flowgraph.framework import dtypes, registry, tensor_shape
from flowgraph.framework.op_builder import apply_op


# TF's Python wrappers rename a few op-def input names (its api_def files); so do we.
_RENAMES = {"reduction_indices": "axis", "split_dim": "axis", "squeeze_dims": "axis",
            "dim": "axis"}
_OP_RENAMES = {"Select": {"t": "x", "e": "y"}, "Where": {"input": "condition"},
               "ReduceJoin": {"reduction_indices": "reduction_indices"},
               "SparseSplit": {"split_dim": "split_dim"}}


def _python_name(op_type, arg):
    return _OP_RENAMES.get(op_type, {}).get(arg) or _RENAMES.get(arg, arg)


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _inferred_attrs(op_def):
    out = set()
    for a in op_def.inputs:
        out.update(k for k in (a.type_attr, a.number_attr, a.type_list_attr) if k)
    return out


def _coerce(default, value):
    """Shapes as TensorShape and dtypes as DType, as the public builders pass them."""
    if isinstance(default, tensor_shape.TensorShape):
        return tensor_shape.as_shape(value)
    if isinstance(value, (type, np.dtype)) and not isinstance(value, dtypes.DType):
        return dtypes.as_dtype(value)
    return value


@functools.lru_cache(maxsize=None)
def _wrapper(op_type):
    op_def = registry.get(op_type)
    inputs = [_python_name(op_type, a.name) for a in op_def.inputs]
    attrs = [k for k in op_def.attrs if k not in _inferred_attrs(op_def) and k[0] != "_"]
    attr_keys = {_python_name(op_type, k): k for k in attrs}
    keys = inputs + list(attr_keys) + ["name"]
    fixed = [a.name for a in op_def.outputs]
    several = len(fixed) > 1 and not any(a.number_attr or a.type_list_attr
                                         for a in op_def.outputs)
    result = collections.namedtuple(op_type, fixed) if several else None

    def op(*args, **kwargs):
        if args:
            raise TypeError(f"{_snake(op_type)} only takes keyword args (possible keys: "
                            f"{keys}). Please pass these args as kwargs instead.")
        unknown = sorted(set(kwargs) - set(keys))
        if unknown:
            raise TypeError(f"{op_type} got unexpected keyword arguments {unknown} (possible "
                            f"keys: {keys})")
        missing = [k for k in inputs if k not in kwargs]
        if missing:
            raise TypeError(f"{op_type} missing required arguments {missing}")
        given = {a: _coerce(op_def.attrs[a], kwargs[k]) for k, a in attr_keys.items()
                 if k in kwargs}
        out = apply_op(op_type, [kwargs[k] for k in inputs], given, name=kwargs.get("name"))
        return result(*out) if result is not None else out

    op.keys = keys
    op.__name__ = op.__qualname__ = op_type
    op.__doc__ = op_def.doc
    return op


def __getattr__(name):
    if name.startswith("_") or name not in registry.registered():
        raise AttributeError(f"module 'flowgraph.raw_ops' has no attribute {name!r}")
    return _wrapper(name)


def __dir__():
    return sorted(registry.registered())
