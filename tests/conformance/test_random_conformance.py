"""Random ops build the same graphs as real TensorFlow: op names, types, seed attrs, static
shapes and dtypes. (The numbers differ: the generators are not TF's.)"""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

_ATTRS = ("seed", "seed2", "dtype", "T", "Tout", "output_dtype")


def _program(tf, graph_seed):
    if graph_seed is not None:
        tf.set_random_seed(graph_seed)
    ph = tf.placeholder(tf.float32, [None, 4])
    return [
        tf.random_normal([2, 3]),
        tf.random_normal([5], mean=1.0, stddev=2.0, dtype=tf.float64, seed=4),
        tf.truncated_normal([3, 2], seed=9),
        tf.random_uniform([2, 3]),
        tf.random_uniform([2], maxval=5),
        tf.random_uniform([4], minval=-1.0, maxval=2.0, name="u"),
        tf.random_uniform([3], minval=2, maxval=9, dtype=tf.int64),
        tf.random_shuffle(np.arange(6).reshape(3, 2)),
        tf.multinomial([[1.0, 2.0, 3.0]], 4),
        tf.multinomial(ph, 2, output_dtype=tf.int32),
        tf.random.categorical([[0.5, 0.5]], 3, seed=1),
        tf.random.uniform([7], seed=2),
        tf.random.normal([1, 1]),
        tf.random.shuffle([1, 2, 3]),
    ]


def _describe(graph, outs):
    ops = []
    for op in graph.get_operations():
        attrs = {}
        for k in _ATTRS:
            try:
                v = op.get_attr(k)
            except (ValueError, KeyError, AttributeError):
                continue
            attrs[k] = v.name if hasattr(v, "as_numpy_dtype") else v
        ops.append((op.name, op.type, [t.name for t in op.inputs], attrs))
    tensors = [(t.name, t.dtype.name, t.shape.as_list() if t.shape.ndims is not None
                else None) for t in outs]
    return ops, tensors


@pytest.mark.parametrize("graph_seed", [None, 42])
def test_random_graphs_match_tensorflow(graph_seed):
    g_tf = tf1.Graph()
    with g_tf.as_default():
        theirs = _describe(g_tf, _program(tf1, graph_seed))
    g_fg = fg.Graph()
    with g_fg.as_default():
        ours = _describe(g_fg, _program(fg, graph_seed))
    assert ours[1] == theirs[1]
    for a, b in zip(ours[0], theirs[0]):
        assert a == b
    assert len(ours[0]) == len(theirs[0])


def test_get_seed_matches_tensorflow():
    from tensorflow.python.framework import random_seed as tf_seed
    from flowgraph.framework import random_seed as fg_seed
    for graph_seed in (None, 0, 5, 2 ** 40):
        for op_seed in (None, 0, 3, 2 ** 33):
            with tf1.Graph().as_default():
                if graph_seed is not None:
                    tf1.set_random_seed(graph_seed)
                want = [tf_seed.get_seed(op_seed) for _ in range(2)]
            with fg.Graph().as_default():
                if graph_seed is not None:
                    fg.set_random_seed(graph_seed)
                got = [fg_seed.get_seed(op_seed) for _ in range(2)]
            assert got == want, (graph_seed, op_seed)
