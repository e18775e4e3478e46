"""`tf.sparse_placeholder`, the op `SparseToDense` (`tf.sparse_to_dense`,
`tf.sparse.to_dense`) and `tf.sparse.from_dense`: between SparseTensors and dense tensors."""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant_value_as_shape, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, core, creation_ops, gather_ops, math_ops,
                           reduction_ops)

__all__ = ["sparse_placeholder", "sparse_tensor_to_dense", "sparse_to_dense"]


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of placeholders to be fed with a SparseTensorValue: `<name>/values`,
    `<name>/indices` and `<name>/shape` (a placeholder_with_default when `shape` is
    given, whose known dims make the SparseTensor's static shape)."""

    def sub(s):
        return None if name is None else f"{name}/{s}"
    if shape is None:
        rank, static = None, TensorShape(None)
        dense_shape = core.placeholder(dtypes.int64, shape=[None], name=sub("shape"))
    else:
        shape = tensor_shape.as_shape(shape) if not isinstance(shape, (list, tuple)) \
            else shape
        dims = [tensor_shape.dimension_value(d) for d in shape]
        dims = [None if d == -1 else d for d in dims]
        rank, static = len(dims), TensorShape(dims)
        default = convert_to_tensor(np.array([-1 if d is None else d for d in dims],
                                             np.int64), name=sub("shape_default"))
        dense_shape = core.placeholder_with_default(default, shape=[rank], name=sub("shape"))
    result = SparseTensor(
        values=core.placeholder(dtype, shape=[None], name=sub("values")),
        indices=core.placeholder(dtypes.int64, shape=[None, rank], name=sub("indices")),
        dense_shape=dense_shape)
    result._shape = static
    return result


# -- SparseToDense -------------------------------------------------------------------------------
def _s2d_shape(op):
    op.inputs[0].shape.with_rank_at_most(2)
    op.inputs[2].shape.with_rank_at_most(1)
    op.inputs[3].shape.with_rank(0)
    return constant_value_as_shape(op.inputs[1])


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _s2d_kernel(xp, sparse_indices, output_shape, sparse_values, default_value,
                validate_indices):
    def host(a):
        return np.asarray(a.get() if hasattr(a, "get") else a)
    shape = tuple(int(d) for d in host(output_shape).reshape(-1))
    idx = host(sparse_indices)
    idx = idx.reshape(-1, 1) if idx.ndim < 2 else idx
    n = idx.shape[0]
    if idx.shape[1] != len(shape):
        raise _invalid(f"sparse_indices should be a scalar, vector, or matrix of the "
                       f"output rank {len(shape)}; got {idx.shape[1]} columns")
    if sparse_values.ndim == 1 and sparse_values.shape[0] != n:
        raise _invalid(f"sparse_values has incorrect shape {list(sparse_values.shape)}, "
                       f"should be [] or [{n}]")
    if validate_indices and n:
        bad = (idx < 0) | (idx >= np.array(shape, idx.dtype))
        if bad.any():
            i = int(np.argmax(bad.any(axis=1)))
            raise _invalid(f"indices[{i}] = {list(idx[i])} is out of bounds: need "
                           f"0 <= index < {list(shape)}")
        flat = np.ravel_multi_index(tuple(idx.T), shape) if shape else np.zeros(n, int)
        steps = np.diff(flat)
        if (steps <= 0).any():
            i = int(np.argmax(steps <= 0)) + 1
            what = "repeated" if steps[i - 1] == 0 else "out of order"
            raise _invalid(f"indices[{i}] = {list(idx[i])} is {what}. Many sparse ops "
                           f"require sorted indices.")
    out = xp.full(shape, default_value, dtype=sparse_values.dtype)
    if n:
        out[tuple(xp.asarray(idx.T))] = sparse_values
    return out


def _s2d_grad(op, g):
    indices, _, values, _ = op.inputs
    idx = indices if indices.shape.ndims == 2 else array_ops.reshape(indices, [-1, 1])
    picked = gather_ops.gather_nd(g, idx)
    dvalues = picked if values.shape.ndims != 0 else math_ops.reduce_sum(picked)
    ddefault = math_ops.reduce_sum(g) - math_ops.reduce_sum(picked)
    return [None, None, dvalues, ddefault]


@defop("SparseToDense", inputs=("sparse_indices: Tindices", "output_shape: Tindices",
                                "sparse_values: T", "default_value: T"),
       outputs=("dense: T",), attrs={"validate_indices": True, "T": None, "Tindices": None})
class SparseToDense:
    """A dense tensor of `output_shape` holding `sparse_values` at `sparse_indices` and
    `default_value` elsewhere."""
    shape = _s2d_shape
    kernel = _s2d_kernel
    grad = _s2d_grad


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices=True, name=None):
    """Dense tensor from sparse indices and values (`tf.sparse_to_dense`)."""
    with name_scope(name, "SparseToDense", [sparse_indices, sparse_values]) as scope:
        values = convert_to_tensor(sparse_values, name="sparse_values")
        indices = convert_to_tensor(sparse_indices, name="sparse_indices")
        if indices.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"sparse_indices must be int32 or int64, got {indices.dtype}")
        shape = convert_to_tensor(output_shape, dtype=indices.dtype, name="output_shape")
        default = convert_to_tensor(default_value, dtype=values.dtype, name="default_value")
        return apply_op("SparseToDense", [indices, shape, values, default],
                        {"validate_indices": bool(validate_indices)}, name=scope)


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor of SparseTensor `sp_input` (`default_value`, 0 by default,
    where it has no value)."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input)}")
    if default_value is None:
        default_value = np.zeros((), sp_input.dtype.as_numpy_dtype)
    with name_scope(name, "SparseToDense", [sp_input]) as scope:
        default = convert_to_tensor(default_value, dtype=sp_input.dtype,
                                    name="default_value")
        return apply_op("SparseToDense", [sp_input.indices, sp_input.dense_shape,
                                          sp_input.values, default],
                        {"validate_indices": bool(validate_indices)}, name=scope)


def from_dense(tensor, name=None):
    """The SparseTensor of the nonzero entries of a dense `tensor`."""
    with name_scope(name, "dense_to_sparse", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor")
        zero = creation_ops.zeros([], dtype=tensor.dtype)
        indices = reduction_ops.where(math_ops.not_equal(tensor, zero))
        return SparseTensor(indices, gather_ops.gather_nd(tensor, indices),
                            array_ops.shape(tensor, out_type=dtypes.int64))
