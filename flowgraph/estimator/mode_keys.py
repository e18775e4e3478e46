"""`tf.estimator.ModeKeys`: the three modes a `model_fn` is called in."""

__all__ = ["ModeKeys"]


class ModeKeys:
    """The mode a model_fn builds its graph for: training, evaluation or inference."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"
