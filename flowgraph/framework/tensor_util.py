"""Numpy arrays <-> `TensorProto` (`tf.make_tensor_proto`, `tf.make_ndarray`), and the
small shape/dtype proto helpers the graph writers share."""
import math

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.proto import tensor_pb2, tensor_shape_pb2

__all__ = ["make_tensor_proto", "MakeNdarray", "make_ndarray", "shape_to_proto",
           "shape_from_proto"]

# Where each dtype's values go when not written as raw tensor_content.
_VAL_FIELD = {
    dtypes.float32: "float_val", dtypes.float64: "double_val", dtypes.int32: "int_val",
    dtypes.int16: "int_val", dtypes.int8: "int_val", dtypes.uint8: "int_val",
    dtypes.uint16: "int_val", dtypes.int64: "int64_val", dtypes.bool: "bool_val",
    dtypes.string: "string_val", dtypes.complex64: "scomplex_val",
    dtypes.complex128: "dcomplex_val", dtypes.float16: "half_val",
    dtypes.uint32: "uint32_val", dtypes.uint64: "uint64_val",
}


def shape_to_proto(shape):
    """A TensorShapeProto for a TensorShape (or anything `as_shape` takes)."""
    shape = tensor_shape.as_shape(shape)
    p = tensor_shape_pb2.TensorShapeProto()
    if shape.ndims is None:
        p.unknown_rank = True
    else:
        for d in shape.as_tuple_or_none():
            p.dim.add().size = -1 if d is None else d
    return p


def shape_from_proto(proto):
    """A TensorShape from a TensorShapeProto (-1 dims are unknown)."""
    if proto.unknown_rank:
        return tensor_shape.unknown_shape()
    return tensor_shape.TensorShape([None if d.size < 0 else d.size for d in proto.dim])


def _as_array(values, dtype):
    from flowgraph.framework import op_builder
    if isinstance(values, np.ndarray) and dtype is None:
        return values if values.dtype.kind not in "SU" else op_builder._string_array(values)
    return op_builder._python_to_numpy(values, dtype)


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False,
                      allow_broadcast=False):
    """A `TensorProto` holding `values` (numpy array or Python value) with TF's encoding:
    raw `tensor_content` for numeric arrays of more than one element, typed values
    otherwise. With `shape`, a single value fills the whole shape."""
    if isinstance(values, tensor_pb2.TensorProto):
        return values
    if hasattr(values, "SerializeToString") and hasattr(values, "tensor_content"):
        return tensor_pb2.TensorProto.FromString(values.SerializeToString())
    arr = _as_array(values, dtype)
    dt = dtypes.string if arr.dtype.kind in "OSU" else dtypes.as_dtype(arr.dtype)
    if dtype is not None and dtypes.as_dtype(dtype).base_dtype != dt:
        raise TypeError(f"Expected {dtypes.as_dtype(dtype).name}, got values of type {dt.name}")
    fill = False
    if shape is None:
        out_shape = arr.shape
    else:
        out_shape = tuple(int(d) for d in tensor_shape.as_shape(shape).as_list())
        n = int(np.prod(out_shape, dtype=np.int64))
        if verify_shape and arr.shape != out_shape:
            raise TypeError(f"Expected Tensor's shape: {out_shape}, got {arr.shape}.")
        if arr.size == n:
            arr = arr.reshape(out_shape)
        elif arr.size == 1 or (allow_broadcast and arr.size):
            if arr.size != 1:
                arr = np.broadcast_to(arr, out_shape)
            else:
                fill = True
        elif arr.size > n:
            raise ValueError(f"Too many elements provided. Takes at most {n:d}, but got "
                             f"{arr.size:d}")
        else:  # fewer values: TF repeats the last one
            if arr.size == 0:
                raise ValueError(f"Cannot fill shape {list(out_shape)} from an empty value")
            flat = arr.reshape(-1)
            arr = np.concatenate([flat, np.repeat(flat[-1:], n - arr.size)]).reshape(out_shape)
    p = tensor_pb2.TensorProto(dtype=dt.as_datatype_enum)
    p.tensor_shape.CopyFrom(shape_to_proto(out_shape))
    if fill:
        _put_values(p, dt, arr.reshape(-1))
    elif dt not in (dtypes.string, dtypes.bool) and arr.size > 1:
        p.tensor_content = np.ascontiguousarray(arr, arr.dtype.newbyteorder("<")).tobytes()
    else:
        _put_values(p, dt, arr.reshape(-1))
    return p


def _put_values(p, dt, flat):
    field = _VAL_FIELD.get(dt)
    if field is None:
        raise TypeError(f"Cannot serialize tensors of type {dt.name}")
    if dt == dtypes.string:
        p.string_val.extend(x.encode() if isinstance(x, str) else bytes(x) for x in flat)
    elif dt == dtypes.float16:
        p.half_val.extend(flat.astype(np.float16).view(np.uint16).astype(np.int32).tolist())
    elif dt.is_complex:
        pairs = np.stack([flat.real, flat.imag], axis=-1).reshape(-1)
        getattr(p, field).extend(pairs.tolist())
    else:
        getattr(p, field).extend(flat.tolist())


def compact_tensor_proto(arr):
    """Like `make_tensor_proto(arr)`, but an array of one repeated value is stored as that
    value plus the shape (TF's fill rule), as TF's `tf.zeros`/`tf.ones` constants are."""
    arr = np.asarray(arr)
    if is_fill_view(arr):  # one value broadcast: never expanded to compare or write
        return make_tensor_proto(np.array(arr.reshape(-1)[0], dtype=arr.dtype),
                                 shape=arr.shape)
    if arr.size > 1 and arr.dtype.kind not in "OSU":
        first = arr.reshape(-1)[0]
        if (arr == first).all() and not (arr.dtype.kind in "fc" and np.isnan(first)):
            if arr.dtype.kind not in "fc" or (np.signbit(arr.real) ==
                                              np.signbit(first.real)).all():
                return make_tensor_proto(first.reshape(()), shape=arr.shape)
    return make_tensor_proto(arr)


# A TensorProto with fewer values than its shape holds is expanded (the last value
# repeated) only up to this many elements when read lazily (an imported Const): beyond,
# it is refused rather than allocated from a few bytes of file.
_EXPAND_LIMIT = 1 << 24


def MakeNdarray(tensor, lazy=False):  # noqa: N802 (TF's name)
    """The numpy array held by a `TensorProto`.

    `lazy` (for graph import): a proto holding one value (or none) for a whole shape
    becomes a read-only broadcast view of that value, which allocates nothing, so a
    few bytes of file claiming a huge shape cost nothing until a kernel computes on it;
    a partial fill beyond `_EXPAND_LIMIT` elements is an InvalidArgumentError."""
    if not isinstance(tensor, tensor_pb2.TensorProto):
        tensor = tensor_pb2.TensorProto.FromString(tensor.SerializeToString())
    dt = dtypes.as_dtype(tensor.dtype)
    if dt.is_ref_dtype:
        dt = dt.base_dtype
    if tensor.tensor_shape.unknown_rank:
        raise ValueError("Cannot make an array from a TensorProto of unknown rank")
    shape = tuple(d.size for d in tensor.tensor_shape.dim)
    if any(d < 0 for d in shape):
        raise ValueError(f"Cannot make an array of partially known shape {list(shape)}")
    n = math.prod(shape)
    if n > 2 ** 63 - 1:
        raise ValueError(f"Shape {list(shape)} is too large (more than 2**63 - 1 entries)")
    np_dt = None if dt == dtypes.string else np.dtype(dt.as_numpy_dtype)
    if np_dt is None and dt != dtypes.string:
        raise TypeError(f"Unsupported tensor type: {dt.name}")
    if tensor.tensor_content:
        if np_dt is None:
            raise ValueError("A string TensorProto cannot use tensor_content")
        content = tensor.tensor_content
        if len(content) != n * np_dt.itemsize:
            raise ValueError(f"tensor_content holds {len(content)} bytes, shape {list(shape)} "
                             f"of {dt.name} needs {n * np_dt.itemsize}")
        return np.frombuffer(content, dtype=np_dt.newbyteorder("<")).astype(np_dt) \
            .reshape(shape)
    field = _VAL_FIELD.get(dt)
    if field is None:
        raise TypeError(f"Unsupported tensor type: {dt.name}")
    vals = getattr(tensor, field)
    if dt == dtypes.string:
        flat = np.empty(len(vals), dtype=object)
        flat[:] = list(vals)
    elif dt == dtypes.float16:
        flat = np.array(vals, dtype=np.int32).astype(np.uint16).view(np.float16)
    elif dt.is_complex:
        pairs = np.array(vals, dtype=np.float32 if dt == dtypes.complex64 else np.float64)
        if pairs.size % 2:
            raise ValueError("Complex values must come in (real, imaginary) pairs")
        flat = (pairs[0::2] + 1j * pairs[1::2]).astype(np_dt)
    else:
        flat = np.array(vals, dtype=np_dt)
    if flat.size == n:
        return flat.reshape(shape)
    if flat.size > n:
        raise ValueError(f"TensorProto holds {flat.size} values for shape {list(shape)}")
    if lazy and flat.size <= 1:
        one = flat if flat.size else np.array([b"" if dt == dtypes.string else 0],
                                              dtype=object if np_dt is None else np_dt)
        return _broadcast(one, shape)
    if lazy and n > _EXPAND_LIMIT:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot parse tensor from proto: {flat.size} values for shape "
                        f"{list(shape)} ({n} elements) would be expanded")
    if flat.size == 0:
        if dt == dtypes.string:
            out = np.empty(n, dtype=object)
            out[:] = [b""] * n
            return out.reshape(shape)
        return np.zeros(shape, dtype=np_dt)
    if dt == dtypes.string:
        out = np.empty(n, dtype=object)
        out[:flat.size] = flat
        out[flat.size:] = [flat[-1]] * (n - flat.size)
        return out.reshape(shape)
    out = np.empty(n, dtype=np_dt)
    out[:flat.size] = flat
    out[flat.size:] = flat[-1]
    return out.reshape(shape)


make_ndarray = MakeNdarray


def _broadcast(one, shape):
    """A read-only view of the single value `one` (shape [1]) with `shape`."""
    try:
        return np.broadcast_to(one.reshape(()), shape)
    except ValueError as e:  # e.g. more elements than an index can count
        raise ValueError(f"Shape {list(shape)} is too large: {e}") from None


def is_fill_view(arr):
    """Whether `arr` is one value broadcast to its shape (a lazily imported Const)."""
    return isinstance(arr, np.ndarray) and arr.size > 1 and not any(arr.strides)
