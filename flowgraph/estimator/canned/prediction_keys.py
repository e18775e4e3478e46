"""Keys of the predictions dict of canned estimators (`PredictionKeys`)."""

__all__ = ["PredictionKeys"]


class PredictionKeys:
    """Canonical model prediction keys."""
    CLASSES = "classes"
    CLASS_IDS = "class_ids"
    ALL_CLASSES = "all_classes"
    ALL_CLASS_IDS = "all_class_ids"
    LOGISTIC = "logistic"
    LOGITS = "logits"
    PREDICTIONS = "predictions"
    PROBABILITIES = "probabilities"
    TOP_K = "top_k"
