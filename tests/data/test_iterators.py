"""Iterators over datasets: one-shot, initializable (fed at initializer time),
reinitializable, feedable; per-session state; concurrent get_next; MonitoredTrainingSession
ending at the end of a dataset."""
import threading

import numpy as np
import pytest

import flowgraph as tf

D = tf.data.Dataset


def _all(sess, t):
    out = []
    while True:
        try:
            out.append(sess.run(t))
        except tf.errors.OutOfRangeError:
            return out


def test_one_shot_iterator_ends_with_out_of_range():
    it = tf.compat.v1.data.make_one_shot_iterator(D.range(3))
    x = it.get_next()
    assert x.dtype == tf.int64 and x.shape.as_list() == []
    with tf.Session() as s:
        assert _all(s, x) == [0, 1, 2]
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(x)


def test_one_shot_method_and_output_accessors():
    ds = D.from_tensor_slices({"a": np.zeros((4, 2), np.float32), "b": np.arange(4)})
    it = ds.make_one_shot_iterator()
    assert it.output_types == {"a": tf.float32, "b": tf.int64}
    assert it.output_shapes["a"].as_list() == [2]
    assert it.output_classes == {"a": tf.Tensor, "b": tf.Tensor}
    assert tf.compat.v1.data.get_output_types(ds) == ds.output_types
    assert tf.compat.v1.data.get_output_shapes(it) == it.output_shapes
    assert tf.compat.v1.data.get_output_classes(ds) == {"a": tf.Tensor, "b": tf.Tensor}
    with pytest.raises(ValueError, match="initializer"):
        it.initializer  # noqa: B018


def test_initializable_iterator_is_fed_at_initializer_time():
    n = tf.placeholder(tf.int64, [])
    it = tf.compat.v1.data.make_initializable_iterator(D.range(n).map(lambda x: x * 10))
    x = it.get_next()
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError):
            s.run(x)
        s.run(it.initializer, {n: 3})
        assert _all(s, x) == [0, 10, 20]
        s.run(it.initializer, {n: 2})
        assert _all(s, x) == [0, 10]


def test_reinitializable_iterator_from_structure():
    train = D.range(5)
    test = D.range(100, 102)
    it = tf.compat.v1.data.Iterator.from_structure(train.output_types, train.output_shapes)
    x = it.get_next()
    init_train, init_test = it.make_initializer(train), it.make_initializer(test)
    assert init_train.type == "MakeIterator"
    with tf.Session() as s:
        s.run(init_train)
        assert s.run(x) == 0
        s.run(init_test)
        assert _all(s, x) == [100, 101]
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(D.from_tensors(1.0))


def test_feedable_iterator_switches_by_string_handle():
    a = tf.compat.v1.data.make_one_shot_iterator(D.range(3).repeat())
    b = tf.compat.v1.data.make_initializable_iterator(D.range(10, 20))
    h = tf.placeholder(tf.string, [])
    it = tf.compat.v1.data.Iterator.from_string_handle(h, a.output_types, a.output_shapes)
    x = it.get_next()
    with tf.Session() as s:
        ha, hb = s.run([a.string_handle(), b.string_handle()])
        s.run(b.initializer)
        got = [s.run(x, {h: ha}), s.run(x, {h: hb}), s.run(x, {h: ha}), s.run(x, {h: hb})]
        assert got == [0, 10, 1, 11]
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(x, {h: b"no such iterator"})


def test_sessions_have_their_own_iterator_state():
    x = tf.compat.v1.data.make_one_shot_iterator(D.range(4)).get_next()
    s1, s2 = tf.Session(), tf.Session()
    assert [s1.run(x), s1.run(x), s2.run(x), s1.run(x)] == [0, 1, 0, 2]
    s1.close()
    s2.close()


def test_get_next_from_many_threads_yields_each_element_once():
    x = tf.compat.v1.data.make_one_shot_iterator(
        D.range(400).map(lambda v: v * 2, num_parallel_calls=3).prefetch(4)).get_next()
    got, lock = [], threading.Lock()
    with tf.Session() as s:
        def work():
            for v in _all(s, x):
                with lock:
                    got.append(int(v))
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(got) == list(range(0, 800, 2))


def test_parallel_map_runs_calls_at_once():
    """With num_parallel_calls=4, four calls of a function that waits for four callers
    at a barrier all finish (sequential calls would never pass it)."""
    barrier = threading.Barrier(4, timeout=20)

    def wait(v):
        barrier.wait()
        return v
    ds = D.range(8).map(lambda v: tf.py_func(wait, [v], tf.int64, stateful=False),
                        num_parallel_calls=4)
    x = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    with tf.Session() as s:
        assert _all(s, x) == list(range(8))


def test_get_next_static_shapes_and_names():
    ds = D.from_tensor_slices((np.zeros((6, 3), np.float32), np.arange(6))).batch(
        2, drop_remainder=True)
    a, b = tf.compat.v1.data.make_one_shot_iterator(ds).get_next(name="next")
    assert a.shape.as_list() == [2, 3] and b.shape.as_list() == [2]
    assert a.op.type == "IteratorGetNext" and a.op.name == "next"


def test_monitored_training_session_stops_at_end_of_dataset():
    x = tf.compat.v1.data.make_one_shot_iterator(D.range(5)).get_next()
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    seen = []
    with tf.train.MonitoredTrainingSession() as s:
        while not s.should_stop():
            v, _ = s.run([x, inc])
            seen.append(int(v))
    assert seen == [0, 1, 2, 3, 4]


def test_training_loop_reads_batches():
    xs = np.random.RandomState(0).randn(64, 3).astype(np.float32)
    ys = xs @ np.float32([[1.], [-2.], [0.5]])
    ds = D.from_tensor_slices((xs, ys)).shuffle(64, seed=1).batch(16).repeat()
    x, y = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    w = tf.Variable(tf.zeros([3, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.3).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(200):
            s.run(train)
        np.testing.assert_allclose(s.run(w).ravel(), [1, -2, 0.5], atol=1e-3)


def test_closing_the_session_stops_prefetch_threads():
    x = tf.compat.v1.data.make_one_shot_iterator(D.range(10 ** 6).prefetch(2)).get_next()
    s = tf.Session()
    s.run(x)
    assert any(t.name == "tf_data_prefetch" for t in threading.enumerate())
    s.close()
    for t in [t for t in threading.enumerate() if t.name == "tf_data_prefetch"]:
        t.join(5)
        assert not t.is_alive()


def test_datasets_keep_their_own_copy_of_fed_arrays():
    p = tf.placeholder(tf.float64, [None])
    it = tf.compat.v1.data.make_initializable_iterator(D.from_tensor_slices(p).batch(3))
    x = it.get_next()
    buf = np.arange(6.0)
    with tf.Session() as s:
        s.run(it.initializer, {p: buf})
        buf[:] = 7.0  # changing the fed array later changes nothing
        a = s.run(x)
        a[:] = -5.0  # nor does changing a fetched batch
        np.testing.assert_array_equal(s.run(x), [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(a, [-5.0] * 3)
    np.testing.assert_array_equal(buf, [7.0] * 6)
