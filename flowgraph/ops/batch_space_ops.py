"""Moving blocks of spatial positions into the batch dimension and back (SpaceToBatchND,
BatchToSpaceND and their older 2-D forms), required_space_to_batch_paddings, and
ExtractVolumePatches."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant_value, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _host

__all__ = ["space_to_batch_nd", "batch_to_space_nd", "space_to_batch", "batch_to_space",
           "required_space_to_batch_paddings", "extract_volume_patches"]
__namespaces__ = {"nn": ["space_to_batch"]}


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _s2b(xp, x, block, pads):
    m = len(block)
    if x.ndim < m + 1:
        raise _invalid(f"input rank should be >= {m + 1} instead of {x.ndim}")
    if (pads < 0).any():
        raise _invalid("paddings must be non-negative")
    x = xp.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - m - 1))
    b, sp, rest = x.shape[0], x.shape[1:m + 1], x.shape[m + 1:]
    for i, (s, k) in enumerate(zip(sp, block)):
        if s % k:
            raise _invalid(f"padded_shape[{i}]={s} is not divisible by block_shape[{i}]={k}")
    shape = [b]
    for s, k in zip(sp, block):
        shape += [s // k, k]
    x = x.reshape(shape + list(rest))
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    x = xp.transpose(x, perm)
    return xp.ascontiguousarray(x).reshape([b * int(np.prod(block))] +
                                           [s // k for s, k in zip(sp, block)] + list(rest))


def _b2s(xp, x, block, crops):
    m = len(block)
    if x.ndim < m + 1:
        raise _invalid(f"input rank should be >= {m + 1} instead of {x.ndim}")
    if (crops < 0).any():
        raise _invalid("crops must be non-negative")
    prod = int(np.prod(block))
    if x.shape[0] % prod:
        raise _invalid(f"Input batch dimension ({x.shape[0]}) is not divisible by product "
                       f"of block sizes ({prod})")
    b, sp, rest = x.shape[0] // prod, x.shape[1:m + 1], x.shape[m + 1:]
    x = x.reshape(list(block) + [b] + list(sp) + list(rest))
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    x = xp.ascontiguousarray(xp.transpose(x, perm))
    x = x.reshape([b] + [s * k for s, k in zip(sp, block)] + list(rest))
    sl = [slice(None)] + [slice(int(c[0]), s * k - int(c[1]))
                          for c, s, k in zip(crops, sp, block)]
    for c, s, k in zip(crops, sp, block):
        if c[0] + c[1] > s * k:
            raise _invalid(f"crops must be less than or equal to the input size, got {c}")
    return x[tuple(sl)]


def _block_shape_rule(op, block_v, pads_v, to_batch):
    x = op.inputs[0].shape
    if x.ndims is None or block_v is None:
        return unknown_shape(x.ndims) if x.ndims is not None else unknown_shape()
    block = np.reshape(block_v, -1).astype(np.int64)
    m = block.size
    if x.ndims < m + 1:
        raise ValueError(f"Shape must be at least rank {m + 1} but is rank {x.ndims}")
    if (block < 1).any():
        raise ValueError(f"block_shape must be positive, got {block.tolist()}")
    dims = x.as_list()
    prod = int(np.prod(block))
    out = [None if dims[0] is None else (dims[0] * prod if to_batch else dims[0] // prod)]
    if not to_batch and dims[0] is not None and dims[0] % prod:
        raise ValueError(f"batch {dims[0]} is not divisible by the block product {prod}")
    for i in range(m):
        d = dims[1 + i]
        if d is None or pads_v is None:
            out.append(None)
            continue
        p = np.reshape(pads_v, (m, 2))[i]
        if to_batch:
            if (d + p[0] + p[1]) % block[i]:
                raise ValueError(f"padded dimension {i} ({d + p[0] + p[1]}) is not divisible "
                                 f"by block size {block[i]}")
            out.append(int((d + p[0] + p[1]) // block[i]))
        else:
            out.append(int(d * block[i] - p[0] - p[1]))
    return TensorShape(out + dims[1 + m:])


@defop("SpaceToBatchND", inputs=("input: T", "block_shape: Tblock_shape",
                                 "paddings: Tpaddings"), outputs=("output: T",),
       attrs={"Tblock_shape": dtypes.int32, "Tpaddings": dtypes.int32})
class SpaceToBatchND:
    """Zero-pads the spatial dims, then moves each block_shape block into the batch."""
    def shape(op):
        return _block_shape_rule(op, constant_value(op.inputs[1]),
                                 constant_value(op.inputs[2]), True)

    def kernel(xp, input, block_shape, paddings):
        return _s2b(xp, input, _host(block_shape).reshape(-1), _host(paddings).reshape(-1, 2))

    def grad(op, g):
        return [apply_op("BatchToSpaceND", [g, op.inputs[1], op.inputs[2]]), None, None]


@defop("BatchToSpaceND", inputs=("input: T", "block_shape: Tblock_shape",
                                 "crops: Tcrops"), outputs=("output: T",),
       attrs={"Tblock_shape": dtypes.int32, "Tcrops": dtypes.int32})
class BatchToSpaceND:
    """Moves blocks of the batch back into the spatial dims, then crops them."""
    def shape(op):
        return _block_shape_rule(op, constant_value(op.inputs[1]),
                                 constant_value(op.inputs[2]), False)

    def kernel(xp, input, block_shape, crops):
        return _b2s(xp, input, _host(block_shape).reshape(-1), _host(crops).reshape(-1, 2))

    def grad(op, g):
        return [apply_op("SpaceToBatchND", [g, op.inputs[1], op.inputs[2]]), None, None]


@defop("SpaceToBatch", inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
       attrs={"block_size": None, "Tpaddings": dtypes.int32})
class SpaceToBatch:
    """SpaceToBatchND of a 4-D input with a square block of `block_size`."""
    def shape(op):
        b = op.get_attr("block_size")
        if b < 2:
            raise ValueError(f"block_size must be greater than 1, got {b}")
        return _block_shape_rule(op, [b, b], constant_value(op.inputs[1]), True)

    def kernel(xp, input, paddings, block_size):
        return _s2b(xp, input, np.array([block_size] * 2), _host(paddings).reshape(-1, 2))

    def grad(op, g):
        return [apply_op("BatchToSpace", [g, op.inputs[1]],
                         {"block_size": op.get_attr("block_size")}), None]


@defop("BatchToSpace", inputs=("input: T", "crops: Tidx"), outputs=("output: T",),
       attrs={"block_size": None, "Tidx": dtypes.int32})
class BatchToSpace:
    """BatchToSpaceND of a 4-D input with a square block of `block_size`."""
    def shape(op):
        b = op.get_attr("block_size")
        if b < 2:
            raise ValueError(f"block_size must be greater than 1, got {b}")
        return _block_shape_rule(op, [b, b], constant_value(op.inputs[1]), False)

    def kernel(xp, input, crops, block_size):
        return _b2s(xp, input, np.array([block_size] * 2), _host(crops).reshape(-1, 2))

    def grad(op, g):
        return [apply_op("SpaceToBatch", [g, op.inputs[1]],
                         {"block_size": op.get_attr("block_size")}), None]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """SpaceToBatch for N-D tensors of type T."""
    return apply_op("SpaceToBatchND", [input, block_shape, paddings], name=name)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """BatchToSpace for N-D tensors of type T."""
    return apply_op("BatchToSpaceND", [input, block_shape, crops], name=name)


def _block_size(block_size, block_shape):
    if block_size is not None and block_shape is not None:
        raise ValueError("Cannot specify both 'block_shape' and 'block_size'")
    return block_shape if block_size is None else block_size


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa
    """SpaceToBatchND with a square `block_size` block over the two spatial dims."""
    b = _block_size(block_size, block_shape)
    return space_to_batch_nd(input, np.array([b, b], np.int64), paddings, name=name)


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    """BatchToSpaceND with a square `block_size` block over the two spatial dims."""
    b = _block_size(block_size, block_shape)
    return batch_to_space_nd(input, np.array([b, b], np.int64), crops, name=name)


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None,
                                     name=None):
    """(paddings, crops) making `input_shape` + paddings divisible by `block_shape`."""
    from flowgraph.ops.creation_ops import zeros_like
    with name_scope(name, "required_space_to_batch_paddings",
                    [input_shape, block_shape]):
        input_shape = convert_to_tensor(input_shape, dtypes.int32, name="input_shape")
        block_shape = convert_to_tensor(block_shape, dtypes.int32, name="block_shape")
        m = block_shape.shape.as_list()[0]
        if base_paddings is not None:
            base = convert_to_tensor(base_paddings, dtypes.int32, name="base_paddings")
        else:
            base = convert_to_tensor(np.zeros((m, 2), np.int32))
        static = [constant_value(t) for t in (input_shape, block_shape, base)]
        if all(v is not None for v in static):
            shp, blk, bp = (np.asarray(v, np.int64) for v in static)
            extra = (blk - (shp + bp[:, 0] + bp[:, 1]) % blk) % blk
            pads = np.stack([bp[:, 0], bp[:, 1] + extra], 1).astype(np.int32)
            crops = np.stack([np.zeros_like(extra), extra], 1).astype(np.int32)
            return (convert_to_tensor(pads, name="paddings"),
                    convert_to_tensor(crops, name="crops"))
        start, end = base[:, 0], base[:, 1]
        full = apply_op("AddV2", [apply_op("AddV2", [input_shape, start]), end])
        extra = apply_op("FloorMod", [apply_op("Sub", [block_shape, apply_op(
            "FloorMod", [full, block_shape])]), block_shape])
        pads = apply_op("Pack", [[start, apply_op("AddV2", [end, extra])]], {"axis": 1},
                        name="paddings")
        crops = apply_op("Pack", [[zeros_like(extra), extra]], {"axis": 1}, name="crops")
        return pads, crops


# -- ExtractVolumePatches --------------------------------------------------------------------
def _out_size(n, k, s, padding):
    if padding == "VALID":
        return (n - k) // s + 1 if n >= k else 0, 0
    out = -(-n // s)
    return out, max((out - 1) * s + k - n, 0) // 2


def _volume_rule(op):
    x = op.inputs[0].shape
    ks, st = op.get_attr("ksizes"), op.get_attr("strides")
    pad = op.get_attr("padding")
    pad = pad.decode() if isinstance(pad, bytes) else pad
    if len(ks) != 5 or len(st) != 5 or ks[0] != 1 or ks[4] != 1 or st[0] != 1 or st[4] != 1:
        raise ValueError("ksizes and strides must be 5-D with 1 in the batch and depth "
                         "dimensions")
    if pad not in ("SAME", "VALID"):
        raise ValueError(f"padding must be SAME or VALID, got {pad}")
    x = x.with_rank(5) if x.ndims is not None else x
    if x.ndims is None:
        return unknown_shape(5)
    d = x.as_list()
    out = [d[0]]
    for i in range(1, 4):
        out.append(None if d[i] is None else _out_size(d[i], ks[i], st[i], pad)[0])
    return TensorShape(out + [None if d[4] is None else d[4] * ks[1] * ks[2] * ks[3]])


@defop("ExtractVolumePatches", inputs=("input: T",), outputs=("patches: T",),
       attrs={"ksizes": None, "strides": None, "padding": None})
class ExtractVolumePatches:
    """3-D patches of a [batch, planes, rows, cols, depth] input, flattened into depth."""
    shape = _volume_rule

    def kernel(xp, input, ksizes, strides, padding):
        pad = padding.decode() if isinstance(padding, bytes) else padding
        sizes = [_out_size(input.shape[i], ksizes[i], strides[i], pad) for i in range(1, 4)]
        before = [b for _, b in sizes]
        need = [(o - 1) * strides[i + 1] + ksizes[i + 1] if o else 0
                for i, (o, _) in enumerate(sizes)]
        after = [max(need[i] - input.shape[i + 1] - before[i], 0) for i in range(3)]
        x = xp.pad(input, [(0, 0)] + list(zip(before, after)) + [(0, 0)])
        b, c = input.shape[0], input.shape[4]
        (op_, _), (or_, _), (oc_, _) = sizes
        kp, kr, kc = ksizes[1:4]
        out = xp.zeros((b, op_, or_, oc_, kp, kr, kc, c), input.dtype)
        sp, sr, sc = strides[1:4]
        for i in range(kp):
            for j in range(kr):
                for k in range(kc):
                    out[:, :, :, :, i, j, k, :] = x[:, i:i + sp * op_:sp, j:j + sr * or_:sr,
                                                    k:k + sc * oc_:sc, :][:, :op_, :or_, :oc_]
        return out.reshape(b, op_, or_, oc_, kp * kr * kc * c)

    def grad(op, g):
        # As TF: patches of an index volume map each patch entry back to its input cell
        # (0 for padding); the gradient sums g over equal indices.
        x = op.inputs[0]
        dims = x.shape.as_list()
        if any(d is None for d in dims[1:]):
            raise ValueError("ExtractVolumePatches gradient needs static spatial and depth "
                             "dimensions")
        _, p, r, c, ch = dims
        n = p * r * c
        ids = np.arange(1, n + 1, dtype=np.float64).reshape(1, p, r, c, 1)
        attrs = {k: op.get_attr(k) for k in ("ksizes", "strides", "padding")}
        pid = apply_op("ExtractVolumePatches", [convert_to_tensor(ids)], attrs)
        pid = apply_op("Cast", [pid], {"DstT": dtypes.int32})
        ks = attrs["ksizes"]
        kk = ks[1] * ks[2] * ks[3]
        seg = apply_op("Reshape", [pid, convert_to_tensor([-1])])
        gshape = apply_op("Shape", [g])
        batch = apply_op("StridedSlice", [gshape, convert_to_tensor([0]),
                                          convert_to_tensor([1]), convert_to_tensor([1])],
                         {"shrink_axis_mask": 1})
        g6 = apply_op("Reshape", [g, apply_op("Pack", [[batch, convert_to_tensor(-1),
                                                         convert_to_tensor(kk),
                                                         convert_to_tensor(ch)]])])
        # [batch, positions * kk, ch] -> [positions * kk, batch, ch] for segment sums
        g3 = apply_op("Reshape", [g6, apply_op("Pack", [[batch, convert_to_tensor(-1),
                                                         convert_to_tensor(ch)]])])
        gt = apply_op("Transpose", [g3, convert_to_tensor([1, 0, 2])])
        summed = apply_op("UnsortedSegmentSum", [gt, seg, convert_to_tensor(n + 1)])
        body = apply_op("StridedSlice", [summed, convert_to_tensor([1]),
                                         convert_to_tensor([0]), convert_to_tensor([1])],
                        {"end_mask": 1})
        back = apply_op("Transpose", [body, convert_to_tensor([1, 0, 2])])
        return [apply_op("Reshape", [back, apply_op("Pack", [[
            batch, convert_to_tensor(p), convert_to_tensor(r), convert_to_tensor(c),
            convert_to_tensor(ch)]])])]


def extract_volume_patches(input, ksizes, strides, padding, name=None):  # noqa: A002
    """Extracts 3-D patches from `input` into the depth dimension."""
    return apply_op("ExtractVolumePatches", [input],
                    {"ksizes": list(ksizes), "strides": list(strides), "padding": padding},
                    name=name)

