"""What `tf.gradients` tells gradient functions (`input_gradients_needed`,
`output_gradients_zero`), and the While gradient's use of it: no accumulation of a
captured input's gradient nobody asked for, no backward gradient of a loop variable
(an unread TensorArray of outputs) that stays zero. Values are checked against the
full backward loop and hand-written numpy."""
import numpy as np

import flowgraph as tf
from flowgraph.gradients import input_gradients_needed, output_gradients_zero

SEEN = []


@tf.RegisterGradient("FlowgraphTestProbe")
def _probe_grad(op, *grads):
    SEEN.append((input_gradients_needed(op), output_gradients_zero(op)))
    return [g for g in grads]


def test_probe_sees_needed_inputs_and_made_up_output_grads():
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [2])
        w = tf.Variable([1.0, 2.0])
        with g.gradient_override_map({"IdentityN": "FlowgraphTestProbe"}):
            pa, pw = tf.identity_n([a, w * 1.0])
        SEEN.clear()
        tf.gradients(pw * 3.0, [w])
        assert SEEN == [([False, True], [True, False])]
        SEEN.clear()
        tf.gradients(pa * pw, [a, w])
        assert SEEN == [([True, True], [False, False])]
        op = pa.op
    assert input_gradients_needed(op) == [True, True]   # outside a gradient function
    assert output_gradients_zero(op) == [False, False]


def _loop(x, w):
    """h_{t+1} = tanh(h_t * w + x[t]) over the rows of x, from h_0 = 0."""
    n = x.shape.as_list()[0]

    def body(t, h):
        return t + 1, tf.tanh(h * w + tf.gather(x, t))
    return tf.while_loop(lambda t, h: t < n, body, [tf.constant(0), tf.zeros([3], tf.float64)])[1]


def _numpy(x, w):
    hs = [np.zeros(3)]
    for row in x:
        hs.append(np.tanh(hs[-1] * w + row))
    dh, dw = np.ones(3), np.zeros(3)
    dx = np.zeros_like(x)
    for t in reversed(range(len(x))):
        dz = dh * (1 - hs[t + 1] ** 2)
        dw += dz * hs[t]
        dx[t] = dz
        dh = dz * w
    return dw, dx


def _grad_loops(g):
    return [op for op in g.get_operations() if op.type == "While" and "grad" in op.name]


def test_while_skips_the_captured_input_gradient_nobody_needs():
    rng = np.random.RandomState(0)
    xv = rng.standard_normal((4, 3))
    wv = rng.uniform(0.5, 1.5, 3)
    want_dw, want_dx = _numpy(xv, wv)
    results = {}
    for wrt in ("w", "w_and_x"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, [4, 3])
            w = tf.placeholder(tf.float64, [3])
            h = _loop(x, w)
            grads = tf.gradients(tf.reduce_sum(h), [w] if wrt == "w" else [w, x])
            (loop,) = _grad_loops(g)
            results[wrt] = len(loop.outputs)
            with tf.Session() as sess:
                got = sess.run(grads, {x: xv, w: wv})
        np.testing.assert_allclose(got[0], want_dw, rtol=1e-12)
        if wrt == "w_and_x":
            np.testing.assert_allclose(got[1], want_dx, rtol=1e-12)
    assert results["w"] == results["w_and_x"] - 1   # one accumulator fewer


def _dynamic_rnn_backward_ops(loss_on_outputs):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, 5, 3])
        outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(4), x,
                                           dtype=tf.float32)
        loss = tf.reduce_sum(outputs) if loss_on_outputs else tf.reduce_sum(state.h)
        tf.gradients(loss, tf.trainable_variables())
        (loop,) = _grad_loops(g)
        return {o.type for o in loop.get_attr("body").get_operations()}


def test_dynamic_rnn_backward_builds_no_gradient_of_unread_outputs():
    assert not any(t.startswith("TensorList") for t in _dynamic_rnn_backward_ops(False))
    assert "TensorListGetItem" in _dynamic_rnn_backward_ops(True)
