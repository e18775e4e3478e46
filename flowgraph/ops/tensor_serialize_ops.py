"""`tf.io.serialize_tensor` / `parse_tensor`: a tensor as a serialized `TensorProto`
(`SerializeTensor`, `ParseTensor`), byte-identical to TF's."""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape, tensor_util
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.proto import tensor_pb2

__all__ = ["serialize_tensor", "parse_tensor"]
__namespaces__ = {"io": ["serialize_tensor", "parse_tensor"]}


def _host(v):
    return v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else np.asarray(v)


@defop("SerializeTensor", inputs=("tensor: T",), outputs=("serialized: string",))
class SerializeTensor:
    """The bytes of a `TensorProto` holding the tensor (numbers as tensor_content)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(xp, tensor, T):
        arr = _host(tensor)
        dt = dtypes.as_dtype(T)
        p = tensor_pb2.TensorProto(dtype=dt.as_datatype_enum,
                                   tensor_shape=tensor_util.shape_to_proto(
                                       tensor_shape.TensorShape(list(arr.shape))))
        if dt == dtypes.string:
            p.string_val.extend(x if isinstance(x, bytes) else str(x).encode()
                                for x in arr.reshape(-1).tolist())
        elif arr.size:
            p.tensor_content = np.ascontiguousarray(arr).astype(
                arr.dtype.newbyteorder("<"), copy=False).tobytes()
        return np.asarray(p.SerializeToString(), dtype=object)


@defop("ParseTensor", inputs=("serialized: string",), outputs=("output: out_type",),
       attrs={"out_type": None})
class ParseTensor:
    """The tensor a serialized `TensorProto` holds; its dtype must be `out_type`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        if op.inputs[0].shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.ndims}")
        return tensor_shape.unknown_shape()

    def kernel(xp, serialized, out_type):
        data = _host(serialized)
        data = data.item() if data.ndim == 0 else data
        p = tensor_pb2.TensorProto()
        try:
            p.ParseFromString(data if isinstance(data, bytes) else str(data).encode())
        except Exception:
            raise errors.InvalidArgumentError(
                None, None, "Could not parse `serialized` as TensorProto") from None
        got, want = dtypes.as_dtype(p.dtype), dtypes.as_dtype(out_type)
        if got != want:
            raise errors.InvalidArgumentError(
                None, None, f"Type mismatch between parsed tensor ({got.name}) and dtype "
                            f"({want.name})")
        try:
            arr = tensor_util.MakeNdarray(p)
        except (ValueError, TypeError) as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        if want == dtypes.string:
            out = np.empty(arr.shape, dtype=object)
            out[...] = arr
            return out
        return np.asarray(arr, dtype=np.dtype(want.as_numpy_dtype))


def serialize_tensor(tensor, name=None):
    """The tensor as the bytes of a serialized `TensorProto` (a scalar string)."""
    return apply_op("SerializeTensor", [tensor], name=name)


def parse_tensor(serialized, out_type, name=None):
    """The tensor of dtype `out_type` held by a serialized `TensorProto`."""
    return apply_op("ParseTensor", [serialized], {"out_type": dtypes.as_dtype(out_type)},
                    name=name)
