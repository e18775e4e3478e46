"""Proximal and dual-averaging optimizer updates: TF's ApplyProximalGradientDescent,
ApplyProximalAdagrad, ApplyAdagradDA and their SparseApply* variants.

Same conventions as `training_ops.py`: variable and slots are read through refs, the new
values are fresh arrays swapped in with `ctx.write`. The sparse variants update the rows
named by `indices`, a repeated index once per occurrence, in order."""
import numpy as np

from flowgraph.framework import errors
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.sparse_training_ops import _sparse_kernel
from flowgraph.ops.training_ops import _dense, _dense_rule, _sparse_rule

__all__ = []


def _shrink(xp, prox, lr, l1, l2):
    """The proximal step for L1/L2: sign(prox) * max(|prox| - lr * l1, 0) / (1 + lr * l2)
    (just prox / (1 + lr * l2) when l1 is 0). `lr` is a scalar or an array like prox."""
    denom = xp.multiply(lr, l2, dtype=prox.dtype)
    denom += 1
    if l1 > 0:
        out = xp.abs(prox)
        out -= xp.multiply(lr, l1, dtype=prox.dtype)
        xp.maximum(out, 0, out=out)
        out *= xp.sign(prox)
    else:
        out = prox.copy()
    out /= denom
    return out


def _check_hypers(**named):
    """lr must be a positive scalar, l1 and l2 non-negative scalars (as TF's kernels)."""
    for n, x in named.items():
        if np.ndim(x) != 0:
            raise errors.InvalidArgumentError(None, None, f"{n} is not a scalar: "
                                                          f"{list(np.shape(x))}")
    if "lr" in named and not named["lr"] > 0:
        raise errors.InvalidArgumentError(None, None, f"lr is not a positive scalar: "
                                                      f"{named['lr']}")
    for n in ("l1", "l2"):
        if n in named and not named[n] >= 0:
            raise errors.InvalidArgumentError(
                None, None, f"{n} regularization strength is not a non-negative scalar: "
                            f"{named[n]}")


def _proximal_gd_step(xp, v, alpha, l1, l2, g):
    """var = shrink(var - alpha * grad)."""
    prox = xp.multiply(g, alpha, dtype=v.dtype)
    xp.subtract(v, prox, out=prox)
    return [_shrink(xp, prox, alpha, l1, l2)]


def _proximal_adagrad_step(xp, v, a, lr, l1, l2, g):
    """accum += grad^2; lr_t = lr / sqrt(accum); var = shrink(var - lr_t * grad, lr_t)."""
    new_a = xp.multiply(g, g, dtype=a.dtype)
    new_a += a
    lr_t = xp.sqrt(new_a)
    xp.divide(lr, lr_t, out=lr_t)
    prox = xp.multiply(g, lr_t, dtype=v.dtype)
    xp.subtract(v, prox, out=prox)
    return [_shrink(xp, prox, lr_t, l1, l2), new_a]


def _adagrad_da_step(xp, ga, gga, g, lr, l1, l2, step):
    """g_acc += grad; gg_acc += grad^2; with T = global_step,
    var = -sign(g_acc) * lr * max(|g_acc| - l1 * T, 0) / (l2 * T * lr + sqrt(gg_acc))
    (var = -lr * g_acc / (...) when l1 is 0)."""
    new_ga = xp.add(ga, g, dtype=ga.dtype)
    new_gga = xp.multiply(g, g, dtype=gga.dtype)
    new_gga += gga
    denom = xp.sqrt(new_gga)
    denom += l2 * (float(step) * lr)
    if l1 > 0:
        num = xp.abs(new_ga)
        num -= float(step) * l1
        xp.maximum(num, 0, out=num)
        num *= xp.sign(new_ga)
    else:
        num = new_ga.copy()
    num *= -lr
    num /= denom
    return [num, new_ga, new_gga]


def _check_step(global_step):
    if np.ndim(global_step) != 0:
        raise errors.InvalidArgumentError(None, None, f"global_step is not a scalar: "
                                                      f"{list(np.shape(global_step))}")


# -- proximal gradient descent -----------------------------------------------------------
@defop("ApplyProximalGradientDescent",
       inputs=("var: Ref(T)", "alpha: T", "l1: T", "l2: T", "delta: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyProximalGradientDescent:
    """prox = var - alpha * delta; var = sign(prox) * max(|prox| - alpha * l1, 0) /
    (1 + alpha * l2)."""
    forwards_ref = True
    shape = _dense_rule(("var",), ("alpha", "l1", "l2"), "delta")

    def kernel(ctx, var, alpha, l1, l2, delta):
        _check_hypers(alpha=alpha, l1=l1, l2=l2)

        def step(r, g):
            return _proximal_gd_step(ctx.xp, r[0], alpha, l1, l2, g)
        return _dense(ctx, (var,), delta, (), step, "delta")
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyProximalGradientDescent",
       inputs=("var: Ref(T)", "alpha: T", "l1: T", "l2: T", "grad: T", "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class SparseApplyProximalGradientDescent:
    """The proximal gradient descent update of the rows of var named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var",), ("alpha", "l1", "l2"))

    def kernel(ctx, var, alpha, l1, l2, grad, indices):
        _check_hypers(alpha=alpha, l1=l1, l2=l2)

        def step(r, g):
            return _proximal_gd_step(ctx.xp, r[0], alpha, l1, l2, g)
        return _sparse_kernel(ctx, (var,), (), grad, indices, step)
    grad = NOT_DIFFERENTIABLE


# -- proximal Adagrad --------------------------------------------------------------------
@defop("ApplyProximalAdagrad",
       inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "l1: T", "l2: T", "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyProximalAdagrad:
    """accum += grad^2; lr_t = lr / sqrt(accum); prox = var - lr_t * grad;
    var = sign(prox) * max(|prox| - lr_t * l1, 0) / (1 + lr_t * l2)."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum"), ("lr", "l1", "l2"))

    def kernel(ctx, var, accum, lr, l1, l2, grad):
        _check_hypers(lr=lr, l1=l1, l2=l2)

        def step(r, g):
            return _proximal_adagrad_step(ctx.xp, r[0], r[1], lr, l1, l2, g)
        return _dense(ctx, (var, accum), grad, (), step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyProximalAdagrad",
       inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "l1: T", "l2: T", "grad: T",
               "indices: Tindices"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class SparseApplyProximalAdagrad:
    """The proximal Adagrad update of the rows of var and accum named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(("var", "accum"), ("lr", "l1", "l2"))

    def kernel(ctx, var, accum, lr, l1, l2, grad, indices):
        _check_hypers(lr=lr, l1=l1, l2=l2)

        def step(r, g):
            return _proximal_adagrad_step(ctx.xp, r[0], r[1], lr, l1, l2, g)
        return _sparse_kernel(ctx, (var, accum), (), grad, indices, step)
    grad = NOT_DIFFERENTIABLE


# -- Adagrad dual averaging ----------------------------------------------------------------
_DA_REFS = ("var", "gradient_accumulator", "gradient_squared_accumulator")


@defop("ApplyAdagradDA",
       inputs=("var: Ref(T)", "gradient_accumulator: Ref(T)",
               "gradient_squared_accumulator: Ref(T)", "grad: T", "lr: T", "l1: T", "l2: T",
               "global_step: int64"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyAdagradDA:
    """Adagrad dual averaging: g_acc += grad; gg_acc += grad^2; var = -sign(g_acc) * lr *
    max(|g_acc| - l1 * global_step, 0) / (l2 * global_step * lr + sqrt(gg_acc))."""
    forwards_ref = True
    shape = _dense_rule(_DA_REFS, ("lr", "l1", "l2", "global_step"))

    def kernel(ctx, var, gradient_accumulator, gradient_squared_accumulator, grad, lr, l1,
               l2, global_step):
        _check_hypers(lr=lr, l1=l1, l2=l2)
        _check_step(global_step)

        def step(r, g):
            return _adagrad_da_step(ctx.xp, r[1], r[2], g, lr, l1, l2, global_step)
        return _dense(ctx, (var, gradient_accumulator, gradient_squared_accumulator), grad,
                      (), step)
    grad = NOT_DIFFERENTIABLE


@defop("SparseApplyAdagradDA",
       inputs=("var: Ref(T)", "gradient_accumulator: Ref(T)",
               "gradient_squared_accumulator: Ref(T)", "grad: T", "indices: Tindices",
               "lr: T", "l1: T", "l2: T", "global_step: int64"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class SparseApplyAdagradDA:
    """Adagrad dual averaging on the rows named by `indices`."""
    forwards_ref = True
    shape = _sparse_rule(_DA_REFS, ("lr", "l1", "l2", "global_step"))

    def kernel(ctx, var, gradient_accumulator, gradient_squared_accumulator, grad, indices,
               lr, l1, l2, global_step):
        _check_hypers(lr=lr, l1=l1, l2=l2)
        _check_step(global_step)

        def step(r, g):
            return _adagrad_da_step(ctx.xp, r[1], r[2], g, lr, l1, l2, global_step)
        return _sparse_kernel(ctx, (var, gradient_accumulator, gradient_squared_accumulator),
                              (), grad, indices, step)
    grad = NOT_DIFFERENTIABLE
