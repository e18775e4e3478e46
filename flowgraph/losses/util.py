"""Loss collections (`add_loss`, `get_losses`, `get_total_loss`, ...) and the helpers the
losses and metrics share: weights broadcasting and squeezable dimensions."""
from flowgraph.framework.graph import GraphKeys, get_default_graph, name_scope
from flowgraph.framework.op_builder import constant, convert_to_tensor
from flowgraph.ops import array_ops, creation_ops, math_ops

__all__ = ["add_loss", "get_losses", "get_regularization_losses",
           "get_regularization_loss", "get_total_loss"]

_PREFIX = "weights can not be broadcast to values."


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Adds `loss` to the collection `loss_collection` (default `GraphKeys.LOSSES`)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses in `loss_collection` whose names match `scope` (a regex prefix)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The losses in `GraphKeys.REGULARIZATION_LOSSES` (names matching `scope`)."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (AddN named `name`), or a 0.0 constant."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum (AddN named `name`) of the losses in `GraphKeys.LOSSES`, plus the
    regularization losses unless `add_regularization_losses` is False. Raises ValueError
    when there are none."""
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("No losses to sum: the LOSSES and REGULARIZATION_LOSSES "
                         "collections are empty.")
    return math_ops.add_n(losses, name=name)


# -- weights -----------------------------------------------------------------------------------
def assert_broadcastable(weights, values):
    """Raises ValueError when `weights` cannot be broadcast to `values` as the weighted
    losses and metrics allow: a scalar, or the same rank with each dimension 1 or equal.
    Checked on the static shapes (dimensions unknown at build time are not checked)."""
    ws, vs = weights.shape, values.shape
    if ws.ndims is None or vs.ndims is None or ws.ndims == 0:
        return
    if ws.ndims != vs.ndims:
        raise ValueError(f"{_PREFIX} values.rank={vs.ndims}. weights.rank={ws.ndims}. "
                         f"values.shape={vs}. weights.shape={ws}. Received weights="
                         f"{weights}, values={values}")
    for i, (w, v) in enumerate(zip(ws.as_list(), vs.as_list())):
        if w is not None and v is not None and w not in (1, v):
            raise ValueError(f"{_PREFIX} Mismatch at dim {i}. values.shape={vs.as_list()}, "
                             f"weights.shape={ws.as_list()}. Received weights={weights}, "
                             f"values={values}")


def broadcast_weights(weights, values):
    """`weights` broadcast to the shape of `values` (multiplied by ones_like(values)
    unless the static shapes already agree)."""
    with name_scope(None, "broadcast_weights", [weights, values]) as scope:
        values = convert_to_tensor(values, name="values")
        weights = convert_to_tensor(weights, dtype=values.dtype.base_dtype, name="weights")
        ws, vs = weights.shape, values.shape
        if ws.is_fully_defined() and vs.is_fully_defined() and ws.is_compatible_with(vs):
            return weights
        assert_broadcastable(weights, values)
        return math_ops.multiply(weights, creation_ops.ones_like(values), name=scope)


def _squeeze_last(x):
    return array_ops.squeeze(x, [-1])


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0, name=None):
    """Squeezes a last dimension of size 1 from `predictions` (or `labels`) when their
    ranks differ by `expected_rank_diff + 1` (or `- 1`); run-time ranks use `tf.cond`."""
    from flowgraph.ops.control_flow_ops import cond
    with name_scope(name, "remove_squeezable_dimensions", [labels, predictions]):
        predictions = convert_to_tensor(predictions)
        labels = convert_to_tensor(labels)
        ps, ls = predictions.shape, labels.shape
        if ps.ndims is not None and ls.ndims is not None:
            diff = ps.ndims - ls.ndims
            if diff == expected_rank_diff + 1 and ps.dims[-1].is_compatible_with(1):
                predictions = _squeeze_last(predictions)
            elif diff == expected_rank_diff - 1 and ls.dims[-1].is_compatible_with(1):
                labels = _squeeze_last(labels)
            return labels, predictions
        rank_diff = array_ops.rank(predictions) - array_ops.rank(labels)
        if ps.ndims is None or ps.dims[-1].is_compatible_with(1):
            p = predictions
            predictions = cond(math_ops.equal(expected_rank_diff + 1, rank_diff),
                               lambda: _squeeze_last(p), lambda: p)
        if ls.ndims is None or ls.dims[-1].is_compatible_with(1):
            lab = labels
            labels = cond(math_ops.equal(expected_rank_diff - 1, rank_diff),
                          lambda: _squeeze_last(lab), lambda: lab)
        return labels, predictions
