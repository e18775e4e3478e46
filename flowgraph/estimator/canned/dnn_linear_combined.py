"""`DNNLinearCombinedClassifier` and `DNNLinearCombinedRegressor` (wide & deep, the
`tf.compat.v1.estimator` versions): the sum of a DNN's logits (`dnn/...`, Adagrad,
learning rate 0.001) and a linear model's (`linear/...`, FTRL, learning rate
min(0.005, 1/sqrt(#linear columns))), each part trained by its own optimizer."""
import math

from flowgraph.estimator import estimator
from flowgraph.estimator.canned import dnn, head as head_lib, linear, optimizers
from flowgraph.framework import graph
from flowgraph.framework.graph import GraphKeys, control_dependencies
from flowgraph.ops import core, nn_ops, partitioned_variables, state_ops
from flowgraph.ops import variable_scope as vs
from flowgraph.train import training_util

__all__ = ["DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"]

_DNN_LEARNING_RATE = 0.001
_LINEAR_LEARNING_RATE = 0.005


def _linear_learning_rate(num_linear_feature_columns):
    return min(_LINEAR_LEARNING_RATE, 1. / math.sqrt(num_linear_feature_columns))


def _validate_feature_columns(linear_feature_columns, dnn_feature_columns):
    linear_feature_columns = list(linear_feature_columns or [])
    dnn_feature_columns = list(dnn_feature_columns or [])
    if not linear_feature_columns + dnn_feature_columns:
        raise ValueError("Either linear_feature_columns or dnn_feature_columns must be "
                         "defined.")
    return linear_feature_columns + dnn_feature_columns


def _dnn_linear_combined_model_fn(features, labels, mode, head, linear_feature_columns=None,
                                  linear_optimizer="Ftrl", dnn_feature_columns=None,
                                  dnn_optimizer="Adagrad", dnn_hidden_units=None,
                                  dnn_activation_fn=nn_ops.relu, dnn_dropout=None,
                                  input_layer_partitioner=None, config=None,
                                  batch_norm=False, linear_sparse_combiner="sum"):
    """The v1 wide & deep model_fn: `dnn` and `linear` logits summed, one train op that
    runs both optimizers, then steps the global step."""
    if not isinstance(features, dict):
        raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: "
                         f"{type(features)}")
    if not linear_feature_columns and not dnn_feature_columns:
        raise ValueError("Either linear_feature_columns or dnn_feature_columns must be "
                         "defined.")
    replicas = config.num_ps_replicas if config else 0
    input_layer_partitioner = input_layer_partitioner or \
        partitioned_variables.min_max_variable_partitioner(max_partitions=replicas,
                                                           min_slice_size=64 << 20)
    dnn_logits = linear_logits = None
    if dnn_feature_columns:
        dnn_optimizer = optimizers.get_optimizer_instance(dnn_optimizer,
                                                          learning_rate=_DNN_LEARNING_RATE)
        if not dnn_hidden_units:
            raise ValueError("dnn_hidden_units must be defined when dnn_feature_columns is "
                             "specified.")
        with vs.variable_scope(
                "dnn", values=tuple(features.values()),
                partitioner=partitioned_variables.min_max_variable_partitioner(
                    max_partitions=replicas)) as scope:
            dnn_scope = scope.name
            dnn_logits = dnn.dnn_logits(features, mode, head.logits_dimension,
                                        dnn_hidden_units, dnn_feature_columns,
                                        dnn_activation_fn, dnn_dropout,
                                        input_layer_partitioner, batch_norm)
    if linear_feature_columns:
        linear_optimizer = optimizers.get_optimizer_instance(
            linear_optimizer,
            learning_rate=_linear_learning_rate(len(linear_feature_columns)))
        with vs.variable_scope("linear", values=tuple(features.values()),
                               partitioner=input_layer_partitioner) as scope:
            linear_scope = scope.name
            linear_logits = linear.linear_logits(features, head.logits_dimension,
                                                 linear_feature_columns,
                                                 linear_sparse_combiner)
            dnn._add_hidden_layer_summary(linear_logits, scope.name)
    if dnn_logits is not None and linear_logits is not None:
        logits = dnn_logits + linear_logits
    else:
        logits = dnn_logits if dnn_logits is not None else linear_logits

    def _train_op_fn(loss):
        train_ops = []
        global_step = training_util.get_global_step()
        if dnn_logits is not None:
            train_ops.append(dnn_optimizer.minimize(
                loss, var_list=graph.get_collection(GraphKeys.TRAINABLE_VARIABLES,
                                                    scope=dnn_scope)))
        if linear_logits is not None:
            train_ops.append(linear_optimizer.minimize(
                loss, var_list=graph.get_collection(GraphKeys.TRAINABLE_VARIABLES,
                                                    scope=linear_scope)))
        train_op = core.group(*train_ops)
        with control_dependencies([train_op]):
            return state_ops.assign_add(global_step, 1).op

    return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                      train_op_fn=_train_op_fn, logits=logits)


class _CombinedEstimator(estimator.Estimator):
    def __init__(self, head, model_dir, linear_feature_columns, linear_optimizer,
                 dnn_feature_columns, dnn_optimizer, dnn_hidden_units, dnn_activation_fn,
                 dnn_dropout, input_layer_partitioner, config, warm_start_from, batch_norm,
                 linear_sparse_combiner):
        self._feature_columns = _validate_feature_columns(linear_feature_columns,
                                                          dnn_feature_columns)

        def _model_fn(features, labels, mode, config):
            return _dnn_linear_combined_model_fn(
                features, labels, mode, head, linear_feature_columns, linear_optimizer,
                dnn_feature_columns, dnn_optimizer, dnn_hidden_units, dnn_activation_fn,
                dnn_dropout, input_layer_partitioner, config, batch_norm,
                linear_sparse_combiner)
        super().__init__(model_fn=_model_fn, model_dir=model_dir, config=config,
                         warm_start_from=warm_start_from)


class DNNLinearCombinedClassifier(_CombinedEstimator):
    """Wide & deep classification (binary for `n_classes=2`, else multi-class)."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=nn_ops.relu, dnn_dropout=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None, loss_reduction=head_lib.Reduction.SUM,
                 batch_norm=False, linear_sparse_combiner="sum"):
        head = head_lib._binary_logistic_or_multi_class_head(
            n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer,
                         dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                         dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                         warm_start_from, batch_norm, linear_sparse_combiner)


class DNNLinearCombinedRegressor(_CombinedEstimator):
    """Wide & deep regression."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=nn_ops.relu, dnn_dropout=None, label_dimension=1,
                 weight_column=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=head_lib.Reduction.SUM,
                 batch_norm=False, linear_sparse_combiner="sum"):
        head = head_lib._regression_head(label_dimension=label_dimension,
                                         weight_column=weight_column,
                                         loss_reduction=loss_reduction)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer,
                         dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                         dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                         warm_start_from, batch_norm, linear_sparse_combiner)
