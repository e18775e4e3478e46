"""One Session shared by threads: `use_locking` updates lock, run state (the undo journal,
while-loop records) is per run, and a failed run undoes only its own writes. Each test runs
8 threads x RUNS runs and compares with the same runs made one after another.
FLOWGRAPH_STRESS_RUNS=1000 gives the long mode (8,000 runs per test)."""
import os
import threading

import numpy as np
import pytest

import flowgraph as tf

THREADS = 8
RUNS = int(os.environ.get("FLOWGRAPH_STRESS_RUNS", "100"))
PARALLEL = [0, 4]  # inter_op_parallelism_threads: the default, and a pool of 4


def _hammer(fns, runs=RUNS):
    """Runs fns[k % len(fns)] `runs` times on each of THREADS threads; returns the
    exceptions raised (none expected)."""
    errs, start = [], threading.Barrier(THREADS)

    def work(fn):
        start.wait()
        try:
            for _ in range(runs):
                fn()
        except Exception as e:  # noqa: BLE001 (collected and asserted on)
            errs.append(e)
    threads = [threading.Thread(target=work, args=(fns[k % len(fns)],))
               for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errs


def _session(inter):
    return tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=inter))


@pytest.mark.parametrize("inter", PARALLEL)
def test_locked_counters_are_exact(inter):
    with tf.Graph().as_default():
        a = tf.Variable(0.0)
        v = tf.Variable(tf.zeros([4], tf.int32))
        inc = tf.assign_add(a, 1.0, use_locking=True)
        dec = tf.assign_sub(a, 0.5, use_locking=True)
        sc = tf.scatter_add(v, [0, 2, 2], [1, 1, 1], use_locking=True)
        with _session(inter) as sess:
            sess.run(tf.global_variables_initializer())
            assert _hammer([lambda: sess.run(inc), lambda: sess.run([dec, sc])]) == []
            assert sess.run(a) == RUNS * THREADS / 2 * (1 - 0.5)
            np.testing.assert_array_equal(sess.run(v), [RUNS * 4, 0, RUNS * 8, 0])


def _linear_model(opt):
    """A loss whose gradient does not depend on the variable, so every order of the
    same number of locked steps gives the same value."""
    w = tf.Variable([1.0, -2.0, 0.5])
    loss = tf.reduce_sum(w * tf.constant([3.0, 5.0, -1.0]))
    return w, opt.minimize(loss)


@pytest.mark.parametrize("inter", PARALLEL)
@pytest.mark.parametrize("make", [
    lambda: tf.train.GradientDescentOptimizer(0.01, use_locking=True),
    lambda: tf.train.MomentumOptimizer(0.01, 0.9, use_locking=True),
    lambda: tf.train.MomentumOptimizer(0.01, 0.9, use_locking=True, use_nesterov=True),
    lambda: tf.train.AdagradOptimizer(0.01, use_locking=True),
    lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, use_locking=True),
], ids=["gd", "momentum", "nesterov", "adagrad", "rmsprop"])
def test_locked_optimizers_match_sequential_steps(inter, make):
    with tf.Graph().as_default():
        w, train = _linear_model(make())
        init = tf.global_variables_initializer()
        with _session(inter) as sess, tf.Session() as seq:
            sess.run(init)
            seq.run(init)
            assert _hammer([lambda: sess.run(train)]) == []
            for _ in range(RUNS * THREADS):
                seq.run(train)
            np.testing.assert_array_equal(sess.run(w), seq.run(w))


@pytest.mark.parametrize("inter", PARALLEL)
def test_locked_sparse_updates_match_sequential_steps(inter):
    """A gathered variable's gradient is IndexedSlices: the sparse apply ops lock too."""
    with tf.Graph().as_default():
        w = tf.Variable(tf.reshape(tf.range(12.0), [4, 3]))
        loss = tf.reduce_sum(tf.gather(w, [0, 2, 2]) * tf.constant([1.0, -2.0, 0.5]))
        train = tf.train.MomentumOptimizer(0.01, 0.9, use_locking=True).minimize(loss)
        init = tf.global_variables_initializer()
        with _session(inter) as sess, tf.Session() as seq:
            sess.run(init)
            seq.run(init)
            assert _hammer([lambda: sess.run(train)]) == []
            for _ in range(RUNS * THREADS):
                seq.run(train)
            np.testing.assert_array_equal(sess.run(w), seq.run(w))


@pytest.mark.parametrize("inter", PARALLEL)
def test_while_loop_gradients_per_run(inter):
    """Each run's loop record is its own: no KeyError, no lost step."""
    with tf.Graph().as_default():
        x = tf.Variable([1.0, 2.0])
        c = tf.constant([0.5, -1.5])
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y + x * c * y[0]),
                             [0, tf.ones([2])])
        _, z = tf.while_loop(lambda i, z: i < 4, lambda i, z: (i + 1, z + x * c),
                             [0, tf.zeros([2])])
        train = tf.train.GradientDescentOptimizer(0.001, use_locking=True).minimize(
            tf.reduce_sum(z))
        grad = tf.gradients(tf.reduce_sum(y), x)[0]
        init = tf.global_variables_initializer()
        with _session(inter) as sess, tf.Session() as seq:
            sess.run(init)
            seq.run(init)
            g0 = seq.run(grad)
            got = []
            assert _hammer([lambda: sess.run(train),
                            lambda: got.append(sess.run(grad, {x: [1.0, 2.0]}))]) == []
            for g in got:
                np.testing.assert_array_equal(g, g0)
            for _ in range(RUNS * THREADS // 2):
                seq.run(train)
            np.testing.assert_array_equal(sess.run(x), seq.run(x))


@pytest.mark.parametrize("inter", PARALLEL)
def test_failed_runs_undo_only_their_own_writes(inter):
    with tf.Graph().as_default():
        a = tf.Variable(0.0)
        b = tf.Variable(0.0)
        inc = tf.assign_add(a, 1.0, use_locking=True)
        wrote = tf.assign_add(b, 1.0, use_locking=True)
        with tf.control_dependencies([wrote]):
            fail = tf.debugging.check_numerics(tf.identity(a) * np.inf, "boom")

        def failing():
            with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
                sess.run(fail)
        with _session(inter) as sess:
            sess.run(tf.global_variables_initializer())
            assert _hammer([lambda: sess.run(inc), failing]) == []
            assert sess.run(a) == RUNS * THREADS / 2  # every succeeding update kept
            # a failed run's write stays only where another run wrote over it
            assert 0 <= sess.run(b) <= RUNS * THREADS / 2
            sess.run(b.initializer)
            failing()
            assert sess.run(b) == 0.0  # alone, a failed run leaves variables as they were


@pytest.mark.parametrize("inter", PARALLEL)
def test_unlocked_updates_race_but_never_raise(inter):
    with tf.Graph().as_default():
        a = tf.Variable(0.0)
        inc = tf.assign_add(a, 1.0)
        w, train = _linear_model(tf.train.MomentumOptimizer(0.01, 0.9))
        with _session(inter) as sess:
            sess.run(tf.global_variables_initializer())
            assert _hammer([lambda: sess.run(inc), lambda: sess.run(train)]) == []
            assert 0 < sess.run(a) <= RUNS * THREADS / 2
            assert np.isfinite(sess.run(w)).all()
