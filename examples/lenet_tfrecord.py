"""LeNet-5 trained from TFRecord files through tf.data: the images are first written as
`tf.train.Example`s (28x28 uint8 bytes and an int64 label) to train and test TFRecord
files; a `TFRecordDataset` pipeline then parses, shuffles, batches and prefetches them,
and one reinitializable iterator feeds the network from the training or the test file.

    python examples/lenet_tfrecord.py --data_dir ~/mnist      # the MNIST IDX files
    python examples/lenet_tfrecord.py                         # scikit-learn's 8x8 digits

It prints the loss and test accuracy after each epoch, then the final test accuracy.
Runs unchanged with `import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()`."""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_data  # noqa: E402
from lenet5 import to_28x28  # noqa: E402  (numpy only)

import flowgraph as tf  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data_dir", default=None,
                   help="directory with the MNIST IDX files (default: sklearn digits)")
    p.add_argument("--work_dir", default=None,
                   help="where the TFRecord files are written (default: a temp dir)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--learning_rate", type=float, default=0.001)
    p.add_argument("--max_steps", type=int, default=0,
                   help="stop after this many training steps in all (0: no limit)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def lenet5(images, n_classes=10):
    """Logits of LeNet-5 for [batch, 28, 28, 1] images (as in examples/lenet5.py)."""
    h = tf.layers.conv2d(images, 6, 5, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 16, 5, padding="valid", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 120, activation=tf.nn.relu)
    h = tf.layers.dense(h, 84, activation=tf.nn.relu)
    return tf.layers.dense(h, n_classes)


def write_records(path, images, labels):
    """Writes one tf.train.Example per image: `image` (raw uint8 bytes), `label`."""
    with tf.python_io.TFRecordWriter(path) as w:
        for img, label in zip(images, labels):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "image": tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[np.round(img * 255).astype(np.uint8).tobytes()])),
                "label": tf.train.Feature(int64_list=tf.train.Int64List(
                    value=[int(label)]))}))
            w.write(ex.SerializeToString())


def parse(record):
    """A serialized Example -> ([28, 28, 1] float32 image in [0, 1], int64 label)."""
    f = tf.parse_single_example(record, {
        "image": tf.FixedLenFeature([], tf.string),
        "label": tf.FixedLenFeature([], tf.int64)})
    image = tf.reshape(tf.decode_raw(f["image"], tf.uint8), [28, 28, 1])
    return tf.cast(image, tf.float32) / 255.0, f["label"]


def datasets(train_file, test_file, batch_size, seed):
    train = tf.data.TFRecordDataset(train_file).map(parse, num_parallel_calls=2) \
        .shuffle(2000, seed=seed).batch(batch_size).prefetch(2)
    test = tf.data.TFRecordDataset(test_file).map(parse).batch(500)
    return train, test


def main(argv=None):
    args = parse_args(argv)
    name, x_train, y_train, x_test, y_test = mnist_data.load(args.data_dir)
    x_train, x_test = to_28x28(x_train), to_28x28(x_test)
    work = args.work_dir or tempfile.mkdtemp(prefix="lenet_tfrecord_")
    train_file = os.path.join(work, "train.tfrecord")
    test_file = os.path.join(work, "test.tfrecord")
    write_records(train_file, x_train, y_train)
    write_records(test_file, x_test, y_test)
    print(f"data: {name}, {len(x_train)} training and {len(x_test)} test Examples in "
          "TFRecord files")
    tf.set_random_seed(args.seed)
    train, test = datasets(train_file, test_file, args.batch_size, args.seed)
    it = tf.data.Iterator.from_structure(tf.data.get_output_types(train),
                                         tf.data.get_output_shapes(train))
    images, labels = it.get_next()
    init_train, init_test = it.make_initializer(train), it.make_initializer(test)
    logits = lenet5(images)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.train.AdamOptimizer(args.learning_rate).minimize(loss)
    accuracy, update = tf.metrics.accuracy(labels, tf.argmax(logits, 1),
                                           name="test_accuracy")
    reset = tf.variables_initializer(
        tf.get_collection(tf.GraphKeys.LOCAL_VARIABLES, scope="test_accuracy"))

    def evaluate(sess):
        sess.run([init_test, reset])
        while True:
            try:
                sess.run(update)
            except tf.errors.OutOfRangeError:
                return sess.run(accuracy)

    step = 0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(1, args.epochs + 1):
            start, losses = time.time(), []
            sess.run(init_train)
            while not (args.max_steps and step >= args.max_steps):
                try:
                    _, value = sess.run([train_op, loss])
                except tf.errors.OutOfRangeError:  # the end of this epoch's data
                    break
                losses.append(value)
                step += 1
            acc = evaluate(sess)
            print(f"epoch {epoch:2d}/{args.epochs}: loss {np.mean(losses):.4f}, "
                  f"test accuracy {acc:.4f} ({time.time() - start:.1f} s)", flush=True)
            if args.max_steps and step >= args.max_steps:
                break
        acc = evaluate(sess)
    print(f"test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
