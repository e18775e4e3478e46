"""The sparse ops (`tf.sparse.*`, TF1's `tf.sparse_*`): kernels over a SparseTensor's
int64 `indices` [N, rank], `values` [N] and `dense_shape` [rank], in row-major order where
TF's are. They run on the host: index bookkeeping, not arithmetic, dominates them."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, constant_value_as_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, core, creation_ops, gather_ops, join_ops, math_ops,
                           reduction_ops)
from flowgraph.ops.array_ops import _host

__all__ = ["sparse_tensor_dense_matmul", "sparse_add", "sparse_concat", "sparse_reshape",
           "sparse_reorder", "sparse_retain", "sparse_tensor_dense_add",
           "sparse_reset_shape"]
_I64 = dtypes.int64


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _sp(x, what="sp_input"):
    if isinstance(x, (SparseTensor, SparseTensorValue)):
        return SparseTensor.from_value(x)
    raise TypeError(f"Input must be a SparseTensor, got {type(x).__name__} for {what}")


def _shape_vec(t):
    return tuple(int(d) for d in _host(t).reshape(-1))


def _flat(indices, shape):
    """Row-major linear positions of `indices` in a dense tensor of `shape`."""
    idx = np.asarray(indices, np.int64).reshape(-1, len(shape))
    if not shape:
        return np.zeros(len(idx), np.int64)
    strides = np.cumprod((list(shape[1:]) + [1])[::-1])[::-1].astype(np.int64)
    return idx @ strides


def _sp_shapes(rank, n=None):
    return [TensorShape([n, rank]), TensorShape([n]), TensorShape([rank])]


def _rank_of(op, i):
    """The sparse rank given by shape input `i` of `op`."""
    s = op.inputs[i].shape.with_rank(1)
    return s.as_list()[0]


# -- SparseTensorDenseMatMul -------------------------------------------------------------
def _spmm_grad(op, g):
    indices, values, shape, b = op.inputs
    adj_a, adj_b = op.get_attr("adjoint_a"), op.get_attr("adjoint_b")
    idx = math_ops.cast(indices, dtypes.int64) if indices.dtype != _I64 else indices
    rows, cols = idx[:, 0], idx[:, 1]
    p, q = (cols, rows) if adj_a else (rows, cols)
    b_eff = array_ops.transpose(b) if adj_b else b
    dvals = reduction_ops.reduce_sum(gather_ops.gather(g, p) * gather_ops.gather(b_eff, q),
                                     axis=1)
    # d(B') = A'^T g, then back through B's own transpose.
    db = apply_op("SparseTensorDenseMatMul", [indices, values, shape, g],
                  {"adjoint_a": not adj_a, "adjoint_b": False})
    if adj_b:
        db = array_ops.transpose(db)
    return [None, dvals, None, db]


@defop("SparseTensorDenseMatMul", inputs=("a_indices: Tindices", "a_values: T",
                                          "a_shape: int64", "b: T"),
       outputs=("product: T",), attrs={"adjoint_a": False, "adjoint_b": False,
                                       "Tindices": _I64})
class SparseTensorDenseMatMul:
    """`op(A) @ op(B)` for a rank-2 SparseTensor A and a dense matrix B, `op` the adjoint
    where asked."""
    devices = ("CPU",)
    grad = _spmm_grad

    def shape(op):
        b = op.inputs[3].shape.with_rank(2)
        a_shape = constant_value_as_shape(op.inputs[2]).with_rank(2) \
            if op.inputs[2].shape.is_fully_defined() else TensorShape([None, None])
        rows = a_shape[1] if op.get_attr("adjoint_a") else a_shape[0]
        cols = b[0] if op.get_attr("adjoint_b") else b[1]
        return TensorShape([rows, cols])

    def kernel(xp, a_indices, a_values, a_shape, b, adjoint_a, adjoint_b):
        shape = _shape_vec(a_shape)
        idx = np.asarray(a_indices, np.int64).reshape(-1, 2)
        vals = np.asarray(a_values)
        b = np.asarray(b)
        if adjoint_a:
            idx, shape, vals = idx[:, ::-1], shape[::-1], np.conj(vals)
        if adjoint_b:
            b = np.conj(b.T)
        if shape[1] != b.shape[0]:
            raise _invalid(f"Cannot multiply A and B because inner dimension does not match: "
                           f"{shape[1]} vs. {b.shape[0]}.  Did you forget a transpose?  "
                           f"Dimensions of A: [{shape[0]}, {shape[1]}).  Dimensions of B: "
                           f"{list(b.shape)}")
        if len(idx) and ((idx < 0).any() or (idx >= np.array(shape)).any()):
            k = int(np.argmax(((idx < 0) | (idx >= np.array(shape))).any(1)))
            raise _invalid(f"k ({k}) from index[{k},0] out of bounds (>={shape[0]})")
        out = np.zeros((shape[0], b.shape[1]), np.result_type(vals, b))
        np.add.at(out, idx[:, 0], vals[:, None] * b[idx[:, 1]])
        return out


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """Multiplies SparseTensor `sp_a` (rank 2) by the dense matrix `b`."""
    sp_a = _sp(sp_a, "sp_a")
    with name_scope(name, "SparseTensorDenseMatMul", [sp_a.indices, sp_a.values, b]) as s:
        b = convert_to_tensor(b, name="b")
        return apply_op("SparseTensorDenseMatMul",
                        [sp_a.indices, sp_a.values, sp_a.dense_shape, b],
                        {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}, name=s)


# -- SparseAdd, SparseAddGrad, SparseTensorDenseAdd --------------------------------------
def _sparse_add_grad(op, *grads):
    g = grads[1]
    a_idx, b_idx, sum_idx = op.inputs[0], op.inputs[3], op.outputs[0]
    ga, gb = apply_op("SparseAddGrad", [g, a_idx, b_idx, sum_idx])
    return [None, ga, None, None, gb, None, None]


@defop("SparseAdd", inputs=("a_indices: int64", "a_values: T", "a_shape: int64",
                            "b_indices: int64", "b_values: T", "b_shape: int64",
                            "thresh: Treal"),
       outputs=("sum_indices: int64", "sum_values: T", "sum_shape: int64"))
class SparseAdd:
    """The sum of two SparseTensors of one shape; sums whose magnitude is below `thresh`
    are dropped."""
    devices = ("CPU",)
    grad = _sparse_add_grad

    def shape(op):
        rank = _rank_of(op, 2)
        return _sp_shapes(rank)

    def kernel(xp, a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh):
        sa, sb = _shape_vec(a_shape), _shape_vec(b_shape)
        if sa != sb:
            raise _invalid(f"Operands do not have the same ranks; got shapes: {list(sa)} and "
                           f"{list(sb)}" if len(sa) != len(sb) else
                           f"Operands' shapes do not match: got {list(sa)} and {list(sb)}")
        fa, fb = _flat(a_indices, sa), _flat(b_indices, sb)
        keys = np.concatenate([fa, fb])
        idx = np.concatenate([np.asarray(a_indices).reshape(-1, len(sa)),
                              np.asarray(b_indices).reshape(-1, len(sb))])
        vals = np.concatenate([np.asarray(a_values), np.asarray(b_values)])
        uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        sums = np.zeros(len(uniq), vals.dtype)
        np.add.at(sums, inv.reshape(-1), vals)
        keep = np.abs(sums) >= np.asarray(thresh) if len(sums) else np.zeros(0, bool)
        return (idx[first][keep].astype(np.int64), sums[keep],
                np.array(sa, np.int64))


@defop("SparseAddGrad", inputs=("backprop_val_grad: T", "a_indices: int64",
                                "b_indices: int64", "sum_indices: int64"),
       outputs=("a_val_grad: T", "b_val_grad: T"))
class SparseAddGrad:
    """The gradients of SparseAdd's two value vectors: each operand entry gets the
    gradient of the sum entry at its index (zero where the sum dropped it)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [TensorShape([op.inputs[1].shape[0]]), TensorShape([op.inputs[2].shape[0]])]

    def kernel(xp, backprop_val_grad, a_indices, b_indices, sum_indices):
        g = np.asarray(backprop_val_grad)
        pos = {tuple(r): k for k, r in enumerate(np.asarray(sum_indices).tolist())}

        def pick(idx):
            out = np.zeros(len(idx), g.dtype)
            for k, r in enumerate(np.asarray(idx).tolist()):
                j = pos.get(tuple(r))
                if j is not None:
                    out[k] = g[j]
            return out
        return pick(a_indices), pick(b_indices)


@defop("SparseTensorDenseAdd", inputs=("a_indices: Tindices", "a_values: T",
                                       "a_shape: Tindices", "b: T"), outputs=("output: T",))
class SparseTensorDenseAdd:
    """A SparseTensor plus a dense tensor of its shape: a dense tensor."""
    devices = ("CPU",)

    def grad(op, g):
        return [None, gather_ops.gather_nd(g, op.inputs[0]), None, g]

    def shape(op):
        return op.inputs[3].shape

    def kernel(xp, a_indices, a_values, a_shape, b):
        shape = _shape_vec(a_shape)
        if tuple(b.shape) != shape:
            raise _invalid(f"Dimension mismatch: a_shape {list(shape)} vs b {list(b.shape)}")
        out = np.array(b, copy=True)
        idx = np.asarray(a_indices).reshape(-1, len(shape))
        np.add.at(out, tuple(idx.T), np.asarray(a_values))
        return out


def sparse_tensor_dense_add(sp_a, b, name=None):
    sp_a = _sp(sp_a, "a")
    with name_scope(name, "SparseTensorDenseAdd", [sp_a.values, b]) as s:
        b = convert_to_tensor(b, dtype=sp_a.dtype, name="b")
        return apply_op("SparseTensorDenseAdd",
                        [sp_a.indices, sp_a.values, sp_a.dense_shape, b], name=s)


def sparse_add(a, b, threshold=None, thresh=None, name=None):
    """`a + b` where at least one is a SparseTensor: a SparseTensor when both are, else
    a dense tensor. Sparse sums with magnitude below `threshold` are dropped."""
    if threshold is None:
        threshold = 0 if thresh is None else thresh
    a_sp = isinstance(a, (SparseTensor, SparseTensorValue))
    b_sp = isinstance(b, (SparseTensor, SparseTensorValue))
    if not (a_sp or b_sp):
        raise TypeError("At least one input should be SparseTensor; do you mean to use "
                        "tf.add()?")
    if a_sp and b_sp:
        a, b = _sp(a), _sp(b)
        with name_scope(name, "SparseAdd", [a.values, b.values]) as s:
            b_vals = convert_to_tensor(b.values, dtype=a.dtype)
            real = a.dtype.real_dtype if a.dtype.is_complex else a.dtype
            th = convert_to_tensor(threshold, dtype=real, name="threshold")
            out = apply_op("SparseAdd", [a.indices, a.values, a.dense_shape, b.indices,
                                         b_vals, b.dense_shape, th], name=s)
            result = SparseTensor(*out)
            result._shape = a.shape.merge_with(b.shape) \
                if a.shape.is_compatible_with(b.shape) else a.shape
            return result
    if b_sp:
        a, b = b, a
    return sparse_tensor_dense_add(a, b, name=name)


# -- SparseConcat --------------------------------------------------------------------------
@defop("SparseConcat", inputs=("indices: N * int64", "values: N * T", "shapes: N * int64"),
       outputs=("output_indices: int64", "output_values: T", "output_shape: int64"),
       attrs={"concat_dim": None})
class SparseConcat:
    """Concatenates N SparseTensors along `concat_dim`; the result is in row-major order."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        n = op.get_attr("N")
        return _sp_shapes(_rank_of(op, 2 * n))

    def kernel(xp, indices, values, shapes, concat_dim):
        shapes = [_shape_vec(s) for s in shapes]
        rank = len(shapes[0])
        d = concat_dim + rank if concat_dim < 0 else concat_dim
        if not 0 <= d < rank:
            raise _invalid(f"Concat dimension must be in range [{-rank}, {rank}), got "
                           f"{concat_dim}")
        for k, s in enumerate(shapes[1:], 1):
            if len(s) != rank or any(s[j] != shapes[0][j] for j in range(rank) if j != d):
                raise _invalid(f"Input shapes must match: expected {list(shapes[0])} for "
                               f"input {k} but got {list(s)} (except dimension {d})")
        out_idx, offset = [], 0
        for idx, s in zip(indices, shapes):
            i = np.array(idx, np.int64).reshape(-1, rank)
            i[:, d] += offset
            offset += s[d]
            out_idx.append(i)
        out_shape = list(shapes[0])
        out_shape[d] = offset
        idx = np.concatenate(out_idx)
        vals = np.concatenate([np.asarray(v) for v in values])
        order = np.lexsort(idx.T[::-1]) if len(idx) else np.zeros(0, int)
        return idx[order], vals[order], np.array(out_shape, np.int64)


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None):
    """Concatenates a list of SparseTensors along dimension `axis`."""
    if concat_dim is not None:
        axis = concat_dim
    if expand_nonconcat_dims is not None:
        expand_nonconcat_dim = expand_nonconcat_dims
    sp = [_sp(x, "sp_inputs") for x in sp_inputs]
    with name_scope(name, "SparseConcat", [x.values for x in sp]) as s:
        shapes = [x.dense_shape for x in sp]
        if expand_nonconcat_dim:
            rank = sp[0].dense_shape.shape.with_rank(1).as_list()[0]
            if rank is None:
                raise ValueError("expand_nonconcat_dim needs inputs of known rank")
            a = axis % rank
            big = reduction_ops.reduce_max(join_ops.stack(shapes), axis=0)
            shapes = [join_ops.concat([big[:a], x.dense_shape[a:a + 1], big[a + 1:]], 0)
                      for x in sp]
        out = apply_op("SparseConcat", [[x.indices for x in sp], [x.values for x in sp],
                                        shapes], {"concat_dim": int(axis)}, name=s)
        result = SparseTensor(*out)
        static = [x.shape for x in sp]
        if not expand_nonconcat_dim and all(t.ndims is not None for t in static):
            dims = [list(t.as_list()) for t in static]
            rank = len(dims[0])
            a = axis % rank if rank else 0
            merged = []
            for j in range(rank):
                col = [r[j] for r in dims]
                if j == a:
                    merged.append(None if None in col else sum(col))
                else:
                    known = [c for c in col if c is not None]
                    merged.append(known[0] if known else None)
            result._shape = TensorShape(merged)
        return result


# -- SparseReshape, SparseReorder ----------------------------------------------------------
@defop("SparseReshape", inputs=("input_indices: int64", "input_shape: int64",
                                "new_shape: int64"),
       outputs=("output_indices: int64", "output_shape: int64"))
class SparseReshape:
    """The indices of a SparseTensor reshaped to `new_shape` (one -1 inferred)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        rank = op.inputs[2].shape.with_rank(1).as_list()[0]
        return [TensorShape([op.inputs[0].shape[0], rank]), TensorShape([rank])]

    def kernel(xp, input_indices, input_shape, new_shape):
        old = _shape_vec(input_shape)
        new = list(_shape_vec(new_shape))
        total = int(np.prod(old)) if old else 1
        if new.count(-1) > 1:
            raise _invalid(f"only one output dimension may be -1, not both "
                           f"{new.index(-1)} and {len(new) - 1 - new[::-1].index(-1)}")
        if -1 in new:
            known = int(np.prod([d for d in new if d != -1]))
            if known == 0 or total % known:
                raise _invalid(f"Input to reshape is a SparseTensor with {total} dense "
                               f"values, but the requested shape requires a multiple of "
                               f"{known}. inputShape={list(old)} outputShape={new}")
            new[new.index(-1)] = total // known
        if int(np.prod(new)) != total:
            raise _invalid(f"Input to reshape is a tensor with {total} dense values, but "
                           f"the requested shape has {int(np.prod(new))}. "
                           f"inputShape={list(old)} outputShape={new}")
        flat = _flat(input_indices, old)
        out = np.stack(np.unravel_index(flat, new), axis=1) if new else \
            np.zeros((len(flat), 0), np.int64)
        return out.astype(np.int64).reshape(-1, len(new)), np.array(new, np.int64)


def sparse_reshape(sp_input, shape, name=None):
    """SparseTensor `sp_input` with the dense shape `shape` (one entry may be -1)."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseReshape", [sp_input.values]) as s:
        shape_t = convert_to_tensor(shape, dtype=_I64, name="shape")
        idx, new = apply_op("SparseReshape", [sp_input.indices, sp_input.dense_shape,
                                              shape_t], name=s)
        result = SparseTensor(idx, core.identity(sp_input.values), new)
        static = get_static_value(shape_t)
        if static is not None and -1 not in list(static):
            result._shape = TensorShape([int(d) for d in static])
        elif static is not None and list(static).count(-1) == 1 and \
                sp_input.shape.is_fully_defined():
            st = [int(d) for d in static]
            total = int(np.prod(sp_input.shape.as_list()))
            known = int(np.prod([d for d in st if d != -1]))
            if known:
                st[st.index(-1)] = total // known
            result._shape = TensorShape(st)
        return result


def _reorder_grad(op, _, g):
    indices, shape = op.inputs[0], op.inputs[2]
    n = array_ops.shape(indices)[0]
    perm = apply_op("SparseReorder", [indices, creation_ops.range(n), shape])[1]
    return [None, gather_ops.gather(g, array_ops.invert_permutation(perm)), None]


@defop("SparseReorder", inputs=("input_indices: int64", "input_values: T",
                                "input_shape: int64"),
       outputs=("output_indices: int64", "output_values: T"))
class SparseReorder:
    """A SparseTensor's entries in canonical row-major order."""
    devices = ("CPU",)
    grad = _reorder_grad

    def shape(op):
        return [op.inputs[0].shape.with_rank(2), op.inputs[1].shape.with_rank(1)]

    def kernel(xp, input_indices, input_values, input_shape):
        shape = _shape_vec(input_shape)
        idx = np.asarray(input_indices, np.int64).reshape(-1, len(shape))
        order = np.argsort(_flat(idx, shape), kind="stable")
        return idx[order], np.asarray(input_values)[order]


def sparse_reorder(sp_input, name=None):
    """SparseTensor `sp_input` with its entries in canonical row-major order."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseReorder", [sp_input.values]) as s:
        idx, vals = apply_op("SparseReorder", [sp_input.indices, sp_input.values,
                                               sp_input.dense_shape], name=s)
        result = SparseTensor(idx, vals, core.identity(sp_input.dense_shape))
        result._shape = sp_input.shape
        return result


def sparse_retain(sp_input, to_retain):
    """The entries of `sp_input` where the bool vector `to_retain` is True."""
    sp_input = _sp(sp_input)
    to_retain = convert_to_tensor(to_retain)
    to_retain.shape.with_rank(1)
    n = sp_input.values.shape[0]
    if n is not None and to_retain.shape[0] is not None and n != to_retain.shape[0]:
        raise ValueError(f"Shapes must be equal rank, but are {n} and {to_retain.shape[0]}")
    where = array_ops.reshape(reduction_ops.where(to_retain), [-1])
    result = SparseTensor(gather_ops.gather(sp_input.indices, where),
                          gather_ops.gather(sp_input.values, where),
                          core.identity(sp_input.dense_shape))
    result._shape = sp_input.shape
    return result


def sparse_reset_shape(sp_input, new_shape=None):
    """`sp_input` with dense shape `new_shape`, or the tight bounding shape of its
    indices when None."""
    sp_input = _sp(sp_input)
    if new_shape is None:
        dense = reduction_ops.reduce_max(sp_input.indices, axis=0) + 1
    else:
        dense = convert_to_tensor(new_shape, dtype=_I64)
    return SparseTensor(core.identity(sp_input.indices),
                        core.identity(sp_input.values), dense)
