"""One evaluation pass, as TF's: an `eval_step` local counter incremented with the metric
updates, a hook that stops after N evaluations, the metric values read once by a final
ops hook, and the results written as a summary to the eval directory."""
import time

import numpy as np

from flowgraph import tf_logging as logging
from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, get_default_graph
from flowgraph.framework.tensor_util import make_tensor_proto
from flowgraph.ops import core, init_ops, state_ops
from flowgraph.ops import variable_scope
from flowgraph.summary import Summary
from flowgraph.train import basic_session_run_hooks as hooks_lib
from flowgraph.train import monitored_session
from flowgraph.train.session_run_hook import SessionRunArgs, SessionRunHook


def get_or_create_eval_step():
    """The int64 `eval_step` local variable counting evaluation batches."""
    found = get_default_graph().get_collection(GraphKeys.EVAL_STEP)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ValueError("Multiple tensors added to tf.GraphKeys.EVAL_STEP")
    return variable_scope.get_variable(
        "eval_step", shape=[], dtype=dtypes.int64, initializer=init_ops.zeros_initializer(),
        trainable=False, collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.EVAL_STEP])


class StopAfterNEvalsHook(SessionRunHook):
    """Logs `Evaluation [i/N]` and stops after `num_evals` evaluation batches."""

    def __init__(self, num_evals, log_progress=True):
        self._num_evals = num_evals
        self._evals_completed = None
        self._log_progress = log_progress
        self._log_frequency = 1 if num_evals is None or num_evals < 20 else num_evals // 10

    def _set_evals_completed_tensor(self, updated_eval_step):
        self._evals_completed = updated_eval_step

    def before_run(self, run_context):
        return SessionRunArgs({"evals_completed": self._evals_completed})

    def after_run(self, run_context, run_values):
        done = int(run_values.results["evals_completed"])
        if self._log_progress:
            if self._num_evals is None:
                logging.info("Evaluation [%d]", done)
            elif done % self._log_frequency == 0 or done == self._num_evals:
                logging.info("Evaluation [%d/%d]", done, self._num_evals)
        if self._num_evals is not None and done >= self._num_evals:
            run_context.request_stop()


def evaluate_once(checkpoint_path, scaffold, eval_ops, final_ops, hooks, config):
    """Runs `eval_ops` until the input ends or a hook stops; the values of `final_ops`."""
    eval_step = get_or_create_eval_step()
    hooks = list(hooks or [])
    if eval_ops is not None:
        update_eval_step = state_ops.assign_add(eval_step, 1, use_locking=True)
        eval_ops = [eval_ops, update_eval_step]
        with get_default_graph().control_dependencies(eval_ops):
            eval_step_value = core.identity(eval_step.read_value())
        for h in hooks:
            if isinstance(h, StopAfterNEvalsHook):
                h._set_evals_completed_tensor(eval_step_value)
    logging.info("Starting evaluation at " + time.strftime("%Y-%m-%dT%H:%M:%S",
                                                           time.localtime()))
    start = time.time()
    creator = monitored_session.ChiefSessionCreator(
        scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path, config=config)
    final_hook = hooks_lib.FinalOpsHook(final_ops)
    hooks.append(final_hook)
    with monitored_session.MonitoredSession(session_creator=creator, hooks=hooks) as sess:
        if eval_ops is not None:
            while not sess.should_stop():
                sess.run(eval_ops)
    logging.info("Inference Time : {:0.5f}s".format(time.time() - start))
    logging.info("Finished evaluation at " + time.strftime("%Y-%m-%d-%H:%M:%S",
                                                           time.localtime()))
    return final_hook.final_ops_values


def _dict_to_str(dictionary):
    return ", ".join(f"{k} = {v}" for k, v in sorted(dictionary.items())
                     if not isinstance(v, bytes))


def write_dict_to_summary(output_dir, dictionary, current_global_step):
    """Logs `Saving dict for global step N: ...` and writes the values as one Summary."""
    from flowgraph.summary.writer import FileWriterCache
    logging.info("Saving dict for global step %d: %s", current_global_step,
                 _dict_to_str(dictionary))
    writer = FileWriterCache.get(output_dir)
    proto = Summary()
    for key, value in dictionary.items():
        if value is None or key == "global_step":
            continue
        if isinstance(value, (np.floating, float, np.integer, int)) and \
                not isinstance(value, bool):
            proto.value.add(tag=key, simple_value=float(value))
        elif isinstance(value, bytes):
            try:
                summ = Summary.FromString(value)
            except Exception:  # noqa: BLE001 (protobuf's DecodeError)
                logging.warning("Skipping summary for %s, cannot parse string to "
                                "Summary.", key)
                continue
            for i, v in enumerate(summ.value):
                v.tag = f"{key}/{i}"
            proto.value.extend(summ.value)
        elif isinstance(value, np.ndarray):
            v = proto.value.add(tag=key, node_name=key)
            v.tensor.ParseFromString(make_tensor_proto(value).SerializeToString())
        else:
            logging.warning("Skipping summary for %s, must be a float, np.float32, "
                            "np.int64, np.int32 or int or np.ndarray or a serialized "
                            "string of Summary.", key)
    writer.add_summary(proto, current_global_step)
    writer.flush()


def write_checkpoint_path_to_summary(output_dir, checkpoint_path, current_global_step):
    """Records which checkpoint an evaluation read, as a string tensor summary."""
    from flowgraph.summary.writer import FileWriterCache
    logging.info("Saving '%s' summary for global step %d: %s", "checkpoint_path",
                 current_global_step, checkpoint_path)
    proto = Summary()
    value = proto.value.add(tag="checkpoint_path")
    value.tensor.ParseFromString(
        make_tensor_proto(checkpoint_path, dtype=dtypes.string).SerializeToString())
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(proto, current_global_step)
    writer.flush()
