"""The v1 canned heads: given logits, a head builds the predictions, the loss (weighted,
reduced as `loss_reduction` says, `SUM` by default), the eval metrics and the export
outputs of an `EstimatorSpec`, as the `tf.compat.v1.estimator` canned estimators do.

Binary classification: sigmoid cross entropy over logits `[D0, ... DN, 1]`; multi-class:
sparse softmax cross entropy over `[D0, ... DN, n_classes]`; regression: squared error
over `[D0, ... DN, label_dimension]`. Metric keys are `MetricKeys`, prediction keys
`PredictionKeys`; with a head `name` both are suffixed `/name`."""
import collections
import inspect

from flowgraph.estimator import model_fn as model_fn_lib
from flowgraph.estimator.canned.metric_keys import MetricKeys
from flowgraph.estimator.canned.prediction_keys import PredictionKeys
from flowgraph.estimator import export_output
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.feature_column import base as fc_base, numeric
from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, control_dependencies, get_collection, name_scope
from flowgraph.framework.op_builder import constant, convert_to_tensor
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.losses import losses_impl, util as losses_util
from flowgraph.metrics import metrics_impl, threshold_metrics
from flowgraph.ops import (array_ops, core, creation_ops, debug_ops, gather_ops, join_ops,
                           lookup_ops, manip_ops, math_ops, nn_ops, reduction_ops, string_ops,
                           unary_ops, xent_ops)
from flowgraph.summary import summary
from flowgraph.train import training_util

__all__ = []

Reduction = losses_impl.Reduction

_DEFAULT_SERVING_KEY = "serving_default"
_CLASSIFY_SERVING_KEY = "classification"
_REGRESS_SERVING_KEY = "regression"
_PREDICT_SERVING_KEY = "predict"

LossSpec = collections.namedtuple(
    "LossSpec", ["training_loss", "unreduced_loss", "weights", "processed_labels"])


def _summary_key(head_name, key):
    return f"{key}/{head_name}" if head_name else key


class _Head:
    """The top of a model: logits in, an `EstimatorSpec` out. Subclasses give
    `logits_dimension`, `create_loss`, `_predictions`, `_export_outputs` and
    `_eval_metric_ops`."""

    _name = None
    _loss_reduction = Reduction.SUM

    def __init__(self, weight_column=None, loss_reduction=Reduction.SUM, loss_fn=None,
                 name=None):
        self._weight_column = weight_column
        self._loss_reduction = loss_reduction
        self._loss_fn = loss_fn
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def logits_dimension(self):
        raise NotImplementedError

    def create_loss(self, features, mode, logits, labels):
        """A `LossSpec` (training loss, unreduced loss, weights, processed labels)."""
        raise NotImplementedError

    def create_estimator_spec(self, features, mode, logits, labels=None, optimizer=None,
                              train_op_fn=None, regularization_losses=None):
        """The `EstimatorSpec` for `mode`. In TRAIN, exactly one of `optimizer` (its
        `minimize` of the loss, stepping the global step) and `train_op_fn` (called with
        the loss) makes the train op; `regularization_losses` are added to the loss."""
        with name_scope(self._name, "head"):
            logits = _check_logits_final_dim(logits, self.logits_dimension)
            predictions = self._predictions(logits)
            if mode == ModeKeys.PREDICT:
                return model_fn_lib.EstimatorSpec(
                    mode=ModeKeys.PREDICT, predictions=predictions,
                    export_outputs=self._export_outputs(predictions))
            loss_spec = self.create_loss(features=features, mode=mode, logits=logits,
                                         labels=labels)
            if regularization_losses:
                regularization_loss = math_ops.add_n(list(regularization_losses))
                loss = math_ops.add_n([loss_spec.training_loss, regularization_loss])
            else:
                regularization_loss = None
                loss = loss_spec.training_loss
            if mode == ModeKeys.EVAL:
                eval_args = (loss_spec, predictions, regularization_loss)
            else:
                train_op = self._train_op(loss, optimizer, train_op_fn)
                mean_loss = None
                if self._loss_reduction == Reduction.SUM:
                    weight_sum = reduction_ops.reduce_sum(
                        loss_spec.weights * creation_ops.ones_like(loss_spec.unreduced_loss))
                    mean_loss = loss_spec.training_loss / weight_sum
        if mode == ModeKeys.EVAL:
            return model_fn_lib.EstimatorSpec(mode=ModeKeys.EVAL, predictions=predictions,
                                              loss=loss,
                                              eval_metric_ops=self._eval_metric_ops(*eval_args))
        with name_scope(""):
            summary.scalar(_summary_key(self._name, MetricKeys.LOSS), loss)
            if mean_loss is not None:
                summary.scalar(_summary_key(self._name, MetricKeys.LOSS_MEAN), mean_loss)
            if regularization_loss is not None:
                summary.scalar(_summary_key(self._name, MetricKeys.LOSS_REGULARIZATION),
                               regularization_loss)
        return model_fn_lib.EstimatorSpec(mode=ModeKeys.TRAIN, predictions=predictions,
                                          loss=loss, train_op=train_op)

    @staticmethod
    def _train_op(loss, optimizer, train_op_fn):
        if optimizer is not None:
            if train_op_fn is not None:
                raise ValueError("train_op_fn and optimizer cannot both be set.")
            train_op = optimizer.minimize(loss, global_step=training_util.get_global_step())
        elif train_op_fn is not None:
            train_op = train_op_fn(loss)
        else:
            raise ValueError("train_op_fn and optimizer cannot both be None.")
        update_ops = get_collection(GraphKeys.UPDATE_OPS)
        return core.group(train_op, *update_ops) if update_ops else train_op

    def _weighted_loss(self, features, logits, labels, unweighted_loss,
                       allow_per_logit_weights=False):
        weights = _get_weights_and_check_match_logits(features, self._weight_column, logits,
                                                      allow_per_logit_weights)
        training_loss = losses_impl.compute_weighted_loss(unweighted_loss, weights=weights,
                                                          reduction=self._loss_reduction)
        return LossSpec(training_loss, unweighted_loss, weights, labels)

    def _loss_metric(self, loss_spec):
        return metrics_impl.mean(loss_spec.unreduced_loss, weights=loss_spec.weights,
                                 name=MetricKeys.LOSS_MEAN)

    def _regularization_metric(self, metric_ops, regularization_loss):
        if regularization_loss is not None:
            metric_ops[_summary_key(self._name, MetricKeys.LOSS_REGULARIZATION)] = \
                metrics_impl.mean(regularization_loss, name=MetricKeys.LOSS_REGULARIZATION)
        return metric_ops


# -- argument checks -------------------------------------------------------------------

def _validate_loss_reduction(loss_reduction):
    if loss_reduction not in Reduction.all() or loss_reduction == Reduction.NONE:
        raise ValueError(f"Invalid loss_reduction: {loss_reduction}")


def _validate_loss_fn_args(loss_fn):
    args = list(inspect.signature(loss_fn).parameters)
    for required in ("labels", "logits"):
        if required not in args:
            raise ValueError(f"loss_fn must contain argument: {required}. "
                             f"Given arguments: {args}")
    invalid = [a for a in args if a not in ("labels", "logits", "features")]
    if invalid:
        raise ValueError(f"loss_fn has unexpected args: {invalid}")


def _validate_common(loss_reduction, loss_fn):
    _validate_loss_reduction(loss_reduction)
    if loss_fn:
        _validate_loss_fn_args(loss_fn)


# -- graph checks ----------------------------------------------------------------------

def _check_dense_labels_match_logits_and_reshape(labels, logits, expected_labels_dimension):
    """`labels` as a dense tensor of shape `[D0, ... DN, expected_labels_dimension]`
    (rank-N labels get a trailing 1), checked against the logits at build and run time."""
    if labels is None:
        raise ValueError(
            "You must provide a labels Tensor. Given: None. Suggested troubleshooting "
            "steps: Check that your data contain your label feature. Check that your "
            "input_fn properly parses and returns labels.")
    with name_scope(None, "labels", (labels, logits)) as scope:
        if isinstance(labels, SparseTensor):
            d = expected_labels_dimension
            raise ValueError(
                f"SparseTensor labels are not supported. labels must be a Tensor of shape "
                f"[D0, D1, ..., DN, {d}], e.g. [batch_size, {d}]. Suggested Fix (1): Check "
                f"the label feature in your data. Each example must contain {d} value(s). "
                f"If not, your choice of label was probably incorrect. Suggested Fix (2): "
                f"In your input_fn, use tf.sparse_tensor_to_dense() to turn labels into a "
                f"Tensor.")
        labels = convert_to_tensor(labels)
        if labels.shape.ndims is not None and logits.shape.ndims is not None and \
                labels.shape.ndims == logits.shape.ndims - 1:
            labels = array_ops.expand_dims(labels, -1)
        labels_shape = array_ops.shape(labels)
        logits_shape = array_ops.shape(logits)
        err_msg = (f"labels shape must be [D0, D1, ... DN, {expected_labels_dimension}]. "
                   "Suggested Fix: check your n_classes argument to the estimator and/or "
                   "the shape of your label.")
        assert_rank = debug_ops.assert_rank_at_least(labels, 2, message=err_msg)
        with control_dependencies([assert_rank]):
            if labels.shape.ndims is not None:
                dim1 = labels.shape.as_list()[-1]
                if dim1 is not None and dim1 != expected_labels_dimension:
                    raise ValueError(
                        f"Mismatched label shape. Expected labels dimension="
                        f"{expected_labels_dimension}.  Received {dim1}. Suggested Fix:If "
                        f"your classifier expects one-hot encoding label,check your "
                        f"n_classes argument to the estimator and/or the shape of your "
                        f"label. Otherwise, check the shape of your label.")
            expected_shape = join_ops.concat([logits_shape[:-1], [expected_labels_dimension]],
                                             axis=0)
            assert_dim = debug_ops.assert_equal(
                expected_shape, labels_shape, message=err_msg,
                data=["expected_labels_shape: ", expected_shape, "labels_shape: ",
                      labels_shape])
            with control_dependencies([assert_dim]):
                return core.identity(labels, name=scope)


def _dense_weights(features, weight_column):
    """The weight column's dense float tensor: a string names a feature read as
    `numeric_column(key, shape=(1,))`; a dense column builds its tensor."""
    if isinstance(weight_column, str):
        weight_column = numeric.numeric_column(key=weight_column, shape=(1,))
    if not isinstance(weight_column, fc_base._DenseColumn):
        raise TypeError("Weight column must be either a string or _DenseColumn. "
                        f"Given type: {type(weight_column)}.")
    weights = weight_column._get_dense_tensor(fc_base._LazyBuilder(features))
    if not (weights.dtype.is_floating or weights.dtype.is_integer):
        raise ValueError(f"Weight column should be castable to float. Given dtype: "
                         f"{weights.dtype}")
    return unary_ops.cast(weights, dtypes.float32, name="weights")


def _get_weights_and_check_match_logits(features, weight_column, logits,
                                        allow_per_logit_weights=False):
    """1. without a weight column, else the weights shaped `[D0, ... DN, 1]` (or
    `[D0, ... DN, logits_dimension]` when `allow_per_logit_weights`), checked at run
    time against the logits."""
    if allow_per_logit_weights:
        err_msg = ("weights shape must be [D0, D1, ... DN], [D0, D1, ... DN, 1] or "
                   "[D0, D1, ... DN, logits_dimension]")
    else:
        err_msg = "weights shape must be [D0, D1, ... DN] or [D0, D1, ... DN, 1]"
    with name_scope(None, "weights", tuple(features.values()) + (logits,)) as scope:
        if weight_column is None:
            return 1.
        weights = _dense_weights(features, weight_column)
        weights_shape = array_ops.shape(weights, name="weights_shape")
        logits_shape = array_ops.shape(logits, name="logits_shape")
        data = ["logits_shape: ", logits_shape, "weights_shape: ", weights_shape]
        if weights.shape.ndims is not None and logits.shape.ndims is not None and \
                weights.shape.ndims == logits.shape.ndims - 1:
            check = debug_ops.assert_equal(logits_shape[:-1], weights_shape,
                                           message=err_msg, data=data)
            with control_dependencies([check]):
                return array_ops.expand_dims(weights, -1, name=scope)
        supported = join_ops.concat([logits_shape[:-1], [1]], axis=0)
        if allow_per_logit_weights:
            ok = reduction_ops.reduce_any([
                reduction_ops.reduce_all(math_ops.equal(logits_shape, weights_shape)),
                reduction_ops.reduce_all(math_ops.equal(supported, weights_shape))])
            check = debug_ops.Assert(ok, [err_msg] + data)
        else:
            check = debug_ops.assert_equal(supported, weights_shape, message=err_msg,
                                           data=data)
        with control_dependencies([check]):
            return core.identity(weights, name=scope)


def _check_logits_final_dim(logits, expected_logits_dimension):
    """`logits` as float32, checked to be `[D0, ... DN, expected_logits_dimension]`."""
    with name_scope(None, "logits", (logits,)) as scope:
        logits = unary_ops.cast(convert_to_tensor(logits), dtypes.float32)
        logits_shape = array_ops.shape(logits)
        assert_rank = debug_ops.assert_rank_at_least(
            logits, 2, data=[logits_shape],
            message="logits shape must be [D0, D1, ... DN, logits_dimension]")
        with control_dependencies([assert_rank]):
            static = logits.shape
            if static.ndims is not None and static.as_list()[-1] is not None:
                if isinstance(expected_logits_dimension, int) and \
                        static.as_list()[-1] != expected_logits_dimension:
                    raise ValueError(
                        f"logits shape must be [D0, D1, ... DN, logits_dimension="
                        f"{expected_logits_dimension}], got {static}.")
                return logits
            check = debug_ops.assert_equal(
                expected_logits_dimension, logits_shape[-1], data=[logits_shape],
                message=("logits shape must be [D0, D1, ... DN, logits_dimension="
                         f"{expected_logits_dimension}]"))
            with control_dependencies([check]):
                return core.identity(logits, name=scope)


def _assert_range(labels, n_classes, message=None):
    with name_scope(None, "assert_range", (labels,)):
        upper = debug_ops.assert_less_equal(
            labels, convert_to_tensor(n_classes - 1, dtype=labels.dtype),
            message=message or "Labels must <= n_classes - 1")
        lower = debug_ops.assert_non_negative(labels, message=message or "Labels must >= 0")
        with control_dependencies([upper, lower]):
            return core.identity(labels)


def _call_loss_fn(loss_fn, labels, logits, features, expected_loss_dim=1):
    """`loss_fn(labels=, logits=[, features=])`, checked at run time to be
    `[D0, ... DN, expected_loss_dim]`."""
    kwargs = {"features": features} if "features" in inspect.signature(loss_fn).parameters \
        else {}
    with name_scope(None, "call_loss_fn", [labels, logits] + list(features.values())):
        loss = loss_fn(labels=labels, logits=logits, **kwargs)
        logits_shape = array_ops.shape(logits, name="logits_shape")
        expected = join_ops.concat([logits_shape[:-1], [expected_loss_dim]], axis=0,
                                   name="expected_loss_shape")
        loss_shape = array_ops.shape(loss, name="loss_shape")
        check = debug_ops.Assert(
            reduction_ops.reduce_all(math_ops.equal(loss_shape, expected)),
            [f"loss_fn must return Tensor of shape [D0, D1, ... DN, {expected_loss_dim}]. ",
             "logits_shape: ", logits_shape, "loss_shape: ", loss_shape],
            name="check_loss_shape")
        with control_dependencies([check]):
            return core.identity(loss)


# -- vocabularies and class lists ------------------------------------------------------

def _vocabulary_ids(labels, vocabulary, name):
    """int64 ids of string `labels` in `vocabulary` (a table, as TF's); -1 for a label
    not in it."""
    if labels.dtype != dtypes.string:
        raise ValueError("Labels dtype should be string if there is a vocabulary. "
                         f"Instead got {labels.dtype}")
    return lookup_ops.index_table_from_tensor(vocabulary_list=tuple(vocabulary),
                                              name=name).lookup(labels)


def _class_strings(class_ids, label_vocabulary):
    if label_vocabulary:
        return gather_ops.gather(constant(list(label_vocabulary), dtype=dtypes.string),
                                 class_ids, name="class_string_lookup")
    return string_ops.as_string(class_ids, name="str_classes")


def _tiled_class_list(logits, n_classes, label_vocabulary=None, as_strings=False):
    """`[batch_size, n_classes]`: each row the class ids (or their strings)."""
    batch_size = array_ops.shape(logits)[0]
    if label_vocabulary:
        classes = constant(list(label_vocabulary), dtype=dtypes.string)
    else:
        classes = creation_ops.range(n_classes)
        if as_strings:
            classes = string_ops.as_string(classes)
    return manip_ops.tile(array_ops.expand_dims(classes, 0), [batch_size, 1])


def _classification_output(scores, n_classes, label_vocabulary=None):
    classes = _tiled_class_list(scores, n_classes, label_vocabulary, as_strings=True)
    return export_output.ClassificationOutput(scores=scores, classes=classes)


# -- metric helpers --------------------------------------------------------------------

def _weighted_mean(values, weights, name, default_name):
    with name_scope(name, default_name, (values, weights)) as scope:
        values = unary_ops.cast(values, dtypes.float32, name=default_name.split("_")[0])
        if weights is not None:
            weights = losses_util.broadcast_weights(weights, values)
        return metrics_impl.mean(values, weights=weights, name=scope)


def _indicator_labels_mean(labels, weights=None, name=None):
    return _weighted_mean(labels, weights, name, "labels_mean")


def _predictions_mean(predictions, weights=None, name=None):
    return _weighted_mean(predictions, weights, name, "predictions_mean")


def _accuracy_baseline(labels_mean):
    """max(mean, 1 - mean) of the labels mean: always predicting the likelier class."""
    with name_scope(None, "accuracy_baseline", labels_mean):
        value, update_op = labels_mean
        return (math_ops.maximum(value, 1. - value, name="value"),
                math_ops.maximum(update_op, 1 - update_op, name="update_op"))


def _auc(labels, predictions, weights=None, curve="ROC", name=None):
    with name_scope(name, "auc", (predictions, labels, weights)) as scope:
        predictions = unary_ops.cast(predictions, dtypes.float32, name="predictions")
        if weights is not None:
            weights = losses_util.broadcast_weights(weights, predictions)
        return metrics_impl.auc(labels=labels, predictions=predictions, weights=weights,
                                curve=curve, name=scope)


def _accuracy_at_threshold(labels, predictions, weights, threshold, name=None):
    with name_scope(name, f"accuracy_at_{threshold}",
                    (predictions, labels, weights)) as scope:
        thresholded = unary_ops.cast(math_ops.greater_equal(predictions, threshold),
                                     dtypes.float32)
        return metrics_impl.accuracy(labels=labels, predictions=thresholded, weights=weights,
                                     name=scope)


def _ratio_at_threshold(metric, labels, predictions, weights, threshold, name, default_name):
    with name_scope(name, default_name, (predictions, labels, weights)) as scope:
        value, update_op = metric(labels=labels, predictions=predictions,
                                  thresholds=(threshold,), weights=weights, name=scope)
        return array_ops.squeeze(value), array_ops.squeeze(update_op)


# -- the heads -------------------------------------------------------------------------

class _MultiClassHeadWithSoftmaxCrossEntropyLoss(_Head):
    """Multi-class classification: sparse softmax cross entropy over `n_classes` logits."""

    def __init__(self, n_classes, weight_column=None, label_vocabulary=None,
                 loss_reduction=Reduction.SUM, loss_fn=None, name=None):
        if n_classes is None:
            raise ValueError("n_classes cannot be None")
        if isinstance(n_classes, int) and n_classes <= 2:
            raise ValueError(f"n_classes must be > 2: {n_classes}.")
        super().__init__(weight_column, loss_reduction, loss_fn, name)
        self._n_classes = n_classes
        self._label_vocabulary = label_vocabulary

    @property
    def logits_dimension(self):
        return self._n_classes

    def _label_ids(self, labels):
        if self._label_vocabulary is None:
            if not labels.dtype.is_integer:
                raise ValueError(f"Labels dtype should be integer. Instead got "
                                 f"{labels.dtype}.")
            ids = labels
        else:
            ids = _vocabulary_ids(labels, self._label_vocabulary, "class_id_lookup")
        return _assert_range(ids, self._n_classes)

    def create_loss(self, features, mode, logits, labels):
        """See `_Head`."""
        del mode
        logits = convert_to_tensor(logits)
        labels = _check_dense_labels_match_logits_and_reshape(labels, logits, 1)
        label_ids = self._label_ids(labels)
        if self._loss_fn:
            loss = _call_loss_fn(self._loss_fn, label_ids, logits, features, 1)
        else:
            loss = losses_impl.sparse_softmax_cross_entropy(
                labels=label_ids, logits=logits, reduction=Reduction.NONE)
            loss = array_ops.expand_dims(loss, axis=-1)
        return self._weighted_loss(features, logits, label_ids, loss)

    def _predictions(self, logits):
        keys = PredictionKeys
        with name_scope(None, "predictions", (logits,)):
            all_class_ids = _tiled_class_list(logits, self._n_classes)
            all_classes = _tiled_class_list(logits, self._n_classes, self._label_vocabulary,
                                            as_strings=True)
            class_ids = reduction_ops.argmax(logits, axis=-1, name=keys.CLASS_IDS)
            class_ids = array_ops.expand_dims(class_ids, axis=-1)
            return {
                keys.LOGITS: logits,
                keys.PROBABILITIES: nn_ops.softmax(logits, name=keys.PROBABILITIES),
                keys.CLASS_IDS: class_ids,
                keys.CLASSES: _class_strings(class_ids, self._label_vocabulary),
                keys.ALL_CLASS_IDS: all_class_ids,
                keys.ALL_CLASSES: all_classes,
            }

    def _export_outputs(self, predictions):
        out = _classification_output(predictions[PredictionKeys.PROBABILITIES],
                                     self._n_classes, self._label_vocabulary)
        return {_DEFAULT_SERVING_KEY: out, _CLASSIFY_SERVING_KEY: out,
                _PREDICT_SERVING_KEY: export_output.PredictOutput(predictions)}

    def _eval_metric_ops(self, loss_spec, predictions, regularization_loss):
        with name_scope(None, "metrics"):
            metric_ops = {
                _summary_key(self._name, MetricKeys.LOSS_MEAN): self._loss_metric(loss_spec),
                _summary_key(self._name, MetricKeys.ACCURACY): metrics_impl.accuracy(
                    labels=loss_spec.processed_labels,
                    predictions=predictions[PredictionKeys.CLASS_IDS],
                    weights=loss_spec.weights, name=MetricKeys.ACCURACY),
            }
            return self._regularization_metric(metric_ops, regularization_loss)


class _BinaryLogisticHeadWithSigmoidCrossEntropyLoss(_Head):
    """Binary classification: sigmoid cross entropy over one logit."""

    def __init__(self, weight_column=None, thresholds=None, label_vocabulary=None,
                 loss_reduction=Reduction.SUM, loss_fn=None, name=None):
        super().__init__(weight_column, loss_reduction, loss_fn, name)
        self._thresholds = tuple(thresholds) if thresholds else ()
        self._label_vocabulary = label_vocabulary

    @property
    def logits_dimension(self):
        return 1

    def create_loss(self, features, mode, logits, labels):
        """See `_Head`."""
        del mode
        logits = convert_to_tensor(logits)
        labels = _check_dense_labels_match_logits_and_reshape(labels, logits, 1)
        if self._label_vocabulary is not None:
            labels = _vocabulary_ids(labels, self._label_vocabulary, "class_id_lookup")
        labels = _assert_range(unary_ops.cast(labels, dtypes.float32), 2)
        if self._loss_fn:
            loss = _call_loss_fn(self._loss_fn, labels, logits, features, 1)
        else:
            loss = xent_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return self._weighted_loss(features, logits, labels, loss)

    def _predictions(self, logits):
        keys = PredictionKeys
        with name_scope(None, "predictions", (logits,)):
            logistic = unary_ops.sigmoid(logits, name=keys.LOGISTIC)
            two_class_logits = join_ops.concat((creation_ops.zeros_like(logits), logits),
                                               axis=-1, name="two_class_logits")
            class_ids = reduction_ops.argmax(two_class_logits, axis=-1, name=keys.CLASS_IDS)
            class_ids = array_ops.expand_dims(class_ids, axis=-1)
            return {
                keys.LOGITS: logits,
                keys.LOGISTIC: logistic,
                keys.PROBABILITIES: nn_ops.softmax(two_class_logits, name=keys.PROBABILITIES),
                keys.CLASS_IDS: class_ids,
                keys.CLASSES: _class_strings(class_ids, self._label_vocabulary),
                keys.ALL_CLASS_IDS: _tiled_class_list(logits, 2),
                keys.ALL_CLASSES: _tiled_class_list(logits, 2, self._label_vocabulary,
                                                    as_strings=True),
            }

    def _export_outputs(self, predictions):
        out = _classification_output(predictions[PredictionKeys.PROBABILITIES], 2,
                                     self._label_vocabulary)
        return {_DEFAULT_SERVING_KEY: out, _CLASSIFY_SERVING_KEY: out,
                _REGRESS_SERVING_KEY: export_output.RegressionOutput(
                    value=predictions[PredictionKeys.LOGISTIC]),
                _PREDICT_SERVING_KEY: export_output.PredictOutput(predictions)}

    def _eval_metric_ops(self, loss_spec, predictions, regularization_loss):
        labels, weights = loss_spec.processed_labels, loss_spec.weights
        logistic = predictions[PredictionKeys.LOGISTIC]
        class_ids = predictions[PredictionKeys.CLASS_IDS]
        keys = MetricKeys
        with name_scope(None, "metrics"):
            labels_mean = _indicator_labels_mean(labels, weights, name=keys.LABEL_MEAN)
            ops = {
                keys.LOSS_MEAN: self._loss_metric(loss_spec),
                keys.ACCURACY: metrics_impl.accuracy(labels=labels, predictions=class_ids,
                                                     weights=weights, name=keys.ACCURACY),
                keys.PRECISION: metrics_impl.precision(labels=labels, predictions=class_ids,
                                                       weights=weights, name=keys.PRECISION),
                keys.RECALL: metrics_impl.recall(labels=labels, predictions=class_ids,
                                                 weights=weights, name=keys.RECALL),
                keys.PREDICTION_MEAN: _predictions_mean(logistic, weights,
                                                        name=keys.PREDICTION_MEAN),
                keys.LABEL_MEAN: labels_mean,
                keys.ACCURACY_BASELINE: _accuracy_baseline(labels_mean),
                keys.AUC: _auc(labels, logistic, weights, name=keys.AUC),
                keys.AUC_PR: _auc(labels, logistic, weights, curve="PR", name=keys.AUC_PR),
            }
            metric_ops = {_summary_key(self._name, k): v for k, v in ops.items()}
            self._regularization_metric(metric_ops, regularization_loss)
            for t in self._thresholds:
                key = keys.ACCURACY_AT_THRESHOLD % t
                metric_ops[_summary_key(self._name, key)] = _accuracy_at_threshold(
                    labels, logistic, weights, t, name=key)
                key = keys.PRECISION_AT_THRESHOLD % t
                metric_ops[_summary_key(self._name, key)] = _ratio_at_threshold(
                    threshold_metrics.precision_at_thresholds, labels, logistic, weights, t,
                    key, f"precision_at_{t}")
                key = keys.RECALL_AT_THRESHOLD % t
                metric_ops[_summary_key(self._name, key)] = _ratio_at_threshold(
                    threshold_metrics.recall_at_thresholds, labels, logistic, weights, t,
                    key, f"recall_at_{t}")
            return metric_ops


class _RegressionHeadWithMeanSquaredErrorLoss(_Head):
    """Regression: squared error over `label_dimension` logits (an optional
    `inverse_link_fn` maps logits to predicted values)."""

    def __init__(self, label_dimension, weight_column=None, loss_reduction=Reduction.SUM,
                 loss_fn=None, inverse_link_fn=None, name=None):
        if label_dimension < 1:
            raise ValueError(f"Invalid label_dimension {label_dimension}.")
        super().__init__(weight_column, loss_reduction, loss_fn, name)
        self._logits_dimension = label_dimension
        self._inverse_link_fn = inverse_link_fn

    @property
    def logits_dimension(self):
        return self._logits_dimension

    def create_loss(self, features, mode, logits, labels):
        """See `_Head`."""
        del mode
        logits = convert_to_tensor(logits)
        labels = _check_dense_labels_match_logits_and_reshape(labels, logits,
                                                              self._logits_dimension)
        labels = unary_ops.cast(labels, dtypes.float32)
        if self._loss_fn:
            loss = _call_loss_fn(self._loss_fn, labels, logits, features,
                                 self._logits_dimension)
        else:
            loss = losses_impl.mean_squared_error(labels=labels, predictions=logits,
                                                  reduction=Reduction.NONE)
        return self._weighted_loss(features, logits, labels, loss,
                                   allow_per_logit_weights=True)

    def _predictions(self, logits):
        if self._inverse_link_fn:
            return {PredictionKeys.PREDICTIONS: self._inverse_link_fn(logits),
                    PredictionKeys.LOGITS: logits}
        return {PredictionKeys.PREDICTIONS: logits}

    def _export_outputs(self, predictions):
        out = export_output.RegressionOutput(value=predictions[PredictionKeys.PREDICTIONS])
        return {_DEFAULT_SERVING_KEY: out, _REGRESS_SERVING_KEY: out,
                _PREDICT_SERVING_KEY: export_output.PredictOutput(predictions)}

    def _eval_metric_ops(self, loss_spec, predictions, regularization_loss):
        keys = MetricKeys
        weights = loss_spec.weights
        metric_ops = {
            _summary_key(self._name, keys.LOSS_MEAN): metrics_impl.mean(
                loss_spec.unreduced_loss, weights=weights),
            _summary_key(self._name, keys.PREDICTION_MEAN): _predictions_mean(
                predictions[PredictionKeys.PREDICTIONS], weights, name=keys.PREDICTION_MEAN),
            _summary_key(self._name, keys.LABEL_MEAN): metrics_impl.mean(
                loss_spec.processed_labels, weights=weights),
        }
        return self._regularization_metric(metric_ops, regularization_loss)


# -- constructors ----------------------------------------------------------------------

def _multi_class_head_with_softmax_cross_entropy_loss(n_classes, weight_column=None,
                                                      label_vocabulary=None,
                                                      loss_reduction=Reduction.SUM,
                                                      loss_fn=None, name=None):
    """A multi-class head (`n_classes` > 2); labels are integer ids, or strings of
    `label_vocabulary`."""
    if label_vocabulary is not None and not isinstance(label_vocabulary, (list, tuple)):
        raise ValueError(f"label_vocabulary should be a list or a tuple. Given type: "
                         f"{type(label_vocabulary)}")
    _validate_common(loss_reduction, loss_fn)
    return _MultiClassHeadWithSoftmaxCrossEntropyLoss(n_classes, weight_column,
                                                      label_vocabulary, loss_reduction,
                                                      loss_fn, name)


def _binary_logistic_head_with_sigmoid_cross_entropy_loss(weight_column=None, thresholds=None,
                                                          label_vocabulary=None,
                                                          loss_reduction=Reduction.SUM,
                                                          loss_fn=None, name=None):
    """A binary head; labels are floats in [0, 1], or strings of `label_vocabulary`;
    `thresholds` add accuracy/precision/recall metrics at each threshold."""
    thresholds = tuple(thresholds) if thresholds else ()
    if label_vocabulary is not None and not isinstance(label_vocabulary, (list, tuple)):
        raise TypeError(f"label_vocabulary should be a list or tuple. Given type: "
                        f"{type(label_vocabulary)}")
    for t in thresholds:
        if t <= 0.0 or t >= 1.0:
            raise ValueError(f"thresholds not in (0, 1): {(thresholds,)}.")
    _validate_common(loss_reduction, loss_fn)
    return _BinaryLogisticHeadWithSigmoidCrossEntropyLoss(weight_column, thresholds,
                                                          label_vocabulary, loss_reduction,
                                                          loss_fn, name)


def _regression_head(weight_column=None, label_dimension=1, loss_reduction=Reduction.SUM,
                     loss_fn=None, inverse_link_fn=None, name=None):
    """A regression head over `label_dimension` values per example."""
    _validate_common(loss_reduction, loss_fn)
    return _RegressionHeadWithMeanSquaredErrorLoss(label_dimension, weight_column,
                                                   loss_reduction, loss_fn, inverse_link_fn,
                                                   name)


def _binary_logistic_or_multi_class_head(n_classes, weight_column, label_vocabulary,
                                         loss_reduction):
    """The binary head for `n_classes == 2`, else the multi-class head."""
    if n_classes == 2:
        return _binary_logistic_head_with_sigmoid_cross_entropy_loss(
            weight_column=weight_column, label_vocabulary=label_vocabulary,
            loss_reduction=loss_reduction)
    return _multi_class_head_with_softmax_cross_entropy_loss(
        n_classes, weight_column=weight_column, label_vocabulary=label_vocabulary,
        loss_reduction=loss_reduction)
