"""More array ops: roll, repeat, sort/argsort, the segment reductions (sorted and
unsorted), space_to_depth and depth_to_space."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _as_input, _const_axis, _host, _int_list, _static_value
from flowgraph.ops import (array_ops, creation_ops, gather_ops, join_ops, manip_ops, math_ops,
                           reduction_ops, unary_ops, xent_ops)

__all__ = ["roll", "repeat", "sort", "argsort", "segment_sum", "segment_mean", "segment_max",
           "segment_min", "segment_prod", "unsorted_segment_max", "unsorted_segment_min",
           "unsorted_segment_prod", "unsorted_segment_mean", "unsorted_segment_sqrt_n",
           "space_to_depth", "depth_to_space"]
__namespaces__ = {"math": ["segment_sum", "segment_mean", "segment_max", "segment_min",
                           "segment_prod", "unsorted_segment_max", "unsorted_segment_min",
                           "unsorted_segment_prod", "unsorted_segment_mean",
                           "unsorted_segment_sqrt_n"],
                  "nn": ["space_to_depth", "depth_to_space"]}


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


# -- Roll -----------------------------------------------------------------------------------

@defop("Roll", inputs=("input: T", "shift: Tshift", "axis: Taxis"), outputs=("output: T",))
class Roll:
    """Shifts the elements of `input` by `shift[i]` along `axis[i]`, wrapping around."""

    def shape(op):
        x, s, a = (t.shape for t in op.inputs)
        if x.ndims is not None and x.ndims < 1:
            raise ValueError(f"Shape must be at least rank 1 but is rank {x.ndims}")
        if s.ndims is not None and s.ndims > 1:
            raise ValueError(f"Shape must be at most rank 1 but is rank {s.ndims}")
        if a.ndims is not None and a.ndims > 1:
            raise ValueError(f"Shape must be at most rank 1 but is rank {a.ndims}")
        if s.ndims == 1 and a.ndims == 1:
            n, m = s.as_list()[0], a.as_list()[0]
            if n is not None and m is not None and n != m:
                raise ValueError(f"Dimension 0 in both shapes must be equal, but are {n} and "
                                 f"{m}. Shapes are [{n}] and [{m}].")
        return x

    def kernel(xp, input, shift, axis):
        s, a = _int_list(shift), _int_list(axis)
        if len(s) != len(a):
            raise _invalid(f"shift and axis must have the same size, got {len(s)} and "
                           f"{len(a)}")
        n = input.ndim
        for v in a:
            if not -n <= v < n:
                raise _invalid(f"axis {v} is out of range for a tensor of rank {n}")
        if not s:
            return input.copy()
        return xp.roll(input, s, [v % n for v in a])

    def grad(op, g):
        return [roll(g, unary_ops.negative(op.inputs[1]), op.inputs[2]), None, None]


def roll(input, shift, axis, name=None):  # noqa: A002
    """Rolls the elements of a tensor along the given axes."""
    with name_scope(name, "Roll", [input, shift, axis]) as scope:
        input = _as_input(input)
        shift = convert_to_tensor(shift, name="shift")
        axis = convert_to_tensor(axis, name="axis")
        return apply_op("Roll", [input, shift, axis], name=scope)


# -- repeat (a composite, as TF builds it) ---------------------------------------------------

def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Repeats each element of `input` `repeats` times along `axis` (flattened if None)."""
    with name_scope(name, "Repeat", [input, repeats]):
        input = _as_input(input)
        repeats = unary_ops.cast(convert_to_tensor(repeats, name="repeats"), dtypes.int32)
        if axis is None:
            input = array_ops.reshape(input, [-1])
            axis = 0
        axis = int(axis)
        rank = input.shape.ndims
        if rank is None:
            raise ValueError("repeat needs an input of known rank")
        if not -rank <= axis < rank:
            raise ValueError(f"axis={axis} out of bounds: expected {-rank}<=axis<{rank}")
        axis %= rank
        if repeats.shape.ndims is None:
            raise ValueError("repeat needs repeats of known rank")
        if repeats.shape.ndims > 1:
            raise ValueError(f"Shape must be at most rank 1 but is rank "
                             f"{repeats.shape.ndims}")
        dims = array_ops.shape(input)
        expanded = array_ops.expand_dims(input, axis + 1)
        if repeats.shape.ndims == 0:
            mult = [1] * (rank + 1)
            mult[axis + 1] = repeats
            tiled = manip_ops.tile(expanded, join_ops.stack(mult))
            new_shape = join_ops.concat([dims[:axis], join_ops.stack([dims[axis] * repeats]),
                                         dims[axis + 1:]], 0)
            out = array_ops.reshape(tiled, new_shape)
            static = input.shape.as_list()
            r = _static_value(repeats)
            static[axis] = None if static[axis] is None or r is None else static[axis] * int(r)
            out.set_shape(static)
            return out
        n = input.shape.as_list()[axis]
        m = repeats.shape.as_list()[0]
        if n is not None and m is not None and m not in (1, n):
            raise ValueError(f"Dimensions {m} and {n} are not compatible")
        repeats = manip_ops.broadcast_to(repeats, join_ops.stack([dims[axis]]))
        most = math_ops.maximum(reduction_ops.reduce_max(repeats), 0)
        mask = creation_ops.sequence_mask(repeats, most)
        mult = [1] * (rank + 1)
        mult[axis + 1] = most
        tiled = manip_ops.tile(expanded, join_ops.stack(mult))
        return gather_ops.boolean_mask(tiled, mask, axis=axis)


# -- sort / argsort (TopKV2 with transposes, as TF builds them) ------------------------------

def _sort_or_argsort(values, axis, direction, want_indices):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    values = convert_to_tensor(values, name="values")
    axis_t = convert_to_tensor(axis, name="axis")
    axis = _const_axis(axis_t)
    if axis is None:
        raise ValueError("sort needs a constant axis")
    rank = values.shape.ndims
    if rank is None:
        raise ValueError("sort needs an input of known rank")
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    axis %= rank
    ascending = direction == "ASCENDING"
    if ascending and values.dtype.is_unsigned:
        raise TypeError(f"sort: ascending order of unsigned {values.dtype.name} is not "
                        f"supported")
    x = unary_ops.negative(values) if ascending else values
    perm = None
    if axis != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = rank - 1, axis
        x = array_ops.transpose(x, perm, name="transpose")
    k = x.shape.as_list()[-1]
    if k is None:
        k = array_ops.shape(x)[-1]
    top_values, top_indices = xent_ops.top_k(x, k)
    out = top_indices if want_indices else top_values
    if perm is not None:
        out = array_ops.transpose(out, perm, name="transpose_1")
    if ascending and not want_indices:
        out = unary_ops.negative(out)
    return out


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts `values` along `axis`."""
    with name_scope(name, "sort"):
        return _sort_or_argsort(values, axis, direction, False)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort `values` along `axis` (equal values keep their order)."""
    del stable  # TopKV2 already keeps equal values in index order
    with name_scope(name, "argsort"):
        return _sort_or_argsort(values, axis, direction, True)


# -- segment reductions ---------------------------------------------------------------------

def _lowest(dt):
    return np.finfo(dt).min if dt.kind in "fc" else np.iinfo(dt).min


def _highest(dt):
    return np.finfo(dt).max if dt.kind in "fc" else np.iinfo(dt).max


def _reduce_segments(xp, data, ids, n, kind, empty):
    """Reduces the rows of `data` (leading dims = ids.shape) sharing an id into `n` rows;
    rows with negative ids are dropped; segments with no rows hold `empty`."""
    inner = data.shape[ids.ndim:]
    flat = data.reshape((ids.size,) + inner)
    ids = ids.reshape(-1)
    keep = np.nonzero(ids >= 0)[0]
    order = keep[np.argsort(ids[keep], kind="stable")]
    sorted_ids = ids[order]
    rows = flat[xp.asarray(order)] if order.size != flat.shape[0] or \
        not (order == np.arange(order.size)).all() else flat
    out = xp.full((n,) + inner, empty, dtype=data.dtype)
    uniq, starts = np.unique(sorted_ids, return_index=True)
    ends = list(starts[1:]) + [sorted_ids.size]
    for u, s, e in zip(uniq, starts, ends):
        chunk = rows[int(s):int(e)]
        if kind == "sum":
            v = chunk.sum(axis=0, dtype=data.dtype)
        elif kind == "mean":
            v = chunk.sum(axis=0, dtype=data.dtype)
            v = v / (e - s) if data.dtype.kind in "fc" else v // (e - s)
        elif kind == "max":
            v = chunk.max(axis=0)
        elif kind == "min":
            v = chunk.min(axis=0)
        else:
            v = chunk.prod(axis=0, dtype=data.dtype)
        out[int(u)] = v
    return out


def _sorted_shape(op):
    d, s = op.inputs[0].shape, op.inputs[1].shape.with_rank(1)
    if d.ndims is None:
        return unknown_shape()
    if d.ndims < 1:
        raise ValueError(f"Shape must be at least rank 1 but is rank {d.ndims}")
    x, y = d.as_list()[0], s.as_list()[0]
    if x is not None and y is not None and x != y:
        raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
    return TensorShape([None] + d.as_list()[1:])


def _sorted_kernel(kind, empty):
    def kernel(xp, data, segment_ids):
        ids = _host(segment_ids).reshape(-1)
        if data.ndim < 1 or data.shape[0] != ids.size:
            raise _invalid(f"segment_ids should be the same size as dimension 0 of input, "
                           f"got {ids.size} and {data.shape[:1]}")
        if ids.size and ids[0] < 0:
            raise _invalid(f"segment ids must be >= 0, got segment_ids[0] = {ids[0]}")
        if ids.size > 1 and (np.diff(ids) < 0).any():
            bad = int(np.argmax(np.diff(ids) < 0)) + 1
            raise _invalid(f"segment ids are not increasing: segment_ids[{bad}] = "
                           f"{ids[bad]} follows {ids[bad - 1]}")
        n = int(ids[-1]) + 1 if ids.size else 0
        return _reduce_segments(xp, data, ids, n, kind, empty)
    return kernel


def _unsorted_shape(op):
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


def _unsorted_kernel(kind, empty):
    def kernel(xp, data, segment_ids, num_segments):
        n = int(num_segments)
        ids = _host(segment_ids)
        if data.shape[:ids.ndim] != ids.shape:
            raise _invalid(f"data.shape = {list(data.shape)} does not start with "
                           f"segment_ids.shape = {list(ids.shape)}")
        flat = ids.reshape(-1)
        if flat.size and flat.max() >= n:
            bad = int(np.argmax(flat >= n))
            raise _invalid(f"segment_ids[{bad}] = {flat[bad]} is out of range [0, {n})")
        return _reduce_segments(xp, data, ids, n, kind, empty(data.dtype))
    return kernel


def _rows(v, data):
    """Reshapes a per-row vector `v` to broadcast against `data` ([n, 1, ..., 1])."""
    return array_ops.reshape(v,
                             join_ops.concat([array_ops.shape(v),
                                              creation_ops.ones_like(array_ops.shape(data)[1:])],
                                             0))


def _gather_rows(x, ids):
    """`x[ids]` with rows of negative ids zeroed, and the mask of non-negative ids shaped to
    broadcast against the result."""
    got = gather_ops.gather(x, math_ops.maximum(ids, 0))
    keep = math_ops.greater_equal(ids, 0)
    shape = join_ops.concat([array_ops.shape(ids),
                             creation_ops.ones_like(array_ops.shape(got)[array_ops.rank(ids):])], 0)
    keep = array_ops.reshape(keep, shape)
    keep = math_ops.logical_and(keep, creation_ops.ones_like(got, dtype=dtypes.bool))
    return reduction_ops.where(keep, got, creation_ops.zeros_like(got)), keep


def _min_max_grad(op, g, sum_fn, extra):
    data, ids = op.inputs[0], op.inputs[1]
    gathered, keep = _gather_rows(op.outputs[0], ids)
    chosen = math_ops.logical_and(math_ops.equal(data, gathered), keep)
    count = sum_fn(unary_ops.cast(chosen, g.dtype), ids, *extra)
    share, _ = _gather_rows(math_ops.div_no_nan(g, count), ids)
    return reduction_ops.where(chosen, share, creation_ops.zeros_like(share))


def _prod_grad(op, g, sum_fn, prod_fn, extra):
    data, ids = op.inputs[0], op.inputs[1]
    zero = math_ops.equal(data, creation_ops.zeros_like(data))
    n_zero = sum_fn(unary_ops.cast(zero, dtypes.int32), ids, *extra)
    g = reduction_ops.where(math_ops.greater(n_zero, 1), creation_ops.zeros_like(g), g)
    nonzero_data = reduction_ops.where(zero, creation_ops.ones_like(data), data)
    nonzero_prod = prod_fn(nonzero_data, ids, *extra)
    all_prod, _ = _gather_rows(op.outputs[0], ids)
    others, _ = _gather_rows(nonzero_prod, ids)
    partial = reduction_ops.where(zero, others, math_ops.divide(all_prod, nonzero_data))
    gg, _ = _gather_rows(g, ids)
    return math_ops.multiply(gg, partial)


def _segment_count(data, ids):
    return segment_sum(creation_ops.ones_like(ids, dtype=data.dtype), ids)


_SORTED = {"SegmentSum": ("sum", 0), "SegmentMean": ("mean", 0), "SegmentMax": ("max", 0),
           "SegmentMin": ("min", 0), "SegmentProd": ("prod", 1)}


def _sorted_grad(kind):
    def grad(op, g):
        data, ids = op.inputs
        if kind == "sum":
            return [gather_ops.gather(g, ids), None]
        if kind == "mean":
            count = _rows(_segment_count(g, ids), g)
            return [gather_ops.gather(math_ops.div_no_nan(g, count), ids), None]
        if kind in ("max", "min"):
            return [_min_max_grad(op, g, lambda d, i: segment_sum(d, i), ()), None]
        return [_prod_grad(op, g, lambda d, i: segment_sum(d, i),
                           lambda d, i: segment_prod(d, i), ()), None]
    return grad


def _define_sorted(name, kind, empty):
    doc = f"The {kind} of the rows of `data` sharing a segment id (ids sorted, >= 0)."
    cls = type(name, (), {"__doc__": doc, "shape": staticmethod(_sorted_shape),
                          "kernel": staticmethod(_sorted_kernel(kind, empty)),
                          "grad": staticmethod(_sorted_grad(kind))})
    return defop(name, inputs=("data: T", "segment_ids: Tindices"),
                 outputs=("output: T",))(cls)


for _name, (_kind, _empty) in _SORTED.items():
    _define_sorted(_name, _kind, _empty)


_UNSORTED = {"UnsortedSegmentMax": ("max", _lowest), "UnsortedSegmentMin": ("min", _highest),
             "UnsortedSegmentProd": ("prod", lambda dt: 1)}


def _unsorted_grad(kind):
    def grad(op, g):
        n = op.inputs[2]
        if kind in ("max", "min"):
            return [_min_max_grad(op, g, gather_ops.unsorted_segment_sum, (n,)), None, None]
        return [_prod_grad(op, g, gather_ops.unsorted_segment_sum, unsorted_segment_prod, (n,)),
                None, None]
    return grad


def _define_unsorted(name, kind, empty):
    doc = (f"The {kind} of the entries of `data` sharing a segment id (negative ids are "
           f"dropped; empty segments hold the {kind}'s identity).")
    cls = type(name, (), {"__doc__": doc, "shape": staticmethod(_unsorted_shape),
                          "kernel": staticmethod(_unsorted_kernel(kind, empty)),
                          "grad": staticmethod(_unsorted_grad(kind))})
    return defop(name, inputs=("data: T", "segment_ids: Tindices",
                               "num_segments: Tnumsegments"),
                 outputs=("output: T",), attrs={"Tnumsegments": dtypes.int32})(cls)


for _name, (_kind, _empty) in _UNSORTED.items():
    _define_unsorted(_name, _kind, _empty)


def _sorted_builder(op_type):
    def build(data, segment_ids, name=None):
        with name_scope(name, op_type, [data, segment_ids]) as scope:
            data = _as_input(data, name="data")
            segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
            return apply_op(op_type, [data, segment_ids], name=scope)
    build.__doc__ = f"Computes the {_SORTED[op_type][0]} along sorted segments of a tensor."
    return build


segment_sum = _sorted_builder("SegmentSum")
segment_mean = _sorted_builder("SegmentMean")
segment_max = _sorted_builder("SegmentMax")
segment_min = _sorted_builder("SegmentMin")
segment_prod = _sorted_builder("SegmentProd")


def _unsorted_builder(op_type):
    def build(data, segment_ids, num_segments, name=None):
        with name_scope(name, op_type, [data, segment_ids, num_segments]) as scope:
            data = _as_input(data, name="data")
            segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
            num_segments = convert_to_tensor(num_segments, name="num_segments")
            return apply_op(op_type, [data, segment_ids, num_segments], name=scope)
    build.__doc__ = (f"Computes the {_UNSORTED[op_type][0]} along segments of a tensor; ids "
                     f"need not be sorted.")
    return build


unsorted_segment_max = _unsorted_builder("UnsortedSegmentMax")
unsorted_segment_min = _unsorted_builder("UnsortedSegmentMin")
unsorted_segment_prod = _unsorted_builder("UnsortedSegmentProd")


def _unsorted_scaled(data, segment_ids, num_segments, name, default, sqrt):
    with name_scope(name, default, [data, segment_ids, num_segments]):
        data = _as_input(data, name="data")
        segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
        ones = creation_ops.ones_like(segment_ids, dtype=data.dtype)
        count = gather_ops.unsorted_segment_sum(ones, segment_ids, num_segments)
        count = math_ops.maximum(_rows(count, data), creation_ops.ones([], data.dtype))
        if sqrt:
            count = unary_ops.sqrt(count)
        total = gather_ops.unsorted_segment_sum(data, segment_ids, num_segments)
        return math_ops.divide(total, count)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the entries sharing a segment id (empty segments give 0)."""
    return _unsorted_scaled(data, segment_ids, num_segments, name, "UnsortedSegmentMean",
                            False)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the entries sharing a segment id divided by sqrt(their count)."""
    return _unsorted_scaled(data, segment_ids, num_segments, name, "UnsortedSegmentSqrtN",
                            True)


# -- SpaceToDepth / DepthToSpace ------------------------------------------------------------

def _to_nhwc(xp, x, fmt):
    return x if fmt == "NHWC" else xp.transpose(x, (0, 2, 3, 1))


def _from_nhwc(xp, x, fmt):
    return x if fmt == "NHWC" else xp.transpose(x, (0, 3, 1, 2))


def _check_format(fmt):
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format {fmt!r} is not supported (NHWC or NCHW)")


def _s2d_shape(op, to_depth):
    s = op.inputs[0].shape.with_rank(4)
    bs, fmt = op.get_attr("block_size"), op.get_attr("data_format")
    d = s.as_list()
    b, h, w, c = d if fmt == "NHWC" else (d[0], d[2], d[3], d[1])
    if to_depth:
        for v in (h, w):
            if v is not None and v % bs:
                raise ValueError(f"Dimension size must be evenly divisible by {bs} but is {v}")
        h = None if h is None else h // bs
        w = None if w is None else w // bs
        c = None if c is None else c * bs * bs
    else:
        if c is not None and c % (bs * bs):
            raise ValueError(f"Dimension size must be evenly divisible by {bs * bs} but is "
                             f"{c}")
        h = None if h is None else h * bs
        w = None if w is None else w * bs
        c = None if c is None else c // (bs * bs)
    return TensorShape([b, h, w, c] if fmt == "NHWC" else [b, c, h, w])


@defop("SpaceToDepth", inputs=("input: T",), outputs=("output: T",),
       attrs={"block_size": 2, "data_format": "NHWC"})
class SpaceToDepth:
    """Moves `block_size` x `block_size` spatial blocks into the depth dimension."""

    def shape(op):
        return _s2d_shape(op, True)

    def kernel(xp, input, block_size, data_format):
        x = _to_nhwc(xp, input, data_format)
        b, h, w, c = x.shape
        bs = block_size
        if h % bs or w % bs:
            raise _invalid(f"Image height {h} and width {w} should be divisible by "
                           f"block_size: {bs}")
        y = x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
        return _from_nhwc(xp, xp.ascontiguousarray(y.reshape(b, h // bs, w // bs,
                                                             bs * bs * c)), data_format)

    def grad(op, g):
        return [depth_to_space(g, op.get_attr("block_size"),
                               data_format=op.get_attr("data_format"))]


@defop("DepthToSpace", inputs=("input: T",), outputs=("output: T",),
       attrs={"block_size": 2, "data_format": "NHWC"})
class DepthToSpace:
    """Moves depth into `block_size` x `block_size` spatial blocks."""

    def shape(op):
        return _s2d_shape(op, False)

    def kernel(xp, input, block_size, data_format):
        x = _to_nhwc(xp, input, data_format)
        b, h, w, c = x.shape
        bs = block_size
        if c % (bs * bs):
            raise _invalid(f"Input depth dimension {c} should be divisible by: {bs * bs}")
        y = x.reshape(b, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
        return _from_nhwc(xp, xp.ascontiguousarray(y.reshape(b, h * bs, w * bs,
                                                             c // (bs * bs))), data_format)

    def grad(op, g):
        return [space_to_depth(g, op.get_attr("block_size"),
                               data_format=op.get_attr("data_format"))]


def _block_op(op_type, input, block_size, name, data_format):
    _check_format(data_format)
    if int(block_size) < 2:
        raise ValueError(f"Attr block_size has value {int(block_size)} less than minimum 2")
    with name_scope(name, op_type, [input]) as scope:
        input = _as_input(input)
        return apply_op(op_type, [input], {"block_size": int(block_size),
                                           "data_format": data_format}, name=scope)


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Rearranges blocks of spatial data into depth."""
    return _block_op("SpaceToDepth", input, block_size, name, data_format)


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Rearranges data from depth into blocks of spatial data."""
    return _block_op("DepthToSpace", input, block_size, name, data_format)
