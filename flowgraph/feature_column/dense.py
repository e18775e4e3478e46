"""Dense views of categorical columns: `indicator_column` (multi-hot, or the weights of a
weighted column), `embedding_column` (a combined lookup in `embedding_weights`) and
`shared_embedding_columns` (several columns sharing one embedding variable)."""
import collections
import math

from flowgraph.framework import dtypes, graph_keys, tensor_shape
from flowgraph.framework.graph import add_to_collection, get_collection, name_scope
from flowgraph.ops import gather_ops, init_ops, reduction_ops, sparse_math_ops, \
    sparse_segment_ops, sparse_to_dense_ops, variable_scope as vs
from flowgraph.feature_column import base

__all__ = ["indicator_column", "embedding_column", "shared_embedding_columns"]
_GLOBAL = graph_keys.GraphKeys.GLOBAL_VARIABLES


class IndicatorColumn(base._DenseColumn, collections.namedtuple(
        "IndicatorColumn", ("categorical_column",))):
    """See `indicator_column`."""

    name = property(lambda self: f"{self.categorical_column.name}_indicator")

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    @property
    def _variable_shape(self):
        return tensor_shape.TensorShape([1, self.categorical_column._num_buckets])

    def _transform_feature(self, inputs):
        pair = self.categorical_column._get_sparse_tensors(inputs)
        size = self._variable_shape[-1]
        size = int(size.value if hasattr(size, "value") else size)
        if pair.weight_tensor is not None:  # the weights, summed over repeated ids
            merged = sparse_segment_ops.sparse_merge(sp_ids=pair.id_tensor,
                                                     sp_values=pair.weight_tensor,
                                                     vocab_size=size)
            merged = sparse_math_ops.sparse_slice(merged, [0, 0], merged.dense_shape)
            return gather_ops.scatter_nd(merged.indices, merged.values, merged.dense_shape)
        dense = sparse_to_dense_ops.sparse_tensor_to_dense(pair.id_tensor, default_value=-1)
        one_hot = gather_ops.one_hot(dense, depth=size, on_value=1.0, off_value=0.0)
        return reduction_ops.reduce_sum(one_hot, axis=[-2])

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        _refuse_sequence("indicator_column", self)
        return inputs.get(self)


def _refuse_sequence(what, column):
    from flowgraph.feature_column.sequence import SequenceCategoricalColumn
    c = column.categorical_column
    if isinstance(c, SequenceCategoricalColumn):
        raise ValueError(
            f"In {what}: {column.name}. categorical_column must not be of type "
            "_SequenceCategoricalColumn. Suggested fix A: If you wish to use DenseFeatures, "
            "use a non-sequence categorical_column_with_*. Suggested fix B: If you wish to "
            "create sequence input, use SequenceFeatures instead of DenseFeatures. Given "
            f"(type {type(c)}): {c}")


def indicator_column(categorical_column):
    """`categorical_column` as a dense multi-hot [batch, num_buckets] tensor (weights in
    place of ones for a weighted column)."""
    if not isinstance(categorical_column, base._CategoricalColumn):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. "
                         f"Given: {categorical_column}")
    return IndicatorColumn(categorical_column)


def _lookup(weights, pair, column):
    return sparse_segment_ops.safe_embedding_lookup_sparse(
        weights, pair.id_tensor, pair.weight_tensor, combiner=column.combiner,
        name=f"{column.name}_weights", max_norm=column.max_norm)


def _restore(column, var):
    if column.ckpt_to_load_from is not None:
        from flowgraph.train import checkpoint_utils
        checkpoint_utils.init_from_checkpoint(column.ckpt_to_load_from,
                                              {column.tensor_name_in_ckpt: var})


class _EmbeddingOf:
    """What an embedding column takes from its `categorical_column` and `dimension`."""

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    def _transform_feature(self, inputs):
        return inputs.get(self.categorical_column)

    @property
    def _variable_shape(self):
        return tensor_shape.TensorShape([self.dimension])


class EmbeddingColumn(_EmbeddingOf, base._DenseColumn, collections.namedtuple(
        "EmbeddingColumn",
        ("categorical_column", "dimension", "combiner", "initializer", "ckpt_to_load_from",
         "tensor_name_in_ckpt", "max_norm", "trainable", "use_safe_embedding_lookup"))):
    """See `embedding_column`."""

    name = property(lambda self: f"{self.categorical_column.name}_embedding")

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        _refuse_sequence("embedding_column", self)
        pair = self.categorical_column._get_sparse_tensors(inputs, weight_collections,
                                                           trainable)
        if weight_collections and _GLOBAL not in weight_collections:
            weight_collections.append(_GLOBAL)
        var = vs.get_variable("embedding_weights",
                              shape=(self.categorical_column._num_buckets, self.dimension),
                              dtype=dtypes.float32, initializer=self.initializer,
                              trainable=self.trainable and trainable,
                              collections=weight_collections)
        _restore(self, var)
        return _lookup(var, pair, self)


def _check_embedding_args(dimension, combiner, initializer, ckpt_to_load_from,
                          tensor_name_in_ckpt, what):
    if dimension is None or dimension < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` "
                         "or none of them.")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"initializer must be callable if specified.{what}")
    if initializer is None:
        initializer = init_ops.truncated_normal_initializer(mean=0.0,
                                                            stddev=1 / math.sqrt(dimension))
    return initializer


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None,
                     ckpt_to_load_from=None, tensor_name_in_ckpt=None, max_norm=None,
                     trainable=True, use_safe_embedding_lookup=True):
    """`categorical_column`'s ids as the `combiner` ("mean", "sqrtn" or "sum") of rows of
    a [num_buckets, dimension] `embedding_weights` variable (truncated normal with
    stddev 1/sqrt(dimension) unless `initializer` is given)."""
    initializer = _check_embedding_args(
        dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
        f" Embedding of column_name: {categorical_column.name}")
    return EmbeddingColumn(categorical_column=categorical_column, dimension=dimension,
                           combiner=combiner, initializer=initializer,
                           ckpt_to_load_from=ckpt_to_load_from,
                           tensor_name_in_ckpt=tensor_name_in_ckpt, max_norm=max_norm,
                           trainable=trainable,
                           use_safe_embedding_lookup=use_safe_embedding_lookup)


class _SharedEmbeddingColumn(_EmbeddingOf, base._DenseColumn, collections.namedtuple(
        "_SharedEmbeddingColumn",
        ("categorical_column", "dimension", "combiner", "initializer",
         "shared_embedding_collection_name", "ckpt_to_load_from", "tensor_name_in_ckpt",
         "max_norm", "trainable", "use_safe_embedding_lookup"))):
    """See `shared_embedding_columns`."""

    name = property(lambda self: f"{self.categorical_column.name}_shared_embedding")
    _var_scope_name = property(lambda self: self.shared_embedding_collection_name)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        with name_scope(None, default_name=self.name):
            pair = self.categorical_column._get_sparse_tensors(inputs, weight_collections,
                                                               trainable)
            shape = (self.categorical_column._num_buckets, self.dimension)
            shared = get_collection(self.shared_embedding_collection_name)
            if shared:
                if len(shared) > 1:
                    raise ValueError(
                        f"Collection {shared} can only contain one variable. Suggested fix "
                        "A: Choose a unique name for this collection. Suggested fix B: Do "
                        "not add any variables to this collection. The feature_column "
                        "library already adds a variable under the hood.")
                var = shared[0]
                if var.get_shape() != shape:
                    raise ValueError(
                        f"Shared embedding collection {self.shared_embedding_collection_name}"
                        f" contains variable {var.name} of unexpected shape "
                        f"{var.get_shape()}. Expected shape is {shape}. Suggested fix A: "
                        "Choose a unique name for this collection. Suggested fix B: Do not "
                        "add any variables to this collection. The feature_column library "
                        "already adds a variable under the hood.")
            else:
                var = vs.get_variable("embedding_weights", shape=shape, dtype=dtypes.float32,
                                      initializer=self.initializer,
                                      trainable=self.trainable and trainable,
                                      collections=weight_collections)
                add_to_collection(self.shared_embedding_collection_name, var)
            _restore(self, var)
            return _lookup(var, pair, self)


def _unweighted(c):
    from flowgraph.feature_column.categorical import WeightedCategoricalColumn
    while isinstance(c, WeightedCategoricalColumn):
        c = c.categorical_column
    return c


def shared_embedding_columns(categorical_columns, dimension, combiner="mean",
                             initializer=None, shared_embedding_collection_name=None,
                             ckpt_to_load_from=None, tensor_name_in_ckpt=None,
                             max_norm=None, trainable=True, use_safe_embedding_lookup=True):
    """Embedding columns of `categorical_columns` (same type and number of buckets) that
    share one `embedding_weights` variable, found through the graph collection
    `shared_embedding_collection_name` (default: the sorted names joined by "_" +
    "_shared_embedding")."""
    initializer = _check_embedding_args(dimension, combiner, initializer, ckpt_to_load_from,
                                        tensor_name_in_ckpt, "")
    sorted_columns = sorted(categorical_columns, key=lambda x: x.name)
    c0 = sorted_columns[0]
    if not isinstance(c0, base._CategoricalColumn):
        raise ValueError(f"All categorical_columns must be subclasses of _CategoricalColumn."
                         f" Given: {c0}, of type: {type(c0)}")
    num_buckets = c0._num_buckets
    c0 = _unweighted(c0)
    for c in sorted_columns[1:]:
        c = _unweighted(c)
        if not isinstance(c, type(c0)):
            raise ValueError(
                "To use shared_embedding_column, all categorical_columns must have the "
                "same type, or be weighted_categorical_column or sequence column of the "
                f"same type. Given column: {c0} of type: {type(c0)} does not match given "
                f"column: {c} of type: {type(c)}")
        if num_buckets != c._num_buckets:
            raise ValueError(
                "To use shared_embedding_column, all categorical_columns must have the "
                f"same number of buckets. ven column: {c0} with buckets: {num_buckets} "
                f"does  not match column: {c} with buckets: {c._num_buckets}")
    if not shared_embedding_collection_name:
        shared_embedding_collection_name = "_".join(c.name for c in sorted_columns)
        shared_embedding_collection_name += "_shared_embedding"
    return [_SharedEmbeddingColumn(
        categorical_column=c, dimension=dimension, combiner=combiner,
        initializer=initializer,
        shared_embedding_collection_name=shared_embedding_collection_name,
        ckpt_to_load_from=ckpt_to_load_from, tensor_name_in_ckpt=tensor_name_in_ckpt,
        max_norm=max_norm, trainable=trainable,
        use_safe_embedding_lookup=use_safe_embedding_lookup) for c in categorical_columns]
