"""Linear regression that logs to TensorBoard: the training error as a scalar, the
weights as a histogram, and the graph.

    python examples/summaries.py [LOGDIR]        # default: a new temporary directory
    tensorboard --logdir LOGDIR                  # then open http://localhost:6006
"""
import sys
import tempfile

import numpy as np

import flowgraph as tf


def main(logdir):
    rng = np.random.RandomState(0)
    true_w = np.array([[2.0], [-3.0], [0.5]], np.float32)
    xs = rng.randn(256, 3).astype(np.float32)
    ys = (xs @ true_w + 1.0 + 0.01 * rng.randn(256, 1)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("model"):
        weights = tf.Variable(tf.zeros([3, 1]), name="weights")
        bias = tf.Variable(0.0, name="bias")
        prediction = tf.matmul(x, weights) + bias
    with tf.name_scope("loss"):
        error = tf.reduce_mean(tf.square(prediction - y))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(error)

    tf.summary.scalar("error", error)
    tf.summary.histogram("weights", weights)
    merged = tf.summary.merge_all()

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        writer = tf.summary.FileWriter(logdir, sess.graph)
        for step in range(100):
            summary, _ = sess.run([merged, train_op], {x: xs, y: ys})
            writer.add_summary(summary, step)
            if step % 25 == 0:
                print(f"step {step}: error = {sess.run(error, {x: xs, y: ys}):.6f}")
        writer.close()
        print("weights =", np.round(sess.run(weights).ravel(), 3), "bias =",
              round(float(sess.run(bias)), 3))
    print("logs written to", logdir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="summaries_"))
