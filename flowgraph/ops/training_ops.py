"""Fused optimizer updates: TF's dense Apply* ops.

Each op reads its variable and slots through refs (`ctx.read(key)`), computes the new
values and swaps them in with `ctx.write(key, new)`. Stored arrays are never mutated, so a
failed run can roll its writes back. GradientDescent, Momentum, Adagrad, RMSProp and Adam
compute in one pass (`update_kernels.py`) into buffers from `ctx.spare`: the values the
previous update displaced, once nothing holds them, so steady training allocates nothing.
The others build each new value with in-place arithmetic on one fresh array (`out=`).

The sparse variants and the ref scatter ops live in `sparse_training_ops.py`."""
import numpy as np

from flowgraph.framework import errors, tensor_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import update_kernels

__all__ = []


# -- shape rules ------------------------------------------------------------------------
def _scalar_inputs(op, names):
    """Each named input must be a scalar (rank 0)."""
    args = [a.name for a in op.op_def.inputs]
    for n in names:
        s = op.inputs[args.index(n)].shape
        if s.ndims is not None and s.ndims != 0:
            raise ValueError(f"Shape must be rank 0 but is rank {s.ndims} ('{n}')")


def _dense_rule(refs, scalars, grad="grad"):
    """Var and its slots (`refs`) and the gradient share one shape; `scalars` are rank 0."""
    def rule(op):
        _scalar_inputs(op, scalars)
        args = [a.name for a in op.op_def.inputs]
        s = tensor_shape.unknown_shape()
        for n in refs + (grad,):
            try:
                s = s.merge_with(op.inputs[args.index(n)].shape)
            except ValueError:
                raise ValueError(f"Shapes must be equal rank, or dimensions must be equal: "
                                 f"var {s} vs {n} {op.inputs[args.index(n)].shape}") from None
        return s
    return rule


def _sparse_rule(refs, scalars, grad="grad", indices="indices"):
    """Var and slots share a shape; grad is [len(indices)] + var.shape[1:]."""
    def rule(op):
        _scalar_inputs(op, scalars)
        args = [a.name for a in op.op_def.inputs]
        s = tensor_shape.unknown_shape()
        for n in refs:
            s = s.merge_with(op.inputs[args.index(n)].shape)
        g = op.inputs[args.index(grad)].shape
        i = op.inputs[args.index(indices)].shape.with_rank(1)
        if g.ndims is not None:
            if g.ndims == 0:
                raise ValueError("grad must be at least 1-D (rank 0 given)")
            if s.ndims is not None and g.ndims != s.ndims:
                raise ValueError(f"var and grad must have the same rank: {s} vs {g}")
            g[:1].merge_with(i)
            if s.ndims is not None:
                s = s[:1].concatenate(s[1:].merge_with(g[1:]))
        return s
    return rule


# -- run-time checks --------------------------------------------------------------------
def _same_shape(a_name, a, b_name, b):
    if a.shape != np.shape(b):
        b_name = b_name.rsplit("/", 1)[-1]  # a slot's store key: its own name
        raise errors.InvalidArgumentError(
            None, None, f"{a_name} and {b_name} do not have the same shape"
                        f"{list(a.shape)} {list(np.shape(b))}")


def _scalar(name, x):
    if getattr(x, "ndim", None) != 0 and np.ndim(x) != 0:
        raise errors.InvalidArgumentError(None, None, f"{name} is not a scalar: "
                                                      f"{list(np.shape(x))}")


def _read(ctx, var, *slots):
    """The current values of var and its slots, checked to share var's shape."""
    v = ctx.read(var)
    out = [v]
    for key in slots:
        s = ctx.read(key)
        _same_shape("var", v, key, s)
        out.append(s)
    return out


def _rows(xp, var, grad, indices):
    """Checks a sparse gradient against `var`; returns groups of positions into `indices`
    such that each group names every row at most once (the k-th occurrences of each row).
    None stands for "all positions" when the indices are unique."""
    if var.ndim == 0:
        raise errors.InvalidArgumentError(None, None, "var must be at least 1 dimensional")
    if np.ndim(indices) != 1:
        raise errors.InvalidArgumentError(None, None, "indices must be one-dimensional")
    if grad.shape[1:] != var.shape[1:] or grad.shape[:1] != indices.shape:
        raise errors.InvalidArgumentError(
            None, None, f"var and grad do not have the same shape: {list(var.shape)} "
                        f"{list(grad.shape)} (indices {list(indices.shape)})")
    n = var.shape[0]
    if indices.size:
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= n:
            bad = int(np.argmax((indices < 0) | (indices >= n)))
            raise errors.InvalidArgumentError(
                None, None, f"indices[{bad}] = {int(indices[bad])} is not in [0, {n})")
    order = xp.argsort(indices, kind="stable")
    srt = indices[order]
    if indices.size < 2 or not bool((srt[1:] == srt[:-1]).any()):
        return None
    # Rank of each occurrence among the equal indices: its sorted position minus the
    # position of the first equal index (the sort is stable, so ranks follow the order).
    pos = xp.arange(indices.size)
    rank = xp.empty_like(pos)
    rank[order] = pos - xp.searchsorted(srt, srt, side="left")
    return [xp.nonzero(rank == k)[0] for k in range(int(rank.max()) + 1)]


def _sparse_apply(xp, step, indices, grad, arrays, groups):
    """Runs `step(rows_of_arrays, grad_rows) -> new rows` for each group of positions,
    writing the rows into copies of `arrays`; returns the copies."""
    new = [a.copy() for a in arrays]
    for sel in ([None] if groups is None else groups):
        idx = indices if sel is None else indices[sel]
        g = grad if sel is None else grad[sel]
        rows = step([a[idx] for a in new], g)
        for a, r in zip(new, rows):
            a[idx] = r
    return new


def _dense(ctx, keys, grad, scalars, step, grad_name="grad"):
    """Shared body of the dense Apply* kernels: read var and slots (`keys`), check the
    scalars and the gradient, run `step(values, grad) -> new values` (None: unchanged),
    write the slots then the var; returns the new var. Rank-0 variables are computed as
    shape [1] so that in-place arithmetic always has an array to work on."""
    vals = _read(ctx, *keys)
    for n, x in scalars:
        _scalar(n, x)
    _same_shape("var", vals[0], grad_name, grad)
    shape = vals[0].shape
    if not shape:
        vals = [x.reshape(1) for x in vals]
        grad = ctx.xp.asarray(grad).reshape(1)
    new = step(vals, grad)
    for key, x in zip(keys[1:], new[1:]):
        if x is not None:
            ctx.write(key, x.reshape(shape))
    return ctx.write(keys[0], new[0].reshape(shape))


def _dense_into(ctx, keys, grad, checked, name, scalars, grad_name="grad"):
    """`_dense` for the one-pass updates: update `name` of `update_kernels` reads var, its
    slots (`keys`) and grad, and writes the new values into spare buffers, which are then
    swapped in (slots first, then var); returns the new var."""
    vals = _read(ctx, *keys)
    for n, x in checked:
        _scalar(n, x)
    _same_shape("var", vals[0], grad_name, grad)
    grad = ctx.xp.asarray(grad)
    if grad.dtype != vals[0].dtype:
        grad = grad.astype(vals[0].dtype)
    outs = [ctx.spare(k, x) for k, x in zip(keys, vals)]
    update_kernels.apply(ctx.xp, name, vals + [grad], scalars, outs)
    for key, x in zip(keys[1:], outs[1:]):
        ctx.write(key, x, recycle=True)
    return ctx.write(keys[0], outs[0], recycle=True)


# -- dense updates -----------------------------------------------------------------------
@defop("ApplyGradientDescent", inputs=("var: Ref(T)", "alpha: T", "delta: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyGradientDescent:
    """var -= alpha * delta."""
    forwards_ref = True
    shape = _dense_rule(("var",), ("alpha",), "delta")

    def kernel(ctx, var, alpha, delta):
        return _dense_into(ctx, (var,), delta, (("alpha", alpha),), "gd", (alpha,), "delta")
    grad = NOT_DIFFERENTIABLE


def _momentum_step(xp, v, a, lr, g, momentum, nesterov):
    """accum = accum * momentum + grad; var -= lr * accum (Nesterov: lr * grad +
    lr * momentum * accum). Returns (new var, new accum)."""
    new_a = xp.multiply(a, momentum, dtype=a.dtype)
    new_a += g
    if nesterov:  # lr * (grad + momentum * accum), in one buffer
        step = xp.multiply(new_a, momentum, dtype=v.dtype)
        step += g
        step *= lr
    else:
        step = xp.multiply(new_a, lr, dtype=v.dtype)
    return xp.subtract(v, step, out=step), new_a


@defop("ApplyMomentum", inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                "momentum: T"), outputs=("out: Ref(T)",),
       attrs={"use_locking": False, "use_nesterov": False}, stateful=True)
class ApplyMomentum:
    """accum = accum * momentum + grad; var -= lr * accum (or the Nesterov step)."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum"), ("lr", "momentum"))

    def kernel(ctx, var, accum, lr, grad, momentum, use_nesterov):
        return _dense_into(ctx, (var, accum), grad, (("lr", lr), ("momentum", momentum)),
                           "momentum", (lr, momentum, use_nesterov))
    grad = NOT_DIFFERENTIABLE


def _adagrad_step(xp, v, a, lr, g, update_slots):
    """accum += grad^2; var -= lr * grad / sqrt(accum)."""
    if update_slots:
        new_a = xp.multiply(g, g, dtype=a.dtype)
        new_a += a
    else:
        new_a = a
    step = xp.sqrt(new_a)
    xp.divide(g, step, out=step)
    step *= lr
    return xp.subtract(v, step, out=step), new_a


@defop("ApplyAdagrad", inputs=("var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False, "update_slots": True},
       stateful=True)
class ApplyAdagrad:
    """accum += grad * grad; var -= lr * grad / sqrt(accum)."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum"), ("lr",))

    def kernel(ctx, var, accum, lr, grad, update_slots):
        if not update_slots:  # accum stays as it is: only var is written
            def step(r, g):
                return _adagrad_step(ctx.xp, r[0], r[1], lr, g, False)[0], None
            return _dense(ctx, (var, accum), grad, (("lr", lr),), step)
        return _dense_into(ctx, (var, accum), grad, (("lr", lr),), "adagrad", (lr, True))
    grad = NOT_DIFFERENTIABLE


def _adadelta_step(xp, v, a, au, lr, rho, eps, g):
    """accum = rho * accum + (1 - rho) * grad^2;
    update = sqrt(accum_update + eps) / sqrt(accum + eps) * grad; var -= lr * update;
    accum_update = rho * accum_update + (1 - rho) * update^2."""
    one_m = 1 - rho
    new_a = xp.multiply(g, g, dtype=a.dtype)
    new_a -= a
    new_a *= one_m
    new_a += a
    upd = xp.add(au, eps, dtype=v.dtype)
    xp.sqrt(upd, out=upd)
    tmp = xp.add(new_a, eps, dtype=v.dtype)
    upd /= xp.sqrt(tmp, out=tmp)
    upd *= g
    new_au = xp.multiply(upd, upd, dtype=au.dtype)
    new_au -= au
    new_au *= one_m
    new_au += au
    upd *= lr
    return xp.subtract(v, upd, out=upd), new_a, new_au


@defop("ApplyAdadelta", inputs=("var: Ref(T)", "accum: Ref(T)", "accum_update: Ref(T)",
                                "lr: T", "rho: T", "epsilon: T", "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyAdadelta:
    """The Adadelta update of var, accum and accum_update (Zeiler, 2012)."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum", "accum_update"), ("lr", "rho", "epsilon"))

    def kernel(ctx, var, accum, accum_update, lr, rho, epsilon, grad):
        def step(r, g):
            return _adadelta_step(ctx.xp, r[0], r[1], r[2], lr, rho, epsilon, g)
        return _dense(ctx, (var, accum, accum_update), grad,
                      (("lr", lr), ("rho", rho), ("epsilon", epsilon)), step)
    grad = NOT_DIFFERENTIABLE


def _rmsprop_step(xp, v, ms, mom, lr, rho, momentum, eps, g, mg=None):
    """ms = rho * ms + (1 - rho) * grad^2 (centered: mg likewise with grad, and the
    denominator is ms - mg^2); mom = momentum * mom + lr * grad / sqrt(denom + eps);
    var -= mom."""
    one_m = 1 - rho
    new_ms = xp.multiply(g, g, dtype=ms.dtype)
    new_ms -= ms
    new_ms *= one_m
    new_ms += ms
    new_mg = None
    if mg is not None:
        new_mg = xp.subtract(g, mg, dtype=mg.dtype)
        new_mg *= one_m
        new_mg += mg
        denom = xp.multiply(new_mg, new_mg, dtype=ms.dtype)
        xp.subtract(new_ms, denom, out=denom)
        denom += eps
    else:
        denom = xp.add(new_ms, eps, dtype=ms.dtype)
    xp.sqrt(denom, out=denom)
    xp.divide(g, denom, out=denom)
    denom *= lr
    new_mom = xp.multiply(mom, momentum, dtype=mom.dtype)
    new_mom += denom
    return xp.subtract(v, new_mom, out=denom), new_ms, new_mom, new_mg


@defop("ApplyRMSProp", inputs=("var: Ref(T)", "ms: Ref(T)", "mom: Ref(T)", "lr: T",
                               "rho: T", "momentum: T", "epsilon: T", "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyRMSProp:
    """ms = rho * ms + (1 - rho) * grad^2; mom = momentum * mom + lr * grad /
    sqrt(ms + epsilon); var -= mom."""
    forwards_ref = True
    shape = _dense_rule(("var", "ms", "mom"), ("lr", "rho", "momentum", "epsilon"))

    def kernel(ctx, var, ms, mom, lr, rho, momentum, epsilon, grad):
        return _dense_into(ctx, (var, ms, mom), grad, (("lr", lr), ("rho", rho),
                           ("momentum", momentum), ("epsilon", epsilon)), "rmsprop",
                           (lr, 1 - rho, momentum, epsilon))
    grad = NOT_DIFFERENTIABLE


@defop("ApplyCenteredRMSProp", inputs=("var: Ref(T)", "mg: Ref(T)", "ms: Ref(T)",
                                       "mom: Ref(T)", "lr: T", "rho: T", "momentum: T",
                                       "epsilon: T", "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False}, stateful=True)
class ApplyCenteredRMSProp:
    """Centered RMSProp: the second moment is centered by the running mean gradient mg."""
    forwards_ref = True
    shape = _dense_rule(("var", "mg", "ms", "mom"), ("lr", "rho", "momentum", "epsilon"))

    def kernel(ctx, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
        def step(r, g):
            v, s, m, mg_ = _rmsprop_step(ctx.xp, r[0], r[2], r[3], lr, rho, momentum,
                                         epsilon, g, r[1])
            return v, mg_, s, m
        return _dense(ctx, (var, mg, ms, mom), grad, (("lr", lr), ("rho", rho),
                      ("momentum", momentum), ("epsilon", epsilon)), step)
    grad = NOT_DIFFERENTIABLE


@defop("ApplyAdam", inputs=("var: Ref(T)", "m: Ref(T)", "v: Ref(T)", "beta1_power: T",
                            "beta2_power: T", "lr: T", "beta1: T", "beta2: T", "epsilon: T",
                            "grad: T"),
       outputs=("out: Ref(T)",), attrs={"use_locking": False, "use_nesterov": False},
       stateful=True)
class ApplyAdam:
    """lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m = beta1 * m + (1 - beta1)
    * grad; v = beta2 * v + (1 - beta2) * grad^2; var -= lr_t * m / (sqrt(v) + epsilon)."""
    forwards_ref = True
    shape = _dense_rule(("var", "m", "v"),
                        ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"))

    def kernel(ctx, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_nesterov):
        checked = (("beta1_power", beta1_power), ("beta2_power", beta2_power), ("lr", lr),
                   ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon))
        for n, x in checked:
            _scalar(n, x)
        alpha = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
        return _dense_into(ctx, (var, m, v), grad, (), "adam",
                           (alpha, beta1, 1 - beta1, 1 - beta2, epsilon, use_nesterov))
    grad = NOT_DIFFERENTIABLE


def _ftrl_step(xp, v, acc, lin, g, lr, l1, l2, l2_shrinkage, lr_power, multiply_linear_by_lr):
    """FTRL-proximal: accum_new = accum + grad^2; linear += g' - sigma * var with
    sigma = (accum_new^-p - accum^-p) / lr and g' = grad + 2 * l2_shrinkage * var;
    quadratic = accum_new^-p / lr + 2 * l2;
    var = (sign(linear) * l1 - linear) / quadratic where |linear| > l1, else 0.
    (With multiply_linear_by_lr, linear holds lr times that and l1 is scaled by lr.)"""
    new_acc = xp.multiply(g, g, dtype=acc.dtype)
    new_acc += acc
    if lr_power == -0.5:
        p_new, p_old = xp.sqrt(new_acc), xp.sqrt(acc)
    else:
        p_new, p_old = xp.power(new_acc, -lr_power), xp.power(acc, -lr_power)
    sigma = xp.subtract(p_new, p_old, out=p_old)  # (accum_new^-p - accum^-p)
    sigma *= v
    if multiply_linear_by_lr:
        new_lin = xp.multiply(g, lr, dtype=lin.dtype) if l2_shrinkage is None else \
            (g + 2 * l2_shrinkage * v) * lr
    else:
        sigma /= lr
        new_lin = xp.array(g, dtype=lin.dtype, copy=True) if l2_shrinkage is None else \
            xp.add(g, (2 * l2_shrinkage) * v, dtype=lin.dtype)
    new_lin -= sigma
    new_lin += lin
    quad = p_new
    if multiply_linear_by_lr:
        quad += 2 * l2 * lr
        l1 = l1 * lr
    else:
        quad /= lr
        quad += 2 * l2
    new_v = xp.sign(new_lin)
    new_v *= l1
    new_v -= new_lin
    new_v /= quad
    new_v[xp.abs(new_lin) <= l1] = 0
    return new_v, new_acc, new_lin


_FTRL_ATTRS = {"use_locking": False, "multiply_linear_by_lr": False}


def _ftrl_kernel(ctx, var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power,
                 multiply_linear_by_lr):
    if np.ndim(lr) == 0 and not lr > 0:
        raise errors.InvalidArgumentError(None, None, f"lr is not a positive scalar: {lr}")

    def step(r, g):
        return _ftrl_step(ctx.xp, r[0], r[1], r[2], g, lr, l1, l2, l2_shrinkage, lr_power,
                          multiply_linear_by_lr)
    return _dense(ctx, (var, accum, linear), grad, (("lr", lr), ("l1", l1), ("l2", l2),
                  ("lr_power", lr_power)), step)


@defop("ApplyFtrl", inputs=("var: Ref(T)", "accum: Ref(T)", "linear: Ref(T)", "grad: T",
                            "lr: T", "l1: T", "l2: T", "lr_power: T"),
       outputs=("out: Ref(T)",), attrs=_FTRL_ATTRS, stateful=True)
class ApplyFtrl:
    """The FTRL-proximal update of var, accum and linear (McMahan et al., 2013)."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum", "linear"), ("lr", "l1", "l2", "lr_power"))

    def kernel(ctx, var, accum, linear, grad, lr, l1, l2, lr_power, multiply_linear_by_lr):
        return _ftrl_kernel(ctx, var, accum, linear, grad, lr, l1, l2, None, lr_power,
                            multiply_linear_by_lr)
    grad = NOT_DIFFERENTIABLE


@defop("ApplyFtrlV2", inputs=("var: Ref(T)", "accum: Ref(T)", "linear: Ref(T)", "grad: T",
                              "lr: T", "l1: T", "l2: T", "l2_shrinkage: T", "lr_power: T"),
       outputs=("out: Ref(T)",), attrs=_FTRL_ATTRS, stateful=True)
class ApplyFtrlV2:
    """FTRL-proximal with an L2 shrinkage term added to the gradient."""
    forwards_ref = True
    shape = _dense_rule(("var", "accum", "linear"),
                        ("lr", "l1", "l2", "l2_shrinkage", "lr_power"))

    def kernel(ctx, var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power,
               multiply_linear_by_lr):
        _scalar("l2_shrinkage", l2_shrinkage)
        return _ftrl_kernel(ctx, var, accum, linear, grad, lr, l1, l2, l2_shrinkage,
                            lr_power, multiply_linear_by_lr)
    grad = NOT_DIFFERENTIABLE
