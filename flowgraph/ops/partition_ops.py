"""Partitioning and index bookkeeping: DynamicPartition and DynamicStitch (each the other's
gradient), batch_gather, UnravelIndex, Bitcast and to_bfloat16."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant_value, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _host, _zeros_for_none

__all__ = ["dynamic_partition", "dynamic_stitch", "batch_gather", "unravel_index",
           "bitcast", "to_bfloat16"]


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


@defop("DynamicPartition", inputs=("data: T", "partitions: int32"),
       outputs=("outputs: num_partitions * T",), attrs={"num_partitions": None})
class DynamicPartition:
    """Splits `data` into `num_partitions` tensors by the index in `partitions`."""
    def shape(op):
        n = op.get_attr("num_partitions")
        if n < 1:
            raise ValueError(f"num_partitions must be >= 1, got {n}")
        d, p = op.inputs[0].shape, op.inputs[1].shape
        if d.ndims is None or p.ndims is None:
            return [unknown_shape() for _ in range(n)]
        if not d[:p.ndims].is_compatible_with(p):
            raise ValueError(f"partitions.shape {p} must be a prefix of data.shape {d}")
        return [TensorShape([None]).concatenate(d[p.ndims:]) for _ in range(n)]

    def kernel(xp, data, partitions, num_partitions):
        p = _host(partitions)
        if data.shape[:p.ndim] != p.shape:
            raise _invalid(f"data.shape must start with partitions.shape, got data.shape = "
                           f"{list(data.shape)}, partitions.shape = {list(p.shape)}")
        bad = (p < 0) | (p >= num_partitions)
        if bad.any():
            pos = np.unravel_index(int(np.argmax(bad.reshape(-1))), p.shape)
            raise _invalid(f"partitions{list(pos)} = {int(p[pos])} is not in "
                           f"[0, {num_partitions})")
        flat = data.reshape((-1,) + data.shape[p.ndim:])
        pf = p.reshape(-1)
        return [flat[xp.asarray(np.nonzero(pf == i)[0])] for i in range(num_partitions)]

    def grad(op, *grads):
        from flowgraph.ops import array_ops, creation_ops
        data, partitions = op.inputs
        n = apply_op("Size", [partitions], {"out_type": dtypes.int32})
        ids = apply_op("Reshape", [creation_ops.range(0, n), array_ops.shape(partitions)])
        parts = dynamic_partition(ids, partitions, op.get_attr("num_partitions"))
        stitched = dynamic_stitch(parts, _zeros_for_none(grads, op))
        return [apply_op("Reshape", [stitched, array_ops.shape(data)]), None]


def _stitch_shape(op):
    n = op.get_attr("N")
    idx, data = op.inputs[:n], op.inputs[n:]
    size = 0
    inner = None
    for i, d in zip(idx, data):
        if i.shape.ndims is not None and d.shape.ndims is not None:
            if not d.shape[:i.shape.ndims].is_compatible_with(i.shape):
                raise ValueError(f"data.shape {d.shape} must start with indices.shape "
                                 f"{i.shape}")
            tail = d.shape[i.shape.ndims:]
            inner = tail if inner is None else inner.merge_with(tail)
        v = constant_value(i)
        if size is not None and v is not None:
            size = max(size, int(np.max(v)) + 1 if np.size(v) else 0)
        else:
            size = None
    if inner is None:
        return unknown_shape()
    return TensorShape([size]).concatenate(inner)


@defop("DynamicStitch", inputs=("indices: N * int32", "data: N * T"),
       outputs=("merged: T",))
class DynamicStitch:
    """Interleaves `data` into one tensor: merged[indices[m][i]] = data[m][i] (later
    entries win)."""
    shape = _stitch_shape

    def kernel(xp, indices, data):
        hosts = [_host(i) for i in indices]
        for i, (ix, d) in enumerate(zip(hosts, data)):
            if d.shape[:ix.ndim] != ix.shape:
                raise _invalid(f"data[{i}].shape = {list(d.shape)} does not start with "
                               f"indices[{i}].shape = {list(ix.shape)}")
        size = max([int(ix.max()) + 1 for ix in hosts if ix.size] + [0])
        inner = data[0].shape[hosts[0].ndim:]
        out = xp.zeros((size,) + inner, dtype=data[0].dtype)
        for ix, d in zip(hosts, data):
            if (ix < 0).any():
                raise _invalid(f"indices must be non-negative, got {int(ix.min())}")
            out[xp.asarray(ix.reshape(-1))] = d.reshape((-1,) + inner)
        return out

    def grad(op, g):
        from flowgraph.ops.gather_ops import gather
        n = op.get_attr("N")
        return [None] * n + [gather(g, i) for i in op.inputs[:n]]


def dynamic_partition(data, partitions, num_partitions, name=None):
    """Partitions `data` into `num_partitions` tensors using indices from `partitions`."""
    return apply_op("DynamicPartition", [data, partitions],
                    {"num_partitions": num_partitions}, name=name)


def dynamic_stitch(indices, data, name=None):
    """Interleaves the values from the `data` tensors into a single tensor."""
    return apply_op("DynamicStitch", [list(indices), list(data)], name=name)


def batch_gather(params, indices, name=None):
    """Gathers with the leading dims of `indices` as batch dims (gather with
    batch_dims = rank(indices) - 1)."""
    from flowgraph.ops.gather_ops import gather
    with name_scope(name, "BatchGather", [params, indices]):
        indices = convert_to_tensor(indices, name="indices")
        params = convert_to_tensor(params, name="params")
        if indices.shape.ndims is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        from flowgraph.ops import array_ops, join_ops
        r = indices.shape.ndims
        out = gather(params, indices, batch_dims=r - 1)
        # as TF's version ends: reshape to indices.shape + params.shape[rank(indices):]
        shape = join_ops.concat([array_ops.shape(indices), array_ops.shape(params)[r:]], 0)
        return array_ops.reshape(out, shape)


@defop("UnravelIndex", inputs=("indices: Tidx", "dims: Tidx"), outputs=("output: Tidx",),
       attrs={"Tidx": dtypes.int32})
class UnravelIndex:
    """Converts flat indices into coordinate arrays of shape `dims`."""
    def shape(op):
        i, d = op.inputs[0].shape, op.inputs[1].shape
        if i.ndims is not None and i.ndims > 1:
            raise ValueError(f"Shape must be at most rank 1 but is rank {i.ndims}")
        if d.ndims is not None and d.ndims != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {d.ndims}")
        if i.ndims is None:
            return unknown_shape()
        return TensorShape([d[0] if d.ndims else None]).concatenate(i)

    def kernel(xp, indices, dims):
        ix, dm = _host(indices), _host(dims)
        if (dm <= 0).any():
            raise _invalid("All dimensions must be positive")
        total = int(np.prod(dm))
        if ((ix < 0) | (ix >= total)).any():
            raise _invalid(f"index out of bounds for dims {dm.tolist()}")
        return xp.asarray(np.stack(np.unravel_index(ix, tuple(dm))).astype(ix.dtype))
    grad = NOT_DIFFERENTIABLE


def unravel_index(indices, dims, name=None):
    """Converts an array of flat indices into a tuple of coordinate arrays."""
    return apply_op("UnravelIndex", [indices, dims], name=name)


@defop("Bitcast", inputs=("input: T",), outputs=("output: type",), attrs={"type": None})
class Bitcast:
    """Reinterprets the bytes of `input` as `type`, adding or removing a last dimension
    when the sizes differ."""
    def shape(op):
        src = dtypes.as_dtype(op.get_attr("T")).as_numpy_dtype
        dst = dtypes.as_dtype(op.get_attr("type")).as_numpy_dtype
        a, b = np.dtype(src).itemsize, np.dtype(dst).itemsize
        s = op.inputs[0].shape
        if a == b or s.ndims is None:
            return s if a == b else unknown_shape()
        if a > b:
            return s.concatenate([a // b])
        if s.ndims == 0 or s[-1].value not in (None, b // a):
            raise ValueError(f"Cannot bitcast from {dtypes.as_dtype(src).name} to "
                             f"{dtypes.as_dtype(dst).name}: shape {s}")
        return s[:-1]

    def kernel(xp, input, type):
        a, b = input.dtype.itemsize, np.dtype(type).itemsize
        x = xp.ascontiguousarray(input)
        if a < b and (x.ndim == 0 or x.shape[-1] != b // a):
            raise _invalid(f"Cannot bitcast from {input.dtype} to {np.dtype(type)}: shape "
                           f"{list(input.shape)}")
        out = x.view(type)
        if a > b:
            return out.reshape(input.shape + (a // b,))
        if a < b:
            return out.reshape(input.shape[:-1])
        return out
    grad = NOT_DIFFERENTIABLE


def bitcast(input, type, name=None):  # noqa: A002 (TF's names)
    """Bitcasts a tensor from one type to another without copying data."""
    return apply_op("Bitcast", [input], {"type": dtypes.as_dtype(type)}, name=name)


def to_bfloat16(x, name="ToBFloat16"):
    """Casts a tensor to type `bfloat16`."""
    from flowgraph.ops.unary_ops import cast
    return cast(x, dtypes.bfloat16, name=name)

