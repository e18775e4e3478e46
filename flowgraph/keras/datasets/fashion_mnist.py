"""Fashion-MNIST: `load_data()` -> `(x_train, y_train), (x_test, y_test)`, 28x28 uint8."""

import gzip
import os

import numpy as np

from flowgraph.keras.datasets import _files

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data(cache_dir=None):
    """Zalando's 10 clothing classes, from the four gzipped IDX files Keras downloads
    into `~/.keras/datasets/fashion-mnist`."""
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [_files.fetch(name, _files.ORIGIN_FOLDER + name, None, cache_dir, subdir)
             for name in FILES]
    y_train = _read_idx(paths[0], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(paths[2], 8)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
