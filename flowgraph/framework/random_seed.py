"""Graph-level and op-level random seeds, with TF1's rules for combining them.

A random op gets two attrs, `seed` and `seed2`. Both 0 means "nondeterministic": the
session seeds that op's generator from entropy. Otherwise the pair seeds it, so the same
program gives the same numbers on every run of a fresh session.
"""
import weakref

from flowgraph.framework.graph import get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1

# How many ops of each graph have taken an op seed from the graph seed (TF 2.x's rule: a
# per-graph counter, so unrelated ops added elsewhere do not change a random op's seed).
_op_seed_counters = weakref.WeakKeyDictionary()


def _truncate_seed(seed):
    return int(seed) % _MAXINT32


def get_seed(op_seed):
    """The (graph seed, op seed) pair a random op should use, given its own `op_seed`.

    - neither set: `(None, None)`, a nondeterministic op;
    - graph seed set, op seed None: the op seed is drawn from a per-graph counter, so a
      program that sets a graph seed is reproducible;
    - op seed set, graph seed None: the graph seed is `DEFAULT_GRAPH_SEED`;
    - both set: both are used. `(0, 0)` becomes `(0, 2**31 - 1)` so it stays deterministic.
    """
    g = get_default_graph()
    global_seed = g.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = _op_seed_counters.get(g, 0)
            _op_seed_counters[g] = op_seed + 1
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed):
    """Sets the graph-level random seed of the default graph.

    Random ops created afterwards without their own `seed` take an op seed derived from
    it, so the whole program draws the same numbers in every new session."""
    get_default_graph().seed = seed


def seed_attrs(op_seed):
    """The `seed` and `seed2` attrs of a new random op (0 and 0 when nondeterministic)."""
    s1, s2 = get_seed(op_seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}
