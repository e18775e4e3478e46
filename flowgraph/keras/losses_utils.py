"""Keras's loss reduction helpers: `ReductionV2`, squeezing labels/predictions/weights to
matching ranks, and weighted reduction of per-sample losses."""
from flowgraph.framework import op_builder
from flowgraph.keras import backend
from flowgraph.ops import array_ops, math_ops, reduction_ops, unary_ops


class ReductionV2:
    """How a Loss reduces per-sample values: AUTO, NONE, SUM, SUM_OVER_BATCH_SIZE."""
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0):
    """Squeezes a trailing 1 off labels or predictions so their ranks differ by
    `expected_rank_diff` (static ranks only)."""
    labels = op_builder.convert_to_tensor(labels)
    predictions = op_builder.convert_to_tensor(predictions)
    lr, pr = labels.shape.ndims, predictions.shape.ndims
    if lr is not None and pr is not None:
        diff = pr - lr
        last_p = predictions.shape.as_list()[-1] if pr else None
        last_l = labels.shape.as_list()[-1] if lr else None
        if diff == expected_rank_diff + 1 and last_p == 1:
            predictions = array_ops.squeeze(predictions, [-1])
        elif diff == expected_rank_diff - 1 and last_l == 1:
            labels = array_ops.squeeze(labels, [-1])
    return labels, predictions


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Keras's rank alignment: y_true/y_pred lose a trailing 1 to match; sample_weight is
    squeezed or expanded by one axis to y_pred's rank."""
    y_pred = op_builder.convert_to_tensor(y_pred)
    if y_true is not None:
        y_true = op_builder.convert_to_tensor(y_true)
        y_true, y_pred = remove_squeezable_dimensions(y_true, y_pred)
    if sample_weight is None:
        return y_pred, y_true
    sample_weight = op_builder.convert_to_tensor(sample_weight)
    wr, pr = sample_weight.shape.ndims, y_pred.shape.ndims
    if wr == 0:
        return y_pred, y_true, sample_weight
    if wr is not None and pr is not None:
        if wr - pr == 1:
            sample_weight = array_ops.squeeze(sample_weight, [-1])
        elif pr - wr == 1:
            sample_weight = array_ops.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def _num_elements(losses):
    with backend.name_scope("num_elements") as scope:
        return unary_ops.cast(array_ops.size(losses, name=scope), dtype=losses.dtype)


def reduce_weighted_loss(weighted_losses, reduction=ReductionV2.SUM_OVER_BATCH_SIZE):
    """Sums the weighted losses, divided by their count for SUM_OVER_BATCH_SIZE."""
    if reduction == ReductionV2.NONE:
        return weighted_losses
    loss = reduction_ops.reduce_sum(weighted_losses)
    if reduction == ReductionV2.SUM_OVER_BATCH_SIZE:
        loss = math_ops.div_no_nan(loss, _num_elements(weighted_losses), name="value")
    return loss


def compute_weighted_loss(losses, sample_weight=None, reduction=ReductionV2.SUM_OVER_BATCH_SIZE,
                          name=None):
    """`losses * sample_weight`, reduced as `reduction` says (computed in float32)."""
    ReductionV2.validate(reduction)
    if reduction == ReductionV2.AUTO:
        reduction = ReductionV2.SUM_OVER_BATCH_SIZE
    if sample_weight is None:
        sample_weight = 1.0
    with backend.name_scope(name or "weighted_loss"):
        losses = op_builder.convert_to_tensor(losses)
        input_dtype = losses.dtype
        if input_dtype != "float32":
            losses = unary_ops.cast(losses, "float32")
        sample_weight = op_builder.convert_to_tensor(sample_weight)
        if sample_weight.dtype != "float32":
            sample_weight = unary_ops.cast(sample_weight, "float32")
        losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
        weighted = math_ops.multiply(losses, sample_weight)
        loss = reduce_weighted_loss(weighted, reduction)
        if loss.dtype != input_dtype:
            loss = unary_ops.cast(loss, input_dtype)
        return loss


def scale_loss_for_distribution(loss_value):
    """The loss as it is (one replica)."""
    return loss_value
