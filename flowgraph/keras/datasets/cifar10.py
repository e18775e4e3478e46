"""CIFAR-10: `load_data()` -> `(x_train, y_train), (x_test, y_test)`, 32x32x3 uint8."""

import os

import numpy as np

from flowgraph.keras import backend
from flowgraph.keras.datasets import _files

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
DIRNAME = "cifar-10-batches-py"


def load_batch(fpath, label_key="labels"):
    """One CIFAR pickle batch as `(data (n, 3, 32, 32) uint8, labels)`; the pickle is read
    with a restricted unpickler (numpy arrays and plain data only)."""
    with open(fpath, "rb") as f:
        d = _files.safe_pickle_load(f, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"])
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def load_data(cache_dir=None):
    """50,000 train and 10,000 test images of 10 classes, labels shaped `(n, 1)`, from
    Keras's `cifar-10-python.tar.gz` (unpacked in `~/.keras/datasets`); channels last
    unless `backend.image_data_format()` says 'channels_first'."""
    path = _files.fetch(DIRNAME, ORIGIN, FILE_HASH, cache_dir, untar=True)
    xs, ys = [], []
    for i in range(1, 6):
        x, y = load_batch(os.path.join(path, "data_batch_%d" % i))
        xs.append(x)
        ys.append(np.asarray(y, dtype="uint8"))
    x_train, y_train = np.concatenate(xs).astype("uint8"), np.concatenate(ys)
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    x_test = np.asarray(x_test).astype("uint8")
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.asarray(y_test, dtype="uint8").reshape(len(y_test), 1)
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
