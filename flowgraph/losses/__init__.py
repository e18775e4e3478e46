"""`tf.losses` (TF1): weighted losses added to `GraphKeys.LOSSES`, reduced as
`tf.losses.Reduction` says (default SUM_BY_NONZERO_WEIGHTS), and the loss collections
(`get_losses`, `get_regularization_loss`, `get_total_loss`, ...)."""
from flowgraph.losses.losses_impl import (  # noqa: F401
    Reduction, compute_weighted_loss, absolute_difference, cosine_distance, hinge_loss,
    huber_loss, log_loss, mean_pairwise_squared_error, mean_squared_error,
    sigmoid_cross_entropy, softmax_cross_entropy, sparse_softmax_cross_entropy)
from flowgraph.losses.util import (add_loss, get_losses, get_regularization_losses,  # noqa: F401
                                   get_regularization_loss, get_total_loss)

__all__ = ["Reduction", "compute_weighted_loss", "absolute_difference", "cosine_distance",
           "hinge_loss", "huber_loss", "log_loss", "mean_pairwise_squared_error",
           "mean_squared_error", "sigmoid_cross_entropy", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy", "add_loss", "get_losses",
           "get_regularization_losses", "get_regularization_loss", "get_total_loss"]
