"""TFRecord files: framing (hand-computed), compression round trips, hardened reading."""
import gzip
import os
import struct
import zlib

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import crc32c

RECORDS = [b"", b"hello", bytes(range(256)) * 50, "unicode é"]


def _expected_bytes(records):
    out = b""
    for r in records:
        r = r.encode() if isinstance(r, str) else r
        n = struct.pack("<Q", len(r))
        out += n + struct.pack("<I", crc32c.mask(crc32c.value(n))) + r
        out += struct.pack("<I", crc32c.mask(crc32c.value(r)))
    return out


def _write(path, records, options=None):
    with tf.io.TFRecordWriter(str(path), options) as w:
        for r in records:
            w.write(r)


def test_framing_is_length_crc_data_crc(tmp_path):
    _write(tmp_path / "a", RECORDS)
    assert (tmp_path / "a").read_bytes() == _expected_bytes(RECORDS)
    assert crc32c.value(b"123456789") == 0xE3069283  # the CRC-32C check value


def test_round_trip_all_compressions(tmp_path):
    want = [r.encode() if isinstance(r, str) else r for r in RECORDS]
    for kind in ["", "GZIP", "ZLIB", tf.io.TFRecordCompressionType.GZIP,
                 tf.python_io.TFRecordCompressionType.ZLIB, None]:
        opts = tf.io.TFRecordOptions(kind)
        _write(tmp_path / "f", RECORDS, opts)
        assert list(tf.python_io.tf_record_iterator(str(tmp_path / "f"), opts)) == want
        # the string form is accepted as options too
        name = tf.io.TFRecordOptions.get_compression_type_string(opts)
        assert list(tf.io.tf_record_iterator(str(tmp_path / "f"), name)) == want


def test_gzip_and_zlib_files_are_standard_streams(tmp_path):
    _write(tmp_path / "g", RECORDS, "GZIP")
    _write(tmp_path / "z", RECORDS, "ZLIB")
    assert gzip.decompress((tmp_path / "g").read_bytes()) == _expected_bytes(RECORDS)
    assert zlib.decompress((tmp_path / "z").read_bytes()) == _expected_bytes(RECORDS)


def test_reads_concatenated_gzip_members(tmp_path):
    raw = _expected_bytes([b"a", b"bc"])
    (tmp_path / "g").write_bytes(gzip.compress(raw[:17]) + gzip.compress(raw[17:]))
    assert list(tf.io.tf_record_iterator(str(tmp_path / "g"), "GZIP")) == [b"a", b"bc"]


def test_compression_type_names():
    get = tf.io.TFRecordOptions.get_compression_type_string
    assert (get(None), get("GZIP"), get(1), get(tf.io.TFRecordOptions("ZLIB"))) == \
        ("", "GZIP", "ZLIB", "ZLIB")
    assert tf.io.TFRecordOptions.compression_type_map[2] == "GZIP"
    with pytest.raises(ValueError, match="Not a valid compression_type"):
        tf.io.TFRecordOptions("FOO")
    with pytest.raises(ValueError):
        tf.io.TFRecordWriter("unused", "BZ2")


def test_flush_and_close(tmp_path):
    p = str(tmp_path / "f")
    w = tf.io.TFRecordWriter(p, "GZIP")
    w.write(b"abc")
    w.flush()  # a partial flush: what is written so far is readable
    assert zlib.decompressobj(31).decompress(open(p, "rb").read()) == _expected_bytes([b"abc"])
    w.close()
    w.close()  # closing twice is fine
    with pytest.raises(tf.errors.FailedPreconditionError):
        w.write(b"x")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.io.tf_record_iterator(str(tmp_path / "nope")))
    with pytest.raises(tf.errors.FailedPreconditionError):
        list(tf.io.tf_record_iterator(str(tmp_path)))
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.TFRecordWriter(str(tmp_path / "no_dir" / "f"))


@pytest.mark.parametrize("where", ["length_crc", "data", "data_crc", "cut_data"])
def test_corruption_is_data_loss(tmp_path, where):
    data = bytearray(_expected_bytes([b"x" * 40, b"yz"]))
    if where == "length_crc":
        data[9] ^= 1
    elif where == "data":
        data[20] ^= 4
    elif where == "data_crc":
        data[53] ^= 1
    else:
        data = data[:-3]
    (tmp_path / "f").write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.io.tf_record_iterator(str(tmp_path / "f")))


def test_partial_header_at_end_is_the_end(tmp_path):
    # as TF: a record whose header is still being written is not there yet
    (tmp_path / "f").write_bytes(_expected_bytes([b"ok"]) + b"\x05\x00\x00")
    assert list(tf.io.tf_record_iterator(str(tmp_path / "f"))) == [b"ok"]


@pytest.mark.parametrize("length", [2 ** 63 + 5, 2 ** 40, 10 ** 6])
@pytest.mark.parametrize("kind", ["", "GZIP"])
def test_huge_length_is_data_loss_not_memory_error(tmp_path, length, kind):
    n = struct.pack("<Q", length)
    raw = n + struct.pack("<I", crc32c.mask(crc32c.value(n))) + b"short"
    (tmp_path / "f").write_bytes(gzip.compress(raw) if kind else raw)
    with pytest.raises(tf.errors.DataLossError):
        list(tf.io.tf_record_iterator(str(tmp_path / "f"), kind))


def test_garbage_compressed_stream_is_data_loss(tmp_path):
    (tmp_path / "f").write_bytes(b"\x1f\x8b" + os.urandom(50))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.io.tf_record_iterator(str(tmp_path / "f"), "GZIP"))
    good = gzip.compress(_expected_bytes([b"abc" * 100]))
    (tmp_path / "g").write_bytes(good[:len(good) // 2])
    with pytest.raises(tf.errors.DataLossError):
        list(tf.io.tf_record_iterator(str(tmp_path / "g"), "GZIP"))


def test_large_records(tmp_path):
    big = np.random.RandomState(1).bytes(3 << 20)
    _write(tmp_path / "f", [big, b"end"], "ZLIB")
    assert list(tf.io.tf_record_iterator(str(tmp_path / "f"), "ZLIB")) == [big, b"end"]
