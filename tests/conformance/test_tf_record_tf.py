"""TFRecord files are interchangeable with real TF: the same bytes for the same records
(compressed too), and each side reads the other's files."""
import numpy as np
import pytest

import flowgraph as tf

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1

_RNG = np.random.RandomState(0)
RECORDS = [b"", b"hello", _RNG.bytes(300000),
           bytes(_RNG.randint(0, 4, size=400000).astype(np.uint8)), b"x" * 10]

CASES = [("", {}), ("GZIP", {}), ("ZLIB", {}), ("GZIP", {"compression_level": 9}),
         ("ZLIB", {"compression_level": 1, "mem_level": 5}),
         ("GZIP", {"compression_strategy": 1, "flush_mode": 2}),
         ("ZLIB", {"flush_mode": 3, "input_buffer_size": 1000}),
         ("GZIP", {"input_buffer_size": 100})]


def _write(writer, options, path, flush_every=0):
    w = writer(str(path), options)
    for i, r in enumerate(RECORDS):
        w.write(r)
        if flush_every and i % flush_every == 0:
            w.flush()
    w.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind,extra", CASES)
@pytest.mark.parametrize("flush_every", [0, 2])
def test_same_bytes_and_read_both_ways(tmp_path, kind, extra, flush_every):
    ours = _write(tf.io.TFRecordWriter, tf.io.TFRecordOptions(kind, **extra),
                  tmp_path / "ours", flush_every)
    theirs = _write(tfv1.io.TFRecordWriter, tfv1.io.TFRecordOptions(kind, **extra),
                    tmp_path / "theirs", flush_every)
    assert ours == theirs
    assert list(tfv1.io.tf_record_iterator(str(tmp_path / "ours"),
                                           tfv1.io.TFRecordOptions(kind))) == RECORDS
    assert list(tf.io.tf_record_iterator(str(tmp_path / "theirs"),
                                         tf.io.TFRecordOptions(kind))) == RECORDS


def test_error_classes_match(tmp_path):
    good = tmp_path / "good"
    _write(tf.io.TFRecordWriter, None, good)
    data = good.read_bytes()
    cases = {"missing": None, "dir": None, "crc": bytearray(data), "cut": data[:-3]}
    cases["crc"][14] ^= 1
    for name, content in cases.items():
        path = tmp_path if name == "dir" else tmp_path / name
        if content is not None:
            path.write_bytes(bytes(content))
        with pytest.raises(Exception) as theirs:
            list(tfv1.io.tf_record_iterator(str(path)))
        with pytest.raises(tf.errors.OpError) as ours:
            list(tf.io.tf_record_iterator(str(path)))
        assert type(ours.value).__name__ == type(theirs.value).__name__, name
        assert ours.value.error_code == theirs.value.error_code
