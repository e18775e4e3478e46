"""tf.summary builders and the summary ops: names, tags, collections, and the decoded
content of each serialized Summary (hand-computed values; TF's own outputs for the same
inputs are compared in tests/conformance/test_summary_conformance.py)."""
import io
import struct
import wave
import zlib

import numpy as np
import pytest
from tensorboardX.proto import summary_pb2

import flowgraph as tf
from flowgraph import summary
from flowgraph.ops import summary_ops


def parse(b):
    s = summary_pb2.Summary()
    s.ParseFromString(b)
    return s


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


def decode_png(data):
    """(pixels [h, w, c], color type) of a non-interlaced 8-bit PNG (all five filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0
    c = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * c)
    out = np.zeros((h, w * c), np.int32)
    for y in range(h):
        f, row = raw[y, 0], raw[y, 1:].astype(np.int32)
        prev = out[y - 1] if y else np.zeros(w * c, np.int32)
        for x in range(w * c):
            a = out[y, x - c] if x >= c else 0
            b, d = prev[x], prev[x - c] if x >= c else 0
            pred = [0, a, b, (a + b) // 2, None][f]
            if f == 4:
                p = a + b - d
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - d)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else d
            out[y, x] = (row[x] + pred) & 0xFF
    return out.astype(np.uint8).reshape(h, w, c), color


# -- names, tags, collections ----------------------------------------------------------------
def test_scalar_op_name_tag_and_collection():
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.name_scope("train"):
        s = summary.scalar("loss", x)
    assert s.op.type == "ScalarSummary" and s.op.name == "train/loss"
    assert s.dtype == tf.string and s.shape.as_list() == []
    assert [t.op.name for t in s.op.inputs] == ["train/loss/tags", "x"]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s]
    v = parse(run(s, {x: 2.5})).value
    assert [(e.tag, e.simple_value) for e in v] == [("train/loss", 2.5)]


def test_family_unique_names_and_cleaned_tags():
    with tf.name_scope("outer"):
        a = summary.scalar("l o$ss", 1.0, family="fa mily")
        b = summary.scalar("/lead", 2)
        c = summary.scalar("lead", 3.0)
    assert a.op.name == "outer/fa_mily/l_o_ss"
    assert parse(run(a)).value[0].tag == "fa_mily/outer/fa_mily/l_o_ss"
    assert (b.op.name, parse(run(b)).value[0].tag) == ("outer/lead", "outer/lead")
    assert parse(run(c)).value[0].tag == "outer/lead_1"
    assert parse(run(b)).value[0].simple_value == 2.0  # int32 values are allowed


def test_collections_argument():
    s = summary.scalar("a", 1.0, collections=["mine"])
    t = summary.scalar("b", 1.0, collections=[])
    assert tf.get_collection("mine") == [s]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == []
    assert t.op.type == "ScalarSummary"


def test_scalar_type_and_shape_errors():
    with pytest.raises(TypeError, match="allowed values"):
        summary.scalar("s", tf.constant("x"))
    with pytest.raises(TypeError, match="allowed values"):
        summary.histogram("h", tf.constant(["x"]))
    s = summary.scalar("vec", tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"tags and values are not the same shape: \[\] != \[2\]"):
        run(s)


# -- histograms --------------------------------------------------------------------------
def test_default_bucket_limits():
    lim = summary_ops.default_bucket_limits()
    assert lim[0] == -np.finfo(np.float64).max and lim[-1] == np.finfo(np.float64).max
    mid = len(lim) // 2
    assert lim[mid] == 0.0 and lim[mid + 1] == 1e-12
    np.testing.assert_allclose(lim[mid + 2] / lim[mid + 1], 1.1)
    np.testing.assert_array_equal(lim[:mid], -lim[mid + 1:][::-1])
    assert lim[-2] >= 1e20 / 1.1 and lim[-2] < 1e20
    assert np.all(np.diff(lim) > 0)


def test_histogram_content():
    vals = np.array([0.0, 0.0, 1e-13, -1e-13, 1.0, 1e300])
    h = parse(run(summary.histogram("h", tf.constant(vals)))).value[0]
    assert h.tag == "h" and h.WhichOneof("value") == "histo"
    h = h.histo
    assert (h.min, h.max, h.num, h.sum) == (-1e-13, 1e300, 6, 1e300)
    # Empty runs collapse into their last bucket; each value counts in the first bucket
    # whose limit exceeds it.
    assert list(h.bucket_limit) == [-1e-12, 0.0, 1e-12, 0.917246389039776,
                                    1.0089710279437536, 9.9207756218597835e+19,
                                    np.finfo(np.float64).max]
    assert list(h.bucket) == [0, 1, 3, 0, 1, 0, 1]
    assert sum(h.bucket) == h.num


def test_histogram_ints_and_empty():
    h = parse(run(summary.histogram("hi", tf.constant([1, 2, 3])))).value[0].histo
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (1, 3, 3, 6, 14)
    assert list(h.bucket) == [0, 1, 0, 1, 0, 1, 0]
    p = tf.placeholder(tf.float32, [None])
    e = parse(run(summary.histogram("e", p), {p: np.zeros([0], np.float32)})).value[0].histo
    big = np.finfo(np.float64).max
    assert (e.min, e.max, e.num) == (big, -big, 0)
    assert list(e.bucket_limit) == [big] and list(e.bucket) == [0]


@pytest.mark.parametrize("bad,msg", [(np.nan, "Nan in summary histogram for: hn"),
                                     (-np.inf, "Infinity in Histogram for: hn")])
def test_histogram_non_finite(bad, msg):
    h = summary.histogram("hn", tf.constant([1.0, bad]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        run(h)


# -- images --------------------------------------------------------------------------------
def _images(v, dtype=tf.float32, max_outputs=1):
    out = parse(run(summary.image("x", tf.constant(v, dtype), max_outputs=max_outputs)))
    return [(e.tag, e.image, decode_png(e.image.encoded_image_string)) for e in out.value]


def test_image_float_positive_is_scaled_to_255():
    (tag, im, (px, color)), = _images(np.array([[[[0.0], [0.5], [1.0], [2.0]]]]))
    assert tag == "x/image" and (im.height, im.width, im.colorspace) == (1, 4, 1)
    assert color == 0 and px.reshape(-1).tolist() == [0, 63, 127, 255]


def test_image_float_negative_is_centered_and_bad_pixels():
    v = np.array([[[[-1.0], [0.0], [0.5], [4.0], [0.3], [-0.3], [1e-30], [np.inf]]]])
    (_, _, (px, _)), = _images(v)
    assert px.reshape(-1).tolist() == [96, 128, 143, 255, 137, 118, 128, 255]
    # A pixel with any non-finite channel is bad_color and excluded from the range.
    (_, _, (px, color)), = _images(np.array([[[[5.0, np.nan, 0.0], [1.0, 0.5, 0.25]]]]))
    assert color == 2 and px.reshape(-1).tolist() == [255, 0, 0, 255, 127, 63]
    # A (near) constant-zero image stays 0 (or 128 with negatives).
    (_, _, (px, _)), = _images(np.array([[[[1e-30], [0.0], [2e-30]]]]))
    assert px.reshape(-1).tolist() == [0, 0, 0]
    (_, _, (px, _)), = _images(np.array([[[[-1e-30], [0.0], [2e-30]]]]))
    assert px.reshape(-1).tolist() == [128, 128, 128]


def test_image_batch_rgba_and_uint8():
    v = np.zeros([5, 2, 3, 4], np.float32)
    v[...] = np.arange(4) * 0.25
    v[1, 0, 0, 2] = np.nan
    got = _images(v, max_outputs=3)
    assert [g[0] for g in got] == ["x/image/0", "x/image/1", "x/image/2"]
    assert all(g[1].colorspace == 4 and g[2][1] == 6 for g in got)
    np.testing.assert_array_equal(got[0][2][0], np.broadcast_to([0, 85, 170, 255], (2, 3, 4)))
    assert got[1][2][0][0, 0].tolist() == [255, 0, 0, 255]
    u = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
    got = _images(u, tf.uint8, max_outputs=3)
    assert len(got) == 2
    np.testing.assert_array_equal(got[1][2][0], u[1])


def test_image_node_and_errors():
    s = summary.image("pic", tf.zeros([1, 2, 2, 3]))
    assert s.op.type == "ImageSummary" and s.op.get_attr("max_images") == 3
    np.testing.assert_array_equal(s.op.get_attr("bad_color"), [255, 0, 0, 255])
    with pytest.raises(ValueError, match="max_images"):
        summary.image("m0", tf.zeros([1, 2, 2, 1]), max_outputs=0)
    with pytest.raises(TypeError, match="allowed values"):
        summary.image("i32", tf.zeros([1, 2, 2, 1], tf.int32))
    bad = summary.image("bad", tf.zeros([1, 2, 2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"4-D with last dim 1, 3, or 4, not \[1,2,2,2\]"):
        run(bad)
    assert list(parse(run(summary.image("none", tf.zeros([0, 2, 2, 1])))).value) == []


# -- audio ---------------------------------------------------------------------------------
def test_audio_wav_encoding():
    x = np.array([[-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1e-5, 2.0, 0.99999, -0.99999,
                   2 ** -16, 1.5 * 2 ** -15]], np.float32)
    s = summary.audio("a1", tf.constant(x), 44100.0, max_outputs=1)
    assert s.op.type == "AudioSummaryV2"
    assert [t.op.name for t in s.op.inputs] == ["a1/tag", "Const", "a1/sample_rate"]
    v, = parse(run(s)).value
    a = v.audio
    assert (v.tag, a.sample_rate, a.num_channels, a.length_frames, a.content_type) == \
        ("a1/audio", 44100, 1, 12, "audio/wav")
    w = wave.open(io.BytesIO(a.encoded_audio_string))
    assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == \
        (1, 2, 44100, 12)
    pcm = np.frombuffer(w.readframes(12), "<i2").tolist()
    assert pcm == [-32768, -32768, -16384, 0, 16384, 32767, 0, 32767, 32767, -32768, 1, 2]
    assert len(a.encoded_audio_string) == 44 + 24


def test_audio_channels_batch_and_errors():
    x = np.random.RandomState(0).uniform(-1, 1, (4, 5, 2)).astype(np.float32)
    vals = parse(run(summary.audio("st", tf.constant(x), 16000))).value
    assert [(v.tag, v.audio.num_channels, v.audio.length_frames) for v in vals] == \
        [(f"st/audio/{i}", 2, 5) for i in range(3)]
    w = wave.open(io.BytesIO(vals[2].audio.encoded_audio_string))
    pcm = np.frombuffer(w.readframes(5), "<i2").reshape(5, 2)
    np.testing.assert_allclose(pcm / 32768.0, x[2], atol=1 / 32768)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"3-D or 2-D, got: \[2\]"):
        run(summary.audio("bad", tf.zeros([2]), 100))
    with pytest.raises(tf.errors.InvalidArgumentError, match="sample_rate must be rank-0"):
        run(summary.audio("bad2", tf.zeros([2, 3]), [100.0, 200.0]))


# -- text, tensors, merge ------------------------------------------------------------------
def test_text_summary():
    t = summary.text("txt", tf.constant(["**hello**", "world"]))
    assert t.op.type == "TensorSummaryV2"
    assert [i.op.name for i in t.op.inputs] == ["txt/tag", "Const",
                                                "txt/serialized_summary_metadata"]
    v, = parse(run(t)).value
    assert v.tag == "txt" and v.metadata.plugin_data.plugin_name == "text"
    assert list(v.tensor.string_val) == [b"**hello**", b"world"]
    assert [d.size for d in v.tensor.tensor_shape.dim] == [2]
    with pytest.raises(ValueError, match="to have dtype string"):
        summary.text("bad", tf.constant(1.0))


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.int32).reshape(2, 3),
                                   np.array([True, False]), np.array(3, np.int64),
                                   np.array([1.5, -2.0], np.float64)])
def test_tensor_summary(value):
    s = summary.tensor_summary("ts", tf.constant(value), summary_description="desc",
                               display_name="dn")
    v, = parse(run(s)).value
    assert (v.metadata.summary_description, v.metadata.display_name) == ("desc", "dn")
    assert v.tensor.dtype == tf.as_dtype(value.dtype).as_datatype_enum
    assert [d.size for d in v.tensor.tensor_shape.dim] == list(value.shape)
    got = np.frombuffer(v.tensor.tensor_content, value.dtype.newbyteorder("<"))
    np.testing.assert_array_equal(got.reshape(value.shape), value)


def test_merge_and_merge_all():
    a = summary.scalar("a", 1.0)
    with tf.name_scope("s"):
        b = summary.histogram("b", tf.constant([1.0, 2.0]))
    m = summary.merge([a, b])
    assert m.op.type == "MergeSummary" and m.op.name == "Merge/MergeSummary"
    assert m.op.get_attr("N") == 2
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [a, b]  # merge is not collected
    assert [v.tag for v in parse(run(m)).value] == ["a", "s/b"]
    ma = summary.merge_all()
    assert ma.op.name == "Merge_1/MergeSummary"
    assert [v.tag for v in parse(run(ma)).value] == ["a", "s/b"]
    only = summary.merge_all(scope="s")
    assert [v.tag for v in parse(run(only)).value] == ["s/b"]
    assert summary.merge_all(key="nothing") is None
    named = summary.merge([a], name="mine", collections=["merged"])
    assert named.op.name == "mine/mine" and tf.get_collection("merged") == [named]


def test_merge_errors_and_vectors():
    a = summary.scalar("same", 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Duplicate tag same found in summary inputs"):
        run(summary.merge([a, a]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse"):
        run(summary.merge([tf.constant(b"\xff\xff garbage")]))
    stacked = tf.stack([summary.scalar("m1", 1.0), summary.scalar("m2", 2.0)])
    assert [v.tag for v in parse(run(summary.merge([stacked]))).value] == ["m1", "m2"]


def test_summary_ops_run_on_cpu_only():
    s = summary.scalar("c", 1.0)
    assert s.op.op_def.device_kernels == ("CPU",)


def test_protos_exposed():
    s = tf.summary.Summary(value=[tf.summary.Summary.Value(tag="x", simple_value=1.0)])
    assert parse(s.SerializeToString()).value[0].tag == "x"
    assert tf.summary.Event(step=3).step == 3
    assert tf.summary.SessionLog.START == 1
