"""`tf.keras.losses`: every Keras 2 loss as a function of `(y_true, y_pred)` (per-sample
values, mean over the last axis) and as a `Loss` class with `reduction` and `name`, plus
`get`/`serialize`/`deserialize`."""
import math

from flowgraph.framework import op_builder
from flowgraph.framework.graph import Tensor
from flowgraph.keras import backend
from flowgraph.keras.losses_utils import (
    ReductionV2,
    compute_weighted_loss,
    squeeze_or_expand_dimensions,
)
from flowgraph.ops import array_ops, math_ops, nn_ops, reduction_ops, unary_ops
from flowgraph.ops import variables as variables_module
from flowgraph.keras.utils import generic_utils

Reduction = ReductionV2


def _pair(y_true, y_pred):
    y_pred = op_builder.convert_to_tensor(y_pred)
    y_true = op_builder.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = unary_ops.cast(y_true, y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2, axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return backend.mean(math_ops.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|, axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return backend.mean(unary_ops.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = unary_ops.abs((y_true - y_pred) / backend.maximum(unary_ops.abs(y_true),
                                                             backend.epsilon()))
    return 100.0 * backend.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2, axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = unary_ops.log(backend.maximum(y_pred, backend.epsilon()) + 1.0)
    second = unary_ops.log(backend.maximum(y_true, backend.epsilon()) + 1.0)
    return backend.mean(math_ops.squared_difference(first, second), axis=-1)


def _maybe_convert_labels(y_true):
    """0/1 labels become -1/1 (other labels are left as they are)."""
    is_binary = reduction_ops.reduce_all(math_ops.logical_or(math_ops.equal(y_true, 0),
                                                             math_ops.equal(y_true, 1)))
    return reduction_ops.where_v2(is_binary, 2.0 * y_true - 1.0, y_true)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2, axis=-1) (0/1 labels become -1/1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return backend.mean(unary_ops.square(backend.maximum(1.0 - y_true * y_pred, 0.0)),
                        axis=-1)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1) (0/1 labels become -1/1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return backend.mean(backend.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = reduction_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = reduction_ops.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    zero = op_builder.constant(0.0, dtype=y_pred.dtype)
    return math_ops.maximum(neg - pos + 1.0, zero)


def huber(y_true, y_pred, delta=1.0):
    """mean of 0.5 * e^2 where |e| <= delta, else delta * |e| - 0.5 * delta^2."""
    y_pred = unary_ops.cast(y_pred, backend.floatx())
    y_true = unary_ops.cast(y_true, backend.floatx())
    delta = op_builder.constant(delta, dtype=backend.floatx())
    error = math_ops.subtract(y_pred, y_true)
    abs_error = unary_ops.abs(error)
    half = op_builder.convert_to_tensor(0.5, dtype=abs_error.dtype)
    return backend.mean(reduction_ops.where_v2(
        abs_error <= delta, half * unary_ops.square(error),
        delta * abs_error - half * unary_ops.square(delta)), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed stably."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return backend.mean(x + nn_ops.softplus(-2.0 * x) -
                        op_builder.constant(math.log(2.0), dtype=x.dtype), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    """Cross-entropy of one-hot labels (optionally smoothed) and predictions."""
    if isinstance(axis, bool):
        raise ValueError("`axis` must be of type `int`. Received: "
                         f"axis={axis} of type {type(axis)}")
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        num_classes = unary_ops.cast(array_ops.shape(y_true)[-1], y_pred.dtype)
        ls = op_builder.constant(label_smoothing, dtype=y_pred.dtype)
        y_true = y_true * (1.0 - ls) + (ls / num_classes)
    return backend.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Cross-entropy of integer labels and predictions."""
    return backend.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                   axis=axis, ignore_class=ignore_class)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of the element-wise binary cross-entropy."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        ls = op_builder.constant(label_smoothing, dtype=y_pred.dtype)
        y_true = y_true * (1.0 - ls) + 0.5 * ls
    return backend.mean(backend.binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                        axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of the binary focal cross-entropy."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        ls = op_builder.constant(label_smoothing, dtype=y_pred.dtype)
        y_true = y_true * (1.0 - ls) + 0.5 * ls
    return backend.mean(backend.binary_focal_crossentropy(
        y_true, y_pred, apply_class_balancing=apply_class_balancing, alpha=alpha,
        gamma=gamma, from_logits=from_logits), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy of one-hot labels (optionally smoothed)."""
    if isinstance(axis, bool):
        raise ValueError("`axis` must be of type `int`. Received: "
                         f"axis={axis} of type {type(axis)}")
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        num_classes = unary_ops.cast(array_ops.shape(y_true)[-1], y_pred.dtype)
        ls = op_builder.constant(label_smoothing, dtype=y_pred.dtype)
        y_true = y_true * (1.0 - ls) + (ls / num_classes)
    return backend.categorical_focal_crossentropy(y_true, y_pred, alpha=alpha, gamma=gamma,
                                                  from_logits=from_logits, axis=axis)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = backend.clip(y_true, backend.epsilon(), 1)
    y_pred = backend.clip(y_pred, backend.epsilon(), 1)
    return reduction_ops.reduce_sum(y_true * unary_ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return backend.mean(y_pred - y_true * unary_ops.log(y_pred + backend.epsilon()), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = backend.l2_normalize(y_true, axis=axis)
    y_pred = backend.l2_normalize(y_pred, axis=axis)
    return -reduction_ops.reduce_sum(y_true * y_pred, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
cosine = cosine_proximity = cosine_similarity


# ---------------------------------------------------------------- classes

class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` reduces `call`'s per-sample
    values by `reduction`, inside a name scope named after the loss."""

    def __init__(self, reduction=ReductionV2.AUTO, name=None):
        ReductionV2.validate(reduction)
        self.reduction = reduction
        self.name = name
        if name is None:
            self._name_scope = type(self).__name__.strip("_")
        elif name == "<lambda>":
            self._name_scope = "lambda"
        else:
            self._name_scope = name.strip("_")

    def __call__(self, y_true, y_pred, sample_weight=None):
        with backend.name_scope(self._name_scope):
            losses = self.call(y_true, y_pred)
            reduction = self._get_reduction()
            return compute_weighted_loss(losses, sample_weight, reduction=reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError("Must be implemented in subclasses.")

    def _get_reduction(self):
        if self.reduction == ReductionV2.AUTO:
            return ReductionV2.SUM_OVER_BATCH_SIZE
        return self.reduction

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss computing `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction=ReductionV2.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_pred = op_builder.convert_to_tensor(y_pred)
        y_true = op_builder.convert_to_tensor(y_true)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = {}
        for k, v in self._fn_kwargs.items():
            if isinstance(v, (Tensor, variables_module.Variable)):
                v = backend.eval(v)
            config[k] = v
        config["fn"] = getattr(self.fn, "__name__", None)
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = get(fn)
        return cls(**config)


def _wrapper_class(cls_name, fn, default_name, doc, params=()):
    order = [p for p, _ in params] + ["reduction", "name"]

    def __init__(self, *args, **kwargs):
        if len(args) > len(order):
            raise TypeError(f"{cls_name}.__init__() takes at most {len(order)} positional "
                            "arguments")
        values = dict(params, reduction=ReductionV2.AUTO, name=default_name)
        for k, a in zip(order, args):
            values[k] = a
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{cls_name}.__init__() got an unexpected keyword "
                                f"argument '{k}'")
            values[k] = v
        reduction, name = values.pop("reduction"), values.pop("name")
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **values)

    def from_config(cls, config):
        config = dict(config)
        config.pop("fn", None)
        return cls(**config)
    return type(cls_name, (LossFunctionWrapper,), {
        "__init__": __init__, "__doc__": doc, "from_config": classmethod(from_config)})


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error,
                                  "mean_squared_error", "Mean of squared errors.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", "Mean of absolute errors.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "Binary cross-entropy.", (("from_logits", False), ("label_smoothing", 0.0),
                              ("axis", -1)))
BinaryFocalCrossentropy = _wrapper_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    "Binary focal cross-entropy.", (("apply_class_balancing", False), ("alpha", 0.25),
                                    ("gamma", 2.0), ("from_logits", False),
                                    ("label_smoothing", 0.0), ("axis", -1)))
CategoricalFocalCrossentropy = _wrapper_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    "categorical_focal_crossentropy", "Categorical focal cross-entropy of one-hot labels.",
    (("alpha", 0.25), ("gamma", 2.0), ("from_logits", False), ("label_smoothing", 0.0),
     ("axis", -1)))
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "Categorical cross-entropy of one-hot labels.",
    (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "Categorical cross-entropy of integer labels.",
    (("from_logits", False), ("ignore_class", None)))
Hinge = _wrapper_class("Hinge", hinge, "hinge", "Hinge loss.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge",
                              "Squared hinge loss.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "Categorical hinge loss.")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "Poisson loss.")
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh", "Log-cosh loss.")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence",
                              "Kullback-Leibler divergence.")
Huber = _wrapper_class("Huber", huber, "huber_loss", "Huber loss.", (("delta", 1.0),))
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                                  "Negative cosine similarity.", (("axis", -1),))

for _c in (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
           MeanSquaredLogarithmicError, BinaryCrossentropy, BinaryFocalCrossentropy,
           CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
           CategoricalHinge, Poisson, LogCosh, KLDivergence, Huber, CosineSimilarity,
           CategoricalFocalCrossentropy):
    _c.__module__ = __name__
del _c

_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, squared_hinge, hinge, categorical_hinge, huber, log_cosh,
    categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy,
    binary_focal_crossentropy, categorical_focal_crossentropy, kl_divergence, poisson,
    cosine_similarity)}
_FUNCTIONS.update(mse=mse, MSE=MSE, mae=mae, MAE=MAE, mape=mape, MAPE=MAPE, msle=msle,
                  MSLE=MSLE, kld=kld, KLD=KLD, kullback_leibler_divergence=kl_divergence,
                  logcosh=logcosh, cosine=cosine, cosine_proximity=cosine_proximity,
                  huber_loss=huber)
_CLASSES = {c.__name__: c for c in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge,
    SquaredHinge, CategoricalHinge, Poisson, LogCosh, KLDivergence, Huber, CosineSimilarity,
    CategoricalFocalCrossentropy)}


def serialize(loss):
    """A loss function's name, or a loss object's {'class_name', 'config'}."""
    if hasattr(loss, "get_config"):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return loss.__name__


def deserialize(name, custom_objects=None):
    """The loss function (or a new instance of the Loss class) called `name`, or the
    Loss of a `serialize` dict."""
    return generic_utils.deserialize_keras_object(
        name, dict(_FUNCTIONS, **_CLASSES), custom_objects, "loss function")


def get(identifier):
    """A loss from None, a name, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier}")


def is_categorical_crossentropy(loss):
    """Whether `loss` is categorical cross-entropy (by class, function or name)."""
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper) and
                loss.fn is categorical_crossentropy)
            or getattr(loss, "__name__", None) == "categorical_crossentropy"
            or loss == "categorical_crossentropy")
