"""Readers (ReaderV2 ops) and a whole TF1 file pipeline: producer, reader, parser, batch."""
import gzip

import numpy as np
import pytest

import flowgraph as tf


def _reads(reader, files, n=None, steps=10):
    q = tf.FIFOQueue(10, [tf.string])
    op = reader.read(q) if n is None else reader.read_up_to(q, n)
    out = []
    with tf.Session() as sess:
        sess.run(q.enqueue_many([files]))
        sess.run(q.close())
        for _ in range(steps):
            try:
                k, v = sess.run(op)
            except tf.errors.OutOfRangeError:
                break
            out.append((k.tolist() if n else k, v.tolist() if n else v))
        counts = sess.run([reader.num_records_produced(), reader.num_work_units_completed()])
    return out, counts


def test_text_line_reader(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(b"head\nl1\r\nl2\n\nl4")
    out, counts = _reads(tf.TextLineReader(skip_header_lines=1), [str(p)])
    assert out == [(f"{p}:2".encode(), b"l1"), (f"{p}:3".encode(), b"l2"),
                   (f"{p}:4".encode(), b""), (f"{p}:5".encode(), b"l4")]
    assert counts == [4, 1]
    out, _ = _reads(tf.TextLineReader(), [str(p)] * 2, n=3)
    assert [len(k) for k, _ in out] == [3, 2, 3, 2]  # never across work units


def test_tfrecord_reader_plain_and_gzip(tmp_path):
    for opts in [None, tf.io.TFRecordOptions("GZIP")]:
        p = str(tmp_path / f"r{opts is None}")
        with tf.io.TFRecordWriter(p, opts) as w:
            w.write(b"r1")
            w.write(b"r22")
        out, counts = _reads(tf.TFRecordReader(options=opts), [p])
        assert out == [(f"{p}:0".encode(), b"r1"), (f"{p}:18".encode(), b"r22")]
        assert counts == [2, 1]


def test_whole_file_fixed_length_identity(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"HHabcdefgF")
    b.write_bytes(gzip.compress(b"Hxyz"))
    out, counts = _reads(tf.WholeFileReader(), [str(a), str(a)])
    assert out == [(str(a).encode(), b"HHabcdefgF")] * 2 and counts == [2, 2]
    out, _ = _reads(tf.FixedLengthRecordReader(3, header_bytes=2, footer_bytes=1), [str(a)])
    assert [v for _, v in out] == [b"abc", b"def"] and out[1][0] == f"{a}:1".encode()
    out, _ = _reads(tf.FixedLengthRecordReader(2, header_bytes=2, hop_bytes=3), [str(a)])
    assert [v for _, v in out] == [b"ab", b"de", b"gF"]
    out, _ = _reads(tf.FixedLengthRecordReader(3, header_bytes=1, encoding="GZIP"), [str(b)])
    assert [v for _, v in out] == [b"xyz"]
    out, counts = _reads(tf.IdentityReader(), ["w1", "w2"])
    assert out == [(b"w1", b"w1"), (b"w2", b"w2")] and counts == [2, 2]


def test_missing_file_and_reset(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        _reads(tf.TFRecordReader(), [str(tmp_path / "nope")])
    reader = tf.IdentityReader()
    q = tf.FIFOQueue(10, [tf.string])
    with tf.Session() as sess:
        sess.run(q.enqueue_many([["a", "b"]]))
        sess.run(reader.read(q))
        sess.run(reader.reset())
        assert sess.run(reader.num_records_produced()) == 0


def test_file_pipeline_end_to_end(tmp_path):
    files = []
    for f in range(3):
        p = str(tmp_path / f"data{f}.tfrecord")
        with tf.io.TFRecordWriter(p) as w:
            for i in range(5):
                ex = tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[f, i])),
                    "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[10 * f + i]))}))
                w.write(ex.SerializeToString())
        files.append(p)
    names = tf.train.string_input_producer(files, num_epochs=1, shuffle=False)
    _, value = tf.TFRecordReader().read(names)
    parsed = tf.parse_single_example(value, {"x": tf.FixedLenFeature([2], tf.float32),
                                             "y": tf.FixedLenFeature([], tf.int64)})
    xb, yb = tf.train.batch([parsed["x"], parsed["y"]], 4, allow_smaller_final_batch=True)
    ys = []
    with tf.train.MonitoredTrainingSession() as sess:
        while not sess.should_stop():
            x, y = sess.run([xb, yb])
            np.testing.assert_array_equal(x[:, 0] * 10 + x[:, 1], y)
            ys.extend(y.tolist())
    assert ys == [10 * f + i for f in range(3) for i in range(5)]
