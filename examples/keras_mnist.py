"""The two tutorials' Keras programs on MNIST, run by flowgraph.keras.

    python examples/keras_mnist.py --data_dir DIR   # DIR/mnist.npz, as keras.datasets has it
    python examples/keras_mnist.py                  # offline: scikit-learn's 8x8 digits

Both programs are the tutorials' code unchanged but for the import lines (with
`tensorflow.keras` instead they run in TensorFlow): a Sequential MLP built with `.add` and
`input_shape`, trained with `categorical_crossentropy` on one-hot labels, and its twin built
from a list without `input_shape`, trained with `sparse_categorical_crossentropy`. On MNIST
both reach about 98% test accuracy after 5 epochs. The digits (upsampled to 28x28 so the
programs stay unchanged) are a small offline stand-in: expect about 95%."""
import argparse
import os

import numpy as np

from flowgraph.keras import models, layers
from flowgraph.keras.utils import to_categorical
from flowgraph import keras


def load_data(data_dir=None):
    """((train_images, train_labels), (test_images, test_labels)): uint8 28x28 images and
    int labels, from `data_dir/mnist.npz` or, without it, scikit-learn's digits."""
    if data_dir:
        with np.load(os.path.join(data_dir, "mnist.npz")) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    from sklearn.datasets import load_digits
    d = load_digits()
    rows = np.arange(28) * 8 // 28  # nearest-neighbour upsampling 8x8 -> 28x28
    images = (d.images[:, rows][:, :, rows] * (255.0 / 16.0)).astype(np.uint8)
    order = np.random.RandomState(0).permutation(len(images))
    n_test = len(images) // 5
    test, train = order[:n_test], order[n_test:]
    return (images[train], d.target[train]), (images[test], d.target[test])


def program_1(train_images, train_labels, test_images, test_labels, epochs):
    """The first tutorial: `.add` with `input_shape`, one-hot labels."""
    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))
    network.compile(optimizer='rmsprop', loss='categorical_crossentropy',
                    metrics=['accuracy'])
    network.fit(train_images, to_categorical(train_labels), epochs=epochs, batch_size=128)
    test_loss, test_acc = network.evaluate(test_images, to_categorical(test_labels))
    return test_loss, test_acc


def program_2(train_images, train_labels, test_images, test_labels, epochs):
    """Its twin: a list of layers without `input_shape`, integer labels."""
    model = keras.Sequential([
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=128)
    predictions = model.predict(test_images[:10])
    print("predicted digits:", predictions.argmax(axis=1), "true:", test_labels[:10])
    test_loss, test_acc = model.evaluate(test_images, test_labels)
    return test_loss, test_acc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data_dir", default=None, help="folder holding mnist.npz")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    np.random.seed(args.seed)
    (train_images, train_labels), (test_images, test_labels) = load_data(args.data_dir)
    n_train, n_test = len(train_images), len(test_images)
    train_images = train_images.reshape((n_train, 28 * 28)).astype('float32') / 255
    test_images = test_images.reshape((n_test, 28 * 28)).astype('float32') / 255
    print(f"data: {'MNIST' if args.data_dir else 'digits'}, {n_train} train / {n_test} test")
    for i, program in enumerate((program_1, program_2), 1):
        keras.backend.clear_session()
        test_loss, test_acc = program(train_images, train_labels, test_images, test_labels,
                                      args.epochs)
        print(f"program {i}: test_loss={test_loss:.4f} test_acc={test_acc:.4f}")


if __name__ == "__main__":
    main()
