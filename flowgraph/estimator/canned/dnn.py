"""`DNNClassifier` and `DNNRegressor` (the `tf.compat.v1.estimator` versions): feature
columns through `input_layer`, ReLU hidden layers `dnn/hiddenlayer_<i>`, a linear
`dnn/logits` layer (Glorot-uniform kernels), and a canned head; Adagrad (learning rate
0.05) by default."""
from flowgraph.estimator import estimator
from flowgraph.estimator.canned import head as head_lib, optimizers
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.feature_column import models as fc_models
from flowgraph.layers import core as core_layers, normalization
from flowgraph.ops import init_ops, nn_impl, nn_ops, partitioned_variables
from flowgraph.ops import variable_scope as vs
from flowgraph.summary import summary

__all__ = ["DNNClassifier", "DNNRegressor"]

_LEARNING_RATE = 0.05


def _add_hidden_layer_summary(value, tag):
    summary.scalar(f"{tag}/fraction_of_zero_values", nn_impl.zero_fraction(value))
    summary.histogram(f"{tag}/activation", value)


def _check_features(features):
    if not isinstance(features, dict):
        raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: "
                         f"{type(features)}")


def dnn_logits(features, mode, units, hidden_units, feature_columns, activation_fn,
               dropout, input_layer_partitioner, batch_norm):
    """The DNN's logits `[batch, units]`, built in the current variable scope (the
    estimators open `dnn`)."""
    if not isinstance(units, int):
        raise ValueError(f"units must be an int.  Given type: {type(units)}")
    training = mode == ModeKeys.TRAIN
    scope_name = vs.get_variable_scope().name
    prefix = f"{scope_name}/" if scope_name else ""
    with vs.variable_scope("input_from_feature_columns",
                           partitioner=input_layer_partitioner):
        net = fc_models.input_layer(features, feature_columns)
    for i, n in enumerate(hidden_units):
        name = f"hiddenlayer_{i}"
        net = core_layers.dense(net, n, activation=activation_fn,
                                kernel_initializer=init_ops.glorot_uniform_initializer(),
                                name=name)
        if dropout is not None and training:
            net = core_layers.dropout(net, rate=dropout, training=True)
        if batch_norm:
            with vs.variable_scope(name):
                net = normalization.batch_normalization(net, momentum=0.999, training=training,
                                                        name=f"batchnorm_{i}")
        _add_hidden_layer_summary(net, prefix + name)
    logits = core_layers.dense(net, units, activation=None,
                               kernel_initializer=init_ops.glorot_uniform_initializer(),
                               name="logits")
    _add_hidden_layer_summary(logits, prefix + "logits")
    return logits


def _dnn_model_fn(features, labels, mode, head, hidden_units, feature_columns,
                  optimizer="Adagrad", activation_fn=nn_ops.relu, dropout=None,
                  input_layer_partitioner=None, config=None, batch_norm=False):
    """The v1 DNN model_fn: logits under `dnn`, then `head.create_estimator_spec`."""
    optimizer = optimizers.get_optimizer_instance(optimizer, learning_rate=_LEARNING_RATE)
    _check_features(features)
    replicas = config.num_ps_replicas if config else 0
    partitioner = partitioned_variables.min_max_variable_partitioner(max_partitions=replicas)
    with vs.variable_scope("dnn", values=tuple(features.values()), partitioner=partitioner):
        input_layer_partitioner = input_layer_partitioner or \
            partitioned_variables.min_max_variable_partitioner(max_partitions=replicas,
                                                               min_slice_size=64 << 20)
        logits = dnn_logits(features, mode, head.logits_dimension, hidden_units,
                            feature_columns, activation_fn, dropout, input_layer_partitioner,
                            batch_norm)
        return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                          optimizer=optimizer, logits=logits)


class _DNNEstimator(estimator.Estimator):
    def __init__(self, head, hidden_units, feature_columns, model_dir, optimizer,
                 activation_fn, dropout, input_layer_partitioner, config, warm_start_from,
                 batch_norm):
        def _model_fn(features, labels, mode, config):
            return _dnn_model_fn(features, labels, mode, head, hidden_units,
                                 tuple(feature_columns or []), optimizer, activation_fn,
                                 dropout, input_layer_partitioner, config, batch_norm)
        super().__init__(model_fn=_model_fn, model_dir=model_dir, config=config,
                         warm_start_from=warm_start_from)


class DNNClassifier(_DNNEstimator):
    """A feed-forward classifier: sigmoid cross entropy for `n_classes=2`, softmax cross
    entropy otherwise, summed over the batch (`loss_reduction=SUM`)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 activation_fn=nn_ops.relu, dropout=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None,
                 loss_reduction=head_lib.Reduction.SUM, batch_norm=False):
        head = head_lib._binary_logistic_or_multi_class_head(
            n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, hidden_units, feature_columns, model_dir, optimizer,
                         activation_fn, dropout, input_layer_partitioner, config,
                         warm_start_from, batch_norm)


class DNNRegressor(_DNNEstimator):
    """A feed-forward regressor: squared error summed over the batch
    (`loss_reduction=SUM`)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1,
                 weight_column=None, optimizer="Adagrad", activation_fn=nn_ops.relu,
                 dropout=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=head_lib.Reduction.SUM,
                 batch_norm=False):
        head = head_lib._regression_head(label_dimension=label_dimension,
                                         weight_column=weight_column,
                                         loss_reduction=loss_reduction)
        super().__init__(head, hidden_units, feature_columns, model_dir, optimizer,
                         activation_fn, dropout, input_layer_partitioner, config,
                         warm_start_from, batch_norm)
