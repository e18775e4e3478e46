"""tf.raw_ops: keyword-only wrappers of every registered op, with TF's argument names."""
import inspect

import numpy as np
import pytest

import flowgraph as tf

try:
    import tensorflow as _tf_real
    tft = _tf_real.compat.v1
except ImportError:
    _tf_real = tft = None
needs_tf = pytest.mark.skipif(tft is None, reason="needs real TensorFlow")


def test_builds_and_runs():
    r = tf.raw_ops
    with tf.Graph().as_default():
        x = r.Placeholder(dtype=np.float32, shape=[None, 2], name="x")
        assert x.shape.as_list() == [None, 2] and x.name == "x:0"
        y = r.MatMul(a=x, b=[[1.0], [2.0]], transpose_b=False)
        s = r.Sum(input=y, axis=0, keep_dims=True)
        u = r.Unique(x=[3, 1, 3])
        parts = r.Split(axis=0, value=[1.0, 2.0], num_split=2)
        noop = r.NoOp()
        with tf.Session() as sess:
            got = sess.run([y, s, u.y, u.idx, parts], {x: [[1.0, 1.0], [2.0, 0.0]]})
            sess.run(noop)
    np.testing.assert_allclose(got[0], [[3.0], [2.0]])
    np.testing.assert_allclose(got[1], [[5.0]])
    np.testing.assert_array_equal(got[2], [3, 1])
    np.testing.assert_array_equal(got[3], [0, 1, 0])
    assert [p.tolist() for p in got[4]] == [[1.0], [2.0]]
    assert type(u).__name__ == "Unique" and u._fields == ("y", "idx")


def test_errors():
    with pytest.raises(TypeError, match="only takes keyword args"):
        tf.raw_ops.MatMul([[1.0]], [[2.0]])
    with pytest.raises(TypeError, match="unexpected keyword"):
        tf.raw_ops.MatMul(a=[[1.0]], b=[[2.0]], bogus=1)
    with pytest.raises(TypeError, match="missing required"):
        tf.raw_ops.MatMul(a=[[1.0]])
    with pytest.raises(AttributeError):
        tf.raw_ops.NoSuchOp


@needs_tf
def test_signatures_match_tensorflow():
    """Every op both have takes the same keyword arguments as TF's raw op."""
    common = [n for n in dir(tf.raw_ops) if hasattr(_tf_real.raw_ops, n)]
    assert len(common) > 250
    bad = []
    for n in common:
        theirs = set(inspect.signature(getattr(_tf_real.raw_ops, n)).parameters)
        ours = set(getattr(tf.raw_ops, n).keys)
        if ours != theirs:
            bad.append((n, sorted(ours - theirs), sorted(theirs - ours)))
    assert bad == []


@needs_tf
def test_same_graph_as_tensorflow():
    def build(mod):
        g = mod.Graph()
        with g.as_default():
            x = mod.raw_ops.Placeholder(dtype=mod.float32, shape=[None, 3])
            y = mod.raw_ops.ExpandDims(input=x, axis=1)
            z = mod.raw_ops.Select(condition=mod.raw_ops.Greater(x=x, y=0.0), x=x,
                                   y=mod.raw_ops.Neg(x=x))
        return [(t.name, t.dtype.name, t.shape.as_list()) for t in (x, y, z)]
    assert build(tf) == build(tft)
