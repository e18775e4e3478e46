"""A GRU that adds up: each sequence holds 5 to 15 numbers (padded to 15), and the label
says whether their sum is positive. The network must keep a running total, and stop at
each sequence's own end: `dynamic_rnn(..., sequence_length=...)` zeroes the outputs past
the end and carries the final state through the padding.

Prints the loss and accuracy while training. Runs unchanged with
`import tensorflow.compat.v1 as tf` (+ `tf.disable_v2_behavior()`, and tf_keras for the
TF1 cells).

    python examples/gru_sequence.py [steps]"""
import sys

import numpy as np

import flowgraph as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
MAX_LEN, HIDDEN, BATCH = 15, 24, 64
rng = np.random.RandomState(0)


def batch(n):
    lengths = rng.randint(5, MAX_LEN + 1, size=n).astype(np.int32)
    values = rng.randn(n, MAX_LEN).astype(np.float32)
    values[np.arange(MAX_LEN)[None, :] >= lengths[:, None]] = 9.0  # padding: must be ignored
    sums = np.where(np.arange(MAX_LEN)[None, :] < lengths[:, None], values, 0.0).sum(1)
    return values[:, :, None], lengths, (sums > 0).astype(np.float32)


tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, MAX_LEN, 1], name="x")
lengths = tf.placeholder(tf.int32, [None], name="lengths")
y = tf.placeholder(tf.float32, [None], name="y")
cell = tf.nn.rnn_cell.GRUCell(HIDDEN)
outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
W = tf.get_variable("out/kernel", [HIDDEN, 1])
b = tf.get_variable("out/bias", [1], initializer=tf.zeros_initializer())
logits = tf.reshape(tf.matmul(state, W) + b, [-1])
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), y), tf.float32))

print("variables:", " ".join(v.op.name for v in tf.trainable_variables()))
tx, tl, ty = batch(500)
test = {x: tx, lengths: tl, y: ty}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    every = max(1, STEPS // 6)
    for step in range(STEPS + 1):
        bx, bl, by = batch(BATCH)
        _, loss_val = sess.run([train, loss], {x: bx, lengths: bl, y: by})
        if step % every == 0:
            acc = sess.run(accuracy, test)
            print(f"step {step:4d}: loss = {loss_val:.4f}, test accuracy = {acc:.3f}")
    padded = sess.run(outputs, test)
    print("outputs past each sequence's end are zero:",
          all(not padded[i, n:].any() for i, n in enumerate(tl)))
    print(f"final test accuracy = {sess.run(accuracy, test):.3f}")
