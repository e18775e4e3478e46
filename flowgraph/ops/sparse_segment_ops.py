"""The sparse segment reductions (`tf.sparse.segment_sum/mean/sqrt_n`: rows `indices` of
`data` reduced by sorted `segment_ids`) with their gradient ops, the SparseTensor
rearrangements `tf.sparse.transpose`, `tf.sparse.expand_dims`, `tf.sparse.to_indicator`,
and `tf.nn.embedding_lookup_sparse` / `safe_embedding_lookup_sparse` built on them."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.constant_value import get_static_value as gsv
from flowgraph.framework.graph import name_scope
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops.sparse_to_dense_ops import sparse_tensor_to_dense
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, core, creation_ops, extra_array_ops, gather_ops, join_ops,
                           manip_ops,
                           math_ops, nn_impl, reduction_ops, unary_ops)
from flowgraph.ops.array_ops import _host
from flowgraph.ops.sparse_ops import _sp, _invalid, sparse_reorder, sparse_reshape, \
    sparse_retain
from flowgraph.ops.sparse_math_ops import sparse_fill_empty_rows

__all__ = ["sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n",
           "sparse_transpose", "sparse_expand_dims", "sparse_to_indicator",
           "embedding_lookup_sparse", "safe_embedding_lookup_sparse",
           "sparse_segment_sum_grad", "sparse_segment_mean_grad",
           "sparse_segment_sqrt_n_grad", "sparse_merge", "sparse_eye"]
_I64 = dtypes.int64
_NORMS = {"sum": lambda n: np.ones_like(n), "mean": lambda n: np.maximum(n, 1),
          "sqrtn": lambda n: np.sqrt(np.maximum(n, 1))}


def _check(data, indices, segment_ids, num_segments=None):
    idx = _host(indices).astype(np.int64).reshape(-1)
    seg = _host(segment_ids).astype(np.int64).reshape(-1)
    if len(idx) != len(seg):
        raise _invalid(f"segment_ids and indices should have same size. "
                       f"segment_ids.shape={len(seg)} indices.shape={len(idx)}")
    bad = (idx < 0) | (idx >= data.shape[0])
    if bad.any():
        k = int(np.argmax(bad))
        raise _invalid(f"Bad: indices[{k}] == {int(idx[k])} out of range [0, "
                       f"{data.shape[0]})")
    if len(seg) and ((np.diff(seg) < 0).any() or seg[0] < 0):
        raise _invalid("segment ids are not increasing")
    n = int(seg[-1]) + 1 if len(seg) else 0
    if num_segments is not None:
        if n > int(num_segments):
            raise _invalid(f"segment ids must be < num_segments: {n - 1} vs "
                           f"{int(num_segments)}")
        n = int(num_segments)
    return idx, seg, n


def _segment_kernel(kind, with_num):
    def reduce(data, indices, segment_ids, num_segments=None):
        data = np.asarray(data)
        idx, seg, n = _check(data, indices, segment_ids, num_segments)
        out = np.zeros((n,) + data.shape[1:], data.dtype)
        np.add.at(out, seg, data[idx])
        count = np.bincount(seg, minlength=n).astype(data.dtype) if n else \
            np.zeros(0, data.dtype)
        norm = _NORMS[kind](count).reshape((n,) + (1,) * (data.ndim - 1))
        return (out / norm).astype(data.dtype) if kind != "sum" else out
    if with_num:
        def kernel(xp, data, indices, segment_ids, num_segments, sparse_gradient):
            return reduce(data, indices, segment_ids, num_segments)
    else:
        def kernel(xp, data, indices, segment_ids, sparse_gradient):
            return reduce(data, indices, segment_ids)
    return kernel


def _segment_shape(with_num):
    def shape(op):
        data = op.inputs[0].shape
        op.inputs[1].shape.with_rank(1)
        op.inputs[2].shape.with_rank(1)
        rest = data[1:] if data.ndims is not None else TensorShape(None)
        if with_num:
            n = gsv(op.inputs[3])
            return TensorShape([None if n is None else int(n)]).concatenate(rest)
        return TensorShape([None]).concatenate(rest)
    return shape


def _segment_grad(grad_op, with_num):
    def grad(op, g):
        shape = array_ops.shape(op.inputs[0])
        if op.get_attr("sparse_gradient"):  # IndexedSlices over the rows read, as TF
            values, rows = apply_op(grad_op + "V2", [g, op.inputs[1], op.inputs[2],
                                                     shape[0]])
            d = IndexedSlices(values, rows, shape)
        else:
            d = apply_op(grad_op, [g, op.inputs[1], op.inputs[2], shape[0]])
        return [d, None, None] + ([None] if with_num else [])
    return grad


_SEG_ATTRS = {"Tidx": dtypes.int32, "Tsegmentids": dtypes.int32, "sparse_gradient": False}
_KINDS = {"Sum": "sum", "Mean": "mean", "SqrtN": "sqrtn"}
for _suffix, _kind in _KINDS.items():
    for _with in (False, True):
        _name = f"SparseSegment{_suffix}" + ("WithNumSegments" if _with else "")
        _inputs = ("data: T", "indices: Tidx", "segment_ids: Tsegmentids") + \
            (("num_segments: Tnumsegments",) if _with else ())
        _attrs = dict(_SEG_ATTRS, **({"Tnumsegments": dtypes.int32} if _with else {}))
        _cls = type(_name, (), {
            "__doc__": f"The {_kind} over each segment of the rows `data[indices]`, "
                       f"`segment_ids` sorted" + (", `num_segments` rows." if _with
                                                  else "."),
            "devices": ("CPU",), "shape": staticmethod(_segment_shape(_with)),
            "kernel": staticmethod(_segment_kernel(_kind, _with)),
            "grad": staticmethod(_segment_grad(f"SparseSegment{_suffix}Grad", _with))})
        defop(_name, inputs=_inputs, outputs=("output: T",), attrs=_attrs)(_cls)


def _grad_kernel(kind):
    def kernel(xp, grad, indices, segment_ids, output_dim0):
        g = np.asarray(grad)
        idx = _host(indices).astype(np.int64).reshape(-1)
        seg = _host(segment_ids).astype(np.int64).reshape(-1)
        count = np.bincount(seg, minlength=g.shape[0]).astype(g.dtype)
        norm = _NORMS[kind](count).reshape((-1,) + (1,) * (g.ndim - 1))
        out = np.zeros((int(output_dim0),) + g.shape[1:], g.dtype)
        np.add.at(out, idx, (g / norm)[seg])
        return out.astype(g.dtype)
    return kernel


def _grad_v2_kernel(kind):
    dense = _grad_kernel(kind)

    def kernel(xp, grad, indices, segment_ids, dense_output_dim0):
        idx = _host(indices).reshape(-1)
        rows, inverse = np.unique(idx, return_inverse=True)
        full = dense(xp, grad, inverse.astype(np.int64), segment_ids, len(rows))
        return full, rows.astype(idx.dtype)
    return kernel


def _grad_v2_shape(op):
    g = op.inputs[0].shape
    rest = g[1:] if g.ndims is not None else TensorShape(None)
    return [TensorShape([None]).concatenate(rest), TensorShape([None])]


def _grad_shape(op):
    n = gsv(op.inputs[3])
    g = op.inputs[0].shape
    rest = g[1:] if g.ndims is not None else TensorShape(None)
    return TensorShape([None if n is None else int(n)]).concatenate(rest)


for _suffix, _kind in _KINDS.items():
    _name = f"SparseSegment{_suffix}Grad"
    _cls = type(_name, (), {
        "__doc__": f"The gradient of SparseSegment{_suffix}: each segment's gradient "
                   f"(scaled by its {_kind} norm) added to the rows it read.",
        "devices": ("CPU",), "shape": staticmethod(_grad_shape),
        "kernel": staticmethod(_grad_kernel(_kind)), "grad": NOT_DIFFERENTIABLE})
    defop(_name, inputs=("grad: T", "indices: Tidx", "segment_ids: Tsegmentids",
                         "output_dim0: int32"), outputs=("output: T",),
          attrs={"Tidx": dtypes.int32, "Tsegmentids": dtypes.int32})(_cls)


for _suffix, _kind in _KINDS.items():
    _name = f"SparseSegment{_suffix}GradV2"
    _cls = type(_name, (), {
        "__doc__": f"The sparse gradient of SparseSegment{_suffix}: the gradient rows of "
                   "the sorted unique `indices` read, and those indices.",
        "devices": ("CPU",), "shape": staticmethod(_grad_v2_shape),
        "kernel": staticmethod(_grad_v2_kernel(_kind)), "grad": NOT_DIFFERENTIABLE})
    defop(_name, inputs=("grad: T", "indices: Tidx", "segment_ids: Tsegmentids",
                         "dense_output_dim0: int32"),
          outputs=("output: T", "sorted_unique_indices: Tidx"),
          attrs={"Tidx": dtypes.int32, "Tsegmentids": dtypes.int32})(_cls)


def _segment_builder(suffix):
    def build(data, indices, segment_ids, name=None, num_segments=None,
              sparse_gradient=False):
        op_type = f"SparseSegment{suffix}" + ("" if num_segments is None
                                              else "WithNumSegments")
        with name_scope(name, op_type, [data, indices, segment_ids]) as s:
            data = convert_to_tensor(data, name="data")
            ins = [data, convert_to_tensor(indices, name="indices"),
                   convert_to_tensor(segment_ids, name="segment_ids")]
            if num_segments is not None:
                ins.append(convert_to_tensor(num_segments, name="num_segments"))
            return apply_op(op_type, ins, {"sparse_gradient": bool(sparse_gradient)},
                            name=s)
    build.__doc__ = (f"The {_KINDS[suffix]} of `data[indices]` over sorted `segment_ids` "
                     f"(`num_segments` output rows if given).")
    return build


sparse_segment_sum = _segment_builder("Sum")
sparse_segment_mean = _segment_builder("Mean")
sparse_segment_sqrt_n = _segment_builder("SqrtN")


def _grad_builder(suffix):
    def build(grad, indices, segment_ids, output_dim0, name=None):
        return apply_op(f"SparseSegment{suffix}Grad", [
            convert_to_tensor(grad), convert_to_tensor(indices),
            convert_to_tensor(segment_ids), convert_to_tensor(output_dim0, dtypes.int32)],
            name=name)
    build.__doc__ = f"The gradient of `sparse_segment_{_KINDS[suffix]}`."
    return build


sparse_segment_sum_grad = _grad_builder("Sum")
sparse_segment_mean_grad = _grad_builder("Mean")
sparse_segment_sqrt_n_grad = _grad_builder("SqrtN")


# -- rearrangements ---------------------------------------------------------------------
def sparse_transpose(sp_input, perm=None, name=None):
    """SparseTensor `sp_input` with its dimensions permuted by `perm` (reversed by
    default), entries in row-major order."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseTranspose", [sp_input.values]):
        if perm is None:
            rank = array_ops.shape(sp_input.dense_shape)[0]
            perm = (rank - 1) - creation_ops.range(0, rank, 1)
        perm = convert_to_tensor(perm, name="perm")
        indices = array_ops.transpose(gather_ops.gather(
            array_ops.transpose(sp_input.indices), perm))
        shape = gather_ops.gather(sp_input.dense_shape, perm)
        result = sparse_reorder(SparseTensor(indices, sp_input.values, shape))
        p = gsv(perm)
        if p is not None and sp_input.shape.ndims is not None:
            dims = sp_input.shape.as_list()
            result._shape = TensorShape([dims[int(k)] for k in p])
        return result


def sparse_expand_dims(sp_input, axis=None, name=None):
    """SparseTensor `sp_input` with a dimension of size 1 inserted at `axis` (-1: last)."""
    sp_input = _sp(sp_input)
    rank = sp_input.dense_shape.shape.with_rank(1).as_list()[0]
    if rank is None:
        raise ValueError("sparse.expand_dims needs an input of known rank")
    axis = -1 if axis is None else int(axis)
    if not -rank - 1 <= axis <= rank:
        raise ValueError(f"axis {axis} is out of range for a rank-{rank} SparseTensor")
    axis = axis + rank + 1 if axis < 0 else axis
    with name_scope(name, "ExpandDims", [sp_input.values]):
        n = array_ops.shape(sp_input.indices, out_type=_I64)[0:1]
        zeros = creation_ops.zeros(join_ops.concat([n, [1]], 0), dtype=_I64)
        indices = join_ops.concat([sp_input.indices[:, :axis], zeros,
                                   sp_input.indices[:, axis:]], axis=1)
        shape = join_ops.concat([sp_input.dense_shape[:axis],
                                 creation_ops.ones([1], dtype=_I64),
                                 sp_input.dense_shape[axis:]], axis=0)
        result = SparseTensor(indices, core.identity(sp_input.values), shape)
        if sp_input.shape.ndims is not None:
            dims = sp_input.shape.as_list()
            result._shape = TensorShape(dims[:axis] + [1] + dims[axis:])
        return result


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor, `[..., vocab_size]`: True at `[..., id]` for each id in the
    last dimension of the int SparseTensor `sp_input`."""
    sp_input = _sp(sp_input)
    with name_scope(name, "SparseToIndicator", [sp_input.values]):
        ids = math_ops.cast(sp_input.values, _I64)
        indices = join_ops.concat([sp_input.indices[:, :-1],
                                   array_ops.expand_dims(ids, 1)], 1)
        shape = join_ops.concat([sp_input.dense_shape[:-1],
                                 convert_to_tensor([vocab_size], dtype=_I64)], 0)
        ones = creation_ops.fill(array_ops.shape(ids), True)
        merged = sparse_reorder(SparseTensor(indices, ones, shape))
        return sparse_tensor_to_dense(merged, default_value=False, validate_indices=False)


def sparse_merge(sp_ids, sp_values, vocab_size, name=None, already_sorted=False):
    """A SparseTensor whose last index is the id of `sp_ids` (one SparseTensor or a
    list, one column each) and whose values are those of `sp_values`."""
    ids_list = sp_ids if isinstance(sp_ids, (list, tuple)) else [sp_ids]
    sizes = vocab_size if isinstance(vocab_size, (list, tuple)) else [vocab_size]
    if len(ids_list) != len(sizes):
        raise ValueError("sp_ids and vocab_size have to have equal lengths.")
    ids_list = [_sp(x, "sp_ids") for x in ids_list]
    sp_values = _sp(sp_values, "sp_values")
    with name_scope(name, "SparseMerge", [sp_values.values]):
        cols = [array_ops.expand_dims(math_ops.cast(x.values, _I64), 1) for x in ids_list]
        indices = join_ops.concat([ids_list[0].indices[:, :-1]] + cols, 1)
        shape = join_ops.concat([ids_list[0].dense_shape[:-1], convert_to_tensor(
            [int(v) if not hasattr(v, "dtype") else v for v in sizes], dtype=_I64)], 0)
        result = SparseTensor(indices, sp_values.values, shape)
        if already_sorted:
            return result
        ordered = sparse_reorder(result)
        return SparseTensor(ordered.indices, ordered.values, shape)


def sparse_eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The [num_rows, num_columns] identity as a SparseTensor."""
    with name_scope(name, "eye", [num_rows, num_columns]):
        rows = convert_to_tensor(num_rows, dtype=_I64, name="num_rows")
        cols = rows if num_columns is None else convert_to_tensor(num_columns, dtype=_I64,
                                                                  name="num_columns")
        n = math_ops.minimum(rows, cols)
        r = math_ops.cast(creation_ops.range(math_ops.cast(n, dtypes.int32)), _I64)
        return SparseTensor(join_ops.stack([r, r], axis=1),
                            creation_ops.ones(array_ops.reshape(math_ops.cast(
                                n, dtypes.int32), [1]), dtype=dtype),
                            join_ops.stack([rows, cols]))


# -- embeddings -------------------------------------------------------------------------
def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod",
                            name=None, combiner=None, max_norm=None,
                            allow_fast_lookup=False):
    """Combines (`combiner`: "sum", "mean" (default) or "sqrtn") the embeddings of each
    row's ids in the rank-2 SparseTensor `sp_ids`, weighted by `sp_weights` if given."""
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got "
                         f"{combiner}")
    if hasattr(params, "_get_variable_list"):
        params = params._get_variable_list()
    if not isinstance(params, list):
        params = [params]
    sp_ids = _sp(sp_ids, "sp_ids")
    ignore_weights = sp_weights is None
    if not ignore_weights:
        sp_weights = _sp(sp_weights, "sp_weights")
        sp_ids.values.shape.assert_is_compatible_with(sp_weights.values.shape)
        sp_ids.indices.shape.assert_is_compatible_with(sp_weights.indices.shape)
    with name_scope(name, "embedding_lookup_sparse",
                    params + [sp_ids.values]) as name:
        segment_ids = sp_ids.indices[:, 0]
        ids = sp_ids.values
        single = len(params) == 1 and max_norm is None
        if single and (allow_fast_lookup or ignore_weights):
            idx, embeddings = ids, convert_to_tensor(params[0], name="params")
        else:
            ids, idx = gather_ops.unique(ids)
            embeddings = nn_impl.embedding_lookup(params, ids,
                                                  partition_strategy=partition_strategy,
                                                  max_norm=max_norm)
        if ignore_weights:
            seg = {"sum": sparse_segment_sum, "mean": sparse_segment_mean,
                   "sqrtn": sparse_segment_sqrt_n}[combiner]
            return seg(embeddings, idx, segment_ids, name=name,  # sparse grads, as TF
                       sparse_gradient=single and not allow_fast_lookup)
        segment_ids = math_ops.cast(segment_ids, dtypes.int32)
        weights = sp_weights.values
        embeddings = gather_ops.gather(embeddings, idx)
        if weights.dtype != embeddings.dtype:
            weights = math_ops.cast(weights, embeddings.dtype)
        rank = embeddings.shape.ndims
        weights = array_ops.reshape(weights, join_ops.concat(
            [array_ops.shape(weights), creation_ops.ones(
                array_ops.expand_dims(array_ops.rank(embeddings) - 1, 0),
                dtype=dtypes.int32)], 0))
        if rank is not None:
            weights.set_shape(sp_weights.values.shape.concatenate([1] * (rank - 1)))
        embeddings = embeddings * weights
        summed = extra_array_ops.segment_sum(embeddings, segment_ids,
                                             name=name if combiner == "sum" else None)
        if combiner == "sum":
            return summed
        if combiner == "sqrtn":
            weights = math_ops.pow(weights, 2)
        total = extra_array_ops.segment_sum(weights, segment_ids)
        if combiner == "sqrtn":
            total = unary_ops.sqrt(total)
        return math_ops.div_no_nan(summed, total, name=name)


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None,
                                 combiner="mean", default_id=None, name=None,
                                 partition_strategy="div", max_norm=None,
                                 allow_fast_lookup=False):
    """`embedding_lookup_sparse` that drops invalid ids (< 0) and non-positive weights,
    accepts ids of any rank >= 2, and gives rows with no ids the embedding of
    `default_id` (zeros when None)."""
    if embedding_weights is None:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    if hasattr(embedding_weights, "_get_variable_list"):
        embedding_weights = embedding_weights._get_variable_list()
    if not isinstance(embedding_weights, list):
        embedding_weights = [embedding_weights]
    if not embedding_weights:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    sparse_ids = _sp(sparse_ids, "sparse_ids")
    if sparse_weights is not None:
        sparse_weights = _sp(sparse_weights, "sparse_weights")
    with name_scope(name, "embedding_lookup", embedding_weights + [sparse_ids.values]) \
            as scope:
        original_shape = sparse_ids.dense_shape
        original_rank = sparse_ids.dense_shape.shape.with_rank(1).as_list()[0]
        original_rank_dim = array_ops.shape(original_shape)[0] if original_rank is None \
            else original_rank
        lead = reduction_ops.reduce_prod(original_shape[:original_rank_dim - 1])
        flat_shape = join_ops.concat([array_ops.reshape(lead, [1]),
                                      original_shape[original_rank_dim - 1:
                                                     original_rank_dim]], 0)
        sparse_ids = sparse_reshape(sparse_ids, flat_shape)
        if sparse_weights is not None:
            sparse_weights = SparseTensor(sparse_ids.indices, sparse_weights.values,
                                          sparse_ids.dense_shape)
        valid = math_ops.greater_equal(sparse_ids.values, 0)
        if sparse_weights is not None and combiner != "sum":  # as TF 2.21: "sum" keeps
            valid = math_ops.logical_and(valid, math_ops.greater(  # weights <= 0
                sparse_weights.values, creation_ops.zeros_like(sparse_weights.values)))
        if sparse_weights is not None:
            sparse_weights = sparse_retain(sparse_weights, valid)
        sparse_ids = sparse_retain(sparse_ids, valid)
        sparse_ids, is_row_empty = sparse_fill_empty_rows(
            sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(
            embedding_weights, sparse_ids, sparse_weights, combiner=combiner,
            partition_strategy=partition_strategy,
            name=None if default_id is None else scope, max_norm=max_norm,
            allow_fast_lookup=allow_fast_lookup)
        if default_id is None:
            empty = array_ops.reshape(is_row_empty, [-1, 1])
            width = array_ops.shape(result)[1:2]
            empty = manip_ops.tile(empty, join_ops.concat([[1], width], 0))
            result = reduction_ops.where(empty, creation_ops.zeros_like(result), result,
                                         name=scope)
        final = join_ops.concat([
            math_ops.cast(original_shape[:original_rank_dim - 1], dtypes.int32),
            array_ops.shape(result)[1:]], 0)
        out = array_ops.reshape(result, final)
        if original_rank is not None:
            emb = embedding_weights[0].shape
            out.set_shape(TensorShape([None] * (original_rank - 1)).concatenate(
                emb[1:] if emb.ndims is not None else TensorShape(None)))
        return out
