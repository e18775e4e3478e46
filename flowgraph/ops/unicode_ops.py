"""Unicode ops: decoding strings to code points (`UnicodeDecode`, `...WithOffsets`),
encoding code points (`UnicodeEncode`) and transcoding, for UTF-8, UTF-16-BE and
UTF-32-BE with TF's `errors` modes ("strict", "replace", "ignore"). flowgraph has no
RaggedTensor, so the builders that would return one (`unicode_decode`, `unicode_split`)
take a scalar string and return a dense vector, as TF does for scalars."""
import codecs

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import array_ops, creation_ops, math_ops
from flowgraph.ops.array_ops import _host

__all__ = []
__namespaces__ = {"strings": ["unicode_decode", "unicode_decode_with_offsets",
                              "unicode_encode", "unicode_split", "unicode_transcode"]}
_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
_BAD = "\udc00"   # marks an invalid input subsequence (never a decoded character)


def _marker(err):
    return _BAD, err.end


codecs.register_error("flowgraph.unicode", _marker)


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _codec(name):
    if name not in _ENCODINGS:
        raise _invalid(f"Could not create converter for input encoding: {name}")
    return _ENCODINGS[name]


def _decode(s, encoding, errs, replacement_char, replace_control):
    """(code points, byte start of each) of the bytes `s`."""
    codec = _codec(encoding)
    text = s.decode(codec, "flowgraph.unicode")
    points, starts, at = [], [], 0
    spans = iter(_bad_spans(s, codec))
    for c in text:
        if c == _BAD:
            start, end = next(spans)
            if errs == "strict":
                raise _invalid("Invalid formatting on input string")
            if errs == "replace":
                points.append(replacement_char)
                starts.append(start)
            at = end
            continue
        cp = ord(c)
        if replace_control and cp < 0x20:
            cp = replacement_char
        points.append(cp)
        starts.append(at)
        at += len(c.encode(codec))
    return points, starts


def _bad_spans(s, codec):
    spans = []

    def record(err):
        spans.append((err.start, err.end))
        return _BAD, err.end
    codecs.register_error("flowgraph.unicode.spans", record)
    s.decode(codec, "flowgraph.unicode.spans")
    return spans


def _encode(points, encoding, errs, replacement_char):
    codec = _codec(encoding)
    out = []
    for cp in points:
        cp = int(cp)
        if not (0 <= cp <= 0x10FFFF) or 0xD800 <= cp <= 0xDFFF:
            if errs == "strict":
                raise _invalid(f"Invalid code point: {cp}")
            if errs == "ignore":
                continue
            cp = replacement_char
        out.append(chr(cp))
    return "".join(out).encode(codec)


_DECODE_ATTRS = {"input_encoding": None, "errors": "replace", "replacement_char": 65533,
                 "replace_control_characters": False, "Tsplits": dtypes.int64}


def _decode_all(input, input_encoding, errors, replacement_char, replace_control_characters,
                Tsplits):
    flat = _host(input).reshape(-1)
    splits, values, offsets = [0], [], []
    for s in flat:
        p, o = _decode(s if isinstance(s, bytes) else str(s).encode(), input_encoding,
                       errors, replacement_char, replace_control_characters)
        values += p
        offsets += o
        splits.append(len(values))
    return (np.array(splits, np.dtype(Tsplits)), np.array(values, np.int32),
            np.array(offsets, np.int64))


def _decode_shape(n_out):
    def shape(op):
        n = op.inputs[0].shape.num_elements()
        return [TensorShape([None if n is None else n + 1])] + \
            [TensorShape([None])] * (n_out - 1)
    return shape


@defop("UnicodeDecode", inputs=("input: string",),
       outputs=("row_splits: Tsplits", "char_values: int32"), attrs=_DECODE_ATTRS)
class UnicodeDecode:
    """The code points of each string (flattened), with row splits: string k's are
    `char_values[row_splits[k]:row_splits[k + 1]]`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _decode_shape(2)

    def kernel(xp, input, input_encoding, errors, replacement_char,
               replace_control_characters, Tsplits):
        return _decode_all(input, input_encoding, errors, replacement_char,
                           replace_control_characters, Tsplits)[:2]


@defop("UnicodeDecodeWithOffsets", inputs=("input: string",),
       outputs=("row_splits: Tsplits", "char_values: int32", "char_to_byte_starts: int64"),
       attrs=_DECODE_ATTRS)
class UnicodeDecodeWithOffsets:
    """UnicodeDecode, also giving the byte offset where each character starts."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _decode_shape(3)

    def kernel(xp, input, input_encoding, errors, replacement_char,
               replace_control_characters, Tsplits):
        return _decode_all(input, input_encoding, errors, replacement_char,
                           replace_control_characters, Tsplits)


@defop("UnicodeEncode", inputs=("input_values: int32", "input_splits: Tsplits"),
       outputs=("output: string",),
       attrs={"errors": "replace", "output_encoding": None, "replacement_char": 65533,
              "Tsplits": dtypes.int64})
class UnicodeEncode:
    """One string per row of code points (`input_values` split by `input_splits`)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        n = op.inputs[1].shape.with_rank(1)[0]
        return TensorShape([None if n is None else max(n - 1, 0)])

    def kernel(xp, input_values, input_splits, errors, output_encoding, replacement_char):
        vals, splits = _host(input_values), _host(input_splits).astype(np.int64)
        out = np.empty(max(len(splits) - 1, 0), object)
        for k in range(len(out)):
            out[k] = _encode(vals[splits[k]:splits[k + 1]], output_encoding, errors,
                             replacement_char)
        return out


@defop("UnicodeTranscode", inputs=("input: string",), outputs=("output: string",),
       attrs={"input_encoding": None, "output_encoding": None, "errors": "replace",
              "replacement_char": 65533, "replace_control_characters": False})
class UnicodeTranscode:
    """Each string re-encoded from `input_encoding` to `output_encoding`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, input, input_encoding, output_encoding, errors, replacement_char,
               replace_control_characters):
        a = _host(input)
        out = np.empty(a.shape, object)
        for k in np.ndindex(*a.shape):
            p, _ = _decode(a[k], input_encoding, errors, replacement_char,
                           replace_control_characters)
            out[k] = _encode(p, output_encoding, errors, replacement_char)
        return out


def _check(encoding, errs):
    if encoding not in _ENCODINGS:
        raise ValueError(f"Unsupported encoding {encoding!r}: flowgraph supports "
                         f"{', '.join(_ENCODINGS)}")
    if errs not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be strict, replace or ignore, got {errs}")


def _scalar(input, what):
    input = convert_to_tensor(input, dtype=dtypes.string, name="input")
    if input.shape.ndims != 0:
        raise NotImplementedError(f"{what} of a rank-{input.shape.ndims} tensor gives a "
                                  f"RaggedTensor, which flowgraph does not have; pass a "
                                  f"scalar string")
    return input


def _decode_op(op_type, input, input_encoding, errors, replacement_char,
               replace_control_characters):
    _check(input_encoding, errors)
    return apply_op(op_type, [input], {
        "input_encoding": input_encoding, "errors": errors,
        "replacement_char": int(replacement_char),
        "replace_control_characters": bool(replace_control_characters)})


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """The int32 code points of the scalar string `input`."""
    with name_scope(name, "UnicodeDecode", [input]):
        input = _scalar(input, "unicode_decode")
        return _decode_op("UnicodeDecode", input, input_encoding, errors,
                          replacement_char, replace_control_characters)[1]


def unicode_decode_with_offsets(input, input_encoding, errors="replace",
                                replacement_char=65533, replace_control_characters=False,
                                name=None):
    """(code points, byte start offsets) of the scalar string `input`."""
    with name_scope(name, "UnicodeDecodeWithOffsets", [input]):
        input = _scalar(input, "unicode_decode_with_offsets")
        out = _decode_op("UnicodeDecodeWithOffsets", input, input_encoding, errors,
                         replacement_char, replace_control_characters)
        return out[1], out[2]


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533,
                   name=None):
    """Strings encoding the rows of code points of the int32 tensor `input` (rank >= 1;
    the result has one rank less)."""
    _check(output_encoding, errors)
    with name_scope(name, "UnicodeEncode", [input]):
        input = convert_to_tensor(input, dtype=dtypes.int32, name="input")
        rank = input.shape.ndims
        if rank is None or rank == 0:
            raise ValueError("unicode_encode needs an input of known rank >= 1")
        width = array_ops.shape(input, out_type=dtypes.int64)[-1]
        flat = array_ops.reshape(input, [-1])
        rows = array_ops.size(flat, out_type=dtypes.int64) // _nonzero(width)
        splits = creation_ops.range(0, rows + 1, dtype=dtypes.int64) * width
        out = apply_op("UnicodeEncode", [flat, splits], {
            "errors": errors, "output_encoding": output_encoding,
            "replacement_char": int(replacement_char)})
        return array_ops.reshape(out, array_ops.shape(input)[:-1])


def _nonzero(width):
    return math_ops.maximum(width, 1)


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,
                  name=None):
    """The characters of the scalar string `input`, each a string."""
    with name_scope(name, "UnicodeSplit", [input]):
        points = unicode_decode(input, input_encoding, errors, replacement_char)
        return unicode_encode(array_ops.expand_dims(points, -1), input_encoding, errors,
                              replacement_char)


def unicode_transcode(input, input_encoding, output_encoding, errors="replace",
                      replacement_char=65533, replace_control_characters=False, name=None):
    """Each string of `input` re-encoded from `input_encoding` to `output_encoding`."""
    _check(input_encoding, errors)
    _check(output_encoding, errors)
    return apply_op("UnicodeTranscode", [convert_to_tensor(input, dtype=dtypes.string)], {
        "input_encoding": input_encoding, "output_encoding": output_encoding,
        "errors": errors, "replacement_char": int(replacement_char),
        "replace_control_characters": bool(replace_control_characters)}, name=name)
