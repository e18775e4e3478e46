"""Per-session state: variable values, generators and per-variable locks; per-run state
(the undo journal and while-loop records) lives in a context variable, one per run."""
import contextvars
import sys
import threading

import numpy as np

from flowgraph.framework import errors

_MISSING = object()


class RunState:
    """One run's own state: for each variable it wrote, [value before the run, the value
    it last wrote]; the While loops' per-iteration records. `lock` guards the journal
    when the run's steps execute on several threads."""

    __slots__ = ("vars", "journal", "tapes", "lock")

    def __init__(self, store, threaded=False):
        self.vars, self.journal, self.tapes = store, {}, {}
        self.lock = threading.Lock() if threaded else None


# The run the current thread (or inter-op worker, which runs in a copy of the run's
# context) is executing: runs of one session on several threads never share it.
_RUN = contextvars.ContextVar("flowgraph_run", default=None)


def current_run():
    return _RUN.get()


class RunContext:
    """What stateful kernels see: `xp`, the session's variables, generators and locks.

    Variable values are arrays that are never mutated in place: a write swaps in a new
    array and the running run's journal records the old one, so a failed run can undo
    its own writes. A failed run restores a variable only while it still holds the value
    that run wrote: a write another run made meanwhile is never undone."""

    __slots__ = ("xp", "device", "vars", "rngs", "locks", "spares", "session", "_idle_tapes")

    def __init__(self, session, xp=np, device=None, share=None):
        self.session, self.xp, self.device = session, xp, device
        if share is None:
            self.vars, self.rngs, self.locks, self.spares = {}, {}, {}, {}
        else:  # a sibling for another device: the same store
            self.vars, self.rngs, self.locks = share.vars, share.rngs, share.locks
            self.spares = share.spares
        self._idle_tapes = {}

    def for_device(self, device):
        return RunContext(self.session, device.xp, device, share=self)

    @property
    def journal(self):
        st = _RUN.get()
        return st.journal if st is not None and st.vars is self.vars else None

    @property
    def tapes(self):
        """The running run's While records (op -> list of per-iteration values)."""
        st = _RUN.get()
        return st.tapes if st is not None else self._idle_tapes

    def lock(self, key):
        """The lock of variable `key`, held by `use_locking` updates around their
        read-compute-write."""
        lk = self.locks.get(key)
        if lk is None:
            lk = self.locks.setdefault(key, threading.Lock())
        return lk

    def read(self, key):
        try:
            return self.vars[key]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {key}") from None

    def read_local(self, key):
        """The variable's value as an array of this context's device."""
        v = self.read(key)
        on_gpu = hasattr(v, "__cuda_array_interface__")
        if self.xp is np:
            return v.get() if on_gpu else v
        if on_gpu and v.device.id == self.device.index:
            return v  # already here: no copy
        return self.device.copy_from(v, None)

    def is_initialized(self, key):
        return key in self.vars

    def spare(self, key, like):
        """A writable array shaped and typed like `like` to build variable `key`'s next
        value in: the value that the variable's last `write(..., recycle=True)` displaced,
        when nothing holds it any more (no journal, slot, view, fetch or other variable:
        only this call refers to it), else a new array. So repeated updates alternate
        between two buffers and stored values are still never mutated."""
        old = self.spares.pop(key, None)  # atomic: two runs never get the same buffer
        if old is not None and sys.getrefcount(old) == 2 and old.__class__ is np.ndarray \
                and old.shape == like.shape and old.dtype == like.dtype and \
                old.base is None and old.flags.c_contiguous:  # 2: `old` and the argument
            old.flags.writeable = True
            return old
        return self.xp.empty(like.shape, like.dtype)

    def write(self, key, value, recycle=False):
        """Stores `value` (owned by the store from now on) as the variable's new value;
        with `recycle`, the displaced value is kept for `spare`."""
        if type(value) is np.ndarray:
            value.flags.writeable = False
        if recycle:
            old = self.vars.get(key)
            if old is not None:
                self.spares[key] = old
        st = _RUN.get()
        if st is None or st.vars is not self.vars:
            self.vars[key] = value
            return value
        if st.lock is None:
            self._journaled(st.journal, key, value)
        else:
            with st.lock:
                self._journaled(st.journal, key, value)
        return value

    def _journaled(self, j, key, value):
        entry = j.get(key)
        if entry is None:
            j[key] = [self.vars.get(key, _MISSING), value]
        else:
            entry[1] = value
        self.vars[key] = value

    def begin(self, threaded=False):
        """Starts a run owning its journal; returns the token `end` takes."""
        return _RUN.set(RunState(self.vars, threaded))

    def commit(self, token):
        _RUN.reset(token)

    def rollback(self, token):
        """Undoes the run's writes, each only if the variable still holds what the run
        wrote (a concurrent run's later write stays)."""
        st = _RUN.get()
        _RUN.reset(token)
        vars_ = self.vars
        for key, (old, mine) in st.journal.items():
            with self.lock(key):  # as a locked update holds it: no update lands between
                if vars_.get(key, _MISSING) is mine:
                    if old is _MISSING:
                        vars_.pop(key, None)
                    else:
                        vars_[key] = old

    def rng(self, op_name, seed, seed2):
        """The op's generator: seeded from (seed, seed2), or from entropy if both are 0."""
        g = self.rngs.get(op_name)
        if g is None:
            g = np.random.default_rng([seed, seed2] if seed or seed2 else None)
            self.rngs[op_name] = g
        return g
