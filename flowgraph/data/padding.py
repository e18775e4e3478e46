"""`Dataset.padded_batch`: padded shapes and values checked and converted at build time."""
import numpy as np

from flowgraph.data import functions, structure
from flowgraph.framework import constant_value, dtypes, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.ops.type_spec import TensorSpec


def _as_padded_shape(p, k, elem_shape):
    """(the padded shape as a TensorShape, as an int64 vector tensor) of component k."""
    if isinstance(p, Tensor):
        v = constant_value.constant_value(p)
        static = tensor_shape.TensorShape([None if d < 0 else int(d) for d in v]) \
            if v is not None else tensor_shape.unknown_shape(p.shape[0] if p.shape.ndims
                                                              else None)
        return static, convert_to_tensor(p, dtype=dtypes.int64)
    static = tensor_shape.as_shape(p)
    dims = [None if (d is None or d < 0) else d for d in
            (static.as_list() if static.ndims is not None else [])]
    static = tensor_shape.TensorShape(dims)
    if not _fits(static, elem_shape):
        raise ValueError(f"The padded shape {static} is not compatible with the shape "
                         f"{elem_shape} of the corresponding input component.")
    vec = np.array([-1 if d is None else d for d in dims], dtype=np.int64)
    return static, convert_to_tensor(vec, dtype=dtypes.int64, name="padded_shapes")


def _fits(padded, shape):
    """Whether elements of `shape` can be padded to `padded` (same rank, no dim larger)."""
    if shape.ndims is None:
        return True
    if padded.ndims != shape.ndims:
        return False
    return all(p is None or s is None or p >= s
               for p, s in zip(padded.as_list(), shape.as_list()))


def padded_batch(ds, cls, batch_size, padded_shapes, padding_values, drop_remainder):
    spec = ds.element_spec
    if functions.has_sparse(spec):
        raise NotImplementedError("padded_batch of SparseTensor components is not "
                                  "supported yet")
    flat = structure.flatten(spec)
    if padded_shapes is None:
        for k, s in enumerate(flat):
            if s.shape.ndims is None:
                raise ValueError(f"You must provide `padded_shapes` argument because "
                                 f"component {k} has unknown rank.")
        shapes = [s.shape for s in flat]
    else:
        shapes = structure.flatten_up_to(spec, padded_shapes)
    pairs = [_as_padded_shape(p, k, s.shape) for k, (p, s) in enumerate(zip(shapes, flat))]
    if padding_values is None:
        values = [b"" if s.dtype == dtypes.string else 0 for s in flat]
    else:
        values = structure.flatten_up_to(spec, padding_values)
    pad_tensors = [convert_to_tensor(v, dtype=s.dtype, name="padding_value")
                   for v, s in zip(values, flat)]
    n = batch_size if not isinstance(batch_size, Tensor) else \
        constant_value.constant_value(batch_size)
    drop = bool(drop_remainder) if not isinstance(drop_remainder, Tensor) else \
        bool(constant_value.constant_value(drop_remainder))
    dim = int(n) if drop and n is not None else None
    out = structure.pack(spec, [
        TensorSpec(tensor_shape.TensorShape([dim]).concatenate(st), s.dtype)
        for (st, _), s in zip(pairs, flat)])
    attrs = {"Toutput_types": [s.dtype for s in flat],
             "output_shapes": structure.flat_shapes(out)}
    v = apply_op("PaddedBatchDatasetV2", [
        ds._variant_tensor, convert_to_tensor(batch_size, dtype=dtypes.int64,
                                              name="batch_size"),
        [t for _, t in pairs], pad_tensors,
        convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")],
        attrs)
    return cls(v, out)



