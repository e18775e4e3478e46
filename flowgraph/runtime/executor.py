"""The run loop: a flat pass over a Plan's steps. No lookups, parsing or shape work here."""
import warnings

import numpy as np

from flowgraph.framework import errors

# Kernels produce inf/nan silently, as TF does: numpy's floating-point warnings raised
# from flowgraph's own modules are ignored (set once, not per run: errstate costs ~5 us).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flowgraph(\.|$)")


def execute(plan, feed_slots, feed_values, ctx):
    """Runs `plan` with `feed_values` in `feed_slots`; returns the fetched values."""
    vals = [None] * plan.nslots
    for s, v in zip(feed_slots, feed_values):
        vals[s] = v
    if plan.has_state:
        ctx.begin()
    i = 0
    try:
        for i, (fn, ins, out, frees) in enumerate(plan.steps):
            r = fn(*[vals[j] for j in ins])
            if out.__class__ is int:
                vals[out] = r
            elif out is not None:
                for o, v in zip(out, r):
                    vals[o] = v
            for f in frees:
                vals[f] = None
    except Exception as e:
        if plan.has_state:
            ctx.rollback()
        raise op_error(e, plan.ops[i]) from e
    if plan.has_state:
        ctx.commit()
    return [vals[s] for s in plan.fetch_slots]


def execute_traced(plan, feed_slots, feed_values, ctx, step_stats, device):
    """`execute` that also records each op's start and end time into `step_stats`."""
    import time
    now = time.time
    dev = step_stats.dev_stats.add(device=device)
    vals = [None] * plan.nslots
    for s, v in zip(feed_slots, feed_values):
        vals[s] = v
    if plan.has_state:
        ctx.begin()
    i = 0
    try:
        for i, (fn, ins, out, frees) in enumerate(plan.steps):
            op = plan.ops[i]
            t0 = now()
            r = fn(*[vals[j] for j in ins])
            t1 = now()
            if out.__class__ is int:
                vals[out] = r
            elif out is not None:
                for o, v in zip(out, r):
                    vals[o] = v
            for f in frees:
                vals[f] = None
            rel = int((t1 - t0) * 1e6)
            dev.node_stats.add(node_name=op.name, all_start_micros=int(t0 * 1e6),
                               op_start_rel_micros=0, op_end_rel_micros=rel,
                               all_end_rel_micros=rel,
                               timeline_label=f"{op.name} = {op.type}("
                                              f"{', '.join(t.op.name for t in op._inputs)})")
    except Exception as e:
        if plan.has_state:
            ctx.rollback()
        raise op_error(e, plan.ops[i]) from e
    if plan.has_state:
        ctx.commit()
    return [vals[s] for s in plan.fetch_slots]


def op_error(e, op):
    """Re-raises a kernel failure as TF's error class, naming the op and the user's line."""
    f, line, _ = op._traceback
    where = f"\n\t [[node {op.name} (defined at {f}:{line}) ]]"
    if isinstance(e, errors.OpError):
        cls, msg = type(e), e.message
    elif isinstance(e, MemoryError):
        cls, msg = errors.ResourceExhaustedError, f"OOM when running {op.type}: {e}"
    elif isinstance(e, (ValueError, IndexError, TypeError, KeyError, ZeroDivisionError,
                        np.linalg.LinAlgError)):
        cls, msg = errors.InvalidArgumentError, f"{type(e).__name__}: {e}"
    else:
        cls, msg = errors.InternalError, f"{type(e).__name__}: {e}"
    if "[[node" not in msg:
        msg += where
    return cls(None, op, msg)
