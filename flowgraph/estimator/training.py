"""`tf.estimator.train_and_evaluate` (local mode) with `TrainSpec` and `EvalSpec`: train
to `max_steps`, evaluating (and running the exporters) after each new checkpoint at most
every `throttle_secs`, and once more at the end."""
import collections
import os

from flowgraph import tf_logging as logging
from flowgraph.train import basic_session_run_hooks as hooks_lib
from flowgraph.train.session_run_hook import SessionRunHook
from flowgraph.estimator.estimator import Estimator
from flowgraph.estimator.exporter import Exporter

__all__ = ["TrainSpec", "EvalSpec", "train_and_evaluate"]


def _validate_input_fn(input_fn):
    if not callable(input_fn):
        raise TypeError(f"`input_fn` must be callable, given: {input_fn}")


def _validate_hooks(hooks):
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError(f"All hooks must be `SessionRunHook` instances, given: {hook}")
    return hooks


def _validate_exporters(exporters):
    if not exporters:
        return ()
    if isinstance(exporters, Exporter):
        exporters = [exporters]
    names = []
    try:
        for e in exporters:
            if not isinstance(e, Exporter):
                raise TypeError
            if not e.name:
                raise ValueError(f"An Exporter cannot have a name that is `None` or empty. "
                                 f"All exporter names: {[x.name for x in exporters]}")
            if not isinstance(e.name, str):
                raise ValueError(f"An Exporter must have a string name. Given: "
                                 f"{type(e.name)}")
            if e.name in names:
                raise ValueError(f"`exporters` must have unique names. Such a name cannot "
                                 f"be `None`. All exporter names: "
                                 f"{[x.name for x in exporters]}")
            names.append(e.name)
    except TypeError:
        raise TypeError(f"`exporters` must be an Exporter, an iterable of Exporter, or "
                        f"`None`, found {exporters}.")
    return tuple(exporters)


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks",
                                                     "saving_listeners"])):
    """How train_and_evaluate trains: `input_fn`, up to global step `max_steps`."""

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        _validate_input_fn(input_fn)
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        listeners = tuple(saving_listeners or [])
        for listener in listeners:
            if not isinstance(listener, hooks_lib.CheckpointSaverListener):
                raise TypeError(f"All saving_listeners must be `CheckpointSaverListener` "
                                f"instances, given: {listener}")
        return super().__new__(cls, input_fn=input_fn, max_steps=max_steps,
                               hooks=_validate_hooks(hooks), saving_listeners=listeners)


class EvalSpec(collections.namedtuple("EvalSpec", [
        "input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs",
        "throttle_secs"])):
    """How train_and_evaluate evaluates: `input_fn` for `steps` batches (None: until the
    input ends), under `name`, then the `exporters`."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None,
                start_delay_secs=120, throttle_secs=600):
        _validate_input_fn(input_fn)
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be string, given: {name}")
        if start_delay_secs < 0:
            raise ValueError(f"Must specify start_delay_secs >= 0, given: "
                             f"{start_delay_secs}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        return super().__new__(cls, input_fn=input_fn, steps=steps, name=name,
                               hooks=_validate_hooks(hooks),
                               exporters=_validate_exporters(exporters),
                               start_delay_secs=start_delay_secs,
                               throttle_secs=throttle_secs)


class _Evaluator:
    """Evaluates the latest checkpoint (once per checkpoint) and runs the exporters."""

    def __init__(self, estimator, eval_spec, max_training_steps):
        self._estimator = estimator
        self._eval_spec = eval_spec
        self._max_training_steps = max_training_steps
        self._previous_ckpt_path = None

    def evaluate_and_export(self):
        """(metrics or None, export results)."""
        path = self._estimator.latest_checkpoint()
        if not path:
            logging.warning("Estimator is not trained yet. Will start an evaluation when a "
                            "checkpoint is ready.")
            return None, []
        if path == self._previous_ckpt_path:
            logging.warning("No new checkpoint ready for evaluation. Skip the current "
                            "evaluation pass as evaluation results are expected to be same "
                            "for the same checkpoint.")
            return None, []
        metrics = self._estimator.evaluate(
            input_fn=self._eval_spec.input_fn, steps=self._eval_spec.steps,
            name=self._eval_spec.name, checkpoint_path=path, hooks=self._eval_spec.hooks)
        final = bool(self._max_training_steps) and \
            metrics["global_step"] >= self._max_training_steps
        base = os.path.join(self._estimator.model_dir, "export")
        results = [e.export(estimator=self._estimator,
                            export_path=os.path.join(base, e.name), checkpoint_path=path,
                            eval_result=metrics, is_the_final_export=final)
                   for e in self._eval_spec.exporters]
        self._previous_ckpt_path = path
        return metrics, results


class _NewCheckpointListenerForEvaluate(hooks_lib.CheckpointSaverListener):
    """Evaluates after each checkpoint but the first (throttled), and at the end."""

    def __init__(self, evaluator, throttle_secs):
        self._evaluator = evaluator
        self._throttle_secs = throttle_secs
        self.eval_result, self.export_results = None, None

    def begin(self):
        self._timer = hooks_lib.SecondOrStepTimer(every_secs=self._throttle_secs)
        self._is_first_run = True

    def after_save(self, session, global_step_value):
        if self._is_first_run:
            self._is_first_run = False
            return
        if self._timer.should_trigger_for_step(global_step_value):
            self._evaluate(global_step_value)
        else:
            logging.info(f"Skip the current checkpoint eval due to throttle secs "
                         f"({self._throttle_secs} secs).")

    def end(self, session, global_step_value):
        if global_step_value != self._timer.last_triggered_step():
            self._evaluate(global_step_value)

    def _evaluate(self, global_step_value):
        self._timer.update_last_triggered_step(global_step_value)
        metrics, exports = self._evaluator.evaluate_and_export()
        if metrics is None:
            raise RuntimeError("There was no new checkpoint after the training. Eval "
                               "status: no new checkpoint")
        self.eval_result, self.export_results = metrics, exports


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Trains `estimator` as `train_spec` says, evaluating and exporting as `eval_spec`
    says; returns (the last evaluation's metrics, the last export results)."""
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: "
                        f"{type(eval_spec)}")
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`. Got: "
                        f"{type(estimator)}")
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: "
                        f"{type(train_spec)}")
    logging.info("Running training and evaluation locally (non-distributed).")
    config = estimator.config
    logging.info(f"Start train and evaluate loop. The evaluate will happen after every "
                 f"checkpoint. Checkpoint frequency is determined based on RunConfig "
                 f"arguments: save_checkpoints_steps {config.save_checkpoints_steps} or "
                 f"save_checkpoints_secs {config.save_checkpoints_secs}.")
    evaluator = _Evaluator(estimator, eval_spec, train_spec.max_steps)
    listener = _NewCheckpointListenerForEvaluate(evaluator, eval_spec.throttle_secs)
    estimator.train(input_fn=train_spec.input_fn, max_steps=train_spec.max_steps,
                    hooks=list(train_spec.hooks),
                    saving_listeners=list(train_spec.saving_listeners) + [listener])
    return listener.eval_result, listener.export_results
