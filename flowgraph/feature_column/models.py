"""The models over feature columns: `input_layer` (the dense columns concatenated),
`linear_model` (a weighted sum with a bias, its variables under `linear_model/`) and
`make_parse_example_spec` (the `tf.parse_example` spec the columns read)."""
from flowgraph.framework import dtypes, graph_keys
from flowgraph.framework.graph import get_collection, name_scope
from flowgraph.ops import array_ops, init_ops, join_ops, math_ops, matmul_ops, nn_ops, sparse_ops, \
    sparse_segment_ops, variable_scope as vs
from flowgraph.feature_column import base

__all__ = ["input_layer", "linear_model", "make_parse_example_spec"]
_GLOBAL, _MODEL = graph_keys.GraphKeys.GLOBAL_VARIABLES, graph_keys.GraphKeys.MODEL_VARIABLES


def _weight_collections(weight_collections):
    out = list(weight_collections or [])
    for key in (_GLOBAL, _MODEL):
        if key not in out:
            out.append(key)
    return out


def _flat_2d(column, tensor):
    """`tensor` as [batch, number of elements of the column's variable shape]."""
    n = column._variable_shape.num_elements()
    return array_ops.reshape(tensor, shape=(array_ops.shape(tensor)[0], n))


def _last(scope_name):
    return scope_name.rsplit("/", 1)[-1]


def input_layer(features, feature_columns, weight_collections=None, trainable=True,
                cols_to_vars=None, cols_to_output_tensors=None):
    """The dense tensors of `feature_columns` (dense columns only: wrap categorical ones in
    `embedding_column` or `indicator_column`), sorted by name, flattened to [batch, n] and
    concatenated along axis 1."""
    feature_columns = base.normalize_feature_columns(feature_columns)
    for column in feature_columns:
        if not isinstance(column, base._DenseColumn):
            raise ValueError("Items of feature_columns must be a _DenseColumn. You can wrap "
                             "a categorical column with an embedding_column or "
                             f"indicator_column. Given: {column}")
    weight_collections = _weight_collections(weight_collections)
    with vs.variable_scope(None, default_name="input_layer",
                           values=list(features.values())):
        builder = base._LazyBuilder(features)
        outputs, ordered = [], []
        for column in sorted(feature_columns, key=lambda c: c.name):
            ordered.append(column)
            with vs.variable_scope(None, default_name=column._var_scope_name):
                tensor = column._get_dense_tensor(builder, weight_collections=weight_collections,
                                                  trainable=trainable)
                out = _flat_2d(column, tensor)
                outputs.append(out)
                if cols_to_vars is not None:
                    cols_to_vars[column] = get_collection(
                        _GLOBAL, scope=vs.get_variable_scope().name)
                if cols_to_output_tensors is not None:
                    cols_to_output_tensors[column] = out
        base.verify_static_batch_size_equality(outputs, ordered)
        return join_ops.concat(outputs, 1)


def _to_2d(sp):
    """The SparseTensor `sp` reshaped to [batch, -1]."""
    return sparse_ops.sparse_reshape(sp, join_ops.stack(
        [array_ops.shape(sp, out_type=dtypes.int64)[0], -1]))


def _categorical_weighted_sum(column, builder, units, sparse_combiner, collections,
                              trainable):
    pair = column._get_sparse_tensors(builder, weight_collections=collections,
                                      trainable=trainable)
    ids = _to_2d(pair.id_tensor)
    weights = None if pair.weight_tensor is None else _to_2d(pair.weight_tensor)
    var = vs.get_variable("weights", shape=(column._num_buckets, units),
                          initializer=init_ops.zeros_initializer(), trainable=trainable,
                          collections=collections)
    return sparse_segment_ops.safe_embedding_lookup_sparse(
        var, ids, sparse_weights=weights, combiner=sparse_combiner, name="weighted_sum")


def _dense_weighted_sum(column, builder, units, collections, trainable):
    tensor = _flat_2d(column, column._get_dense_tensor(
        builder, weight_collections=collections, trainable=trainable))
    var = vs.get_variable("weights", shape=[column._variable_shape.num_elements(), units],
                          initializer=init_ops.zeros_initializer(), trainable=trainable,
                          collections=collections)
    return matmul_ops.matmul(tensor, var, name="weighted_sum")


def linear_model(features, feature_columns, units=1, sparse_combiner="sum",
                 weight_collections=None, trainable=True, cols_to_vars=None):
    """A linear prediction [batch, units] from dense and categorical columns: each column
    gets `linear_model/<column>/weights` (zeros), categorical ids are combined by
    `sparse_combiner` ("sum", "mean" or "sqrtn"), plus `linear_model/bias_weights`."""
    feature_columns = base.normalize_feature_columns(feature_columns)
    collections = _weight_collections(weight_collections)
    with vs.variable_scope(None, "linear_model") as scope:
        model_name = _last(scope.name)
    # Each column's scope name is taken as TF's layers take theirs (uniquified at the
    # outer scope), then re-entered inside the model's scope.
    layers = []
    for column in sorted(feature_columns, key=lambda c: c.name):
        with vs.variable_scope(None, default_name=column._var_scope_name) as scope:
            layers.append((_last(scope.name), column))
    for column in feature_columns:
        if not isinstance(column, (base._DenseColumn, base._CategoricalColumn)):
            raise ValueError("Items of feature_columns must be either a _DenseColumn or "
                             f"_CategoricalColumn. Given: {column}")
    with name_scope(model_name), vs.variable_scope(model_name):
        builder = base._LazyBuilder(features)
        sums, ordered = [], []
        for layer_name, column in sorted(layers, key=lambda x: x[0]):
            ordered.append(column)
            with vs.variable_scope(layer_name) as scope:
                if isinstance(column, base._CategoricalColumn):
                    s = _categorical_weighted_sum(column, builder, units, sparse_combiner,
                                                  collections, trainable)
                else:
                    s = _dense_weighted_sum(column, builder, units, collections, trainable)
                sums.append(s)
                if cols_to_vars is not None:
                    cols_to_vars[column] = get_collection(_GLOBAL, scope=scope.name + "/")
        base.verify_static_batch_size_equality(sums, ordered)
        no_bias = math_ops.add_n(sums, name="weighted_sum_no_bias")
        bias = vs.get_variable("bias_weights", shape=[units],
                               initializer=init_ops.zeros_initializer(),
                               trainable=trainable, collections=collections)
        if cols_to_vars is not None:
            cols_to_vars["bias"] = [bias]
        return nn_ops.bias_add(no_bias, bias, name="weighted_sum")


def make_parse_example_spec(feature_columns):
    """The `tf.parse_example` features dict all `feature_columns` read; ValueError when
    two columns want one key parsed differently."""
    result = {}
    for column in feature_columns:
        if not isinstance(column, base._FeatureColumn):
            raise ValueError(f"All feature_columns must be _FeatureColumn instances. "
                             f"Given: {column}")
        config = column._parse_example_spec
        for key, value in config.items():
            if key in result and value != result[key]:
                raise ValueError(f"feature_columns contain different parse_spec for key "
                                 f"{key}. Given {value} and {result[key]}")
        result.update(config)
    return result
