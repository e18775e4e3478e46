"""`tf.estimator.inputs.numpy_input_fn` and `pandas_input_fn`: input_fns over in-memory
arrays, batched in order (or shuffled) for `num_epochs` passes (None: forever). They read
through tf.data (TF fed queues from Python threads); batches and shapes are TF's: the
last batch of a finite input may be short, an endless one has a static batch size."""
import collections

import numpy as np

from flowgraph.data import dataset as dataset_lib
from flowgraph.data import iterator as iterator_lib

__all__ = ["numpy_input_fn", "pandas_input_fn"]

_TARGET_KEY = "__target_key__"


def _check_shuffle(shuffle):
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be provided and explicitly set as boolean (it is "
                         f"recommended to set it as True for training); got {shuffle}")


def _batches(columns, batch_size, num_epochs, shuffle, queue_capacity):
    """{name: batch tensor} read from `columns` ({name: ndarray}, equal lengths)."""
    ds = dataset_lib.Dataset.from_tensor_slices(dict(columns))
    if shuffle:
        ds = ds.shuffle(queue_capacity)
    ds = ds.repeat(num_epochs).batch(batch_size, drop_remainder=num_epochs is None)
    return iterator_lib.make_one_shot_iterator(ds).get_next()


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None,
                   queue_capacity=1000, num_threads=1):
    """An input_fn giving batches of `x` (a dict of arrays, or one array) and `y`."""
    _check_shuffle(shuffle)

    def input_fn():
        if isinstance(x, dict):
            if not x:
                raise ValueError("x cannot be an empty dict")
            data = collections.OrderedDict(sorted(x.items(), key=lambda t: t[0]))
        elif isinstance(x, np.ndarray):
            if x.size == 0:
                raise ValueError("x cannot be an empty array")
            data = collections.OrderedDict({"__direct_np_input__": x})
        else:
            raise TypeError(f"x must be a dict or array; got {type(x).__name__}")
        feature_keys = list(data)
        if y is None:
            target_keys = None
        elif isinstance(y, dict):
            if not y:
                raise ValueError("y cannot be empty dict, use None instead.")
            ys = collections.OrderedDict(sorted(y.items(), key=lambda t: t[0]))
            target_keys = list(ys)
            dup = set(feature_keys) & set(target_keys)
            if dup:
                raise ValueError(f"{len(dup)} duplicate keys are found in both x and y: "
                                 f"{dup}")
            data.update(ys)
        else:
            target_keys = _TARGET_KEY
            while target_keys in data:
                target_keys += "_n"
            data[target_keys] = y
        if len({np.shape(v)[0] for v in data.values()}) != 1:
            x_shapes = {k: data[k].shape for k in feature_keys}
            y_shapes = None if target_keys is None else (
                y.shape if isinstance(target_keys, str) else
                {k: data[k].shape for k in target_keys})
            raise ValueError(f"Length of tensors in x and y is mismatched. All elements in "
                             f"x and y must have the same length.\nShapes in x: "
                             f"{x_shapes}\nShapes in y: {y_shapes}\n")
        batch = _batches(data, batch_size, num_epochs, shuffle, queue_capacity)
        features = batch[feature_keys[0]] if isinstance(x, np.ndarray) else \
            {k: batch[k] for k in feature_keys}
        if target_keys is None:
            return features
        if isinstance(target_keys, str):
            return features, batch[target_keys]
        return features, {k: batch[k] for k in target_keys}

    return input_fn


def pandas_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None,
                    queue_capacity=1000, num_threads=1, target_column="target"):
    """An input_fn giving batches of DataFrame `x`'s columns and of `y` (a Series, or a
    DataFrame giving a dict of labels)."""
    try:
        import pandas as pd
    except ImportError:
        raise TypeError("pandas_input_fn should not be called without pandas installed")
    _check_shuffle(shuffle)
    if not isinstance(target_column, str):
        raise TypeError("target_column must be a string type")
    columns = collections.OrderedDict((c, x[c].values) for c in x.columns)
    targets = None
    if y is not None:
        if target_column in x:
            raise ValueError(f"Cannot use name {target_column} for target column: "
                             f"DataFrame already has a column with that name: {x.columns}")
        if not np.array_equal(x.index, y.index):
            raise ValueError(f"Index for x and y are mismatched.\nIndex for x: {x.index}\n"
                             f"Index for y: {y.index}\n")
        if isinstance(y, pd.DataFrame):
            targets = {c: y[c].values for c in y.columns}
        else:
            targets = y.values
    features_fn = numpy_input_fn(columns, targets, batch_size=batch_size,
                                 num_epochs=num_epochs, shuffle=shuffle,
                                 queue_capacity=queue_capacity)
    return features_fn
