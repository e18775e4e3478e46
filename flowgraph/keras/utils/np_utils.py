"""Keras numpy helpers: `to_categorical` and `normalize`."""

import numpy as np

__all__ = ["to_categorical", "normalize"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encodes integer class labels; the class axis goes last.

    A trailing axis of size 1 (labels shaped `(n, 1)`) is dropped first.
    `num_classes` defaults to `max(y) + 1`.
    """
    labels = np.array(y, dtype="int")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.ravel()
    if not num_classes:
        num_classes = int(np.max(flat)) + 1
    out = np.zeros((flat.size, num_classes), dtype=dtype)
    out[np.arange(flat.size), flat] = 1
    return out.reshape(tuple(shape) + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Returns `x` divided by its `order`-norm along `axis` (zero norms left as 1)."""
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
