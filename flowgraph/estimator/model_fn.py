"""`tf.estimator.EstimatorSpec`, the validated result of a `model_fn`, and how an
Estimator inspects and calls a `model_fn` (features, labels, mode, params, config)."""
import collections
import inspect

from flowgraph.framework.graph import Operation, Tensor, get_default_graph
from flowgraph.ops import array_ops
from flowgraph.ops.variables import Variable
from flowgraph.estimator import export_output as export_output_lib
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.train.monitored_session import Scaffold
from flowgraph.train.session_run_hook import SessionRunHook

__all__ = ["EstimatorSpec"]

DEFAULT_SERVING_KEY = "serving_default"
_VALID_MODEL_FN_ARGS = {"features", "labels", "mode", "params", "self", "config"}
_NOT_IN_GRAPH = (
    '{0} with "{1}" must be from the default graph. Possible causes of this error '
    'include: \n\n1) {0} was created outside the context of the default graph.\n\n2) The '
    'object passed through to EstimatorSpec was not created in the most recent call to '
    '"model_fn".')


def fn_args(fn):
    """The names of `fn`'s positional-or-keyword arguments (partials and callables too)."""
    params = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in params
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def verify_model_fn_args(model_fn, params):
    """Raises ValueError, as TF, when `model_fn`'s arguments do not fit an Estimator."""
    from flowgraph import tf_logging as logging
    args = set(fn_args(model_fn))
    if "features" not in args:
        raise ValueError(f"model_fn ({model_fn}) must include features argument.")
    if params is not None and "params" not in args:
        raise ValueError(f"model_fn ({model_fn}) does not include params argument, but "
                         f"params ({params}) is passed to Estimator.")
    if params is None and "params" in args:
        logging.warning("Estimator's model_fn (%s) includes params argument, but params "
                        "are not passed to Estimator.", model_fn)
    bad = list(args - _VALID_MODEL_FN_ARGS)
    if bad:
        raise ValueError(f"model_fn ({model_fn}) has following not expected args: {bad}")


def _check_in_graph(what, name, x):
    if x.graph is not get_default_graph():
        raise ValueError(_NOT_IN_GRAPH.format(what, name))


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be Tensor, given: {x}")
    return x


def _train_op(train_op, mode):
    if train_op is None:
        if mode == ModeKeys.TRAIN:
            raise ValueError("Missing train_op.")
        return None
    if isinstance(train_op, Variable):
        train_op = train_op.op
    if not isinstance(train_op, (Operation, Tensor)):
        raise TypeError(f"train_op must be Operation or Tensor, given: {train_op}")
    _check_in_graph("train_op", train_op.name, train_op)
    return train_op


def _loss(loss, mode):
    if loss is None:
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError("Missing loss.")
        return None
    loss = _check_tensor(loss, "loss")
    shape = loss.shape
    if shape.ndims is not None and not (shape.ndims == 0 or shape.as_list() == [1]):
        raise ValueError(f"Loss must be scalar, given: {loss}")
    if shape.ndims != 0:
        loss = array_ops.reshape(loss, [])
    _check_in_graph("loss", loss.name, loss)
    return loss


def _predictions(predictions, mode):
    if predictions is None:
        if mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions.")
        return {}
    if isinstance(predictions, dict):
        predictions = {k: _check_tensor(v, f"predictions[{k}]")
                       for k, v in predictions.items()}
        for k, v in predictions.items():
            _check_in_graph("prediction values", f"{k}: {v.name}", v)
        return predictions
    predictions = _check_tensor(predictions, "predictions")
    _check_in_graph("prediction values", predictions.name, predictions)
    return predictions


def _export_outputs(export_outputs, predictions, mode):
    if mode != ModeKeys.PREDICT:
        return export_outputs
    if export_outputs is None:
        export_outputs = {DEFAULT_SERVING_KEY: export_output_lib.PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError(f"`export_outputs` must be dict, received: {export_outputs}.")
    for v in export_outputs.values():
        if not isinstance(v, export_output_lib.ExportOutput):
            raise TypeError(f"Values in `export_outputs` must be ExportOutput objects, "
                            f"received: {export_outputs}.")
    export_outputs = dict(export_outputs)
    if len(export_outputs) == 1:
        (key, value), = export_outputs.items()
        export_outputs.setdefault(DEFAULT_SERVING_KEY, value)
    if len(export_outputs) > 1 and DEFAULT_SERVING_KEY not in export_outputs:
        raise ValueError("Multiple `export_outputs` were provided, but none of them are "
                         "specified as the default. Use"
                         "`tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY` to specify "
                         "a default.")
    return export_outputs


def _hooks(hooks):
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError(f"All hooks must be SessionRunHook instances, given: {hook}")
    return hooks


def _eval_metric_ops(eval_metric_ops):
    if eval_metric_ops is None:
        return {}
    if not isinstance(eval_metric_ops, dict):
        raise TypeError(f"eval_metric_ops must be a dict, given: {eval_metric_ops}")
    for key, value in eval_metric_ops.items():
        if not isinstance(value, tuple) or len(value) != 2:
            raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) "
                            f"tuples, given: {value} for key: {key}")
        for x in value:
            _check_in_graph("eval_metric_ops", f"{key}: {x.name}", x)
    return eval_metric_ops


def _scaffold(scaffold):
    scaffold = scaffold or Scaffold()
    if not isinstance(scaffold, Scaffold):
        raise TypeError(f"scaffold must be tf.train.Scaffold. Given: {scaffold}")
    return scaffold


_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
           "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
           "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _FIELDS)):
    """What a model_fn returns: TRAIN needs `loss` and `train_op`, EVAL `loss`, PREDICT
    `predictions`. In PREDICT, `export_outputs` defaults to a PredictOutput of the
    predictions under `serving_default`."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        train_op = _train_op(train_op, mode)
        loss = _loss(loss, mode)
        predictions = _predictions(predictions, mode)
        export_outputs = _export_outputs(export_outputs, predictions, mode)
        return super().__new__(
            cls, mode=mode, predictions=predictions, loss=loss, train_op=train_op,
            eval_metric_ops=_eval_metric_ops(eval_metric_ops),
            export_outputs=export_outputs,
            training_chief_hooks=_hooks(training_chief_hooks),
            training_hooks=_hooks(training_hooks), scaffold=_scaffold(scaffold),
            evaluation_hooks=_hooks(evaluation_hooks),
            prediction_hooks=_hooks(prediction_hooks))

    def _replace(self, **kwds):
        if "mode" in kwds and self.mode != kwds["mode"]:
            raise ValueError("mode of EstimatorSpec cannot be changed.")
        fields = [kwds.pop(f, v) for f, v in zip(self._fields, self)]
        return EstimatorSpec(*fields)
