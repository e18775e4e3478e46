"""Slicing: slice, strided_slice (and its gradient op) and `Tensor.__getitem__`."""
import numbers

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _fn, _int_list, _partial_vector, _shape_from_tensor, \
    _shape_of, _static_value

__all__ = ["slice", "strided_slice"]

_slice = slice  # the builtin, shadowed by TF's `slice` builder below


# -- Slice ----------------------------------------------------------------------------------

def _slice_shape(op):
    x = op.inputs[0].shape
    begin, size = _partial_vector(op.inputs[1]), _partial_vector(op.inputs[2])
    for t in op.inputs[1:]:
        t.shape.with_rank(1)
    n = x.ndims
    for v in (begin, size):
        if v is not None:
            if n is not None and len(v) != n:
                raise ValueError(f"Shape must be rank {n} but is rank {len(v)}")
            n = len(v)
    if n is None:
        return unknown_shape()
    if size is None:
        return unknown_shape(n)
    dims = x.as_list() if x.ndims is not None else [None] * n
    out = []
    for i, s in enumerate(size):
        if s is None:
            out.append(None)
        elif s == -1:
            b = begin[i] if begin is not None else None
            out.append(None if dims[i] is None or b is None else dims[i] - b)
        elif s < -1:
            raise ValueError(f"Expected size[{i}] in [-1, ...], but got {s}")
        else:
            out.append(s)
    return TensorShape(out)


def _slice_index(x, begin, size):
    b, s = _int_list(begin), _int_list(size)
    n = np.ndim(x)
    if len(b) != n or len(s) != n:
        raise errors.InvalidArgumentError(
            None, None, f"Expected begin and size arguments to be 1-D tensors of size {n}, "
                        f"but got shapes [{len(b)}] and [{len(s)}] instead.")
    idx = []
    for i, (bi, si, d) in enumerate(zip(b, s, np.shape(x))):
        if si == -1:
            si = d - bi
        if not 0 <= bi <= d:
            raise errors.InvalidArgumentError(None, None, f"Expected begin[{i}] in [0, {d}], "
                                                          f"but got {bi}")
        if not 0 <= si <= d - bi:
            raise errors.InvalidArgumentError(None, None, f"Expected size[{i}] in "
                                                          f"[0, {d - bi}], but got {si}")
        idx.append(_slice(bi, bi + si))
    return tuple(idx)


@defop("Slice", inputs=("input: T", "begin: Index", "size: Index"), outputs=("output: T",))
class Slice:
    """The block of `input` starting at `begin` with extent `size` (-1: to the end)."""
    shape = _slice_shape

    def kernel(xp, input, begin, size):
        return input[_slice_index(input, begin, size)]

    def grad(op, g):
        x, begin = op.inputs[0], op.inputs[1]
        from flowgraph.ops import join_ops, manip_ops
        b = _static_value(begin)
        xs, ys = x.shape, op.outputs[0].shape
        if b is not None and xs.is_fully_defined() and ys.is_fully_defined():
            b = _int_list(b)
            pads = [[bi, d - bi - s] for bi, d, s in zip(b, xs.as_list(), ys.as_list())]
            return [manip_ops.pad(g, pads), None, None]
        after = _fn("subtract")(_fn("subtract")(_shape_of(x, begin.dtype),
                                                _shape_of(op.outputs[0], begin.dtype)), begin)
        pads = join_ops.stack([begin, after], axis=1)
        return [manip_ops.pad(g, pads), None, None]


def slice(input_, begin, size, name=None):  # noqa: A001 (TF's name)
    """Extracts a slice of `size` starting at `begin` (a size of -1 takes the rest)."""
    from flowgraph.ops.array_ops import _shape_arg
    begin = begin if isinstance(begin, Tensor) else _shape_arg(begin, "begin")
    size = size if isinstance(size, Tensor) else \
        convert_to_tensor(size, dtype=begin.dtype, name="size")
    return apply_op("Slice", [input_, begin, size], name=name)


# -- StridedSlice ---------------------------------------------------------------------------

_UNKNOWN = object()


def _ss_items(begin, end, strides, bm, em, elm, nam, sam):
    """The slice spec as index items: slice(...), ("shrink", i), None (new axis) or
    Ellipsis. Unknown values are `_UNKNOWN`."""
    items, ellipsis = [], False
    for i in range(len(begin)):
        bit = 1 << i
        if elm & bit:
            if ellipsis:
                raise ValueError("Multiple ellipses in slice spec not allowed")
            ellipsis = True
            items.append(Ellipsis)
        elif nam & bit:
            items.append(None)
        elif sam & bit:
            items.append(("shrink", 0 if bm & bit else begin[i]))
        else:
            items.append(_slice(None if bm & bit else begin[i], None if em & bit else end[i],
                                strides[i]))
    return items


def _expand(items, n):
    """Pairs each item with the input dim it consumes (None for new axes); ellipsis (explicit
    or implicit at the end) becomes full slices."""
    consumed = sum(1 for it in items if it is not None and it is not Ellipsis)
    if consumed > n:
        raise ValueError(f"Index out of range using input dim {n}; input has only {n} dims")
    out, k = [], 0
    has_ellipsis = any(it is Ellipsis for it in items)
    for it in items + ([] if has_ellipsis else [Ellipsis]):
        if it is Ellipsis:
            for _ in range(n - consumed):
                out.append((_slice(None, None, 1), k))
                k += 1
        elif it is None:
            out.append((None, None))
        else:
            out.append((it, k))
            k += 1
    return out


def _slice_len(s, d):
    """Length of slice `s` over a dim of size d (None if unknown)."""
    if s.step is _UNKNOWN or d is None:
        return None
    if s.step == 0:
        raise ValueError("strides must be non-zero")
    if s.start is _UNKNOWN or s.stop is _UNKNOWN:
        return None
    return len(range(*s.indices(d)))


def _strided_slice_shape(op):
    x = op.inputs[0].shape
    vecs = [_partial_vector(t) for t in op.inputs[1:4]]
    if any(v is None for v in vecs):
        return unknown_shape()
    if len({len(v) for v in vecs}) != 1:
        raise ValueError("Expected begin, end, and strides to be 1D equal size tensors")
    for i, s in enumerate(vecs[2]):
        if s == 0:
            raise ValueError(f"strides[{i}] must be non-zero")
    begin, end, strides = ([_UNKNOWN if e is None else e for e in v] for v in vecs)
    masks = [op.get_attr(m) for m in _MASKS]
    items = _ss_items(begin, end, strides, *masks)
    if x.ndims is None:
        return unknown_shape()
    dims = x.as_list()
    out = []
    for it, k in _expand(items, x.ndims):
        if it is None:
            out.append(1)
        elif isinstance(it, tuple):
            b, d = it[1], dims[k]
            if b is not _UNKNOWN and d is not None and not -d <= b < d:
                raise ValueError(f"slice index {b} of dimension {k} out of bounds.")
        else:
            out.append(_slice_len(it, dims[k]))
    return TensorShape(out)


def _ss_numpy_index(begin, end, strides, masks):
    items = _ss_items(_int_list(begin), _int_list(end), _int_list(strides), *masks)
    return tuple(it[1] if isinstance(it, tuple) else it for it in items)


def _ss_kernel_index(x_shape, begin, end, strides, masks):
    try:
        idx = _ss_numpy_index(begin, end, strides, masks)
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, str(e)) from None
    k = 0
    n_consumed = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n_consumed > len(x_shape):
        raise errors.InvalidArgumentError(
            None, None, f"Index out of range using input dim {len(x_shape)}; input has only "
                        f"{len(x_shape)} dims")
    for i in idx:
        if i is Ellipsis:
            k += len(x_shape) - n_consumed
        elif i is None:
            continue
        else:
            if isinstance(i, int) and not -x_shape[k] <= i < x_shape[k]:
                raise errors.InvalidArgumentError(
                    None, None, f"slice index {i} of dimension {k} out of bounds.")
            if isinstance(i, _slice) and i.step == 0:
                raise errors.InvalidArgumentError(None, None, "strides must be non-zero")
            k += 1
    return idx


_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
_MASK_ATTRS = {m: 0 for m in _MASKS}


@defop("StridedSlice", inputs=("input: T", "begin: Index", "end: Index", "strides: Index"),
       outputs=("output: T",), attrs=_MASK_ATTRS)
class StridedSlice:
    """Python-style strided slicing of `input` (`x[begin:end:strides]` per dimension), with
    masks for omitted bounds, `...`, new axes and integer (shrinking) indices."""
    shape = _strided_slice_shape

    def kernel(xp, input, begin, end, strides, begin_mask, end_mask, ellipsis_mask,
               new_axis_mask, shrink_axis_mask):
        masks = (begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask)
        return input[_ss_kernel_index(np.shape(input), begin, end, strides, masks)]

    def grad(op, g):
        x, begin, end, strides = op.inputs
        attrs = {m: op.get_attr(m) for m in _MASKS}
        dx = apply_op("StridedSliceGrad", [_shape_of(x, begin.dtype), begin, end, strides, g],
                      attrs)
        return [dx, None, None, None]


@defop("StridedSliceGrad", inputs=("shape: Index", "begin: Index", "end: Index",
                                   "strides: Index", "dy: T"),
       outputs=("output: T",), attrs=_MASK_ATTRS)
class StridedSliceGrad:
    """The gradient of StridedSlice: `dy` placed into zeros of `shape` at the slice."""
    def shape(op):
        return _shape_from_tensor(op.inputs[0])

    def kernel(xp, shape, begin, end, strides, dy, begin_mask, end_mask, ellipsis_mask,
               new_axis_mask, shrink_axis_mask):
        masks = (begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask)
        shape = tuple(_int_list(shape))
        out = xp.zeros(shape, dtype=dy.dtype)
        idx = _ss_kernel_index(shape, begin, end, strides, masks)
        out[idx] = dy
        return out

    def grad(op, g):
        attrs = {m: op.get_attr(m) for m in _MASKS}
        return [None, None, None, None,
                apply_op("StridedSlice", [g] + list(op.inputs[1:4]), attrs)]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0,
                  ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, var=None,
                  name=None):
    """Extracts a strided slice of a tensor (generalized Python slicing)."""
    from flowgraph.ops.array_ops import _shape_arg
    begin = begin if isinstance(begin, Tensor) else _shape_arg(begin, "begin")
    if strides is None:
        from flowgraph.ops import creation_ops
        strides = creation_ops.ones_like(begin)
    attrs = dict(begin_mask=begin_mask, end_mask=end_mask, ellipsis_mask=ellipsis_mask,
                 new_axis_mask=new_axis_mask, shrink_axis_mask=shrink_axis_mask)
    return apply_op("StridedSlice", [input_, begin, end, strides], attrs, name=name)


# -- Tensor.__getitem__ ---------------------------------------------------------------------

def _check_index(idx):
    if isinstance(idx, (numbers.Integral, tensor_shape.Dimension)):
        return
    if isinstance(idx, Tensor) and idx.dtype.base_dtype in (dtypes.int32, dtypes.int64) \
            and idx.shape.ndims in (0, None):
        return
    raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    "scalar tf.int32/tf.int64 tensors are valid indices, got "
                    f"{idx!r}")


def _as_index(v):
    return int(v) if isinstance(v, (numbers.Integral, tensor_shape.Dimension)) and \
        not isinstance(v, Tensor) else v


def _slice_helper(tensor, slice_spec, var=None):
    """`tensor[slice_spec]`: ints, slices with steps, `...`, `tf.newaxis`, scalar int
    tensors; a bool tensor or array applies `boolean_mask`."""
    if isinstance(slice_spec, bool) or \
            (isinstance(slice_spec, Tensor) and slice_spec.dtype == dtypes.bool) or \
            (isinstance(slice_spec, np.ndarray) and slice_spec.dtype == bool):
        from flowgraph.ops import gather_ops
        return gather_ops.boolean_mask(tensor=tensor, mask=slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, _slice):
            for v, lst, m in ((s.start, begin, "begin_mask"), (s.stop, end, "end_mask")):
                if v is None:
                    lst.append(0)
                    masks[m] |= bit
                else:
                    _check_index(v)
                    lst.append(_as_index(v))
            if s.step is not None:
                _check_index(s.step)
            strides.append(1 if s.step is None else _as_index(s.step))
        elif s is Ellipsis:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            _check_index(s)
            s = _as_index(s)
            begin.append(s)
            end.append(_fn("add")(s, 1) if isinstance(s, Tensor) else s + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with name_scope(None, "strided_slice", [tensor] + begin + end + strides) as scope:
        from flowgraph.ops import join_ops
        if begin:
            packed = [join_ops.stack(v) for v in (begin, end, strides)]
            if any(p.dtype == dtypes.int64 for p in packed):
                packed = [p if p.dtype == dtypes.int64 else _fn("cast")(p, dtypes.int64)
                          for p in packed]
        else:
            packed = [convert_to_tensor([], dtype=dtypes.int32) for _ in range(3)]
        if hasattr(tensor, "_as_graph_element") and not isinstance(tensor, Tensor):
            tensor = tensor.value()
        return strided_slice(tensor, *packed, var=var, name=scope, **masks)


Tensor.__getitem__ = _slice_helper
