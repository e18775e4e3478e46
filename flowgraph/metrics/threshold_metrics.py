"""`tf.metrics` counted at thresholds: true/false positives/negatives at each threshold,
precision and recall at thresholds, sensitivity at a specificity and specificity at a
sensitivity. Predictions must lie in [0, 1]; a prediction is positive at a threshold
when it is above it. The counts live in float32 local variables of shape
`[num_thresholds]` named `true_positives`, `false_negatives`, `true_negatives`,
`false_positives` under the metric's scope."""
from flowgraph.losses import util
from flowgraph.metrics.metrics_impl import (_add_to, _check_collections,
                                            _remove_squeezable_dimensions, metric_variable)
from flowgraph.framework import dtypes, graph, op_builder
from flowgraph.ops import (array_ops, core, debug_ops, join_ops, manip_ops, math_ops, reduction_ops,
                           state_ops, unary_ops, variable_scope as vs)

__all__ = ["true_positives_at_thresholds", "false_positives_at_thresholds",
           "true_negatives_at_thresholds", "false_negatives_at_thresholds",
           "precision_at_thresholds", "recall_at_thresholds", "sensitivity_at_specificity",
           "specificity_at_sensitivity"]

_ALL = ("tp", "fn", "tn", "fp")
_VAR_NAMES = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives",
              "fp": "false_positives"}


def confusion_matrix_at_thresholds(labels, predictions, thresholds, weights=None,
                                   includes=None):
    """({key: variable}, {key: update op}) for the counts named in `includes` (a subset
    of 'tp', 'fn', 'tn', 'fp'; all by default) at each of `thresholds`. Checks at run
    time that predictions lie in [0, 1]."""
    includes = _ALL if includes is None else includes
    for key in includes:
        if key not in _ALL:
            raise ValueError(f"Invalid key: {key}")
    predictions = op_builder.convert_to_tensor(predictions)
    checks = [debug_ops.assert_greater_equal(predictions, unary_ops.cast(0.0, predictions.dtype),
                                             message="predictions must be in [0, 1]"),
              debug_ops.assert_less_equal(predictions, unary_ops.cast(1.0, predictions.dtype),
                                          message="predictions must be in [0, 1]")]
    with graph.control_dependencies(checks):
        predictions, labels, weights = _remove_squeezable_dimensions(unary_ops.cast(predictions,
                                                                                    dtypes.float32),
                                                                     unary_ops.cast(labels,
                                                                                    dtypes.bool),
                                                                     weights)
    n = len(thresholds)
    preds_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(unary_ops.cast(labels, dtypes.bool), [1, -1])
    num = preds_2d.shape.as_list()[0]
    if num is None:
        num = array_ops.shape(preds_2d)[0]
    thresh = manip_ops.tile(array_ops.expand_dims(op_builder.constant(thresholds,
                                                                      dtype=dtypes.float32), [1]),
                            join_ops.stack([1, num]))
    pred_pos = math_ops.greater(manip_ops.tile(array_ops.transpose(preds_2d), [n, 1]), thresh)
    pred_neg = label_neg = None
    if "fn" in includes or "tn" in includes:
        pred_neg = math_ops.logical_not(pred_pos)
    label_pos = manip_ops.tile(labels_2d, [n, 1])
    if "fp" in includes or "tn" in includes:
        label_neg = math_ops.logical_not(label_pos)
    w = None
    if weights is not None:
        w = util.broadcast_weights(unary_ops.cast(weights, dtypes.float32), predictions)
        w = manip_ops.tile(array_ops.reshape(w, [1, -1]), [n, 1])
        thresh.shape.assert_is_compatible_with(w.shape)
    values, updates = {}, {}
    for key in _ALL:
        if key not in includes:
            continue
        a, b = {"tp": (label_pos, pred_pos), "fn": (label_pos, pred_neg),
                "tn": (label_neg, pred_neg), "fp": (label_neg, pred_pos)}[key]
        var = metric_variable([n], dtypes.float32, name=_VAR_NAMES[key])
        hit = unary_ops.cast(math_ops.logical_and(a, b), dtypes.float32)
        if w is not None:
            hit = hit * w
        updates[key] = state_ops.assign_add(var, reduction_ops.reduce_sum(hit, 1))
        values[key] = var
    return values, updates


def _count_at_thresholds(key):
    default = _VAR_NAMES[key]

    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        _check_collections(metrics_collections, updates_collections)
        with vs.variable_scope(name, default, [predictions, labels, weights]):
            values, updates = confusion_matrix_at_thresholds(
                labels, predictions, thresholds, weights=weights, includes=(key,))
            value = core.identity(values[key])
            _add_to(metrics_collections, value)
            _add_to(updates_collections, updates[key])
            return value, updates[key]
    metric.__name__ = f"{default}_at_thresholds"
    metric.__doc__ = (f"The (weighted) number of {default.replace('_', ' ')} at each "
                      f"threshold (a float32 vector, variable `{default}/{default}`).")
    return metric


true_positives_at_thresholds = _count_at_thresholds("tp")
false_positives_at_thresholds = _count_at_thresholds("fp")
true_negatives_at_thresholds = _count_at_thresholds("tn")
false_negatives_at_thresholds = _count_at_thresholds("fn")


def _ratio_at_thresholds(default, other, what):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        _check_collections(metrics_collections, updates_collections)
        with vs.variable_scope(name, default, [predictions, labels, weights]):
            values, updates = confusion_matrix_at_thresholds(
                labels, predictions, thresholds, weights, includes=("tp", other))

            def ratio(tp, ot, suffix):
                return math_ops.divide(tp, 1e-7 + tp + ot, name=f"{what}_{suffix}")
            value = ratio(values["tp"], values[other], "value")
            _add_to(metrics_collections, value)
            update_op = ratio(updates["tp"], updates[other], "update_op")
            _add_to(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default
    return metric


precision_at_thresholds = _ratio_at_thresholds("precision_at_thresholds", "fp", "precision")
precision_at_thresholds.__doc__ = (
    "`tp / (tp + fp + 1e-7)` at each threshold over all batches (variables "
    "`true_positives` and `false_positives`).")
recall_at_thresholds = _ratio_at_thresholds("recall_at_thresholds", "fn", "recall")
recall_at_thresholds.__doc__ = (
    "`tp / (tp + fn + 1e-7)` at each threshold over all batches (variables "
    "`true_positives` and `false_negatives`).")


def _uniform_thresholds(num_thresholds, top):
    k = 1e-7
    return [0.0 - k] + [(i + 1) * 1.0 / (num_thresholds - 1)
                        for i in range(num_thresholds - 2)] + [top]


def sensitivity_at_specificity(labels, predictions, specificity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The sensitivity (recall) at the threshold whose specificity is closest to
    `specificity`, among `num_thresholds` thresholds spread over [0, 1]."""
    _check_collections(metrics_collections, updates_collections)
    if specificity < 0 or specificity > 1:
        raise ValueError(f"`specificity` must be in the range [0, 1]. Currently, "
                         f"`specificity` got {specificity}.")
    with vs.variable_scope(name, "sensitivity_at_specificity",
                           [predictions, labels, weights]):
        kepsilon = 1e-7
        values, updates = confusion_matrix_at_thresholds(
            labels, predictions, _uniform_thresholds(num_thresholds, 1.0 + kepsilon),
            weights)

        def compute(tp, tn, fp, fn, name):
            specs = math_ops.divide(tn, tn + fp + kepsilon)
            idx = unary_ops.cast(reduction_ops.argmin(unary_ops.abs(specs - specificity), 0),
                                 dtypes.int32)
            return math_ops.divide(tp[idx], tp[idx] + fn[idx] + kepsilon, name)
        value = compute(values["tp"], values["tn"], values["fp"], values["fn"], "value")
        _add_to(metrics_collections, value)
        update_op = compute(updates["tp"], updates["tn"], updates["fp"], updates["fn"],
                            "update_op")
        _add_to(updates_collections, update_op)
        return value, update_op


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The specificity at the threshold whose sensitivity is closest to `sensitivity`
    (the last such threshold on ties), among `num_thresholds` thresholds over [0, 1]."""
    _check_collections(metrics_collections, updates_collections)
    if sensitivity < 0 or sensitivity > 1:
        raise ValueError(f"`sensitivity` must be in the range [0, 1]. Currently, "
                         f"`sensitivity` is {sensitivity}.")
    with vs.variable_scope(name, "specificity_at_sensitivity",
                           [predictions, labels, weights]):
        kepsilon = 1e-7
        values, updates = confusion_matrix_at_thresholds(
            labels, predictions, _uniform_thresholds(num_thresholds, 1.0 - kepsilon),
            weights)

        def compute(tp, tn, fp, fn, name):
            sens = math_ops.divide(tp, tp + fn + kepsilon)
            gap = unary_ops.abs(sens - sensitivity)
            at_min = unary_ops.cast(math_ops.equal(gap, reduction_ops.reduce_min(gap)),
                                    dtypes.int64)
            idx = unary_ops.cast(reduction_ops.argmax(reduction_ops.cumsum(at_min), 0),
                                 dtypes.int32)
            return math_ops.divide(tn[idx], tn[idx] + fp[idx] + kepsilon, name)
        value = compute(values["tp"], values["tn"], values["fp"], values["fn"], "value")
        _add_to(metrics_collections, value)
        update_op = compute(updates["tp"], updates["tn"], updates["fp"], updates["fn"],
                            "update_op")
        _add_to(updates_collections, update_op)
        return value, update_op
