"""Sparse reductions, slices and splits, empty-row filling, elementwise max/min,
`sparse_softmax` and the sparse segment reductions (`tf.sparse.reduce_sum`, ...,
`tf.sparse.segment_sum`, ...). Host kernels over (indices, values, dense_shape)."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, NO_GRADIENT
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, creation_ops, gather_ops, join_ops, math_ops,
                           reduction_ops)
from flowgraph.ops.sparse_ops import _sp, _shape_vec, _sp_shapes, _rank_of, _flat, \
    _invalid

__all__ = ["sparse_reduce_sum", "sparse_reduce_sum_sparse", "sparse_reduce_max",
           "sparse_reduce_max_sparse", "sparse_fill_empty_rows", "sparse_slice",
           "sparse_split", "sparse_maximum", "sparse_minimum", "sparse_softmax"]
_I64 = dtypes.int64


# -- reductions ----------------------------------------------------------------------------
def _axes(reduction_axes, rank):
    axes = np.asarray(reduction_axes).reshape(-1).astype(int)
    bad = (axes < -rank) | (axes >= rank)
    if bad.any():
        raise _invalid(f"Invalid reduction dimension {int(axes[bad][0])}, for input with "
                       f"{rank} dimensions.")
    return sorted({int(a) % rank for a in axes}) if len(axes) else []


def _reduce(input_indices, input_values, input_shape, reduction_axes, keep_dims, ufunc):
    """(kept indices, reduced values, output shape): the groups of entries agreeing off
    the reduction axes, in row-major order."""
    shape = _shape_vec(input_shape)
    rank = len(shape)
    axes = _axes(reduction_axes, rank)
    idx = np.asarray(input_indices, np.int64).reshape(-1, rank)
    vals = np.asarray(input_values)
    keep = [d for d in range(rank) if d not in axes]
    kept_shape = tuple(1 if d in axes else shape[d] for d in range(rank))
    key_idx = idx.copy()
    key_idx[:, axes] = 0
    keys = _flat(key_idx, kept_shape)
    uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    out = np.zeros(len(uniq), vals.dtype) if ufunc is np.add else \
        np.full(len(uniq), _lowest(vals.dtype), vals.dtype)
    ufunc.at(out, inv.reshape(-1), vals)
    out_idx = key_idx[first] if keep_dims else key_idx[first][:, keep]
    out_shape = kept_shape if keep_dims else tuple(shape[d] for d in keep)
    return out_idx, out, out_shape


def _lowest(dt):
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


def _dense_reduce_shape(op):
    shape, axes = get_static_value(op.inputs[2]), get_static_value(op.inputs[3])
    if shape is None or axes is None:
        return TensorShape(None)
    rank = len(shape)
    ax = {int(a) % rank for a in np.reshape(axes, -1)} if rank else set()
    keep = op.get_attr("keep_dims")
    return TensorShape([1 if d in ax else int(shape[d]) for d in range(rank)
                        if keep or d not in ax])


def _to_dense(out_idx, out, out_shape, dtype):
    dense = np.zeros(out_shape, dtype)
    if not out_shape:
        return np.asarray(out[0] if len(out) else dense, dtype)
    if len(out):
        dense[tuple(out_idx.T)] = out
    return dense


def _reduce_sum_grad(op, g):
    indices, shape, axes = op.inputs[0], op.inputs[2], op.inputs[3]
    rank = array_ops.shape(shape)[0]
    axes = math_ops.floormod(math_ops.cast(axes, dtypes.int32), rank)
    hit = reduction_ops.reduce_any(math_ops.equal(
        array_ops.expand_dims(creation_ops.range(rank), 1),
        array_ops.reshape(axes, [1, -1])), axis=1)
    kept = reduction_ops.where(hit, creation_ops.ones_like(shape), shape)
    scale = math_ops.floordiv(shape, kept)
    g = array_ops.reshape(g, kept)
    return [None, gather_ops.gather_nd(g, math_ops.floordiv(indices, scale)), None, None]


_REDUCE_INPUTS = ("input_indices: int64", "input_values: T", "input_shape: int64",
                  "reduction_axes: int32")
_SP_OUTPUTS = ("output_indices: int64", "output_values: T", "output_shape: int64")


@defop("SparseReduceSum", inputs=_REDUCE_INPUTS, outputs=("output: T",),
       attrs={"keep_dims": False})
class SparseReduceSum:
    """The sum of a SparseTensor's entries over `reduction_axes`, as a dense tensor."""
    devices = ("CPU",)
    grad = _reduce_sum_grad
    shape = _dense_reduce_shape

    def kernel(xp, input_indices, input_values, input_shape, reduction_axes, keep_dims):
        r = _reduce(input_indices, input_values, input_shape, reduction_axes, keep_dims,
                    np.add)
        return _to_dense(*r, np.asarray(input_values).dtype)


@defop("SparseReduceMax", inputs=_REDUCE_INPUTS, outputs=("output: T",),
       attrs={"keep_dims": False})
class SparseReduceMax:
    """The max of a SparseTensor's entries over `reduction_axes` (implicit zeros are not
    entries: a group with no entries gives 0), as a dense tensor."""
    devices = ("CPU",)
    grad = NO_GRADIENT
    shape = _dense_reduce_shape

    def kernel(xp, input_indices, input_values, input_shape, reduction_axes, keep_dims):
        r = _reduce(input_indices, input_values, input_shape, reduction_axes, keep_dims,
                    np.maximum)
        return _to_dense(*r, np.asarray(input_values).dtype)


def _sparse_reduce_shape(op):
    s = _dense_reduce_shape(op)
    return _sp_shapes(s.ndims if s.ndims is not None else None)


@defop("SparseReduceSumSparse", inputs=_REDUCE_INPUTS, outputs=_SP_OUTPUTS,
       attrs={"keep_dims": False})
class SparseReduceSumSparse:
    """The sum of a SparseTensor's entries over `reduction_axes`, as a SparseTensor."""
    devices = ("CPU",)
    grad = NO_GRADIENT
    shape = _sparse_reduce_shape

    def kernel(xp, input_indices, input_values, input_shape, reduction_axes, keep_dims):
        i, v, s = _reduce(input_indices, input_values, input_shape, reduction_axes,
                          keep_dims, np.add)
        return i.reshape(len(v), len(s)), v, np.array(s, np.int64)


@defop("SparseReduceMaxSparse", inputs=_REDUCE_INPUTS, outputs=_SP_OUTPUTS,
       attrs={"keep_dims": False})
class SparseReduceMaxSparse:
    """The max of a SparseTensor's entries over `reduction_axes`, as a SparseTensor."""
    devices = ("CPU",)
    grad = NO_GRADIENT
    shape = _sparse_reduce_shape

    def kernel(xp, input_indices, input_values, input_shape, reduction_axes, keep_dims):
        i, v, s = _reduce(input_indices, input_values, input_shape, reduction_axes,
                          keep_dims, np.maximum)
        return i.reshape(len(v), len(s)), v, np.array(s, np.int64)


def _reduce_builder(op_type, sparse_out):
    def build(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None,
              name=None):
        sp_input = _sp(sp_input)
        if axis is None:
            axis = reduction_axes
        if keepdims is None:
            keepdims = bool(keep_dims)
        with name_scope(name, op_type, [sp_input.values]) as s:
            if axis is None:
                rank = array_ops.shape(sp_input.dense_shape)[0]
                axes = creation_ops.range(rank)
            else:
                axes = convert_to_tensor(axis, dtype=dtypes.int32,
                                         name="reduction_axes")
            out = apply_op(op_type, [sp_input.indices, sp_input.values,
                                     sp_input.dense_shape, axes],
                           {"keep_dims": bool(keepdims)}, name=s)
            return SparseTensor(*out) if sparse_out else out
    build.__doc__ = (f"Reduces a SparseTensor over `axis` (all axes when None) "
                     f"(`{op_type}`).")
    return build


sparse_reduce_sum = _reduce_builder("SparseReduceSum", False)
sparse_reduce_max = _reduce_builder("SparseReduceMax", False)
sparse_reduce_sum_sparse = _reduce_builder("SparseReduceSumSparse", True)
sparse_reduce_max_sparse = _reduce_builder("SparseReduceMaxSparse", True)


# -- SparseFillEmptyRows -------------------------------------------------------------------
def _fill_grad(op, *grads):
    d_values, d_default = apply_op("SparseFillEmptyRowsGrad", [op.outputs[3], grads[1]])
    return [None, d_values, None, d_default]


@defop("SparseFillEmptyRows", inputs=("indices: int64", "values: T", "dense_shape: int64",
                                      "default_value: T"),
       outputs=("output_indices: int64", "output_values: T", "empty_row_indicator: bool",
                "reverse_index_map: int64"))
class SparseFillEmptyRows:
    """Adds an entry `[row, 0, ...] = default_value` to each row with no entries; the
    result is ordered by row, keeping the input order within rows."""
    devices = ("CPU",)
    grad = _fill_grad

    def shape(op):
        rank = _rank_of(op, 2)
        return [TensorShape([None, rank]), TensorShape([None]), TensorShape([None]),
                TensorShape([op.inputs[1].shape[0]])]

    def kernel(xp, indices, values, dense_shape, default_value):
        shape = _shape_vec(dense_shape)
        if not shape:
            raise _invalid("Input dense_shape must have rank >= 1")
        if np.ndim(default_value) != 0:
            raise _invalid(f"default_value must be a scalar, saw: "
                           f"{list(np.shape(default_value))}")
        idx = np.asarray(indices, np.int64).reshape(-1, len(shape))
        vals = np.asarray(values)
        rows = shape[0]
        if len(idx) and ((idx[:, 0] < 0) | (idx[:, 0] >= rows)).any():
            k = int(np.argmax((idx[:, 0] < 0) | (idx[:, 0] >= rows)))
            raise _invalid(f"indices({k}, 0) is invalid: {int(idx[k, 0])} >= {rows}")
        counts = np.bincount(idx[:, 0], minlength=rows) if len(idx) else \
            np.zeros(rows, np.int64)
        empty = counts == 0
        per_row = np.maximum(counts, 1)
        offsets = np.concatenate([[0], np.cumsum(per_row)[:-1]]).astype(np.int64)
        total = int(per_row.sum())
        out_idx = np.zeros((total, len(shape)), np.int64)
        out_vals = np.empty(total, vals.dtype)
        fill = offsets.copy()
        reverse = np.zeros(len(idx), np.int64)
        for k in range(len(idx)):
            r = idx[k, 0]
            reverse[k] = fill[r]
            out_idx[fill[r]] = idx[k]
            out_vals[fill[r]] = vals[k]
            fill[r] += 1
        er = np.nonzero(empty)[0]
        out_idx[offsets[er], 0] = er
        out_vals[offsets[er]] = default_value
        return out_idx, out_vals, empty, reverse


@defop("SparseFillEmptyRowsGrad", inputs=("reverse_index_map: int64", "grad_values: T"),
       outputs=("d_values: T", "d_default_value: T"))
class SparseFillEmptyRowsGrad:
    """SparseFillEmptyRows' gradient: the output gradient of each input entry, and the
    sum of the rest (the filled entries') for the default value."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [op.inputs[0].shape, TensorShape([])]

    def kernel(xp, reverse_index_map, grad_values):
        g = np.asarray(grad_values)
        m = np.asarray(reverse_index_map, np.int64)
        d = g[m]
        return d, np.asarray(g.sum() - d.sum(), g.dtype)


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """(SparseTensor with `default_value` at `[row, 0, ...]` of each empty row, bool
    vector marking those rows)."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseFillEmptyRows", [sp_input.values]) as s:
        default = convert_to_tensor(default_value, dtype=sp_input.dtype,
                                    name="default_value")
        idx, vals, empty, _ = apply_op("SparseFillEmptyRows", [
            sp_input.indices, sp_input.values, sp_input.dense_shape, default], name=s)
        result = SparseTensor(idx, vals, sp_input.dense_shape)
        result._shape = sp_input.shape
        return result, empty


# -- SparseSlice, SparseSplit ---------------------------------------------------------------
def _slice(idx, vals, shape, start, size):
    start, size = np.asarray(start, np.int64), np.asarray(size, np.int64)
    if len(start) != len(shape) or len(size) != len(shape):
        raise _invalid(f"Expected start and size of length {len(shape)}, got "
                       f"{len(start)} and {len(size)}")
    stop = start + size
    inside = np.all((idx >= start) & (idx < stop), axis=1) if len(idx) else \
        np.zeros(0, bool)
    out_shape = np.maximum(np.minimum(stop, np.array(shape, np.int64)) - start, 0)
    return (idx[inside] - start).astype(np.int64), vals[inside], out_shape.astype(np.int64)


def _slice_grad(op, *grads):
    return [None, apply_op("SparseSliceGrad", [grads[1], op.inputs[0], op.inputs[3],
                                               op.outputs[0]]), None, None, None]


@defop("SparseSlice", inputs=("indices: int64", "values: T", "shape: int64",
                              "start: int64", "size: int64"), outputs=_SP_OUTPUTS)
class SparseSlice:
    """The entries of a SparseTensor inside the box `[start, start + size)`, shifted by
    `start`; the shape is clipped to the input's."""
    devices = ("CPU",)
    grad = _slice_grad

    def shape(op):
        return _sp_shapes(_rank_of(op, 2))

    def kernel(xp, indices, values, shape, start, size):
        shape = _shape_vec(shape)
        idx = np.asarray(indices, np.int64).reshape(-1, len(shape))
        return _slice(idx, np.asarray(values), shape, start, size)


@defop("SparseSliceGrad", inputs=("backprop_val_grad: T", "input_indices: int64",
                                  "input_start: int64", "output_indices: int64"),
       outputs=("val_grad: T",))
class SparseSliceGrad:
    """SparseSlice's gradient: each input entry gets the gradient of its sliced entry,
    zero if it fell outside the slice."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return TensorShape([op.inputs[1].shape[0]])

    def kernel(xp, backprop_val_grad, input_indices, input_start, output_indices):
        g = np.asarray(backprop_val_grad)
        start = np.asarray(input_start, np.int64)
        pos = {tuple(r): k for k, r in enumerate(np.asarray(output_indices).tolist())}
        out = np.zeros(len(input_indices), g.dtype)
        for k, r in enumerate((np.asarray(input_indices) - start).tolist()):
            j = pos.get(tuple(r))
            if j is not None:
                out[k] = g[j]
        return out


def sparse_slice(sp_input, start, size, name=None):
    """The part of SparseTensor `sp_input` in the box at `start` of extent `size`."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseSlice", [sp_input.values]) as s:
        start = convert_to_tensor(start, dtype=_I64, name="start")
        size = convert_to_tensor(size, dtype=_I64, name="size")
        out = apply_op("SparseSlice", [sp_input.indices, sp_input.values,
                                       sp_input.dense_shape, start, size], name=s)
        return SparseTensor(*out)


@defop("SparseSplit", inputs=("split_dim: int64", "indices: int64", "values: T",
                              "shape: int64"),
       outputs=("output_indices: num_split * int64", "output_values: num_split * T",
                "output_shape: num_split * int64"), attrs={"num_split": None})
class SparseSplit:
    """Splits a SparseTensor into `num_split` along `split_dim`; the first
    `dim % num_split` pieces are one larger."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        n, rank = op.get_attr("num_split"), _rank_of(op, 3)
        return [TensorShape([None, rank])] * n + [TensorShape([None])] * n + \
            [TensorShape([rank])] * n

    def kernel(xp, split_dim, indices, values, shape, num_split):
        shape = _shape_vec(shape)
        rank = len(shape)
        d = int(split_dim)
        if not -rank <= d < rank:
            raise _invalid(f"Input split_dim should be between -{rank} and {rank}, got {d}")
        d %= rank
        if num_split < 1 or num_split > shape[d]:
            raise _invalid(f"Input num_split should be between 1 and {shape[d]}, got "
                           f"{num_split}")
        idx = np.asarray(indices, np.int64).reshape(-1, rank)
        vals = np.asarray(values)
        base, extra = divmod(shape[d], num_split)
        outs, at = [], 0
        for k in range(num_split):
            n = base + (1 if k < extra else 0)
            start = [0] * rank
            size = list(shape)
            start[d], size[d] = at, n
            outs.append(_slice(idx, vals, shape, start, size))
            at += n
        return tuple([o[0] for o in outs] + [o[1] for o in outs] + [o[2] for o in outs])


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None,
                 name=None, split_dim=None):
    """Splits SparseTensor `sp_input` into `num_split` SparseTensors along `axis`."""
    if keyword_required is not None:
        raise ValueError("Keyword arguments are required for this function.")
    if sp_input is None:
        raise ValueError("sp_input is required")
    if num_split is None:
        raise ValueError("num_split is required")
    if axis is None:
        axis = split_dim
    if axis is None:
        raise ValueError("axis is required")
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseSplit", [sp_input.values]) as s:
        dim = convert_to_tensor(axis, dtype=_I64, name="split_dim")
        out = apply_op("SparseSplit", [dim, sp_input.indices, sp_input.values,
                                       sp_input.dense_shape],
                       {"num_split": int(num_split)}, name=s)
        n = int(num_split)
        return [SparseTensor(out[k], out[n + k], out[2 * n + k]) for k in range(n)]


# -- SparseSparseMaximum / Minimum -----------------------------------------------------------
def _define_elementwise(op_type, fn, doc):
    def shape(op):
        return [op.inputs[0].shape.with_rank(2), op.inputs[1].shape.with_rank(1)]

    def kernel(xp, a_indices, a_values, a_shape, b_indices, b_values, b_shape):
        sa, sb = _shape_vec(a_shape), _shape_vec(b_shape)
        if sa != sb:
            raise _invalid(f"Operands' shapes do not match: got {list(sa)} and "
                           f"{list(sb)} for the two inputs")
        ia = np.asarray(a_indices, np.int64).reshape(-1, len(sa))
        ib = np.asarray(b_indices, np.int64).reshape(-1, len(sb))
        fa, fb = _flat(ia, sa), _flat(ib, sb)
        keys, first = np.unique(np.concatenate([fa, fb]), return_index=True)
        idx = np.concatenate([ia, ib])[first]
        va, vb = np.zeros(len(keys), a_values.dtype), np.zeros(len(keys), b_values.dtype)
        va[np.searchsorted(keys, fa)] = a_values
        vb[np.searchsorted(keys, fb)] = b_values
        return idx.reshape(-1, len(sa)), fn(va, vb)
    cls = type(op_type, (), {"__doc__": doc, "devices": ("CPU",), "grad": NO_GRADIENT,
                             "shape": staticmethod(shape), "kernel": staticmethod(kernel)})
    return defop(op_type, inputs=("a_indices: int64", "a_values: T", "a_shape: int64",
                                  "b_indices: int64", "b_values: T", "b_shape: int64"),
                 outputs=("output_indices: int64", "output_values: T"))(cls)


_define_elementwise("SparseSparseMaximum", np.maximum,
                    "The elementwise max of two SparseTensors of one shape (absent "
                    "entries count as 0), in row-major order.")
_define_elementwise("SparseSparseMinimum", np.minimum,
                    "The elementwise min of two SparseTensors of one shape (absent "
                    "entries count as 0), in row-major order.")


def _elementwise_builder(op_type):
    def build(sp_a, sp_b, name=None):
        sp_a, sp_b = _sp(sp_a, "sp_a"), _sp(sp_b, "sp_b")
        with name_scope(name, op_type, [sp_a.values, sp_b.values]) as s:
            b_vals = convert_to_tensor(sp_b.values, dtype=sp_a.dtype)
            idx, vals = apply_op(op_type, [sp_a.indices, sp_a.values, sp_a.dense_shape,
                                           sp_b.indices, b_vals, sp_b.dense_shape], name=s)
            result = SparseTensor(idx, vals, sp_a.dense_shape)
            result._shape = sp_a.shape
            return result
    build.__doc__ = f"The elementwise {op_type[12:].lower()} of two SparseTensors."
    return build


sparse_maximum = _elementwise_builder("SparseSparseMaximum")
sparse_minimum = _elementwise_builder("SparseSparseMinimum")


# -- SparseSoftmax ---------------------------------------------------------------------------
def _softmax_groups(indices, shape):
    idx = np.asarray(indices, np.int64).reshape(-1, len(shape))
    lead = _flat(idx[:, :-1], shape[:-1])
    _, inv = np.unique(lead, return_inverse=True)
    return inv.reshape(-1)


def _softmax_grad(op, g):
    indices, _, shape = op.inputs
    y = op.outputs[0]
    prod = SparseTensor(indices, y * g, shape)
    summed = sparse_reduce_sum(prod, [-1], keepdims=True)
    lead = join_ops.concat([indices[:, :-1], creation_ops.zeros_like(indices[:, :1])], 1)
    return [None, (g - gather_ops.gather_nd(summed, lead)) * y, None]


@defop("SparseSoftmax", inputs=("sp_indices: int64", "sp_values: T", "sp_shape: int64"),
       outputs=("output: T",))
class SparseSoftmax:
    """Softmax over the last dimension of a SparseTensor (rank >= 2), among the entries
    present: implicit zeros take no part."""
    devices = ("CPU",)
    grad = _softmax_grad

    def shape(op):
        return op.inputs[1].shape.with_rank(1)

    def kernel(xp, sp_indices, sp_values, sp_shape):
        shape = _shape_vec(sp_shape)
        if len(shape) < 2:
            raise _invalid(f"Input should have rank >= 2, but received shape: "
                           f"{list(shape)}")
        vals = np.asarray(sp_values)
        if not len(vals):
            return vals.copy()
        grp = _softmax_groups(sp_indices, shape)
        m = np.full(grp.max() + 1, -np.inf, vals.dtype)
        np.maximum.at(m, grp, vals)
        e = np.exp(vals - m[grp])
        s = np.zeros(len(m), vals.dtype)
        np.add.at(s, grp, e)
        return (e / s[grp]).astype(vals.dtype)


def sparse_softmax(sp_input, name=None):
    """Softmax of a SparseTensor over its last dimension, among its entries."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseSoftmax", [sp_input.values]) as s:
        out = apply_op("SparseSoftmax", [sp_input.indices, sp_input.values,
                                         sp_input.dense_shape], name=s)
        result = SparseTensor(sp_input.indices, out, sp_input.dense_shape)
        result._shape = sp_input.shape
        return result
