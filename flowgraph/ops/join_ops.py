"""Joining and splitting: concat, stack/unstack, split; and the conversion of lists holding
tensors into one tensor (TF's autopacking)."""
import numbers

import numpy as np

from flowgraph.framework import dtypes, errors, op_builder, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _static_value, _as_input, _const_axis, _int_list, _fn, \
    _zeros_for_none, rank, shape_n

__all__ = ["concat", "stack", "unstack", "parallel_stack", "split"]


# -- concat, stack, unstack, split ---------------------------------------------------------

def _merge_all(shapes, skip_axis=None):
    """Merges partial shapes of equal rank, except along `skip_axis`."""
    out = None
    for s in shapes:
        if s.ndims is None:
            continue
        if out is None:
            out = s.as_list()
            continue
        if len(out) != s.ndims:
            raise ValueError(f"Shape must be rank {len(out)} but is rank {s.ndims}")
        for i, d in enumerate(s.as_list()):
            if i == skip_axis:
                continue
            if out[i] is None:
                out[i] = d
            elif d is not None and d != out[i]:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are "
                                 f"{out[i]} and {d}. Shapes are {TensorShape(out)} and {s}.")
    return out


def _concat_shape(op):
    values = op.inputs[:-1]
    axis = _const_axis(op.inputs[-1])
    ranks = [v.shape.ndims for v in values if v.shape.ndims is not None]
    if axis is None:
        merged = None
        if ranks:
            merged = _merge_all([v.shape for v in values], skip_axis=-1)
            return unknown_shape(len(merged))
        return unknown_shape()
    if not ranks:
        return unknown_shape()
    n = ranks[0]
    if not -n <= axis < n:
        if axis >= n:
            raise ValueError(f"Shape must be at least rank {axis + 1} but is rank {n}")
        raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range "
                         f"[{-n}, {n}), but got {axis}")
    axis %= n
    merged = _merge_all([v.shape for v in values], skip_axis=axis)
    total = 0
    for v in values:
        d = v.shape[axis].value if v.shape.ndims is not None else None
        if d is None:
            total = None
            break
        total += d
    merged[axis] = total
    return TensorShape(merged)


@defop("ConcatV2", inputs=("values: N * T", "axis: Tidx"), outputs=("output: T",),
       attrs={"Tidx": dtypes.int32})
class ConcatV2:
    """Concatenates `values` along `axis`."""
    shape = _concat_shape

    def kernel(xp, values, axis):
        s0 = np.shape(values[0])
        n = len(s0)
        axis = int(axis)
        if not -n <= axis < n:
            raise errors.InvalidArgumentError(
                None, None, f"ConcatOp : Expected concatenating dimensions in the range "
                            f"[{-n}, {n}), but got {axis}")
        a = axis % n
        rest = s0[:a] + s0[a + 1:]
        for i, v in enumerate(values[1:], 1):
            s = np.shape(v)
            if len(s) != n or s[:a] + s[a + 1:] != rest:
                raise errors.InvalidArgumentError(
                    None, None, f"ConcatOp : Dimension mismatch in input {i}: shape "
                                f"{list(s0)} vs. shape {list(s)}")
        return xp.concatenate(values, axis=a)

    def grad(op, g):
        values, axis = op.inputs[:-1], op.inputs[-1]
        shapes = [v.shape for v in values]
        a = _const_axis(axis)
        n = next((s.ndims for s in shapes if s.ndims is not None), None)
        if a is not None and n is not None and all(s[a].value is not None for s in shapes):
            sizes = [s[a].value for s in shapes]
            return split(g, sizes, axis=a % n, num=len(values)) + [None]
        if a is not None and n is not None:
            dim = a % n
        else:
            dim = _fn("floormod")(axis, rank(values[0]))
        offsets = apply_op("ConcatOffset", [dim, shape_n(values, out_type=dtypes.int32)])
        sizes = shape_n(values)
        from flowgraph.ops import slicing_ops
        return [slicing_ops.slice(g, o, s) for o, s in zip(offsets, sizes)] + [None]


@defop("ConcatOffset", inputs=("concat_dim: int32", "shape: N * shape_type"),
       outputs=("offset: N * shape_type",), attrs={"shape_type": dtypes.int32})
class ConcatOffset:
    """The offset of each input of a concat along `concat_dim` (for its gradient)."""
    def shape(op):
        return [t.shape for t in op.inputs[1:]]

    def kernel(xp, concat_dim, shape, shape_type):
        shapes = [_int_list(s) for s in shape]
        n = len(shapes[0])
        d = int(concat_dim) % n if n else 0
        out, off = [], 0
        for s in shapes:
            o = np.zeros(n, dtype=shape_type)
            o[d] = off
            off += int(s[d])
            out.append(xp.asarray(o))
        return out
    grad = NOT_DIFFERENTIABLE


def concat(values, axis, name="concat"):
    """Concatenates tensors along one dimension."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        with name_scope(name):
            convert_to_tensor(axis, name="concat_dim", dtype=dtypes.int32).shape.with_rank(0)
            from flowgraph.ops.core import identity
            return identity(values[0], name=name)  # TF: <scope>/concat/concat
    return apply_op("ConcatV2", [list(values), axis], name=name)


def _pack_shape(op):
    merged = _merge_all([t.shape for t in op.inputs])
    if merged is None:
        return unknown_shape()
    axis = op.get_attr("axis")
    n = len(merged) + 1
    if not -n <= axis < n:
        raise ValueError(f"Invalid axis: {axis}; must be in [{-n},{n})")
    axis %= n
    return TensorShape(merged[:axis] + [len(op.inputs)] + merged[axis:])


@defop("Pack", inputs=("values: N * T",), outputs=("output: T",), attrs={"axis": 0})
class Pack:
    """Stacks `values` along a new dimension `axis`."""
    shape = _pack_shape

    def kernel(xp, values, axis):
        for i, v in enumerate(values):
            if np.shape(v) != np.shape(values[0]):
                raise errors.InvalidArgumentError(
                    None, None, f"Shapes of all inputs must match: values[0].shape = "
                                f"{list(np.shape(values[0]))} != values[{i}].shape = "
                                f"{list(np.shape(v))}")
        return xp.stack(values, axis=axis)

    def grad(op, g):
        return unstack(g, num=op.get_attr("N"), axis=op.get_attr("axis"))


@defop("Unpack", inputs=("value: T",), outputs=("output: num * T",), attrs={"axis": 0})
class Unpack:
    """Unstacks `value` along `axis` into `num` tensors."""
    def shape(op):
        x = op.inputs[0].shape
        num = op.get_attr("num")
        if x.ndims is None:
            return [unknown_shape() for _ in range(num)]
        n = x.ndims
        axis = op.get_attr("axis")
        if not -n <= axis < n:
            raise ValueError(f"Invalid axis: {axis}; must be in [{-n},{n})")
        axis %= n
        dims = x.as_list()
        if dims[axis] is not None and dims[axis] != num:
            raise ValueError(f"Dimension must be {num} but is {dims[axis]}")
        return [TensorShape(dims[:axis] + dims[axis + 1:]) for _ in range(num)]

    def kernel(xp, value, axis):
        # views, not copies: see docs/conv-and-rnn-kernels.md (outputs alias the input)
        pre = (slice(None),) * (axis % value.ndim)
        return [value[pre + (i,)] for i in range(value.shape[axis])]

    def grad(op, *grads):
        return [stack(_zeros_for_none(grads, op), axis=op.get_attr("axis"))]


def _autopack(value, dtype=None, name=None, as_ref=False):
    """Converts a (nested) list holding tensors into one tensor with Pack ops."""
    def has_tensor(v):
        if isinstance(v, Tensor) or (hasattr(v, "_as_graph_element") and hasattr(v, "dtype")):
            return True
        return isinstance(v, (list, tuple)) and any(has_tensor(e) for e in v)
    if not has_tensor(value):
        return NotImplemented

    def first_dtype(v):
        if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
            return dtypes.as_dtype(v.dtype).base_dtype
        if isinstance(v, (list, tuple)):
            for e in v:
                d = first_dtype(e)
                if d is not None:
                    return d
        return None
    inferred = first_dtype(value)
    if dtype is not None and dtypes.as_dtype(dtype).base_dtype != inferred:
        return NotImplemented
    return _pack_nested(value, inferred, name or "packed")


def _pack_nested(value, dtype, name):
    if not isinstance(value, (list, tuple)):
        return convert_to_tensor(value, dtype=dtype)
    with name_scope(name) as scope:
        parts = [_pack_nested(e, dtype, str(i)) if isinstance(e, (list, tuple)) else
                 convert_to_tensor(e, dtype=dtype) for i, e in enumerate(value)]
        return apply_op("Pack", [parts], {"axis": 0}, name=scope)


op_builder.register_tensor_conversion_function((list, tuple), _autopack, 99)


def stack(values, axis=0, name="stack"):
    """Stacks a list of rank-R tensors into one rank-(R+1) tensor."""
    if axis == 0:
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError, NotImplementedError):
            pass
    shapes = [getattr(v, "shape", np.shape(v)) for v in values]
    r = next((tensor_shape.as_shape(s).ndims for s in shapes
              if tensor_shape.as_shape(s).ndims is not None), None)
    if r is not None and not -(r + 1) <= axis < r + 1:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-(r + 1)}, {r + 1})")
    return apply_op("Pack", [list(values)], {"axis": axis}, name=name)


def parallel_stack(values, name="parallel_stack"):
    """Stacks a list of tensors along a new first dimension."""
    return stack(values, 0, name=name)


def unstack(value, num=None, axis=0, name="unstack"):
    """Unpacks the `axis` dimension of a tensor into a list of tensors."""
    with name_scope(name, "unstack", [value]) as scope:
        value = _as_input(value, name="value")
        if num is None:
            s = value.shape
            if s.ndims is None or not -s.ndims <= axis < s.ndims:
                if s.ndims is not None:
                    raise ValueError(f"Argument `axis` = {axis} not in range "
                                     f"[{-s.ndims}, {s.ndims})")
                raise ValueError(f"Cannot infer argument `num` from shape {s}")
            num = s[axis].value
            if num is None:
                raise ValueError(f"Cannot infer argument `num` from shape {s}")
        out = apply_op("Unpack", [value], {"num": num, "axis": axis}, name=scope)
        return out if isinstance(out, list) else [out]


def _split_dim(op, x, axis_t, num):
    """(rank, canonical axis or None) for split shape rules."""
    if x.ndims is None:
        return None, None
    a = _const_axis(axis_t)
    if a is None:
        return x.ndims, None
    n = x.ndims
    if not -n <= a < n:
        raise ValueError(f"Dimension must be in range [{-n}, {n}), but is {a}")
    return n, a % n


@defop("Split", inputs=("split_dim: int32", "value: T"), outputs=("output: num_split * T",))
class Split:
    """Splits `value` along `split_dim` into `num_split` equal pieces."""
    def shape(op):
        x, num = op.inputs[1].shape, op.get_attr("num_split")
        n, a = _split_dim(op, x, op.inputs[0], num)
        if n is None:
            return [unknown_shape() for _ in range(num)]
        if a is None:
            return [unknown_shape(n) for _ in range(num)]
        dims = x.as_list()
        if dims[a] is not None:
            if dims[a] % num:
                raise ValueError(f"Dimension size must be evenly divisible by {num} but is "
                                 f"{dims[a]}")
            dims[a] //= num
        return [TensorShape(dims) for _ in range(num)]

    def kernel(xp, split_dim, value, num_split):
        d = _kernel_axis(split_dim, value, "Split")
        if value.shape[d] % num_split:
            raise errors.InvalidArgumentError(
                None, None, f"Number of ways to split should evenly divide the split "
                            f"dimension, but got split_dim {d} (size = {value.shape[d]}) and "
                            f"num_split {num_split}")
        step = value.shape[d] // num_split
        return _slices(value, d, [step] * num_split)

    def grad(op, *grads):
        return [None, concat(_zeros_for_none(grads, op), op.inputs[0])]


def _kernel_axis(split_dim, value, op_type):
    n, d = value.ndim, int(split_dim)
    if not -n <= d < n:
        raise errors.InvalidArgumentError(
            None, None, f"{op_type}: split_dim must be in range [{-n}, {n}), got {d}")
    return d % n


def _slices(value, axis, sizes):
    """Consecutive pieces of `value` along `axis`: views, not copies (Split, SplitV and
    Unpack outputs alias their input; docs/conv-and-rnn-kernels.md)."""
    pre, out, start = (slice(None),) * axis, [], 0
    for size in sizes:
        out.append(value[pre + (slice(start, start + size),)])
        start += size
    return out


def _split_sizes(sizes, dim):
    """Resolves one -1 in SplitV sizes against the dimension size."""
    if sum(1 for s in sizes if s == -1) > 1:
        raise ValueError("size_splits can only have one -1")
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    known = sum(s for s in sizes if s != -1)
    if -1 in sizes:
        if known > dim:
            raise ValueError(f"can't split axis of size {dim} into pieces of size {sizes}")
        return [dim - known if s == -1 else s for s in sizes]
    if known != dim:
        raise ValueError(f"can't split axis of size {dim} into pieces of size {sizes}")
    return list(sizes)


@defop("SplitV", inputs=("value: T", "size_splits: Tlen", "split_dim: int32"),
       outputs=("output: num_split * T",), attrs={"Tlen": dtypes.int64})
class SplitV:
    """Splits `value` along `split_dim` into pieces of sizes `size_splits`."""
    def shape(op):
        x, num = op.inputs[0].shape, op.get_attr("num_split")
        n, a = _split_dim(op, x, op.inputs[2], num)
        sizes = _static_value(op.inputs[1])
        if n is None:
            return [unknown_shape() for _ in range(num)]
        if a is None:
            return [unknown_shape(n) for _ in range(num)]
        dims = x.as_list()
        if sizes is None:
            return [TensorShape(dims[:a] + [None] + dims[a + 1:]) for _ in range(num)]
        sizes = _split_sizes(_int_list(sizes), dims[a])
        return [TensorShape(dims[:a] + [s] + dims[a + 1:]) for s in sizes]

    def kernel(xp, value, size_splits, split_dim):
        d = _kernel_axis(split_dim, value, "SplitV")
        try:
            sizes = _split_sizes(_int_list(size_splits), value.shape[d])
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        return _slices(value, d, sizes)

    def grad(op, *grads):
        return [concat(_zeros_for_none(grads, op), op.inputs[2]), None, None]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits a tensor into `num_or_size_splits` pieces (a count or a list of sizes)."""
    if isinstance(num_or_size_splits, (numbers.Integral, tensor_shape.Dimension)):
        n = int(tensor_shape.dimension_value(num_or_size_splits))
        return apply_op("Split", [axis, value], {"num_split": n}, name=name)
    sizes = num_or_size_splits
    if num is None:
        st = getattr(sizes, "shape", None)
        if isinstance(sizes, Tensor):
            num = st[0].value if st.ndims == 1 else None
        else:
            num = len(np.reshape(sizes, -1))
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {st}")
    sizes = convert_to_tensor(sizes, name="size_splits", preferred_dtype=dtypes.int32)
    out = apply_op("SplitV", [value, sizes, axis], {"num_split": num}, name=name)
    return out if isinstance(out, list) else [out]
