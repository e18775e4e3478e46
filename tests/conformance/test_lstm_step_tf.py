"""The LSTM training step of benchmarks/bench_rnn.py (BasicLSTMCell, loss on the final h
only, SGD on the variables only) against TF 2.21, static and dynamic: loss, gradients and
the variables after two steps. Its backward pass takes the shortcuts of
`gradients.input_gradients_needed` / `output_gradients_zero` (no gradient of the input
sequence, none of the unread output TensorArray), so this checks they change no value."""
import numpy as np
import pytest

from tests.conformance.test_rnn_tf import fg, tf1  # skips without TF / tf_keras

B, T, D, H = 4, 6, 3, 5


def _step(tfm, unrolled, x0, y0, k0, b0):
    g = tfm.Graph()
    with g.as_default():
        x = tfm.placeholder(tfm.float32, [B, T, D])
        y = tfm.placeholder(tfm.float32, [B, H])
        cell = tfm.nn.rnn_cell.BasicLSTMCell(H)
        if unrolled:
            _, state = tfm.nn.static_rnn(cell, tfm.unstack(x, axis=1), dtype=tfm.float32)
        else:
            _, state = tfm.nn.dynamic_rnn(cell, x, dtype=tfm.float32)
        loss = tfm.reduce_mean(tfm.square(state.h - y))
        kernel, bias = tfm.trainable_variables()
        grads = tfm.gradients(loss, [kernel, bias])
        train = tfm.train.GradientDescentOptimizer(0.5).apply_gradients(
            zip(grads, [kernel, bias]))
        with tfm.Session(graph=g) as sess:
            sess.run(tfm.global_variables_initializer())
            kernel.load(k0, sess)
            bias.load(b0, sess)
            feed = {x: x0, y: y0}
            out = sess.run([loss] + grads, feed)
            sess.run(train, feed)
            sess.run(train, feed)
            return out + sess.run([loss, kernel, bias], feed)


@pytest.mark.parametrize("unrolled", [True, False], ids=["static", "dynamic"])
def test_lstm_train_step_matches_tf(unrolled):
    rng = np.random.RandomState(11)
    x0 = rng.standard_normal((B, T, D)).astype(np.float32)
    y0 = rng.uniform(-0.5, 0.5, (B, H)).astype(np.float32)
    k0 = (rng.standard_normal((D + H, 4 * H)) * 0.3).astype(np.float32)
    b0 = (rng.standard_normal(4 * H) * 0.3).astype(np.float32)
    ours = _step(fg, unrolled, x0, y0, k0, b0)
    theirs = _step(tf1, unrolled, x0, y0, k0, b0)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
