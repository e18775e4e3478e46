"""`tf.train.MonitoredSession` and friends, for one process: a Scaffold says how to
initialise (init op, ready checks, saver, summary op); a session creator makes a Session,
restores the latest checkpoint of `checkpoint_dir` or runs the init ops, and checks the
model is ready; the monitored session runs hooks around every `run` call and closes them
(hooks' `end`, a final checkpoint) when leaving its `with` block."""
import logging
import time

from flowgraph.framework import errors
from flowgraph.framework.graph import GraphKeys, get_default_graph
from flowgraph.ops import core
from flowgraph.ops import variables as variables_lib
from flowgraph.train.coordinator import Coordinator
from flowgraph.train import queue_runner
from flowgraph.train import basic_session_run_hooks as hooks_lib
from flowgraph.train.session_manager import SessionManager
from flowgraph.train.session_run_hook import (SessionRunArgs, SessionRunContext,
                                              SessionRunValues)

__all__ = ["Scaffold", "SessionCreator", "ChiefSessionCreator", "WorkerSessionCreator",
           "MonitoredSession", "SingularMonitoredSession", "MonitoredTrainingSession"]

_log = logging.getLogger("flowgraph")
# A task of the cluster was lost or restarted: MonitoredSession makes a new session.
_PREEMPTION_ERRORS = (errors.AbortedError, errors.UnavailableError)
USE_DEFAULT = object()


class Scaffold:
    """The pieces a monitored session needs to make a model ready: `init_op` (with
    `init_feed_dict`) and `init_fn(scaffold, session)`, `ready_op` (empty when every
    variable is initialised), `local_init_op`, `summary_op` and `saver`. `finalize()`
    fills the missing ones from the graph's collections or with the defaults."""

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None,
                 ready_for_local_init_op=None, local_init_op=None, summary_op=None,
                 saver=None, copy_from_scaffold=None, local_init_feed_dict=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            c = copy_from_scaffold
            init_op = init_op if init_op is not None else c.init_op
            init_feed_dict = init_feed_dict or c.init_feed_dict
            init_fn = init_fn or c._user_init_fn
            ready_op = ready_op if ready_op is not None else c.ready_op
            ready_for_local_init_op = ready_for_local_init_op \
                if ready_for_local_init_op is not None else c.ready_for_local_init_op
            local_init_op = local_init_op if local_init_op is not None else c.local_init_op
            local_init_feed_dict = local_init_feed_dict or c.local_init_feed_dict
            summary_op = summary_op if summary_op is not None else c.summary_op
            saver = saver if saver is not None else c.saver
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._local_init_feed_dict = local_init_feed_dict
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self):
        """Creates the missing pieces (TF's defaults) and returns self."""
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default(
                "init_op", GraphKeys.INIT_OP, variables_lib.global_variables_initializer)
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default(
                "ready_op", GraphKeys.READY_OP, variables_lib.report_uninitialized_variables)
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op", GraphKeys.READY_FOR_LOCAL_INIT_OP,
                lambda: variables_lib.report_uninitialized_variables(
                    variables_lib.global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", GraphKeys.LOCAL_INIT_OP, Scaffold.default_local_init_op)
        if self._summary_op is None:
            from flowgraph.summary.summary import merge_all
            self._summary_op = Scaffold.get_or_default("summary_op", GraphKeys.SUMMARY_OP,
                                                       merge_all)
        if self._saver is None:
            from flowgraph.train.saver import Saver
            self._saver = Scaffold.get_or_default(
                "saver", GraphKeys.SAVERS, lambda: Saver(allow_empty=True))
        if hasattr(self._saver, "build"):  # a deferred saver (Estimator's) is built now
            self._saver.build()
        return self

    @property
    def init_fn(self):
        return self._init_fn

    @property
    def init_op(self):
        return self._init_op

    @property
    def ready_op(self):
        return self._ready_op

    @property
    def ready_for_local_init_op(self):
        return self._ready_for_local_init_op

    @property
    def local_init_op(self):
        return self._local_init_op

    @property
    def local_init_feed_dict(self):
        return self._local_init_feed_dict

    @property
    def summary_op(self):
        return self._summary_op

    @property
    def saver(self):
        return self._saver

    @property
    def init_feed_dict(self):
        return self._init_feed_dict

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The single item of collection `collection_key`, else `default_constructor()`
        (added to that collection when not None)."""
        graph = get_default_graph()
        found = graph.get_collection(collection_key)
        if found:
            if len(found) > 1:
                raise RuntimeError(f"More than one item in the collection "
                                   f"{collection_key}. Please indicate which one to use by "
                                   f"passing it to the tf.Scaffold constructor as: "
                                   f"tf.Scaffold({arg_name}=item to use)")
            return found[0]
        op = default_constructor()
        if op is not None:
            graph.add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op():
        """Initialises the local variables (and tables, when there are any)."""
        ops = [variables_lib.local_variables_initializer()]
        ops += get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS)
        return core.group(*ops)


class SessionCreator:
    """Makes a ready `Session`."""

    def create_session(self):
        raise NotImplementedError("create_session is not implemented for "
                                  f"{type(self).__name__}.")


class ChiefSessionCreator(SessionCreator):
    """Finalizes the scaffold, makes a Session, restores `checkpoint_filename_with_path`
    or the latest checkpoint of `checkpoint_dir` if there is one (else runs the init op
    and init_fn), runs the local init op and checks the model is ready."""

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None):
        self._scaffold = scaffold or Scaffold()
        self._master = master
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path

    def create_session(self):
        self._scaffold.finalize()
        s = self._scaffold
        return _manager(s).prepare_session(
            self._master, init_op=s.init_op, saver=s.saver,
            checkpoint_dir=self._checkpoint_dir,
            checkpoint_filename_with_path=self._checkpoint_filename_with_path,
            config=self._config, init_feed_dict=s.init_feed_dict, init_fn=s.init_fn)


def _manager(scaffold):
    return SessionManager(local_init_op=scaffold.local_init_op, ready_op=scaffold.ready_op,
                          ready_for_local_init_op=scaffold.ready_for_local_init_op,
                          graph=get_default_graph(), recovery_wait_secs=1.0,
                          local_init_feed_dict=scaffold.local_init_feed_dict)


class WorkerSessionCreator(SessionCreator):
    """A non-chief session: waits (up to `max_wait_secs`) until the chief has made the
    model ready instead of initialising it."""

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60):
        self._scaffold = scaffold or Scaffold()
        self._master = master
        self._config = config
        self._max_wait_secs = max_wait_secs

    def create_session(self):
        self._scaffold.finalize()
        return _manager(self._scaffold).wait_for_session(
            self._master, config=self._config, max_wait_secs=self._max_wait_secs)


def _raise_if_feeds_intersect(a, b, message):
    if set(a) & set(b):
        raise RuntimeError(message + f" Conflict(s): {list(set(a) & set(b))}")


class _MonitoredSession:
    """What MonitoredSession and SingularMonitoredSession share."""

    def __init__(self, session_creator, hooks, should_recover=False,
                 stop_grace_period_secs=120):
        self._graph = get_default_graph()
        self._hooks = list(hooks or [])
        self._stop_grace_period_secs = stop_grace_period_secs
        for h in self._hooks:
            h.begin()
        self._session_creator = session_creator or ChiefSessionCreator()
        self._should_recover = should_recover
        self._create_session()
        self._should_stop = False
        self._closed = False

    def _create_session(self):
        """A new session from the creator (retried, when recovering, while a task of the
        cluster is unreachable), its queue runners and the hooks' after_create_session."""
        while True:
            try:
                self._tf_sess_value = self._session_creator.create_session()
                break
            except _PREEMPTION_ERRORS as e:
                if not self._should_recover:
                    raise
                _log.info("An error was raised while a session was being created. This may "
                          "be due to a preemption of a connected worker or parameter "
                          "server. A new session will be created. Error: %s: %s",
                          type(e).__name__, e)
                time.sleep(0.5)
        self._coord = Coordinator()  # hooks may register threads with it
        # as TF: the graph's queue runners start with the session, under its coordinator
        queue_runner.start_queue_runners(sess=self._tf_sess_value, coord=self._coord)
        for h in self._hooks:
            h.after_create_session(self._tf_sess_value, self._coord)

    def _recover(self, error):
        _log.info("An error was raised. This may be due to a preemption in a connected "
                  "worker or parameter server. The current session will be closed and a "
                  "new session will be created. Error: %s: %s", type(error).__name__, error)
        try:
            self._coord.request_stop()
            self._coord.join(stop_grace_period_secs=self._stop_grace_period_secs,
                             ignore_live_threads=True)
        except Exception:  # noqa: BLE001 - the old session's threads died with it
            pass
        try:
            self._tf_sess_value.close()
        except Exception:  # noqa: BLE001
            pass
        self._create_session()

    @property
    def graph(self):
        return self._graph

    def _tf_sess(self):
        return self._tf_sess_value

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs `fetches` plus the hooks' extra fetches; calls the hooks around it."""
        if self._closed:
            raise RuntimeError("Session is already closed.")
        if self._should_stop:
            raise RuntimeError("Run called even after should_stop requested.")
        context = SessionRunContext(original_args=SessionRunArgs(fetches, feed_dict),
                                    session=self._tf_sess_value)
        actual_fetches = {"caller": fetches}
        hook_feeds = {}
        for i, hook in enumerate(self._hooks):
            request = hook.before_run(context)
            if request is None:
                continue
            if request.fetches is not None:
                actual_fetches[i] = request.fetches
            if request.feed_dict:
                _raise_if_feeds_intersect(hook_feeds, request.feed_dict,
                                          "Same tensor is fed by two hooks.")
                hook_feeds.update(request.feed_dict)
        if hook_feeds:
            if feed_dict:
                _raise_if_feeds_intersect(feed_dict, hook_feeds,
                                          "Same tensor is fed by a SessionRunHook and user.")
                merged = dict(feed_dict)
                merged.update(hook_feeds)
                feed_dict = merged
            else:
                feed_dict = hook_feeds
        while True:
            try:
                outputs = self._tf_sess_value.run(actual_fetches, feed_dict=feed_dict,
                                                  options=options, run_metadata=run_metadata)
                break
            except _PREEMPTION_ERRORS as e:
                if not self._should_recover:
                    raise
                self._recover(e)
                context = SessionRunContext(original_args=context.original_args,
                                            session=self._tf_sess_value)
        for i, hook in enumerate(self._hooks):
            hook.after_run(context, SessionRunValues(results=outputs.get(i),
                                                     options=options,
                                                     run_metadata=run_metadata))
        self._should_stop = self._should_stop or context.stop_requested
        return outputs["caller"]

    def run_step_fn(self, step_fn):
        """Calls `step_fn(step_context)`; `step_context.run_with_hooks` is `run`,
        `step_context.session` the raw session, `request_stop()` stops after this step."""
        context = _StepContext(self._tf_sess_value, self.run)
        try:
            return step_fn(context)
        except StopIteration:
            self._should_stop = True
            return None
        finally:
            if context._stop_requested:
                self._should_stop = True

    def should_stop(self):
        return self._closed or self._should_stop or self._coord.should_stop()

    def close(self):
        self._close_internal()

    def _close_internal(self, exception_type=None):
        try:
            if not exception_type and not self._closed:
                for h in self._hooks:
                    h.end(self._tf_sess_value)
        finally:
            if self._closed:
                raise RuntimeError("Session is already closed.")
            self._closed = True
            try:  # stop the hooks' threads; an exception one reported is raised here
                self._coord.request_stop()
                self._coord.join(stop_grace_period_secs=self._stop_grace_period_secs,
                                 ignore_live_threads=True)
            finally:
                self._tf_sess_value.close()

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if exception_type in (errors.OutOfRangeError, StopIteration):
            exception_type = None
        self._close_internal(exception_type)
        return exception_type is None


class _StepContext:
    def __init__(self, session, run_with_hooks_fn):
        self._session = session
        self._run_with_hooks_fn = run_with_hooks_fn
        self._stop_requested = False

    @property
    def session(self):
        return self._session

    def run_with_hooks(self, *args, **kwargs):
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        self._stop_requested = True
        raise StopIteration("step_fn has requested the iterations to stop.")


class MonitoredSession(_MonitoredSession):
    """A session that initialises or restores the model (through `session_creator`,
    default a ChiefSessionCreator) and runs `hooks` around every `run` call. Use it in a
    `with` block: leaving it calls the hooks' `end` (unless an error other than
    OutOfRangeError/StopIteration is propagating) and closes the session."""

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        super().__init__(session_creator, hooks, should_recover=True,
                         stop_grace_period_secs=stop_grace_period_secs)


class SingularMonitoredSession(_MonitoredSession):
    """A MonitoredSession built from a scaffold and a checkpoint dir, with `raw_session()`
    giving the underlying Session."""

    def __init__(self, hooks=None, scaffold=None, master="", config=None,
                 checkpoint_dir=None, stop_grace_period_secs=120,
                 checkpoint_filename_with_path=None):
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                      checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path)
        super().__init__(creator, hooks, should_recover=False,
                         stop_grace_period_secs=stop_grace_period_secs)

    def raw_session(self):
        return self._tf_sess()


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None,  # noqa: N802
                             scaffold=None, hooks=None, chief_only_hooks=None,
                             save_checkpoint_secs=USE_DEFAULT, save_summaries_steps=USE_DEFAULT,
                             save_summaries_secs=USE_DEFAULT, config=None,
                             stop_grace_period_secs=120, log_step_count_steps=100,
                             max_wait_secs=7200, save_checkpoint_steps=USE_DEFAULT,
                             summary_dir=None, save_graph_def=True):
    """A MonitoredSession for training. The chief (here: the only process) initialises or
    restores from `checkpoint_dir` and gets the default hooks: StepCounterHook and
    SummarySaverHook writing to `summary_dir` (default `checkpoint_dir`), and
    CheckpointSaverHook. Defaults as TF: a checkpoint every 600 secs unless
    `save_checkpoint_steps` is given, summaries every 100 steps unless
    `save_summaries_secs` is given."""
    if save_summaries_steps is USE_DEFAULT and save_summaries_secs is USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_secs is USE_DEFAULT:
        save_summaries_secs = None
    elif save_summaries_steps is USE_DEFAULT:
        save_summaries_steps = None
    if save_checkpoint_steps is USE_DEFAULT and save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_secs = None
    elif save_checkpoint_steps is USE_DEFAULT:
        save_checkpoint_steps = None
    scaffold = scaffold or Scaffold()
    if not is_chief:
        creator = WorkerSessionCreator(scaffold=scaffold, master=master, config=config,
                                       max_wait_secs=max_wait_secs)
        return MonitoredSession(session_creator=creator, hooks=hooks or [],
                                stop_grace_period_secs=stop_grace_period_secs)
    all_hooks = list(chief_only_hooks or [])
    creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_dir=checkpoint_dir,
                                  master=master, config=config)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(hooks_lib.StepCounterHook(output_dir=summary_dir,
                                                       every_n_steps=log_step_count_steps))
        if (save_summaries_steps and save_summaries_steps > 0) or \
                (save_summaries_secs and save_summaries_secs > 0):
            all_hooks.append(hooks_lib.SummarySaverHook(
                scaffold=scaffold, save_steps=save_summaries_steps,
                save_secs=save_summaries_secs, output_dir=summary_dir))
    if checkpoint_dir:
        if (save_checkpoint_secs and save_checkpoint_secs > 0) or \
                (save_checkpoint_steps and save_checkpoint_steps > 0):
            all_hooks.append(hooks_lib.CheckpointSaverHook(
                checkpoint_dir, save_steps=save_checkpoint_steps,
                save_secs=save_checkpoint_secs, scaffold=scaffold,
                save_graph_def=save_graph_def))
    all_hooks.extend(hooks or [])
    return MonitoredSession(session_creator=creator, hooks=all_hooks,
                            stop_grace_period_secs=stop_grace_period_secs)
