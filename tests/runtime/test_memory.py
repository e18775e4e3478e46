"""Intermediates are freed right after their last use (measured, not timed)."""
import tracemalloc

import numpy as np

import flowgraph as tf

BATCH, WIDTH, LAYERS = 4096, 256, 20
ACT = BATCH * WIDTH * 4  # bytes of one float32 activation


def test_only_a_few_activations_are_alive_at_once():
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, [BATCH, WIDTH])
    h = x
    for _ in range(LAYERS):
        w = tf.constant(rng.standard_normal((WIDTH, WIDTH)).astype(np.float32) * 0.05)
        h = tf.nn.relu(tf.matmul(h, w))
    feed = {x: rng.standard_normal((BATCH, WIDTH)).astype(np.float32)}
    with tf.Session() as s:
        s.run(h, feed)  # compile the plan outside the measurement
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            s.run(h, feed)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # All 40 intermediates would be 40 activations; a matmul, its relu and the fetched
    # output are alive at most at once.
    assert peak < 4 * ACT, f"peak {peak / ACT:.1f} activations"
