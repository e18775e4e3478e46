"""`tf.train.SessionManager`: makes a session whose model is ready. The chief restores
the latest checkpoint or runs the init ops (`prepare_session`); other tasks wait until
the chief has made the shared variables ready (`wait_for_session`)."""
import logging
import time

import numpy as np

from flowgraph.framework import errors
from flowgraph.framework.graph import get_default_graph
from flowgraph.runtime.session import Session
from flowgraph.train import checkpoint_management

__all__ = ["SessionManager"]

_log = logging.getLogger("flowgraph")


def _not_ready_message(value):
    names = [x.decode() if isinstance(x, bytes) else str(x)
             for x in np.asarray(value).reshape(-1)]
    return "Variables not initialized: " + ", ".join(names)


def is_ready(sess, op):
    """(ready, message) from a ready op: ready when it reports nothing."""
    if op is None:
        return True, None
    value = sess.run(op)
    if np.asarray(value).size == 0:
        return True, None
    return False, _not_ready_message(value)


class SessionManager:
    """Makes sessions on `master` for `graph` whose model is ready: `ready_op` reports
    no uninitialized variable, after `local_init_op` ran (once `ready_for_local_init_op`
    reports nothing)."""

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None,
                 graph=None, recovery_wait_secs=30, local_init_run_options=None,
                 local_init_feed_dict=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._local_init_op, self._ready_op = local_init_op, ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict

    def _session(self, master, config):
        return Session(master, graph=self._graph, config=config)

    def _restore(self, sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                 wait_for_checkpoint, max_wait_secs):
        """Restores from the given file or the latest checkpoint of `checkpoint_dir`
        (waiting for one to appear if asked); True when restored."""
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return True
        if not saver or not checkpoint_dir:
            return False
        deadline = time.time() + max_wait_secs
        path = checkpoint_management.latest_checkpoint(checkpoint_dir)
        while path is None and wait_for_checkpoint and time.time() < deadline:
            _log.info("Waiting for checkpoint to be available.")
            time.sleep(min(self._recovery_wait_secs, max(0.0, deadline - time.time())))
            path = checkpoint_management.latest_checkpoint(checkpoint_dir)
        if path is None:
            return False
        saver.restore(sess, path)
        state = checkpoint_management.get_checkpoint_state(checkpoint_dir)
        if state is not None and hasattr(saver, "recover_last_checkpoints"):
            # the saver deletes the older checkpoints in turn, as TF's does
            saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
        return True

    def _local_init(self, sess):
        """Runs local_init_op once the model is ready for it; (done, message)."""
        if self._local_init_op is None:
            return True, None
        ready, msg = is_ready(sess, self._ready_for_local_init_op)
        if not ready:
            return False, msg
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict,
                 options=self._local_init_run_options)
        return True, None

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None, init_feed_dict=None, init_fn=None):
        """A session restored from a checkpoint, else initialized by `init_op` and
        `init_fn(sess)`; RuntimeError if that does not make the model ready."""
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and "
                             "checkpoint_filename_with_path.")
        sess = self._session(master, config)
        restored = self._restore(sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                                 wait_for_checkpoint, max_wait_secs)
        if not restored:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                   "local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        done, msg = self._local_init(sess)
        if not done:
            raise RuntimeError(f"Init operations did not make model ready for local init.  "
                               f"{msg}")
        ready, msg = is_ready(sess, self._ready_op)
        if not ready:
            raise RuntimeError(f"Init operations did not make model ready.  Init op: "
                               f"{getattr(init_op, 'name', None)}, init fn: {init_fn}, "
                               f"error: {msg}")
        return sess

    def recover_session(self, master, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None):
        """(session, initialized): restored from a checkpoint when there is one."""
        sess = self._session(master, config)
        if not self._restore(sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                             wait_for_checkpoint, max_wait_secs):
            return sess, False
        done, _ = self._local_init(sess)
        ready, msg = is_ready(sess, self._ready_op) if done else (False, None)
        if not ready:
            _log.info("Restoring model from checkpoint did not make the model ready: %s",
                      msg)
        return sess, ready

    def wait_for_session(self, master, config=None, max_wait_secs=float("Inf")):
        """A session once another task (the chief) has made the model ready;
        DeadlineExceededError after `max_wait_secs`."""
        deadline = time.time() + max_wait_secs
        while True:
            sess = self._session(master, config)
            done, msg = self._local_init(sess)
            if done:
                ready, msg = is_ready(sess, self._ready_op)
                if ready:
                    return sess
            sess.close()
            left = deadline - time.time()
            if left <= 0:
                raise errors.DeadlineExceededError(
                    None, None, f"Session was not ready after waiting {max_wait_secs} secs. "
                                f"{msg}")
            _log.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, "
                      "ready: %s", self._ready_for_local_init_op, msg)
            time.sleep(min(self._recovery_wait_secs, left))
