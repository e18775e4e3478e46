"""Gathering and scattering by index: gather, gather_nd, scatter_nd, unsorted_segment_sum,
boolean_mask, one_hot, unique and setdiff1d."""
import collections

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _as_input, _host, _const_axis, _fn, _scatter_add, \
    _shape_from_tensor, _shape_of, expand_dims, reshape, shape, size, squeeze, transpose

__all__ = ["gather", "gather_nd", "scatter_nd", "unsorted_segment_sum", "boolean_mask",
           "one_hot", "unique", "unique_with_counts", "setdiff1d"]
__namespaces__ = {"math": ["unsorted_segment_sum"]}


def _bad_index(indices, hi):
    """The first out-of-range entry of `indices` (as TF reports it), or None."""
    idx = _host(indices)
    bad = (idx < 0) | (idx >= hi)
    if not bad.any():
        return None
    pos = np.unravel_index(int(np.argmax(bad.reshape(-1))), idx.shape)
    return ", ".join(map(str, pos)), idx[pos]


# -- GatherV2 -------------------------------------------------------------------------------

def _gather_shape(op):
    p, q = op.inputs[0].shape, op.inputs[1].shape
    b = op.get_attr("batch_dims")
    a = _const_axis(op.inputs[2])
    if p.ndims is None or q.ndims is None:
        return unknown_shape()
    if b < 0:
        b += q.ndims
    if a is None:
        return unknown_shape(p.ndims + q.ndims - 1 - b)
    if not -p.ndims <= a < p.ndims:
        raise ValueError(f"Shape must be at least rank {a + 1 if a >= 0 else -a} but is rank "
                         f"{p.ndims}")
    a %= p.ndims
    if not 0 <= b <= q.ndims or b > a:
        raise ValueError(f"batch_dims ({b}) must be in [0, {min(a, q.ndims)}]: it must be "
                         f"less than or equal to rank(indices) ({q.ndims}) and axis ({a})")
    pd, qd = p.as_list(), q.as_list()
    TensorShape(pd[:b]).merge_with(TensorShape(qd[:b]))  # batch dims must agree
    return TensorShape(pd[:a] + qd[b:] + pd[a + 1:])  # batch dims from params, as TF


@defop("GatherV2", inputs=("params: Tparams", "indices: Tindices", "axis: Taxis"),
       outputs=("output: Tparams",), attrs={"batch_dims": 0})
class GatherV2:
    """Gathers slices of `params` along `axis` at `indices`."""
    shape = _gather_shape

    def kernel(xp, params, indices, axis, batch_dims):
        a = int(axis) % np.ndim(params)
        b = batch_dims + np.ndim(indices) if batch_dims < 0 else batch_dims
        bad = _bad_index(indices, params.shape[a])
        if bad is not None:
            raise errors.InvalidArgumentError(
                None, None, f"indices[{bad[0]}] = {bad[1]} is not in [0, {params.shape[a]})")
        if b == 0:
            return xp.take(params, indices, axis=a)
        batch = params.shape[:b]
        nb = int(np.prod(batch))
        p = params.reshape((nb,) + params.shape[b:])
        q = indices.reshape((nb,) + indices.shape[b:])
        out_shape = batch + params.shape[b:a] + indices.shape[b:] + params.shape[a + 1:]
        if nb == 0:
            return xp.zeros(out_shape, dtype=params.dtype)
        return xp.stack([xp.take(p[i], q[i], axis=a - b) for i in range(nb)]).reshape(out_shape)

    def grad(op, g):
        params, indices, axis = op.inputs
        b = op.get_attr("batch_dims")
        a = _const_axis(axis)
        if b < 0 and indices.shape.ndims is not None:
            b += indices.shape.ndims
        if b == 0 and a == 0:
            from flowgraph.ops import join_ops
            dense_shape = _shape_of(params)
            n = size(indices)
            values = reshape(g, join_ops.concat([[n], dense_shape[1:]], 0))
            dx = IndexedSlices(values, reshape(indices, [n]), dense_shape)
            return [dx, None, None]  # sparse, as TF: densified only where needed
        if b == 0 and (a is None or params.shape.ndims is None or indices.shape.ndims is None):
            return [_gather_dynamic_grad(params, indices, g, axis if a is None else a), None,
                    None]
        return [_gather_dense_grad(params, indices, a, b, g), None, None]


def _prod(shape_t, static, lo, hi):
    """The product of dims lo:hi: a Python int when static, else a tensor."""
    dims = static[lo:hi]
    if all(d is not None for d in dims):
        return int(np.prod(dims, dtype=np.int64))
    return _fn("reduce_prod")(shape_t[lo:hi])


def _mul(a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return _fn("multiply")(a, b)
    return a * b


def _vec(*parts):
    """A shape vector from ints and scalar tensors."""
    from flowgraph.ops import join_ops
    if any(isinstance(p, Tensor) for p in parts):
        return join_ops.stack(list(parts))
    return list(parts)


def _gather_dense_grad(params, indices, a, b, g):
    """The gradient of a gather along axis `a` with `b` batch dims, as a dense tensor: the
    gathered rows are summed back into place with UnsortedSegmentSum."""
    P, Q = params.shape.ndims, indices.shape.ndims
    if a is None or P is None or Q is None:
        raise NotImplementedError("the gradient of a gather with batch_dims needs a "
                                  "constant axis and inputs of known rank")
    a %= P
    from flowgraph.ops import creation_ops, join_ops
    ps, qs = _shape_of(params), _shape_of(indices)
    pl, ql = params.shape.as_list(), indices.shape.as_list()
    nb, n_idx = _prod(ps, pl, 0, b), _prod(qs, ql, b, Q)
    mid, tail = _prod(ps, pl, b, a), _prod(ps, pl, a + 1, P)
    n = pl[a] if pl[a] is not None else ps[a]
    # g: batch + mid + idx + tail -> batch + idx + mid + tail -> [nb * n_idx, mid * tail]
    nm, ni = a - b, Q - b
    perm = list(range(b)) + list(range(b + nm, b + nm + ni)) + list(range(b, b + nm)) + \
        list(range(b + nm + ni, nm + ni + P - a - 1 + b))
    gt = transpose(g, perm) if perm != list(range(len(perm))) else g
    flat = reshape(gt, _vec(_mul(nb, n_idx), _mul(mid, tail)))
    ids = reshape(indices, _vec(nb, n_idx))
    if b:
        step = n if isinstance(n, Tensor) else convert_to_tensor(n, dtype=indices.dtype)
        if step.dtype != indices.dtype:
            step = _fn("cast")(step, indices.dtype)
        offs = _fn("multiply")(creation_ops.range(nb, dtype=indices.dtype), step)
        ids = _fn("add")(ids, expand_dims(offs, 1))
    ids = reshape(ids, [-1])
    summed = unsorted_segment_sum(flat, ids, _mul(nb, n))
    # [nb * n, mid * tail] -> batch + [n] + mid + tail -> batch + mid + [n] + tail
    if params.shape.is_fully_defined():
        full = pl[:b] + [pl[a]] + pl[b:a] + pl[a + 1:]
    else:
        full = join_ops.concat([ps[:b], expand_dims(ps[a], 0), ps[b:a], ps[a + 1:]], 0)
    out = reshape(summed, full)
    perm = list(range(b)) + list(range(b + 1, a + 1)) + [b] + list(range(a + 1, P))
    return transpose(out, perm) if perm != list(range(P)) else out


def _gather_dynamic_grad(params, indices, g, axis):
    """The gradient of a gather along `axis` (an int or a scalar tensor) with shapes
    computed in the graph, for unknown ranks: g as [outer, n_indices, inner], the indices'
    axis moved first, summed into place, moved back (TF's formulation)."""
    from flowgraph.ops import creation_ops, join_ops
    ps = shape(params)
    n = expand_dims(size(indices), 0)
    outer, inner = ps[:axis], ps[axis:][1:]
    no, ni = size(outer), size(inner)
    values = reshape(g, join_ops.concat([outer, n, inner], 0))
    outer_axes = creation_ops.range(no)
    inner_axes = creation_ops.range(no + 1, no + 1 + ni)
    moved = transpose(values, join_ops.concat([expand_dims(no, 0), outer_axes, inner_axes], 0))
    summed = unsorted_segment_sum(moved, reshape(indices, n), ps[axis])
    return transpose(summed, join_ops.concat([outer_axes + 1, [0], inner_axes], 0))


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Gathers slices from `params` along `axis` according to `indices`."""
    if axis is None:
        axis = batch_dims
    with name_scope(name, "GatherV2", [params, indices]) as scope:
        params = _as_input(params, name="params")
        return apply_op("GatherV2", [params, indices, convert_to_tensor(axis, name="axis")],
                        {"batch_dims": int(batch_dims)}, name=scope)


# -- GatherNd, ScatterNd --------------------------------------------------------------------

@defop("GatherNd", inputs=("params: Tparams", "indices: Tindices"),
       outputs=("output: Tparams",), attrs={"bad_indices_policy": ""})
class GatherNd:
    """Gathers slices of `params` addressed by the last dimension of `indices`."""
    def shape(op):
        p, q = op.inputs[0].shape, op.inputs[1].shape
        if q.ndims is not None and q.ndims < 1:
            raise ValueError(f"Shape must be at least rank 1 but is rank {q.ndims}")
        if p.ndims is None or q.ndims is None or q[-1].value is None:
            return unknown_shape()
        k = q[-1].value
        if k > p.ndims:
            raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices "
                             f"shape: {q} and params shape: {p}")
        return TensorShape(q.as_list()[:-1] + p.as_list()[k:])

    def kernel(xp, params, indices, bad_indices_policy):
        idx = _host(indices)
        k = idx.shape[-1]
        lead = idx.shape[:-1]
        if k > np.ndim(params):
            raise errors.InvalidArgumentError(None, None, "indices.shape[-1] must be <= "
                                                          "params.rank")
        bad = ((idx < 0) | (idx >= np.asarray(params.shape[:k], dtype=np.int64))).any(-1)
        if bad.any():
            pos = np.unravel_index(int(np.argmax(bad.reshape(-1))), lead)
            raise errors.InvalidArgumentError(
                None, None, f"indices{list(pos)} = {idx[pos].tolist()} does not index into "
                            f"param shape {list(params.shape)}")
        if k == 0:
            return xp.array(xp.broadcast_to(params, lead + params.shape))
        return params[tuple(indices[..., i] for i in range(k))]

    def grad(op, g):
        params, indices = op.inputs
        return [scatter_nd(indices, g, _shape_of(params, indices.dtype)), None]


@defop("ScatterNd", inputs=("indices: Tindices", "updates: T", "shape: Tindices"),
       outputs=("output: T",), attrs={"bad_indices_policy": ""})
class ScatterNd:
    """Scatters `updates` into zeros of `shape` at `indices` (repeated indices add up)."""
    def shape(op):
        out = _shape_from_tensor(op.inputs[2])
        q, u = op.inputs[0].shape, op.inputs[1].shape
        if q.ndims is not None and u.ndims is not None and out.ndims is not None and \
                q[-1].value is not None:
            want = TensorShape(q.as_list()[:-1] + out.as_list()[q[-1].value:])
            if not u.is_compatible_with(want):
                raise ValueError(f"Dimensions of updates {u} do not match indices {q} and "
                                 f"shape {out}")
        return out

    def kernel(xp, indices, updates, shape, bad_indices_policy):
        shape = tuple(int(d) for d in np.reshape(shape, -1))
        idx = _host(indices)
        k = idx.shape[-1]
        bad = ((idx < 0) | (idx >= np.asarray(shape[:k], dtype=np.int64))).any(-1)
        if bad.any():
            pos = np.unravel_index(int(np.argmax(bad.reshape(-1))), idx.shape[:-1])
            raise errors.InvalidArgumentError(
                None, None, f"indices{list(pos)} = {idx[pos].tolist()} does not index into "
                            f"shape {list(shape)}")
        if updates.shape != idx.shape[:-1] + shape[k:]:
            raise errors.InvalidArgumentError(
                None, None, f"updates.shape {list(updates.shape)} must be indices.shape[:-1] "
                            f"+ shape[indices.shape[-1]:]")
        out = xp.zeros(shape, dtype=updates.dtype)
        _scatter_add(xp, out, tuple(indices[..., i] for i in range(k)), updates)
        return out

    def grad(op, g):
        return [None, gather_nd(g, op.inputs[0]), None]


def gather_nd(params, indices, name=None, batch_dims=0, bad_indices_policy=""):
    """Gathers slices of `params` into a tensor with shape given by `indices`."""
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims > 0 is not supported yet")
    with name_scope(name, "GatherNd", [params, indices]) as scope:
        params = _as_input(params, name="params")
        return apply_op("GatherNd", [params, indices],
                        {"bad_indices_policy": bad_indices_policy}, name=scope)


def scatter_nd(indices, updates, shape, name=None, bad_indices_policy=""):
    """Scatters `updates` into a new zero tensor of `shape` according to `indices`."""
    indices = convert_to_tensor(indices, name="indices")
    shape = shape if isinstance(shape, Tensor) else \
        convert_to_tensor(shape, dtype=indices.dtype, name="shape")
    return apply_op("ScatterNd", [indices, updates, shape],
                    {"bad_indices_policy": bad_indices_policy}, name=name)


# -- UnsortedSegmentSum ---------------------------------------------------------------------

@defop("UnsortedSegmentSum", inputs=("data: T", "segment_ids: Tindices",
                                     "num_segments: Tnumsegments"),
       outputs=("output: T",), attrs={"Tnumsegments": dtypes.int32})
class UnsortedSegmentSum:
    """Sums the entries of `data` sharing a segment id (negative ids are dropped)."""
    def shape(op):
        d, s = op.inputs[0].shape, op.inputs[1].shape
        op.inputs[2].shape.with_rank(0)
        n = _const_axis(op.inputs[2])
        if d.ndims is None or s.ndims is None:
            return unknown_shape()
        if s.ndims > d.ndims:
            raise ValueError(f"Shape must be at least rank {s.ndims} but is rank {d.ndims}")
        for x, y in zip(d.as_list(), s.as_list()):
            if x is not None and y is not None and x != y:
                raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
        return TensorShape([n] + d.as_list()[s.ndims:])

    def kernel(xp, data, segment_ids, num_segments):
        n = int(num_segments)
        ids = _host(segment_ids).reshape(-1)
        if data.shape[:np.ndim(segment_ids)] != np.shape(segment_ids):
            raise errors.InvalidArgumentError(
                None, None, f"data.shape = {list(data.shape)} does not start with "
                            f"segment_ids.shape = {list(np.shape(segment_ids))}")
        if ids.size and ids.max() >= n:
            bad = int(np.argmax(ids >= n))
            raise errors.InvalidArgumentError(
                None, None, f"segment_ids[{bad}] = {ids[bad]} is out of range [0, {n})")
        inner = data.shape[np.ndim(segment_ids):]
        out = xp.zeros((n,) + inner, dtype=data.dtype)
        flat = data.reshape((ids.size,) + inner)
        keep = ids >= 0
        if not keep.all():
            flat, ids = flat[xp.asarray(keep)], ids[keep]
        _scatter_add(xp, out, xp.asarray(ids), flat)
        return out

    def grad(op, g):
        ids = op.inputs[1]
        clipped = _fn("maximum")(ids, 0)
        gathered = gather(g, clipped)
        keep = _fn("cast")(_fn("greater_equal")(ids, 0), g.dtype)
        extra = op.inputs[0].shape.ndims
        if extra is not None and ids.shape.ndims is not None:
            for _ in range(extra - ids.shape.ndims):
                keep = expand_dims(keep, -1)
        else:
            from flowgraph.ops import creation_ops, join_ops
            keep = reshape(keep, join_ops.concat(
                [shape(ids), creation_ops.ones_like(shape(gathered)[size(shape(ids)):])], 0))
        return [_fn("multiply")(gathered, keep), None, None]


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Computes the sum along segments of a tensor; ids need not be sorted."""
    return apply_op("UnsortedSegmentSum", [data, segment_ids, num_segments], name=name)


# -- boolean_mask ---------------------------------------------------------------------------

def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """Keeps the entries of `tensor` where `mask` is True (mask dims flattened into one)."""
    with name_scope(name, "boolean_mask", [tensor, mask]) as scope:
        tensor = _as_input(tensor, name="tensor")
        mask = convert_to_tensor(mask, name="mask")
        m = mask.shape
        if m.ndims == 0:
            raise ValueError("mask cannot be scalar.")
        if m.ndims is None:
            raise ValueError("Number of mask dimensions must be specified, even if some "
                             "dimensions are None.  E.g. shape=[None] is ok, but "
                             "shape=None is not.")
        axis = 0 if axis is None else int(axis)
        t = tensor.shape
        t[axis:axis + m.ndims].assert_is_compatible_with(m)
        from flowgraph.ops import join_ops
        if t.ndims is not None and t.is_fully_defined():
            dims = t.as_list()
            new = dims[:axis] + [int(np.prod(dims[axis:axis + m.ndims]))] + \
                dims[axis + m.ndims:]
        else:
            ts = shape(tensor)
            lead = _fn("reduce_prod")(ts[axis:axis + m.ndims], [0])
            new = join_ops.concat([ts[:axis], [lead], ts[axis + m.ndims:]], 0)
        tensor = reshape(tensor, new)
        if t.ndims is not None:
            first = t[axis:axis + m.ndims].num_elements()
            tensor.set_shape(t[:axis].concatenate([first]).concatenate(t[axis + m.ndims:]))
        mask = reshape(mask, [-1])
        indices = squeeze(_fn("where")(mask), axis=[1])
        return gather(tensor, indices, axis=axis, name=scope)


# -- OneHot ---------------------------------------------------------------------------------

@defop("OneHot", inputs=("indices: TI", "depth: int32", "on_value: T", "off_value: T"),
       outputs=("output: T",), attrs={"axis": -1, "TI": dtypes.int64})
class OneHot:
    """A one-hot tensor: `on_value` where the new `axis` index equals `indices`."""
    def shape(op):
        x = op.inputs[0].shape
        for t in op.inputs[2:]:
            t.shape.with_rank(0)
        axis = op.get_attr("axis")
        depth = _const_axis(op.inputs[1])
        if x.ndims is None:
            return unknown_shape()
        if not -1 <= axis <= x.ndims:
            raise ValueError(f"Expected axis to be -1 or between [0, {x.ndims}).  But "
                             f"received: {axis}")
        dims = x.as_list()
        axis = x.ndims if axis == -1 else axis
        return TensorShape(dims[:axis] + [depth] + dims[axis:])

    def kernel(xp, indices, depth, on_value, off_value, axis):
        d = int(depth)
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"depth must be non-negative, got: "
                                                          f"{d}")
        hot = indices[..., None] == xp.arange(d)
        out = xp.where(hot, on_value, off_value).astype(on_value.dtype,
                                                        copy=False)
        if axis != -1:
            out = xp.moveaxis(out, -1, axis)
        return out
    grad = NOT_DIFFERENTIABLE


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None):
    """Returns a one-hot tensor (`on_value` at `indices`, `off_value` elsewhere)."""
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        on = None if on_value is None else \
            convert_to_tensor(on_value, name="on_value", preferred_dtype=dtype)
        off = None if off_value is None else \
            convert_to_tensor(off_value, name="off_value", preferred_dtype=dtype)
        for v, what in ((on, "on_value"), (off, "off_value")):
            if v is not None and dtype is not None and v.dtype.base_dtype != dtype:
                raise TypeError(f"dtype {v.dtype} of {what} does not match dtype parameter "
                                f"{dtype}")
        if dtype is None:
            dtype = on.dtype.base_dtype if on is not None else \
                off.dtype.base_dtype if off is not None else dtypes.float32
        if on is None:
            on = convert_to_tensor(1, dtype=dtype, name="on_value")
        if off is None:
            off = convert_to_tensor(0, dtype=dtype, name="off_value")
        if on.dtype.base_dtype != off.dtype.base_dtype:
            raise TypeError(f"dtype {on.dtype} of on_value does not match dtype {off.dtype} "
                            "of off_value")
        return apply_op("OneHot", [indices, depth, on, off],
                        {"axis": -1 if axis is None else int(axis)}, name=scope)


# -- Unique, ListDiff -----------------------------------------------------------------------

def _unique(xp, x):
    """(values in order of first appearance, index of each x in them, counts)."""
    if np.ndim(x) != 1:
        raise errors.InvalidArgumentError(None, None, f"unique expects a 1D vector, got shape "
                                                      f"{list(np.shape(x))}")
    vals, first, inv, counts = np.unique(_host(x), return_index=True,
                                         return_inverse=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return vals[order], rank[inv.reshape(-1)], counts[order]


def _unique_shape(op):
    x = op.inputs[0].shape.with_rank(1)
    return [TensorShape([None]), x] + [TensorShape([None])] * (len(op.outputs) - 2)


@defop("Unique", inputs=("x: T",), outputs=("y: T", "idx: out_idx"),
       attrs={"out_idx": dtypes.int32})
class Unique:
    """The unique elements of 1-D `x` in order of first appearance, and each one's index."""
    shape = _unique_shape

    def kernel(xp, x, out_idx):
        y, idx, _ = _unique(xp, x)
        return xp.asarray(y, dtype=x.dtype), xp.asarray(idx, dtype=out_idx)
    grad = NOT_DIFFERENTIABLE


@defop("UniqueWithCounts", inputs=("x: T",), outputs=("y: T", "idx: out_idx",
                                                      "count: out_idx"),
       attrs={"out_idx": dtypes.int32})
class UniqueWithCounts:
    """Like Unique, also counting each unique element."""
    shape = _unique_shape

    def kernel(xp, x, out_idx):
        y, idx, count = _unique(xp, x)
        return (xp.asarray(y, dtype=x.dtype), xp.asarray(idx, dtype=out_idx),
                xp.asarray(count, dtype=out_idx))
    grad = NOT_DIFFERENTIABLE


_UniqueOut = collections.namedtuple("Unique", ["y", "idx"])
_UniqueCountsOut = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])
_ListDiffOut = collections.namedtuple("ListDiff", ["out", "idx"])


def unique(x, out_idx=dtypes.int32, name=None):
    """The unique elements `y` of a 1-D tensor and `idx` with `x == gather(y, idx)`."""
    return _UniqueOut(*apply_op("Unique", [x], {"out_idx": dtypes.as_dtype(out_idx)},
                                name=name))


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """Like `unique`, also returning how often each unique element occurs."""
    return _UniqueCountsOut(*apply_op("UniqueWithCounts", [x],
                                      {"out_idx": dtypes.as_dtype(out_idx)}, name=name))


@defop("ListDiff", inputs=("x: T", "y: T"), outputs=("out: T", "idx: out_idx"),
       attrs={"out_idx": dtypes.int32})
class ListDiff:
    """The elements of 1-D `x` that are not in `y` (in order), and their positions in x."""
    def shape(op):
        op.inputs[0].shape.with_rank(1)
        op.inputs[1].shape.with_rank(1)
        return [TensorShape([None]), TensorShape([None])]

    def kernel(xp, x, y, out_idx):
        keep = ~np.isin(_host(x), _host(y))
        return x[xp.asarray(keep)], xp.asarray(np.nonzero(keep)[0], dtype=out_idx)
    grad = NOT_DIFFERENTIABLE


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None):
    """The elements of `x` not in `y`, with their indices in `x`."""
    return _ListDiffOut(*apply_op("ListDiff", [x, y], {"out_idx": dtypes.as_dtype(index_dtype)},
                                  name=name))
