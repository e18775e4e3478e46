"""3-D convolution and pooling ops against direct loop references written here (one
output voxel at a time), numeric gradient checks of every op (backprops included), and
static shapes on partial inputs."""
import itertools

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

R = np.random.RandomState(11)


def rnd(*shape):
    return R.uniform(-1, 1, shape).astype(np.float32)


def distinct(*shape):
    v = R.permutation(int(np.prod(shape))).astype(np.float32) / 4
    return v.reshape(shape)


# -- references ----------------------------------------------------------------------------------
def ref_geom(sizes, ks, strides, dils, padding):
    """[(out, before)] per spatial dim, the TF way, written independently of the kernels."""
    res = []
    for n, k, s, d in zip(sizes, ks, strides, dils):
        ek = d * (k - 1) + 1
        if padding == "VALID":
            res.append(((n - ek) // s + 1, 0, 0))
        else:
            o = -(-n // s)
            need = max(0, (o - 1) * s + ek - n)
            res.append((o, need // 2, need - need // 2))
    return res


def _windows(out_sizes):
    return itertools.product(*[range(o) for o in out_sizes])


def _sl(idx, ks, strides, dils):
    return (slice(None),) + tuple(slice(i * s, i * s + d * (k - 1) + 1, d)
                                  for i, k, s, d in zip(idx, ks, strides, dils))


def ref_conv3d(x, w, strides=(1, 1, 1), padding="SAME", dil=(1, 1, 1)):
    ks = w.shape[:3]
    geo = ref_geom(x.shape[1:4], ks, strides, dil, padding)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + [(b, a) for _, b, a in geo] + [(0, 0)])
    out = np.zeros((x.shape[0],) + tuple(o for o, _, _ in geo) + (w.shape[4],))
    for idx in _windows(out.shape[1:4]):
        win = xp[_sl(idx, ks, strides, dil)]
        out[(slice(None),) + idx] = np.einsum("ndhwc,dhwco->no", win, w)
    return out.astype(x.dtype)


def ref_backprop_input(x_shape, w, dy, strides=(1, 1, 1), padding="SAME", dil=(1, 1, 1)):
    ks = w.shape[:3]
    geo = ref_geom(x_shape[1:4], ks, strides, dil, padding)
    dxp = np.zeros((x_shape[0],) + tuple(n + b + a for n, (_, b, a) in
                                         zip(x_shape[1:4], geo)) + (x_shape[4],))
    for idx in _windows(dy.shape[1:4]):
        dxp[_sl(idx, ks, strides, dil)] += np.einsum("no,dhwco->ndhwc",
                                                    dy[(slice(None),) + idx], w)
    crop = tuple(slice(b, b + n) for n, (_, b, _) in zip(x_shape[1:4], geo))
    return dxp[(slice(None),) + crop].astype(w.dtype)


def ref_backprop_filter(x, w_shape, dy, strides=(1, 1, 1), padding="SAME", dil=(1, 1, 1)):
    ks = w_shape[:3]
    geo = ref_geom(x.shape[1:4], ks, strides, dil, padding)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + [(b, a) for _, b, a in geo] + [(0, 0)])
    dw = np.zeros(w_shape)
    for idx in _windows(dy.shape[1:4]):
        dw += np.einsum("ndhwc,no->dhwco", xp[_sl(idx, ks, strides, dil)],
                        dy[(slice(None),) + idx])
    return dw.astype(x.dtype)


def ref_pool(x, ks, strides, padding, how):
    geo = ref_geom(x.shape[1:4], ks, strides, (1, 1, 1), padding)
    out = np.zeros((x.shape[0],) + tuple(o for o, _, _ in geo) + (x.shape[4],))
    for idx in _windows(out.shape[1:4]):
        win = tuple(slice(max(i * s - b, 0), min(i * s - b + k, n)) for i, s, k, (_, b, _), n
                    in zip(idx, strides, ks, geo, x.shape[1:4]))
        v = x[(slice(None),) + win]
        out[(slice(None),) + idx] = v.max(axis=(1, 2, 3)) if how == "max" else \
            v.mean(axis=(1, 2, 3))
    return out.astype(x.dtype)


def to_ncdhw(x):
    return np.transpose(x, (0, 4, 1, 2, 3))


def from_ncdhw(x):
    return np.transpose(x, (0, 2, 3, 4, 1))


# -- cases ---------------------------------------------------------------------------------------
def _s5(s):
    return [1, *s, 1]


CONFIGS = [((1, 1, 1), "SAME", (1, 1, 1)), ((2, 1, 2), "VALID", (1, 1, 1)),
           ((1, 2, 1), "SAME", (1, 1, 1)), ((1, 1, 1), "SAME", (2, 1, 2)),
           ((2, 2, 1), "VALID", (1, 2, 1))]


def _conv_cases():
    cases = []
    for st, pad, dil in CONFIGS:
        x, w = rnd(2, 5, 4, 5, 2), rnd(2, 2, 3, 2, 3)
        tag = f"{st}-{pad}-{dil}"
        cases.append(Case(
            "Conv3D", lambda a, b, st=st, pad=pad, dil=dil: tf.nn.conv3d(
                a, b, _s5(st), pad, dilations=_s5(dil)),
            [x, w], lambda a, b, st=st, pad=pad, dil=dil: ref_conv3d(a, b, st, pad, dil),
            rtol=1e-4, atol=1e-5, grad_tol=1e-3, name=f"Conv3D-{tag}"))
        dy = ref_conv3d(x, w, st, pad, dil)  # only its shape matters
        dy = rnd(*dy.shape)
        cases.append(Case(
            "Conv3DBackpropInputV2",
            lambda b, g, st=st, pad=pad, dil=dil, x=x: apply_op(
                "Conv3DBackpropInputV2", [tf.constant(np.array(x.shape, np.int32)), b, g],
                {"strides": _s5(st), "padding": pad, "dilations": _s5(dil)}),
            [w, dy], lambda b, g, st=st, pad=pad, dil=dil, x=x: ref_backprop_input(
                x.shape, b, g, st, pad, dil),
            rtol=1e-4, atol=1e-5, grad_tol=1e-3, name=f"Conv3DBackpropInputV2-{tag}"))
        cases.append(Case(
            "Conv3DBackpropFilterV2",
            lambda a, g, st=st, pad=pad, dil=dil, w=w: apply_op(
                "Conv3DBackpropFilterV2", [a, tf.constant(np.array(w.shape, np.int32)), g],
                {"strides": _s5(st), "padding": pad, "dilations": _s5(dil)}),
            [x, dy], lambda a, g, st=st, pad=pad, dil=dil, w=w: ref_backprop_filter(
                a, w.shape, g, st, pad, dil),
            rtol=1e-4, atol=1e-5, grad_tol=1e-3, name=f"Conv3DBackpropFilterV2-{tag}"))
    x, w = rnd(1, 4, 3, 5, 2), rnd(2, 1, 2, 2, 2)
    cases.append(Case(
        "Conv3D", lambda a, b: tf.nn.conv3d(a, b, [1, 1, 1, 2, 2], "SAME",
                                            data_format="NCDHW"),
        [to_ncdhw(x), w], lambda a, b: to_ncdhw(ref_conv3d(from_ncdhw(a), b, (1, 2, 2))),
        rtol=1e-4, atol=1e-5, grad_tol=1e-3, name="Conv3D-NCDHW"))
    return cases


POOLS = [((2, 2, 2), (2, 2, 2), "VALID"), ((3, 2, 2), (1, 2, 1), "SAME"),
         ((1, 3, 2), (2, 1, 2), "SAME")]


def _pool_cases():
    cases = []
    for ks, st, pad in POOLS:
        tag = f"{ks}-{st}-{pad}"
        for how, fn, op in (("max", tf.nn.max_pool3d, "MaxPool3D"),
                            ("avg", tf.nn.avg_pool3d, "AvgPool3D")):
            cases.append(Case(
                op, lambda a, fn=fn, ks=ks, st=st, pad=pad: fn(a, _s5(ks), _s5(st), pad),
                [distinct(2, 4, 5, 3, 2)],
                lambda a, how=how, ks=ks, st=st, pad=pad: ref_pool(a, ks, st, pad, how),
                grad_tol=1e-3, name=f"{op}-{tag}"))
        x = distinct(1, 4, 5, 3, 2)
        y = ref_pool(x, ks, st, pad, "max")
        attrs = {"ksize": _s5(ks), "strides": _s5(st), "padding": pad}
        cases.append(Case(
            "MaxPool3DGrad", lambda g, x=x, y=y, attrs=attrs: apply_op(
                "MaxPool3DGrad", [tf.constant(x), tf.constant(y), g], attrs),
            [rnd(*y.shape)], lambda g, x=x, ks=ks, st=st, pad=pad: _max_grad_ref(
                x, g, ks, st, pad), grad_tol=1e-3, name=f"MaxPool3DGrad-{tag}"))
        cases.append(Case(
            "MaxPool3DGradGrad", lambda g, x=x, y=y, attrs=attrs: apply_op(
                "MaxPool3DGradGrad", [tf.constant(x.astype(g.dtype.as_numpy_dtype)),
                                      tf.constant(y.astype(g.dtype.as_numpy_dtype)), g], attrs),
            [rnd(*x.shape)], lambda g, x=x, ks=ks, st=st, pad=pad: _max_gradgrad_ref(
                x, g, ks, st, pad), grad_tol=1e-3, name=f"MaxPool3DGradGrad-{tag}"))
        cases.append(Case(
            "AvgPool3DGrad", lambda g, x=x, attrs=attrs: apply_op(
                "AvgPool3DGrad", [tf.constant(np.array(x.shape, np.int32)), g], attrs),
            [rnd(*y.shape)], lambda g, x=x, ks=ks, st=st, pad=pad: _avg_grad_ref(
                x.shape, g, ks, st, pad), grad_tol=1e-3, name=f"AvgPool3DGrad-{tag}"))
    x = distinct(2, 3, 4, 5, 3)
    cases.append(Case(
        "MaxPool3D", lambda a: tf.nn.max_pool3d(a, 2, 2, "SAME", data_format="NCDHW"), [x],
        lambda a: to_ncdhw(ref_pool(from_ncdhw(a), (2, 2, 2), (2, 2, 2), "SAME", "max")),
        grad_tol=1e-3, name="MaxPool3D-NCDHW"))
    cases.append(Case(
        "AvgPool3D", lambda a: tf.nn.avg_pool3d(a, [1, 1, 2, 3, 2], [1, 1, 1, 2, 1], "SAME",
                                                data_format="NCDHW"), [x],
        lambda a: to_ncdhw(ref_pool(from_ncdhw(a), (2, 3, 2), (1, 2, 1), "SAME", "avg")),
        grad_tol=1e-3, name="AvgPool3D-NCDHW"))
    return cases


def _pool_windows(shape, ks, st, pad):
    geo = ref_geom(shape[1:4], ks, st, (1, 1, 1), pad)
    for idx in _windows([o for o, _, _ in geo]):
        yield idx, tuple(slice(max(i * s - b, 0), min(i * s - b + k, n)) for i, s, k, (_, b, _), n
                         in zip(idx, st, ks, geo, shape[1:4]))


def _first(v):
    """Mask of the first (row-major) maximum of each [n, d, h, w, c] window."""
    n, c = v.shape[0], v.shape[4]
    flat = np.transpose(v, (0, 4, 1, 2, 3)).reshape(n, c, -1)
    mask = np.zeros_like(flat, dtype=bool)
    for i in range(n):
        for j in range(c):
            mask[i, j, np.argmax(flat[i, j])] = True
    return np.transpose(mask.reshape(n, c, *v.shape[1:4]), (0, 2, 3, 4, 1))


def _max_grad_ref(x, g, ks, st, pad):
    dx = np.zeros(x.shape)
    for idx, win in _pool_windows(x.shape, ks, st, pad):
        v = x[(slice(None),) + win]
        hit = _first(v)
        dx[(slice(None),) + win] += hit * g[(slice(None),) + idx][:, None, None, None, :]
    return dx.astype(g.dtype)


def _max_gradgrad_ref(x, gg, ks, st, pad):
    y = ref_pool(x, ks, st, pad, "max")
    out = np.zeros(y.shape)
    for idx, win in _pool_windows(x.shape, ks, st, pad):
        v = x[(slice(None),) + win]
        hit = _first(v)
        out[(slice(None),) + idx] = (hit * gg[(slice(None),) + win]).sum(axis=(1, 2, 3))
    return out.astype(gg.dtype)


def _avg_grad_ref(shape, g, ks, st, pad):
    dx = np.zeros(shape)
    for idx, win in _pool_windows(shape, ks, st, pad):
        cnt = np.prod([s.stop - s.start for s in win])
        dx[(slice(None),) + win] += g[(slice(None),) + idx][:, None, None, None, :] / cnt
    return dx.astype(g.dtype)


CASES = _conv_cases() + _pool_cases()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


# -- static shapes and errors --------------------------------------------------------------------
def test_partial_shapes():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 8, None, 6, 3])
        w = tf.placeholder(tf.float32, [3, 3, 3, 3, 5])
        assert tf.nn.conv3d(x, w, [1, 2, 2, 2, 1], "SAME").shape.as_list() == \
            [None, 4, None, 3, 5]
        assert tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID").shape.as_list() == \
            [None, 6, None, 4, 5]
        assert tf.nn.max_pool3d(x, 2, 2, "VALID").shape.as_list() == [None, 4, None, 3, 3]
        y = tf.placeholder(tf.float32, [2, 3, 8, 8, 8])
        assert tf.nn.avg_pool3d(y, 2, 2, "SAME", "NCDHW").shape.as_list() == [2, 3, 4, 4, 4]
        t = tf.nn.conv3d_transpose(tf.placeholder(tf.float32, [2, 4, 4, 4, 5]), w,
                                   [2, 8, 8, 8, 3], [1, 2, 2, 2, 1])
        assert t.op.type == "Conv3DBackpropInputV2" and t.shape.as_list() == [2, 8, 8, 8, 3]
        assert tf.nn.conv3d(tf.placeholder(tf.float32), w, [1] * 5, "SAME").shape.ndims == 5


def test_build_errors():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [1, 4, 4, 4, 2])
        with pytest.raises(ValueError):
            tf.nn.conv3d(x, tf.placeholder(tf.float32, [2, 2, 2, 3, 1]), [1] * 5, "SAME")
        with pytest.raises(ValueError):
            tf.nn.conv3d(x, tf.placeholder(tf.float32, [2, 2, 2, 2, 1]), [2, 1, 1, 1, 1],
                         "SAME")
        with pytest.raises(ValueError):
            tf.nn.conv3d(x, tf.placeholder(tf.float32, [5, 2, 2, 2, 1]), [1] * 5, "VALID")
        with pytest.raises(ValueError):
            tf.nn.max_pool3d(x, 2, 2, "SAME", data_format="NHWC")
        with pytest.raises(TypeError):
            tf.nn.conv3d(tf.placeholder(tf.int32, [1, 4, 4, 4, 2]),
                         tf.placeholder(tf.int32, [1, 1, 1, 2, 1]), [1] * 5, "SAME")


def test_transpose_is_input_gradient():
    x, w = rnd(1, 3, 4, 3, 2), rnd(2, 2, 2, 2, 3)
    dy = rnd(1, 2, 2, 2, 3)
    with tf.Graph().as_default():
        t = tf.nn.conv3d_transpose(tf.constant(dy), tf.constant(w), x.shape,
                                   [1, 2, 2, 2, 1], "SAME")
        with tf.Session() as s:
            got = s.run(t)
    np.testing.assert_allclose(got, ref_backprop_input(x.shape, w, dy, (2, 2, 2)),
                               rtol=1e-4, atol=1e-5)


def test_second_order_conv3d():
    """d/dx of sum(grad_w(sum(conv^2))) exists and is finite (gradients of gradients)."""
    with tf.Graph().as_default():
        x = tf.constant(rnd(1, 3, 3, 3, 2).astype(np.float64))
        w = tf.constant(rnd(2, 2, 2, 2, 2).astype(np.float64))
        y = tf.reduce_sum(tf.square(tf.nn.conv3d(x, w, [1] * 5, "SAME")))
        gw, = tf.gradients(y, [w])
        gx, = tf.gradients(tf.reduce_sum(gw), [x])
        with tf.Session() as s:
            assert np.all(np.isfinite(s.run(gx)))
