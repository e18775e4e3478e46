"""Tiling, padding, reversing and broadcasting: tile, pad (Pad, PadV2, MirrorPad), reverse,
reverse_sequence, broadcast_to, identity_n and ensure_shape."""
import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _as_input, _fn, _host, _int_list, _partial_vector, \
    _shape_arg, _shape_from_tensor, _shape_of, _static_value, reshape, shape, size, transpose

__all__ = ["tile", "pad", "reverse", "reverse_v2", "broadcast_to", "broadcast_static_shape",
           "broadcast_dynamic_shape", "identity_n", "reverse_sequence", "ensure_shape"]


# -- tile -----------------------------------------------------------------------------------

def _tile_shape(op):
    x = op.inputs[0].shape
    m = op.inputs[1].shape
    if m.ndims is not None and m.ndims != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {m.ndims}")
    mult = _partial_vector(op.inputs[1])
    n = x.ndims if x.ndims is not None else (None if mult is None else len(mult))
    if n is None:
        return unknown_shape()
    if mult is not None and len(mult) != n:
        raise ValueError(f"Shape must be rank {len(mult)} but is rank {n}")
    if x.ndims is None or mult is None:
        return unknown_shape(n)
    return TensorShape([None if d is None or k is None else d * k
                        for d, k in zip(x.as_list(), mult)])


@defop("Tile", inputs=("input: T", "multiples: Tmultiples"), outputs=("output: T",),
       attrs={"Tmultiples": dtypes.int32})
class Tile:
    """Repeats `input` `multiples[i]` times along dimension i."""
    shape = _tile_shape

    def kernel(xp, input, multiples):
        m = _int_list(multiples)
        if len(m) != np.ndim(input):
            raise errors.InvalidArgumentError(
                None, None, f"Expected multiples argument to be a vector of length "
                            f"{np.ndim(input)} but got length {len(m)}")
        if any(k < 0 for k in m):
            raise errors.InvalidArgumentError(None, None, f"Expected multiples >= 0, got {m}")
        return xp.tile(input, m)

    def grad(op, g):
        x, m = op.inputs
        xs = x.shape
        mult = _static_value(m)
        reduce_sum = _fn("reduce_sum")
        if xs.is_fully_defined() and mult is not None:
            dims, mult = xs.as_list(), _int_list(mult)
            split_shape = [v for pair in zip(mult, dims) for v in pair]
            axes = list(range(0, 2 * len(dims), 2))
            if not dims:
                return [g, None]
            return [reduce_sum(reshape(g, split_shape), axes), None]
        from flowgraph.ops import creation_ops, join_ops
        split_shape = reshape(transpose(join_ops.stack([m, shape(x, out_type=m.dtype)])),
                              [-1])
        axes = creation_ops.range(0, size(split_shape), 2)
        return [reduce_sum(reshape(g, split_shape), axes), None]


def tile(input, multiples, name=None):
    """Constructs a tensor by tiling `input` `multiples` times along each dimension."""
    return apply_op("Tile", [input, _shape_arg(multiples, "multiples")], name=name)


# -- pad ------------------------------------------------------------------------------------

def _pad_shape(op):
    x = op.inputs[0].shape
    p = op.inputs[1].shape
    if p.ndims is not None and p.ndims != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {p.ndims}")
    if p.ndims == 2 and p[1].value not in (None, 2):
        raise ValueError(f"Dimension 1 in both shapes must be equal, but are {p[1].value} "
                         "and 2")
    n = p[0].value if p.ndims == 2 else None
    if x.ndims is not None and n is not None and x.ndims != n:
        raise ValueError(f"Shape must be rank {n} but is rank {x.ndims}")
    n = x.ndims if x.ndims is not None else n
    if op.type == "PadV2":
        op.inputs[2].shape.with_rank(0)
    pads = _static_value(op.inputs[1])
    if n is None:
        return unknown_shape()
    if pads is None or x.ndims is None:
        return unknown_shape(n)
    pads = np.reshape(pads, (-1, 2))
    if (pads < 0).any():
        raise ValueError("Paddings must be non-negative")
    return TensorShape([None if d is None else d + int(a) + int(b)
                        for d, (a, b) in zip(x.as_list(), pads)])


def _check_pads(x, paddings):
    p = _host(paddings)
    if p.shape != (np.ndim(x), 2):
        raise errors.InvalidArgumentError(
            None, None, f"The first dimension of paddings must be the rank of inputs"
                        f"{list(p.shape)} {list(np.shape(x))}")
    if (p < 0).any():
        raise errors.InvalidArgumentError(None, None, "Paddings must be non-negative: "
                                                      f"{p.tolist()}")
    return [(int(a), int(b)) for a, b in p]


def _pad_grad(op, g):
    x, paddings = op.inputs[0], op.inputs[1]
    from flowgraph.ops import slicing_ops
    pads = _static_value(paddings)
    if pads is not None:
        begin = [int(v) for v in np.reshape(pads, (-1, 2))[:, 0]]
    else:
        begin = reshape(slicing_ops.slice(paddings, [0, 0], [-1, 1]), [-1])
    return [slicing_ops.slice(g, begin, _shape_of(x, paddings.dtype))] + \
        [None] * (len(op.inputs) - 1)


@defop("Pad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
       attrs={"Tpaddings": dtypes.int32})
class Pad:
    """Pads `input` with zeros: `paddings[i] = [before, after]` for dimension i."""
    shape = _pad_shape

    def kernel(xp, input, paddings):
        return xp.pad(input, _check_pads(input, paddings))
    grad = _pad_grad


@defop("PadV2", inputs=("input: T", "paddings: Tpaddings", "constant_values: T"),
       outputs=("output: T",), attrs={"Tpaddings": dtypes.int32})
class PadV2:
    """Pads `input` with `constant_values`."""
    shape = _pad_shape

    def kernel(xp, input, paddings, constant_values):
        return xp.pad(input, _check_pads(input, paddings), constant_values=constant_values)
    grad = _pad_grad


def _mode(mode):
    return mode.decode() if isinstance(mode, bytes) else mode


def _check_mirror(x, pads, mode):
    off = 1 if mode == "REFLECT" else 0
    for d, (a, b) in zip(np.shape(x), pads):
        if a > d - off or b > d - off:
            raise errors.InvalidArgumentError(
                None, None, f"paddings must be no greater than the dimension size: {a}, {b} "
                            f"greater than {d - off}")


@defop("MirrorPad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
       attrs={"mode": None, "Tpaddings": dtypes.int32})
class MirrorPad:
    """Pads `input` with mirrored copies of itself (`mode` REFLECT or SYMMETRIC)."""
    shape = _pad_shape

    def kernel(xp, input, paddings, mode):
        mode = _mode(mode)
        pads = _check_pads(input, paddings)
        _check_mirror(input, pads, mode)
        return xp.pad(input, pads, mode="reflect" if mode == "REFLECT" else "symmetric")

    def grad(op, g):
        return [apply_op("MirrorPadGrad", [g, op.inputs[1]], {"mode": op.get_attr("mode")}),
                None]


@defop("MirrorPadGrad", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
       attrs={"mode": None, "Tpaddings": dtypes.int32})
class MirrorPadGrad:
    """The gradient of MirrorPad: folds the mirrored borders back onto the core."""
    def shape(op):
        x = op.inputs[0].shape
        pads = _static_value(op.inputs[1])
        if x.ndims is None or pads is None:
            return unknown_shape(x.ndims)
        pads = np.reshape(pads, (-1, 2))
        return TensorShape([None if d is None else d - int(a) - int(b)
                            for d, (a, b) in zip(x.as_list(), pads)])

    def kernel(xp, input, paddings, mode):
        off = 1 if _mode(mode) == "REFLECT" else 0
        pads = _check_pads(input, paddings)
        for d, (a, b) in zip(input.shape, pads):
            if d - a - b < 0 or max(a, b) > d - a - b - off:
                raise errors.InvalidArgumentError(
                    None, None, f"paddings {a}, {b} are too large for a gradient of size {d}")
        y = input
        for axis, (a, b) in enumerate(pads):
            y = xp.moveaxis(y, axis, 0)
            n = y.shape[0] - a - b
            core = xp.array(y[a:a + n])
            if a:
                core[off:off + a] += xp.flip(y[:a], 0)
            if b:
                core[n - off - b:n - off] += xp.flip(y[a + n:], 0)
            y = xp.moveaxis(core, 0, axis)
        return y

    def grad(op, g):
        return [apply_op("MirrorPad", [g, op.inputs[1]], {"mode": op.get_attr("mode")}), None]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pads a tensor: CONSTANT (with `constant_values`), REFLECT or SYMMETRIC."""
    m = mode.upper() if isinstance(mode, str) else mode
    paddings = _shape_arg(paddings, "paddings") if not isinstance(paddings, Tensor) \
        else paddings
    if m == "CONSTANT":
        if not isinstance(constant_values, Tensor) and np.all(np.asarray(constant_values) == 0):
            return apply_op("Pad", [tensor, paddings], name=name)
        with name_scope(name, "Pad", [tensor]) as scope:
            tensor = _as_input(tensor)
            return apply_op("PadV2", [tensor, paddings, constant_values], name=scope)
    if m in ("REFLECT", "SYMMETRIC"):
        return apply_op("MirrorPad", [tensor, paddings], {"mode": m}, name=name)
    raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", '
                     f'or "SYMMETRIC". Received `mode` = {mode}')


# -- reverse, reverse_sequence --------------------------------------------------------------

def _reverse_axes(axis, n, error):
    seen = set()
    for a in axis:
        if not -n <= a < n:
            raise error(f"'axis'[{len(seen)}] = {a} is out of valid range [0, {n - 1}")
        a %= n
        if a in seen:
            raise error(f"axis {a} specified more than once.")
        seen.add(a)
    return tuple(sorted(seen))


@defop("ReverseV2", inputs=("tensor: T", "axis: Tidx"), outputs=("output: T",),
       attrs={"Tidx": dtypes.int32})
class ReverseV2:
    """Reverses `tensor` along the dimensions listed in `axis`."""
    def shape(op):
        x = op.inputs[0].shape
        op.inputs[1].shape.with_rank(1)
        axes = _static_value(op.inputs[1])
        if axes is not None and x.ndims is not None:
            _reverse_axes(_int_list(axes), x.ndims, ValueError)
        return x

    def kernel(xp, tensor, axis):
        def err(msg):
            return errors.InvalidArgumentError(None, None, msg)
        axes = _reverse_axes(_int_list(axis), np.ndim(tensor), err)
        return xp.flip(tensor, axes) if axes else tensor

    def grad(op, g):
        return [reverse(g, op.inputs[1]), None]


def reverse(tensor, axis, name=None):
    """Reverses specific dimensions of a tensor."""
    return apply_op("ReverseV2", [tensor, _shape_arg(axis, "axis")], name=name)


reverse_v2 = reverse


@defop("ReverseSequence", inputs=("input: T", "seq_lengths: Tlen"), outputs=("output: T",),
       attrs={"seq_dim": None, "batch_dim": 0, "Tlen": dtypes.int64})
class ReverseSequence:
    """Reverses the first `seq_lengths[b]` entries along `seq_dim` of each batch row b."""
    def shape(op):
        x = op.inputs[0].shape
        lengths = op.inputs[1].shape.with_rank(1)
        if x.ndims is None:
            return x
        n, sd, bd = x.ndims, op.get_attr("seq_dim"), op.get_attr("batch_dim")
        if not (0 <= sd < n and 0 <= bd < n) or sd == bd:
            raise ValueError(f"Invalid seq_dim {sd} / batch_dim {bd} for input of rank {n}")
        dims = x.as_list()
        dims[bd] = x[bd].merge_with(lengths[0]).value
        return TensorShape(dims)

    def kernel(xp, input, seq_lengths, seq_dim, batch_dim):
        n = np.ndim(input)
        lens = _host(seq_lengths)
        if lens.shape != (input.shape[batch_dim],):
            raise errors.InvalidArgumentError(
                None, None, f"Length of seq_lengths != input.dims({batch_dim}), "
                            f"({lens.size} vs. {input.shape[batch_dim]})")
        if lens.size and (lens.max() > input.shape[seq_dim] or lens.min() < 0):
            raise errors.InvalidArgumentError(
                None, None, f"seq_lengths must be in [0, {input.shape[seq_dim]}], got "
                            f"{lens.tolist()}")
        shp = [1] * n
        shp[seq_dim] = input.shape[seq_dim]
        j = xp.arange(input.shape[seq_dim]).reshape(shp)
        shp = [1] * n
        shp[batch_dim] = lens.size
        L = xp.asarray(lens.astype(np.int64)).reshape(shp)
        idx = xp.where(j < L, L - 1 - j, j)
        return xp.take_along_axis(input, xp.broadcast_to(idx, input.shape), axis=seq_dim)

    def grad(op, g):
        return [apply_op("ReverseSequence", [g, op.inputs[1]],
                         {"seq_dim": op.get_attr("seq_dim"),
                          "batch_dim": op.get_attr("batch_dim")}), None]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None):
    """Reverses variable length slices along `seq_axis`, per row of `batch_axis`."""
    if seq_dim is not None:
        if seq_axis is not None:
            raise ValueError("Cannot specify both 'seq_axis' and 'seq_dim'")
        seq_axis = seq_dim
    if batch_dim is not None:
        if batch_axis is not None:
            raise ValueError("Cannot specify both 'batch_axis' and 'batch_dim'")
        batch_axis = batch_dim
    if seq_axis is None:
        raise TypeError("reverse_sequence() missing required argument 'seq_axis'")
    return apply_op("ReverseSequence", [input, seq_lengths],
                    {"seq_dim": int(seq_axis), "batch_dim": int(batch_axis or 0)}, name=name)


# -- broadcasting ---------------------------------------------------------------------------

def _broadcast_to_shape(op):
    x = op.inputs[0].shape
    target = _shape_from_tensor(op.inputs[1])
    if x.ndims is None or target.ndims is None:
        return target
    if x.ndims > target.ndims:
        raise ValueError(f"Rank of input ({x.ndims}) must be no greater than rank of "
                         f"output shape ({target.ndims}).")
    out = target.as_list()
    k = target.ndims - x.ndims
    for i, d in enumerate(x.as_list()):
        t = out[k + i]
        if d is not None and d != 1 and t is not None and d != t:
            raise ValueError(f"Dimensions must be equal, but are {d} and {t}")
    return TensorShape(out)


@defop("BroadcastTo", inputs=("input: T", "shape: Tidx"), outputs=("output: T",),
       attrs={"Tidx": dtypes.int32})
class BroadcastTo:
    """Broadcasts `input` to `shape` with numpy's rules."""
    shape = _broadcast_to_shape

    def kernel(xp, input, shape):
        target = tuple(_int_list(shape))
        try:
            return xp.ascontiguousarray(xp.broadcast_to(input, target))
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Incompatible shapes: [{','.join(map(str, np.shape(input)))}] "
                            f"vs. [{','.join(map(str, target))}]") from None

    def grad(op, g):
        from flowgraph.ops import grad_util
        return [grad_util.sum_to(g, op.inputs[0]), None]


def broadcast_to(input, shape, name=None):
    """Broadcasts an array to a compatible shape."""
    return apply_op("BroadcastTo", [input, _shape_arg(shape)], name=name)


@defop("BroadcastArgs", inputs=("s0: T", "s1: T"), outputs=("r0: T",),
       attrs={"T": dtypes.int32})
class BroadcastArgs:
    """The broadcast shape of the shapes `s0` and `s1`."""
    def shape(op):
        a, b = (t.shape.with_rank(1) for t in op.inputs)
        if a[0].value is None or b[0].value is None:
            return TensorShape([None])
        return TensorShape([max(a[0].value, b[0].value)])

    def kernel(xp, s0, s1, T):
        a, b = _int_list(s0), _int_list(s1)
        try:
            out = shape_fns.broadcast_shapes(a, b).as_list()
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Incompatible shapes: [{','.join(map(str, a))}] vs. "
                            f"[{','.join(map(str, b))}]") from None
        return xp.asarray(out, dtype=T)
    grad = NOT_DIFFERENTIABLE


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two shape tensors (a 1-D int tensor)."""
    return apply_op("BroadcastArgs", [shape_x, shape_y])


def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two TensorShapes; ValueError when they are incompatible."""
    try:
        return shape_fns.broadcast_shapes(shape_x, shape_y)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: {shape_x} and "
                         f"{shape_y}") from None


# -- identity_n, ensure_shape ---------------------------------------------------------------

@defop("IdentityN", inputs=("input: T",), outputs=("output: T",), attrs={"T": []})
class IdentityN:
    """Returns a list of tensors with the same shapes and contents as the input."""
    def shape(op):
        return [t.shape for t in op.inputs]

    def kernel(xp, input):
        return list(input)

    def grad(op, *grads):
        return list(grads)


def identity_n(input, name=None):
    """Returns a list of tensors with the same shapes and contents as `input`."""
    return apply_op("IdentityN", [list(input)], name=name)


@defop("EnsureShape", inputs=("input: T",), outputs=("output: T",), attrs={"shape": None})
class EnsureShape:
    """Passes `input` through, checking at run time that it has a compatible `shape`."""
    def shape(op):
        return op.inputs[0].shape.merge_with(op.get_attr("shape"))

    def kernel(xp, input, shape):
        if shape is not None and (len(shape) != np.ndim(input) or any(
                d is not None and d != a for d, a in zip(shape, np.shape(input)))):
            want = "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"
            raise errors.InvalidArgumentError(
                None, None, f"Shape of tensor input {list(np.shape(input))} is not "
                            f"compatible with expected shape {want}.")
        return input

    def grad(op, g):
        return [g]


def ensure_shape(x, shape, name=None):
    """Checks at run time that `x` has a shape compatible with `shape`."""
    return apply_op("EnsureShape", [x], {"shape": tensor_shape.as_shape(shape)}, name=name)
