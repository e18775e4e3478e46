"""tf.SparseTensor, SparseTensorValue and sparse_placeholder: components, static shapes,
fetching and feeding; sparse.to_dense / from_dense; names and values against TF."""
import numpy as np
import pytest

import flowgraph as tf


def test_components_and_shape():
    with tf.Graph().as_default() as g:
        sp = tf.SparseTensor([[0, 1], [2, 3]], [1.0, 2.0], [3, 4])
        assert sp.indices.dtype == tf.int64 and sp.dense_shape.dtype == tf.int64
        assert sp.dtype == tf.float32 and sp.graph is g and sp.op is sp.values.op
        assert sp.get_shape().as_list() == [3, 4] and sp.shape.as_list() == [3, 4]
        with tf.Session() as s:
            v = s.run(sp)
            both = s.run({"a": [sp], "b": sp.values})
        assert isinstance(v, tf.SparseTensorValue)
        np.testing.assert_array_equal(v.indices, [[0, 1], [2, 3]])
        np.testing.assert_array_equal(v.values, [1.0, 2.0])
        np.testing.assert_array_equal(v.dense_shape, [3, 4])
        assert isinstance(both["a"][0], tf.SparseTensorValue)
        with pytest.raises(ValueError):
            tf.SparseTensor([0, 1], [1.0], [3])


def test_placeholder_feeds():
    with tf.Graph().as_default():
        sp = tf.sparse_placeholder(tf.float32, shape=[None, 3], name="sp")
        assert sp.shape.as_list() == [None, 3]
        assert [sp.indices.op.name, sp.values.op.name, sp.dense_shape.op.name] == \
            ["sp/indices", "sp/values", "sp/shape"]
        dense = tf.sparse.to_dense(sp, default_value=-1.0)
        assert dense.shape.as_list() == [None, None]  # as TF: the shape is a placeholder
        free = tf.sparse_placeholder(tf.int32)
        assert free.shape.ndims is None
        with tf.Session() as s:
            got = s.run(dense, {sp: tf.SparseTensorValue([[0, 2], [1, 1]], [4.0, 5.0],
                                                         [2, 3])})
            np.testing.assert_array_equal(got, [[-1, -1, 4], [-1, 5, -1]])
            got = s.run(tf.sparse_tensor_to_dense(free), {free: ([[1]], [7], [3])})
            np.testing.assert_array_equal(got, [0, 7, 0])
            echo = s.run(free, {free: ([[0], [2]], [1, 2], [4])})
            np.testing.assert_array_equal(echo.values, [1, 2])
            with pytest.raises(TypeError):
                s.run(dense, {sp: np.zeros((2, 3))})


def test_from_dense_round_trip_and_gradient():
    x = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]], np.float32)
    with tf.Graph().as_default():
        t = tf.constant(x)
        sp = tf.sparse.from_dense(t)
        back = tf.sparse.to_dense(sp)
        vals = tf.constant([1.0, 2.0])
        d = tf.sparse.to_dense(tf.SparseTensor([[0, 0], [1, 1]], vals, [2, 2]))
        gv, = tf.gradients(tf.reduce_sum(d * tf.constant([[3.0, 4.0], [5.0, 6.0]])), [vals])
        with tf.Session() as s:
            v, b, g = s.run([sp, back, gv])
    np.testing.assert_array_equal(v.indices, [[0, 1], [1, 0], [1, 2]])
    np.testing.assert_array_equal(v.values, [1.5, -2.0, 3.0])
    np.testing.assert_array_equal(b, x)
    np.testing.assert_array_equal(g, [3.0, 6.0])


def test_against_tf():
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    feed = ([[0, 1], [1, 0]], [2.0, 3.0], [2, 2])
    res = []
    for lib in (tf, tf1):
        g = lib.Graph()
        with g.as_default():
            sp = lib.sparse_placeholder(lib.float32, [2, None])
            d = lib.sparse_tensor_to_dense(sp)
            names = [sp.indices.name, sp.values.name, sp.dense_shape.name, d.name,
                     d.op.type, sp.shape.as_list(), d.shape.as_list()]
            with lib.Session() as s:
                v = s.run([d, sp], {sp: feed})
        res.append((names, v[0], type(v[1]).__name__, v[1].indices.dtype))
    assert res[0][0] == res[1][0]
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2:] == res[1][2:]
