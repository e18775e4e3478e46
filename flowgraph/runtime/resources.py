"""Per-session state: variable values and random generators, with a per-run undo journal."""
import threading

import numpy as np

from flowgraph.framework import errors

_MISSING = object()


class _Journal(threading.local):
    """The undo journal slot (`ctx._run[0]`) and the While loops' records (`tapes`), one
    per thread: runs made at once by several threads (a queue runner beside the training
    loop) each own theirs, so one failing run never rolls back another's writes and no run
    clears another's loop records. The inter-op pool's threads adopt their run's."""

    def __init__(self):
        self.value = None
        self.tapes = {}

    def __getitem__(self, i):
        return self.value

    def __setitem__(self, i, v):
        self.value = v


class RunContext:
    """What stateful kernels see: `xp`, the session's variables and generators.

    Variable values are arrays that are never mutated in place: a write swaps in a new
    array and records the old one, so a failed run can be rolled back exactly."""

    __slots__ = ("xp", "device", "vars", "rngs", "_run", "session")

    def __init__(self, session, xp=np, device=None, share=None):
        self.session, self.xp, self.device = session, xp, device
        if share is None:
            self.vars, self.rngs, self._run = {}, {}, _Journal()
        else:  # a sibling for another device: the same store and the same run journal
            self.vars, self.rngs, self._run = share.vars, share.rngs, share._run

    @property
    def tapes(self):
        """While loops' per-iteration records of the current thread's run."""
        return self._run.tapes

    def for_device(self, device):
        return RunContext(self.session, device.xp, device, share=self)

    @property
    def journal(self):
        return self._run[0]

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

    def write(self, key, value):
        """Stores `value` (owned by the store from now on) as the variable's new value."""
        j = self._run[0]
        if j is not None and key not in j:
            j[key] = self.vars.get(key, _MISSING)
        if type(value) is np.ndarray:
            value.flags.writeable = False
        self.vars[key] = value
        return value

    def begin(self):
        self._run[0] = {}
        self.tapes.clear()  # While loops' per-iteration records live for one run

    def commit(self):
        self._run[0] = None
        self.tapes.clear()  # a run's loop records are not kept alive after it

    def rollback(self):
        for key, old in (self._run[0] or {}).items():
            if old is _MISSING:
                self.vars.pop(key, None)
            else:
                self.vars[key] = old
        self._run[0] = None
        self.tapes.clear()

    def rng(self, op_name, seed, seed2):
        """The op's generator: seeded from (seed, seed2), or from entropy if both are 0."""
        g = self.rngs.get(op_name)
        if g is None:
            g = np.random.default_rng([seed, seed2] if seed or seed2 else None)
            self.rngs[op_name] = g
        return g
