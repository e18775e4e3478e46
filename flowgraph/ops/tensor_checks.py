"""Predicates and conversions on tensor-like values: `tf.is_tensor`, ...."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import Tensor
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops.variables import Variable

__all__ = ["is_tensor", "is_symbolic_tensor", "is_numeric_tensor",
           "convert_to_tensor_or_indexed_slices", "assert_proper_iterable"]


def is_tensor(x):
    """True for graph tensors, variables and composite tensors (IndexedSlices, ...)."""
    return isinstance(x, (Tensor, Variable, IndexedSlices)) or \
        bool(getattr(x, "is_tensor_like", False))


def is_symbolic_tensor(tensor):
    """True for a graph (symbolic) tensor or variable: every flowgraph tensor is one."""
    return isinstance(tensor, (Tensor, Variable))


def is_numeric_tensor(tensor):
    """True for a Tensor of a number type (not bool, string, resource or variant)."""
    if not isinstance(tensor, Tensor):
        return False
    d = tensor.dtype.base_dtype
    return d.is_floating or d.is_integer or d.is_complex or d.is_quantized


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """`value` itself when it is an IndexedSlices, else `convert_to_tensor(value)`."""
    if isinstance(value, IndexedSlices):
        if dtype and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
            raise ValueError(f"Tensor conversion requested dtype "
                             f"{dtypes.as_dtype(dtype).name} for Tensor with dtype "
                             f"{value.dtype.name}: {value}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def assert_proper_iterable(values):
    """Raises TypeError unless `values` is an iterable other than a Tensor, an ndarray
    or a string."""
    unintentional = (Tensor, IndexedSlices, np.ndarray, str, bytes)
    if isinstance(values, unintentional):
        raise TypeError('Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')
