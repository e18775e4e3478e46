"""IMDB reviews as word-index sequences: `load_data()` and `get_word_index()`."""

import json

import numpy as np

from flowgraph.keras.datasets import _files

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def _drop_long(maxlen, seqs, labels):
    kept = [(s, l) for s, l in zip(seqs, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [l for _, l in kept]


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """25,000 train and 25,000 test reviews (lists of word ranks shifted by
    `index_from`, each starting with `start_char`) and 0/1 sentiment labels, shuffled
    with `seed`. Words outside `[skip_top, num_words)` become `oov_char` (or are dropped
    when it is None); with `maxlen`, longer reviews are left out."""
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError("Unrecognized keyword arguments: %s." % (kwargs,))
    path = _files.fetch(path, _files.ORIGIN_FOLDER + "imdb.npz", FILE_HASH, cache_dir)
    f = _files.load_npz(path)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = x_train[order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = x_test[order], labels_test[order]

    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train = [list(x) for x in x_train]
        x_test = [list(x) for x in x_test]
    if maxlen:
        x_train, labels_train = _drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = _drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError("After filtering for sequences shorter than maxlen=%s, no "
                             "sequence was kept. Increase maxlen." % maxlen)
    seqs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in seqs)
    if oov_char is not None:
        seqs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in seqs]
    else:
        seqs = [[w for w in x if skip_top <= w < num_words] for x in seqs]
    n = len(x_train)

    def as_objects(rows):
        out = np.empty(len(rows), dtype="object")
        out[:] = rows
        return out

    return ((as_objects(seqs[:n]), labels[:n]), (as_objects(seqs[n:]), labels[n:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> rank dictionary of `imdb_word_index.json`."""
    path = _files.fetch(path, _files.ORIGIN_FOLDER + "imdb_word_index.json",
                        WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
