"""`tf.metrics` counted at thresholds: true/false positives/negatives at each threshold,
precision and recall at thresholds, sensitivity at a specificity and specificity at a
sensitivity. Predictions must lie in [0, 1]; a prediction is positive at a threshold
when it is above it. The counts live in float32 local variables of shape
`[num_thresholds]` named `true_positives`, `false_negatives`, `true_negatives`,
`false_positives` under the metric's scope."""
from flowgraph.framework import dtypes
from flowgraph.losses import util
from flowgraph.metrics.metrics_impl import (_add_to, _check_collections,
                                            _remove_squeezable_dimensions, _tf,
                                            metric_variable)
from flowgraph.ops import variable_scope as vs

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
    tf = _tf()
    includes = _ALL if includes is None else includes
    for key in includes:
        if key not in _ALL:
            raise ValueError(f"Invalid key: {key}")
    predictions = tf.convert_to_tensor(predictions)
    checks = [tf.assert_greater_equal(predictions, tf.cast(0.0, predictions.dtype),
                                      message="predictions must be in [0, 1]"),
              tf.assert_less_equal(predictions, tf.cast(1.0, predictions.dtype),
                                   message="predictions must be in [0, 1]")]
    with tf.control_dependencies(checks):
        predictions, labels, weights = _remove_squeezable_dimensions(
            tf.cast(predictions, dtypes.float32), tf.cast(labels, dtypes.bool), weights)
    n = len(thresholds)
    preds_2d = tf.reshape(predictions, [-1, 1])
    labels_2d = tf.reshape(tf.cast(labels, dtypes.bool), [1, -1])
    num = preds_2d.shape.as_list()[0]
    if num is None:
        num = tf.shape(preds_2d)[0]
    thresh = tf.tile(tf.expand_dims(tf.constant(thresholds, dtype=dtypes.float32), [1]),
                     tf.stack([1, num]))
    pred_pos = tf.greater(tf.tile(tf.transpose(preds_2d), [n, 1]), thresh)
    pred_neg = label_neg = None
    if "fn" in includes or "tn" in includes:
        pred_neg = tf.logical_not(pred_pos)
    label_pos = tf.tile(labels_2d, [n, 1])
    if "fp" in includes or "tn" in includes:
        label_neg = tf.logical_not(label_pos)
    w = None
    if weights is not None:
        w = util.broadcast_weights(tf.cast(weights, dtypes.float32), predictions)
        w = tf.tile(tf.reshape(w, [1, -1]), [n, 1])
        thresh.shape.assert_is_compatible_with(w.shape)
    values, updates = {}, {}
    for key in _ALL:
        if key not in includes:
            continue
        a, b = {"tp": (label_pos, pred_pos), "fn": (label_pos, pred_neg),
                "tn": (label_neg, pred_neg), "fp": (label_neg, pred_pos)}[key]
        var = metric_variable([n], dtypes.float32, name=_VAR_NAMES[key])
        hit = tf.cast(tf.logical_and(a, b), dtypes.float32)
        if w is not None:
            hit = hit * w
        updates[key] = tf.assign_add(var, tf.reduce_sum(hit, 1))
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
            value = _tf().identity(values[key])
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
        tf = _tf()
        _check_collections(metrics_collections, updates_collections)
        with vs.variable_scope(name, default, [predictions, labels, weights]):
            values, updates = confusion_matrix_at_thresholds(
                labels, predictions, thresholds, weights, includes=("tp", other))

            def ratio(tp, ot, suffix):
                return tf.divide(tp, 1e-7 + tp + ot, name=f"{what}_{suffix}")
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
    tf = _tf()
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
            specs = tf.divide(tn, tn + fp + kepsilon)
            idx = tf.cast(tf.argmin(tf.abs(specs - specificity), 0), dtypes.int32)
            return tf.divide(tp[idx], tp[idx] + fn[idx] + kepsilon, name)
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
    tf = _tf()
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
            sens = tf.divide(tp, tp + fn + kepsilon)
            gap = tf.abs(sens - sensitivity)
            at_min = tf.cast(tf.equal(gap, tf.reduce_min(gap)), dtypes.int64)
            idx = tf.cast(tf.argmax(tf.cumsum(at_min), 0), dtypes.int32)
            return tf.divide(tn[idx], tn[idx] + fp[idx] + kepsilon, name)
        value = compute(values["tp"], values["tn"], values["fp"], values["fn"], "value")
        _add_to(metrics_collections, value)
        update_op = compute(updates["tp"], updates["tn"], updates["fp"], updates["fn"],
                            "update_op")
        _add_to(updates_collections, update_op)
        return value, update_op
