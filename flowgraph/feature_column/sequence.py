"""Sequence columns: `sequence_categorical_column_with_*` (a categorical column whose
ids keep a [batch, time, ...] layout, so embeddings are not combined over time) and
`sequence_numeric_column`. In TF 2.21 they feed Keras' `SequenceFeatures`; TF1's
`input_layer` refuses them inside embedding and indicator columns, as here, and
`sequence_numeric_column` is not a v1 column (`make_parse_example_spec` refuses it)."""
import collections

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.ops import array_ops, reduction_ops, sparse_ops
from flowgraph.ops.parsing_config import VarLenFeature
from flowgraph.feature_column import base, categorical

__all__ = ["sequence_categorical_column_with_identity",
           "sequence_categorical_column_with_hash_bucket",
           "sequence_categorical_column_with_vocabulary_file",
           "sequence_categorical_column_with_vocabulary_list", "sequence_numeric_column"]


class SequenceCategoricalColumn(base._CategoricalColumn, collections.namedtuple(
        "SequenceCategoricalColumn", ("categorical_column",))):
    """A categorical column of sequences: ids as [batch, time, n] SparseTensors."""

    name = property(lambda self: self.categorical_column.name)
    _num_buckets = property(lambda self: self.categorical_column._num_buckets)

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    def _transform_feature(self, inputs):
        return self.categorical_column._transform_feature(inputs)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        pair = self.categorical_column._get_sparse_tensors(inputs, weight_collections,
                                                           trainable)
        shape = array_ops.shape(pair.id_tensor, out_type=dtypes.int64)
        target = [shape[0], shape[1], reduction_ops.reduce_prod(shape[2:])]

        def to_3d(sp):
            return None if sp is None else sparse_ops.sparse_reshape(sp, target)
        return base.IdWeightPair(to_3d(pair.id_tensor), to_3d(pair.weight_tensor))


def sequence_categorical_column_with_identity(key, num_buckets, default_value=None):
    """`categorical_column_with_identity` over sequences."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_identity(
        key=key, num_buckets=num_buckets, default_value=default_value))


def sequence_categorical_column_with_hash_bucket(key, hash_bucket_size,
                                                 dtype=dtypes.string):
    """`categorical_column_with_hash_bucket` over sequences."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_hash_bucket(
        key=key, hash_bucket_size=hash_bucket_size, dtype=dtype))


def sequence_categorical_column_with_vocabulary_file(
        key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0, default_value=None,
        dtype=dtypes.string):
    """`categorical_column_with_vocabulary_file` over sequences."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_vocabulary_file(
        key=key, vocabulary_file=vocabulary_file, vocabulary_size=vocabulary_size,
        num_oov_buckets=num_oov_buckets, default_value=default_value, dtype=dtype))


def sequence_categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None,
                                                     default_value=-1, num_oov_buckets=0):
    """`categorical_column_with_vocabulary_list` over sequences."""
    return SequenceCategoricalColumn(categorical.categorical_column_with_vocabulary_list(
        key=key, vocabulary_list=vocabulary_list, dtype=dtype,
        default_value=default_value, num_oov_buckets=num_oov_buckets))


class SequenceNumericColumn(collections.namedtuple(
        "SequenceNumericColumn", ("key", "shape", "default_value", "dtype",
                                  "normalizer_fn"))):
    """Sequences of numeric values (parsed as a VarLenFeature)."""

    name = property(lambda self: self.key)
    variable_shape = property(lambda self: tensor_shape.TensorShape(self.shape))

    @property
    def parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}


def sequence_numeric_column(key, shape=(1,), default_value=0., dtype=dtypes.float32,
                            normalizer_fn=None):
    """Sequences of `shape`-d numeric values of feature `key` (missing steps:
    `default_value`)."""
    shape = base.check_shape(shape, key)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    return SequenceNumericColumn(key, shape=shape, default_value=default_value, dtype=dtype,
                                 normalizer_fn=normalizer_fn)
