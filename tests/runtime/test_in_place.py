"""Elementwise steps write into their first input's buffer when it dies there, and never
into a buffer something else still holds: a fetch, a feed, a constant, a variable, an
Identity's alias, or a view (Split, Reshape, Transpose)."""
import tracemalloc

import numpy as np

import flowgraph as tf

N = 512  # 512 x 512 float32: 1 MiB, above in_place.MIN_ELEMENTS
ACT = N * N * 4
_X = np.random.default_rng(0).standard_normal((N, N)).astype(np.float32)


def _run(fetches, feed):
    with tf.Session() as s:
        return s.run(fetches, feed)


def test_a_chain_runs_in_one_buffer():
    x = tf.placeholder(tf.float32, [N, N])
    y = x * 2.0
    for _ in range(8):
        y = tf.tanh(y * 0.5 - 1.0)
    feed = {x: _X}
    want = _X * 2.0
    for _ in range(8):
        want = np.tanh(want * np.float32(0.5) - np.float32(1.0))
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y, feed), want, rtol=1e-5)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            s.run(y, feed)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # The first step must allocate (its input is fed); every later one reuses that buffer.
    assert peak < 1.5 * ACT, f"peak {peak / ACT:.2f} activations"


def test_fed_and_constant_inputs_are_never_written():
    x = tf.placeholder(tf.float32, [N, N])
    c = tf.constant(_X)
    value = _X.copy()
    got = _run([x + 1.0, c * 2.0, tf.exp(x)], {x: value})
    np.testing.assert_array_equal(value, _X)  # the feed is untouched
    np.testing.assert_allclose(got[0], _X + 1, rtol=1e-6)
    np.testing.assert_allclose(got[1], _X * 2, rtol=1e-6)
    got2 = _run(c * 2.0, {})
    np.testing.assert_allclose(got2, _X * 2, rtol=1e-6)  # the constant is untouched


def test_fetched_and_aliased_intermediates_keep_their_values():
    x = tf.placeholder(tf.float32, [N, N])
    a = x * 3.0
    alias = tf.identity(a)  # the same array in another slot
    b = a + 1.0  # a's last reader
    a2, got_alias, got_b = _run([a * 1.0, alias, b], {x: _X})
    np.testing.assert_allclose(got_alias, _X * 3, rtol=1e-6)
    np.testing.assert_allclose(got_b, _X * 3 + 1, rtol=1e-6)
    a = x * 3.0
    fetched, later = _run([a, tf.exp(a)], {x: _X})  # a is fetched: exp must not write it
    np.testing.assert_allclose(fetched, _X * 3, rtol=1e-6)
    np.testing.assert_allclose(later, np.exp(_X * 3), rtol=1e-5)


def test_views_protect_their_base():
    x = tf.placeholder(tf.float32, [N, N])
    a = x * 2.0
    top, bottom = tf.split(a, 2, axis=0)  # views of a's buffer
    t = tf.transpose(a)
    r = tf.reshape(a, [N * N])
    first = top + 1.0  # reads a view: writing into it would change `bottom`
    square = a * a  # a's own last reader, while the views are alive
    got = _run([first, bottom, t - 1.0, r * 1.0, square], {x: _X})
    a_ref = _X * 2
    np.testing.assert_allclose(got[0], a_ref[:N // 2] + 1, rtol=1e-6)
    np.testing.assert_allclose(got[1], a_ref[N // 2:], rtol=1e-6)
    np.testing.assert_allclose(got[2], a_ref.T - 1, rtol=1e-6)
    np.testing.assert_allclose(got[3], a_ref.reshape(-1), rtol=1e-6)
    np.testing.assert_allclose(got[4], a_ref * a_ref, rtol=1e-6)


def test_variables_and_snapshots_are_never_written():
    v = tf.Variable(_X)
    with tf.control_dependencies([tf.no_op()]):
        snap = tf.identity(v)  # a slot holding the stored array itself
    y = snap * 2.0
    z = tf.exp(v.read_value()) if hasattr(v, "read_value") else tf.exp(v)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run([y, z])
        np.testing.assert_array_equal(s.run(v), _X)
    np.testing.assert_allclose(got[0], _X * 2, rtol=1e-6)
    np.testing.assert_allclose(got[1], np.exp(_X), rtol=1e-5)


def test_broadcast_results_larger_than_the_input_allocate():
    x = tf.placeholder(tf.float32, [N, 1])
    y = tf.placeholder(tf.float32, [N, N])
    a = x * 2.0  # [N, 1]: too small anyway, but the broadcast below must allocate
    b = tf.tile(a, [1, 8]) * 1.0
    got = _run([b + y[:, :8] * 0.0, a + y], {x: _X[:, :1], y: _X})
    np.testing.assert_allclose(got[1], _X[:, :1] * 2 + _X, rtol=1e-6)
