"""Type specs: descriptions of the values a tensor-like object can hold (`tf.TensorSpec`,
`tf.IndexedSlicesSpec`, ...). Each spec is its serialization (a tuple of fields): equality,
hashing, repr and compatibility are defined on those fields, as in TF."""
import abc

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.indexed_slices import IndexedSlices

__all__ = ["TypeSpec", "TensorSpec", "IndexedSlicesSpec", "SparseTensorSpec",
           "TensorArraySpec", "NoneTensorSpec", "OptionalSpec", "RaggedTensorSpec",
           "type_spec_from_value"]


def _compatible(a, b):
    if isinstance(a, tensor_shape.TensorShape) and isinstance(b, tensor_shape.TensorShape):
        return a.is_compatible_with(b)
    if isinstance(a, TypeSpec) and isinstance(b, TypeSpec):
        return a.is_compatible_with(b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_compatible(x, y) for x, y in zip(a, b))
    return a == b


class TypeSpec(abc.ABC):
    """Base class of type specs: subclasses give `value_type` and `_serialize()`."""

    @property
    @abc.abstractmethod
    def value_type(self):
        """The Python type of values this spec describes."""

    @abc.abstractmethod
    def _serialize(self):
        """The spec's fields, as a tuple."""

    def is_compatible_with(self, spec_or_value):
        """True when `spec_or_value` (a spec or a value) could be described by this spec."""
        other = spec_or_value if isinstance(spec_or_value, TypeSpec) else \
            type_spec_from_value(spec_or_value)
        return type(self) is type(other) and \
            _compatible(self._compatible_fields(), other._compatible_fields())

    def _compatible_fields(self):
        return self._serialize()

    def __eq__(self, other):
        return type(self) is type(other) and self._serialize() == other._serialize()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, tuple(
            tuple(f.as_list()) if isinstance(f, tensor_shape.TensorShape) and
            f.ndims is not None else (None if isinstance(f, tensor_shape.TensorShape)
                                      else f) for f in self._serialize())))

    def __repr__(self):
        return f"{type(self).__name__}{self._serialize()!r}"


def _shape(s):
    return tensor_shape.as_shape(s) if not isinstance(s, tensor_shape.TensorShape) else s


class TensorSpec(TypeSpec):
    """Describes a Tensor: its (partial) shape, dtype and optional name."""
    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = _shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)
    value_type = property(lambda self: Tensor)

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of `tensor`, named after its op unless `name` is given."""
        if isinstance(tensor, Tensor):
            return cls(tensor.shape, tensor.dtype, name or tensor.op.name)
        if hasattr(tensor, "_ref"):  # a Variable
            return cls(tensor.shape, tensor.dtype.base_dtype, name or tensor.op.name)
        arr = np.asarray(tensor)
        return cls(arr.shape, dtypes.as_dtype(arr.dtype), name)

    @classmethod
    def from_spec(cls, spec, name=None):
        """A TensorSpec with `spec`'s shape and dtype."""
        return cls(spec.shape, spec.dtype, name or getattr(spec, "name", None))

    def _serialize(self):
        return (self._shape, self._dtype, self._name)

    def _compatible_fields(self):
        return (self._shape, self._dtype)

    def is_compatible_with(self, spec_or_tensor):
        if isinstance(spec_or_tensor, TypeSpec):
            other = spec_or_tensor
        elif isinstance(spec_or_tensor, Tensor) or hasattr(spec_or_tensor, "_ref"):
            other = TensorSpec.from_tensor(spec_or_tensor)
        else:
            other = type_spec_from_value(spec_or_tensor)
        return isinstance(other, TensorSpec) and self._dtype.is_compatible_with(
            other.dtype) and self._shape.is_compatible_with(other.shape)

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"


class IndexedSlicesSpec(TypeSpec):
    """Describes an IndexedSlices: dense shape, values/indices/dense_shape dtypes and the
    shape of its indices."""

    def __init__(self, shape=None, dtype=dtypes.float32, indices_dtype=dtypes.int64,
                 dense_shape_dtype=None, indices_shape=None):
        self._shape = _shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._indices_dtype = dtypes.as_dtype(indices_dtype)
        self._dense_shape_dtype = None if dense_shape_dtype is None else \
            dtypes.as_dtype(dense_shape_dtype)
        self._indices_shape = _shape(indices_shape).with_rank(1) \
            if indices_shape is not None else tensor_shape.TensorShape([None])

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    value_type = property(lambda self: IndexedSlices)

    def _serialize(self):
        return (self._shape, self._dtype, self._indices_dtype, self._dense_shape_dtype,
                self._indices_shape)


class SparseTensorSpec(TypeSpec):
    """Describes a SparseTensor: its dense shape and value dtype."""

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape = _shape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from flowgraph.framework.sparse_tensor import SparseTensor
        return SparseTensor

    def _serialize(self):
        return (self._shape, self._dtype)


class TensorArraySpec(TypeSpec):
    """Describes a TensorArray: element shape, dtype, dynamic_size and infer_shape."""

    def __init__(self, element_shape=None, dtype=dtypes.float32, dynamic_size=False,
                 infer_shape=True):
        self._element_shape = _shape(element_shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = dynamic_size
        self._infer_shape = infer_shape

    @property
    def value_type(self):
        from flowgraph.ops.tensor_array_ops import TensorArray
        return TensorArray

    def _serialize(self):
        return (self._element_shape, self._dtype, self._dynamic_size, self._infer_shape)


class NoneTensorSpec(TypeSpec):
    """Describes None as a value."""
    value_type = property(lambda self: type(None))

    def _serialize(self):
        return ()


class OptionalSpec(TypeSpec):
    """Describes an optional value whose content matches `element_spec`."""

    def __init__(self, element_spec):
        self._element_spec = element_spec

    element_spec = property(lambda self: self._element_spec)
    value_type = property(lambda self: object)

    def _serialize(self):
        return (self._element_spec,)


class RaggedTensorSpec(TypeSpec):
    """Describes a RaggedTensor: shape, dtype, ragged_rank (default rank - 1) and the
    row-splits dtype."""

    def __init__(self, shape=None, dtype=dtypes.float32, ragged_rank=None,
                 row_splits_dtype=dtypes.int64, flat_values_spec=None):
        self._shape = _shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        rank = self._shape.ndims
        if ragged_rank is None:
            if rank is None:
                raise ValueError("Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        if rank is not None and not 0 <= ragged_rank < max(rank, 1):
            raise ValueError(f"ragged_rank must be non-negative and less than rank, got "
                             f"{ragged_rank}")
        self._ragged_rank = ragged_rank
        self._flat_values_spec = flat_values_spec

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)
    flat_values_spec = property(lambda self: self._flat_values_spec)
    value_type = property(lambda self: object)

    def _serialize(self):
        return (self._shape, self._dtype, self._ragged_rank, self._row_splits_dtype)


def type_spec_from_value(value):
    """The TypeSpec of `value`: a Tensor, Variable, IndexedSlices or array-like."""
    if isinstance(value, TypeSpec):
        return value
    if isinstance(value, Tensor) or hasattr(value, "_ref"):
        return TensorSpec(value.shape, value.dtype.base_dtype)
    if isinstance(value, IndexedSlices):
        from flowgraph.framework.constant_value import constant_value
        ds = value.dense_shape
        dense = constant_value(ds) if ds is not None else None
        return IndexedSlicesSpec(
            dense.tolist() if dense is not None else value.values.shape,
            value.dtype, value.indices.dtype, None if ds is None else ds.dtype,
            value.indices.shape)
    if value is None:
        return NoneTensorSpec()
    try:
        arr = np.asarray(value)
        if arr.dtype == object:
            raise TypeError
        dt = dtypes.as_dtype(arr.dtype) if isinstance(value, (np.ndarray, np.generic)) \
            else _python_dtype(arr)
        return TensorSpec(arr.shape, dt)
    except (TypeError, ValueError):
        raise TypeError(f"Could not build a TypeSpec for {value!r} of unsupported type "
                        f"{type(value)}.") from None


def _python_dtype(arr):
    """TF's dtypes for Python values: float -> float32, int -> int32."""
    if arr.dtype.kind == "f":
        return dtypes.float32
    if arr.dtype.kind in "iu":
        return dtypes.int32
    return dtypes.as_dtype(arr.dtype)
