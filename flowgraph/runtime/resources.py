"""Per-session state: variable values and random generators, with a per-run undo journal."""
import numpy as np

from flowgraph.framework import errors

_MISSING = object()


class RunContext:
    """What stateful kernels see: `xp`, the session's variables and generators.

    Variable values are arrays that are never mutated in place: a write swaps in a new
    array and records the old one, so a failed run can be rolled back exactly."""

    __slots__ = ("xp", "vars", "rngs", "journal", "session")

    def __init__(self, session, xp=np):
        self.session = session
        self.xp = xp
        self.vars = {}
        self.rngs = {}
        self.journal = None

    def read(self, key):
        try:
            return self.vars[key]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {key}") from None

    def is_initialized(self, key):
        return key in self.vars

    def write(self, key, value):
        """Stores `value` (owned by the store from now on) as the variable's new value."""
        j = self.journal
        if j is not None and key not in j:
            j[key] = self.vars.get(key, _MISSING)
        if type(value) is np.ndarray:
            value.flags.writeable = False
        self.vars[key] = value
        return value

    def begin(self):
        self.journal = {}

    def commit(self):
        self.journal = None

    def rollback(self):
        for key, old in (self.journal or {}).items():
            if old is _MISSING:
                self.vars.pop(key, None)
            else:
                self.vars[key] = old
        self.journal = None

    def rng(self, op_name, seed, seed2):
        """The op's generator: seeded from (seed, seed2), or from entropy if both are 0."""
        g = self.rngs.get(op_name)
        if g is None:
            g = np.random.default_rng([seed, seed2] if seed or seed2 else None)
            self.rngs[op_name] = g
        return g
