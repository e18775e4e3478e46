"""`tf.metrics` over the top k predicted classes: precision/recall at k (from scores)
and at top k (from predicted class ids), and (mean) average precision at k.

Labels are dense class ids, `[D1, ..., DN]` (one label per row) or `[D1, ..., DN,
num_labels]`; as in TF's set operations each row's labels and predicted ids are sets
(repeats count once, every value is an element). SparseTensor labels are not supported.
The counts are float64 local variables named as TF names them
(`precision_at_2/true_positive_at_2`, `average_precision_at_2/total`, ...)."""
from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.losses import util
from flowgraph.metrics.metrics_impl import _add_to, _check_collections, metric_variable
from flowgraph.ops import (array_ops, control_flow_ops, creation_ops, math_ops, reduction_ops,
                           state_ops, unary_ops, xent_ops)

__all__ = ["precision_at_k", "recall_at_k", "precision_at_top_k", "recall_at_top_k",
           "sparse_precision_at_k", "average_precision_at_k",
           "sparse_average_precision_at_k"]


def _at_k_name(name, k=None, class_id=None):
    name = f"{name}_at_{k:d}" if k is not None else f"{name}_at_k"
    return name if class_id is None else f"{name}_class{class_id:d}"


def _maybe_expand_labels(labels, predictions):
    """`labels` with a last dimension of 1 added when its rank is one less than the
    rank of `predictions`."""
    with name_scope(None, "expand_labels", [labels, predictions]) as scope:
        labels = convert_to_tensor(labels)
        lr, pr = labels.shape.ndims, predictions.shape.ndims
        if lr is not None and pr is not None:
            if pr == lr:
                return labels
            if pr == lr + 1:
                return array_ops.expand_dims(labels, -1, name=scope)
            raise ValueError(f"Unexpected labels shape {labels.shape} for predictions "
                             f"shape {predictions.shape}. Predictions rank should be the "
                             "same rank as labels rank or labels rank plus one .")
        return control_flow_ops.cond(math_ops.equal(array_ops.rank(predictions),
                                                    array_ops.rank(labels) + 1),
                                     lambda: array_ops.expand_dims(labels, -1, name=scope),
                                     lambda: labels)


def _first_occurrences(x):
    """Along the last axis of `x`: True where a value appears for the first time."""
    n = array_ops.shape(x)[-1]
    pos = creation_ops.range(n)
    # [i, j]: j < i
    earlier = math_ops.less(array_ops.expand_dims(pos, 0), array_ops.expand_dims(pos, 1))
    same = math_ops.equal(array_ops.expand_dims(x, -1), array_ops.expand_dims(x, -2))
    return math_ops.logical_not(reduction_ops.reduce_any(math_ops.logical_and(same, earlier), -1))


def _set_counts(labels, predictions_idx, class_id=None):
    """Per row: (predicted ids in the label set, predicted ids not in it, labels not
    predicted), each a bool tensor over the row's distinct elements, as the masks
    (pred_hit, pred_miss, label_miss). With `class_id`, only that class counts."""
    labels = unary_ops.cast(labels, dtypes.int64)
    eq = math_ops.equal(array_ops.expand_dims(predictions_idx, -1),
                        array_ops.expand_dims(labels, -2))
    p_ok, l_ok = _first_occurrences(predictions_idx), _first_occurrences(labels)
    if class_id is not None:
        p_ok = math_ops.logical_and(p_ok, math_ops.equal(predictions_idx, class_id))
        l_ok = math_ops.logical_and(l_ok, math_ops.equal(labels, class_id))
    # Value equality already restricts both sides to class_id when it is given.
    in_labels = reduction_ops.reduce_any(eq, -1)
    in_preds = reduction_ops.reduce_any(eq, -2)
    return (math_ops.logical_and(p_ok, in_labels),
            math_ops.logical_and(p_ok, math_ops.logical_not(in_labels)),
            math_ops.logical_and(l_ok, math_ops.logical_not(in_preds)))


def _row_count(mask, weights):
    """The number of True entries per row (float64), times the weights."""
    n = unary_ops.cast(reduction_ops.reduce_sum(unary_ops.cast(mask, dtypes.int32), -1),
                       dtypes.float64)
    if weights is not None:
        weights = unary_ops.cast(weights, dtypes.float64)
        util.assert_broadcastable(weights, n)
        n = math_ops.multiply(n, weights)
    return n


def _streaming_count(kind, mask_index, labels, predictions_idx, k, class_id, weights):
    """A float64 variable `<kind>_at_<k>[_class<id>]` summing one set count."""
    with name_scope(None, _at_k_name(kind, k, class_id),
                    [predictions_idx, labels, weights]) as scope:
        with name_scope(None, kind + "s"):
            masks = _set_counts(labels, predictions_idx, class_id)
            count = _row_count(masks[mask_index], weights)
        batch_total = unary_ops.cast(reduction_ops.reduce_sum(count), dtypes.float64)
        var = metric_variable([], dtypes.float64, name=scope)
        return var, state_ops.assign_add(var, batch_total, name="update")


def _ratio_at_top_k(kind, other, other_index, labels, predictions_idx, k, class_id, weights,
                    metrics_collections, updates_collections, name):
    _check_collections(metrics_collections, updates_collections)
    with name_scope(name, _at_k_name(kind, k, class_id),
                    [predictions_idx, labels, weights]) as scope:
        predictions_idx = convert_to_tensor(predictions_idx)
        labels = _maybe_expand_labels(labels, predictions_idx)
        top_k_idx = unary_ops.cast(predictions_idx, dtypes.int64)
        tp, tp_update = _streaming_count("true_positive", 0, labels, top_k_idx, k, class_id,
                                         weights)
        ot, ot_update = _streaming_count(other, other_index, labels, top_k_idx, k,
                                         class_id, weights)
        value = math_ops.divide(tp, math_ops.add(tp, ot), name=scope)
        _add_to(metrics_collections, value)
        update = math_ops.divide(tp_update, math_ops.add(tp_update, ot_update), name="update")
        _add_to(updates_collections, update)
        return value, update


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                       metrics_collections=None, updates_collections=None, name=None):
    """Streaming precision of the predicted class ids `predictions_idx` ([..., k]):
    true positives / (true positives + false positives), float64 (NaN before any
    prediction). With `class_id`, only predictions of that class count."""
    return _ratio_at_top_k("precision", "false_positive", 1, labels, predictions_idx, k,
                           class_id, weights, metrics_collections, updates_collections, name)


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                    metrics_collections=None, updates_collections=None, name=None):
    """Streaming recall of the predicted class ids `predictions_idx` ([..., k]): true
    positives / (true positives + false negatives), float64 (NaN before any label).
    With `class_id`, only labels of that class count."""
    return _ratio_at_top_k("recall", "false_negative", 2, labels, predictions_idx, k,
                           class_id, weights, metrics_collections, updates_collections, name)


def _at_k(top_k_metric, kind):
    def metric(labels, predictions, k, class_id=None, weights=None,
               metrics_collections=None, updates_collections=None, name=None):
        with name_scope(name, _at_k_name(kind, k, class_id),
                        [predictions, labels, weights]) as scope:
            _, top_k_idx = xent_ops.top_k(predictions, k)
            return top_k_metric(labels, top_k_idx, k=k, class_id=class_id, weights=weights,
                                metrics_collections=metrics_collections,
                                updates_collections=updates_collections, name=scope)
    metric.__name__ = f"{kind}_at_k"
    metric.__doc__ = (f"`{top_k_metric.__name__}` of the k highest scores in "
                      f"`predictions` ([..., num_classes]).")
    return metric


precision_at_k = _at_k(precision_at_top_k, "precision")
recall_at_k = _at_k(recall_at_top_k, "recall")


def sparse_precision_at_k(labels, predictions, k, class_id=None, weights=None,
                          metrics_collections=None, updates_collections=None, name=None):
    """Deprecated alias of `precision_at_k`."""
    return precision_at_k(labels, predictions, k, class_id=class_id, weights=weights,
                          metrics_collections=metrics_collections,
                          updates_collections=updates_collections, name=name)


def _average_precision_at_top_k(labels, predictions_idx):
    """Per row: the average precision of the ranked ids `predictions_idx` ([..., k],
    k static): sum over positions i of precision@i where the i-th id is a label,
    divided by min(number of labels >= 0, k)."""
    with name_scope(None, "average_precision", [predictions_idx, labels]) as scope:
        predictions_idx = unary_ops.cast(predictions_idx, dtypes.int64, name="predictions_idx")
        if predictions_idx.shape.ndims == 0:
            raise ValueError("The rank of `predictions_idx` must be at least 1.")
        k = predictions_idx.shape.as_list()[-1]
        if k is None:
            raise ValueError("The last dimension of predictions_idx must be set. "
                             "Currently, it is None.")
        labels = unary_ops.cast(_maybe_expand_labels(labels, predictions_idx), dtypes.int64)
        eq = math_ops.equal(array_ops.expand_dims(predictions_idx, -1),
                            array_ops.expand_dims(labels, -2))
        relevant = unary_ops.cast(reduction_ops.reduce_any(eq, -1), dtypes.float64,
                                  name="relevant_per_k")
        tp_per_k = reduction_ops.cumsum(relevant, axis=-1, name="tp_per_k")
        retrieved = reduction_ops.cumsum(creation_ops.ones_like(relevant), axis=-1,
                                         name="retrieved_per_k")
        precision = math_ops.divide(tp_per_k, retrieved, name="precision_per_k")
        precision_sum = reduction_ops.reduce_sum(math_ops.multiply(precision, relevant,
                                                                   name="relevant_precision_per_k"),
                                                 axis=(-1,), name="precision_sum")
        with name_scope(None, "num_relevant", [labels]) as nr:
            num_labels = reduction_ops.reduce_sum(reduction_ops.where_v2(
                math_ops.greater_equal(labels, 0), creation_ops.ones_like(labels),
                creation_ops.zeros_like(labels)), axis=-1)
            num_relevant = math_ops.minimum(num_labels, k, name=nr)
        return math_ops.divide(precision_sum, unary_ops.cast(num_relevant, dtypes.float64),
                               name=scope)


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                           updates_collections=None, name=None):
    """The streaming mean (over rows, weighted) of the average precision at k of the
    k highest scores in `predictions` ([..., num_classes]); labels >= num_classes are
    ignored. Variables `total` and `max_1` (float64: summed precision and weight)."""
    _check_collections(metrics_collections, updates_collections)
    if k < 1:
        raise ValueError(f"Invalid k={k}. `k` should be >= 1.")
    with name_scope(name, _at_k_name("average_precision", k),
                    [predictions, labels, weights]) as scope:
        predictions = convert_to_tensor(predictions)
        _, predictions_idx = xent_ops.top_k(predictions, k)
        labels = unary_ops.cast(labels, dtypes.int64)
        num_classes = unary_ops.cast(array_ops.shape(predictions)[-1], dtypes.int64)
        too_big = math_ops.greater_equal(reduction_ops.reduce_max(labels), num_classes)
        labels = control_flow_ops.cond(
            too_big, lambda: reduction_ops.where_v2(math_ops.greater_equal(labels, num_classes),
                                                    -1 * creation_ops.ones_like(labels), labels),
            lambda: labels)
        avg = _average_precision_at_top_k(labels, predictions_idx)
        if weights is not None:
            weights = util.broadcast_weights(unary_ops.cast(weights, dtypes.float64), avg)
            avg = math_ops.multiply(avg, weights)
        with name_scope(None, "max", [avg]) as max_scope:
            max_var = metric_variable([], dtypes.float64, name=max_scope)
            if weights is None:
                batch_max = unary_ops.cast(array_ops.size(avg, name="batch_max"), dtypes.float64)
            else:
                batch_max = reduction_ops.reduce_sum(weights, name="batch_max")
            max_update = state_ops.assign_add(max_var, batch_max, name="update")
        with name_scope(None, "total", [avg]) as total_scope:
            total_var = metric_variable([], dtypes.float64, name=total_scope)
            total_update = state_ops.assign_add(total_var,
                                                reduction_ops.reduce_sum(avg, name="batch_total"),
                                                name="update")
        value = math_ops.div_no_nan(total_var, max_var, name="mean")
        _add_to(metrics_collections, value)
        update = math_ops.div_no_nan(total_update, max_update, name=scope)
        _add_to(updates_collections, update)
        return value, update


def sparse_average_precision_at_k(labels, predictions, k, weights=None,
                                  metrics_collections=None, updates_collections=None,
                                  name=None):
    """Deprecated alias of `average_precision_at_k`."""
    return average_precision_at_k(labels, predictions, k, weights=weights,
                                  metrics_collections=metrics_collections,
                                  updates_collections=updates_collections, name=name)
