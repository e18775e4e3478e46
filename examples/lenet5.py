"""LeNet-5 on MNIST: conv(6 filters 5x5, same) - max-pool 2 - conv(16 filters 5x5, valid) -
max-pool 2 - dense 120 - dense 84 - dense 10, relu activations, softmax cross-entropy,
Adam (learning rate 0.001), written with TF1's `tf.layers`, `tf.losses` and `tf.metrics`.

    python examples/lenet5.py --data_dir ~/mnist      # the IDX files (.gz or not)
    python examples/lenet5.py                         # scikit-learn's 8x8 digits

The network takes 28x28 images. Without `--data_dir` it trains on scikit-learn's 8x8
digits, each upscaled 3x (every pixel repeated in a 3x3 block) to 24x24 and padded with a
2-pixel border of zeros to 28x28, the way MNIST centers its 20x20 digits in 28x28. It
prints the loss and test accuracy after each epoch, then the final test accuracy. Runs
unchanged with `import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()`."""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_data  # noqa: E402

import flowgraph as tf  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data_dir", default=None,
                   help="directory with the MNIST IDX files (default: sklearn digits)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--learning_rate", type=float, default=0.001)
    p.add_argument("--max_steps", type=int, default=0,
                   help="stop after this many training steps in all (0: no limit)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def to_28x28(images):
    """8x8 digits -> 28x28: each pixel repeated 3x3 (24x24), then a 2-pixel zero border."""
    if images.shape[1:] == (28, 28):
        return images
    if images.shape[1:] != (8, 8):
        raise ValueError(f"expected 28x28 or 8x8 images, got {images.shape[1:]}")
    big = images.repeat(3, axis=1).repeat(3, axis=2)
    return np.pad(big, [(0, 0), (2, 2), (2, 2)])


def lenet5(images, n_classes=10):
    """Logits of LeNet-5 for [batch, 28, 28, 1] images."""
    h = tf.layers.conv2d(images, 6, 5, padding="same", activation=tf.nn.relu)   # 28x28x6
    h = tf.layers.max_pooling2d(h, 2, 2)                                         # 14x14x6
    h = tf.layers.conv2d(h, 16, 5, padding="valid", activation=tf.nn.relu)      # 10x10x16
    h = tf.layers.max_pooling2d(h, 2, 2)                                         # 5x5x16
    h = tf.layers.flatten(h)                                                     # 400
    h = tf.layers.dense(h, 120, activation=tf.nn.relu)
    h = tf.layers.dense(h, 84, activation=tf.nn.relu)
    return tf.layers.dense(h, n_classes)


def build(learning_rate):
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    logits = lenet5(x)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    accuracy, update_accuracy = tf.metrics.accuracy(y, tf.argmax(logits, 1),
                                                    name="test_accuracy")
    reset_accuracy = tf.variables_initializer(
        tf.get_collection(tf.GraphKeys.LOCAL_VARIABLES, scope="test_accuracy"))
    return dict(x=x, y=y, loss=loss, train_op=train_op, accuracy=accuracy,
                update_accuracy=update_accuracy, reset_accuracy=reset_accuracy)


def evaluate(sess, m, images, labels, batch_size=500):
    """Test accuracy, streamed over batches with tf.metrics.accuracy."""
    sess.run(m["reset_accuracy"])
    for i in range(0, len(labels), batch_size):
        sess.run(m["update_accuracy"], {m["x"]: images[i:i + batch_size],
                                        m["y"]: labels[i:i + batch_size]})
    return sess.run(m["accuracy"])


def main(argv=None):
    args = parse_args(argv)
    name, x_train, y_train, x_test, y_test = mnist_data.load(args.data_dir)
    x_train = to_28x28(x_train)[..., None]
    x_test = to_28x28(x_test)[..., None]
    print(f"data: {name}, {len(x_train)} training and {len(x_test)} test images as 28x28")
    tf.set_random_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    m = build(args.learning_rate)
    n_params = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
    print(f"model: LeNet-5, {n_params} parameters, Adam lr {args.learning_rate}, "
          f"batch {args.batch_size}")
    step = 0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(1, args.epochs + 1):
            start, losses = time.time(), []
            for idx in mnist_data.batches(len(x_train), args.batch_size, rng):
                _, loss = sess.run([m["train_op"], m["loss"]],
                                   {m["x"]: x_train[idx], m["y"]: y_train[idx]})
                losses.append(loss)
                step += 1
                if args.max_steps and step >= args.max_steps:
                    break
            acc = evaluate(sess, m, x_test, y_test)
            print(f"epoch {epoch:2d}/{args.epochs}: loss {np.mean(losses):.4f}, "
                  f"test accuracy {acc:.4f} ({time.time() - start:.1f} s)", flush=True)
            if args.max_steps and step >= args.max_steps:
                break
        acc = evaluate(sess, m, x_test, y_test)
    print(f"test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
