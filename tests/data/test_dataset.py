"""Dataset behaviour checked against hand-computed values: readers (text, TFRecord,
fixed-length, compressed), caching to a file, shuffle seeds, prefetching, specs."""
import gzip
import threading
import zlib

import numpy as np
import pytest

import flowgraph as tf

D = tf.data.Dataset


def _all(ds):
    x = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    out = []
    with tf.Session() as s:
        while True:
            try:
                out.append(s.run(x))
            except tf.errors.OutOfRangeError:
                return out


def test_text_line_dataset_strips_line_endings(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"one\ntwo\r\n\nthree")
    b.write_bytes(b"four\n")
    ds = tf.data.TextLineDataset([str(a), str(b)])
    assert ds.output_types == tf.string and ds.output_shapes.as_list() == []
    assert _all(ds) == [b"one", b"two", b"", b"three", b"four"]


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_text_line_dataset_compressed(tmp_path, kind):
    p = tmp_path / "c.txt"
    data = b"x\ny\n"
    p.write_bytes(gzip.compress(data) if kind == "GZIP" else zlib.compress(data))
    assert _all(tf.data.TextLineDataset(str(p), compression_type=kind)) == [b"x", b"y"]


@pytest.mark.parametrize("kind", ["", "GZIP", "ZLIB"])
def test_tfrecord_dataset_reads_records(tmp_path, kind):
    p = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(p, tf.io.TFRecordOptions(kind)) as w:
        for r in (b"a", b"", b"ccc" * 1000):
            w.write(r)
    got = _all(tf.data.TFRecordDataset(p, compression_type=kind))
    assert got == [b"a", b"", b"ccc" * 1000]


def test_tfrecord_dataset_corrupted_is_data_loss(tmp_path):
    p = tmp_path / "bad.tfrecord"
    with tf.io.TFRecordWriter(str(p)) as w:
        w.write(b"hello")
    data = bytearray(p.read_bytes())
    data[14] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError):
        _all(tf.data.TFRecordDataset(str(p)))


def test_fixed_length_record_dataset(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"HH" + b"abcdef" + b"Z")
    ds = tf.data.FixedLengthRecordDataset(str(p), 3, header_bytes=2, footer_bytes=1)
    assert _all(ds) == [b"abc", b"def"]
    p.write_bytes(b"HH" + b"abcdefgh" + b"Z")
    with pytest.raises(tf.errors.InvalidArgumentError, match="not an exact multiple"):
        _all(ds)


def test_missing_file_is_not_found():
    with pytest.raises(tf.errors.NotFoundError):
        _all(tf.data.TextLineDataset("/nonexistent/x.txt"))


def test_cache_to_file_is_read_by_a_later_session(tmp_path):
    calls = []

    def count(v):
        calls.append(int(v))
        return v
    f = str(tmp_path / "cache")
    make = lambda: D.zip((D.range(3).map(  # noqa: E731
        lambda v: tf.py_func(count, [v], tf.int64)), D.from_tensor_slices(
        np.array([[b"a", b""], [b"bc", b"d"], [b"", b"efg"]], dtype=object)))).cache(f)
    first = _all(make())
    second = _all(make())
    assert calls == [0, 1, 2]  # the second pass read the file
    for (a, b), (c, d) in zip(first, second):
        assert a == c
        np.testing.assert_array_equal(b, d)


def test_memory_cache_replays_later_epochs():
    calls = []

    def count(v):
        calls.append(int(v))
        return v
    ds = D.range(3).map(lambda v: tf.py_func(count, [v], tf.int64)).cache().repeat(3)
    assert _all(ds) == [0, 1, 2] * 3
    assert calls == [0, 1, 2]


def test_shuffle_with_graph_seed_is_reproducible_and_reshuffles():
    def run():
        with tf.Graph().as_default():
            tf.set_random_seed(7)
            return _all(D.range(10).shuffle(10).repeat(2))
    a, b = run(), run()
    assert a == b
    assert sorted(a[:10]) == list(range(10)) and a[:10] != a[10:]


def test_shuffle_op_seed_reproducible_no_reshuffle():
    ds = D.range(10).shuffle(4, seed=5, reshuffle_each_iteration=False).repeat(2)
    a = _all(ds)
    assert a[:10] == a[10:] and a[:10] != list(range(10))
    assert ds._variant_tensor.op.inputs[0].op.type == "ShuffleDataset"


def test_shuffle_reinitialized_iterator_starts_its_orders_again():
    """As in TF: seeds start afresh with each initialization (epochs still differ)."""
    it = tf.compat.v1.data.make_initializable_iterator(D.range(20).shuffle(20, seed=1))
    x = it.get_next()
    with tf.Session() as s:
        s.run(it.initializer)
        a = [s.run(x) for _ in range(20)]
        s.run(it.initializer)
        b = [s.run(x) for _ in range(20)]
    assert sorted(a) == list(range(20)) and a == b


def test_prefetch_fills_its_buffer_on_a_background_thread():
    started = threading.Event()
    seen = []

    def note(v):
        seen.append(int(v))
        if len(seen) >= 3:
            started.set()
        return v
    ds = D.range(10).map(lambda v: tf.py_func(note, [v], tf.int64)).prefetch(3)
    x = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    with tf.Session() as s:
        assert s.run(x) == 0
        assert started.wait(10)  # produced ahead of the reader
        assert [s.run(x) for _ in range(9)] == list(range(1, 10))


def test_specs_and_classes():
    ds = D.range(5).window(2)
    assert isinstance(ds.element_spec, tf.data.DatasetSpec)
    assert ds.output_classes is tf.data.Dataset
    assert repr(D.range(3)).startswith("<_RangeDataset element_spec=TensorSpec(shape=()")
    with pytest.raises(RuntimeError):
        iter(D.range(3))
    opts = tf.data.Options()
    opts.experimental_deterministic = False
    assert D.range(3).with_options(opts).options().experimental_deterministic is False


def test_range_output_type_and_from_generator_errors():
    ds = D.range(3, output_type=tf.int32)
    assert ds.output_types == tf.int32 and _all(ds) == [0, 1, 2]
    with pytest.raises(TypeError):
        D.from_generator(lambda: iter([1]))
    with pytest.raises(TypeError):
        D.from_generator(lambda: iter([1]), tf.int64).flat_map(lambda x: x)


def test_dataset_ops_are_placed_on_the_host():
    x = tf.compat.v1.data.make_one_shot_iterator(D.range(3).batch(2)).get_next()
    assert x.op._op_def.device_kernels == ("CPU",)


def test_list_files_matches_and_shuffles(tmp_path):
    for n in ("b.txt", "a.txt", "c.txt", "d.csv"):
        (tmp_path / n).write_bytes(b"")
    pattern = str(tmp_path / "*.txt")
    got = _all(D.list_files(pattern, shuffle=False))
    assert got == [str(tmp_path / n).encode() for n in ("a.txt", "b.txt", "c.txt")]
    assert sorted(_all(D.list_files(pattern, seed=3))) == got
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        _all(D.list_files(str(tmp_path / "*.none")))


def test_padded_batch_of_sparse_components_is_refused_clearly():
    ds = D.range(3).map(lambda x: tf.SparseTensor([[0]], [x], [1]))
    assert ds.output_classes is tf.SparseTensor
    with pytest.raises(NotImplementedError, match="SparseTensor"):
        ds.padded_batch(2)
    sp = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
    with tf.Session() as s:
        v = s.run(sp)
    assert v.indices.tolist() == [[0]] and v.values.tolist() == [0]
