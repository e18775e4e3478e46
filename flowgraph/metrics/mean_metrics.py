"""`tf.metrics` built on streaming means and class counts: mean_tensor, percentage_below,
mean_relative_error, mean_cosine_distance, mean_per_class_accuracy and mean_iou."""
from flowgraph.framework.graph import control_dependencies
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.losses import util
from flowgraph.metrics.metrics_impl import (_add_to, _check_collections,
                                            _remove_squeezable_dimensions, mean, metric_variable)
from flowgraph.framework import dtypes, graph
from flowgraph.ops import (array_ops, creation_ops, debug_ops, diag_ops, gather_ops, join_ops,
                           math_ops, reduction_ops, sparse_training_ops, state_ops, unary_ops,
                           variable_scope as vs)

__all__ = ["mean_tensor", "percentage_below", "mean_relative_error", "mean_cosine_distance",
           "mean_per_class_accuracy", "mean_iou"]


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None,
                name=None):
    """The element-wise (weighted) mean of `values` over all batches: variables
    `total_tensor` and `count_tensor` shaped like `values` (a fully defined shape)."""
    _check_collections(metrics_collections, updates_collections)
    with vs.variable_scope(name, "mean", [values, weights]):
        values = unary_ops.cast(values, dtypes.float32)
        total = metric_variable(values.shape, dtypes.float32, name="total_tensor")
        count = metric_variable(values.shape, dtypes.float32, name="count_tensor")
        num_values = creation_ops.ones_like(values)
        if weights is not None:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = util.broadcast_weights(unary_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = state_ops.assign_add(total, values)
        # As in `mean`: no control edge from a placeholder (flowgraph would run it).
        deps = [] if values.op.type in ("Placeholder", "PlaceholderWithDefault") else [values]
        with control_dependencies(deps):
            update_count = state_ops.assign_add(count, num_values)
        value = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name="value")
        _add_to(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0),
                                        name="update_op")
        _add_to(updates_collections, update_op)
        return value, update_op


def percentage_below(values, threshold, weights=None, metrics_collections=None,
                     updates_collections=None, name=None):
    """The (weighted) fraction of `values` below `threshold` over all batches."""
    below = unary_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(below, weights, metrics_collections, updates_collections,
                name or "percentage_below_threshold")


def mean_relative_error(labels, predictions, normalizer, weights=None,
                        metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of `|labels - predictions| / normalizer` over all batches
    (0 where the normalizer is 0)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    predictions, normalizer = util.remove_squeezable_dimensions(predictions, normalizer)
    predictions.shape.assert_is_compatible_with(normalizer.shape)
    errors = reduction_ops.where(math_ops.equal(normalizer, 0.0), creation_ops.zeros_like(labels),
                                 math_ops.divide(unary_ops.abs(labels - predictions), normalizer))
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """1 - the streaming mean of `sum(labels * predictions, dim)`: the cosine distance
    of unit-normalized vectors along `dim`."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels,
                                                                 weights)
    radial = reduction_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[dim],
                                      keepdims=True)
    value, update_op = mean(radial, weights, None, None, name or "mean_cosine_distance")
    value = math_ops.subtract(1.0, value)
    update_op = math_ops.subtract(1.0, update_op)
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def _flat(x):
    return array_ops.reshape(x, [-1]) if x.shape.ndims is None or x.shape.ndims > 1 else x


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """The mean over classes of each class's (weighted) accuracy: variables `total`
    (weight seen per label class) and `count` (weight predicted right), both
    `[num_classes]`. The update op gives the per-class accuracies."""
    _check_collections(metrics_collections, updates_collections)
    with vs.variable_scope(name, "mean_accuracy", [predictions, labels, weights]):
        labels = _flat(unary_ops.cast(labels, dtypes.int64))
        predictions = _flat(convert_to_tensor(predictions))
        predictions.shape.assert_is_compatible_with(labels.shape)
        total = metric_variable([num_classes], dtypes.float32, name="total")
        count = metric_variable([num_classes], dtypes.float32, name="count")
        ones = creation_ops.ones([array_ops.size(labels)], dtypes.float32)
        if labels.dtype != predictions.dtype:
            predictions = unary_ops.cast(predictions, labels.dtype)
        is_correct = unary_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = unary_ops.cast(_flat(convert_to_tensor(weights)), dtypes.float32)
            is_correct *= weights
            ones *= weights
        update_total = sparse_training_ops.scatter_add(total, labels, ones)
        update_count = sparse_training_ops.scatter_add(count, labels, is_correct)
        per_class = math_ops.div_no_nan(count, math_ops.maximum(total, 0))
        value = reduction_ops.reduce_mean(per_class, name="mean_accuracy")
        _add_to(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_count, math_ops.maximum(update_total, 0),
                                        name="update_op")
        _add_to(updates_collections, update_op)
        return value, update_op


def _confusion_matrix(labels, predictions, num_classes, weights=None):
    """The [num_classes, num_classes] float64 matrix of (weighted) counts of each
    (label, prediction) pair; labels and predictions must lie in [0, num_classes)."""
    with graph.name_scope(None, "confusion_matrix", [labels, predictions, weights]):
        n = unary_ops.cast(num_classes, dtypes.int64)
        checks = [debug_ops.assert_non_negative(labels,
                                                message="`labels` contains negative values"),
                  debug_ops.assert_non_negative(predictions,
                                                message="`predictions` contains negative values"),
                  debug_ops.assert_less(labels, n, message="`labels` out of bound"),
                  debug_ops.assert_less(predictions, n, message="`predictions` out of bound")]
        with control_dependencies(checks):
            cell = math_ops.add(labels * n, predictions)
        values = creation_ops.ones_like(cell, dtypes.float64) if weights is None else \
            unary_ops.cast(weights, dtypes.float64)
        counts = gather_ops.unsorted_segment_sum(values, cell, n * n)
        return array_ops.reshape(counts, join_ops.stack([n, n]))


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The mean intersection-over-union over the classes that occur: from the
    streaming confusion matrix (float64 variable `total_confusion_matrix`), IOU =
    tp / (tp + fp + fn) per class. The update op returns the updated matrix."""
    _check_collections(metrics_collections, updates_collections)
    with vs.variable_scope(name, "mean_iou", [predictions, labels, weights]):
        predictions, labels = convert_to_tensor(predictions), convert_to_tensor(labels)
        predictions.shape.assert_is_compatible_with(labels.shape)
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64,
                                   name="total_confusion_matrix")
        predictions = _flat(unary_ops.cast(predictions, dtypes.int64))
        labels = _flat(unary_ops.cast(labels, dtypes.int64))
        if weights is not None:
            weights = _flat(convert_to_tensor(weights))
        update_op = state_ops.assign_add(total_cm,
                                         _confusion_matrix(labels, predictions, num_classes,
                                                           weights))
        sum_over_row = unary_ops.cast(reduction_ops.reduce_sum(total_cm, 0), dtypes.float32)
        sum_over_col = unary_ops.cast(reduction_ops.reduce_sum(total_cm, 1), dtypes.float32)
        diag = unary_ops.cast(diag_ops.diag_part(total_cm), dtypes.float32)
        denom = sum_over_row + sum_over_col - diag
        num_valid = reduction_ops.reduce_sum(unary_ops.cast(math_ops.not_equal(denom, 0),
                                                            dtypes.float32))
        denom = reduction_ops.where(math_ops.greater(denom, 0), denom,
                                    creation_ops.ones_like(denom))
        iou = math_ops.divide(diag, denom)
        value = reduction_ops.where(math_ops.greater(num_valid, 0),
                                    reduction_ops.reduce_sum(iou, name="mean_iou") / num_valid, 0)
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op
