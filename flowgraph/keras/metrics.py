"""`tf.keras.metrics`: the metric functions of Keras 2 and its stateful metric classes as
TF1 graph mode runs them: `update_state` returns an op adding to the metric's variables,
`result()` a tensor, `metric(y_true, y_pred)` both (the result after the update), and
`reset_states()` zeroes the variables in the Keras session."""
import functools
import weakref

import numpy as np

from flowgraph.framework import op_builder
from flowgraph.framework.graph import Tensor, control_dependencies
from flowgraph.keras import backend, initializers, losses
from flowgraph.keras.losses_utils import squeeze_or_expand_dimensions
from flowgraph.ops import (
    array_ops,
    core,
    creation_ops,
    diag_ops,
    gather_ops,
    histogram_ops,
    join_ops,
    manip_ops,
    math_ops,
    reduction_ops,
    unary_ops,
    xent_ops,
)
from flowgraph.ops import variables as variables_module
from flowgraph.keras.utils import generic_utils

NEG_INF = -1e10


# ---------------------------------------------------------------- functions

def _matches_dtype(y_true, y_pred):
    y_pred = op_builder.convert_to_tensor(y_pred)
    y_true = op_builder.convert_to_tensor(y_true)
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred, else 0.0."""
    y_true, y_pred = _matches_dtype(y_true, y_pred)
    y_true.shape.assert_is_compatible_with(y_pred.shape)
    if y_true.dtype != y_pred.dtype:
        y_pred = unary_ops.cast(y_pred, y_true.dtype)
    return unary_ops.cast(math_ops.equal(y_true, y_pred), backend.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = _matches_dtype(y_true, y_pred)
    threshold = unary_ops.cast(threshold, y_pred.dtype)
    y_pred = unary_ops.cast(y_pred > threshold, y_pred.dtype)
    if y_true.dtype != y_pred.dtype:
        y_true = unary_ops.cast(y_true, y_pred.dtype)
    return reduction_ops.reduce_mean(
        unary_ops.cast(math_ops.equal(y_true, y_pred), backend.floatx()), axis=-1)


def _sparse_categorical_matches(y_true, y_pred):
    y_true, y_pred = _matches_dtype(y_true, y_pred)
    y_true_shape = array_ops.shape(y_true)
    reshape = False
    yt_rank, yp_rank = y_true.shape.ndims, y_pred.shape.ndims
    if yt_rank is not None and yp_rank is not None and yt_rank == yp_rank:
        y_true = array_ops.squeeze(y_true, [-1])
        reshape = True
    y_pred = reduction_ops.argmax(y_pred, axis=-1)
    if y_pred.dtype != y_true.dtype:
        y_pred = unary_ops.cast(y_pred, y_true.dtype)
    matches = unary_ops.cast(math_ops.equal(y_true, y_pred), backend.floatx())
    if reshape:
        matches = array_ops.reshape(matches, y_true_shape)
    return matches


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true)."""
    y_true = op_builder.convert_to_tensor(y_true)
    return _sparse_categorical_matches(reduction_ops.argmax(y_true, axis=-1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == y_true (integer labels, shape (n,) or (n, 1))."""
    matches = _sparse_categorical_matches(y_true, y_pred)
    if matches.shape.ndims is not None and matches.shape.ndims > 1 and \
            matches.shape.as_list()[-1] == 1:
        matches = array_ops.squeeze(matches, [-1])
    return matches


def _sparse_top_k_matches(y_true, y_pred, k=5):
    y_true, y_pred = _matches_dtype(y_true, y_pred)
    reshape = False
    y_true_shape = array_ops.shape(y_true)
    if y_true.shape.ndims is not None and y_pred.shape.ndims is not None:
        if y_pred.shape.ndims > 2:
            y_pred = array_ops.reshape(y_pred, [-1, y_pred.shape.as_list()[-1]])
        if y_true.shape.ndims > 1:
            reshape = True
            y_true = array_ops.reshape(y_true, [-1])
    matches = unary_ops.cast(xent_ops.in_top_k(y_pred, unary_ops.cast(y_true, "int32"), k),
                             backend.floatx())
    if reshape:
        return array_ops.reshape(matches, y_true_shape)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where argmax(y_true) is among the k largest predictions."""
    y_true = op_builder.convert_to_tensor(y_true)
    return _sparse_top_k_matches(reduction_ops.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the k largest predictions."""
    return _sparse_top_k_matches(y_true, y_pred, k)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)."""
    y_true = backend.l2_normalize(op_builder.convert_to_tensor(y_true), axis=axis)
    y_pred = backend.l2_normalize(op_builder.convert_to_tensor(y_pred), axis=axis)
    return reduction_ops.reduce_sum(y_true * y_pred, axis=axis)


mean_squared_error = mse = MSE = losses.mean_squared_error
mean_absolute_error = mae = MAE = losses.mean_absolute_error
mean_absolute_percentage_error = mape = MAPE = losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = losses.mean_squared_logarithmic_error
hinge = losses.hinge
squared_hinge = losses.squared_hinge
categorical_hinge = losses.categorical_hinge
kl_divergence = kld = KLD = kullback_leibler_divergence = losses.kl_divergence
poisson = losses.poisson
log_cosh = logcosh = losses.log_cosh
binary_crossentropy = losses.binary_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
binary_focal_crossentropy = losses.binary_focal_crossentropy
acc = ACC = accuracy
cosine = cosine_proximity = cosine_similarity


# ---------------------------------------------------------------- base classes

_METRIC_OF_RESULT = weakref.WeakKeyDictionary()


def metric_object(result_tensor):
    """The Metric whose `__call__` returned `result_tensor` (Keras's `_metric_obj`)."""
    try:
        return _METRIC_OF_RESULT.get(result_tensor)
    except TypeError:
        return None


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class Metric:
    """Base class of stateful metrics: `update_state(...)` (an op), `result()` (a tensor),
    `reset_state()`; variables are made with `add_weight` (non-trainable, in no
    collection, initialized by `backend.get_session`)."""

    def __init__(self, name=None, dtype=None, **kwargs):
        self._name = name or _snake(type(self).__name__)
        self._dtype = backend.floatx() if dtype is None else \
            getattr(dtype, "name", dtype)
        self._metric_variables = []
        self.stateful = True
        self.built = True
        self.trainable = False

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)

    @property
    def variables(self):
        return list(self._metric_variables)

    weights = variables
    non_trainable_weights = variables
    trainable_weights = property(lambda self: [])

    def add_weight(self, name, shape=(), aggregation=None, synchronization=None,
                   initializer=None, dtype=None):
        """A metric variable `name` (zeros by default)."""
        dt = self._dtype if dtype is None else dtype
        init = initializers.get(initializer or "zeros")
        v = variables_module.Variable(functools.partial(init, shape=shape, dtype=dt),
                                      name=name, dtype=dt, trainable=False, collections=[])
        backend.track_variable(v)
        self._metric_variables.append(v)
        return v

    def __call__(self, *args, **kwargs):
        update_op = self.update_state(*args, **kwargs)
        deps = [update_op] if update_op is not None else []
        with control_dependencies(deps):
            result = self.result()
        if not isinstance(result, Tensor):
            result = core.identity(result)
        _METRIC_OF_RESULT[result] = self
        return result

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self):
        raise NotImplementedError("Must be implemented in subclasses.")

    def reset_state(self):
        """Zeroes every metric variable (in the Keras session)."""
        backend.batch_set_value([(v, np.zeros(v.shape.as_list())) for v in self.variables])

    reset_states = reset_state

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _broadcast_weights(weights, values):
    """`weights` broadcast to the shape of `values` (ValueError if they can't)."""
    ws, vs = weights.shape, values.shape
    if ws.ndims is not None and vs.ndims is not None:
        if ws.ndims > vs.ndims:
            raise ValueError("weights can not be broadcast to values.")
        for w, v in zip(reversed(ws.as_list()), reversed(vs.as_list())):
            if w not in (1, None) and v is not None and w != v:
                raise ValueError("weights can not be broadcast to values.")
        if ws.ndims and ws.ndims < vs.ndims:
            raise ValueError("weights can not be broadcast to values.")
        if ws.as_list() == vs.as_list() and None not in vs.as_list():
            return weights
    return math_ops.multiply(weights, creation_ops.ones_like(values))


class Reduce(Metric):
    """Sums values into `total` (and their count or weight into `count`)."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total", initializer="zeros")
        if reduction in ("sum_over_batch_size", "weighted_mean"):
            self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, values, sample_weight=None):
        values = unary_ops.cast(values, self._dtype)
        if sample_weight is not None:
            sample_weight = unary_ops.cast(sample_weight, self._dtype)
            values, _, sample_weight = squeeze_or_expand_dimensions(
                values, sample_weight=sample_weight)
            try:
                sample_weight = _broadcast_weights(sample_weight, values)
            except ValueError:
                nd, wd = values.shape.ndims, sample_weight.shape.ndims
                reduce = reduction_ops.reduce_sum if self.reduction == "sum" else \
                    reduction_ops.reduce_mean
                values = reduce(values, axis=list(range(wd, nd)))
            values = math_ops.multiply(values, sample_weight)
        value_sum = reduction_ops.reduce_sum(values)
        with control_dependencies([value_sum]):
            update_total = state_assign_add(self.total, value_sum)
        if self.reduction == "sum":
            return update_total.op
        if self.reduction == "sum_over_batch_size" or sample_weight is None:
            num_values = unary_ops.cast(array_ops.size(values), self._dtype)
        else:
            num_values = reduction_ops.reduce_sum(sample_weight)
        with control_dependencies([update_total]):
            return state_assign_add(self.count, num_values).op

    def result(self):
        if self.reduction == "sum":
            return core.identity(self.total)
        return math_ops.div_no_nan(self.total, self.count)


def state_assign_add(var, value):
    return var.assign_add(value)


class Sum(Reduce):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__("weighted_mean", name=name, dtype=dtype)


class MeanTensor(Metric):
    """The element-wise (weighted) mean of same-shaped tensors; the variables take the
    shape of the first value (or `shape`)."""

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._built = False
        if shape is not None:
            self._build(shape)

    def _build(self, shape):
        from_list = shape.as_list() if hasattr(shape, "as_list") else list(shape)
        self._shape = tuple(from_list)
        self.total = self.add_weight("total", shape=self._shape)
        self.count = self.add_weight("count", shape=self._shape)
        self._built = True

    def update_state(self, values, sample_weight=None):
        values = unary_ops.cast(values, self._dtype)
        if not self._built:
            self._build(values.shape)
        elif tuple(values.shape.as_list()) != self._shape:
            raise ValueError("MeanTensor input values must always have the same shape. "
                             f"Expected shape (set during the first call): {self._shape}. "
                             f"Got: {tuple(values.shape.as_list())}.")
        num_values = creation_ops.ones_like(values)
        if sample_weight is not None:
            sample_weight = unary_ops.cast(sample_weight, self._dtype)
            values, _, sample_weight = squeeze_or_expand_dimensions(
                values, sample_weight=sample_weight)
            sample_weight = _broadcast_weights(sample_weight, values)
            num_values = math_ops.multiply(num_values, sample_weight)
            values = math_ops.multiply(values, sample_weight)
        update_total = state_assign_add(self.total, values)
        with control_dependencies([update_total]):
            return state_assign_add(self.count, num_values).op

    def result(self):
        if not self._built:
            raise ValueError("MeanTensor does not have any value yet. Please call the "
                             "MeanTensor instance or use `.update_state(value)` before "
                             "retrieving the result.")
        return math_ops.div_no_nan(self.total, self.count)


class MeanRelativeError(Mean):
    """The mean of |y_true - y_pred| / normalizer."""

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name or "mean_relative_error", dtype=dtype)
        self.normalizer = unary_ops.cast(normalizer, self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = unary_ops.cast(y_true, self._dtype)
        y_pred = unary_ops.cast(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        y_pred, normalizer = squeeze_or_expand_dimensions(y_pred, self.normalizer)
        errors = math_ops.div_no_nan(unary_ops.abs(y_true - y_pred), normalizer)
        return super().update_state(errors, sample_weight=sample_weight)

    def get_config(self):
        return dict(super().get_config(), normalizer=backend.eval(self.normalizer))


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = unary_ops.cast(y_true, self._dtype)
        y_pred = unary_ops.cast(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = {}
        for k, v in self._fn_kwargs.items():
            config[k] = backend.eval(v) if isinstance(v, (Tensor, variables_module.Variable)) \
                else v
        if type(self) is MeanMetricWrapper:
            config["fn"] = self._fn
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            fn = config.pop("fn")
            return cls(get(fn), **config)
        return cls(**config)


def _wrapper(cls_name, fn, default_name, doc, params=()):
    order = ["name", "dtype"] + [p for p, _ in params]

    def __init__(self, *args, **kwargs):
        values = dict(params, name=default_name, dtype=None)
        for k, a in zip(order, args):
            values[k] = a
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{cls_name}.__init__() got an unexpected keyword "
                                f"argument '{k}'")
            values[k] = v
        name, dtype = values.pop("name"), values.pop("dtype")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
    cls = type(cls_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})
    cls.__module__ = __name__
    return cls


Accuracy = _wrapper("Accuracy", accuracy, "accuracy", "How often y_pred equals y_true.")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                          "How often thresholded predictions match binary labels.",
                          (("threshold", 0.5),))
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy",
                               "How often argmax(y_pred) matches one-hot labels.")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy",
                                     "How often argmax(y_pred) matches integer labels.")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy",
                                   "How often one-hot labels are in the top k.",
                                   (("k", 5),))
SparseTopKCategoricalAccuracy = _wrapper(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy", "How often integer labels are in the top k.",
    (("k", 5),))
MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error",
                            "Mean squared error.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                             "Mean absolute error.")
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
Hinge = _wrapper("Hinge", hinge, "hinge", "Hinge loss as a metric.")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "squared_hinge",
                        "Squared hinge loss as a metric.")
CategoricalHinge = _wrapper("CategoricalHinge", categorical_hinge, "categorical_hinge",
                            "Categorical hinge loss as a metric.")
LogCoshError = _wrapper("LogCoshError", logcosh, "logcosh", "Log-cosh error.")
Poisson = _wrapper("Poisson", poisson, "poisson", "Poisson loss as a metric.")
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kullback_leibler_divergence",
                        "Kullback-Leibler divergence as a metric.")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            "Cosine similarity of labels and predictions.", (("axis", -1),))
BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy,
                              "binary_crossentropy", "Binary cross-entropy as a metric.",
                              (("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "Categorical cross-entropy as a metric.",
    (("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "Sparse categorical cross-entropy as a metric.",
    (("from_logits", False), ("ignore_class", None), ("axis", -1)))


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = unary_ops.cast(y_true, self._dtype)
        y_pred = unary_ops.cast(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return super().update_state(math_ops.squared_difference(y_pred, y_true),
                                    sample_weight=sample_weight)

    def result(self):
        return unary_ops.sqrt(math_ops.div_no_nan(self.total, self.count))


# ---------------------------------------------------------------- confusion matrix

def _parse_thresholds(thresholds, default):
    if thresholds is None:
        thresholds = [default]
    elif isinstance(thresholds, (int, float)):
        thresholds = [thresholds]
    thresholds = [float(t) for t in thresholds]
    for t in thresholds:
        if (t < 0 or t > 1) and t != NEG_INF:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return thresholds


def _filter_top_k(x, k):
    """x with everything but its k largest entries (last axis) set to NEG_INF."""
    _, idx = xent_ops.top_k(x, k, sorted=False)
    mask = reduction_ops.reduce_sum(gather_ops.one_hot(idx, array_ops.shape(x)[-1], axis=-1),
                                    axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None):
    """Adds the (weighted) counts of true/false positives/negatives at each threshold to
    the variables of `variables_to_update` (keys 'tp', 'fp', 'tn', 'fn'); returns the op."""
    y_true = unary_ops.cast(y_true, "float32")
    y_pred = unary_ops.cast(y_pred, "float32")
    y_pred.shape.assert_is_compatible_with(y_true.shape)
    thresholds = op_builder.constant(np.asarray(thresholds, np.float32))
    num_thresholds = thresholds.shape.as_list()[0]
    if sample_weight is None:
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
    else:
        sample_weight = unary_ops.cast(sample_weight, "float32")
        y_pred, y_true, sample_weight = squeeze_or_expand_dimensions(
            y_pred, y_true, sample_weight=sample_weight)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
    preds = array_ops.reshape(y_pred, [1, -1])
    labels = array_ops.reshape(unary_ops.cast(y_true, "bool"), [1, -1])
    thresh = array_ops.reshape(thresholds, [-1, 1])
    pred_is_pos = math_ops.greater(manip_ops.tile(preds, [num_thresholds, 1]),
                                   manip_ops.tile(thresh, join_ops.stack(
                                       [1, array_ops.shape(preds)[1]])))
    label_is_pos = manip_ops.tile(labels, [num_thresholds, 1])
    weights = None
    if sample_weight is not None:
        w = _broadcast_weights(sample_weight, y_pred)
        weights = manip_ops.tile(array_ops.reshape(w, [1, -1]), [num_thresholds, 1])
    pred_is_neg = math_ops.logical_not(pred_is_pos)
    label_is_neg = math_ops.logical_not(label_is_pos)
    conds = {"tp": (label_is_pos, pred_is_pos), "fp": (label_is_neg, pred_is_pos),
             "tn": (label_is_neg, pred_is_neg), "fn": (label_is_pos, pred_is_neg)}
    ops = []
    for key, var in variables_to_update.items():
        label, pred = conds[key]
        both = unary_ops.cast(math_ops.logical_and(label, pred), var.dtype)
        if weights is not None:
            both = both * unary_ops.cast(weights, var.dtype)
        ops.append(var.assign_add(reduction_ops.reduce_sum(both, 1)))
    return core.group(*ops)


class _ConfusionMatrixConditionCount(Metric):
    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),),
                                           initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables({self._key: self.accumulator}, y_true,
                                                 y_pred, self.thresholds,
                                                 sample_weight=sample_weight)

    def result(self):
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return core.identity(self.accumulator)

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds)


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives."""
    _key = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives."""
    _key = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives."""
    _key = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives."""
    _key = "fn"


class Precision(Metric):
    """tp / (tp + fp) at each threshold (optionally over the top_k or one class_id)."""
    _other = ("false_positives", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,),
                                              initializer="zeros")
        setattr(self, self._other[0], self.add_weight(self._other[0], shape=(n,),
                                                      initializer="zeros"))

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables(
            {"tp": self.true_positives, self._other[1]: getattr(self, self._other[0])},
            y_true, y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight)

    def result(self):
        tp = self.true_positives
        res = math_ops.div_no_nan(tp, tp + getattr(self, self._other[0]))
        return res[0] if len(self.thresholds) == 1 else res

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


class Recall(Precision):
    """tp / (tp + fn) at each threshold (optionally over the top_k or one class_id)."""
    _other = ("false_negatives", "fn")


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at `num_thresholds`
    thresholds (Riemann sum; 'interpolation' for PR uses Davis & Goadrich's formula)."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if multi_label or label_weights is not None:
            raise NotImplementedError("AUC with multi_label or label_weights is not "
                                      "supported by flowgraph")
        super().__init__(name=name, dtype=dtype)
        curve = curve.upper() if isinstance(curve, str) else curve
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid curve: "{curve}". Valid options are: "[\'ROC\', '
                             '\'PR\']"')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid summation method: "{summation_method}". Valid '
                             "options are: \"['interpolation', 'minoring', 'majoring']\"")
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = False
        self.num_labels = num_labels
        self.label_weights = None
        self._from_logits = from_logits
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(thresholds)
            self._evenly = bool(np.allclose(np.asarray(inner), np.arange(
                1, len(inner) + 1) / (len(inner) + 1), rtol=0, atol=1e-7)) if inner else True
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + list(inner) + [1.0 + eps])
        n = self.num_thresholds
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        self.true_negatives = self.add_weight("true_negatives", shape=(n,))
        self.false_positives = self.add_weight("false_positives", shape=(n,))
        self.false_negatives = self.add_weight("false_negatives", shape=(n,))

    @property
    def thresholds(self):
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._from_logits:
            y_pred = unary_ops.sigmoid(y_pred)
        return update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight)

    def interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(dp, 0), name="prec_slope")
        intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
        safe_p_ratio = reduction_ops.where(
            math_ops.logical_and(p[:n - 1] > 0, p[1:] > 0),
            math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0),
                                name="recall_relative_ratio"),
            creation_ops.ones_like(p[1:]))
        pr_auc_increment = math_ops.div_no_nan(
            prec_slope * (dtp + intercept * unary_ops.log(safe_p_ratio)),
            math_ops.maximum(tp[1:] + fn[1:], 0), name="pr_auc_increment")
        return reduction_ops.reduce_sum(pr_auc_increment, name="interpolate_pr_auc")

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        recall = math_ops.div_no_nan(self.true_positives,
                                     self.true_positives + self.false_negatives)
        if self.curve == "ROC":
            x = math_ops.div_no_nan(self.false_positives,
                                    self.false_positives + self.true_negatives)
            y = recall
        else:
            x = recall
            y = math_ops.div_no_nan(self.true_positives,
                                    self.true_positives + self.false_positives)
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = math_ops.minimum(y[:n - 1], y[1:])
        else:
            heights = math_ops.maximum(y[:n - 1], y[1:])
        return reduction_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], heights),
                                        name=self.name)

    def get_config(self):
        config = dict(super().get_config(), num_thresholds=self.num_thresholds,
                      curve=self.curve, summation_method=self.summation_method,
                      multi_label=self.multi_label, num_labels=self.num_labels,
                      label_weights=None, from_logits=self._from_logits)
        if not self._evenly:
            config["thresholds"] = self.thresholds[1:-1]
        return config


class _AtConstraint(Metric):
    """Confusion counts at `num_thresholds` evenly spaced thresholds in [0, 1]; the result
    is the best `_target` among thresholds whose `_constrained` value >= `value`."""
    _arg = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._arg}` must be in the range [0, 1]. "
                             f"Received: {self._arg}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        setattr(self, self._arg, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        n = num_thresholds
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        self.true_negatives = self.add_weight("true_negatives", shape=(n,))
        self.false_positives = self.add_weight("false_positives", shape=(n,))
        self.false_negatives = self.add_weight("false_negatives", shape=(n,))
        if n == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [0.0] + [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)] + [1.0]

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight)

    def _rates(self):
        tp, tn = self.true_positives, self.true_negatives
        fp, fn = self.false_positives, self.false_negatives
        return {"sensitivity": math_ops.div_no_nan(tp, tp + fn),
                "recall": math_ops.div_no_nan(tp, tp + fn),
                "specificity": math_ops.div_no_nan(tn, tn + fp),
                "precision": math_ops.div_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        constrained, target = rates[self._arg], rates[self._target]
        feasible = reduction_ops.where(math_ops.greater_equal(constrained, self.value))
        best = reduction_ops.reduce_max(gather_ops.gather(target, feasible))
        return reduction_ops.where_v2(math_ops.greater(array_ops.size(feasible), 0), best,
                                      0.0)

    def get_config(self):
        return dict(super().get_config(), class_id=self.class_id,
                    num_thresholds=self.num_thresholds, **{self._arg: self.value})


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where specificity >= `specificity`."""
    _arg, _target = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where sensitivity >= `sensitivity`."""
    _arg, _target = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision where recall >= `recall`."""
    _arg, _target = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall where precision >= `precision`."""
    _arg, _target = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class MeanIoU(Metric):
    """Mean over classes of intersection-over-union, from an accumulated confusion
    matrix of class ids (or of argmax'ed scores with `sparse_y_*=False`)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(num_classes, num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = reduction_ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = reduction_ops.argmax(y_pred, axis=self.axis)
        y_true = array_ops.reshape(unary_ops.cast(y_true, self._dtype), [-1])
        y_pred = array_ops.reshape(unary_ops.cast(y_pred, self._dtype), [-1])
        if sample_weight is not None:
            sample_weight = array_ops.reshape(unary_ops.cast(sample_weight, self._dtype), [-1])
        if self.ignore_class is not None:
            keep = math_ops.not_equal(y_true, unary_ops.cast(self.ignore_class, self._dtype))
            y_true = gather_ops.boolean_mask(y_true, keep)
            y_pred = gather_ops.boolean_mask(y_pred, keep)
            if sample_weight is not None:
                sample_weight = gather_ops.boolean_mask(sample_weight, keep)
        cm = histogram_ops.confusion_matrix(unary_ops.cast(y_true, "int64"),
                                            unary_ops.cast(y_pred, "int64"),
                                            self.num_classes, weights=sample_weight,
                                            dtype=self._dtype)
        return self.total_cm.assign_add(cm).op

    def result(self):
        rows = reduction_ops.reduce_sum(self.total_cm, axis=0)
        cols = reduction_ops.reduce_sum(self.total_cm, axis=1)
        tp = diag_ops.diag_part(self.total_cm)
        denominator = rows + cols - tp
        valid = reduction_ops.reduce_sum(unary_ops.cast(math_ops.not_equal(denominator, 0),
                                                        self._dtype))
        iou = math_ops.div_no_nan(tp, denominator)
        return math_ops.div_no_nan(reduction_ops.reduce_sum(iou, name="mean_iou"), valid)

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes,
                    ignore_class=self.ignore_class, sparse_y_true=self.sparse_y_true,
                    sparse_y_pred=self.sparse_y_pred, axis=self.axis)


# ---------------------------------------------------------------- lookup

_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, hinge, squared_hinge, categorical_hinge, kl_divergence,
    poisson, log_cosh, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_focal_crossentropy)}
_FUNCTIONS.update(acc=accuracy, ACC=accuracy, mse=mse, MSE=MSE, mae=mae, MAE=MAE, mape=mape,
                  MAPE=MAPE, msle=msle, MSLE=MSLE, kld=kld, KLD=KLD,
                  kullback_leibler_divergence=kl_divergence, logcosh=logcosh, cosine=cosine,
                  cosine_proximity=cosine_proximity)
_CLASSES = {c.__name__: c for c in (
    Metric, Reduce, Sum, Mean, MeanMetricWrapper, MeanTensor, MeanRelativeError, Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge, SquaredHinge,
    CategoricalHinge, LogCoshError, Poisson, KLDivergence, CosineSimilarity,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    RootMeanSquaredError, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    Precision, Recall, AUC, SensitivityAtSpecificity, SpecificityAtSensitivity,
    PrecisionAtRecall, RecallAtPrecision, MeanIoU)}


def serialize(metric):
    """A metric function's name, or a metric object's {'class_name', 'config'}."""
    if hasattr(metric, "get_config"):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return metric.__name__


def deserialize(config, custom_objects=None):
    """The metric function called `config`, or the Metric of a `serialize` dict."""
    return generic_utils.deserialize_keras_object(
        config, dict(_FUNCTIONS, **_CLASSES), custom_objects, "metric function")


def get(identifier):
    """A metric from a name, a config dict or a callable."""
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
