"""Decoding string tensors: `DecodeRaw` (bytes as numbers), `DecodeCSV` (records into
columns) and `DecodeCompressed` (zlib / gzip), with TF's signatures and errors."""
import zlib

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, REQUIRED_LIST

__all__ = ["decode_raw", "decode_csv", "decode_compressed"]
__namespaces__ = {"io": ["decode_raw", "decode_csv", "decode_compressed"]}


def _host(v):
    return v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else np.asarray(v)


def _bytes(x):
    return x if isinstance(x, bytes) else str(x).encode()


def _bad(msg):
    return errors.InvalidArgumentError(None, None, msg)


@defop("DecodeRaw", inputs=("bytes: string",), outputs=("output: out_type",),
       attrs={"out_type": None, "little_endian": True})
class DecodeRaw:
    """Reinterprets the bytes of each string as a vector of `out_type` numbers."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape.concatenate([None])

    def kernel(xp, bytes, out_type, little_endian):
        arr = np.asarray(_host(bytes), dtype=object)
        dt = np.dtype(out_type)
        items = [_bytes(x) for x in arr.reshape(-1).tolist()]
        size = len(items[0]) if items else 0
        for i, b in enumerate(items):
            if len(b) != size:
                raise _bad(f"DecodeRaw requires input strings to all be the same size, but "
                           f"element {i} has size {size} != {len(b)}")
        if size % dt.itemsize:
            raise _bad(f"Input to DecodeRaw has length {size} that is not a multiple of "
                       f"{dt.itemsize}, the size of {dtypes.as_dtype(dt).name}")
        dt = dt.newbyteorder("<" if little_endian else ">") if dt.itemsize > 1 else dt
        flat = np.frombuffer(b"".join(items), dtype=dt).astype(np.dtype(out_type))
        return flat.reshape(arr.shape + (size // dt.itemsize,))


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):
    """Reinterprets the bytes of a string tensor as numbers: shape input.shape + [n]."""
    if input_bytes is None:
        input_bytes = bytes
    elif bytes is not None:
        raise ValueError("Only one of input_bytes and bytes may be given")
    return apply_op("DecodeRaw", [input_bytes], {"out_type": dtypes.as_dtype(out_type),
                                                 "little_endian": little_endian}, name=name)


def _split(record, delim, quotes, r):
    """The fields of one CSV record."""
    fields, i, n = [], 0, len(record)
    if n == 0:  # as TF: an empty record has no fields
        return []
    while True:
        if quotes and i < n and record[i:i + 1] == b'"':
            i += 1
            field = bytearray()
            while True:
                if i >= n:
                    raise _bad(f"Quoted field has to end with quote followed by delim or "
                               f"end of record {r}")
                c = record[i:i + 1]
                if c == b'"':
                    if record[i + 1:i + 2] == b'"':
                        field += b'"'
                        i += 2
                        continue
                    i += 1
                    break
                field += c
                i += 1
            if i < n and record[i:i + 1] != delim:
                raise _bad("Quote inside a string has to be escaped by another quote")
            fields.append(bytes(field))
        else:
            j = record.find(delim, i)
            j = n if j < 0 else j
            field = record[i:j]
            if quotes and b'"' in field:
                raise _bad("Unquoted fields cannot have quotes/CRLFs inside")
            fields.append(field)
            i = j
        if i >= n:
            return fields
        i += 1  # the delimiter
        if i == n:
            fields.append(b"")
            return fields


def _convert(field, dt, col, r):
    name = dtypes.as_dtype(dt).name
    if dt == np.dtype(object):
        return field
    text = field.decode("utf-8", "replace")
    try:
        if dt.kind == "i":
            v = int(text.strip(), 10)
            info = np.iinfo(dt)
            if not info.min <= v <= info.max:
                raise ValueError
            return v
        return float(text)
    except ValueError:
        raise _bad(f"Field {col} in record {r} is not a valid {name}: {text}") from None


@defop("DecodeCSV", inputs=("records: string", "record_defaults: OUT_TYPE"),
       outputs=("output: OUT_TYPE",),
       attrs={"OUT_TYPE": REQUIRED_LIST, "field_delim": ",", "use_quote_delim": True,
              "na_value": "", "select_cols": []})
class DecodeCSV:
    """Splits CSV records into one tensor per column (empty fields take the defaults)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        n = len(op.get_attr("OUT_TYPE"))
        for t in op.inputs[1:]:
            if t.shape.ndims not in (None, 0, 1) or \
                    (t.shape.ndims == 1 and t.shape.as_list()[0] not in (None, 0, 1)):
                raise ValueError("Shape of a default must be a length-0 or length-1 vector,"
                                 " or a scalar.")
        return [op.inputs[0].shape] * n

    def kernel(xp, records, record_defaults, OUT_TYPE, field_delim, use_quote_delim, na_value,
               select_cols):
        if len(field_delim) != 1:
            raise _bad("field_delim should be only 1 char")
        delim = field_delim.encode() if isinstance(field_delim, str) else field_delim
        na = na_value.encode() if isinstance(na_value, str) else na_value
        recs = np.asarray(_host(records), dtype=object)
        dts = [np.dtype(object) if dtypes.as_dtype(t) == dtypes.string else
               np.dtype(dtypes.as_dtype(t).as_numpy_dtype) for t in OUT_TYPE]
        defaults = [np.asarray(_host(d)).reshape(-1) for d in record_defaults]
        cols = [[] for _ in dts]
        select = list(select_cols)
        for r, rec in enumerate(recs.reshape(-1).tolist()):
            fields = _split(_bytes(rec), delim, use_quote_delim, r)
            if select:
                if len(fields) <= select[-1]:
                    raise _bad(f"Expect {len(dts)} fields but have {len(fields)} in "
                               f"record {r}")
                fields = [fields[c] for c in select]
            elif len(fields) != len(dts):
                raise _bad(f"Expect {len(dts)} fields but have {len(fields)} in record {r}")
            for c, (f, dt, d) in enumerate(zip(fields, dts, defaults)):
                if f == b"" or f == na:
                    if d.size == 0:
                        raise _bad(f"Field {c} is required but missing in record {r}!")
                    cols[c].append(_bytes(d[0]) if dt == np.dtype(object) else d[0])
                else:
                    cols[c].append(_convert(f, dt, c, r))
        out = []
        for col, dt in zip(cols, dts):
            a = np.empty(len(col), dtype=dt)
            a[:] = col
            out.append(a.reshape(recs.shape))
        return out


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None):
    """Converts CSV records to tensors, one per column of `record_defaults`."""
    if select_cols is not None and any(select_cols[i] >= select_cols[i + 1]
                                       for i in range(len(select_cols) - 1)):
        raise ValueError("select_cols is not strictly increasing.")
    if select_cols is not None and select_cols and select_cols[0] < 0:
        raise ValueError("select_cols contains negative values.")
    if select_cols is not None and len(select_cols) != len(record_defaults):
        raise ValueError("Length of select_cols and record_defaults do not match.")
    return apply_op("DecodeCSV", [records, list(record_defaults)],
                    {"field_delim": field_delim, "use_quote_delim": use_quote_delim,
                     "na_value": na_value, "select_cols": list(select_cols or [])},
                    name=name)


@defop("DecodeCompressed", inputs=("bytes: string",), outputs=("output: string",),
       attrs={"compression_type": ""})
class DecodeCompressed:
    """Decompresses each string (ZLIB or GZIP; "" leaves it as it is)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, bytes, compression_type):
        arr = np.asarray(_host(bytes), dtype=object)
        if compression_type not in ("", "ZLIB", "GZIP"):
            raise _bad(f"Only ZLIB, GZIP or NONE are supported compressions, got "
                       f"{compression_type}")
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, b in enumerate(arr.reshape(-1).tolist()):
            b = _bytes(b)
            if compression_type and b:
                try:
                    d = zlib.decompressobj(31 if compression_type == "GZIP" else 15)
                    b = d.decompress(b) + d.flush()
                    if not d.eof:
                        raise zlib.error("truncated stream")
                except zlib.error as e:
                    raise errors.DataLossError(None, None, f"inflate() failed: {e}") from None
            flat[i] = b
        return out


def decode_compressed(bytes, compression_type="", name=None):
    """Decompresses each element of a string tensor."""
    return apply_op("DecodeCompressed", [bytes], {"compression_type": compression_type},
                    name=name)
