"""Split, SplitV and Unpack return views of their input (no copies), with numpy's values;
fetches of such views of a variable are still the values of that run."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import registry

X = np.arange(2 * 12 * 3, dtype=np.float32).reshape(2, 12, 3)


def test_kernels_return_views_with_numpy_values():
    parts = registry.get("Split").kernel(np, np.int32(-2), X, 4)
    for got, want in zip(parts, np.split(X, 4, axis=1)):
        assert np.shares_memory(got, X) and np.array_equal(got, want)
    parts = registry.get("SplitV").kernel(np, X, np.array([5, -1, 2]), np.int32(1))
    for got, want in zip(parts, np.split(X, [5, 10], axis=1)):
        assert np.shares_memory(got, X) and np.array_equal(got, want)
    rows = registry.get("Unpack").kernel(np, X, -1)
    assert len(rows) == 3
    for i, got in enumerate(rows):
        assert np.shares_memory(got, X) and np.array_equal(got, X[:, :, i])


def test_fed_split_dim_out_of_range_is_invalid_argument():
    with tf.Graph().as_default():
        d = tf.placeholder(tf.int32, [])
        parts = tf.split(tf.constant(X), 2, axis=d)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="split_dim"):
                sess.run(parts, {d: 3})


def test_fetched_pieces_of_a_variable_keep_their_run_values():
    with tf.Graph().as_default():
        v = tf.Variable(X)
        pieces = tf.unstack(v, axis=0) + tf.split(v, 3, axis=1)
        with tf.control_dependencies(pieces):
            step = tf.assign_add(v, tf.ones_like(v))
        with tf.Session() as sess:
            sess.run(v.initializer)
            got, _ = sess.run([pieces, step])
            sess.run(step)
    for a, b in zip(got, list(X) + np.split(X, 3, axis=1)):
        np.testing.assert_array_equal(a, b)
