"""`crossed_column`: every combination of the features of several string keys and
categorical columns, hashed into `hash_bucket_size` buckets as TF's `SparseCross` does."""
import collections

from flowgraph.framework import dtypes
from flowgraph.ops import sparse_cross_ops
from flowgraph.ops.parsing_config import VarLenFeature
from flowgraph.feature_column import base
from flowgraph.feature_column.categorical import HashedCategoricalColumn

__all__ = ["crossed_column"]


def _leaf_keys(cross):
    out = []
    for k in cross.keys:
        out.extend(_leaf_keys(k) if isinstance(k, CrossedColumn) else [k])
    return out


class CrossedColumn(base._CategoricalColumn, collections.namedtuple(
        "CrossedColumn", ("keys", "hash_bucket_size", "hash_key"))):
    """See `crossed_column`."""

    @property
    def name(self):
        return "_X_".join(sorted(k if isinstance(k, str) else k.name
                                 for k in _leaf_keys(self)))

    @property
    def _parse_example_spec(self):
        config = {}
        for key in self.keys:
            if isinstance(key, base._FeatureColumn):
                config.update(key._parse_example_spec)
            else:
                config[key] = VarLenFeature(dtypes.string)
        return config

    _num_buckets = property(lambda self: self.hash_bucket_size)

    def _transform_feature(self, inputs):
        tensors = []
        for key in _leaf_keys(self):
            if isinstance(key, str):
                tensors.append(inputs.get(key))
            elif isinstance(key, base._CategoricalColumn):
                pair = key._get_sparse_tensors(inputs)
                if pair.weight_tensor is not None:
                    raise ValueError("crossed_column does not support weight_tensor, but "
                                     "the given column populates weight_tensor. Given "
                                     f"column: {key.name}")
                tensors.append(pair.id_tensor)
            else:
                raise ValueError(f"Unsupported column type. Given: {key}")
        return sparse_cross_ops.sparse_cross_hashed(
            inputs=tensors, num_buckets=self.hash_bucket_size, hash_key=self.hash_key)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """The cross of `keys` (feature names and categorical columns other than hashed
    ones; crosses nest), each combination hashed into `hash_bucket_size` ids."""
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be > 1. hash_bucket_size: "
                         f"{hash_bucket_size}")
    if not keys or len(keys) < 2:
        raise ValueError(f"keys must be a list with length > 1. Given: {keys}")
    for key in keys:
        if not isinstance(key, (str, base._CategoricalColumn)):
            raise ValueError("Unsupported key type. All keys must be either string, or "
                             "categorical column except HashedCategoricalColumn. Given: "
                             f"{key}")
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError("categorical_column_with_hash_bucket is not supported for "
                             "crossing. Hashing before crossing will increase probability "
                             "of collision. Instead, use the feature name as a string. "
                             f"Given: {key}")
    return CrossedColumn(keys=tuple(keys), hash_bucket_size=hash_bucket_size,
                         hash_key=hash_key)
