"""Clipping tensors by norm: `clip_by_norm`, `clip_by_global_norm`, `clip_by_average_norm`
and `global_norm`, built from math ops (so they are differentiable).

IndexedSlices are clipped through their values and stay sparse."""
import collections.abc

from flowgraph.framework import dtypes
from flowgraph.framework.graph import colocate_with, name_scope
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import constant, convert_to_tensor

__all__ = ["clip_by_norm", "clip_by_global_norm", "clip_by_average_norm", "global_norm"]


def _ops():
    from flowgraph.ops import array_ops, core, math_ops, reduction_ops
    return array_ops, core, math_ops, reduction_ops


def _values(t, name):
    return convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t, name=name)


def _check_list(t_list):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError("t_list should be a sequence")
    return list(t_list)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales `t` so that its L2 norm (over `axes`, default all) is at most
    `clip_norm`: `t * clip_norm / max(l2norm(t), clip_norm)`."""
    array_ops, core, math_ops, reduction_ops = _ops()
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = _values(t, "t")
        sq = math_ops.reduce_sum(values * values, axes, keepdims=True)
        # A zero norm takes a safe branch, so the gradient of sqrt at 0 is never formed.
        nonzero = math_ops.greater(sq, 0)
        safe = reduction_ops.where(nonzero, sq, array_ops.ones_like(sq))
        norm = reduction_ops.where(nonzero, math_ops.sqrt(safe), sq)
        scaled = values * clip_norm
        values.shape.assert_is_compatible_with(scaled.shape)
        clip_norm = convert_to_tensor(clip_norm, dtype=values.dtype.base_dtype)
        out = core.identity(scaled / math_ops.maximum(norm, clip_norm), name=scope)
    if isinstance(t, IndexedSlices):
        return IndexedSlices(out, t.indices, t.dense_shape)
    return out


def global_norm(t_list, name=None):
    """`sqrt(sum(l2norm(t)**2 for t in t_list))`; None entries are ignored."""
    _, core, math_ops, _ = _ops()
    t_list = _check_list(t_list)
    with name_scope(name, "global_norm",
                    [t for t in t_list if t is not None and not isinstance(t, IndexedSlices)]):
        squares = []
        for i, t in enumerate(t_list):
            if t is None:
                continue
            v = _values(t, f"t_{i}")
            with colocate_with(v.op):
                squares.append(math_ops.reduce_sum(math_ops.square(v)))
        if not squares:
            raise ValueError("global_norm needs at least one tensor that is not None")
        total = squares[0] if len(squares) == 1 else math_ops.add_n(squares)
        return math_ops.sqrt(total, name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of `t_list` by `clip_norm / max(global_norm, clip_norm)`.
    Returns (list of clipped tensors, the global norm). A non-finite norm makes every
    clipped value NaN, as in TF."""
    _, core, math_ops, _ = _ops()
    t_list = _check_list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, "clip_by_global_norm", [use_norm]) as scope:
        one = constant(1.0, dtype=use_norm.dtype.base_dtype)
        scale = clip_norm * math_ops.minimum(1.0 / use_norm, one / clip_norm)
        scale = scale + (use_norm - use_norm)  # NaN unless the norm is finite
        out = []
        for i, t in enumerate(t_list):
            if t is None:
                out.append(None)
                continue
            v = _values(t, f"t_{i}")
            with colocate_with(v.op):
                c = core.identity(v * math_ops.cast(scale, v.dtype.base_dtype),
                                  name=f"{scope.rstrip('/').split('/')[-1]}_{i}")
            out.append(IndexedSlices(c, t.indices, t.dense_shape)
                       if isinstance(t, IndexedSlices) else c)
    return out, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """Rescales `t` so that its L2 norm divided by its number of elements is at most
    `clip_norm`."""
    array_ops, core, math_ops, _ = _ops()
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        n = math_ops.cast(array_ops.size(t), dtypes.float32)
        inv_norm = math_ops.rsqrt(math_ops.reduce_sum(t * t))
        return core.identity(t * clip_norm * math_ops.minimum(inv_norm * n,
                                                              constant(1.0) / clip_norm),
                             name=scope)
