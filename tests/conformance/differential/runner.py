"""Drives generation, comparison and shrinking; shared by the CI test and the long mode."""
import numpy as np

from .compare import compare, observe
from .generate import generate
from .known import known
from .shrink import shrink


def frameworks():
    """(tensorflow.compat.v1 with v2 behaviour off, flowgraph)."""
    import tensorflow as tf_real
    tf1 = tf_real.compat.v1
    tf1.disable_v2_behavior()
    import flowgraph
    return tf1, flowgraph


def differences(prog, tf1, fg):
    return compare(prog, observe(tf1, prog), observe(fg, prog))


def check(prog, tf1, fg):
    """(unexplained differences, known ones) of one program."""
    ds = differences(prog, tf1, fg)
    if any(d.kind == "graph" and known(d, prog) for d in ds):
        # A known difference in the ops one builder makes shifts the unique names of
        # every later op: the graph comparison says nothing more about this program.
        ds = [d for d in ds if d.kind != "graph" or known(d, prog)]
    new = [d for d in ds if known(d, prog) is None]
    return new, [d for d in ds if known(d, prog) is not None]


def run_one(seed, index, tf1, fg):
    """Generates program `index` of stream `seed`; returns (program, new, known)."""
    rng = np.random.default_rng([seed, index])
    prog = generate(rng, fg)
    new, old = check(prog, tf1, fg)
    return prog, new, old


def report_failure(prog, new, tf1, fg):
    """Shrinks a failing program; returns (shrunk program, its differences, text)."""
    small, ds = shrink(prog, new[0].kind, tf1, fg)
    text = "\n".join(str(d) for d in ds) + "\n\n" + small.snippet()
    return small, ds, text
