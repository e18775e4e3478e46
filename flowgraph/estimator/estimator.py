"""`tf.estimator.Estimator`: trains, evaluates and predicts with a `model_fn`, each call
in a fresh graph whose variables live in checkpoints under `model_dir`. Training runs in
a MonitoredTrainingSession (checkpoints, summaries, step and loss logging), so a later
call resumes where the last checkpoint left off."""
import copy
import os
import tempfile

from flowgraph import tf_logging as logging
from flowgraph.framework import random_seed
from flowgraph.framework.graph import Graph, GraphKeys, get_default_graph
from flowgraph.metrics import metrics_impl
from flowgraph.ops import core
from flowgraph.runtime.config import ConfigProto
from flowgraph.summary import summary as summary_lib
from flowgraph.train import basic_session_run_hooks as hooks_lib
from flowgraph.train import checkpoint as checkpoint_lib
from flowgraph.train import checkpoint_management, monitored_session, training_util
from flowgraph.train.saver import Saver
from flowgraph.train.session_run_hook import SessionRunHook
from flowgraph.estimator import evaluation, util, warm_starting
from flowgraph.estimator import model_fn as model_fn_lib
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.estimator.run_config import RunConfig

__all__ = ["Estimator"]

_LOSS_METRIC_KEY = "loss"


def _config_with_model_dir(config, model_dir):
    """The RunConfig an Estimator uses: a default session config, and `model_dir` from
    the constructor, the config, or a new temporary directory."""
    if config is None:
        config = RunConfig()
        logging.info("Using default config.")
    if not isinstance(config, RunConfig):
        raise ValueError(f"config must be an instance of `RunConfig`, but provided "
                         f"{config}.")
    if config.session_config is None:
        config = config.replace(session_config=ConfigProto(allow_soft_placement=True))
    model_dir = os.fspath(model_dir) if model_dir is not None else None
    if model_dir is not None and config.model_dir is not None and \
            config.model_dir != model_dir:
        raise ValueError(f"`model_dir` are set both in constructor and `RunConfig`, but "
                         f"with different values. In constructor: '{model_dir}', in "
                         f"`RunConfig`: '{config.model_dir}' ")
    if model_dir:
        config = config.replace(model_dir=model_dir)
    elif config.model_dir is None:
        model_dir = tempfile.mkdtemp()
        logging.warning("Using temporary folder as model directory: %s", model_dir)
        config = config.replace(model_dir=model_dir)
    return config


def _check_hooks_type(hooks):
    hooks = list(hooks or [])
    for h in hooks:
        if not isinstance(h, SessionRunHook):
            raise TypeError(f"Hooks must be a SessionRunHook, given: {h}")
    return hooks


def _check_listeners_type(listeners):
    listeners = list(listeners or [])
    for listener in listeners:
        if not isinstance(listener, hooks_lib.CheckpointSaverListener):
            raise TypeError(f"saving_listeners must be a list of CheckpointSaverListener, "
                            f"given: {listener}")
    return listeners


def _global_step_in(checkpoint_dir):
    path = checkpoint_management.latest_checkpoint(checkpoint_dir)
    if not path:
        return 0
    try:
        return int(checkpoint_lib.NewCheckpointReader(path).get_tensor(
            GraphKeys.GLOBAL_STEP))
    except Exception:  # noqa: BLE001 (a checkpoint without a step counts as 0, as TF)
        return 0


def _check_checkpoint_available(model_dir):
    if not checkpoint_management.latest_checkpoint(model_dir):
        raise ValueError(f"Could not find trained model in model_dir: {model_dir}.")


def _batch_length(values):
    length = None
    for key, value in values.items():
        length = length or value.shape[0]
        if value.shape[0] != length:
            raise ValueError(f"Batch length of predictions should be same. {key} has "
                             f"different batch length than others.")
    return length


def _extract_keys(predictions, predict_keys):
    if not predict_keys:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict "
                         "predictions.")
    existing = predictions.keys()
    chosen = {k: v for k, v in predictions.items() if k in predict_keys}
    if not chosen:
        raise ValueError(f"Expected to run at least one output from {existing}, provided "
                         f"{predict_keys}.")
    return chosen


class Estimator:
    """Trains and uses the model `model_fn(features, labels, mode, params, config)`
    builds; its checkpoints and event files go to `model_dir`."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        self._config = _config_with_model_dir(config, model_dir)
        self._model_dir = self._config.model_dir
        self._session_config = self._config.session_config
        logging.info("Using config: %s", str(vars(self._config)))
        self._device_fn = self._config.device_fn
        if model_fn is None:
            raise ValueError("model_fn must be provided to Estimator.")
        model_fn_lib.verify_model_fn_args(model_fn, params)
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})
        self._warm_start_settings = warm_starting.settings_from(warm_start_from)

    @property
    def model_dir(self):
        return self._model_dir

    @property
    def config(self):
        return copy.deepcopy(self._config)

    @property
    def params(self):
        return copy.deepcopy(self._params)

    @property
    def model_fn(self):
        """The model_fn bound to this Estimator: `fn(features, labels, mode, config)`."""
        def public_model_fn(features, labels, mode, config):
            return self._call_model_fn(features, labels, mode, config)
        return public_model_fn

    def get_variable_value(self, name):
        """The value of variable `name` in the latest checkpoint."""
        _check_checkpoint_available(self.model_dir)
        return checkpoint_lib.load_variable(self.model_dir, name)

    def get_variable_names(self):
        """The names of the variables in the latest checkpoint."""
        _check_checkpoint_available(self.model_dir)
        return [name for name, _ in checkpoint_lib.list_variables(self.model_dir)]

    def latest_checkpoint(self):
        """The path of the latest checkpoint in model_dir, or None."""
        return checkpoint_management.latest_checkpoint(self.model_dir)

    def eval_dir(self, name=None):
        """Where `evaluate(name=...)` writes its event files."""
        return os.path.join(self._model_dir, "eval" if not name else "eval_" + name)

    # -- calling the user's functions ------------------------------------------------------
    def _call_input_fn(self, input_fn, mode):
        args = model_fn_lib.fn_args(input_fn)
        kwargs = {}
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = self.config
        with get_default_graph().device("/cpu:0"):
            return input_fn(**kwargs)

    def _call_model_fn(self, features, labels, mode, config):
        args = model_fn_lib.fn_args(self._model_fn)
        kwargs = {}
        if "labels" in args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = config
        logging.info("Calling model_fn.")
        spec = self._model_fn(features=features, **kwargs)
        logging.info("Done calling model_fn.")
        if not isinstance(spec, model_fn_lib.EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec.")
        return spec

    def _new_graph_with_step(self, graph):
        random_seed.set_random_seed(self._config.tf_random_seed)
        return training_util.create_global_step(graph)

    def _maybe_warm_start(self, checkpoint_path):
        if not checkpoint_path and self._warm_start_settings:
            logging.info("Warm-starting with WarmStartSettings: %s", self._warm_start_settings)
            warm_starting.warm_start(*self._warm_start_settings)

    # -- train ---------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains for `steps` more steps, up to global step `max_steps`, or until the
        input ends; resumes from the latest checkpoint in model_dir. Returns self."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None and max_steps <= _global_step_in(self._model_dir):
            logging.info("Skipping training since max_steps has already saved.")
            return self
        hooks = _check_hooks_type(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(hooks_lib.StopAtStepHook(steps, max_steps))
        listeners = _check_listeners_type(saving_listeners)
        loss = self._train_model(input_fn, hooks, listeners)
        logging.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks, saving_listeners):
        with Graph().as_default() as g, g.device(self._device_fn):
            step = self._new_graph_with_step(g)
            features, labels, input_hooks = util.parse_input_fn_result(
                self._call_input_fn(input_fn, ModeKeys.TRAIN))
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN, self.config)
            return self._train_with_spec(spec, list(input_hooks), hooks, step,
                                         saving_listeners)

    def _train_with_spec(self, spec, worker_hooks, hooks, global_step, saving_listeners):
        if self._warm_start_settings and \
                not checkpoint_management.latest_checkpoint(self._model_dir):
            logging.info("Warm-starting with WarmStartSettings: %s", self._warm_start_settings)
            warm_starting.warm_start(*self._warm_start_settings)
        graph = get_default_graph()
        if not any(x.op.name == "loss" for x in graph.get_collection(GraphKeys.SUMMARIES)):
            summary_lib.scalar("loss", spec.loss)
        graph.add_to_collection(GraphKeys.LOSSES, spec.loss)
        worker_hooks.extend(hooks)
        worker_hooks.append(hooks_lib.NanTensorHook(spec.loss))
        if self._config.log_step_count_steps is not None:
            worker_hooks.append(hooks_lib.LoggingTensorHook(
                {"loss": spec.loss, "step": global_step},
                every_n_iter=self._config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        if not (spec.scaffold.saver or graph.get_collection(GraphKeys.SAVERS)):
            graph.add_to_collection(GraphKeys.SAVERS, Saver(
                sharded=True, max_to_keep=self._config.keep_checkpoint_max,
                keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours,
                defer_build=True, save_relative_paths=True))
        chief_hooks = []
        saver_hooks = [h for h in worker_hooks + list(spec.training_chief_hooks)
                       if isinstance(h, hooks_lib.CheckpointSaverHook)]
        if (self._config.save_checkpoints_secs or self._config.save_checkpoints_steps) \
                and not saver_hooks:
            chief_hooks = [hooks_lib.CheckpointSaverHook(
                self._model_dir, save_secs=self._config.save_checkpoints_secs,
                save_steps=self._config.save_checkpoints_steps, scaffold=spec.scaffold,
                save_graph_def=self._config.checkpoint_save_graph_def)]
            saver_hooks = chief_hooks
        if saving_listeners:
            if not saver_hooks:
                raise ValueError("There should be a CheckpointSaverHook to use "
                                 "saving_listeners. Please set one of the "
                                 "RunConfig.save_checkpoints_steps or "
                                 "RunConfig.save_checkpoints_secs.")
            for listener in saving_listeners:
                if listener not in saver_hooks[0]._listeners:
                    saver_hooks[0]._listeners.append(listener)
        with monitored_session.MonitoredTrainingSession(
                checkpoint_dir=self._model_dir, scaffold=spec.scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks),
                save_checkpoint_secs=0, save_summaries_steps=self._config.save_summary_steps,
                config=self._session_config,
                max_wait_secs=self._config.session_creation_timeout_secs,
                log_step_count_steps=self._config.log_step_count_steps,
                save_graph_def=self._config.checkpoint_save_graph_def) as sess:
            loss, steps_run = None, 0
            while not sess.should_stop():
                steps_run += 1
                _, loss = sess.run([spec.train_op, spec.loss])
        if steps_run == 0:
            logging.warning("Training with estimator made no steps. Perhaps input is empty "
                            "or misspecified.")
        return loss

    # -- evaluate ------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluates the model of `checkpoint_path` (default: the latest) on `steps`
        batches or until the input ends. Returns {metric: value, ..., 'loss',
        'global_step'}; the values are also written to `eval_dir(name)`."""
        hooks = _check_hooks_type(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError(f"Must specify steps > 0, given: {steps}")
            hooks.append(evaluation.StopAfterNEvalsHook(num_evals=steps))
        if not checkpoint_path:
            checkpoint_path = checkpoint_management.latest_checkpoint(self._model_dir)
            if not checkpoint_path:
                logging.info(f"Could not find trained model in model_dir: "
                             f"{self._model_dir}, running initialization to evaluate.")
        with Graph().as_default():
            scaffold, update_op, eval_dict, all_hooks = self._evaluate_build_graph(
                input_fn, hooks, checkpoint_path)
            results = evaluation.evaluate_once(
                checkpoint_path=checkpoint_path, scaffold=scaffold, eval_ops=update_op,
                final_ops=eval_dict, hooks=all_hooks, config=self._session_config)
            step = results[GraphKeys.GLOBAL_STEP]
            output_dir = self.eval_dir(name)
            evaluation.write_dict_to_summary(output_dir, results, step)
            if checkpoint_path:
                evaluation.write_checkpoint_path_to_summary(output_dir, checkpoint_path,
                                                            step)
            return results

    def _evaluate_build_graph(self, input_fn, hooks, checkpoint_path):
        graph = get_default_graph()
        global_step = self._new_graph_with_step(graph)
        features, labels, input_hooks = util.parse_input_fn_result(
            self._call_input_fn(input_fn, ModeKeys.EVAL))
        spec = self._call_model_fn(features, labels, ModeKeys.EVAL, self.config)
        metric_ops = dict(spec.eval_metric_ops)
        if _LOSS_METRIC_KEY in metric_ops:
            raise ValueError(f'Metric with name "{_LOSS_METRIC_KEY}" is not allowed, '
                             f'because Estimator already defines a default metric with the '
                             f'same name.')
        metric_ops[_LOSS_METRIC_KEY] = metrics_impl.mean(spec.loss)
        update_ops, eval_dict = [], {}
        for key, (value, update) in sorted(metric_ops.items()):
            eval_dict[key] = value
            update_ops.append(update)
        update_op = core.group(*update_ops) if update_ops else None
        self._maybe_warm_start(checkpoint_path)
        if GraphKeys.GLOBAL_STEP in eval_dict:
            raise ValueError("Metric with name `global_step` is not allowed, because "
                             "Estimator already defines a default metric with the same "
                             "name.")
        eval_dict[GraphKeys.GLOBAL_STEP] = global_step
        all_hooks = list(input_hooks) + hooks + list(spec.evaluation_hooks or [])
        scaffold = spec.scaffold
        if scaffold and scaffold.local_init_op:
            evaluation.get_or_create_eval_step()
            scaffold = monitored_session.Scaffold(
                local_init_op=core.group(scaffold.local_init_op,
                                         monitored_session.Scaffold.default_local_init_op()),
                copy_from_scaffold=scaffold)
        return scaffold, update_op, eval_dict, all_hooks

    # -- predict -------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yields the predictions of the model (latest checkpoint, or `checkpoint_path`)
        for each example of the input (each batch, with yield_single_examples=False)."""
        hooks = _check_hooks_type(hooks)
        if not checkpoint_path:
            checkpoint_path = checkpoint_management.latest_checkpoint(self._model_dir)
        if not checkpoint_path:
            logging.info(f"Could not find trained model in model_dir: {self._model_dir}, "
                         f"running initialization to predict.")
        with Graph().as_default() as g:
            self._new_graph_with_step(g)
            result = self._call_input_fn(input_fn, ModeKeys.PREDICT)
            features, _, input_hooks = util.parse_input_fn_result(result)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT, self.config)
            self._maybe_warm_start(checkpoint_path)
            predictions = _extract_keys(spec.predictions, predict_keys)
            all_hooks = list(input_hooks) + hooks + list(spec.prediction_hooks or [])
            creator = monitored_session.ChiefSessionCreator(
                checkpoint_filename_with_path=checkpoint_path, scaffold=spec.scaffold,
                config=self._session_config)
            with monitored_session.MonitoredSession(session_creator=creator,
                                                    hooks=all_hooks) as sess:
                while not sess.should_stop():
                    values = sess.run(predictions)
                    if not yield_single_examples:
                        yield values
                    elif not isinstance(predictions, dict):
                        yield from values
                    else:
                        for i in range(_batch_length(values)):
                            yield {k: v[i] for k, v in values.items()}

    # -- export --------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                           assets_extra=None, as_text=False, checkpoint_path=None,
                           experimental_mode=ModeKeys.PREDICT):
        """Exports the serving graph `serving_input_receiver_fn` and the PREDICT model_fn
        make, with the latest checkpoint's variables, as a SavedModel under
        `export_dir_base/<timestamp>`; returns that directory (bytes)."""
        from flowgraph.estimator import export_lib
        return export_lib.export_saved_model(
            self, export_dir_base, serving_input_receiver_fn, assets_extra=assets_extra,
            as_text=as_text, checkpoint_path=checkpoint_path, strip_default_attrs=True,
            mode=experimental_mode)

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn,
                          assets_extra=None, as_text=False, checkpoint_path=None,
                          strip_default_attrs=False):
        """The older name of `export_saved_model` (default attrs kept unless asked)."""
        from flowgraph.estimator import export_lib
        return export_lib.export_saved_model(
            self, export_dir_base, serving_input_receiver_fn, assets_extra=assets_extra,
            as_text=as_text, checkpoint_path=checkpoint_path,
            strip_default_attrs=strip_default_attrs)
