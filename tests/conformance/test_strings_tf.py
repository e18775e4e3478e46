"""String ops against real TensorFlow: same values (hash buckets exactly), dtypes, static
shapes and op types."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

WORDS = [b"hello world", b"a  b", b"", "h\u00e9llo w\u00f6rld".encode(), b" lead,trail, ",
         b"x,y,,z"]
# every length 0..130 exercises each FarmHash / SipHash / Murmur length branch
RAMP = [bytes((7 * k + j) % 256 for j in range(k)) for k in range(131)]


def _w(tf):
    return tf.constant(WORDS)


PROGRAMS = {
    "as_string_f": lambda tf: tf.as_string(tf.constant([1.5, -2.25, 1e10, 0.1])),
    "as_string_prec": lambda tf: tf.as_string(tf.constant([1.5, -2.25, 3.14159]),
                                              precision=2),
    "as_string_sci": lambda tf: tf.as_string(tf.constant([1.5e-7, 123456.0], tf.float64),
                                             scientific=True, precision=3),
    "as_string_short": lambda tf: tf.as_string(tf.constant([1.5e-7, 123456.0, 0.1]),
                                               shortest=True),
    "as_string_int": lambda tf: tf.as_string(tf.constant([3, -4, 12345]), width=5,
                                             fill="0"),
    "as_string_int_pad": lambda tf: tf.as_string(tf.constant([3, -4], tf.int64), width=4),
    "as_string_bool": lambda tf: tf.as_string(tf.constant([True, False])),
    "string_split": lambda tf: tf.string_split(_w(tf)),
    "string_split_delims": lambda tf: tf.string_split(_w(tf), delimiter=", "),
    "string_split_keep": lambda tf: tf.string_split(_w(tf), ",", skip_empty=False),
    "string_split_chars": lambda tf: tf.string_split([b"abc", b"de"], ""),
    "strings_split": lambda tf: tf.strings.split(_w(tf)),
    "strings_split_sep": lambda tf: tf.strings.split(_w(tf), sep=","),
    "strings_split_max": lambda tf: tf.strings.split(_w(tf), sep=",", maxsplit=1),
    "substr": lambda tf: tf.substr(_w(tf), 0, 3),
    "substr_neg": lambda tf: tf.strings.substr([b"hello", b"abc"], -2, 5),
    "substr_vec": lambda tf: tf.substr([b"hello", b"abcdef"], [1, 2], [2, 3]),
    "substr_utf8": lambda tf: tf.strings.substr(_w(tf), 0, 3, unit="UTF8_CHAR"),
    "length": lambda tf: tf.strings.length(_w(tf)),
    "length_utf8": lambda tf: tf.strings.length(_w(tf), unit="UTF8_CHAR"),
    "regex_replace": lambda tf: tf.regex_replace(_w(tf), "l+", "<\\0>"),
    "regex_replace_group": lambda tf: tf.strings.regex_replace(_w(tf), r"(\w)(\w*)",
                                                               r"\2\1"),
    "regex_replace_first": lambda tf: tf.strings.regex_replace(_w(tf), "[aeiou]", "_",
                                                               replace_global=False),
    "regex_replace_tensor": lambda tf: tf.strings.regex_replace(
        _w(tf), tf.constant("o"), tf.constant("0")),
    "regex_full_match": lambda tf: tf.strings.regex_full_match(_w(tf), "h.*d"),
    "regex_full_match_t": lambda tf: tf.strings.regex_full_match(_w(tf), tf.constant(
        "[a-z ]*")),
    "to_number": lambda tf: tf.string_to_number(["1.5", "-3e2", " 7", "inf", "1e-3"]),
    "to_number_f64": lambda tf: tf.strings.to_number(["0.1", "-2.5e10"], tf.float64),
    "to_number_int": lambda tf: tf.strings.to_number(["12", "-7", "+3"], tf.int32),
    "to_number_int64": lambda tf: tf.string_to_number(["9007199254740993"], tf.int64),
    "reduce_join0": lambda tf: tf.reduce_join([["a", "b"], ["c", "d"]], 0),
    "reduce_join1": lambda tf: tf.strings.reduce_join([["a", "b"], ["c", "d"]], 1,
                                                      separator="|"),
    "reduce_join_all": lambda tf: tf.reduce_join([["a", "b"], ["c", "d"]], separator="-"),
    "reduce_join_order": lambda tf: tf.reduce_join([["a", "b"], ["c", "d"]], [0, 1]),
    "reduce_join_keep": lambda tf: tf.strings.reduce_join(
        [[["a", "b"], ["c", "d"]], [["e", "f"], ["g", "h"]]], [2, 0], keepdims=True),
    "strip": lambda tf: tf.string_strip([" a b \n", "\t\tx", "y"]),
    "upper": lambda tf: tf.strings.upper(_w(tf)),
    "lower_utf8": lambda tf: tf.strings.lower(["H\u00c9LLO".encode()], encoding="utf-8"),
    "encode_base64": lambda tf: tf.encode_base64(RAMP[:40]),
    "encode_base64_pad": lambda tf: tf.strings.encode_base64 if False else
    tf.encode_base64(RAMP[:12], pad=True),
    "decode_base64": lambda tf: tf.decode_base64(tf.encode_base64(RAMP[:40])),
    "decode_base64_pad": lambda tf: tf.decode_base64(tf.encode_base64(RAMP[:40], pad=True)),
    "hash_fast": lambda tf: tf.string_to_hash_bucket_fast(RAMP, 1 << 30),
    "hash_fast_words": lambda tf: tf.strings.to_hash_bucket_fast(_w(tf), 10),
    "hash_strong": lambda tf: tf.string_to_hash_bucket_strong(RAMP, 1 << 30, [1, 2]),
    "hash_strong_key": lambda tf: tf.strings.to_hash_bucket_strong(
        _w(tf), 97, [0x0123456789ABCDEF, -5]),
    "hash_legacy": lambda tf: tf.string_to_hash_bucket(RAMP, 1 << 30),
    "hash_legacy_words": lambda tf: tf.strings.to_hash_bucket(_w(tf), 1000),
    "format": lambda tf: tf.strings.format("x={} y={}", [tf.constant([1, 2]),
                                                        tf.constant(3.5)]),
    "format_summarize": lambda tf: tf.strings.format(
        "t: {}", tf.reshape(tf.range(40), [4, 10]), summarize=2),
    "join": lambda tf: tf.strings.join([_w(tf), "!"], separator="-"),
    "unicode_decode": lambda tf: tf.strings.unicode_decode("h\u00e9llo \u4e16",
                                                           "UTF-8"),
    "unicode_decode_bad": lambda tf: tf.strings.unicode_decode(b"a\xffb\xc3", "UTF-8"),
    "unicode_decode_ignore": lambda tf: tf.strings.unicode_decode(b"a\xffb", "UTF-8",
                                                                  errors="ignore"),
    "unicode_decode_offsets": lambda tf: tf.strings.unicode_decode_with_offsets(
        "h\u00e9llo \u4e16", "UTF-8"),
    "unicode_decode_ctrl": lambda tf: tf.strings.unicode_decode(
        b"a\x01b", "UTF-8", replace_control_characters=True, replacement_char=63),
    "unicode_encode": lambda tf: tf.strings.unicode_encode([104, 233, 0x4e16], "UTF-8"),
    "unicode_encode_2d": lambda tf: tf.strings.unicode_encode(
        [[104, 105], [0x4e16, 33]], "UTF-16-BE"),
    "unicode_encode_bad": lambda tf: tf.strings.unicode_encode([104, -1, 0x110000],
                                                               "UTF-8"),
    "unicode_split": lambda tf: tf.strings.unicode_split("h\u00e9\u4e16", "UTF-8"),
    "unsorted_segment_join": lambda tf: tf.strings.unsorted_segment_join(
        [["a", "b"], ["c", "d"], ["e", "f"]], [1, 0, 1], 3, separator=":"),
    "bytes_split": lambda tf: tf.strings.bytes_split("h\u00e9!"),
    "unicode_split_offsets": lambda tf: tf.strings.unicode_split_with_offsets(
        "h\u00e9\u4e16", "UTF-8"),
    "unicode_transcode": lambda tf: tf.strings.unicode_transcode(
        ["h\u00e9llo".encode()], "UTF-8", "UTF-32-BE"),
}


def _flatten(v):
    if hasattr(v, "indices") and hasattr(v, "dense_shape"):
        return [np.asarray(v.indices), np.asarray(v.values), np.asarray(v.dense_shape)]
    if isinstance(v, (list, tuple)):
        return [x for e in v for x in _flatten(e)]
    return [np.asarray(v)]


def _run(tf, build):
    with tf.Graph().as_default() as g:
        out = build(tf)
        shapes = [t.shape.as_list() if t.shape.ndims is not None else None
                  for t in _tensors(out)]
        types = {op.type for op in g.get_operations()}
        with tf.Session() as s:
            return _flatten(s.run(out)), shapes, types


def _tensors(out):
    if hasattr(out, "indices") and hasattr(out, "dense_shape"):
        return [out.indices, out.values, out.dense_shape]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return [out]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_as_tf(name):
    got, gshapes, gtypes = _run(fg, PROGRAMS[name])
    want, wshapes, wtypes = _run(tf1, PROGRAMS[name])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype, (name, g.dtype, w.dtype)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        if g.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=1e-7, err_msg=name)
        else:
            np.testing.assert_array_equal(g, w, err_msg=name)
    for gs, ws in zip(gshapes, wshapes):
        assert fg.TensorShape(gs).is_compatible_with(fg.TensorShape(ws)), \
            (name, gshapes, wshapes)
    core = {t for t in wtypes if t not in ("Const", "Identity")}
    if name in _OWN_COMPOSITION:
        return
    assert not {t for t in core if t[0].isupper()} - gtypes - _COMPOSITE_OK, \
        (name, core - gtypes)


# TF splits bytes through ragged ops; flowgraph through StringSplit (same values).
_OWN_COMPOSITION = {"bytes_split"}
# TF builds these helpers from ops flowgraph does not need (ragged plumbing, shapes).
_COMPOSITE_OK = {"Shape", "StridedSlice", "Pack", "Range", "Cast", "Sub", "Add", "Mul",
                 "Size", "ExpandDims", "Reshape", "Rank", "ConcatV2", "FloorDiv", "Maximum",
                 "Slice", "Prod", "Fill", "Equal", "Select", "Where", "Less", "Greater",
                 "GreaterEqual", "LogicalAnd", "All", "Assert", "NoOp", "Tile",
                 "BroadcastTo", "BroadcastArgs", "RaggedTensorToTensor", "Max", "Min",
                 "ZerosLike", "SelectV2", "UnicodeDecodeWithOffsets", "UnicodeDecode",
                 "Squeeze", "ReverseV2", "Transpose", "Sum", "Cumsum", "OnesLike",
                 "GatherV2", "Unique", "NotEqual", "FloorMod", "RealDiv", "DivNoNan",
                 "Abs", "LessEqual", "LogicalNot", "Any", "Minimum", "Placeholder"}


@pytest.mark.parametrize("build,cls", [
    (lambda tf: tf.string_to_number(["1.5x"]), "InvalidArgumentError"),
    (lambda tf: tf.strings.to_number(["99999999999"], tf.int32), "InvalidArgumentError"),
    (lambda tf: tf.substr([b"abc"], 5, 1), "InvalidArgumentError"),
    (lambda tf: tf.decode_base64(["a"]), "InvalidArgumentError"),
    (lambda tf: tf.decode_base64(["ab!c"]), "InvalidArgumentError"),
    (lambda tf: tf.strings.unicode_decode(b"a\xff", "UTF-8", errors="strict"),
     "InvalidArgumentError"),
    (lambda tf: tf.regex_replace(["a"], "(", "x"), "InvalidArgumentError"),
])
def test_errors_as_tf(build, cls):
    for tf in (fg, tf1):
        with tf.Graph().as_default():
            out = build(tf)
            with tf.Session() as s:
                with pytest.raises(getattr(tf.errors, cls)):
                    s.run(out)
