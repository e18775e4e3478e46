"""Random program generation from a seeded numpy Generator.

Every node added is built and run at once in a flowgraph "shadow" graph, which tells the
generator its concrete shape and dtype (so later pickers can fit operands to it). A choice
flowgraph rejects is dropped, except now and then it is kept as the program's last line:
such programs test that both frameworks raise the same error class.
"""
import numpy as np

from . import table
from .known import skipped_keys
from .program import FLOATS, INTS, Node, Program, build, feed_dict

DTYPES = FLOATS + INTS + ("bool",)


class Gen:
    """The state pickers see: the nodes so far (with concrete values) and the rng."""

    def __init__(self, rng, fg):
        self.rng, self.fg = rng, fg
        self.prog = Program(nodes=[])
        self.vals = {}

    # --- facts about existing nodes -------------------------------------------------
    def shape(self, name):
        return self.vals[name].shape

    def rank(self, name):
        return self.vals[name].ndim

    def size(self, name):
        return self.vals[name].size

    def dtype(self, name):
        return self.vals[name].dtype.name

    def coin(self, p=0.5):
        return bool(self.rng.random() < p)

    def axis(self, name):
        r = self.rank(name)
        return int(self.rng.integers(-r, r))

    def axes(self, name):
        r = self.rank(name)
        c = self.rng.integers(0, 3)
        if c == 0:
            return "None"
        if c == 1:
            return repr(self.axis(name))
        k = int(self.rng.integers(1, r + 1))
        return repr(sorted(int(a) for a in self.rng.choice(r, k, replace=False)))

    # --- making operands --------------------------------------------------------------
    def small_shape(self, ranks=(0, 1, 2, 3)):
        r = int(self.rng.choice(ranks))
        return [int(self.rng.choice([1, 2, 3, 4], p=[0.25, 0.35, 0.3, 0.1])) for _ in range(r)]

    def broadcastable(self, shape):
        """A shape that broadcasts against `shape`: a suffix, some dims set to 1."""
        s = list(shape)[int(self.rng.integers(0, len(shape) + 1)):] if self.coin(0.4) \
            else list(shape)
        return [1 if self.coin(0.25) else d for d in s]

    def leaf(self, shape, dtype, low=None, high=None):
        """A new placeholder (often with unknown dims) or constant with a random value."""
        r = self.rng
        if dtype == "bool":
            v = r.random(shape) < 0.5
        elif dtype in INTS:
            v = r.integers(-5 if low is None else low, 6 if high is None else high, shape)
        else:
            v = r.uniform(-2 if low is None else low, 2 if high is None else high, shape)
            v = np.round(v, 3)
        v = np.asarray(v).astype(dtype)
        name = f"n{len(self.prog.nodes)}"
        if self.coin(0.65):
            decl = None if self.coin(0.05) else [None if self.coin(0.3) else int(d)
                                                 for d in v.shape]
            node = Node(name, "placeholder", value=v, shape=decl)
        else:
            node = Node(name, "const", value=v)
        self.prog.nodes.append(node)
        self.vals[name] = v
        return name

    def operand(self, dtypes, ranks=(0, 1, 2, 3)):
        """An existing node of a fitting dtype and rank (often), else a new leaf."""
        dtypes = DTYPES if dtypes is None else dtypes
        fits = [n.name for n in self.prog.nodes if n.name in self.vals
                and self.dtype(n.name) in dtypes and self.rank(n.name) in ranks]
        if fits and self.coin(0.75):
            recent = fits[-3:] if self.coin(0.6) else fits
            return str(self.rng.choice(recent))
        return self.leaf(self.small_shape(ranks), str(self.rng.choice(dtypes)))

    def same(self, name):
        return self.leaf(list(self.shape(name)), self.dtype(name))

    def partner(self, name):
        """A second operand broadcasting against `name`, of its dtype."""
        if self.coin(0.3):
            fits = [n for n in self.vals if n != name and self.dtype(n) == self.dtype(name)
                    and _broadcasts(self.shape(n), self.shape(name))]
            if fits:
                return str(self.rng.choice(fits))
        return self.leaf(self.broadcastable(self.shape(name)), self.dtype(name))

    # --- adding ops -------------------------------------------------------------------
    def try_op(self, op, keep_error=False):
        """Adds one op; returns True if it was added (False: rejected, nothing changed)."""
        mark = len(self.prog.nodes)
        try:
            picked = op.pick(self)
        except (ValueError, IndexError):
            picked = None
        if picked is None:
            self._undo(mark)
            return False
        args, attrs = picked
        name = f"n{len(self.prog.nodes)}"
        code = op.template.format(*args, **attrs)
        nondet = op.key == "random" or any(self.prog.node(a).nondet for a in args)
        node = Node(name, "random" if op.key == "random" else "op", code=code,
                    args=tuple(args), key=op.key, nondet=nondet,
                    diff=op.key != "assign_add")
        self.prog.nodes.append(node)
        value = self._shadow(name)
        if value is None:
            if keep_error:
                return True
            self._undo(mark)
            return False
        node.value = self.vals[name] = value
        return True

    def _undo(self, mark):
        for n in self.prog.nodes[mark:]:
            self.vals.pop(n.name, None)
        del self.prog.nodes[mark:]

    def _shadow(self, name):
        fg = self.fg
        b = build(fg, self.prog)
        if b.error is not None:
            return None
        try:
            with b.graph.as_default(), fg.Session(graph=b.graph) as s:
                s.run(fg.global_variables_initializer())
                v = s.run(b.env[name], feed_dict(self.prog, b.env))
        except Exception:  # noqa: BLE001 - a run-time error: reject the choice
            return None
        v = np.asarray(v)
        return v if v.dtype.kind in "biuf" and v.size <= 4096 else None


def _broadcasts(a, b):
    return len(a) <= len(b) and all(x in (1, y) for x, y in zip(a[::-1], b[::-1]))


def generate(rng, fg, max_ops=8):
    """One random program of 2..max_ops ops."""
    g = Gen(rng, fg)
    ops = [op for op in table.TABLE if op.key not in skipped_keys()]
    want = int(rng.integers(2, max_ops + 1))
    tries = 0
    while len(g.prog.outputs()) < want and tries < 4 * want:
        tries += 1
        op = ops[int(rng.integers(len(ops)))]
        last = len(g.prog.outputs()) + 1 >= 2 and g.coin(0.08)
        if g.try_op(op, keep_error=last) and g.prog.nodes[-1].value is None:
            break  # an error program: it ends at the failing line
    prog = g.prog
    if g.coin(0.3):
        prog.graph_seed = int(rng.integers(0, 1000))
    feedable = [n for n in prog.outputs() if n.value is not None and not n.nondet
                and n.key not in ("assign_add", "shape")]
    if feedable and g.coin(0.2):
        n = feedable[int(rng.integers(len(feedable)))]
        v = n.value
        if v.dtype.kind == "f":
            v = np.round(rng.uniform(-2, 2, v.shape), 3).astype(v.dtype)
        prog.feeds = (n.name,)
        prog.feed_values = {n.name: v}
    return prog
