"""`tf.losses` (TF1): weighted losses reduced as `Reduction` says (default
SUM_BY_NONZERO_WEIGHTS: the weighted sum over the number of non-zero weights) and added
to `GraphKeys.LOSSES`. Inputs are cast to float32, as TF does; the returned loss has the
input losses' dtype."""
import numbers

from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.losses import util
from flowgraph.ops import (array_ops, creation_ops, math_ops, nn_ops, reduction_ops, unary_ops,
                           xent_ops)

__all__ = ["Reduction", "compute_weighted_loss", "absolute_difference", "cosine_distance",
           "hinge_loss", "huber_loss", "log_loss", "mean_pairwise_squared_error",
           "mean_squared_error", "sigmoid_cross_entropy", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy"]


class Reduction:
    """Types of loss reduction: NONE (weighted losses, unreduced), SUM (weighted sum),
    SUM_OVER_BATCH_SIZE (weighted sum / number of elements), MEAN (weighted sum / sum of
    weights), SUM_BY_NONZERO_WEIGHTS = SUM_OVER_NONZERO_WEIGHTS (weighted sum / number of
    non-zero weights)."""
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of "
                             f"{cls.all()}.")


def _safe_mean(losses, num_present):
    total = reduction_ops.reduce_sum(losses)
    return math_ops.div_no_nan(total, num_present, name="value")


def _num_elements(losses):
    with name_scope(None, "num_elements", [losses]) as scope:
        return unary_ops.cast(array_ops.size(losses, name=scope), dtype=losses.dtype)


def _num_present(losses, weights, per_batch=False):
    """The number of elements of `losses` with a non-zero (broadcast) weight (per batch
    entry with `per_batch`)."""
    if isinstance(weights, float) and weights != 0.0:
        return _num_elements(losses)
    with name_scope(None, "num_present", [losses, weights]) as scope:
        weights = unary_ops.cast(weights, dtype=dtypes.float32)
        present = reduction_ops.where(math_ops.equal(weights, 0.0),
                                      creation_ops.zeros_like(weights),
                                      creation_ops.ones_like(weights))
        present = util.broadcast_weights(present, losses)
        if per_batch:
            return reduction_ops.reduce_sum(present,
                                            axis=creation_ops.range(1, array_ops.rank(present)),
                                            keepdims=True, name=scope)
        return reduction_ops.reduce_sum(present, name=scope)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`losses * weights` reduced by `reduction` (see `Reduction`), cast back to the
    dtype of `losses` and added to `loss_collection`. `weights` must be a scalar or
    broadcastable to `losses` (same rank, each dimension 1 or equal)."""
    Reduction.validate(reduction)
    with name_scope(scope, "weighted_loss", [losses, weights]):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype.base_dtype
        weights_t = convert_to_tensor(weights)
        util.assert_broadcastable(weights_t, losses)
        losses = unary_ops.cast(losses, dtype=dtypes.float32)
        weights_t = unary_ops.cast(weights_t, dtype=dtypes.float32)
        weighted = math_ops.multiply(losses, weights_t)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = reduction_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _safe_mean(loss, reduction_ops.reduce_sum(
                    math_ops.multiply(creation_ops.ones_like(losses), weights_t)))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _safe_mean(loss, _num_present(losses, weights_t))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_mean(loss, _num_elements(losses))
        loss = unary_ops.cast(loss, input_dtype)
        util.add_loss(loss, loss_collection)
        return loss


def _check_args(a, a_name, b, b_name):
    if a is None:
        raise ValueError(f"Argument `{a_name}` must not be None.")
    if b is None:
        raise ValueError(f"Argument `{b_name}` must not be None.")


def _floats(predictions, labels):
    predictions = unary_ops.cast(predictions, dtype=dtypes.float32)
    labels = unary_ops.cast(labels, dtype=dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return predictions, labels


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted `|predictions - labels|` (an L1 loss)."""
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "absolute_difference", [predictions, labels, weights]) as scope:
        predictions, labels = _floats(predictions, labels)
        losses = unary_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """Weighted `1 - sum(predictions * labels, axis)` (inputs assumed unit-normalized)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "cosine_distance_loss",
                    [predictions, labels, weights]) as scope:
        predictions, labels = _floats(predictions, labels)
        radial = math_ops.multiply(predictions, labels)
        losses = 1 - reduction_ops.reduce_sum(radial, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted hinge loss `relu(1 - (2 * labels - 1) * logits)` for labels in {0, 1}."""
    _check_args(labels, "labels", logits, "logits")
    with name_scope(scope, "hinge_loss", [logits, labels, weights]) as scope:
        logits, labels = _floats(logits, labels)
        all_ones = creation_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = nn_ops.relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted Huber loss: `0.5 * e^2` where `|e| <= delta`, else
    `0.5 * delta^2 + delta * (|e| - delta)`."""
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "huber_loss", [predictions, labels, weights]) as scope:
        predictions, labels = _floats(predictions, labels)
        abs_error = unary_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(math_ops.multiply(convert_to_tensor(0.5, dtype=quadratic.dtype),
                                                math_ops.multiply(quadratic, quadratic)),
                              math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted log loss (binary cross-entropy of probabilities):
    `-labels * log(p + eps) - (1 - labels) * log(1 - p + eps)`."""
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "log_loss", [predictions, labels, weights]) as scope:
        predictions, labels = _floats(predictions, labels)
        losses = -math_ops.multiply(labels, unary_ops.log(predictions + epsilon)) - \
            math_ops.multiply((1 - labels), unary_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection=GraphKeys.LOSSES):
    """Weighted mean of the squared differences between all pairs of elements of each
    sample's `predictions - labels` (for inputs of rank >= 2)."""
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "mean_pairwise_squared_error",
                    [predictions, labels, weights]) as scope:
        weights = unary_ops.cast(weights, dtype=dtypes.float32)
        labels = unary_ops.cast(labels, dtype=dtypes.float32)
        util.assert_broadcastable(weights, labels)
        predictions = unary_ops.cast(predictions, dtype=dtypes.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        diffs = math_ops.subtract(predictions, labels)
        axis = creation_ops.range(1, array_ops.rank(diffs))
        sum_sq = reduction_ops.reduce_sum(unary_ops.square(diffs), axis=axis, keepdims=True)
        n = _num_present(diffs, weights, per_batch=True)
        term1 = 2.0 * math_ops.div_no_nan(sum_sq, math_ops.maximum(n - 1, 0), name="value")
        sum_diff = reduction_ops.reduce_sum(diffs, axis=axis, keepdims=True)
        term2 = 2.0 * math_ops.div_no_nan(unary_ops.square(sum_diff),
                                          math_ops.maximum(math_ops.multiply(n, n - 1), 0),
                                          name="value")
        loss = reduction_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
        mean_loss = reduction_ops.where(reduction_ops.reduce_sum(n) > 0, loss,
                                        creation_ops.zeros_like(loss), name="value")
        util.add_loss(mean_loss, loss_collection)
        return mean_loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted `(predictions - labels) ** 2`."""
    _check_args(labels, "labels", predictions, "predictions")
    with name_scope(scope, "mean_squared_error", [predictions, labels, weights]) as scope:
        predictions, labels = _floats(predictions, labels)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def _smoothing(label_smoothing):
    if isinstance(label_smoothing, numbers.Real):
        return label_smoothing > 0
    return True


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted `sigmoid_cross_entropy_with_logits`; `label_smoothing` moves the labels
    toward 1/2: `labels * (1 - s) + 0.5 * s`."""
    _check_args(multi_class_labels, "multi_class_labels", logits, "logits")
    with name_scope(scope, "sigmoid_cross_entropy_loss",
                    [logits, multi_class_labels, weights]) as scope:
        logits = convert_to_tensor(logits)
        labels = unary_ops.cast(multi_class_labels, logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if _smoothing(label_smoothing):
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = xent_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                            name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted softmax cross-entropy of `[batch, classes]` `logits` against one-hot
    labels; `label_smoothing` s gives labels `onehot * (1 - s) + s / num_classes`. The
    labels get no gradient."""
    _check_args(onehot_labels, "onehot_labels", logits, "logits")
    from flowgraph.ops.core import stop_gradient
    with name_scope(scope, "softmax_cross_entropy_loss",
                    [logits, onehot_labels, weights]) as scope:
        logits = convert_to_tensor(logits)
        labels = unary_ops.cast(onehot_labels, logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if _smoothing(label_smoothing):
            num_classes = unary_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            smooth_pos = 1.0 - label_smoothing
            smooth_neg = label_smoothing / num_classes
            labels = labels * smooth_pos + smooth_neg
        labels = stop_gradient(labels, name="labels_stop_gradient")
        losses = xent_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                               name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def _remove_squeezable_dimensions(labels, predictions, weights=None, expected_rank_diff=0):
    from flowgraph.ops.control_flow_ops import cond
    labels, predictions = util.remove_squeezable_dimensions(
        labels, predictions, expected_rank_diff=expected_rank_diff)
    if weights is not None:
        weights = convert_to_tensor(weights)
        lr, wr = labels.shape.ndims, weights.shape.ndims
        if lr is not None and wr is not None:
            if wr - lr == 1:
                weights = array_ops.squeeze(weights, [-1])
            return labels, predictions, weights
        rank_diff = array_ops.rank(weights) - array_ops.rank(labels)
        if wr is None or (wr > 0 and weights.shape.dims[-1].is_compatible_with(1)):
            w = weights
            weights = cond(math_ops.equal(1, rank_diff), lambda: array_ops.squeeze(w, [-1]),
                           lambda: w)
    return labels, predictions, weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted softmax cross-entropy of `logits` against integer class `labels`
    (`[batch]`, or `[batch, 1]` squeezed)."""
    _check_args(labels, "labels", logits, "logits")
    with name_scope(scope, "sparse_softmax_cross_entropy_loss",
                    [logits, labels, weights]) as scope:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights,
                                                                expected_rank_diff=1)
        losses = xent_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                                   name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)
