"""clip_by_norm, clip_by_global_norm, clip_by_average_norm and global_norm: values by hand,
gradients numerically, sparse inputs, errors. (They are compositions of math ops: no op
types of their own.)"""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.test.gradient_checker import compute_gradient_error


def _run(x):
    with tf.Session() as s:
        return s.run(x)


def test_clip_by_norm_values():
    t = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    out = tf.clip_by_norm(t, 2.5)
    assert out.op.name == "clip_by_norm" and out.shape.as_list() == [2, 2]
    np.testing.assert_allclose(_run(out), [[1.5, 2.0], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(_run(tf.clip_by_norm(t, 10.0)), [[3, 4], [0, 0]])
    per_row = tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1])
    np.testing.assert_allclose(_run(per_row), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    np.testing.assert_array_equal(_run(tf.clip_by_norm(tf.zeros([3]), 1.0)), [0, 0, 0])
    with pytest.raises(ValueError):
        tf.clip_by_norm(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))


def test_global_norm_and_clip_by_global_norm():
    a, b = tf.constant([3.0, 4.0]), tf.constant([[12.0]])
    norm = tf.global_norm([a, None, b])
    assert norm.op.name == "global_norm/global_norm"
    assert _run(norm) == pytest.approx(13.0)
    (ca, none, cb), n = tf.clip_by_global_norm([a, None, b], 6.5)
    assert none is None and cb.shape.as_list() == [1, 1]
    got = _run([ca, cb, n])
    np.testing.assert_allclose(got[0], [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(got[1], [[6.0]], rtol=1e-6)
    assert got[2] == pytest.approx(13.0)
    (ca,), _ = tf.clip_by_global_norm([a], 100.0)
    np.testing.assert_allclose(_run(ca), [3.0, 4.0], rtol=1e-6)
    (ca,), _ = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(np.inf))
    assert np.isnan(_run(ca)).all()
    with pytest.raises(TypeError, match="t_list should be a sequence"):
        tf.global_norm(a)
    with pytest.raises(TypeError, match="t_list should be a sequence"):
        tf.clip_by_global_norm(a, 1.0)


def test_clip_by_average_norm():
    t = tf.constant([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]])  # l2 5, 6 elements: avg 5/6
    np.testing.assert_allclose(_run(tf.clip_by_average_norm(t, 0.5)),
                               _run(t) * 0.5 / (5.0 / 6.0), rtol=1e-6)
    np.testing.assert_allclose(_run(tf.clip_by_average_norm(t, 1.0)), _run(t), rtol=1e-6)


def test_indexed_slices_stay_sparse():
    s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([2]), tf.constant([4, 2]))
    c = tf.clip_by_norm(s, 1.0)
    assert isinstance(c, tf.IndexedSlices) and c.indices is s.indices
    np.testing.assert_allclose(_run(c.values), [[0.6, 0.8]], rtol=1e-6)
    (c,), n = tf.clip_by_global_norm([s], 2.5)
    assert isinstance(c, tf.IndexedSlices)
    np.testing.assert_allclose(_run([c.values, n])[0], [[1.5, 2.0]], rtol=1e-6)


def test_gradients():
    x0 = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])
    x = tf.placeholder(tf.float64, x0.shape)
    for y in (tf.clip_by_norm(x, 1.0), tf.clip_by_norm(x, 1.0, axes=[1]),
              tf.clip_by_global_norm([x, x * 2.0], 2.0)[0][1],
              tf.clip_by_norm(x, 100.0)):
        with tf.Session():
            err = compute_gradient_error(x, x0.shape, y, x0.shape, x_init_value=x0)
        assert err < 1e-6
    z = tf.zeros([3])
    g = tf.gradients(tf.reduce_sum(tf.clip_by_norm(z, 1.0)), z)[0]
    assert np.isfinite(_run(g)).all()  # no NaN from sqrt at a zero norm
