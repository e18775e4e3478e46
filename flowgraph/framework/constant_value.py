"""`tf.get_static_value`: the value of a tensor when it can be found without running."""
import numpy as np

from flowgraph.framework.graph import Tensor

__all__ = ["get_static_value", "constant_value"]


def _shape_value(t):
    shape = t.op.inputs[0].shape
    return np.array(shape.as_list(), dtype=t.dtype.as_numpy_dtype) \
        if shape.is_fully_defined() else None


def _all(values):
    return None if any(v is None for v in values) else values


def _fold(t):
    op, ins = t.op, t.op.inputs
    kind = op.type
    if kind == "Const":
        return np.array(op.get_attr("value"))
    if kind == "Shape":
        return _shape_value(t)
    if kind == "Size":
        n = ins[0].shape.num_elements()
        return None if n is None else np.array(n, dtype=t.dtype.as_numpy_dtype)
    if kind == "Rank":
        r = ins[0].shape.ndims
        return None if r is None else np.array(r, dtype=np.int32)
    if kind in ("Identity", "StopGradient", "Snapshot"):
        return constant_value(ins[0])
    if kind == "Cast":
        v = constant_value(ins[0])
        return None if v is None else v.astype(t.dtype.as_numpy_dtype)
    if kind == "Range":
        vs = _all([constant_value(i) for i in ins])
        return None if vs is None else np.arange(*vs, dtype=t.dtype.as_numpy_dtype)
    if kind == "Fill":
        vs = _all([constant_value(i) for i in ins])
        return None if vs is None else np.full(vs[0], vs[1], dtype=t.dtype.as_numpy_dtype)
    if kind == "Pack":
        vs = _all([constant_value(i) for i in ins])
        return None if vs is None else np.stack(vs, axis=op.get_attr("axis"))
    if kind == "ConcatV2":
        vs = _all([constant_value(i) for i in ins])
        return None if vs is None else np.concatenate(vs[:-1], axis=int(vs[-1]))
    if kind == "ZerosLike":
        shape = ins[0].shape
        return np.zeros(shape.as_list(), t.dtype.as_numpy_dtype) \
            if shape.is_fully_defined() else None
    return None


def constant_value(tensor, partial=False):
    """The value of `tensor` as a numpy array, folded from its producing ops, or None."""
    if not isinstance(tensor, Tensor):
        return tensor
    if tensor.dtype.is_ref_dtype or tensor.op.type in ("VariableV2", "Variable"):
        return None
    return _fold(tensor)


def get_static_value(tensor, partial=False):
    """The constant value of `tensor` when it can be computed at graph-build time (Const,
    Shape of a known shape, Identity, Cast, Range, Fill, Pack, ConcatV2, ...); else None.
    Non-tensors are returned unchanged, as in TF."""
    if hasattr(tensor, "_ref") and not isinstance(tensor, Tensor):  # a Variable
        return None
    return constant_value(tensor, partial)
