"""Boston housing prices: `load_data()` -> `(x_train, y_train), (x_test, y_test)`."""

import numpy as np

from flowgraph.keras.datasets import _files

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """13 features per house and the median price, shuffled with `seed`; the last
    `test_split` of the rows are the test set."""
    if not 0 <= test_split < 1:
        raise AssertionError("test_split must be in [0, 1)")
    path = _files.fetch(path, _files.ORIGIN_FOLDER + "boston_housing.npz", FILE_HASH,
                        cache_dir)
    f = _files.load_npz(path)
    x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
