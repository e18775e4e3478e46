"""Shrinking a failing program to a small one that still shows the same kind of difference:
drop unused nodes, turn op nodes into placeholders holding the value they had, drop
intermediate feeds and the graph seed, make placeholder shapes known, make leaves smaller."""
from dataclasses import replace

import numpy as np

from .compare import compare, observe
from .known import known


def _used(prog):
    return {a for n in prog.nodes for a in n.args}


def _candidates(prog):
    """Smaller variants of `prog`, the most promising first."""
    used = _used(prog)
    for i in range(len(prog.nodes) - 1, -1, -1):
        n = prog.nodes[i]
        if n.name not in used and len(prog.outputs()) > 1 or n.kind != "op" and \
                n.name not in used:
            p = prog.copy()
            del p.nodes[i]
            p.feeds = tuple(f for f in p.feeds if f != n.name)
            yield p
    for i, n in enumerate(prog.nodes):
        if n.kind in ("op", "random") and n.value is not None and n.args:
            p = prog.copy()
            p.nodes[i] = replace(n, kind="placeholder", code="", args=(), key="",
                                 shape=list(n.value.shape), nondet=False)
            p.feeds = tuple(f for f in p.feeds if f != n.name)
            yield p
    if prog.feeds:
        yield replace(prog.copy(), feeds=())
    if prog.graph_seed is not None:
        yield replace(prog.copy(), graph_seed=None)
    for i, n in enumerate(prog.nodes):
        if n.kind == "placeholder":
            full = list(n.value.shape)
            if n.shape != full:
                p = prog.copy()
                p.nodes[i] = replace(n, shape=full)
                yield p
            p = prog.copy()
            p.nodes[i] = replace(n, kind="const")
            yield p
        if n.kind in ("placeholder", "const") and n.value.size > 1:
            for ax, d in enumerate(n.value.shape):
                if d > 1:
                    p = prog.copy()
                    v = np.take(n.value, range(d - 1), axis=ax)
                    shape = None if n.shape is None else \
                        [s if k != ax or s is None else d - 1 for k, s in enumerate(n.shape)]
                    p.nodes[i] = replace(n, value=v, shape=shape)
                    yield p


def still_fails(prog, kind, tf1, fg):
    ds = [d for d in compare(prog, observe(tf1, prog), observe(fg, prog))
          if known(d, prog) is None and d.kind == kind]
    return ds


def shrink(prog, kind, tf1, fg, budget=150):
    """The smallest variant found (greedy, up to `budget` trials) and its differences."""
    best, ds = prog, still_fails(prog, kind, tf1, fg)
    progress = True
    while progress and budget > 0:
        progress = False
        for cand in _candidates(best):
            budget -= 1
            try:
                got = still_fails(cand, kind, tf1, fg)
            except Exception:  # noqa: BLE001 - a broken candidate is just not smaller
                got = []
            if got:
                best, ds, progress = cand, got, True
                break
            if budget <= 0:
                break
    return best, ds
