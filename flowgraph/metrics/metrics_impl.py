"""`tf.metrics` (TF1): streaming metrics.

Each metric returns `(value, update_op)`. Its state lives in local variables (collections
LOCAL_VARIABLES and METRIC_VARIABLES, named as TF names them: `accuracy/total`,
`accuracy/count`, `precision/true_positives/count`, `auc/true_positives`), so run
`tf.local_variables_initializer()` first (and again to reset). Running `update_op`
accumulates a batch and returns the updated value; `value` reads the current one."""
from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, control_dependencies, get_default_graph
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.losses import util
from flowgraph.ops import (array_ops, control_flow_ops, core, creation_ops, math_ops, reduction_ops,
                           state_ops, unary_ops, variable_scope as vs)

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "true_positives",
           "false_positives", "true_negatives", "false_negatives", "mean_absolute_error",
           "mean_squared_error", "root_mean_squared_error", "metric_variable"]


def metric_variable(shape, dtype, validate_shape=True, name=None):
    """A zero-initialized, non-trainable variable in LOCAL_VARIABLES and
    METRIC_VARIABLES (where metrics keep their state)."""
    from flowgraph.ops.variables import Variable
    return Variable(lambda: creation_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _add_to(collections, value):
    if collections:
        get_default_graph().add_to_collections(collections, value)


def _remove_squeezable_dimensions(predictions, labels, weights):
    """predictions/labels with a squeezable last dimension removed; weights squeezed or
    expanded to the rank of predictions."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels, predictions = util.remove_squeezable_dimensions(labels, predictions)
        predictions.shape.assert_is_compatible_with(labels.shape)
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    wr = weights.shape.ndims
    if wr == 0:
        return predictions, labels, weights
    pr = predictions.shape.ndims
    if pr is not None and wr is not None:
        if wr - pr == 1:
            weights = array_ops.squeeze(weights, [-1])
        elif pr - wr == 1:
            weights = array_ops.expand_dims(weights, [-1])
        return predictions, labels, weights
    w = weights
    rank_diff = array_ops.rank(w) - array_ops.rank(predictions)

    def maybe_expand():
        return control_flow_ops.cond(math_ops.equal(rank_diff, -1),
                                     lambda: array_ops.expand_dims(w, [-1]), lambda: w)
    if wr is not None and not weights.shape.dims[-1].is_compatible_with(1):
        def maybe_squeeze():
            return w
    else:
        def maybe_squeeze():
            return array_ops.squeeze(w, [-1])
    weights = control_flow_ops.cond(math_ops.equal(array_ops.rank(w), 0), lambda: w,
                                    lambda: control_flow_ops.cond(math_ops.equal(rank_diff, 1),
                                                                  maybe_squeeze, maybe_expand))
    return predictions, labels, weights


def _check_collections(*cols):
    for c in cols:
        if c is not None and not isinstance(c, (list, tuple)):
            raise ValueError(f"metrics_collections and updates_collections must be lists or "
                             f"tuples, got {c!r}")


def mean(values, weights=None, metrics_collections=None, updates_collections=None,
         name=None):
    """The (weighted) mean of `values` over all batches: variables `total` and `count`;
    the value is `total / count` (0 when count is 0)."""
    _check_collections(metrics_collections, updates_collections)
    with vs.variable_scope(name, "mean", [values, weights]):
        values = unary_ops.cast(values, dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = unary_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = util.broadcast_weights(unary_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = reduction_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, reduction_ops.reduce_sum(values))
        # TF orders the count update after `values`. (No such edge from a placeholder:
        # flowgraph runs a fed placeholder named as a control input, and fails.)
        deps = [] if values.op.type in ("Placeholder", "PlaceholderWithDefault") else [values]
        with control_dependencies(deps):
            update_count = state_ops.assign_add(count, num_values)
        value = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name="value")
        _add_to(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0),
                                        name="update_op")
        _add_to(updates_collections, update_op)
        return value, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """How often `predictions` equals `labels` (weighted): the mean of the matches over
    all batches, kept in `accuracy/total` and `accuracy/count`."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    predictions.shape.assert_is_compatible_with(labels.shape)
    if labels.dtype != predictions.dtype:
        predictions = unary_ops.cast(predictions, labels.dtype)
    is_correct = unary_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections,
                name or "accuracy")


def _count_condition(values, weights=None, metrics_collections=None,
                     updates_collections=None):
    """Sums the weights of the true entries of the bool tensor `values` (variable
    `count`)."""
    if values.dtype.base_dtype != dtypes.bool:
        raise TypeError(f"values must be a bool tensor, got {values.dtype.name}")
    count = metric_variable([], dtypes.float32, name="count")
    values = unary_ops.cast(values, dtypes.float32)
    if weights is not None:
        weights = unary_ops.cast(weights, dtypes.float32)
        if weights.shape.ndims not in (None, 0, values.shape.ndims):
            raise ValueError(f"weights must have rank 0 or the rank of values "
                             f"({values.shape.ndims}), got {weights.shape.ndims}")
        values = math_ops.multiply(values, weights)
    value = core.identity(count)
    _add_to(metrics_collections, value)
    update_op = state_ops.assign_add(count, reduction_ops.reduce_sum(values))
    _add_to(updates_collections, update_op)
    return value, update_op


def _bool_pair(predictions, labels, weights):
    return _remove_squeezable_dimensions(unary_ops.cast(predictions, dtypes.bool),
                                         unary_ops.cast(labels, dtypes.bool), weights)


def _condition_metric(default_name, label_value, prediction_value):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        _check_collections(metrics_collections, updates_collections)
        with vs.variable_scope(name, default_name, [predictions, labels, weights]):
            predictions, labels, weights = _bool_pair(predictions, labels, weights)
            hit = math_ops.logical_and(math_ops.equal(labels, label_value),
                                       math_ops.equal(predictions, prediction_value))
            return _count_condition(hit, weights, metrics_collections, updates_collections)
    metric.__name__ = default_name
    what = {(True, True): "true positives", (False, True): "false positives",
            (True, False): "false negatives", (False, False): "true negatives"}
    metric.__doc__ = (f"The (weighted) number of {what[(label_value, prediction_value)]} "
                      f"over all batches (variable `{default_name}/count`); labels and "
                      "predictions are cast to bool.")
    return metric


true_positives = _condition_metric("true_positives", True, True)
false_positives = _condition_metric("false_positives", False, True)
false_negatives = _condition_metric("false_negatives", True, False)
true_negatives = _condition_metric("true_negatives", False, False)


def _ratio_metric(default_name, other, doc):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        _check_collections(metrics_collections, updates_collections)
        with vs.variable_scope(name, default_name, [predictions, labels, weights]):
            predictions, labels, weights = _bool_pair(predictions, labels, weights)
            tp, tp_up = true_positives(labels, predictions, weights)
            ot, ot_up = other(labels, predictions, weights)

            def ratio(a, b, name):
                return reduction_ops.where(math_ops.greater(a + b, 0), math_ops.divide(a, a + b), 0,
                                           name)
            value = ratio(tp, ot, "value")
            _add_to(metrics_collections, value)
            update_op = ratio(tp_up, ot_up, "update_op")
            _add_to(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default_name
    metric.__doc__ = doc
    return metric


precision = _ratio_metric(
    "precision", false_positives,
    "`true_positives / (true_positives + false_positives)` over all batches (0 when "
    "nothing was predicted positive); labels and predictions are cast to bool.")
recall = _ratio_metric(
    "recall", false_negatives,
    "`true_positives / (true_positives + false_negatives)` over all batches (0 when "
    "there was no positive label); labels and predictions are cast to bool.")


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """Area under the ROC (or PR) curve, from true/false positive/negative counts at
    `num_thresholds` thresholds spread over [0, 1] (predictions must lie in [0, 1]);
    Riemann sums by `summation_method` ('trapezoidal', 'minoring', 'majoring',
    'careful_interpolation')."""
    _check_collections(metrics_collections, updates_collections)
    with vs.variable_scope(name, "auc", [labels, predictions, weights]):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"Curve must be either ROC or PR. Curve {curve} is unknown.")
        kepsilon = 1e-7
        if thresholds is not None:
            thresholds = sorted(thresholds)
            num_thresholds = len(thresholds) + 2
        else:
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
        thresholds = [0.0 - kepsilon] + list(thresholds) + [1.0 + kepsilon]
        from flowgraph.metrics.threshold_metrics import confusion_matrix_at_thresholds
        values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds,
                                                         weights)
        epsilon = 1.0e-6
        k = num_thresholds - 1

        def interpolate_pr_auc(tp, fp, fn):
            dtp = tp[:k] - tp[1:]
            p = tp + fp
            slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[:k] - p[1:], 0), name="prec_slope")
            intercept = tp[1:] - math_ops.multiply(slope, p[1:])
            ratio = reduction_ops.where(math_ops.logical_and(p[:k] > 0, p[1:] > 0),
                                        math_ops.div_no_nan(p[:k], math_ops.maximum(p[1:], 0),
                                                            name="recall_relative_ratio"),
                                        creation_ops.ones_like(p[1:]))
            increment = math_ops.div_no_nan(slope * (dtp + intercept * unary_ops.log(ratio)),
                                            math_ops.maximum(tp[1:] + fn[1:], 0),
                                            name="pr_auc_increment")
            return reduction_ops.reduce_sum(increment, name="interpolate_pr_auc")

        def compute(tp, fn, tn, fp, name):
            if curve == "PR" and summation_method == "careful_interpolation":
                return interpolate_pr_auc(tp, fp, fn)
            rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.divide(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
            if summation_method in ("trapezoidal", "careful_interpolation"):
                return reduction_ops.reduce_sum(math_ops.multiply(x[:k] - x[1:],
                                                                  (y[:k] + y[1:]) / 2.), name=name)
            if summation_method == "minoring":
                return reduction_ops.reduce_sum(math_ops.multiply(x[:k] - x[1:],
                                                                  math_ops.minimum(y[:k], y[1:])),
                                                name=name)
            if summation_method == "majoring":
                return reduction_ops.reduce_sum(math_ops.multiply(x[:k] - x[1:],
                                                                  math_ops.maximum(y[:k], y[1:])),
                                                name=name)
            raise ValueError(f"Invalid summation_method: {summation_method} "
                             "summation_method should be 'trapezoidal', "
                             "'careful_interpolation', 'minoring', or 'majoring'.")
        value = compute(values["tp"], values["fn"], values["tn"], values["fp"], "value")
        _add_to(metrics_collections, value)
        update_op = compute(updates["tp"], updates["fn"], updates["tn"], updates["fp"],
                            "update_op")
        _add_to(updates_collections, update_op)
        return value, update_op


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The (weighted) mean of `|predictions - labels|` over all batches."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    errors = unary_ops.abs(predictions - labels)
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """The (weighted) mean of `(predictions - labels) ** 2` over all batches."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    errors = math_ops.squared_difference(predictions, labels)
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of the streaming mean squared error."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None,
                                         name or "root_mean_squared_error")
    rmse = unary_ops.sqrt(mse)
    _add_to(metrics_collections, rmse)
    update_op = unary_ops.sqrt(update_mse)
    _add_to(updates_collections, update_op)
    return rmse, update_op
