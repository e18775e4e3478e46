"""`tf.metrics` (TF1): streaming metrics returning `(value, update_op)`, their state in
local variables (run `tf.local_variables_initializer()` first)."""
from flowgraph.metrics.metrics_impl import (  # noqa: F401
    accuracy, mean, precision, recall, auc, true_positives, false_positives,
    true_negatives, false_negatives, mean_absolute_error, mean_squared_error,
    root_mean_squared_error)
from flowgraph.metrics import mean_metrics, threshold_metrics, top_k_metrics
from flowgraph.metrics.mean_metrics import *  # noqa: F401,F403
from flowgraph.metrics.threshold_metrics import *  # noqa: F401,F403
from flowgraph.metrics.top_k_metrics import *  # noqa: F401,F403

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "true_positives",
           "false_positives", "true_negatives", "false_negatives", "mean_absolute_error",
           "mean_squared_error", "root_mean_squared_error"]
__all__ += mean_metrics.__all__ + threshold_metrics.__all__ + top_k_metrics.__all__
