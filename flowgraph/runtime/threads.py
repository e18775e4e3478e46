"""Intra-op threads: the BLAS libraries' thread count during a session's runs.

`ConfigProto.intra_op_parallelism_threads = n > 0` sets it to n (through threadpoolctl).
Left at 0, it stays the libraries' default, except when the session runs steps on an
inter-op pool of k > 1 threads: then each BLAS call gets cores // k threads (at least 1),
so the pool's threads and BLAS's together do not oversubscribe the cores. The count is a
process-wide setting: the first of overlapping runs sets it, the last one to end restores
the value it found."""
import os
import threading

_lock = threading.Lock()
_state = {"depth": 0, "saved": None}
_controller = []  # [threadpoolctl.ThreadpoolController or None], made on first use


def cores():
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def blas_threads(config):
    """The BLAS thread count a session with `config` runs with, or None: the default."""
    n = config.intra_op_parallelism_threads
    if n > 0:
        return n
    inter = config.inter_op_parallelism_threads
    if inter > 1:
        return max(1, cores() // inter)
    return None


def _blas_libraries():
    if not _controller:
        try:
            import threadpoolctl
            c = threadpoolctl.ThreadpoolController()
            libs = [lib for lib in c.lib_controllers if lib.user_api == "blas"]
        except ImportError:  # a dependency, but flowgraph still runs without it
            libs = []
        _controller.append(libs)
    return _controller[0]


class BlasThreads:
    """A reusable context manager holding the BLAS libraries at `n` threads."""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        with _lock:
            if _state["depth"] == 0:
                libs = _blas_libraries()
                saved = [(lib, lib.get_num_threads()) for lib in libs]
                saved = [(lib, old) for lib, old in saved if old != self.n]
                for lib, _ in saved:
                    lib.set_num_threads(self.n)
                _state["saved"] = saved
            _state["depth"] += 1
        return self

    def __exit__(self, *exc):
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                for lib, old in _state["saved"]:
                    lib.set_num_threads(old)
                _state["saved"] = None
        return False


def limiter(config):
    """The session's BlasThreads, or None where its runs keep the libraries' default."""
    n = blas_threads(config)
    return None if n is None else BlasThreads(n)
