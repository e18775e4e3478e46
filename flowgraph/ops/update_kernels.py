"""One-pass optimizer updates: each reads var, its slots and the gradient once and writes
the new values into given buffers.

With numba installed (and `FLOWGRAPH_NUMBA` not "0"), float32/float64 updates of numpy
arrays run as one compiled loop over flat views (an input of another layout is copied),
compiled on first use and cached on disk; otherwise, and on other array modules, the same
formulas run as numpy `out=` arithmetic into the output buffers, without temporaries. The
formulas are those of `training_ops.py`'s docstrings, in the array's dtype: derived
constants (1 - beta1, ...) are computed by the caller, in that dtype, so that no loop
widens float32 to float64. `benchmarks/RESULTS.md` has the measurements that chose
numba."""
import contextlib
import os

import numpy as np

_LOOP_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_compiled = {}  # (name, dtype) -> numba dispatcher
_numba = []  # [module or None], filled on first use
_disabled = []  # non-empty inside `loops_disabled()`


# -- the loops (plain Python; numba compiles them) -------------------------------------------
def _gd_loop(w, g, alpha, ow):
    for i in range(w.size):
        ow[i] = w[i] - alpha * g[i]


def _momentum_loop(w, a, g, lr, momentum, nesterov, ow, oa):
    for i in range(w.size):
        gi = g[i]
        ai = a[i] * momentum + gi
        oa[i] = ai
        ow[i] = w[i] - (lr * (ai * momentum + gi) if nesterov else ai * lr)


def _adagrad_loop(w, a, g, lr, update_slots, ow, oa):
    for i in range(w.size):
        gi = g[i]
        ai = a[i] + gi * gi if update_slots else a[i]
        oa[i] = ai
        ow[i] = w[i] - gi / np.sqrt(ai) * lr


def _rmsprop_loop(w, ms, mom, g, lr, one_m, momentum, eps, ow, oms, omom):
    for i in range(w.size):
        gi = g[i]
        s = ms[i] + (gi * gi - ms[i]) * one_m
        oms[i] = s
        m = mom[i] * momentum + gi / np.sqrt(s + eps) * lr
        omom[i] = m
        ow[i] = w[i] - m


def _adam_loop(w, m, v, g, alpha, beta1, c1, c2, eps, nesterov, ow, om, ov):
    for i in range(w.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        om[i] = mi
        ov[i] = vi
        num = mi * beta1 + gi * c1 if nesterov else mi
        ow[i] = w[i] - num / (np.sqrt(vi) + eps) * alpha


# (loop, number of array inputs, scalar kinds ("x": the dtype, "b": a flag), outputs)
_LOOPS = {"gd": (_gd_loop, 2, "x", 1), "momentum": (_momentum_loop, 3, "xxb", 2),
          "adagrad": (_adagrad_loop, 3, "xb", 2), "rmsprop": (_rmsprop_loop, 4, "xxxx", 3),
          "adam": (_adam_loop, 4, "xxxxxb", 3)}


# -- the same formulas with numpy out= ------------------------------------------------------
def _gd_np(xp, w, g, alpha, ow):
    xp.multiply(g, alpha, out=ow)
    xp.subtract(w, ow, out=ow)


def _momentum_np(xp, w, a, g, lr, momentum, nesterov, ow, oa):
    xp.multiply(a, momentum, out=oa)
    xp.add(oa, g, out=oa)
    if nesterov:
        xp.multiply(oa, momentum, out=ow)
        xp.add(ow, g, out=ow)
        xp.multiply(ow, lr, out=ow)
    else:
        xp.multiply(oa, lr, out=ow)
    xp.subtract(w, ow, out=ow)


def _adagrad_np(xp, w, a, g, lr, update_slots, ow, oa):
    if update_slots:
        xp.multiply(g, g, out=oa)
        xp.add(oa, a, out=oa)
    else:
        oa[...] = a
    xp.sqrt(oa, out=ow)
    xp.divide(g, ow, out=ow)
    xp.multiply(ow, lr, out=ow)
    xp.subtract(w, ow, out=ow)


def _move_toward(xp, acc, target, c, out):
    """out = acc + c * (target - acc) (a moving average's step; `target` may be `out`)."""
    xp.subtract(target, acc, out=out)
    xp.multiply(out, c, out=out)
    xp.add(out, acc, out=out)


def _rmsprop_np(xp, w, ms, mom, g, lr, one_m, momentum, eps, ow, oms, omom):
    xp.multiply(g, g, out=oms)
    _move_toward(xp, ms, oms, one_m, oms)
    xp.add(oms, eps, out=ow)
    xp.sqrt(ow, out=ow)
    xp.divide(g, ow, out=ow)
    xp.multiply(ow, lr, out=ow)
    xp.multiply(mom, momentum, out=omom)
    xp.add(omom, ow, out=omom)
    xp.subtract(w, omom, out=ow)


def _adam_np(xp, w, m, v, g, alpha, beta1, c1, c2, eps, nesterov, ow, om, ov):
    _move_toward(xp, m, g, c1, om)
    xp.multiply(g, g, out=ov)
    _move_toward(xp, v, ov, c2, ov)
    xp.sqrt(ov, out=ow)
    xp.add(ow, eps, out=ow)
    if nesterov:  # (beta1 * m + (1 - beta1) * grad) in place of m
        num = xp.multiply(om, beta1)
        num += g * c1
        xp.divide(num, ow, out=ow)
    else:
        xp.divide(om, ow, out=ow)
    xp.multiply(ow, alpha, out=ow)
    xp.subtract(w, ow, out=ow)


_NUMPY = {"gd": _gd_np, "momentum": _momentum_np, "adagrad": _adagrad_np,
          "rmsprop": _rmsprop_np, "adam": _adam_np}


def _get_numba():
    if not _numba:
        mod = None
        if os.environ.get("FLOWGRAPH_NUMBA", "1") != "0":
            try:
                import numba as mod
            except ImportError:  # optional at run time: the numpy formulas stand in
                mod = None
        _numba.append(mod)
    return _numba[0]


def compiled(key, loop, dtype, args):
    """`loop` compiled by numba for one signature, once per `key` (or None without numba
    or inside `loops_disabled`). `args` lists each parameter's kind: ("ro", ndim) a
    read-only C-contiguous array of `dtype`, ("rw", ndim) a writable one, "x" a scalar of
    `dtype`, "b" a flag."""
    if _disabled:
        return None
    fn = _compiled.get(key)
    if fn is None:
        nb = _get_numba()
        if nb is None:
            return None
        t = nb.from_dtype(dtype)

        def typ(a):
            if a == "x":
                return t
            if a == "b":
                return nb.types.boolean
            return nb.types.Array(t, a[1], "C", readonly=a[0] == "ro")
        sig = nb.types.void(*[typ(a) for a in args])
        fn = nb.njit([sig], error_model="numpy", cache=True, nogil=True)(loop)
        _compiled[key] = fn
    return fn


def _loop(name, dtype):
    """The compiled loop of update `name` for `dtype` (read-only 1-D inputs, writable 1-D
    outputs, scalars of the dtype), or None."""
    loop, n_in, kinds, n_out = _LOOPS[name]
    return compiled((name, dtype), loop, dtype,
                    [("ro", 1)] * n_in + list(kinds) + [("rw", 1)] * n_out)


@contextlib.contextmanager
def loops_disabled():
    """Updates inside the block use the numpy formulas (for benchmarks and tests)."""
    _disabled.append(True)
    try:
        yield
    finally:
        _disabled.pop()


def uses_loops():
    """Whether updates run as compiled loops here (numba importable and not switched off)."""
    return _get_numba() is not None


def apply(xp, name, arrays, scalars, outs):
    """Runs update `name` over `arrays` (var, slots..., grad; one shape and dtype) with
    `scalars` (the loop's scalar parameters, in order), writing the new var and slots into
    `outs` (contiguous, of that dtype)."""
    dtype = outs[0].dtype
    fn = _loop(name, dtype) if xp is np and dtype in _LOOP_DTYPES else None
    t = dtype.type
    scalars = [s.item() if hasattr(s, "item") else s for s in scalars]  # (device 0-d too)
    vals = [t(s) if k == "x" else bool(s) for s, k in zip(scalars, _LOOPS[name][2])]
    if fn is None:
        _NUMPY[name](xp, *arrays, *vals, *outs)
    else:  # reshape(-1) is a view of a contiguous input and a copy of any other
        fn(*[a.reshape(-1) for a in arrays], *vals, *[o.reshape(-1) for o in outs])
