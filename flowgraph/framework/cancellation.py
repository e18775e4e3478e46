"""What a blocking kernel needs to know about the run it is in: the deadline from
`RunOptions.timeout_in_ms` (or the session's `operation_timeout_in_ms`) of the calling
thread's `Session.run`, and a per-session `CancellationManager` that `Session.close`
triggers, so a blocked dequeue never outlives its session."""
import contextlib
import threading
import time

_local = threading.local()


def deadline():
    """The monotonic time at which the current thread's run times out, or None."""
    return getattr(_local, "deadline", None)


@contextlib.contextmanager
def run_scope(timeout_ms):
    """Sets the current thread's deadline for one `Session.run` (0 or less: none)."""
    old = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + timeout_ms / 1000.0 if timeout_ms and \
        timeout_ms > 0 else None
    try:
        yield
    finally:
        _local.deadline = old


class CancellationManager:
    """Callbacks run once when the owner (a session) is closed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._callbacks = {}
        self._next = 0
        self.cancelled = False

    def register(self, callback):
        """Registers `callback`; returns a token, or None if already cancelled."""
        with self._lock:
            if self.cancelled:
                return None
            self._next += 1
            self._callbacks[self._next] = callback
            return self._next

    def deregister(self, token):
        with self._lock:
            self._callbacks.pop(token, None)

    def start_cancel(self):
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
        for cb in callbacks:
            cb()
