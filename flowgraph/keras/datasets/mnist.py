"""MNIST handwritten digits: `load_data()` -> `(x_train, y_train), (x_test, y_test)`."""

from flowgraph.keras.datasets import _files

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz", cache_dir=None):
    """60,000 train and 10,000 test 28x28 uint8 images with uint8 labels, from Keras's
    `mnist.npz` (downloaded into `~/.keras/datasets` unless already there)."""
    path = _files.fetch(path, _files.ORIGIN_FOLDER + "mnist.npz", FILE_HASH, cache_dir)
    f = _files.load_npz(path)
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
