"""Shared helpers of the distributions: parameters as tensors of one dtype, their
broadcast batch shape."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import core


def as_params(values, names, dtype=None):
    """Each parameter as an identity tensor named `names[i]`, all of one dtype: the first
    tensor's, else float32 (TF's common-dtype rule)."""
    if dtype is None:
        dtype = next((dtypes.as_dtype(v.dtype).base_dtype for v in values
                      if hasattr(v, "dtype")), dtypes.float32)
    return [core.identity(convert_to_tensor(v, dtype=dtype), name=n)
            for v, n in zip(values, names)]


def batch_shape_of(*tensors):
    """The static broadcast of the tensors' shapes."""
    from flowgraph.ops import manip_ops
    shape = tensors[0].shape
    for t in tensors[1:]:
        shape = manip_ops.broadcast_static_shape(shape, t.shape)
    return tensor_shape.as_shape(shape)
