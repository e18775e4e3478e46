"""Linear regression, the complete TF1 workflow: learn y = 0.8 x + 0.7 from 100 samples with
gradient descent, in a variable scope, with flags, TensorBoard summaries, a checkpoint
every `--save_every` steps, and `--restore` to continue from the latest checkpoint.
A TensorFlow 1.x program, run unchanged with `import flowgraph as tf`.

    python examples/linear_regression.py --model_dir /tmp/linreg --max_step 4000
    python examples/linear_regression.py --model_dir /tmp/linreg --max_step 10000 --restore
    tensorboard --logdir /tmp/linreg
"""
import os
import tempfile

import numpy as np

import flowgraph as tf

flags = tf.app.flags
flags.DEFINE_integer("max_step", 10000, "train until this global step")
flags.DEFINE_string("model_dir", "", "checkpoints and summaries (default: a new temp dir)")
flags.DEFINE_integer("save_every", 2000, "save a checkpoint every this many steps")
flags.DEFINE_boolean("restore", False, "continue from the latest checkpoint in model_dir")
FLAGS = flags.FLAGS


def main(_):
    model_dir = FLAGS.model_dir or tempfile.mkdtemp(prefix="linear_regression_")
    np.random.seed(0)
    tf.set_random_seed(0)

    # Data: 100 points on the line y = 0.8 x + 0.7.
    x_data = np.random.rand(100).astype(np.float32)
    y_data = x_data * 0.8 + 0.7

    # Model: y = W * x + b, starting from a random W and a zero b.
    with tf.variable_scope("model"):
        W = tf.get_variable("W", [1], initializer=tf.random_uniform_initializer(-1.0, 1.0))
        b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
        y = W * x_data + b

    # Mean squared error, minimized by plain gradient descent.
    with tf.name_scope("train"):
        loss = tf.reduce_mean(tf.square(y - y_data))
        global_step = tf.train.get_or_create_global_step()
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step)

    tf.summary.scalar("error", loss)
    tf.summary.histogram("weights", W)
    summaries = tf.summary.merge_all()
    saver = tf.train.Saver(max_to_keep=3)

    with tf.Session() as sess:
        latest = tf.train.latest_checkpoint(model_dir) if FLAGS.restore else None
        if latest:
            saver.restore(sess, latest)
            print(f"restored {latest} at step {sess.run(global_step)}")
        else:
            sess.run(tf.global_variables_initializer())
        writer = tf.summary.FileWriter(model_dir, sess.graph)
        step = sess.run(global_step)
        while step < FLAGS.max_step:
            _, summary = sess.run([train, summaries])
            step = sess.run(global_step)
            writer.add_summary(summary, step)
            if step % FLAGS.save_every == 0:
                saver.save(sess, os.path.join(model_dir, "model.ckpt"), global_step=step)
                w_val, b_val, loss_val = sess.run([W, b, loss])
                print(f"step {step:5d}: W = {w_val[0]:.4f}, b = {b_val[0]:.4f}, "
                      f"loss = {loss_val:.2e}")
        writer.close()
        w_val, b_val = sess.run([W, b])
        print(f"learned: W = {w_val[0]:.4f} (true 0.8), b = {b_val[0]:.4f} (true 0.7)")


if __name__ == "__main__":
    tf.app.run(main)
