"""An LSTM that remembers: each sequence is 12 random symbols from {0, 1, 2, 3}, and the
label is the first symbol, which the network must carry to the end through 11 distractors.

`tf.nn.dynamic_rnn` runs a `BasicLSTMCell` over the one-hot sequence; a linear layer on
its final output predicts the first symbol. Prints the loss and accuracy while training
(chance is 25%). Runs unchanged with `import tensorflow.compat.v1 as tf` (+
`tf.disable_v2_behavior()`, and tf_keras for the TF1 cells).

    python examples/lstm_sequence.py [steps]"""
import sys

import numpy as np

import flowgraph as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
SYMBOLS, LENGTH, HIDDEN, BATCH = 4, 12, 32, 64
rng = np.random.RandomState(0)


def batch(n):
    seqs = rng.randint(0, SYMBOLS, size=(n, LENGTH))
    return np.eye(SYMBOLS, dtype=np.float32)[seqs], seqs[:, 0].astype(np.int32)


tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, LENGTH, SYMBOLS], name="x")
y = tf.placeholder(tf.int32, [None], name="y")
cell = tf.nn.rnn_cell.BasicLSTMCell(HIDDEN)
outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
W = tf.get_variable("out/kernel", [HIDDEN, SYMBOLS])
b = tf.get_variable("out/bias", [SYMBOLS], initializer=tf.zeros_initializer())
logits = tf.matmul(state.h, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                      logits=logits))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), y),
                                  tf.float32))

print("variables:", " ".join(v.op.name for v in tf.trainable_variables()))
test_x, test_y = batch(500)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    every = max(1, STEPS // 6)
    for step in range(STEPS + 1):
        bx, by = batch(BATCH)
        _, loss_val = sess.run([train, loss], {x: bx, y: by})
        if step % every == 0:
            acc = sess.run(accuracy, {x: test_x, y: test_y})
            print(f"step {step:4d}: loss = {loss_val:.4f}, test accuracy = {acc:.3f}")
    print(f"final test accuracy = {sess.run(accuracy, {x: test_x, y: test_y}):.3f}")
