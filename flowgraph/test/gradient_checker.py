"""Numeric gradient checks: TF1's full-Jacobian `compute_gradient` for small inputs and a
random-direction check (one JVP against one VJP) for large ones."""
import numpy as np


def _session(x, session):
    from flowgraph.runtime.session import Session, get_default_session
    s = session or get_default_session()
    if s is not None and s.graph is x.graph:
        return s, False
    return Session(graph=x.graph), True


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                     init_targets=None, extra_feed_dict=None, session=None):
    """(theoretical, numerical) Jacobians of shape [x.size, y.size], as in TF1.

    `x` may be a list (then `x_shape` and `x_init_value` are lists too) and a list of
    (theoretical, numerical) pairs is returned."""
    from flowgraph.gradients import gradients
    from flowgraph.ops.core import placeholder
    many = isinstance(x, (list, tuple))
    xs, shapes = _as_list(x), list(x_shape) if many else [x_shape]
    inits = list(x_init_value) if many and x_init_value is not None else \
        [x_init_value] * len(xs) if x_init_value is None else [x_init_value]
    sess, own = _session(xs[0], session)
    try:
        if init_targets:
            sess.run(init_targets)
        feed = dict(extra_feed_dict or {})
        rng = np.random.RandomState(1)
        vals = []
        for xt, shp, v in zip(xs, shapes, inits):
            dt = xt.dtype.base_dtype.as_numpy_dtype
            vals.append(np.asarray(v, dtype=dt) if v is not None
                        else rng.uniform(-1, 1, size=shp).astype(dt))
        for xt, v in zip(xs, vals):
            feed[xt] = v
        with y.graph.as_default():
            dy = placeholder(y.dtype.base_dtype, shape=y_shape)
            grads = gradients(y, xs, grad_ys=dy)
        y_size = int(np.prod(y_shape))
        out = []
        for k, (xt, shp, v) in enumerate(zip(xs, shapes, vals)):
            x_size = int(np.prod(shp))
            theo = np.zeros((x_size, y_size))
            g = grads[k]
            for j in range(y_size):
                onehot = np.zeros(y_size, dtype=y.dtype.base_dtype.as_numpy_dtype)
                onehot[j] = 1
                if g is None:
                    continue
                r = sess.run(g, {**feed, dy: onehot.reshape(y_shape)})
                if hasattr(r, "indices"):  # IndexedSlicesValue: densify
                    dense = np.zeros(shp)
                    np.add.at(dense, r.indices, r.values)
                    r = dense
                theo[:, j] = np.reshape(r, -1)
            num = np.zeros((x_size, y_size))
            for i in range(x_size):
                xp, xm = v.copy().reshape(-1), v.copy().reshape(-1)
                xp[i] += delta
                xm[i] -= delta
                yp = sess.run(y, {**feed, xt: xp.reshape(shp)})
                ym = sess.run(y, {**feed, xt: xm.reshape(shp)})
                num[i] = (np.asarray(yp, np.float64) - np.asarray(ym, np.float64)
                          ).reshape(-1) / (2 * delta)
            out.append((theo, num))
        return out if many else out[0]
    finally:
        if own:
            sess.close()


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None, session=None):
    """The largest absolute difference between the theoretical and numeric Jacobians."""
    r = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                         extra_feed_dict, session)
    pairs = r if isinstance(r, list) else [r]
    return max(float(np.max(np.abs(t - n))) if t.size else 0.0 for t, n in pairs)


def random_direction_error(xs, y, feed_dict, delta=1e-4, seed=0, session=None):
    """|<J v, u> - <v, J^T u>| / scale for random directions v and u: one backward run and
    two forward runs, whatever the sizes (for large inputs and second order checks)."""
    from flowgraph.gradients import gradients
    from flowgraph.ops.core import placeholder
    xs = _as_list(xs)
    sess, own = _session(xs[0], session)
    try:
        rng = np.random.RandomState(seed)
        y0 = np.asarray(sess.run(y, feed_dict), np.float64)
        u = rng.standard_normal(y0.shape)
        with y.graph.as_default():
            dy = placeholder(y.dtype.base_dtype, shape=y0.shape)
            grads = gradients(y, xs, grad_ys=dy)
        gvals = sess.run([g for g in grads if g is not None],
                         {**feed_dict, dy: u.astype(y.dtype.base_dtype.as_numpy_dtype)})
        vs = [rng.standard_normal(np.shape(feed_dict[x])) for x in xs]
        vjp = sum(float(np.sum(np.asarray(g, np.float64) * v))
                  for g, v in zip(gvals, [v for v, g in zip(vs, grads) if g is not None]))
        plus = {**feed_dict, **{x: (feed_dict[x] + delta * v).astype(feed_dict[x].dtype)
                                for x, v in zip(xs, vs)}}
        minus = {**feed_dict, **{x: (feed_dict[x] - delta * v).astype(feed_dict[x].dtype)
                                 for x, v in zip(xs, vs)}}
        jvp = (np.asarray(sess.run(y, plus), np.float64) -
               np.asarray(sess.run(y, minus), np.float64)) / (2 * delta)
        num = float(np.sum(jvp * u))
        return abs(num - vjp) / max(1.0, abs(num), abs(vjp))
    finally:
        if own:
            sess.close()
