"""Elementwise SparseTensor-dense arithmetic: `SparseDenseCwiseMul`, `...Div`, `...Add`
(the dense operand broadcasts to the sparse shape; only the sparse entries are computed),
and the `SparseTensor * dense`, `SparseTensor / dense` operators built on them."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NO_GRADIENT
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, creation_ops, gather_ops, join_ops, math_ops,
                           slicing_ops, unary_ops)
from flowgraph.ops.sparse_ops import _shape_vec, sparse_add

__all__ = []
_I64 = dtypes.int64


def _dense_at(sp_indices, sp_shape, dense):
    shape = _shape_vec(sp_shape)
    d = np.asarray(dense)
    if d.ndim > len(shape):
        raise errors.InvalidArgumentError(
            None, None, f"Dense tensor rank {d.ndim} exceeds the SparseTensor's "
                        f"{len(shape)}")
    try:
        full = np.broadcast_to(d, shape)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"SparseDenseBinaryOpShared broadcasts dense to sparse only; got "
                        f"incompatible shapes: [{','.join(map(str, d.shape))}] vs. "
                        f"[{','.join(map(str, shape))}]")
    idx = np.asarray(sp_indices, np.int64).reshape(-1, len(shape))
    return full[tuple(idx.T)] if len(shape) else np.full(len(idx), full[()])


def _grad(is_mul):
    def grad(op, g):
        x_indices, x_values, x_shape, y = op.inputs
        y_shape = math_ops.cast(array_ops.shape(y), _I64)
        added = array_ops.expand_dims(array_ops.size(x_shape) - array_ops.size(y_shape), 0)
        aug = join_ops.concat([creation_ops.ones(added, _I64), y_shape], 0)
        scaled = math_ops.floordiv(x_indices, math_ops.floordiv(x_shape, aug))
        scaled = slicing_ops.slice(scaled, join_ops.concat([[0], added], 0), [-1, -1])
        dense_vals = gather_ops.gather_nd(y, scaled)
        if is_mul:
            dx, dy_val = g * dense_vals, g * x_values
        else:
            dx = g / dense_vals
            dy_val = g * (-x_values / unary_ops.square(dense_vals))
        dy = sparse_add(creation_ops.zeros_like(y), SparseTensor(scaled, dy_val, y_shape))
        return [None, dx, None, dy]
    return grad


def _define(op_type, fn, doc, grad):
    def shape(op):
        return TensorShape([op.inputs[0].shape[0]])

    def kernel(xp, sp_indices, sp_values, sp_shape, dense):
        vals = np.asarray(sp_values)
        return fn(vals, _dense_at(sp_indices, sp_shape, dense).astype(vals.dtype)) \
            .astype(vals.dtype)
    cls = type(op_type, (), {"__doc__": doc, "devices": ("CPU",), "grad": grad,
                             "shape": staticmethod(shape), "kernel": staticmethod(kernel)})
    defop(op_type, inputs=("sp_indices: int64", "sp_values: T", "sp_shape: int64",
                           "dense: T"), outputs=("output: T",))(cls)


def _div(a, b):
    return np.floor_divide(a, b) if a.dtype.kind in "iu" else a / b


_define("SparseDenseCwiseMul", np.multiply, "The sparse entries times the dense tensor "
        "broadcast to the sparse shape (values only).", _grad(True))
_define("SparseDenseCwiseDiv", _div, "The sparse entries divided by the dense tensor "
        "broadcast to the sparse shape (values only).", _grad(False))
_define("SparseDenseCwiseAdd", np.add, "The sparse entries plus the dense tensor broadcast "
        "to the sparse shape (values only; implicit zeros stay zero).", NO_GRADIENT)


def _sparse_dense(op_type):
    def fn(sp, dense, name=None):
        with name_scope(name, op_type, [sp.values, dense]) as s:
            dense = convert_to_tensor(dense, dtype=sp.dtype, name="dense")
            vals = apply_op(op_type, [sp.indices, sp.values, sp.dense_shape, dense], name=s)
            out = SparseTensor(sp.indices, vals, sp.dense_shape)
            out._shape = sp.shape
            return out
    return fn


def overload_sparse_operators():
    """`SparseTensor * dense`, `/` and `__div__` as TF defines them."""
    SparseTensor.__mul__ = _sparse_dense("SparseDenseCwiseMul")
    SparseTensor.__truediv__ = SparseTensor.__div__ = _sparse_dense("SparseDenseCwiseDiv")
