"""Queues, queue runners and the batching input pipeline (hand-computed values)."""
import threading
import time

import numpy as np
import pytest

import flowgraph as tf


def test_fifo_queue_basics():
    q = tf.FIFOQueue(10, [tf.int32, tf.string], shapes=[[2], []])
    assert q.queue_ref.op.type == "FIFOQueueV2" and q.queue_ref.dtype == tf.resource
    enq = q.enqueue_many([[[1, 2], [3, 4], [5, 6]], ["a", "b", "c"]])
    one, many, up_to = q.dequeue(), q.dequeue_many(2), q.dequeue_up_to(5)
    assert [t.shape.as_list() for t in many] == [[2, 2], [2]]
    assert [t.shape.as_list() for t in up_to] == [[None, 2], [None]]
    with tf.Session() as sess:
        sess.run(enq)
        assert sess.run(q.size()) == 3
        v, s = sess.run(one)
        assert v.tolist() == [1, 2] and s == b"a"
        sess.run(q.enqueue([[7, 8], "d"]))
        v, s = sess.run(many)
        assert v.tolist() == [[3, 4], [5, 6]] and s.tolist() == [b"b", b"c"]
        sess.run(q.close())
        assert sess.run(q.is_closed())
        v, s = sess.run(up_to)  # fewer than asked: the queue is closed
        assert v.tolist() == [[7, 8]] and s.tolist() == [b"d"]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(one)
        with pytest.raises(tf.errors.CancelledError):
            sess.run(enq)


def test_dict_elements_and_build_errors():
    q = tf.FIFOQueue(5, [tf.float32, tf.int64], shapes=[[], [3]], names=["x", "y"])
    out = q.dequeue()
    assert sorted(out) == ["x", "y"] and out["y"].shape.as_list() == [3]
    with tf.Session() as sess:
        sess.run(q.enqueue({"x": 1.5, "y": [1, 2, 3]}))
        got = sess.run(out)
    assert got["x"] == 1.5 and got["y"].tolist() == [1, 2, 3]
    with pytest.raises(ValueError):
        q.enqueue({"x": 1.0})
    with pytest.raises(ValueError):
        q.enqueue({"x": 1.0, "y": [1, 2]})  # static shape mismatch


def test_dequeue_many_needs_shapes():
    q = tf.FIFOQueue(5, [tf.float32])
    with tf.Session() as sess:
        sess.run(q.enqueue([1.0]))
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(q.dequeue_many(1))


def test_timeout_and_operation_timeout():
    q = tf.FIFOQueue(1, [tf.float32], shapes=[[]])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=50))
        sess.run(q.enqueue([1.0]))
        with pytest.raises(tf.errors.DeadlineExceededError):  # full: enqueue blocks
            sess.run(q.enqueue([2.0]), options=tf.RunOptions(timeout_in_ms=50))
        assert sess.run(q.dequeue()) == 1.0
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=50)) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(q.dequeue())


def test_blocked_dequeue_woken_by_enqueue_and_by_session_close():
    q = tf.FIFOQueue(3, [tf.int32], shapes=[[]])
    deq, enq = q.dequeue(), q.enqueue([42])
    sess = tf.Session()
    got = []
    t = threading.Thread(target=lambda: got.append(sess.run(deq)))
    t.start()
    time.sleep(0.05)
    sess.run(enq)
    t.join(5)
    assert got == [42]
    errs = []

    def blocked():
        try:
            sess.run(deq)
        except tf.errors.CancelledError as e:
            errs.append(e)
    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.05)
    sess.close()
    t.join(5)
    assert not t.is_alive() and len(errs) == 1


def test_close_cancels_pending_enqueues():
    q = tf.FIFOQueue(1, [tf.int32], shapes=[[]])
    with tf.Session() as sess:
        sess.run(q.enqueue([1]))
        errs = []

        def blocked():
            try:
                sess.run(q.enqueue([2]))
            except tf.errors.CancelledError as e:
                errs.append(e)
        t = threading.Thread(target=blocked)
        t.start()
        time.sleep(0.05)
        sess.run(q.close(cancel_pending_enqueues=True))
        t.join(5)
        assert len(errs) == 1
        assert sess.run(q.dequeue()) == 1


def test_random_shuffle_queue():
    q = tf.RandomShuffleQueue(20, 5, [tf.int32], shapes=[[]], seed=7)
    enq, deq = q.enqueue_many([list(range(10))]), q.dequeue()
    assert q.queue_ref.op.get_attr("min_after_dequeue") == 5
    with tf.Session() as sess:
        sess.run(enq)
        first = [sess.run(deq) for _ in range(5)]
        with pytest.raises(tf.errors.DeadlineExceededError):  # would leave < 5
            sess.run(deq, options=tf.RunOptions(timeout_in_ms=30))
        sess.run(q.close())
        rest = sess.run(q.dequeue_many(5))
    assert sorted(first + rest.tolist()) == list(range(10))
    assert first + rest.tolist() != list(range(10))
    with tf.Session() as sess:  # the same seed, the same order
        sess.run(enq)
        assert [sess.run(deq) for _ in range(5)] == first


def test_padding_fifo_queue():
    q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], []])
    with pytest.raises(ValueError):
        tf.PaddingFIFOQueue(5, [tf.int32], shapes=None)
    out = q.dequeue_many(3)
    assert out[0].shape.as_list() == [3, None]
    with tf.Session() as sess:
        for v, s in [([1], "a"), ([1, 2, 3], "b"), ([], "c")]:
            sess.run(q.enqueue([np.int32(v), s]))
        a, s = sess.run(out)
    assert a.tolist() == [[1, 0, 0], [1, 2, 3], [0, 0, 0]] and s.tolist() == [b"a", b"b", b"c"]


def test_priority_queue():
    q = tf.PriorityQueue(10, [tf.string], shapes=[[]])
    assert q.dtypes == [tf.int64, tf.string]
    with tf.Session() as sess:
        sess.run(q.enqueue_many([[5, 1, 3], ["five", "one", "three"]]))
        p, v = sess.run(q.dequeue_many(3))
    assert p.tolist() == [1, 3, 5] and v.tolist() == [b"one", b"three", b"five"]


def test_queue_runner_and_batch():
    x = tf.train.range_input_producer(7, num_epochs=2, shuffle=False).dequeue()
    b = tf.train.batch([x], 3, allow_smaller_final_batch=True)
    assert b[0].name == "batch:0" and b[0].shape.as_list() == [None]
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 2
    got = []
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while True:
                got.extend(sess.run(b)[0].tolist())
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    assert got == list(range(7)) * 2


def test_shuffle_batch_in_monitored_session():
    i, v = tf.train.slice_input_producer([tf.range(10), tf.range(10) * 10], num_epochs=1,
                                         seed=3)
    bi, bv = tf.train.shuffle_batch([i, v], 4, capacity=20, min_after_dequeue=5, seed=1,
                                    allow_smaller_final_batch=True)
    seen = []
    with tf.train.MonitoredTrainingSession() as sess:
        while not sess.should_stop():
            a, b = sess.run([bi, bv])
            np.testing.assert_array_equal(a * 10, b)
            seen.extend(a.tolist())
    assert sorted(seen) == list(range(10))


def test_batch_join_dict_and_maybe_batch():
    a = {"k": tf.constant(1), "s": tf.constant("x")}
    b = {"k": tf.constant(2), "s": tf.constant("y")}
    out = tf.train.batch_join([a, b], 4)
    assert sorted(out) == ["k", "s"] and out["k"].shape.as_list() == [4]
    counter = tf.train.range_input_producer(100, shuffle=False).dequeue()
    mb = tf.train.maybe_batch([counter], tf.equal(counter % 2, 0), 3)
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = sess.run(out)
        evens = sess.run(mb)[0]
        coord.request_stop()
        coord.join(threads)
    assert set(got["k"].tolist()) <= {1, 2} and len(got["s"]) == 4
    assert evens.tolist() == [0, 2, 4]


def test_concurrent_failing_run_does_not_roll_back_training():
    v = tf.Variable(0.0)
    step = tf.assign_add(v, 1.0)
    q = tf.FIFOQueue(1, [tf.float32], shapes=[[]])
    with tf.Session() as sess:
        sess.run(v.initializer)
        errs = []

        def waits_then_fails():
            try:
                sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=200))
            except tf.errors.DeadlineExceededError as e:
                errs.append(e)
        t = threading.Thread(target=waits_then_fails)
        t.start()
        for _ in range(5):
            sess.run(step)
        t.join(5)
        assert errs and sess.run(v) == 5.0


def test_queue_runners_round_trip_through_meta_graph(tmp_path):
    path = str(tmp_path / "p.meta")
    with tf.Graph().as_default():
        x = tf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue()
        tf.train.batch([x], 2, name="out")
        meta = tf.train.export_meta_graph(path)
    assert "queue_runners" in meta.collection_def
    with tf.Graph().as_default() as g:
        tf.train.import_meta_graph(path)
        runners = g.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
        assert [r.name for r in runners] == ["input_producer", "out/fifo_queue"]  # as TF names them
        assert runners[0].queue_closed_exception_types == (tf.errors.OutOfRangeError,)
        got = []
        with tf.train.MonitoredTrainingSession() as sess:
            while not sess.should_stop():
                got.append(sess.run("out:0").tolist())
    assert got == [[0, 1], [2, 3]]


def test_maybe_shuffle_batch_and_maybe_batch_join():
    c = tf.train.range_input_producer(50, shuffle=False).dequeue()
    odd = tf.equal(c % 2, 1)
    sb = tf.train.maybe_shuffle_batch([c], 4, capacity=20, min_after_dequeue=4,
                                      keep_input=odd, seed=2)
    bj = tf.train.maybe_batch_join([[c], [c + 100]], tf.less(c, 200), 3)
    sbj = tf.train.maybe_shuffle_batch_join([[c]], 2, 10, 2, keep_input=odd)
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got, joined, shuffled = sess.run(sb)[0], sess.run(bj)[0], sess.run(sbj)[0]
        coord.request_stop()
        coord.join(threads)
    assert len(got) == 4 and all(v % 2 == 1 for v in got)
    assert len(joined) == 3
    assert len(shuffled) == 2 and all(v % 2 == 1 for v in shuffled)


def test_queues_with_an_inter_op_pool_never_starve():
    """Blocked enqueues must not hold the inter-op pool's threads: plans with queue ops
    run on the calling thread."""
    q = tf.FIFOQueue(2, [tf.int32], shapes=[[]])
    x = tf.constant(1) + tf.constant(2)
    enqueues = [q.enqueue([x + i]) for i in range(4)]
    tf.train.add_queue_runner(tf.train.QueueRunner(q, enqueues))
    total = tf.reduce_sum(q.dequeue_many(2)) + tf.constant(0)
    config = tf.ConfigProto(inter_op_parallelism_threads=2)
    with tf.Session(config=config) as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        time.sleep(0.1)  # four runners, two blocked on the full queue
        for _ in range(5):
            assert 6 <= sess.run(total, options=tf.RunOptions(timeout_in_ms=5000)) <= 12
        coord.request_stop()
        coord.join(threads)


def test_concurrent_runs_keep_their_own_while_loop_records():
    """A queue-runner-like thread running stateful steps must not clear the loop records
    of a while loop's gradient running at the same time in another thread."""
    x = tf.placeholder(tf.float64, [])
    _, y = tf.while_loop(lambda i, a: i < 30, lambda i, a: (i + 1, a * 1.01 + tf.sin(a)),
                         [tf.constant(0), x])
    g = tf.gradients(y, x)[0]
    v = tf.Variable(0.0)
    bump = tf.assign_add(v, 1.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        want = sess.run(g, {x: 0.3})
        stop, errs = threading.Event(), []

        def bumper():
            while not stop.is_set():
                sess.run(bump)
        t = threading.Thread(target=bumper)
        t.start()
        try:
            for _ in range(30):
                assert sess.run(g, {x: 0.3}) == want
        except Exception as e:  # noqa: BLE001 - reported below
            errs.append(e)
        finally:
            stop.set()
            t.join(5)
        assert not errs
