"""Categorical columns: ids in [0, num_buckets) as SparseTensors, from hashed strings
(`categorical_column_with_hash_bucket`), a vocabulary list or file (lookup tables with
optional hashed out-of-vocabulary buckets), integer ids (`..._with_identity`), and
`weighted_categorical_column` (ids with a weight feature)."""
import collections

import numpy as np

from flowgraph import gfile
from flowgraph.framework import dtypes
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops import array_ops, creation_ops, lookup_ops, math_ops, reduction_ops, \
    string_hash_ops, string_ops
from flowgraph.ops.parsing_config import VarLenFeature
from flowgraph.feature_column import base

__all__ = ["categorical_column_with_hash_bucket", "categorical_column_with_vocabulary_list",
           "categorical_column_with_vocabulary_file", "categorical_column_with_identity",
           "weighted_categorical_column"]


def _sparse_input(inputs, key):
    return base.to_sparse_input_and_drop_ignore_values(inputs.get(key))


def _check_dtype_match(column, t):
    if column.dtype.is_integer != t.dtype.is_integer:
        raise ValueError(f"Column dtype and SparseTensors dtype must be compatible. key: "
                         f"{column.key}, column dtype: {column.dtype}, tensor dtype: "
                         f"{t.dtype}")
    base.assert_string_or_int(t.dtype, prefix=f"column_name: {column.key} input_tensor")


class HashedCategoricalColumn(base._CategoricalColumn, collections.namedtuple(
        "HashedCategoricalColumn", ("key", "hash_bucket_size", "dtype"))):
    """See `categorical_column_with_hash_bucket`."""

    name = property(lambda self: self.key)
    _num_buckets = property(lambda self: self.hash_bucket_size)

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}

    def _transform_feature(self, inputs):
        t = _sparse_input(inputs, self.key)
        if not isinstance(t, SparseTensor):
            raise ValueError("SparseColumn input must be a SparseTensor.")
        # TF checks the tensor's dtype kind before the match here (the other way round
        # for vocabularies)
        base.assert_string_or_int(t.dtype, prefix=f"column_name: {self.key} input_tensor")
        _check_dtype_match(self, t)
        values = t.values if self.dtype == dtypes.string else string_ops.as_string(t.values)
        ids = string_hash_ops.string_to_hash_bucket_fast(values, self.hash_bucket_size,
                                                        name="lookup")
        return SparseTensor(t.indices, ids, t.dense_shape)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Ids of string (or int, formatted) feature `key`: Fingerprint64 of each value
    modulo `hash_bucket_size`, as TF's `StringToHashBucketFast`."""
    if hash_bucket_size is None:
        raise ValueError(f"hash_bucket_size must be set. key: {key}")
    if hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: "
                         f"{hash_bucket_size}, key: {key}")
    base.assert_key_is_string(key)
    dtype = dtypes.as_dtype(dtype)
    base.assert_string_or_int(dtype, prefix=f"column_name: {key}")
    return HashedCategoricalColumn(key, hash_bucket_size, dtype)


class _VocabularyColumn(base._CategoricalColumn):
    """A vocabulary lookup (`_table()` makes the table) of feature `key`."""

    name = property(lambda self: self.key)

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}

    def _transform_feature(self, inputs):
        t = _sparse_input(inputs, self.key)
        _check_dtype_match(self, t)
        key_dtype = self.dtype
        if t.dtype.is_integer:  # tables have int64 keys
            key_dtype = dtypes.int64
            t = SparseTensor(t.indices, math_ops.cast(t.values, dtypes.int64),
                             t.dense_shape)
        return self._table(key_dtype).lookup(t)


class VocabularyListCategoricalColumn(_VocabularyColumn, collections.namedtuple(
        "VocabularyListCategoricalColumn",
        ("key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets"))):
    """See `categorical_column_with_vocabulary_list`."""

    _num_buckets = property(lambda self: len(self.vocabulary_list) + self.num_oov_buckets)

    def _table(self, key_dtype):
        return lookup_ops.index_table_from_tensor(
            vocabulary_list=tuple(self.vocabulary_list), default_value=self.default_value,
            num_oov_buckets=self.num_oov_buckets, dtype=key_dtype,
            name=f"{self.key}_lookup")


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None,
                                            default_value=-1, num_oov_buckets=0):
    """Ids of feature `key`: positions in `vocabulary_list`; other values get
    `default_value` (-1: dropped by the models) or one of `num_oov_buckets` hashed ids."""
    if vocabulary_list is None or len(vocabulary_list) < 1:
        raise ValueError(f"vocabulary_list {vocabulary_list} must be non-empty, "
                         f"column_name: {key}")
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError(f"Duplicate keys in vocabulary_list {vocabulary_list}, "
                         f"column_name: {key}")
    vocab_dtype = dtypes.as_dtype(np.array(vocabulary_list).dtype)
    if num_oov_buckets:
        if default_value != -1:
            raise ValueError(f"Can't specify both num_oov_buckets and default_value in "
                             f"{key}.")
        if num_oov_buckets < 0:
            raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    base.assert_string_or_int(vocab_dtype, prefix=f"column_name: {key} vocabulary")
    if dtype is None:
        dtype = vocab_dtype
    else:
        dtype = dtypes.as_dtype(dtype)
        if dtype.is_integer != vocab_dtype.is_integer:
            raise ValueError(f"dtype {dtype} and vocabulary dtype {vocab_dtype} do not "
                             f"match, column_name: {key}")
    base.assert_string_or_int(dtype, prefix=f"column_name: {key}")
    base.assert_key_is_string(key)
    return VocabularyListCategoricalColumn(
        key=key, vocabulary_list=tuple(vocabulary_list), dtype=dtype,
        default_value=default_value, num_oov_buckets=num_oov_buckets)


class VocabularyFileCategoricalColumn(_VocabularyColumn, collections.namedtuple(
        "VocabularyFileCategoricalColumn",
        ("key", "vocabulary_file", "vocabulary_size", "num_oov_buckets", "dtype",
         "default_value", "file_format"))):
    """See `categorical_column_with_vocabulary_file`."""

    def __new__(cls, key, vocabulary_file, vocabulary_size, num_oov_buckets, dtype,
                default_value, file_format=None):
        return super().__new__(cls, key=key, vocabulary_file=vocabulary_file,
                               vocabulary_size=vocabulary_size,
                               num_oov_buckets=num_oov_buckets, dtype=dtype,
                               default_value=default_value, file_format=file_format)

    _num_buckets = property(lambda self: self.vocabulary_size + self.num_oov_buckets)

    def _table(self, key_dtype):
        if self.file_format == "tfrecord_gzip":
            raise NotImplementedError("vocabulary files in tfrecord_gzip format are not "
                                      "supported by flowgraph")
        return lookup_ops.index_table_from_file(
            vocabulary_file=self.vocabulary_file, num_oov_buckets=self.num_oov_buckets,
            vocab_size=self.vocabulary_size, default_value=self.default_value,
            key_dtype=key_dtype, name=f"{self.key}_lookup")


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None,
                                            num_oov_buckets=0, default_value=None,
                                            dtype=dtypes.string):
    """Ids of feature `key`: line numbers in `vocabulary_file` (one value a line; its first
    `vocabulary_size` lines, all by default); other values as in the list column."""
    if not vocabulary_file:
        raise ValueError(f"Missing vocabulary_file in {key}.")
    file_format = "tfrecord_gzip" if vocabulary_file.endswith("tfrecord.gz") else None
    if vocabulary_size is None:
        if not gfile.Exists(vocabulary_file):
            raise ValueError(f"vocabulary_file in {key} does not exist.")
        with gfile.GFile(vocabulary_file, "rb") as f:
            vocabulary_size = sum(1 for _ in f.read().splitlines())
    if vocabulary_size < 1:
        raise ValueError(f"Invalid vocabulary_size in {key}.")
    if num_oov_buckets:
        if default_value is not None:
            raise ValueError(f"Can't specify both num_oov_buckets and default_value in "
                             f"{key}.")
        if num_oov_buckets < 0:
            raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    dtype = dtypes.as_dtype(dtype)
    base.assert_string_or_int(dtype, prefix=f"column_name: {key}")
    base.assert_key_is_string(key)
    return VocabularyFileCategoricalColumn(
        key=key, vocabulary_file=vocabulary_file, vocabulary_size=vocabulary_size,
        num_oov_buckets=0 if num_oov_buckets is None else num_oov_buckets,
        default_value=-1 if default_value is None else default_value, dtype=dtype,
        file_format=file_format)


class IdentityCategoricalColumn(base._CategoricalColumn, collections.namedtuple(
        "IdentityCategoricalColumn", ("key", "number_buckets", "default_value"))):
    """See `categorical_column_with_identity`."""

    name = property(lambda self: self.key)
    _num_buckets = property(lambda self: self.number_buckets)

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(dtypes.int64)}

    def _transform_feature(self, inputs):
        t = _sparse_input(inputs, self.key)
        if not t.dtype.is_integer:
            raise ValueError(f"Invalid input, not integer. key: {self.key} dtype: "
                             f"{t.dtype}")
        values = t.values
        if values.dtype != dtypes.int64:
            values = math_ops.cast(values, dtypes.int64, name="values")
        if self.default_value is not None:
            n = math_ops.cast(self.number_buckets, dtypes.int64, name="num_buckets")
            zero = math_ops.cast(0, dtypes.int64, name="zero")
            bad = math_ops.logical_or(values < zero, values >= n, name="out_of_range")
            values = reduction_ops.where_v2(bad, creation_ops.fill(
                dims=array_ops.shape(values), value=math_ops.cast(
                    self.default_value, dtypes.int64), name="default_values"), values)
        return SparseTensor(t.indices, values, t.dense_shape)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer feature `key` used as ids in [0, num_buckets); others become
    `default_value` (or fail the lookups that use them, when None)."""
    if num_buckets < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and not 0 <= default_value < num_buckets:
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), "
                         f"column_name {key}")
    base.assert_key_is_string(key)
    return IdentityCategoricalColumn(key=key, number_buckets=num_buckets,
                                     default_value=default_value)


class WeightedCategoricalColumn(base._CategoricalColumn, collections.namedtuple(
        "WeightedCategoricalColumn", ("categorical_column", "weight_feature_key", "dtype"))):
    """See `weighted_categorical_column`."""

    @property
    def name(self):
        return f"{self.categorical_column.name}_weighted_by_{self.weight_feature_key}"

    @property
    def _parse_example_spec(self):
        config = dict(self.categorical_column._parse_example_spec)
        if self.weight_feature_key in config:
            raise ValueError(f"Parse config {config[self.weight_feature_key]} already "
                             f"exists for {self.weight_feature_key}.")
        config[self.weight_feature_key] = VarLenFeature(self.dtype)
        return config

    _num_buckets = property(lambda self: self.categorical_column._num_buckets)

    def _transform_feature(self, inputs):
        w = inputs.get(self.weight_feature_key)
        if w is None:
            raise ValueError(f"Missing weights {self.weight_feature_key}.")
        w = base.to_tensor_or_sparse(w)
        if self.dtype != w.dtype.base_dtype:
            raise ValueError(f"Bad dtype, expected {self.dtype}, but got {w.dtype}.")
        if not isinstance(w, SparseTensor):
            w = base.to_sparse_input_and_drop_ignore_values(w, ignore_value=0.0)
        if not w.dtype.is_floating:
            w = SparseTensor(w.indices, math_ops.cast(w.values, dtypes.float32),
                             w.dense_shape)
        return inputs.get(self.categorical_column), w

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        ids, weights = inputs.get(self)
        return base.IdWeightPair(ids, weights)


def weighted_categorical_column(categorical_column, weight_feature_key,
                                dtype=dtypes.float32):
    """`categorical_column`'s ids weighted by feature `weight_feature_key` (same indices):
    linear_model multiplies, embeddings combine by weight."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if dtype is None or not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype {dtype} is not convertible to float.")
    return WeightedCategoricalColumn(categorical_column=categorical_column,
                                     weight_feature_key=weight_feature_key, dtype=dtype)
