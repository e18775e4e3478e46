"""Placement, colocation, soft placement and transfers on several CPU devices."""
import numpy as np
import pytest

import flowgraph as tf

# GPU 0: these tests are about CPU devices, also on a machine with a GPU
TWO_CPUS = tf.ConfigProto(device_count={"CPU": 2, "GPU": 0})
CPU_ONLY = tf.ConfigProto(device_count={"GPU": 0})
CPU = "/job:localhost/replica:0/task:0/device:CPU:"


def _transfers(sess):
    return [op for plan in sess._plans.values() for op in plan.ops if op.type == "_Transfer"]


def test_list_devices():
    with tf.Session(config=TWO_CPUS) as s:
        assert [d.name for d in s.list_devices()] == [CPU + "0", CPU + "1"]
    with tf.Session(config=CPU_ONLY) as s:
        assert [d.device_type for d in s.list_devices()] == ["CPU"]


def test_ops_run_where_placed_with_one_transfer_per_tensor_and_device(capsys):
    x = tf.placeholder(tf.float32, [3], name="x")
    with tf.device("/cpu:1"):
        a = tf.identity(x, name="a")
    b = tf.identity(a, name="b")      # CPU:0 consumer of a
    c = tf.identity(a, name="c")      # a second CPU:0 consumer: shares b's transfer
    config = tf.ConfigProto(device_count={"CPU": 2, "GPU": 0}, log_device_placement=True)
    with tf.Session(config=config) as s:
        got = s.run([b, c, a], {x: [1.0, 2.0, 3.0]})
        for v in got:
            np.testing.assert_array_equal(v, [1.0, 2.0, 3.0])
        moves = _transfers(s)
    err = capsys.readouterr().err
    assert f"a: (Identity): {CPU}1" in err and f"b: (Identity): {CPU}0" in err
    # x (fed on the host) -> CPU:1 once, a -> CPU:0 once.
    assert sorted(m.name for m in moves) == ["a/_send_CPU1_to_CPU0", "x/_send_CPU0_to_CPU1"]


def test_transfers_really_copy():
    x = tf.placeholder(tf.float32, [2])
    with tf.device("/cpu:1"):
        a = tf.identity(x)
    value = np.array([1.0, 2.0], np.float32)
    with tf.Session(config=TWO_CPUS) as s:
        out = s.run(a, {x: value})
    assert not np.shares_memory(out, value)


def test_variable_colocation_group_follows_the_variable(capsys):
    with tf.device("/cpu:1"):
        v = tf.Variable([1.0, 2.0], name="v")
    inc = tf.assign_add(v, [1.0, 1.0], name="inc")  # no device: colocated with v
    config = tf.ConfigProto(device_count={"CPU": 2}, log_device_placement=True)
    with tf.Session(config=config) as s:
        s.run(v.initializer)
        s.run(inc)
        np.testing.assert_array_equal(s.run(v.value()), [2.0, 3.0])
    err = capsys.readouterr().err
    for name in ("v/initial_value", "v/Assign", "v/read", "inc"):
        line = next(ln for ln in err.splitlines() if ln.startswith(name + ": ("))
        assert line.endswith(CPU + "1"), line


def test_missing_device_is_an_error_unless_soft_placement():
    with tf.device("/gpu:0"):
        a = tf.constant([1.0], name="on_gpu")
    with tf.Session(config=CPU_ONLY) as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="on_gpu"):
            s.run(a)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True,
                                          device_count={"GPU": 0})) as s:
        np.testing.assert_array_equal(s.run(a), [1.0])


def test_conflicting_colocation_is_an_error():
    with tf.device("/cpu:1"):
        v = tf.Variable(1.0, name="v")
    with tf.device("/cpu:0"):
        bad = tf.assign(v, 2.0, name="pinned_elsewhere")
    with tf.Session(config=TWO_CPUS) as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="pinned_elsewhere"):
            s.run(bad)


def test_results_match_single_device():
    x = tf.placeholder(tf.float32, [2, 2])
    outs = []
    for i in range(4):
        with tf.device(f"/cpu:{i % 2}"):
            x = tf.identity(x)
            outs.append(x)
    feed = {outs[0].op.inputs[0]: np.eye(2, dtype=np.float32)}
    soft = tf.ConfigProto(allow_soft_placement=True)
    with tf.Session(config=soft) as one, tf.Session(config=TWO_CPUS) as two:
        for a, b in zip(one.run(outs, feed), two.run(outs, feed)):
            np.testing.assert_array_equal(a, b)


def test_traced_run_reports_each_device():
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.device("/cpu:1"):
        y = tf.identity(x, name="y")
    md = tf.RunMetadata()
    with tf.Session(config=TWO_CPUS) as s:
        s.run(y, {x: 1.0}, options=tf.RunOptions(trace_level=3), run_metadata=md)
    devices = {d.device for d in md.step_stats.dev_stats}
    assert CPU + "1" in devices


def test_parallel_executor_matches_sequential_and_respects_control_edges():
    x = tf.placeholder(tf.float32, [4])
    v = tf.Variable(np.zeros(4, np.float32))
    branches = []
    for i in range(6):
        with tf.device(f"/cpu:{i % 2}"):
            h = x
            for _ in range(5):
                h = tf.identity(h)
            branches.append(h)
    assign = tf.assign(v, branches[0])
    with tf.control_dependencies([assign]):
        after = v.read_value()  # a read created under the dependency sees the assign
    feed = {x: np.arange(4, dtype=np.float32)}
    config = tf.ConfigProto(device_count={"CPU": 2}, inter_op_parallelism_threads=4)
    with tf.Session(config=config) as s:
        assert s._pool is not None
        s.run(v.initializer)
        for _ in range(20):
            outs = s.run(branches + [after], feed)
            for o in outs:
                np.testing.assert_array_equal(o, feed[x])


def test_parallel_executor_failure_rolls_back():
    v = tf.Variable([1.0, 2.0])
    assign = tf.assign(v, [5.0, 6.0])
    w = tf.Variable(0.0, name="never_initialized")
    with tf.control_dependencies([assign]):
        out = tf.identity(w)
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="never_initialized"):
            s.run(out)
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
