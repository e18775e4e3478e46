"""tf.train.Example protos, the parsing ops, and the file ops (hand-computed values)."""
import numpy as np
import pytest

import flowgraph as tf


def _feature(v):
    if not v:
        return tf.train.Feature()
    if isinstance(v[0], bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
    if isinstance(v[0], float):
        return tf.train.Feature(float_list=tf.train.FloatList(value=v))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=v))


def example(**kw):
    return tf.train.Example(features=tf.train.Features(
        feature={k: _feature(v) for k, v in kw.items()})).SerializeToString()


def seq_example(context, lists):
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={k: _feature(v) for k, v in context.items()}),
        feature_lists=tf.train.FeatureLists(feature_list={
            k: tf.train.FeatureList(feature=[_feature(x) for x in v])
            for k, v in lists.items()})).SerializeToString()


def _run(fetch, feed=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed)


def test_example_proto_round_trip_and_wire_bytes():
    ex = tf.train.Example(features=tf.train.Features(feature={
        "i": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 300]))}))
    data = ex.SerializeToString()
    # Example.features (1) > Features.feature map entry (1) > key "i" (1), Feature (2) >
    # int64_list (3) > packed value (1): 1, 300 = ac 02
    assert data == bytes([0x0A, 0x0E, 0x0A, 0x0C, 0x0A, 0x01, 0x69, 0x12, 0x07, 0x1A, 0x05,
                          0x0A, 0x03, 0x01, 0xAC, 0x02])
    assert tf.train.Example.FromString(data) == ex
    assert tf.train.SequenceExample.DESCRIPTOR.full_name == "tensorflow.SequenceExample"


def test_parse_example_all_feature_kinds():
    s = tf.placeholder(tf.string, [None])
    out = tf.parse_example(s, {
        "a": tf.FixedLenFeature([2], tf.float32, default_value=[1.0, 2.0]),
        "v": tf.VarLenFeature(tf.int64),
        "f": tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True),
        "sp": tf.SparseFeature("ix", "val", tf.float32, 10)})
    assert out["a"].shape.as_list() == [None, 2] and out["f"].shape.as_list() == [None, None]
    assert out["a"].op.type == "ParseExampleV2"
    got = _run(out, {s: [example(a=[3.0, 4.0], v=[1, 2, 3], ix=[5, 1], val=[1.0, 2.0],
                                 f=[b"x"]),
                         example(ix=[3], val=[9.0], f=[b"p", b"q"])]})
    np.testing.assert_array_equal(got["a"], [[3, 4], [1, 2]])
    np.testing.assert_array_equal(got["v"].indices, [[0, 0], [0, 1], [0, 2]])
    np.testing.assert_array_equal(got["v"].dense_shape, [2, 3])
    assert got["f"].tolist() == [[b"x", b""], [b"p", b"q"]]
    np.testing.assert_array_equal(got["sp"].indices, [[0, 1], [0, 5], [1, 3]])
    np.testing.assert_array_equal(got["sp"].values, [2.0, 1.0, 9.0])
    np.testing.assert_array_equal(got["sp"].dense_shape, [2, 10])


def test_parse_single_example():
    out = tf.parse_single_example(tf.constant(example(v=[b"a", b"b"], n=[7])), {
        "v": tf.VarLenFeature(tf.string), "n": tf.FixedLenFeature([], tf.int64),
        "m": tf.FixedLenFeature([1, 2], tf.int64, default_value=[[5, 6]])})
    assert out["n"].shape.as_list() == [] and out["v"].indices.shape.as_list() == [None, 1]
    got = _run(out)
    assert got["n"] == 7 and got["n"].dtype == np.int64
    np.testing.assert_array_equal(got["m"], [[5, 6]])
    assert got["v"].values.tolist() == [b"a", b"b"]
    np.testing.assert_array_equal(got["v"].dense_shape, [2])


@pytest.mark.parametrize("data,feature", [
    (example(b=[1.0]), tf.FixedLenFeature([2], tf.float32)),        # required, missing
    (example(a=[1.0]), tf.FixedLenFeature([2], tf.float32)),        # wrong count
    (example(a=[1, 2]), tf.FixedLenFeature([2], tf.float32)),       # wrong type
    (example(a=[1, 2, 3]), tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True)),
    (b"\xff\xff not a proto", tf.FixedLenFeature([1], tf.float32)),
])
def test_bad_records_are_invalid_argument(data, feature):
    out = tf.parse_example(tf.constant([data]), {"a": feature})
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(out)


def test_build_time_errors():
    s = tf.placeholder(tf.string, [None])
    with pytest.raises(ValueError, match="allow_missing"):
        tf.parse_example(s, {"a": tf.io.FixedLenSequenceFeature([], tf.int64)})
    with pytest.raises(ValueError, match="First dimension"):
        tf.parse_example(s, {"a": tf.FixedLenFeature([None], tf.float32)})
    with pytest.raises(ValueError):
        tf.parse_example(s, {})
    with pytest.raises(TypeError):
        tf.parse_example(s, {"a": tf.FixedLenFeature([], tf.int32)})


def test_sequence_examples():
    c = {"c": tf.FixedLenFeature([], tf.int64), "cv": tf.VarLenFeature(tf.string)}
    q = {"q": tf.io.FixedLenSequenceFeature([3], tf.float32, allow_missing=True),
         "qv": tf.VarLenFeature(tf.int64)}
    a = seq_example({"c": [4], "cv": [b"x"]}, {"q": [[1., 2., 3.], [4., 5., 6.]],
                                               "qv": [[1], [2, 3], []]})
    b = seq_example({"c": [5]}, {"qv": [[7]]})
    ctx, lists = tf.parse_single_sequence_example(tf.constant(a), c, q)
    assert lists["q"].shape.as_list() == [None, 3]
    got_ctx, got = _run((ctx, lists))
    assert got_ctx["c"] == 4
    np.testing.assert_array_equal(got["q"], [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(got["qv"].indices, [[0, 0], [1, 0], [1, 1]])
    np.testing.assert_array_equal(got["qv"].dense_shape, [3, 2])
    ctx, lists, lengths = tf.io.parse_sequence_example(tf.constant([a, b]), c, q)
    got_ctx, got, got_len = _run((ctx, lists, lengths))
    np.testing.assert_array_equal(got_ctx["c"], [4, 5])
    np.testing.assert_array_equal(got_len["q"], [2, 0])
    assert got["q"].shape == (2, 2, 3) and not got["q"][1].any()
    np.testing.assert_array_equal(got["qv"].dense_shape, [2, 3, 2])
    # a required feature list that is missing
    ctx, lists = tf.parse_single_sequence_example(
        tf.constant(b), sequence_features={"q": tf.io.FixedLenSequenceFeature([3],
                                                                              tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Feature list 'q'"):
        _run(lists)


def test_file_ops(tmp_path):
    path = str(tmp_path / "sub" / "f.bin")
    _run(tf.write_file(path, tf.constant(b"\x00abc")))
    assert open(path, "rb").read() == b"\x00abc"
    assert _run(tf.io.read_file(path)) == b"\x00abc"
    (tmp_path / "g.bin").write_bytes(b"")
    got = _run(tf.matching_files(str(tmp_path / "*.bin")))
    assert got.tolist() == [str(tmp_path / "g.bin").encode()]
    assert _run(tf.io.matching_files(str(tmp_path / "none*"))).shape == (0,)
    with pytest.raises(tf.errors.NotFoundError):
        _run(tf.read_file(str(tmp_path / "missing")))
    with pytest.raises(tf.errors.FailedPreconditionError):
        _run(tf.read_file(str(tmp_path)))


def test_decode_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="same size"):
        _run(tf.decode_raw(tf.constant([b"ab", b"abc"]), tf.uint8))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a multiple of 2"):
        _run(tf.decode_raw(tf.constant([b"abc"]), tf.int16))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expect 3 fields but have 2"):
        _run(tf.decode_csv(tf.constant(["1,2"]), [[0], [0], [0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a valid int32"):
        _run(tf.decode_csv(tf.constant(["a"]), [[0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="required but missing"):
        _run(tf.decode_csv(tf.constant([","]), [[0], tf.constant([], tf.int32)]))
    with pytest.raises(tf.errors.DataLossError):
        _run(tf.io.decode_compressed(tf.constant(b"garbage"), "GZIP"))


def test_serialize_and_parse_tensor():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = _run(tf.io.serialize_tensor(x))
    # TensorProto: dtype DT_FLOAT (1), shape [2, 3], tensor_content = the raw floats
    assert got == b"\x08\x01\x12\x08\x12\x02\x08\x02\x12\x02\x08\x03\x22\x18" + x.tobytes()
    back = tf.parse_tensor(tf.io.serialize_tensor(x), tf.float32)
    np.testing.assert_array_equal(_run(back), x)
    s = _run(tf.io.parse_tensor(tf.serialize_tensor(tf.constant([b"a", b"bc"])), tf.string))
    assert s.tolist() == [b"a", b"bc"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Type mismatch"):
        _run(tf.io.parse_tensor(tf.io.serialize_tensor(x), tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(tf.io.parse_tensor(tf.constant(b"\xff\xff\xff"), tf.int32))


def test_match_filenames_once(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"")
    v = tf.train.match_filenames_once(str(tmp_path / "*.txt"))
    assert v in tf.local_variables() and tf.io.match_filenames_once is \
        tf.train.match_filenames_once
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(v).tolist() == [str(tmp_path / n).encode() for n in ("a.txt", "b.txt")]
