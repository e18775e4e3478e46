"""`tf.train.SessionRunHook` and the records passed to hooks around `MonitoredSession.run`."""
import collections

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues"]


class SessionRunHook:
    """Base class of hooks: every method is a no-op. Called, in order, `begin()` (graph
    still open), `after_create_session(session, coord)`, then around each `run` call
    `before_run(run_context)` (may return SessionRunArgs to add fetches/feeds) and
    `after_run(run_context, run_values)`, and `end(session)` when the session closes
    without an error."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):  # pylint: disable=unused-argument
        pass

    def before_run(self, run_context):  # pylint: disable=unused-argument
        return None

    def after_run(self, run_context, run_values):  # pylint: disable=unused-argument
        pass

    def end(self, session):  # pylint: disable=unused-argument
        pass


class SessionRunArgs(collections.namedtuple("SessionRunArgs",
                                            ["fetches", "feed_dict", "options"])):
    """What a hook adds to a `run` call: extra `fetches`, a `feed_dict`, RunOptions."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunContext:
    """The `run` call a hook is looking at: the caller's arguments, the session, and a way
    to ask the monitored session to stop."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self):
        return self._stop_requested

    def request_stop(self):
        """After this call, the monitored session's `should_stop()` is True."""
        self._stop_requested = True


SessionRunValues = collections.namedtuple("SessionRunValues",
                                          ["results", "options", "run_metadata"])
SessionRunValues.__doc__ = ("What `run` returned for a hook's fetches (`results`, shaped as "
                            "its fetches), with the RunOptions and RunMetadata used.")
