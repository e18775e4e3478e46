"""`tf.train.Coordinator`: lets threads ask each other to stop, and hands an exception
raised in one of them to the thread that joins them."""
import contextlib
import logging
import sys
import threading
import time

from flowgraph.framework import errors

_log = logging.getLogger("flowgraph")


class Coordinator:
    """A stop flag shared by threads, the first exception reported with it, and `join`."""

    def __init__(self, clean_stop_exception_types=None):
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def request_stop(self, ex=None):
        """Asks the threads to stop. `ex` (an exception, or `sys.exc_info()`) is re-raised
        by `join`, unless it is one of the clean-stop types; only the first one is kept."""
        with self._lock:
            # As TF: an exception reported after the stop was requested (a queue runner's
            # enqueue cancelled by that stop) is not kept.
            if ex is not None and self._exc_info_to_raise is None and \
                    not self._stop_event.is_set():
                info = ex if isinstance(ex, tuple) else (type(ex), ex, ex.__traceback__)
                if not issubclass(info[0], self._clean_stop_exception_types):
                    self._exc_info_to_raise = info
            self._stop_event.set()

    def clear_stop(self):
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self):
        return self._stop_event.is_set()

    def wait_for_stop(self, timeout=None):
        """Whether a stop was requested within `timeout` seconds (None: wait for it)."""
        return self._stop_event.wait(timeout)

    @contextlib.contextmanager
    def stop_on_exception(self):
        """`with coord.stop_on_exception():` turns an exception in the block into a stop
        request carrying it."""
        try:
            yield
        except Exception:  # noqa: BLE001 (handed to join)
            self.request_stop(ex=sys.exc_info())

    def register_thread(self, thread):
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Waits until the threads (given and registered) end, or a stop is requested and
        then at most `stop_grace_period_secs` more; re-raises the exception reported with
        the stop, else raises RuntimeError naming threads still running."""
        with self._lock:
            threads = self._registered_threads | set(threads or ())
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(0.01):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stragglers = sorted(t.name for t in threads if t.is_alive())
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            info = self._exc_info_to_raise
        if info is not None:
            raise info[1].with_traceback(info[2])
        if stragglers:
            if ignore_live_threads:
                _log.info("Coordinator stopped with threads still running: %s",
                          " ".join(stragglers))
            else:
                raise RuntimeError("Coordinator stopped with threads still running: "
                                   + " ".join(stragglers))

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        """Re-raises the exception reported with `request_stop`, if any."""
        with self._lock:
            info = self._exc_info_to_raise
        if info is not None:
            raise info[1].with_traceback(info[2])
