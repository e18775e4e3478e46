"""Traced runs in a session with an inter-op thread pool run in parallel too: the step stats
and the Chrome trace show each op's real start and end and the thread it ran on."""
import json
import threading

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.client import timeline

FULL_TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
POOL = tf.ConfigProto(device_count={"CPU": 2}, inter_op_parallelism_threads=2)


def py_op(f, name):
    """An op that calls `f()` when it runs (and outputs 0.0)."""
    return tf.py_func(lambda: f() or np.float32(0), [], tf.float32, name=name)


def _meeting_ops():
    """Two independent ops, on /cpu:0 and /cpu:1, that each wait for the other at a barrier,
    twice: they can only finish if they run at the same time, and both are running all the
    while between the two meetings."""
    barrier = threading.Barrier(2, timeout=10)

    def meet():
        barrier.wait()
        barrier.wait()
    ops = []
    for d in range(2):
        with tf.device(f"/cpu:{d}"):
            ops.append(py_op(meet, f"meet{d}"))
    return ops


def _stats(md):
    return {n.node_name: n for d in md.step_stats.dev_stats for n in d.node_stats}


def _overlap(spans):
    """Whether the [start, end] spans share a moment."""
    return max(s for s, _ in spans) < min(e for _, e in spans)


def test_traced_run_with_a_pool_overlaps_ops_on_different_threads():
    ops = _meeting_ops()
    md = tf.RunMetadata()
    with tf.Session(config=POOL) as s:
        assert s.run(ops, options=FULL_TRACE, run_metadata=md) == [0.0, 0.0]
    devices = {n.node_name: d.device[-5:] for d in md.step_stats.dev_stats
               for n in d.node_stats}
    assert devices == {"meet0": "CPU:0", "meet1": "CPU:1"}
    a, b = _stats(md)["meet0"], _stats(md)["meet1"]
    assert _overlap([(n.all_start_micros, n.all_start_micros + n.all_end_rel_micros)
                     for n in (a, b)])
    assert a.thread_id != b.thread_id
    assert threading.get_native_id() not in (a.thread_id, b.thread_id)  # the pool's threads

    trace = json.loads(timeline.Timeline(md.step_stats).generate_chrome_trace_format())
    events = {e["args"]["name"]: e for e in trace["traceEvents"] if e["ph"] == "X"}
    x, y = events["meet0"], events["meet1"]
    assert (x["tid"], y["tid"]) == (a.thread_id, b.thread_id)
    assert _overlap([(e["ts"], e["ts"] + e["dur"]) for e in (x, y)])


def test_traced_parallel_run_gives_the_untraced_results_and_times_every_op_once():
    x = tf.placeholder(tf.float32, [3], name="x")
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    branches = []
    for i in range(4):
        with tf.device(f"/cpu:{i % 2}"):
            branches.append(tf.reduce_sum(x * float(i) + v, name=f"branch{i}"))
    with tf.control_dependencies(branches):
        step = tf.assign_add(v, x, name="step")
    fetches = branches + [step] + _meeting_ops()
    feed = {x: np.array([0.5, -1.0, 2.0], np.float32)}

    def runs(traced):
        out, names = [], []
        with tf.Session(config=POOL) as s:
            s.run(v.initializer)
            for _ in range(3):
                md = tf.RunMetadata()
                out.append(s.run(fetches, feed, options=FULL_TRACE if traced else None,
                                 run_metadata=md))
                names.append([n.node_name for d in md.step_stats.dev_stats
                              for n in d.node_stats])
        return out, names

    (want, _), (got, names) = runs(traced=False), runs(traced=True)
    for w, g in zip(want, got):
        for a, b in zip(w, g):
            np.testing.assert_array_equal(a, b)
    expected = {f"branch{i}" for i in range(4)} | {"step", "meet0", "meet1"}
    for n in names:
        assert len(n) == len(set(n)) and expected <= set(n)


def test_traced_parallel_failure_waits_for_running_ops_raises_and_rolls_back():
    v = tf.Variable([1.0, 2.0], name="v")
    failed, seen = threading.Event(), []

    def fail():
        failed.set()
        raise ValueError("boom")

    def slow():
        """Runs beside `fail`, and is still running for a moment after it failed."""
        seen.append(failed.wait(10))
        threading.Event().wait(0.2)
        seen.append("done")

    assign = tf.assign(v, [5.0, 6.0], name="assign")
    with tf.control_dependencies([assign]):
        bad = py_op(fail, "bad")
    other = py_op(slow, "slow")
    md = tf.RunMetadata()
    with tf.Session(config=POOL) as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"ValueError: boom[\s\S]*\[\[node bad ") as e:
            s.run([bad, other], options=FULL_TRACE, run_metadata=md)
        assert e.value.op.name == "bad"
        assert seen == [True, "done"]  # ran concurrently, and finished before run returned
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
    stats = _stats(md)
    assert {"assign", "slow"} <= set(stats) and "bad" not in stats
