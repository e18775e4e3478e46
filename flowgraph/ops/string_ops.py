"""String ops (`tf.strings.*` and TF1's `tf.string_*`): elementwise kernels over numpy
object arrays of bytes, on the host. Regular expressions are RE2 in TF and Python's `re`
here (compiled with re.ASCII, so `\\w`, `\\d`, `\\s`, `\\b` are ASCII-only as in RE2): the
common syntax is the same; Python also accepts lookarounds and backreferences (RE2 rejects
them), RE2's `\\pL`-style Unicode classes are not in `re`, and global replacement of empty
matches right after a match differs (Python also replaces there)."""
import base64
import binascii
import re

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops.array_ops import _host

__all__ = ["as_string", "string_split", "substr", "regex_replace", "string_to_number",
           "reduce_join", "string_strip", "encode_base64", "decode_base64"]
_STRINGS = ["as_string", "split=strings_split", "substr", "length=string_length",
            "regex_replace", "regex_full_match", "to_number=string_to_number",
            "reduce_join", "strip=string_strip", "upper", "lower",
            "format=string_format", "join=string_join"]
__namespaces__ = {"strings": _STRINGS}
_STR = dtypes.string


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _b(x):
    return x if isinstance(x, bytes) else str(x).encode()


def _map(fn, a, out_dtype=object):
    """`fn` of each element of the object array `a`, as an array of `out_dtype`."""
    a = _host(a)
    flat = a.reshape(-1)
    out = np.empty(flat.shape, out_dtype)
    for i, v in enumerate(flat):
        out[i] = fn(_b(v))
    return out.reshape(a.shape)


def _same_shape(op):
    return op.inputs[0].shape


def _unary(name, doc, kernel, attrs=None, out="string"):
    """Registers an elementwise op of one string input; `kernel(xp, input, <attrs>)`."""
    cls = type(name, (), {"__doc__": doc, "devices": ("CPU",), "grad": NOT_DIFFERENTIABLE,
                          "shape": staticmethod(_same_shape),
                          "kernel": staticmethod(kernel)})
    return defop(name, inputs=("input: string",), outputs=(f"output: {out}",),
                 attrs=attrs or {})(cls)


# -- AsString ------------------------------------------------------------------------------
def _format_spec(dtype, precision, scientific, shortest, width, fill):
    if scientific and shortest:
        raise _invalid("Cannot select both scientific and shortest notation")
    if fill and len(fill) > 1:
        raise _invalid("Fill string must be one or fewer characters")
    if fill and fill not in " +-0#":
        raise _invalid(f'Fill argument not supported: "{fill}"')
    spec = "%" + (fill or "") + (str(width) if width > -1 else "")
    kind = dtype.kind
    if kind in "fc":
        if precision > -1:
            spec += f".{precision}"
        return spec + ("g" if shortest else "e" if scientific else "f")
    if precision > -1 or scientific or shortest:
        raise _invalid(f"precision not supported for datatype {dtypes.as_dtype(dtype).name}"
                       if precision > -1 else "scientific and shortest format not "
                       "supported for datatype")
    return spec + ("s" if kind in "bSUO" else "d")


@defop("AsString", inputs=("input: T",), outputs=("output: string",),
       attrs={"precision": -1, "scientific": False, "shortest": False, "width": -1,
              "fill": ""})
class AsString:
    """Each element formatted as a string (printf-style: `%f` for floats by default,
    `precision`, `scientific` (`%e`), `shortest` (`%g`), `width` and `fill`)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, input, precision, scientific, shortest, width, fill):
        a = _host(input)
        spec = _format_spec(a.dtype, precision, scientific, shortest, width, fill)
        flat = a.reshape(-1)
        out = np.empty(flat.shape, object)
        for i, v in enumerate(flat):
            if a.dtype.kind == "b":
                s = spec % ("true" if v else "false")
            elif a.dtype.kind == "c":
                s = "(" + spec % v.real + "," + spec % v.imag + ")"
            elif a.dtype.kind in "SO":
                s = spec % _b(v).decode("utf-8", "surrogateescape")
            else:
                s = spec % v
            out[i] = s.encode("utf-8", "surrogateescape")
        return out.reshape(a.shape)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """Each element of `input` formatted as a string."""
    return apply_op("AsString", [convert_to_tensor(input)], {
        "precision": precision, "scientific": scientific, "shortest": shortest,
        "width": width, "fill": fill}, name=name)


# -- splitting -----------------------------------------------------------------------------
def _sparse_result(tokens):
    indices = [[i, j] for i, row in enumerate(tokens) for j in range(len(row))]
    values = [t for row in tokens for t in row]
    width = max((len(r) for r in tokens), default=0)
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(values, object).reshape(-1),
            np.array([len(tokens), width], np.int64))


def _split_shapes(op):
    op.inputs[0].shape.with_rank(1)
    op.inputs[1].shape.with_rank(0)
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])]


@defop("StringSplit", inputs=("input: string", "delimiter: string"),
       outputs=("indices: int64", "values: string", "shape: int64"),
       attrs={"skip_empty": True})
class StringSplit:
    """Splits each string of a vector at every character of `delimiter` (into characters
    when it is empty), as a SparseTensor; `skip_empty` drops empty tokens."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _split_shapes

    def kernel(xp, input, delimiter, skip_empty):
        delim = _b(_host(delimiter).item())
        rows = []
        for s in _host(input).reshape(-1):
            s = _b(s)
            if not s:
                toks = []
            elif not delim:
                toks = [s[k:k + 1] for k in range(len(s))]
            else:
                toks = re.split(b"[" + re.escape(delim) + b"]", s)
            rows.append([t for t in toks if t or not skip_empty])
        return _sparse_result(rows)


@defop("StringSplitV2", inputs=("input: string", "sep: string"),
       outputs=("indices: int64", "values: string", "shape: int64"), attrs={"maxsplit": -1})
class StringSplitV2:
    """Splits each string of a vector at the separator string `sep` (at runs of
    whitespace, dropping empty tokens, when `sep` is empty), at most `maxsplit` times."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _split_shapes

    def kernel(xp, input, sep, maxsplit):
        sep = _b(_host(sep).item())
        rows = [_b(s).split(sep or None, maxsplit) for s in _host(input).reshape(-1)]
        return _sparse_result(rows)


def string_split(source, sep=None, skip_empty=True, delimiter=None,
                 result_type="SparseTensor", name=None):
    """TF1's `tf.string_split`: a SparseTensor of the tokens of each string of the vector
    `source`, split at any character of `sep` (" " by default)."""
    if result_type != "SparseTensor":
        raise NotImplementedError("flowgraph has no RaggedTensor: use "
                                  "result_type='SparseTensor'")
    sep = delimiter if sep is None and delimiter is not None else sep
    sep = " " if sep is None else sep
    with name_scope(name, "StringSplit", [source]):
        source = convert_to_tensor(source, dtype=_STR, name="source")
        out = apply_op("StringSplit", [source, convert_to_tensor(sep, dtype=_STR)],
                       {"skip_empty": bool(skip_empty)})
        return SparseTensor(*out)


def strings_split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor",
                  source=None, name=None):
    """`tf.compat.v1.strings.split`: the tokens of each string of a vector split at the
    string `sep` (whitespace when None), as a SparseTensor."""
    if input is None:
        input = source
    if result_type != "SparseTensor":
        raise NotImplementedError("flowgraph has no RaggedTensor: use "
                                  "result_type='SparseTensor'")
    with name_scope(name, "StringSplit", [input]):
        input = convert_to_tensor(input, dtype=_STR, name="input")
        if input.shape.ndims == 0:
            raise ValueError("input must be a vector")
        out = apply_op("StringSplitV2", [input, convert_to_tensor(sep or "", dtype=_STR)],
                       {"maxsplit": int(maxsplit)})
        return SparseTensor(*out)


# -- Substr, StringLength ------------------------------------------------------------------
def _utf8_starts(s):
    """Byte offsets of each UTF-8 character of `s` (continuation bytes are skipped)."""
    return [k for k, c in enumerate(s) if c & 0xC0 != 0x80]


@defop("Substr", inputs=("input: string", "pos: T", "len: T"), outputs=("output: string",),
       attrs={"unit": "BYTE"})
class Substr:
    """The substring of each string at `pos` (negative: from the end) of `len` bytes or
    UTF-8 characters (`unit`); `pos` and `len` broadcast against `input`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        out = op.inputs[0].shape
        for t in op.inputs[1:]:
            if t.shape.ndims:
                out = t.shape if out.ndims == 0 else out.merge_with(t.shape)
        return out

    def kernel(xp, input, pos, len, unit):
        a, p, n = _host(input), _host(pos), _host(len)
        try:
            a, p, n = np.broadcast_arrays(a, p, n)
        except ValueError:
            raise _invalid(f"Incompatible shapes: {list(a.shape)} vs. {list(p.shape)}")
        out = np.empty(a.shape, object)
        for k in np.ndindex(*a.shape):
            s = _b(a[k])
            starts = _utf8_starts(s) if unit == "UTF8_CHAR" else None
            size = builtins_len(starts) if starts is not None else builtins_len(s)
            q = int(p[k])
            q = q + size if q < 0 else q
            if q < 0 or q > size:
                flat = int(np.ravel_multi_index(k, a.shape)) if a.shape else 0
                raise _invalid(f"pos {int(p[k])} out of range for string b'"
                               f"{s.decode('latin-1')}' at index {flat}")
            end = min(q + max(int(n[k]), 0), size)
            if starts is None:
                out[k] = s[q:end]
            else:
                bounds = starts + [builtins_len(s)]
                out[k] = s[bounds[q]:bounds[end]]
        return out


builtins_len = len


def substr(input, pos, len, name=None, unit="BYTE"):
    """Substrings of `input` starting at `pos` of length `len` (in `unit`s)."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be one of BYTE, UTF8_CHAR, got {unit}")
    with name_scope(name, "Substr", [input, pos, len]) as s:
        input = convert_to_tensor(input, dtype=_STR, name="input")
        pos = convert_to_tensor(pos, name="pos")
        n = convert_to_tensor(len, dtype=pos.dtype, name="len")
        return apply_op("Substr", [input, pos, n], {"unit": unit}, name=s)


def _length(s, unit):
    return builtins_len(_utf8_starts(s)) if unit == "UTF8_CHAR" else builtins_len(s)


_unary("StringLength", "The length of each string in bytes or UTF-8 characters (`unit`).",
       lambda xp, input, unit: _map(lambda s: _length(s, unit), input, np.int32),
       {"unit": "BYTE"}, out="int32")


def string_length(input, name=None, unit="BYTE"):
    """The length of each string of `input` in `unit`s ("BYTE" or "UTF8_CHAR")."""
    return apply_op("StringLength", [convert_to_tensor(input, dtype=_STR)], {"unit": unit},
                    name=name)


# -- regular expressions -------------------------------------------------------------------
def _compile(pattern):
    try:
        return re.compile(_b(pattern).decode("utf-8", "surrogateescape"), re.ASCII)
    except re.error as e:
        raise _invalid(f"Invalid pattern: {_b(pattern).decode(errors='replace')}, "
                       f"error: {e}")


def _rewriter(rewrite, groups):
    r"""A replacement function for RE2's rewrite syntax: `\0`..`\9` name groups, `\\` is a
    backslash, anything else is literal."""
    rw = _b(rewrite).decode("utf-8", "surrogateescape")
    pieces, k, lit = [], 0, ""
    while k < builtins_len(rw):
        c = rw[k]
        if c == "\\" and k + 1 < builtins_len(rw) and (rw[k + 1].isdigit() or rw[k + 1] == "\\"):
            if rw[k + 1] == "\\":
                lit += "\\"
            else:
                g = int(rw[k + 1])
                if g > groups:
                    raise _invalid(f"Invalid rewrite pattern: {rw}")
                pieces += [lit, g]
                lit = ""
            k += 2
        elif c == "\\":
            raise _invalid(f"Invalid rewrite pattern: {rw}")
        else:
            lit += c
            k += 1
    pieces.append(lit)

    def repl(m):
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in pieces)
    return repl


def _replace(a, pattern, rewrite, replace_global):
    rx = _compile(pattern)
    repl = _rewriter(rewrite, rx.groups)
    count = 0 if replace_global else 1
    return _map(lambda s: rx.sub(repl, s.decode("utf-8", "surrogateescape"), count=count)
                .encode("utf-8", "surrogateescape"), a)


def _fullmatch(a, pattern):
    rx = _compile(pattern)
    return _map(lambda s: rx.fullmatch(s.decode("utf-8", "surrogateescape")) is not None,
                a, np.bool_)


@defop("RegexReplace", inputs=("input: string", "pattern: string", "rewrite: string"),
       outputs=("output: string",), attrs={"replace_global": True})
class RegexReplace:
    """Replaces the matches of the regex `pattern` (all, or the first) in each string by
    `rewrite` (`\\1` names a group)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, input, pattern, rewrite, replace_global):
        return _replace(input, _host(pattern).item(), _host(rewrite).item(), replace_global)


@defop("StaticRegexReplace", inputs=("input: string",), outputs=("output: string",),
       attrs={"pattern": None, "rewrite": None, "replace_global": True})
class StaticRegexReplace:
    """RegexReplace with the pattern and rewrite fixed as attrs."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, input, pattern, rewrite, replace_global):
        return _replace(input, pattern, rewrite, replace_global)


@defop("RegexFullMatch", inputs=("input: string", "pattern: string"),
       outputs=("output: bool",))
class RegexFullMatch:
    """Whether each whole string matches the regex `pattern`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, input, pattern):
        return _fullmatch(input, _host(pattern).item())


@defop("StaticRegexFullMatch", inputs=("input: string",), outputs=("output: bool",),
       attrs={"pattern": None})
class StaticRegexFullMatch:
    """RegexFullMatch with the pattern fixed as an attr."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, input, pattern):
        return _fullmatch(input, pattern)


def _is_python_string(x):
    return isinstance(x, (str, bytes))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces the matches of `pattern` in `input` by `rewrite` (StaticRegexReplace when
    both are Python strings)."""
    input = convert_to_tensor(input, dtype=_STR, name="input")
    if _is_python_string(pattern) and _is_python_string(rewrite):
        return apply_op("StaticRegexReplace", [input], {
            "pattern": _b(pattern).decode("utf-8", "surrogateescape"),
            "rewrite": _b(rewrite).decode("utf-8", "surrogateescape"),
            "replace_global": bool(replace_global)}, name=name)
    return apply_op("RegexReplace", [input, convert_to_tensor(pattern, dtype=_STR),
                                     convert_to_tensor(rewrite, dtype=_STR)],
                    {"replace_global": bool(replace_global)}, name=name)


def regex_full_match(input, pattern, name=None):
    """Whether each string of `input` matches the regex `pattern` entirely."""
    input = convert_to_tensor(input, dtype=_STR, name="input")
    if _is_python_string(pattern):
        return apply_op("StaticRegexFullMatch", [input], {
            "pattern": _b(pattern).decode("utf-8", "surrogateescape")}, name=name)
    return apply_op("RegexFullMatch", [input, convert_to_tensor(pattern, dtype=_STR)],
                    name=name)


# -- StringToNumber ------------------------------------------------------------------------
_FLOAT_RE = re.compile(rb"^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$",
                       re.IGNORECASE)
_INT_RE = re.compile(rb"^\s*[+-]?\d+\s*$")


@defop("StringToNumber", inputs=("string_tensor: string",), outputs=("output: out_type",),
       attrs={"out_type": dtypes.float32})
class StringToNumber:
    """Each string parsed as a number of `out_type` (float32, float64, int32, int64)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same_shape

    def kernel(xp, string_tensor, out_type):
        out_type = np.dtype(out_type)
        is_int = out_type.kind == "i"
        info = np.iinfo(out_type) if is_int else None

        def parse(s):
            if not (_INT_RE if is_int else _FLOAT_RE).match(s):
                raise _invalid(f"StringToNumberOp could not correctly convert string: "
                               f"{s.decode('utf-8', 'replace')}")
            if not is_int:
                return float(s)
            v = int(s)
            if not info.min <= v <= info.max:
                raise _invalid(f"StringToNumberOp could not correctly convert string: "
                               f"{s.decode()}")
            return v
        return _map(parse, string_tensor, out_type)


def string_to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parses each string of `string_tensor` as a number of `out_type`."""
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'out_type' has DataType "
                        f"{out_type.name} not in list of allowed values: float32, float64, "
                        f"int32, int64")
    return apply_op("StringToNumber", [convert_to_tensor(string_tensor, dtype=_STR)],
                    {"out_type": out_type}, name=name)


# -- ReduceJoin ----------------------------------------------------------------------------
def _reduce_join_shape(op):
    x = op.inputs[0].shape
    axes = get_static_value(op.inputs[1])
    if x.ndims is None or axes is None:
        return TensorShape(None)
    rank = x.ndims
    red = {int(a) % rank for a in np.reshape(axes, -1)} if rank else set()
    keep = op.get_attr("keep_dims")
    return TensorShape([1 if d in red else x[d] for d in range(rank) if keep or d not in red])


@defop("ReduceJoin", inputs=("inputs: string", "reduction_indices: int32"),
       outputs=("output: string",), attrs={"keep_dims": False, "separator": ""})
class ReduceJoin:
    """Joins the strings along `reduction_indices` with `separator`, reducing the
    dimensions in the order given (the first one varies fastest)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _reduce_join_shape

    def kernel(xp, inputs, reduction_indices, keep_dims, separator):
        a = _host(inputs)
        rank = a.ndim
        axes = [int(x) for x in _host(reduction_indices).reshape(-1)]
        for x in axes:
            if not -rank <= x < rank:
                raise _invalid(f"Invalid reduction dimension {x} for input with {rank} "
                               f"dimensions.")
        axes = [x % rank for x in axes]
        if builtins_len(set(axes)) != builtins_len(axes):
            raise _invalid(f"Duplicate reduction dimension {axes}")
        keep = [d for d in range(rank) if d not in axes]
        t = np.transpose(a, keep + axes[::-1]) if rank else a
        kept_shape = tuple(a.shape[d] for d in keep)
        rows = t.reshape(kept_shape + (-1,)) if rank else t.reshape(1)
        sep = _b(separator)
        out = np.empty(kept_shape, object)
        for k in np.ndindex(*kept_shape):
            out[k] = sep.join(_b(v) for v in rows[k])
        if keep_dims:
            out = out.reshape(tuple(1 if d in axes else a.shape[d] for d in range(rank)))
        return out


def reduce_join(inputs, axis=None, keep_dims=None, separator="", name=None,
                reduction_indices=None, keepdims=None):
    """Joins the strings of `inputs` across `axis` (all, last dimension first... as
    TF: row-major order, when None)."""
    if axis is None:
        axis = reduction_indices
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "ReduceJoin", [inputs]) as s:
        inputs = convert_to_tensor(inputs, dtype=_STR, name="inputs")
        if axis is None:
            if inputs.shape.ndims is None:
                raise ValueError("reduce_join with axis=None needs an input of known rank")
            axis = list(range(inputs.shape.ndims - 1, -1, -1))
        axes = convert_to_tensor(axis, dtype=dtypes.int32, name="reduction_indices")
        return apply_op("ReduceJoin", [inputs, axes], {"keep_dims": keep,
                                                       "separator": separator}, name=s)


# -- strip, case, base64 -------------------------------------------------------------------
_unary("StringStrip", "Each string without its leading and trailing ASCII whitespace.",
       lambda xp, input: _map(lambda s: s.strip(b" \t\n\v\f\r"), input))


def _case(s, encoding, upper):
    if encoding == "utf-8":
        t = s.decode("utf-8", "surrogateescape")
        return (t.upper() if upper else t.lower()).encode("utf-8", "surrogateescape")
    return s.upper() if upper else s.lower()


_unary("StringUpper", "Each string in upper case (ASCII, or Unicode with encoding "
       "'utf-8').", lambda xp, input, encoding: _map(lambda s: _case(s, encoding, True), input),
       {"encoding": ""})
_unary("StringLower", "Each string in lower case (ASCII, or Unicode with encoding "
       "'utf-8').", lambda xp, input, encoding: _map(lambda s: _case(s, encoding, False),
                                                     input), {"encoding": ""})


def _encode64(s, pad):
    out = base64.urlsafe_b64encode(s)
    return out if pad else out.rstrip(b"=")


def _decode64(s):
    if builtins_len(s) % 4 == 1 or not re.fullmatch(rb"[A-Za-z0-9_-]*={0,2}", s):
        raise _invalid("Invalid character found in base64.")
    try:
        return base64.urlsafe_b64decode(s.rstrip(b"=") + b"=" * (-builtins_len(s.rstrip(b"=")) % 4))
    except (binascii.Error, ValueError):
        raise _invalid("Invalid character found in base64.")


_unary("EncodeBase64", "Each string in web-safe base64 (`-` and `_`), `=`-padded if "
       "`pad`.", lambda xp, input, pad: _map(lambda s: _encode64(s, pad), input), {"pad": False})
_unary("DecodeBase64", "Each web-safe base64 string decoded (padding optional).",
       lambda xp, input: _map(_decode64, input))


def _unary_builder(op_type, doc, **fixed):
    def build(input, name=None, **attrs):
        return apply_op(op_type, [convert_to_tensor(input, dtype=_STR, name="input")],
                        dict(fixed, **attrs), name=name)
    build.__doc__ = doc
    return build


string_strip = _unary_builder("StringStrip", "Strips leading and trailing whitespace.")


def upper(input, encoding="", name=None):
    """Each string of `input` in upper case."""
    return apply_op("StringUpper", [convert_to_tensor(input, dtype=_STR)],
                    {"encoding": encoding}, name=name)


def lower(input, encoding="", name=None):
    """Each string of `input` in lower case."""
    return apply_op("StringLower", [convert_to_tensor(input, dtype=_STR)],
                    {"encoding": encoding}, name=name)


def encode_base64(input, pad=False, name=None):
    """Each string of `input` in web-safe base64."""
    return apply_op("EncodeBase64", [convert_to_tensor(input, dtype=_STR)], {"pad": pad},
                    name=name)


def decode_base64(input, name=None):
    """Each web-safe base64 string of `input` decoded."""
    return apply_op("DecodeBase64", [convert_to_tensor(input, dtype=_STR)], name=name)


def string_format(template, inputs, placeholder="{}", summarize=3, name=None):
    """A scalar string: `template` with each `placeholder` replaced by the next tensor of
    `inputs` (summarized to `summarize` entries per dimension)."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if template.count(placeholder) != builtins_len(inputs):
        raise ValueError(f"The template expects {template.count(placeholder)} tensors, but "
                         f"the inputs only has {builtins_len(inputs)}.")
    tensors = [convert_to_tensor(x) for x in inputs]
    return apply_op("StringFormat", [tensors], {
        "template": template, "placeholder": placeholder,
        "summarize": -1 if summarize is None else summarize}, name=name)


def string_join(inputs, separator="", name=None):
    """Joins a list of string tensors elementwise (scalars are broadcast)."""
    return apply_op("StringJoin", [[convert_to_tensor(x, dtype=_STR) for x in inputs]],
                    {"separator": separator}, name=name)
