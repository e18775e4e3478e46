"""`LinearClassifier` and `LinearRegressor` (the `tf.compat.v1.estimator` versions): a
`linear_model` over the feature columns (`linear/linear_model/<column>/weights`,
`linear/linear_model/bias_weights`) and a canned head; FTRL (learning rate 0.2) by
default."""
import math

from flowgraph.estimator import estimator
from flowgraph.estimator.canned import head as head_lib, optimizers
from flowgraph.feature_column import models as fc_models
from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.ops import array_ops, math_ops, nn_impl, partitioned_variables, unary_ops
from flowgraph.ops import variable_scope as vs
from flowgraph.summary import summary
from flowgraph.train import adam

__all__ = ["LinearClassifier", "LinearRegressor"]

_LEARNING_RATE = 0.2


def _get_default_optimizer(feature_columns):
    return adam.FtrlOptimizer(learning_rate=min(_LEARNING_RATE,
                                                1.0 / math.sqrt(len(feature_columns))))


def _expanded(variables):
    """Variables with each PartitionedVariable replaced by its parts."""
    out = []
    for v in variables:
        out.extend(list(v) if isinstance(v, partitioned_variables.PartitionedVariable)
                   else [v])
    return out


def _fraction_of_zero(variables):
    """The fraction of zero entries over all of `variables`."""
    with name_scope("zero_fraction"):
        sized = [(v, v.shape.num_elements()) for v in variables]
        sized = [(v, n) for v, n in sized if n != 0]
        with name_scope("total_size"):
            total = math_ops.add_n([array_ops.size(v, out_type=dtypes.int64)
                                    for v, _ in sized])
        with name_scope("total_zero"):
            zeros = math_ops.add_n([
                nn_impl.zero_fraction(v) *
                unary_ops.cast(array_ops.size(v, out_type=dtypes.int64), dtypes.float32)
                for v, _ in sized])
        with name_scope("compute"):
            return math_ops.div(zeros, unary_ops.cast(total, dtypes.float32),
                                name="zero_fraction_or_nan")


def linear_logits(features, units, feature_columns, sparse_combiner="sum"):
    """The linear model's logits `[batch, units]` in the current variable scope (the
    estimators open `linear`), with its `bias` and `fraction_of_zero_weights`
    summaries."""
    cols_to_vars = {}
    logits = fc_models.linear_model(features, feature_columns, units=units,
                                    sparse_combiner=sparse_combiner,
                                    cols_to_vars=cols_to_vars)
    bias = _expanded(cols_to_vars.pop("bias"))
    variables = _expanded([v for vs_ in cols_to_vars.values() for v in vs_])
    if units > 1:
        summary.histogram("bias", bias[0] if len(bias) == 1 else bias)
    else:
        summary.scalar("bias", bias[0][0])
    summary.scalar("fraction_of_zero_weights", _fraction_of_zero(variables))
    return logits


def _linear_model_fn(features, labels, mode, head, feature_columns, optimizer, partitioner,
                     config, sparse_combiner="sum"):
    """The v1 linear model_fn: logits under `linear`, then `head.create_estimator_spec`."""
    if not isinstance(features, dict):
        raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: "
                         f"{type(features)}")
    replicas = config.num_ps_replicas if config else 0
    partitioner = partitioner or partitioned_variables.min_max_variable_partitioner(
        max_partitions=replicas, min_slice_size=64 << 20)
    with vs.variable_scope("linear", values=tuple(features.values()),
                           partitioner=partitioner):
        logits = linear_logits(features, head.logits_dimension, feature_columns,
                               sparse_combiner)
        optimizer = optimizers.get_optimizer_instance(
            optimizer or _get_default_optimizer(feature_columns),
            learning_rate=_LEARNING_RATE)
        return head.create_estimator_spec(features=features, mode=mode, labels=labels,
                                          optimizer=optimizer, logits=logits)


def _check_sparse_combiner(sparse_combiner):
    if sparse_combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"sparse_combiner must be one of 'mean', 'sqrtn', 'sum'. "
                         f"Given: {sparse_combiner}")


class _LinearEstimator(estimator.Estimator):
    def __init__(self, head, feature_columns, model_dir, optimizer, config, partitioner,
                 warm_start_from, sparse_combiner):
        _check_sparse_combiner(sparse_combiner)
        feature_columns = tuple(feature_columns or [])

        def _model_fn(features, labels, mode, config):
            return _linear_model_fn(features, labels, mode, head, feature_columns, optimizer,
                                    partitioner, config, sparse_combiner)
        super().__init__(model_fn=_model_fn, model_dir=model_dir, config=config,
                         warm_start_from=warm_start_from)


class LinearClassifier(_LinearEstimator):
    """A linear classifier: sigmoid cross entropy for `n_classes=2`, softmax cross entropy
    otherwise, summed over the batch (`loss_reduction=SUM`)."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Ftrl", config=None, partitioner=None,
                 warm_start_from=None, loss_reduction=head_lib.Reduction.SUM,
                 sparse_combiner="sum"):
        head = head_lib._binary_logistic_or_multi_class_head(
            n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, feature_columns, model_dir, optimizer, config, partitioner,
                         warm_start_from, sparse_combiner)


class LinearRegressor(_LinearEstimator):
    """A linear regressor: squared error summed over the batch (`loss_reduction=SUM`)."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None,
                 loss_reduction=head_lib.Reduction.SUM, sparse_combiner="sum"):
        head = head_lib._regression_head(label_dimension=label_dimension,
                                         weight_column=weight_column,
                                         loss_reduction=loss_reduction)
        super().__init__(head, feature_columns, model_dir, optimizer, config, partitioner,
                         warm_start_from, sparse_combiner)
