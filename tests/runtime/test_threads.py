"""intra_op_parallelism_threads sets the BLAS thread count inside a session's runs (as
threadpoolctl reports it from within a running op) and restores it after."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.runtime import threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    if not info:
        pytest.skip("no BLAS library that threadpoolctl knows is loaded")
    return info[0]["num_threads"]


def _probe():
    """A graph whose op reports the BLAS thread count while the run executes."""
    x = tf.placeholder(tf.float32, [2, 2])
    y = tf.matmul(x, x)
    return x, tf.py_func(lambda _: np.int64(_blas_threads()), [y], tf.int64)


@pytest.mark.parametrize("n", [1, 2])
def test_intra_op_threads_hold_inside_runs_only(n):
    outside = _blas_threads()
    x, probe = _probe()
    cfg = tf.ConfigProto(intra_op_parallelism_threads=n)
    with tf.Session(config=cfg) as s:
        feed = {x: np.eye(2, dtype=np.float32)}
        assert s.run(probe, feed) == n
        assert _blas_threads() == outside  # restored after the run
        assert s.make_callable(probe, [x])(np.eye(2, dtype=np.float32)) == n
        assert _blas_threads() == outside


def test_default_settings_keep_the_library_default():
    outside = _blas_threads()
    x, probe = _probe()
    with tf.Session() as s:
        assert s.run(probe, {x: np.eye(2, dtype=np.float32)}) == outside


def test_an_inter_op_pool_shares_the_cores_with_blas():
    cfg = tf.ConfigProto(inter_op_parallelism_threads=2)
    assert threads.blas_threads(cfg) == max(1, threads.cores() // 2)
    assert threads.blas_threads(tf.ConfigProto()) is None
    cfg = tf.ConfigProto(inter_op_parallelism_threads=4, intra_op_parallelism_threads=3)
    assert threads.blas_threads(cfg) == 3
    x, probe = _probe()
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as s:
        assert s.run(probe, {x: np.eye(2, dtype=np.float32)}) == max(1, threads.cores() // 2)


def test_overlapping_runs_restore_once():
    outside = _blas_threads()
    one = threads.BlasThreads(1)
    with one:
        with threads.BlasThreads(1):
            assert _blas_threads() == 1
        assert _blas_threads() == 1  # the outer run still holds it
    assert _blas_threads() == outside
