"""Lookup tables (HashTableV2 and its import, text-file initializer, find and size ops)
against numpy-free hand values and TF 2.21's `tf.compat.v1.lookup` where importable."""
import numpy as np
import pytest

import flowgraph as fg

_HERE = "tests/ops/test_lookup_ops.py"
EXEMPT = {op: _HERE for op in ("HashTableV2", "LookupTableImportV2", "LookupTableFindV2",
                               "LookupTableSizeV2", "InitializeTableFromTextFileV2",
                               "MutableHashTableV2", "MutableHashTableOfTensorsV2",
                               "LookupTableInsertV2", "LookupTableRemoveV2",
                               "LookupTableExportV2")}


def _vocab_file(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("apple\t5\t0.5\nbanana\t7\t1.5\ncherry\t-2\t2.5\n")
    return str(p)


def _programs(tf, path):
    lk = tf.lookup
    kv = lk.StaticHashTable(lk.KeyValueTensorInitializer(
        tf.constant(["a", "b", "c"]), tf.constant([3, 1, 4], tf.int64)), -1)
    ints = lk.StaticHashTable(lk.KeyValueTensorInitializer(
        tf.constant([10, 20], tf.int64), tf.constant(["x", "y"])), "?")
    lines = lk.StaticHashTable(lk.TextFileInitializer(
        path, tf.string, lk.TextFileIndex.WHOLE_LINE, tf.int64,
        lk.TextFileIndex.LINE_NUMBER), -7)
    cols = lk.StaticHashTable(lk.TextFileInitializer(
        path, tf.string, 0, tf.int64, 1, delimiter="\t"), 0)
    by_num = lk.StaticHashTable(lk.TextFileInitializer(
        path, tf.int64, 1, tf.float32, 2, vocab_size=2), -1.0)
    vocab = lk.StaticVocabularyTable(lk.TextFileInitializer(
        path, tf.string, 0, tf.int64, lk.TextFileIndex.LINE_NUMBER), 3)
    keys = tf.constant([["b", "z"], ["a", "c"]])
    words = tf.constant(["banana", "kiwi", "apple", "fig", "cherry"])
    sp = tf.SparseTensor([[0, 1], [2, 0]], tf.constant(["c", "q"]), [3, 2])
    out = [kv.lookup(keys), kv.size(), ints.lookup(tf.constant([20, 30, 10], tf.int64)),
           lines.lookup(tf.constant(["cherry\t-2\t2.5", "apple"])), cols.lookup(words),
           by_num.lookup(tf.constant([7, -2, 5], tf.int64)), vocab.lookup(words),
           vocab.size(), kv.lookup(sp).values]
    return out


def test_against_tf(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    path = _vocab_file(tmp_path)
    results = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            out = _programs(tf, path)
            with tf.Session() as s:
                s.run(tf.tables_initializer())
                results.append(s.run(out))
    for want, got in zip(*results):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        assert np.asarray(got).dtype == np.asarray(want).dtype


def test_hand_values_and_op_types(tmp_path):
    with fg.Graph().as_default() as g:
        t = fg.lookup.StaticHashTable(fg.lookup.KeyValueTensorInitializer(
            ["a", "b"], np.array([7, 8], np.int64)), -1)
        y = t.lookup(fg.constant(["b", "x", "a"]))
        assert y.op.type == "LookupTableFindV2" and y.dtype == fg.int64
        assert t.resource_handle.op.type == "HashTableV2"
        assert g.get_collection(fg.GraphKeys.TABLE_INITIALIZERS)[0].type == \
            "LookupTableImportV2"
        with fg.Session() as s:
            with pytest.raises(fg.errors.FailedPreconditionError,
                               match="Table not initialized"):
                s.run(y)
            assert s.run(t.size()) == 0
            s.run(fg.tables_initializer())
            s.run(fg.tables_initializer())  # the same entries again: fine, as TF
            np.testing.assert_array_equal(s.run(y), [8, -1, 7])
        with fg.Session() as s:  # each session has its own table
            with pytest.raises(fg.errors.FailedPreconditionError):
                s.run(y)


def test_text_file_errors(tmp_path):
    path = _vocab_file(tmp_path)
    with fg.Graph().as_default():
        short = fg.lookup.StaticHashTable(fg.lookup.TextFileInitializer(
            path, fg.string, -2, fg.int64, -1, vocab_size=5), -1)
        bad_col = fg.lookup.StaticHashTable(fg.lookup.TextFileInitializer(
            path, fg.string, 4, fg.int64, -1), -1)
        with fg.Session() as s:
            with pytest.raises(fg.errors.InvalidArgumentError, match="Invalid vocab_size"):
                s.run(short.initializer)
            with pytest.raises(fg.errors.InvalidArgumentError,
                               match="Invalid number of columns"):
                s.run(bad_col.initializer)
        missing = fg.lookup.StaticHashTable(fg.lookup.TextFileInitializer(
            str(tmp_path / "none.txt"), fg.string, -2, fg.int64, -1), -1)
        with fg.Session() as s, pytest.raises(fg.errors.NotFoundError):
            s.run(missing.initializer)
    with pytest.raises(ValueError, match="key_dtype"):
        fg.lookup.TextFileInitializer(path, fg.string, -1, fg.int64, -2)
    with pytest.raises(TypeError, match="Dtype of argument `keys`"):
        with fg.Graph().as_default():
            t = fg.lookup.StaticHashTable(fg.lookup.KeyValueTensorInitializer(
                ["a"], np.array([1], np.int64)), -1)
            t.lookup(fg.constant([1]))


def _mutable_steps(tf):
    """Steps run in order in one session: each a list of fetches (None: run only)."""
    mt = tf.lookup.experimental.MutableHashTable
    t = mt(tf.string, tf.int64, -1)
    v = mt(tf.int64, tf.float32, [0.0, -1.0], name="vec")
    keys = tf.constant(["a", "b", "c"])
    find = t.lookup(tf.constant([["a", "q"], ["c", "b"]]))
    vfind = v.lookup(tf.constant([5, 6, 7], tf.int64))
    return [[find, t.size(), vfind],
            [t.insert(keys, tf.constant([1, 2, 3], tf.int64)),
             v.insert(tf.constant([5, 7], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))],
            [find, t.size(), vfind, t.lookup(tf.constant(["q", "a"]),
                                             dynamic_default_values=tf.constant([8, 9],
                                                                                tf.int64))],
            [t.insert(tf.constant(["a"]), tf.constant([10], tf.int64)),
             t.remove(tf.constant(["b", "zz"]))],
            [find, t.size(), t.export()[0], t.export()[1]]]


def test_mutable_hash_table_against_tf():
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    results = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            steps = _mutable_steps(tf)
            assert steps[0][2].shape.as_list() == [3, 2]
            with tf.Session() as s:
                results.append([s.run(step) for step in steps])
    want, got = results
    exported = [dict(zip(r[-1][2].tolist(), r[-1][3].tolist())) for r in results]
    assert exported[1] == exported[0] == {b"a": 10, b"c": 3}  # export: in any order
    want[-1], got[-1] = want[-1][:2], got[-1][:2]
    for w_step, g_step in zip(want, got):
        for w, g in zip(w_step, g_step):
            if w is not None:
                np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
