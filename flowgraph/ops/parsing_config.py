"""The feature specs of `tf.parse_example`: `FixedLenFeature`, `VarLenFeature`,
`FixedLenSequenceFeature`, `SparseFeature` (TF's namedtuples, same fields and defaults),
and how a features dict turns into the keys, types and shapes of the parsing ops."""
import collections

from flowgraph.framework import dtypes, tensor_shape

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "SparseFeature"]

_ALLOWED = (dtypes.float32, dtypes.int64, dtypes.string)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A variable-length feature, parsed into a `SparseTensor`."""


class FixedLenFeature(collections.namedtuple(
        "FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A fixed-shape feature, parsed into a dense `Tensor` (missing: `default_value`)."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A sequence of fixed-shape items, parsed into a dense `Tensor` [steps] + shape."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class SparseFeature(collections.namedtuple(
        "SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A sparse feature stored as index feature(s) and a value feature of one Example."""

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


def _dtype(d, key):
    d = dtypes.as_dtype(d)
    if d not in _ALLOWED:
        raise TypeError(f"Value passed to parameter 'dense_defaults' has DataType {d.name} "
                        f"not in list of allowed values: float32, int64, string (feature "
                        f"{key})")
    return d


class Params:
    """The sorted sparse and dense keys of a features dict, with types and shapes."""

    def __init__(self, features, sequence=False):
        self.sparse_keys, self.sparse_types = [], []
        self.dense_keys, self.dense_types, self.dense_shapes = [], [], []
        self.dense_defaults, self.allow_missing = [], []
        self.sparse_features = {}  # key -> SparseFeature, merged after parsing
        for key in sorted(features):
            f = features[key]
            if isinstance(f, VarLenFeature):
                self._add_sparse(key, _dtype(f.dtype, key))
            elif isinstance(f, SparseFeature):
                idx = [f.index_key] if isinstance(f.index_key, str) else list(f.index_key)
                for k in idx:
                    self._add_sparse(k, dtypes.int64)
                self._add_sparse(f.value_key, _dtype(f.dtype, key))
                self.sparse_features[key] = f
            elif isinstance(f, FixedLenFeature):
                if sequence:
                    raise ValueError(f"Unsupported feature type for sequence features: {f}")
                shape = tensor_shape.as_shape(f.shape)
                if shape.ndims is None or not shape.is_fully_defined():
                    raise ValueError(f"First dimension of shape for feature {key} unknown. "
                                     f"Consider using FixedLenSequenceFeature. Received "
                                     f"feature={f}.")
                self._add_dense(key, _dtype(f.dtype, key), shape, f.default_value, False)
            elif isinstance(f, FixedLenSequenceFeature):
                if not f.allow_missing and not sequence:
                    raise ValueError("Unsupported: FixedLenSequenceFeature requires "
                                     "allow_missing to be True.")
                shape = tensor_shape.as_shape(f.shape)
                if not shape.is_fully_defined():
                    raise ValueError(f"Shape of feature {key} must be fully defined: {f}")
                self._add_dense(key, _dtype(f.dtype, key), shape, f.default_value,
                                f.allow_missing)
            else:
                raise ValueError(f"Invalid feature {key}:{f}.")

    def _add_sparse(self, key, dtype):
        if key in self.sparse_keys:
            if self.sparse_types[self.sparse_keys.index(key)] != dtype:
                raise ValueError(f"Conflicting type for feature {key}")
            return
        if key in self.dense_keys:
            raise ValueError(f"Conflicting type for feature {key}")
        self.sparse_keys.append(key)
        self.sparse_types.append(dtype)

    def _add_dense(self, key, dtype, shape, default, allow_missing):
        if key in self.sparse_keys:
            raise ValueError(f"Conflicting type for feature {key}")
        self.dense_keys.append(key)
        self.dense_types.append(dtype)
        self.dense_shapes.append(shape)
        self.dense_defaults.append(default)
        self.allow_missing.append(allow_missing)
