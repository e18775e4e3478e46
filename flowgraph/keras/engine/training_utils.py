"""Checking and shaping user data for `fit`/`evaluate`/`predict` (Keras's v1 rules) and the
aggregation of per-batch results into per-epoch ones."""
import numpy as np

__all__ = ["standardize_input_data", "standardize_weights", "check_array_lengths",
           "make_batches", "slice_arrays", "MetricsAggregator", "OutputsAggregator",
           "batch_shuffle"]


def _as_array(x):
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return x  # array-likes (h5py datasets) are sliced lazily
    return np.asarray(x)


def standardize_input_data(data, names, shapes=None, check_batch_axis=True,
                           exception_prefix=""):
    """`data` (an array, a list, or a dict by name) as a list of arrays, one per name,
    each checked against `shapes` (1-D arrays become (N, 1))."""
    if not names:
        if data is not None and hasattr(data, "__len__") and len(data):
            raise ValueError(f"Error when checking model {exception_prefix}: expected no "
                             f"data, but got: {data}")
        return []
    if data is None:
        return [None for _ in names]
    if isinstance(data, dict):
        try:
            data = [_as_array(data[n]) for n in names]
        except KeyError as e:
            raise ValueError(f'No data provided for "{e.args[0]}". Need data for each key '
                             f"in: {names}")
    elif isinstance(data, (list, tuple)):
        if len(data) and isinstance(data[0], (list, tuple)) and len(names) == 1:
            data = [np.asarray(data)]
        else:
            data = [_as_array(x) for x in data]
    else:
        data = [_as_array(data)]
    data = [np.expand_dims(x, 1) if isinstance(x, np.ndarray) and x.ndim == 1 else x
            for x in data]
    if len(data) != len(names):
        if data and hasattr(data[0], "shape"):
            raise ValueError(f"Error when checking model {exception_prefix}: the list of "
                             "Numpy arrays that you are passing to your model is not the "
                             f"size the model expected. Expected to see {len(names)} "
                             f"array(s), but instead got the following list of {len(data)} "
                             f"arrays: {str(data)[:200]}...")
        raise ValueError(f"Error when checking model {exception_prefix}: you are passing a "
                         f"list as input to your model, but the model expects a list of "
                         f"{len(names)} Numpy arrays instead.")
    if shapes:
        for i, name in enumerate(names):
            shape = shapes[i]
            if shape is None:
                continue
            got = data[i].shape
            if len(got) != len(shape):
                raise ValueError(f"Error when checking {exception_prefix}: expected {name} to "
                                 f"have {len(shape)} dimensions, but got array with shape "
                                 f"{got}")
            want = shape if check_batch_axis else shape[1:]
            have = got if check_batch_axis else got[1:]
            for dim, ref in zip(have, want):
                if ref is not None and dim != ref:
                    raise ValueError(f"Error when checking {exception_prefix}: expected "
                                     f"{name} to have shape {tuple(shape[1:])} but got array "
                                     f"with shape {tuple(got[1:])}")
    return data


def check_array_lengths(inputs, targets, weights=None):
    """Raises Keras's ValueError when the arrays do not hold the same number of samples."""
    def counts(arrays):
        return {int(x.shape[0]) for x in arrays if x is not None}
    xs, ys, ws = counts(inputs), counts(targets), counts(weights or [])
    if len(xs) > 1:
        raise ValueError("All input arrays (x) should have the same number of samples. Got "
                         f"array shapes: {[x.shape for x in inputs]}")
    if len(ys) > 1:
        raise ValueError("All target arrays (y) should have the same number of samples. "
                         f"Got array shapes: {[y.shape for y in targets]}")
    if xs and ys and xs != ys:
        raise ValueError("Input arrays should have the same number of samples as target "
                         f"arrays. Found {list(xs)[0]} input samples and {list(ys)[0]} "
                         "target samples.")
    if ys and ws and ys != ws:
        raise ValueError("Sample_weight arrays should have the same number of samples as "
                         f"target arrays. Got {list(ys)[0]} input samples and "
                         f"{list(ws)[0]} target samples.")


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """Per-sample weights from `sample_weight` and/or `class_weight` (None if neither)."""
    if sample_weight_mode is not None and sample_weight_mode != "temporal":
        raise ValueError(f'"sample_weight_mode should be None or "temporal". Found: '
                         f"{sample_weight_mode}")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight_mode is None and sample_weight.ndim != 1:
            raise ValueError(f"Found a sample_weight array with shape {sample_weight.shape}."
                             " In order to use timestep-wise sample weights, you should "
                             "specify sample_weight_mode='temporal' in compile(). If you "
                             "just mean to use sample-wise weights, make sure your "
                             "sample_weight array is 1D.")
        if sample_weight.shape[0] != y.shape[0]:
            raise ValueError(f"Found a sample_weight array with shape {sample_weight.shape} "
                             f"for an input with shape {y.shape}. sample_weight cannot be "
                             "broadcast.")
    class_sample_weight = None
    if isinstance(class_weight, dict):
        if y.ndim > 2:
            raise ValueError("`class_weight` not supported for 3+ dimensional targets.")
        if y.ndim == 2 and y.shape[1] > 1:
            classes = np.argmax(y, axis=1)
        elif y.ndim == 2 and y.shape[1] == 1:
            classes = np.reshape(y, y.shape[0])
        else:
            classes = y
        classes = classes.astype(np.int64) if classes.dtype.kind == "f" else classes
        missing = sorted(set(np.unique(classes).tolist()) - set(class_weight))
        if missing:
            raise ValueError("`class_weight` must contain all classes in the data. The "
                             f"classes {set(missing)} exist in the data but not in "
                             "`class_weight`.")
        class_sample_weight = np.asarray([class_weight[c] for c in classes.tolist()],
                                         dtype=np.float32)
    if sample_weight is not None and class_sample_weight is not None:
        return (sample_weight * class_sample_weight).astype(np.float32)
    if sample_weight is not None:
        return sample_weight.astype(np.float32)
    return class_sample_weight


def make_batches(size, batch_size):
    """(start, end) of each batch."""
    n = int(np.ceil(size / float(batch_size)))
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(n)]


def slice_arrays(arrays, indices):
    """Each array (None stays None) at `indices`."""
    return [None if a is None else a[indices] for a in arrays]


def batch_shuffle(index_array, batch_size):
    """Shuffles whole batches (for HDF5 data read in order within a batch)."""
    batch_count = len(index_array) // batch_size
    last = index_array[batch_count * batch_size:]
    index_array = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
    np.random.shuffle(index_array)
    return np.append(index_array.flatten(), last)


class MetricsAggregator:
    """Epoch results: the loss averaged over samples (or steps), the stateful metrics
    (running values) as of the last batch."""

    def __init__(self, use_steps, num_samples=None, steps=None):
        self.use_steps, self.num_samples, self.steps = use_steps, num_samples, steps
        self.results = []
        self._loss_sum, self._count = 0.0, 0

    def aggregate(self, batch_outs, batch_start=None, batch_end=None):
        if self.use_steps:
            self._loss_sum += batch_outs[0]
            self._count += 1
        else:
            n = batch_end - batch_start
            self._loss_sum += batch_outs[0] * n
            self._count += n
        self.results = [None] + list(batch_outs[1:])

    def finalize(self):
        if not self.results:
            raise ValueError("Empty training data.")
        self.results[0] = self._loss_sum / (self.num_samples or self.steps or
                                            max(self._count, 1))


class OutputsAggregator:
    """Predictions of the batches, concatenated per output."""

    def __init__(self):
        self.parts = None

    def aggregate(self, batch_outs):
        if self.parts is None:
            self.parts = [[] for _ in batch_outs]
        for p, o in zip(self.parts, batch_outs):
            p.append(o)

    @property
    def results(self):
        if self.parts is None:
            return []
        return [np.concatenate(p) for p in self.parts]
