"""tf.train.Coordinator with real threads: stop requests, exceptions handed to join,
clean-stop types, stragglers."""
import threading

import pytest

import flowgraph as tf


def _workers(coord, n, body):
    threads = [threading.Thread(target=body, args=(i,), name=f"worker{i}") for i in range(n)]
    for t in threads:
        t.start()
    return threads


def test_threads_stop_when_one_requests_it():
    coord = tf.train.Coordinator()
    counts = [0, 0, 0]

    def body(i):
        while not coord.should_stop():
            counts[i] += 1
            if i == 0 and counts[0] == 50:
                coord.request_stop()
            coord.wait_for_stop(0.001)
    threads = _workers(coord, 3, body)
    coord.join(threads, stop_grace_period_secs=10)
    assert coord.should_stop() and coord.joined and counts[0] == 50
    assert not any(t.is_alive() for t in threads)


def test_an_exception_in_a_thread_is_raised_by_join():
    coord = tf.train.Coordinator()

    def body(i):
        with coord.stop_on_exception():
            if i == 1:
                raise ValueError("worker 1 failed")
            while not coord.should_stop():
                coord.wait_for_stop(0.001)
    threads = _workers(coord, 2, body)
    with pytest.raises(ValueError, match="worker 1 failed"):
        coord.join(threads, stop_grace_period_secs=10)
    with pytest.raises(ValueError, match="worker 1 failed"):
        coord.raise_requested_exception()
    coord.clear_stop()
    assert not coord.should_stop()
    coord.raise_requested_exception()  # cleared: nothing to raise


def test_out_of_range_is_a_clean_stop_and_wait_for_stop_times_out():
    coord = tf.train.Coordinator()
    assert coord.wait_for_stop(0.01) is False
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "end of input"))
    assert coord.wait_for_stop(0.01) is True
    coord.join([])  # nothing raised


def test_threads_still_running_after_the_grace_period_are_named():
    coord = tf.train.Coordinator()
    release = threading.Event()
    stuck = threading.Thread(target=release.wait, args=(10,), name="stuck")
    stuck.start()
    coord.register_thread(stuck)
    coord.request_stop()
    try:
        with pytest.raises(RuntimeError, match="threads still running: stuck"):
            coord.join(stop_grace_period_secs=0.05)
        coord.join([stuck], stop_grace_period_secs=0.0, ignore_live_threads=True)
    finally:
        release.set()
        stuck.join()
