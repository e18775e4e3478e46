"""Running plans: as generated straight-line code, traced, or on a thread pool. No lookups,
parsing or shape work happens here."""
import contextvars
import copy
import threading
import time
import warnings

import numpy as np

from flowgraph.framework import errors
from flowgraph.runtime.resources import current_run

# Kernels produce inf/nan silently, as TF does: numpy's floating-point warnings raised
# from flowgraph's own modules are ignored (set once, not per run: errstate costs ~5 us).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flowgraph(\.|$)")


def execute(plan, feed_slots, feed_values, ctx):
    """Runs `plan` with `feed_values` in `feed_slots`; returns the fetched values."""
    run, order = plan.runner or straight_line(plan)
    if feed_slots != order:  # feeds given in another order than the code takes them
        by_slot = dict(zip(feed_slots, feed_values))
        feed_values = [by_slot[s] for s in order]
    if not plan.has_state:
        try:
            return run(*feed_values)
        except Exception as e:
            raise op_error(e, plan.ops[failed_step(run, e)]) from e
    st = current_run()
    # the outermost run of this session's store owns a journal of its own
    token = ctx.begin() if st is None or st.vars is not ctx.vars else None
    try:
        out = run(*feed_values)
    except Exception as e:
        if token is not None:
            ctx.rollback(token)
        raise op_error(e, plan.ops[failed_step(run, e)]) from e
    if token is not None:
        ctx.commit(token)
    return out


def straight_line(plan):
    """Compiles the plan's steps, once, into one Python function of the feed values: a line
    per step (`s7 = k3(s2, c5)`), locals for slots, `del` where a slot is last read, so the
    run loop's indexing and bookkeeping cost nothing. Sets and returns `plan.runner`:
    (function, the feed slots in the order it takes them)."""
    order = sorted(plan.feed_slots.values())
    consts = {s for s, v in enumerate(plan.template) if v is not None} - set(order)
    names = {"__builtins__": {}, "__name__": __name__}  # __name__: warnings filters

    def ref(s):
        if s in consts:
            names[f"c{s}"] = plan.template[s]
            return f"c{s}"
        return f"s{s}"

    lines = [f"def run({', '.join(f's{s}' for s in order)}):"]
    for i, (fn, ins, out, frees) in enumerate(plan.steps):
        names[f"k{i}"] = fn
        call = f"k{i}({', '.join(ref(s) for s in ins)})"
        if out is not None:
            call = (f"s{out}" if out.__class__ is int else
                    "".join(f"s{s}, " for s in out)) + " = " + call
        gone = [f"s{s}" for s in frees if s not in consts]
        lines.append(f"    {call}" + (f"; del {', '.join(gone)}" if gone else ""))
    lines.append(f"    return [{', '.join(ref(s) for s in plan.fetch_slots)}]")
    exec(compile("\n".join(lines), f"<plan of {len(plan.steps)} steps>", "exec"), names)
    plan.runner = names["run"], order
    return plan.runner


def failed_step(run, e):
    """The index of the step whose line raised `e` inside `run`'s generated code."""
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is run.__code__:
            return tb.tb_lineno - 2
        tb = tb.tb_next
    raise e  # not raised by a step: a bug in flowgraph itself


def execute_traced(plan, feed_slots, feed_values, ctx, step_stats, pool=None):
    """`execute`, or `execute_parallel` on `pool`, that also records into `step_stats` each
    op's start and end time and the thread it ran on, one DeviceStepStats per device."""
    records = []  # (step, start ns, end ns, thread id); appended to by the pool's threads

    def timed(i, fn):
        def run(*args):
            t0 = time.time_ns()
            r = fn(*args)
            records.append((i, t0, time.time_ns(), threading.get_native_id() % 2**32))
            return r
        return run
    if pool is not None:
        plan.dependency_graph()  # cached on the plan, so the traced copy shares it
    traced = copy.copy(plan)
    traced.steps = [(timed(i, fn), ins, out, frees)
                    for i, (fn, ins, out, frees) in enumerate(plan.steps)]
    traced.runner = None
    try:
        if pool is None:
            return execute(traced, feed_slots, feed_values, ctx)
        return execute_parallel(traced, feed_slots, feed_values, ctx, pool)
    finally:
        _write_step_stats(plan, sorted(records, key=lambda r: r[1]), step_stats)


def _write_step_stats(plan, records, step_stats):
    """Adds a NodeExecStats per `execute_traced` record, in microseconds."""
    per_device = {}
    for i, t0, t1, thread in records:
        op, dname = plan.ops[i], plan.step_devices[i]
        dev = per_device.get(dname)
        if dev is None:
            dev = per_device[dname] = step_stats.dev_stats.add(device=dname)
        start, rel = t0 // 1000, t1 // 1000 - t0 // 1000
        label = f"{op.name} = {op.type}({', '.join(t.op.name for t in op._inputs)})"
        dev.node_stats.add(node_name=op.name, all_start_micros=start, op_start_rel_micros=0,
                           op_end_rel_micros=rel, all_end_rel_micros=rel,
                           timeline_label=label, thread_id=thread)


def execute_parallel(plan, feed_slots, feed_values, ctx, pool):
    """`execute` with independent steps run concurrently on `pool` (a thread pool): each
    step starts once the steps it depends on are done; a slot is freed when its last reader
    finishes. After a failure no further step starts, and the run rolls back and raises
    once the steps already running have finished."""
    users, indeg, readers = plan.dependency_graph()
    pending, readers = list(indeg), list(readers)
    keep = set(feed_slots) | set(plan.fetch_slots)
    vals = plan.template[:]
    for s, v in zip(feed_slots, feed_values):
        vals[s] = v
    lock, done = threading.Lock(), threading.Event()
    running, failure = [0], []
    token = ctx.begin(threaded=True) if plan.has_state else None
    submit = pool.submit
    if token is not None:  # workers run the steps in this run's context (its journal)
        def submit(fn, i):
            pool.submit(contextvars.copy_context().run, fn, i)

    def settle(ready):
        """Called holding `lock` as a step ends: the steps to start next (none after a
        failure); ends the run when no step is left running."""
        ready = [] if failure else ready
        running[0] += len(ready) - 1
        if running[0] == 0:
            done.set()
        return ready

    def run(i):
        fn, ins, out, _ = plan.steps[i]
        try:
            r = fn(*[vals[j] for j in ins])
            outs = () if out is None else (out,) if out.__class__ is int else out
            if out.__class__ is int:
                vals[out] = r
            elif out is not None:
                for o, v in zip(out, r):
                    vals[o] = v
        except Exception as e:
            with lock:
                failure.append((i, e))
                settle([])
            return
        ready = []
        with lock:
            for j in ins:
                readers[j] -= 1
                if readers[j] == 0 and j not in keep:
                    vals[j] = None
            for o in outs:
                if readers[o] == 0 and o not in keep:
                    vals[o] = None
            for k in users[i]:
                pending[k] -= 1
                if pending[k] == 0:
                    ready.append(k)
            ready = settle(ready)
        for k in ready:
            submit(run, k)

    roots = [i for i, n in enumerate(pending) if n == 0]
    running[0] = len(roots)
    if not roots:
        done.set()
    try:
        for i in roots:
            submit(run, i)
    except BaseException:  # e.g. the pool was shut down by close(): nothing ran yet
        if token is not None:
            ctx.commit(token)
        raise
    done.wait()
    if failure:
        if token is not None:
            ctx.rollback(token)
        i, e = failure[0]
        raise op_error(e, plan.ops[i]) from e
    if token is not None:
        ctx.commit(token)
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
