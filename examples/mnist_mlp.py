"""A multilayer perceptron on MNIST: 784-512-10 (relu hidden layer, dropout 0.2), softmax
cross-entropy, RMSProp (learning rate 0.001), batches of 128, 20 epochs; the model of the
Keras/TF MNIST MLP tutorial, written with TF1's `tf.layers`, `tf.losses` and `tf.metrics`.

    python examples/mnist_mlp.py --data_dir ~/mnist      # the IDX files (.gz or not)
    python examples/mnist_mlp.py                         # scikit-learn's 8x8 digits

Without `--data_dir` it trains on scikit-learn's digits (64 inputs instead of 784; 1438
training images, so batches of 32 by default: TF1's RMSProp starts its mean square at 1
and needs a few hundred steps to speed up). It prints the loss and test accuracy after
each epoch, then the final test accuracy. Runs
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
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch_size", type=int, default=None,
                   help="default: 128 for MNIST, 32 for the digits")
    p.add_argument("--learning_rate", type=float, default=0.001)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--max_steps", type=int, default=0,
                   help="stop after this many training steps in all (0: no limit)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def build(n_inputs, n_classes, hidden, dropout, learning_rate):
    """The graph: placeholders, model, loss, train op and a streaming accuracy."""
    x = tf.placeholder(tf.float32, [None, n_inputs], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    training = tf.placeholder_with_default(False, [], name="training")
    h = tf.layers.dense(x, hidden, activation=tf.nn.relu)
    h = tf.layers.dropout(h, rate=dropout, training=training)
    logits = tf.layers.dense(h, n_classes)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    train_op = tf.train.RMSPropOptimizer(learning_rate).minimize(loss)
    accuracy, update_accuracy = tf.metrics.accuracy(y, tf.argmax(logits, 1),
                                                    name="test_accuracy")
    reset_accuracy = tf.variables_initializer(
        tf.get_collection(tf.GraphKeys.LOCAL_VARIABLES, scope="test_accuracy"))
    return dict(x=x, y=y, training=training, loss=loss, train_op=train_op,
                accuracy=accuracy, update_accuracy=update_accuracy,
                reset_accuracy=reset_accuracy)


def evaluate(sess, m, images, labels, batch_size=1000):
    """Test accuracy, streamed over batches with tf.metrics.accuracy."""
    sess.run(m["reset_accuracy"])
    for i in range(0, len(labels), batch_size):
        sess.run(m["update_accuracy"], {m["x"]: images[i:i + batch_size],
                                        m["y"]: labels[i:i + batch_size]})
    return sess.run(m["accuracy"])


def main(argv=None):
    args = parse_args(argv)
    name, x_train, y_train, x_test, y_test = mnist_data.load(args.data_dir)
    x_train = x_train.reshape(len(x_train), -1)
    x_test = x_test.reshape(len(x_test), -1)
    n_inputs, n_classes = x_train.shape[1], 10
    if args.batch_size is None:
        args.batch_size = 128 if args.data_dir else 32
    print(f"data: {name}, {len(x_train)} training and {len(x_test)} test images of "
          f"{n_inputs} pixels")
    tf.set_random_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    m = build(n_inputs, n_classes, args.hidden, args.dropout, args.learning_rate)
    print(f"model: {n_inputs}-{args.hidden}-{n_classes} MLP, dropout {args.dropout}, "
          f"RMSProp lr {args.learning_rate}, batch {args.batch_size}")
    step = 0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(1, args.epochs + 1):
            start, losses = time.time(), []
            for idx in mnist_data.batches(len(x_train), args.batch_size, rng):
                _, loss = sess.run([m["train_op"], m["loss"]],
                                   {m["x"]: x_train[idx], m["y"]: y_train[idx],
                                    m["training"]: True})
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
