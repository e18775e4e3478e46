"""V2 tensor bundles: CRC32C, the sstable index, every dtype, TF fixtures, corruption
(always a DataLossError naming the file; fuzzed with hypothesis), and byte-for-byte
agreement with TensorFlow's own writer when TF is importable."""
import json
import os
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import flowgraph as tf
from flowgraph.framework import crc32c, errors
from flowgraph.framework import sstable
from flowgraph.framework.tensor_bundle import BundleReader, BundleWriter
from flowgraph.train import checkpoint

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
TF_CKPT = os.path.join(FIXTURES, "tf_ckpt", "model-7")


def _values():
    return {
        "w": np.arange(12, dtype=np.float32).reshape(4, 3),
        "b": np.array([1.5, 2.5]), "i": np.array(7, dtype=np.int64),
        "s": np.array([b"hello", b"", b"world!!"], dtype=object),
        "bo": np.array([True, False]), "e": np.zeros((0, 5), np.float32),
        "h": np.array([1.5, -2], np.float16), "c": np.array([1 + 2j], np.complex64),
        "c128": np.array([[1 - 2j]], np.complex128), "u8": np.arange(5, dtype=np.uint8),
        "i8": np.array([-3], np.int8), "i16": np.array([300], np.int16),
        "u16": np.array([60000], np.uint16), "u32": np.array([2 ** 31], np.uint32),
        "u64": np.array([2 ** 63], np.uint64), "i32": np.int32(-5),
        "scope/nested/name": np.ones((2, 1, 3), np.float64),
    }


def _write(prefix, values):
    w = BundleWriter(prefix)
    for k, v in values.items():
        w.add(k, v)
    w.finish()


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == object:
        assert a.tolist() == b.tolist()
    else:
        np.testing.assert_array_equal(a, b)


# -- CRC32C -------------------------------------------------------------------------------
def test_crc32c_vectors():
    assert crc32c.value(b"123456789") == 0xE3069283
    assert crc32c.mask(0xE3069283) == 0xC78AB0E5
    assert crc32c.mask(0) == 0xA282EAD8
    assert crc32c.unmask(crc32c.mask(0x12345678)) == 0x12345678
    assert crc32c.value(b"") == 0


@pytest.mark.parametrize("n", [1, 100, 8191, 8192, 8193, 70001, 1 << 18])
def test_crc32c_fallback_matches_bytewise(n):
    data = np.random.RandomState(n).bytes(n)
    ref = crc32c._raw_py(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    assert crc32c._extend_fallback(0, data) == ref == crc32c.value(data)
    # extend() chains
    assert crc32c.extend(crc32c.value(data[:n // 3]), data[n // 3:]) == ref


# -- round trips ----------------------------------------------------------------------------
def test_every_dtype_round_trips(tmp_path):
    values = _values()
    _write(str(tmp_path / "m"), values)
    r = BundleReader(str(tmp_path / "m"))
    assert r.keys() == sorted(values)
    for k, v in values.items():
        _same(r.read(k), v)
        assert r.shape(k) == list(np.shape(v))
    assert sorted(os.listdir(tmp_path)) == ["m.data-00000-of-00001", "m.index"]


def test_many_tensors_make_several_index_blocks(tmp_path):
    values = {f"layer{i:05d}/weights_with_a_long_name": np.full((3,), i, np.int64)
              for i in range(6000)}
    _write(str(tmp_path / "m"), values)
    r = BundleReader(str(tmp_path / "m"))
    assert len(r.keys()) == 6000
    _same(r.read("layer04321/weights_with_a_long_name"), np.full((3,), 4321, np.int64))
    assert os.path.getsize(tmp_path / "m.index") > sstable.BLOCK_SIZE


def test_duplicate_and_empty_keys_are_rejected(tmp_path):
    w = BundleWriter(str(tmp_path / "m"))
    w.add("a", np.zeros(1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate key"):
        w.add("a", np.zeros(1))
    with pytest.raises(tf.errors.InvalidArgumentError):
        w.add("", np.zeros(1))
    w.abort()
    assert os.listdir(tmp_path) == []


def test_missing_checkpoint_is_not_found(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        BundleReader(str(tmp_path / "nope"))
    _write(str(tmp_path / "m"), {"a": np.zeros(2)})
    with pytest.raises(tf.errors.NotFoundError, match="Key zz not found"):
        BundleReader(str(tmp_path / "m")).read("zz")


# -- reading what TensorFlow wrote (fixtures, no TF needed) --------------------------------
def test_reads_tf_fixture_checkpoint():
    with open(os.path.join(FIXTURES, "tf_ckpt.json")) as f:
        want = json.load(f)
    reader = tf.train.NewCheckpointReader(TF_CKPT) if hasattr(tf.train, "NewCheckpointReader") \
        else checkpoint.NewCheckpointReader(TF_CKPT)
    assert reader.get_variable_to_shape_map() == {k: v["shape"] for k, v in want.items()}
    assert {k: d.name for k, d in reader.get_variable_to_dtype_map().items()} == \
        {k: v["dtype"] for k, v in want.items()}
    for k, v in want.items():
        got = reader.get_tensor(k)
        if v["dtype"] == "string":
            assert [x.decode() for x in got.tolist()] == v["value"]
        else:
            np.testing.assert_array_equal(np.asarray(got), np.array(v["value"]).reshape(v["shape"]))
    assert reader.has_tensor("counter") and not reader.has_tensor("nope")
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found in checkpoint"):
        reader.get_tensor("nope")


def test_list_and_load():
    assert checkpoint.list_variables(os.path.dirname(TF_CKPT))[:2] == [("big", [2]),
                                                                      ("counter", [])]
    assert checkpoint.load_variable(TF_CKPT, "counter") == 41
    assert checkpoint.load_checkpoint(os.path.dirname(TF_CKPT)).has_tensor("mask")
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        checkpoint.load_checkpoint(FIXTURES)


def test_rewriting_the_tf_fixture_gives_identical_files(tmp_path):
    """Our writer reproduces TF's .index and .data bytes exactly."""
    r = BundleReader(TF_CKPT)
    w = BundleWriter(str(tmp_path / "model-7"))
    for k in r.keys():
        w.add(k, r.read(k))
    w.finish()
    for suffix in (".index", ".data-00000-of-00001"):
        with open(TF_CKPT + suffix, "rb") as a, open(str(tmp_path / "model-7") + suffix, "rb") as b:
            assert a.read() == b.read(), suffix


# -- corruption ------------------------------------------------------------------------------
def _copy_fixture(tmp_path):
    d = tmp_path / "ck"
    shutil.copytree(os.path.dirname(TF_CKPT), d)
    return str(d / "model-7")


def _read_all(prefix):
    r = BundleReader(prefix)
    for k in r.keys():
        r.read(k)


def _flip(path, pos, mask=0x01):
    with open(path, "r+b") as f:
        f.seek(pos)
        b = f.read(1)
        f.seek(pos)
        f.write(bytes([b[0] ^ mask]))


@pytest.mark.parametrize("where,match", [
    (0, "block checksum mismatch"),        # inside the data block
    (-1, "bad magic number"),              # the footer's magic
])
def test_corrupt_index_is_data_loss_naming_the_file(tmp_path, where, match):
    prefix = _copy_fixture(tmp_path)
    size = os.path.getsize(prefix + ".index")
    _flip(prefix + ".index", where % size)
    with pytest.raises(tf.errors.DataLossError, match=match) as e:
        _read_all(prefix)
    assert "model-7.index" in str(e.value)


def test_corrupt_tensor_bytes_are_detected_when_read(tmp_path):
    prefix = _copy_fixture(tmp_path)
    r0 = BundleReader(prefix)
    e = r0.entry("dense/kernel")
    _flip(prefix + ".data-00000-of-00001", e.offset + 5)
    r = BundleReader(prefix)
    with pytest.raises(tf.errors.DataLossError, match="Checksum does not match") as err:
        r.read("dense/kernel")
    assert "model-7.data-00000-of-00001" in str(err.value)
    _same(r.read("dense/bias"), np.array([0.5, -1.25, 3.0]))  # others still read


def test_corrupt_string_payload_is_detected(tmp_path):
    prefix = _copy_fixture(tmp_path)
    e = BundleReader(prefix).entry("names")
    _flip(prefix + ".data-00000-of-00001", e.offset + e.size - 1)
    with pytest.raises(tf.errors.DataLossError, match="Checksum does not match"):
        BundleReader(prefix).read("names")


def test_truncated_data_file(tmp_path):
    prefix = _copy_fixture(tmp_path)
    data = prefix + ".data-00000-of-00001"
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) - 10)
    with pytest.raises(tf.errors.DataLossError, match="Read less bytes than requested"):
        _read_all(prefix)


def test_metaindex_and_footer_padding_damage_is_harmless(tmp_path):
    """TF ignores these bytes too (the metaindex is never read)."""
    prefix = _copy_fixture(tmp_path)
    size = os.path.getsize(prefix + ".index")
    _flip(prefix + ".index", size - 48 + 30)  # footer padding
    _read_all(prefix)


_FUZZ = settings(max_examples=int(os.environ.get("FG_FUZZ_EXAMPLES", 60)), deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fixture_bytes():
    with open(TF_CKPT + ".index", "rb") as f:
        index = f.read()
    with open(TF_CKPT + ".data-00000-of-00001", "rb") as f:
        data = f.read()
    return index, data


def _try_read(tmp_path, index, data):
    d = tmp_path / "fz"
    d.mkdir(exist_ok=True)
    (d / "m.index").write_bytes(index)
    (d / "m.data-00000-of-00001").write_bytes(data)
    try:
        _read_all(str(d / "m"))
    except errors.OpError:
        pass  # DataLoss, NotFound, InvalidArgument, Unimplemented: all fine


@_FUZZ
@given(st.data())
def test_fuzz_truncated_files(tmp_path, fixture_bytes, data):
    index, blob = fixture_bytes
    which = data.draw(st.sampled_from(["index", "data"]))
    if which == "index":
        index = index[:data.draw(st.integers(0, len(index) - 1))]
    else:
        blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    _try_read(tmp_path, index, blob)


@_FUZZ
@given(st.data())
def test_fuzz_bit_flips(tmp_path, fixture_bytes, data):
    index, blob = (bytearray(x) for x in fixture_bytes)
    for _ in range(data.draw(st.integers(1, 4))):
        target = data.draw(st.sampled_from([index, blob]))
        pos = data.draw(st.integers(0, len(target) - 1))
        target[pos] ^= 1 << data.draw(st.integers(0, 7))
    _try_read(tmp_path, bytes(index), bytes(blob))


@_FUZZ
@given(st.binary(max_size=200))
def test_fuzz_garbage_index(tmp_path, fixture_bytes, junk):
    _try_read(tmp_path, junk + fixture_bytes[0][len(junk):], fixture_bytes[1])


def test_unchecked_entry_with_huge_size_is_data_loss(tmp_path):
    """An index whose entry claims terabytes must fail cleanly, not allocate."""
    from flowgraph.proto import tensor_bundle_pb2
    prefix = str(tmp_path / "m")
    _write(prefix, {"a": np.zeros(4, np.float32)})
    r = BundleReader(prefix)
    e = r.entry("a")
    e.size = 1 << 42
    e.shape.dim[0].size = 1 << 40
    with pytest.raises(tf.errors.DataLossError):
        r.read("a")
    e2 = tensor_bundle_pb2.BundleEntryProto(dtype=7, offset=0, size=3)
    e2.shape.dim.add().size = 1 << 50  # a string tensor claiming 2^50 elements
    r._entries[b"s"] = e2
    with pytest.raises(tf.errors.DataLossError):
        r.read("s")


# -- live comparison with TensorFlow ----------------------------------------------------------
def test_tensorflow_reads_our_bundles_and_writes_identical_ones(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    values = _values()
    del values["u64"], values["u32"]  # tf.constant of these is fine, but keep it small
    ours = str(tmp_path / "ours" / "m")
    _write(ours, dict(sorted(values.items())))  # data in key order, as TF's SaveV2 gets it
    reader = tf_real.train.load_checkpoint(ours)
    for k, v in values.items():
        got = reader.get_tensor(k)
        if v.dtype == object:
            assert list(got) == list(v)
        else:
            np.testing.assert_array_equal(got, v)
    names = sorted(values)
    theirs = str(tmp_path / "theirs" / "m")
    # In a graph of its own: another test may have disabled TF's eager mode in this process.
    g = tf_real.Graph()
    with g.as_default():
        save = tf_real.raw_ops.SaveV2(prefix=theirs, tensor_names=names,
                                      shape_and_slices=[""] * len(names),
                                      tensors=[tf_real.constant(values[k]) for k in names])
        with tf_real.compat.v1.Session(graph=g) as sess:
            sess.run(save)
    for suffix in (".index", ".data-00000-of-00001"):
        with open(ours + suffix, "rb") as a, open(theirs + suffix, "rb") as b:
            assert a.read() == b.read(), suffix


def test_tensorflow_reads_our_multi_block_index(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    values = {f"v{i:05d}/a_rather_long_variable_name": np.array([i], np.int32)
              for i in range(6000)}
    _write(str(tmp_path / "m"), values)
    r = tf_real.train.load_checkpoint(str(tmp_path / "m"))
    assert r.get_tensor("v05999/a_rather_long_variable_name").tolist() == [5999]
    assert len(r.get_variable_to_shape_map()) == 6000
