"""Logistic regression: a linear classifier with a sigmoid output and cross-entropy loss,
trained by gradient descent on a linearly separable synthetic data set. Prints the loss
while training and the final accuracy. Runs unchanged with `import flowgraph as tf`."""
import numpy as np

import flowgraph as tf

rng = np.random.RandomState(1)

# Two Gaussian blobs in 2-D, one per class, well apart: the classes are separable.
n = 200
points = np.concatenate([rng.randn(n, 2) * 0.6 + [2.0, 2.0],
                         rng.randn(n, 2) * 0.6 + [-2.0, -1.0]]).astype(np.float32)
labels = np.concatenate([np.ones(n), np.zeros(n)]).astype(np.float32).reshape(-1, 1)

x = tf.placeholder(tf.float32, [None, 2], name="x")
y = tf.placeholder(tf.float32, [None, 1], name="y")
W = tf.Variable(tf.zeros([2, 1]), name="W")
b = tf.Variable(tf.zeros([1]), name="b")
logits = tf.matmul(x, W) + b
prob = tf.sigmoid(logits)

# Mean cross-entropy, in the numerically stable form on the logits.
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

predicted = tf.cast(prob > 0.5, tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32))

feed = {x: points, y: labels}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(301):
        _, loss_val = sess.run([train, loss], feed)
        if step % 50 == 0:
            print(f"step {step:3d}: loss = {loss_val:.4f}")
    w_val, b_val, acc = sess.run([W, b, accuracy], feed)
    print(f"weights = [{w_val[0, 0]:.3f}, {w_val[1, 0]:.3f}], bias = {b_val[0]:.3f}")
    print(f"accuracy = {acc:.4f}")
