"""Session.run: fetch structures, feeds, errors, plan caching, defaults."""
import collections
import sys

import numpy as np
import pytest

import flowgraph as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_fetch_structures():
    a, b = tf.constant(1.0), tf.constant([2, 3])
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as s:
        assert s.run(a) == 1.0 and isinstance(s.run(a), np.float32)
        r = s.run({"a": a, "nested": [b, (a, Pair(a, b))], "op": a.op})
        assert r["a"] == 1.0 and r["op"] is None
        np.testing.assert_array_equal(r["nested"][0], [2, 3])
        assert isinstance(r["nested"][1], tuple)
        assert isinstance(r["nested"][1][1], Pair) and r["nested"][1][1].x == 1.0
        assert s.run("Const:0") == 1.0 and s.run("Const") is None
        od = s.run(collections.OrderedDict([("z", a), ("y", b)]))
        assert list(od) == ["z", "y"]
        dd = s.run(collections.defaultdict(list, {"k": a}))
        assert isinstance(dd, collections.defaultdict) and dd["k"] == 1.0


def test_feeds_by_tensor_and_name_and_intermediate():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.identity(x, name="y")
    z = tf.identity(y, name="z")
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(z, {x: [[1, 2]]}), [[1, 2]])
        np.testing.assert_array_equal(s.run(z, {"x:0": [[3, 4]]}), [[3, 4]])
        # Feeding an intermediate tensor prunes what produces it: x needs no feed.
        np.testing.assert_array_equal(s.run(z, {y: [[5, 6]]}), [[5, 6]])
        assert s.run(z, {x: [[1, 2]]}).dtype == np.float32


def test_missing_feed_names_placeholder_and_line():
    line = sys._getframe().f_lineno + 1
    x = tf.placeholder(tf.float32, [None, 3], name="inputs")
    y = tf.identity(x)
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(y)
    msg = str(e.value)
    assert "inputs" in msg and "float32" in msg and "[?,3]" in msg
    assert f"{__file__}:{line}" in msg


def test_wrong_feed_shape_is_value_error():
    x = tf.placeholder(tf.float32, [2])
    with tf.Session() as s:
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            s.run(x, {x: [1.0, 2.0, 3.0]})
        with pytest.raises(TypeError):
            s.run(x, {x: tf.constant([1.0, 2.0])})


def test_fetch_from_other_graph_and_closed_session():
    g = tf.Graph()
    with g.as_default():
        other = tf.constant(1)
    s = tf.Session()
    with pytest.raises(ValueError):
        s.run(other)
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.run(tf.constant(1))


def test_session_with_explicit_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(5)
    with tf.Session(graph=g) as s:
        assert s.graph is g and s.run(c) == 5
        assert tf.get_default_session() is s
    assert tf.get_default_session() is None


def test_interactive_session_eval_and_run():
    c = tf.constant([1, 2])
    v = tf.Variable(3.0)
    s = tf.InteractiveSession()
    try:
        v.initializer.run()
        np.testing.assert_array_equal(c.eval(), [1, 2])
        assert v.eval() == 3.0
        assert tf.get_default_session() is s
    finally:
        s.close()
    with pytest.raises(ValueError, match="No default session"):
        c.eval()


def test_eval_with_explicit_session_and_feed():
    x = tf.placeholder(tf.int32, [])
    y = tf.identity(x)
    with tf.Session() as s:
        assert y.eval(feed_dict={x: 4}, session=s) == 4


def test_plan_is_compiled_once():
    x = tf.placeholder(tf.float32, [])
    y = tf.identity(x)
    with tf.Session() as s:
        for i in range(5):
            assert s.run(y, {x: i}) == i
        assert len(s._plans) == 1
        s.run([y, y], {x: 1})  # the same tensors: the same plan
        assert len(s._plans) == 1
        s.run([y, x], {x: 1})
        assert len(s._plans) == 2


def test_fetched_values_do_not_alias_state():
    v = tf.Variable([1.0, 2.0])
    c = tf.constant([1.0, 2.0])
    with tf.Session() as s:
        s.run(v.initializer)
        got = s.run(v)
        got[0] = 100.0
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
        k = s.run(c)
        k[0] = 9
        np.testing.assert_array_equal(s.run(c), [1.0, 2.0])


def test_make_callable():
    x = tf.placeholder(tf.float32, [])
    y = tf.identity(x)
    with tf.Session() as s:
        f = s.make_callable([y, y.op], feed_list=[x])
        assert f(3.0) == [3.0, None]
        g = s.make_callable(y, feed_list=[x])
        assert g(2.0) == 2.0


def test_log_device_placement(capsys):
    c = tf.constant(1, name="answer")
    config = tf.ConfigProto(log_device_placement=True, device_count={"GPU": 0})
    with tf.Session(config=config) as s:
        s.run(c)
    err = capsys.readouterr().err
    assert "answer: (Const): /job:localhost/replica:0/task:0/device:CPU:0" in err


def test_config_proto_fields():
    c = tf.ConfigProto(allow_soft_placement=True, device_count={"CPU": 2},
                       inter_op_parallelism_threads=2, intra_op_parallelism_threads=1,
                       gpu_options=tf.GPUOptions(allow_growth=True))
    assert c.allow_soft_placement and c.device_count == {"CPU": 2}
    assert c.gpu_options.allow_growth
    c.gpu_options.allow_growth = False
    with pytest.raises(ValueError):
        tf.ConfigProto(no_such_field=1)
    assert tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE).trace_level == 3
    assert tf.RunMetadata().step_stats is not None


def test_kernel_failure_names_op_and_line():
    x = tf.placeholder(tf.float32)
    line = sys._getframe().f_lineno + 1
    y = tf.placeholder_with_default(x, shape=[2], name="shaped")
    z = tf.identity(y, name="z")
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(z, {x: [1.0, 2.0]}), [1.0, 2.0])
    assert y.op.traceback[1] == line


def test_full_trace_fills_step_stats():
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.identity(x, name="y")
    md = tf.RunMetadata()
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as s:
        assert s.run(y, {x: 2.0}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                     run_metadata=md) == 2.0
        s.run(y, {x: 2.0}, run_metadata=tf.RunMetadata())  # no options: no trace
    (dev,) = md.step_stats.dev_stats
    assert dev.device.endswith("CPU:0")
    assert [n.node_name for n in dev.node_stats] == ["y"]
    assert dev.node_stats[0].all_start_micros > 0


def test_gather_gradient_is_sparse_and_fetchable():
    params = tf.placeholder(tf.float32, [5, 2])
    idx = tf.constant([3, 0, 3])
    g, = tf.gradients(tf.reduce_sum(tf.gather(params, idx) * 2.0), params)
    assert isinstance(g, tf.IndexedSlices)
    with tf.Session() as s:
        v = s.run(g, {params: np.zeros((5, 2), np.float32)})
    assert isinstance(v, tf.IndexedSlicesValue)
    np.testing.assert_array_equal(v.indices, [3, 0, 3])
    np.testing.assert_array_equal(v.values, np.full((3, 2), 2.0))
    np.testing.assert_array_equal(v.dense_shape, [5, 2])
    dense = tf.convert_to_tensor(g)
    with tf.Session() as s:
        d = s.run(dense, {params: np.zeros((5, 2), np.float32)})
    np.testing.assert_array_equal(d[3], [4.0, 4.0])
    np.testing.assert_array_equal(d[1], [0.0, 0.0])


def test_control_dependency_on_a_fed_placeholder():
    x = tf.placeholder(tf.float32, [])
    with tf.control_dependencies([x]):
        y = tf.constant(1.0) + 1.0
    with tf.Session() as s:
        assert s.run(y, {x: 2.0}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(y)


def test_feeds_in_another_order_than_the_plan_was_compiled_for():
    a, b = tf.placeholder(tf.float32, []), tf.placeholder(tf.float32, [])
    d = a - b
    with tf.Session() as s:
        assert s.run(d, {a: 5.0, b: 2.0}) == 3.0
        assert s.run(d, {b: 2.0, a: 5.0}) == 3.0  # same plan, feeds given the other way
        assert len(s._plans) == 1


def test_failing_step_is_the_one_named_in_the_error():
    x = tf.placeholder(tf.float32, [None])
    ok = tf.exp(x, name="before")
    line = sys._getframe().f_lineno + 1
    bad = tf.reshape(ok, [3], name="bad_reshape")
    after = tf.identity(bad * 2.0, name="after")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            s.run(after, {x: [1.0, 2.0]})
    assert "bad_reshape" in str(e.value) and f"test_session.py:{line}" in str(e.value)
    assert e.value.op.name == "bad_reshape"


def test_simple_elementwise_kernels_bind_to_the_array_function():
    from flowgraph.runtime.plan import bind_kernel
    x = tf.placeholder(tf.float32, [])
    y = x + x
    fn, ins = bind_kernel(y.op, np, [0, 0])
    assert fn is np.add and ins == (0, 0)


def test_fetched_variables_show_the_runs_updates_as_in_tensorflow():
    # TF's fetch of a variable (or of a snapshot of it) aliases its buffer, so it shows the
    # updates of the same run, whatever the fetch order (values as TF 2.21 gives them).
    v = tf.Variable(1.0, name="v")
    snapshot = tf.identity(v)  # made before the update: still read after it
    step = tf.train.get_or_create_global_step()
    inc, bump = tf.assign_add(v, 10.0), tf.assign_add(step, 1)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run([inc, v]) == [11.0, 11.0]
        assert s.run([v, inc]) == [21.0, 21.0]
        assert s.run([snapshot, inc, v.value()]) == [31.0, 31.0, 31.0]
        assert s.run([bump, step]) == [1, 1]
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as s:
        s.run(tf.global_variables_initializer())
        assert s.run([v, inc]) == [11.0, 11.0]
