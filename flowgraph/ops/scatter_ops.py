"""The scatter family beyond add/sub/update: ScatterMul/Div/Max/Min and ScatterNd{Update,
Add,Sub} into ref variables, the functional TensorScatter{Update,Add,Sub,Max,Min} (with
TF's gradients), and `batch_scatter_update`.

Repeated indices combine in order (ufunc.at semantics); for updates the last one wins.
Variables get new arrays: stored values are never mutated."""
import numpy as np

from flowgraph.framework import errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops.array_ops import _host, _scatter_add
from flowgraph.ops.sparse_training_ops import _scatter_shape

__all__ = ["scatter_mul", "scatter_div", "scatter_max", "scatter_min", "scatter_nd_update",
           "scatter_nd_add", "scatter_nd_sub", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
           "tensor_scatter_nd_min", "tensor_scatter_update", "tensor_scatter_add",
           "tensor_scatter_sub", "batch_scatter_update"]

_UFUNC = {"mul": np.multiply, "div": np.divide, "max": np.maximum, "min": np.minimum,
          "add": np.add, "sub": np.subtract}


def _apply_at(xp, how, a, index, values):
    """`a[index] (op)= values` in place, repeated indices combining one after another."""
    if how == "update":
        a[index] = values
        return a
    if how in ("add", "sub"):
        return _scatter_add(xp, a, index, values, subtract=how == "sub")
    host = a if xp is np else a.get()  # CuPy has no general ufunc.at: use the host
    ix = tuple(map(_host, index)) if isinstance(index, tuple) else _host(index)
    vals = _host(values)
    if how == "div" and host.dtype.kind in "iu":
        _int_div_at(host, ix, vals)
    else:
        _UFUNC[how].at(host, ix, vals)
    if xp is not np:
        a[...] = xp.asarray(host)
    return a


def _int_div_at(a, index, values):
    """Integer `a[index] /= values` truncating toward zero (C semantics), in order."""
    vals = np.broadcast_to(values, a[index].shape)
    idx = np.broadcast_arrays(*index) if isinstance(index, tuple) else [np.asarray(index)]
    flat = [i.reshape(-1) for i in idx]
    rows = vals.reshape((flat[0].size,) + vals.shape[idx[0].ndim:])
    for j in range(flat[0].size):
        at = tuple(int(f[j]) for f in flat)
        num, den = a[at], rows[j]
        if np.any(den == 0):
            raise errors.InvalidArgumentError(None, None, "Integer division by zero")
        a[at] = (np.sign(num) * np.sign(den) * (np.abs(num) // np.abs(den))).astype(a.dtype)


def _check_rows(indices, n):
    flat = _host(indices).reshape(-1)
    bad = (flat < 0) | (flat >= n)
    if bad.any():
        i = int(np.argmax(bad))
        raise errors.InvalidArgumentError(None, None,
                                          f"indices[{i}] = {int(flat[i])} is not in [0, {n})")


def _check_nd(indices, updates, shape, what="input"):
    idx = _host(indices)
    if idx.ndim < 1:
        raise errors.InvalidArgumentError(None, None, "Indices must be at least rank 1")
    k = idx.shape[-1]
    if k > len(shape):
        raise errors.InvalidArgumentError(
            None, None, f"Dimensions [0,{k}) of indices[shape={list(idx.shape)}] = {k} must "
                        f"be <= rank of {what} = {len(shape)}")
    want = idx.shape[:-1] + tuple(shape[k:])
    if np.ndim(updates) and tuple(updates.shape) != want:
        raise errors.InvalidArgumentError(
            None, None, f"updates.shape {list(updates.shape)} must be indices.shape[:-1] + "
                        f"{what}.shape[indices.shape[-1]:] = {list(want)}")
    bad = ((idx < 0) | (idx >= np.asarray(shape[:k], dtype=np.int64))).any(-1)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad.reshape(-1))), idx.shape[:-1])
        raise errors.InvalidArgumentError(
            None, None, f"indices{list(pos)} = {idx[pos].tolist()} does not index into "
                        f"shape {list(shape)}")
    return k


def _nd_shape(op):
    """Shape rule of the ScatterNd*/TensorScatter* ops: the first input's shape, with
    `updates` checked against indices.shape[:-1] + shape[K:] where known."""
    ref, idx, upd = (t.shape for t in op.inputs)
    if idx.ndims is not None and idx.ndims < 1:
        raise ValueError(f"Shape must be at least rank 1 but is rank {idx.ndims}")
    if ref.ndims is not None and idx.ndims is not None and upd.ndims is not None and \
            idx[-1].value is not None:
        k = idx[-1].value
        if k > ref.ndims:
            raise ValueError(f"Dimensions [0,{k}) of indices[shape={idx}] must be <= rank "
                             f"of input {ref.ndims}")
        want = TensorShape(idx.as_list()[:-1] + ref.as_list()[k:])
        if not upd.is_compatible_with(want):
            raise ValueError(f"Dimensions of updates {upd} do not match indices {idx} and "
                             f"input {ref}")
    return ref


# -- into ref variables ----------------------------------------------------------------------
def _ref_op(name, doc, how, nd, use_locking):
    class Scatter:
        forwards_ref = True
        shape = _nd_shape if nd else _scatter_shape

        def kernel(ctx, ref, indices, updates):
            old = ctx.read(ref)
            if nd:
                k = _check_nd(indices, updates, old.shape, "ref")
                index = tuple(indices[..., i] for i in range(k))
            else:
                if old.ndim == 0:
                    raise errors.InvalidArgumentError(None, None, "ref must be at least 1-D")
                want = tuple(indices.shape) + old.shape[1:]
                if np.ndim(updates) and tuple(updates.shape) != want:
                    raise errors.InvalidArgumentError(
                        None, None, f"Must have updates.shape = indices.shape + "
                                    f"params.shape[1:] or updates.shape = [], got "
                                    f"updates.shape {list(updates.shape)}, indices.shape "
                                    f"{list(indices.shape)}, params.shape {list(old.shape)}")
                _check_rows(indices, old.shape[0])
                index = indices
            return ctx.write(ref, _apply_at(ctx.xp, how, old.copy(), index, updates))
        grad = NOT_DIFFERENTIABLE
    Scatter.__doc__ = doc
    if nd:  # TF's ScatterNd* ops carry bad_indices_policy (only the default is supported)
        plain = Scatter.kernel

        def kernel(ctx, ref, indices, updates, bad_indices_policy):
            return plain(ctx, ref, indices, updates)
        Scatter.kernel = staticmethod(kernel)
    return defop(name, inputs=("ref: Ref(T)", "indices: Tindices", "updates: T"),
                 outputs=("output_ref: Ref(T)",),
                 attrs={"use_locking": use_locking,
                        **({"bad_indices_policy": ""} if nd else {})},
                 stateful=True)(Scatter)


for _t, _how, _nd, _lock, _doc in [
        ("ScatterMul", "mul", False, False, "Multiplies the rows `indices` of the variable "
         "by `updates`."),
        ("ScatterDiv", "div", False, False, "Divides the rows `indices` of the variable by "
         "`updates`."),
        ("ScatterMax", "max", False, False, "The elementwise max of the rows `indices` of "
         "the variable and `updates`."),
        ("ScatterMin", "min", False, False, "The elementwise min of the rows `indices` of "
         "the variable and `updates`."),
        ("ScatterNdUpdate", "update", True, True, "Writes `updates` into the slices of the "
         "variable addressed by the last dimension of `indices`."),
        ("ScatterNdAdd", "add", True, False, "Adds `updates` into the slices of the "
         "variable addressed by the last dimension of `indices`."),
        ("ScatterNdSub", "sub", True, False, "Subtracts `updates` from the slices of the "
         "variable addressed by the last dimension of `indices`.")]:
    _ref_op(_t, _doc, _how, _nd, _lock)


def _ref_builder(op_type, default_locking):
    def fn(ref, indices, updates, use_locking=default_locking, name=None):
        return apply_op(op_type, [ref, indices, updates], {"use_locking": use_locking},
                        name=name)
    return fn


scatter_mul = _ref_builder("ScatterMul", False)
scatter_div = _ref_builder("ScatterDiv", False)
scatter_max = _ref_builder("ScatterMax", False)
scatter_min = _ref_builder("ScatterMin", False)
scatter_nd_update = _ref_builder("ScatterNdUpdate", True)
scatter_nd_add = _ref_builder("ScatterNdAdd", False)
scatter_nd_sub = _ref_builder("ScatterNdSub", False)
for _f, _d in [(scatter_mul, "ref[indices, ...] *= updates"),
               (scatter_div, "ref[indices, ...] /= updates"),
               (scatter_max, "ref[indices, ...] = max(ref[indices, ...], updates)"),
               (scatter_min, "ref[indices, ...] = min(ref[indices, ...], updates)"),
               (scatter_nd_update, "ref[indices[..., :K]] = updates"),
               (scatter_nd_add, "ref[indices[..., :K]] += updates"),
               (scatter_nd_sub, "ref[indices[..., :K]] -= updates")]:
    _f.__doc__ = f"Sparse update of the variable `ref`: {_d}."


# -- functional TensorScatter* ---------------------------------------------------------------
def _gather_nd(x, indices):
    return apply_op("GatherNd", [x, indices])


def _update_grad(op, g):
    indices, updates = op.inputs[1], op.inputs[2]
    zeros = apply_op("ZerosLike", [updates])
    return [apply_op("TensorScatterUpdate", [g, indices, zeros]), None,
            _gather_nd(g, indices)]


def _add_grad(op, g):
    return [g, None, _gather_nd(g, op.inputs[1])]


def _sub_grad(op, g):
    return [g, None, apply_op("Neg", [_gather_nd(g, op.inputs[1])])]


def _min_max_grad(op, g):
    # Ties share the gradient equally between the tensor and the updates that won.
    x, indices, updates = op.inputs
    y = op.outputs[0]
    dt = {"DstT": g.dtype.base_dtype}
    x_on = apply_op("Cast", [apply_op("Equal", [x, y])], dt)
    u_on = apply_op("Cast", [apply_op("Equal", [updates, _gather_nd(y, indices)])], dt)
    shape = apply_op("Shape", [x], {"out_type": indices.dtype.base_dtype})
    count = apply_op("AddV2", [x_on, apply_op("ScatterNd", [indices, u_on, shape])])
    share = apply_op("RealDiv", [g, count])
    return [apply_op("Mul", [share, x_on]), None,
            apply_op("Mul", [_gather_nd(share, indices), u_on])]


def _tensor_op(name, doc, how, grad):
    class TensorScatter:
        shape = _nd_shape
        __doc__ = doc

        def kernel(xp, tensor, indices, updates, bad_indices_policy):
            k = _check_nd(indices, updates, tensor.shape, "tensor")
            if tuple(updates.shape) != _host(indices).shape[:-1] + tensor.shape[k:]:
                updates = xp.broadcast_to(updates, _host(indices).shape[:-1] +
                                          tensor.shape[k:])
            out = xp.array(tensor, copy=True)
            return _apply_at(xp, how, out, tuple(indices[..., i] for i in range(k)), updates)
    TensorScatter.grad = staticmethod(grad)
    return defop(name, inputs=("tensor: T", "indices: Tindices", "updates: T"),
                 outputs=("output: T",), attrs={"bad_indices_policy": ""})(TensorScatter)


for _t, _how, _g, _doc in [
        ("TensorScatterUpdate", "update", _update_grad, "A copy of `tensor` with the slices "
         "at `indices` replaced by `updates`."),
        ("TensorScatterAdd", "add", _add_grad, "A copy of `tensor` with `updates` added at "
         "`indices`."),
        ("TensorScatterSub", "sub", _sub_grad, "A copy of `tensor` with `updates` "
         "subtracted at `indices`."),
        ("TensorScatterMax", "max", _min_max_grad, "A copy of `tensor` with the slices at "
         "`indices` raised to at least `updates`."),
        ("TensorScatterMin", "min", _min_max_grad, "A copy of `tensor` with the slices at "
         "`indices` lowered to at most `updates`.")]:
    _tensor_op(_t, _doc, _how, _g)


def _tensor_builder(op_type, doc):
    def fn(tensor, indices, updates, name=None):
        return apply_op(op_type, [tensor, indices, updates], name=name)
    fn.__doc__ = doc
    return fn


tensor_scatter_nd_update = tensor_scatter_update = _tensor_builder(
    "TensorScatterUpdate", "Scatters `updates` into a copy of `tensor` at `indices`.")
tensor_scatter_nd_add = tensor_scatter_add = _tensor_builder(
    "TensorScatterAdd", "Adds sparse `updates` to a copy of `tensor`.")
tensor_scatter_nd_sub = tensor_scatter_sub = _tensor_builder(
    "TensorScatterSub", "Subtracts sparse `updates` from a copy of `tensor`.")
tensor_scatter_nd_max = _tensor_builder(
    "TensorScatterMax", "The elementwise max of a copy of `tensor` and sparse `updates`.")
tensor_scatter_nd_min = _tensor_builder(
    "TensorScatterMin", "The elementwise min of a copy of `tensor` and sparse `updates`.")


def batch_scatter_update(ref, indices, updates, use_locking=True, name=None):
    """`ref[i, ..., indices[i, ..., j]] = updates[i, ..., j]` over the batch dimensions of
    `indices` (all but its last), through one ScatterNdUpdate."""
    with name_scope(name, "BatchScatterUpdate", [ref, indices, updates]):
        indices = convert_to_tensor(indices, name="indices")
        n = indices.shape.ndims
        if n is None:
            raise ValueError("batch_scatter_update needs indices of known rank")
        shape = apply_op("Shape", [indices], {"out_type": indices.dtype.base_dtype})
        parts = []
        for d in range(n - 1):
            size = apply_op("StridedSlice", [shape, convert_to_tensor([d]),
                                             convert_to_tensor([d + 1]),
                                             convert_to_tensor([1])],
                            {"shrink_axis_mask": 1})
            r = apply_op("Range", [convert_to_tensor(0, indices.dtype.base_dtype), size,
                                   convert_to_tensor(1, indices.dtype.base_dtype)])
            dims = [1] * n
            dims[d] = -1
            r = apply_op("Reshape", [r, convert_to_tensor(dims)])
            parts.append(apply_op("Mul", [r, apply_op("OnesLike", [indices])]))
        parts.append(indices)
        nd = apply_op("Pack", [parts], {"axis": -1})
        return scatter_nd_update(ref, nd, updates, use_locking=use_locking)
