"""Feeding or fetching any tensor of a graph gives the same values with the optimizer on
as with it off: every tensor of a small network with its gradients is fed in turn (with
a changed value), and all of them are fetched."""
import numpy as np

import flowgraph as tf
from tests.runtime.grappler.helpers import config

ON, OFF = config(), config(off=True)


def _network():
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, [4, 3], name="x")
    w = tf.constant(rng.standard_normal((3, 5)).astype(np.float32))
    b = tf.constant(np.zeros(5, np.float32))
    h = tf.nn.relu(tf.matmul(x, w) + b) * 1.0
    h = tf.identity(tf.reshape(h, [4, 5]))
    logits = tf.matmul(h, tf.transpose(tf.constant(rng.standard_normal((2, 5)).astype(
        np.float32))))
    loss = tf.reduce_mean(tf.square(logits - tf.constant(1.0))) + tf.reduce_mean(
        tf.square(logits - tf.constant(1.0)))
    grads = tf.gradients(loss, [x, w, b])
    return x, [loss] + grads, rng.standard_normal((4, 3)).astype(np.float32)


def _values(fetches, feed, cfg):
    with tf.Session(config=cfg) as s:
        return s.run(fetches, feed)


def test_every_tensor_fed_in_turn():
    x, outs, xv = _network()
    g = tf.get_default_graph()
    tensors = [t for op in g.get_operations() for t in op.outputs
               if t.dtype == tf.float32 and t is not x]
    base = dict(zip(tensors, _values(tensors, {x: xv}, OFF)))
    for t in tensors:
        feed = {x: xv, t: np.asarray(base[t] * 1.5 + 0.25, np.float32)}
        want = _values(outs, feed, OFF)
        got = _values(outs, feed, ON)
        for a, w in zip(got, want):
            np.testing.assert_allclose(a, w, rtol=1e-5, atol=1e-6, err_msg=t.name)


def test_every_tensor_fetched_at_once():
    x, outs, xv = _network()
    g = tf.get_default_graph()
    tensors = [t for op in g.get_operations() for t in op.outputs if t is not x]
    got = _values(tensors, {x: xv}, ON)
    want = _values(tensors, {x: xv}, OFF)
    for t, a, w in zip(tensors, got, want):
        np.testing.assert_allclose(a, w, rtol=1e-5, atol=1e-6, err_msg=t.name)
        assert np.asarray(a).dtype == np.asarray(w).dtype
