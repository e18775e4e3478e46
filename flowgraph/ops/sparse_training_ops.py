"""Sparse optimizer updates (TF's SparseApply* ops) and the scatter ops on ref variables.

Sparse ops apply `grad[i]` to row `indices[i]` of the variable and its slots. A repeated
index is applied once per occurrence, in order, as TF's kernels do (the optimizers
deduplicate first). The variable and slots get new arrays (stored values are never
mutated); only the named rows are recomputed."""
import numpy as np

from flowgraph.framework import errors
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.array_ops import _scatter_add
from flowgraph.ops.training_ops import (_FTRL_ATTRS, _adadelta_step, _adagrad_step,
                                        _ftrl_step, _momentum_step, _read, _rmsprop_step,
                                        _rows, _scalar, _sparse_apply, _sparse_rule)

__all__ = ["scatter_add", "scatter_sub", "scatter_update"]


# -- sparse updates ----------------------------------------------------------------------
def _sparse_kernel(ctx, refs, scalars, grad, indices, step):
    """Shared body of the SparseApply* kernels: read var and slots, check, apply `step`
    row-group by row-group, write the slots then the var; returns the new var."""
    vals = _read(ctx, *refs)
    for n, x in scalars:
        _scalar(n, x)
    groups = _rows(ctx.xp, vals[0], grad, indices)
    new = _sparse_apply(ctx.xp, step, indices, grad, vals, groups)
    for key, val in zip(refs[1:], new[1:]):
        ctx.write(key, val)
    return ctx.write(refs[0], new[0])


_SPARSE_ATTRS = {"use_locking": False}


@defop("SparseApplyMomentum", inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                      "indices: Tindices", "momentum: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False, "use_nesterov": False},
       stateful=True)
class SparseApplyMomentum:
    """Momentum update of the rows of var and accum named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum"), ("lr", "momentum"))

    def kernel(ctx, var, accum, lr, grad, indices, momentum, use_nesterov):
        def step(r, g):
            return _momentum_step(ctx.xp, r[0], r[1], lr, g, momentum, use_nesterov)
        return _sparse_kernel(ctx, (var, accum), (("lr", lr), ("momentum", momentum)), grad,
                              indices, step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyAdagrad", inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                     "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False, "update_slots": True},
       stateful=True)
class SparseApplyAdagrad:
    """Adagrad update of the rows of var and accum named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum"), ("lr",))

    def kernel(ctx, var, accum, lr, grad, indices, update_slots):
        def step(r, g):
            return _adagrad_step(ctx.xp, r[0], r[1], lr, g, update_slots)
        return _sparse_kernel(ctx, (var, accum), (("lr", lr),), grad, indices, step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyAdadelta", inputs=("var: Ref(T)", "accum: Ref(T)", "accum_update: Ref(T)",
                                      "lr: T", "rho: T", "epsilon: T", "grad: T",
                                      "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs=_SPARSE_ATTRS, stateful=True)
class SparseApplyAdadelta:
    """Adadelta update of the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum", "accum_update"), ("lr", "rho", "epsilon"))

    def kernel(ctx, var, accum, accum_update, lr, rho, epsilon, grad, indices):
        def step(r, g):
            return _adadelta_step(ctx.xp, r[0], r[1], r[2], lr, rho, epsilon, g)
        return _sparse_kernel(ctx, (var, accum, accum_update),
                              (("lr", lr), ("rho", rho), ("epsilon", epsilon)), grad,
                              indices, step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyRMSProp", inputs=("var: Ref(T)", "ms: Ref(T)", "mom: Ref(T)", "lr: T",
                                     "rho: T", "momentum: T", "epsilon: T", "grad: T",
                                     "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs=_SPARSE_ATTRS, stateful=True)
class SparseApplyRMSProp:
    """RMSProp update of the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "ms", "mom"), ("lr", "rho", "momentum", "epsilon"))

    def kernel(ctx, var, ms, mom, lr, rho, momentum, epsilon, grad, indices):
        def step(r, g):
            return _rmsprop_step(ctx.xp, r[0], r[1], r[2], lr, rho, momentum, epsilon, g)[:3]
        return _sparse_kernel(ctx, (var, ms, mom), (("lr", lr), ("rho", rho),
                              ("momentum", momentum), ("epsilon", epsilon)), grad, indices,
                              step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyCenteredRMSProp", inputs=("var: Ref(T)", "mg: Ref(T)", "ms: Ref(T)",
                                             "mom: Ref(T)", "lr: T", "rho: T", "momentum: T",
                                             "epsilon: T", "grad: T", "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs=_SPARSE_ATTRS, stateful=True)
class SparseApplyCenteredRMSProp:
    """Centered RMSProp update of the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "mg", "ms", "mom"), ("lr", "rho", "momentum", "epsilon"))

    def kernel(ctx, var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices):
        def step(r, g):
            v, s, m, mg_ = _rmsprop_step(ctx.xp, r[0], r[2], r[3], lr, rho, momentum,
                                         epsilon, g, r[1])
            return v, mg_, s, m
        return _sparse_kernel(ctx, (var, mg, ms, mom), (("lr", lr), ("rho", rho),
                              ("momentum", momentum), ("epsilon", epsilon)), grad, indices,
                              step)
    grad = NOT_DIFFERENTIABLE


def _sparse_ftrl(ctx, var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage, lr_power,
                 multiply_linear_by_lr):
    if not np.ndim(lr) == 0 or not lr > 0:
        raise errors.InvalidArgumentError(None, None, f"lr is not a positive scalar: {lr}")

    def step(r, g):
        return _ftrl_step(ctx.xp, r[0], r[1], r[2], g, lr, l1, l2, l2_shrinkage, lr_power,
                          multiply_linear_by_lr)
    scalars = [("lr", lr), ("l1", l1), ("l2", l2), ("lr_power", lr_power)]
    if l2_shrinkage is not None:
        scalars.append(("l2_shrinkage", l2_shrinkage))
    return _sparse_kernel(ctx, (var, accum, linear), scalars, grad, indices, step)


@defop("SparseApplyFtrl", inputs=("var: Ref(T)", "accum: Ref(T)", "linear: Ref(T)",
                                  "grad: T", "indices: Tindices", "lr: T", "l1: T", "l2: T",
                                  "lr_power: T"),
       outputs=("out: Ref(T)",), attrs=_FTRL_ATTRS, stateful=True)
class SparseApplyFtrl:
    """FTRL-proximal update of the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum", "linear"), ("lr", "l1", "l2", "lr_power"))

    def kernel(ctx, var, accum, linear, grad, indices, lr, l1, l2, lr_power,
               multiply_linear_by_lr):
        return _sparse_ftrl(ctx, var, accum, linear, grad, indices, lr, l1, l2, None,
                            lr_power, multiply_linear_by_lr)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyFtrlV2", inputs=("var: Ref(T)", "accum: Ref(T)", "linear: Ref(T)",
                                    "grad: T", "indices: Tindices", "lr: T", "l1: T", "l2: T",
                                    "l2_shrinkage: T", "lr_power: T"),
       outputs=("out: Ref(T)",), attrs=_FTRL_ATTRS, stateful=True)
class SparseApplyFtrlV2:
    """FTRL-proximal with L2 shrinkage, on the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum", "linear"),
                         ("lr", "l1", "l2", "l2_shrinkage", "lr_power"))

    def kernel(ctx, var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage, lr_power,
               multiply_linear_by_lr):
        return _sparse_ftrl(ctx, var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage,
                            lr_power, multiply_linear_by_lr)
    grad = NOT_DIFFERENTIABLE


# -- scatter into a ref variable ------------------------------------------------------------
def _scatter_shape(op):
    ref, idx, upd = (t.shape for t in op.inputs)
    if upd.ndims == 0 or ref.ndims is None or idx.ndims is None or upd.ndims is None:
        return ref
    if ref.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    want = idx.concatenate(ref[1:])
    if not upd.is_compatible_with(want):
        raise ValueError(f"Shapes must be equal rank, or dimensions must be equal: updates "
                         f"{upd} vs indices.shape + ref.shape[1:] = {want}")
    return ref


def _scatter_op(name, doc, how, use_locking):
    @defop(name, inputs=("ref: Ref(T)", "indices: Tindices", "updates: T"),
           outputs=("output_ref: Ref(T)",), attrs={"use_locking": use_locking},
           stateful=True)
    class Scatter:
        forwards_ref = True
        shape = _scatter_shape

        def kernel(ctx, ref, indices, updates):
            xp = ctx.xp
            old = ctx.read(ref)
            if old.ndim == 0:
                raise errors.InvalidArgumentError(None, None, "ref must be at least 1-D")
            n = old.shape[0]
            want = indices.shape + old.shape[1:]
            if np.ndim(updates) != 0 and updates.shape != want:
                raise errors.InvalidArgumentError(
                    None, None, f"Must have updates.shape = indices.shape + params.shape[1:] "
                                f"or updates.shape = [], got updates.shape "
                                f"{list(updates.shape)}, indices.shape {list(indices.shape)}, "
                                f"params.shape {list(old.shape)}")
            flat = indices.reshape(-1)
            bad = (flat < 0) | (flat >= n)
            if bad.any():
                i = int(np.argmax(bad))
                raise errors.InvalidArgumentError(
                    None, None, f"indices[{i}] = {int(flat[i])} is not in [0, {n})")
            new = old.copy()
            if how == "update":
                new[indices] = updates
            else:
                _scatter_add(xp, new, indices, updates, subtract=how != "add")
            return ctx.write(ref, new)
        grad = NOT_DIFFERENTIABLE
    Scatter.__doc__ = doc
    return Scatter


ScatterAdd = _scatter_op("ScatterAdd", "Adds `updates` into the rows `indices` of the "
                         "variable (repeated indices add up).", "add", False)
ScatterSub = _scatter_op("ScatterSub", "Subtracts `updates` from the rows `indices` of the "
                         "variable (repeated indices add up).", "sub", False)
ScatterUpdate = _scatter_op("ScatterUpdate", "Writes `updates` into the rows `indices` of "
                            "the variable.", "update", True)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """Adds sparse `updates` to the variable `ref`: `ref[indices[...]] += updates[...]`."""
    return apply_op("ScatterAdd", [ref, indices, updates], {"use_locking": use_locking},
                    name=name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtracts sparse `updates` from the variable `ref`: `ref[indices] -= updates`."""
    return apply_op("ScatterSub", [ref, indices, updates], {"use_locking": use_locking},
                    name=name)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Writes sparse `updates` into the variable `ref`: `ref[indices] = updates`."""
    return apply_op("ScatterUpdate", [ref, indices, updates], {"use_locking": use_locking},
                    name=name)
