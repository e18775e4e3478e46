"""`tf.keras.preprocessing.sequence`: pad_sequences, TimeseriesGenerator,
make_sampling_table."""

import json

import numpy as np

from flowgraph.keras.utils import data_utils

__all__ = ["pad_sequences", "TimeseriesGenerator", "make_sampling_table"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) each sequence to `maxlen` (default: the longest) and stacks
    them into one array `(len(sequences), maxlen) + item_shape` filled with `value`.

    `padding` / `truncating` ('pre' or 'post') say on which side values are added or cut.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, item_shape = [], None
    for s in sequences:
        try:
            n = len(s)
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             "%s" % (s,)) from e
        lengths.append(n)
        if item_shape is None and n:
            item_shape = np.asarray(s).shape[1:]
    item_shape = item_shape if item_shape is not None else ()
    if maxlen is None:
        maxlen = np.max(lengths)
    if isinstance(value, str) and dtype != object and not np.issubdtype(dtype, np.str_):
        raise ValueError("`dtype` %s is not compatible with `value`'s type: %s\nYou should "
                         "set `dtype=object` for variable length strings."
                         % (dtype, type(value)))
    out = np.full((len(lengths), maxlen) + tuple(item_shape), value, dtype=dtype)
    for row, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating not in ("pre", "post"):
            raise ValueError('Truncating type "%s" not understood' % truncating)
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError("Shape of sample %s of sequence at position %s is different "
                             "from expected shape %s" % (kept.shape[1:], row, item_shape))
        if padding == "post":
            out[row, :len(kept)] = kept
        elif padding == "pre":
            out[row, -len(kept):] = kept
        else:
            raise ValueError('Padding type "%s" not understood' % padding)
    return out


class TimeseriesGenerator(data_utils.Sequence):
    """Batches of windows over a time series: sample `k` of a batch is
    `data[row - length:row:sampling_rate]` with target `targets[row]`, rows `stride`
    apart from `start_index + length` to `end_index` (inclusive)."""

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError("Data and targets have to be of same length. Data length is "
                             "%d while target length is %d" % (len(data), len(targets)))
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                "`start_index+length=%i > end_index=%i` is disallowed, as no part of the "
                "sequence would be left to be used as current step."
                % (self.start_index, self.end_index))

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            last = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, last, self.stride)
        samples = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        if self.reverse:
            samples = samples[:, ::-1, ...]
        return samples, targets

    def get_config(self):
        """The constructor arguments, `data` and `targets` as JSON strings."""
        def as_json(what, value):
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError as e:
                raise TypeError("%s not JSON Serializable:" % what, value) from e
        return {"data": as_json("Data", self.data),
                "targets": as_json("Targets", self.targets),
                "length": self.length, "sampling_rate": self.sampling_rate,
                "stride": self.stride, "start_index": self.start_index,
                "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def make_sampling_table(size, sampling_factor=1e-5):
    """Word-rank sampling probabilities for `skipgrams`, from Zipf's law:
    `min(1, sqrt(sampling_factor * inv_freq))` with the harmonic-number estimate."""
    rank = np.arange(size)
    rank[0] = 1
    inv_freq = rank * (np.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_freq
    return np.minimum(1.0, f / np.sqrt(f))
