"""tf.nn against real TensorFlow: the same graph built in both, values and gradients
compared. Convolution and pooling run over a grid of shapes, strides, paddings, dilations
and data formats (TF's CPU kernels only take NHWC, so NCHW results are compared with TF's
NHWC results transposed)."""
import itertools

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(42)


def _run(lib, build, inputs):
    g = lib.Graph()
    with g.as_default():
        phs = [lib.placeholder(lib.as_dtype(x.dtype), x.shape) for x in inputs]
        out = build(lib, *phs)
        with lib.Session(graph=g) as sess:
            return sess.run(out, dict(zip(phs, inputs)))


def both(build, inputs, build_tf=None):
    """(flowgraph results, TF results) of `build(lib, *placeholders)`."""
    return _run(fg, build, inputs), _run(tf1, build_tf or build, inputs)


def close(a, b, rtol=1e-4, atol=1e-4):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, rtol, atol)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(a, b)


def with_grads(fn, n_inputs, seed=0, square=False):
    """A build function returning [out] + d(sum(out * W))/d(inputs) for a fixed random W
    (`square`: d(sum(out * out)), which does not depend on the layout)."""
    def build(lib, *phs):
        out = fn(lib, *phs)
        w = np.random.RandomState(seed).uniform(0.5, 1.5, out.shape.as_list()).astype(
            out.dtype.as_numpy_dtype)
        loss = lib.reduce_sum(out * out) if square else lib.reduce_sum(out * w)
        return [out] + lib.gradients(loss, list(phs[:n_inputs]))
    return build


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def nchw(x):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


# -- conv2d --------------------------------------------------------------------------------------
_CONV_GRID = [
    # (x shape NHWC, (kh, kw, out), strides, padding)
    ((2, 7, 6, 3), (3, 3, 4), (1, 1), "SAME"),
    ((2, 7, 6, 3), (3, 3, 4), (2, 2), "SAME"),
    ((2, 7, 6, 3), (3, 3, 4), (2, 2), "VALID"),
    ((1, 8, 9, 2), (2, 3, 3), (1, 3), "SAME"),
    ((1, 8, 9, 2), (2, 3, 3), (3, 2), "VALID"),
    ((3, 5, 5, 1), (5, 5, 2), (1, 1), "VALID"),
    ((3, 5, 5, 1), (5, 5, 2), (2, 2), "SAME"),
    ((2, 6, 4, 3), (1, 1, 5), (1, 1), "SAME"),
    ((2, 6, 4, 3), (1, 1, 5), (2, 2), "VALID"),
    ((2, 9, 7, 2), (4, 2, 3), (3, 3), "SAME"),
    ((2, 9, 7, 2), (4, 2, 3), (2, 1), "VALID"),
    ((1, 4, 4, 2), (2, 2, 2), (4, 4), "SAME"),
    ((1, 3, 3, 2), (2, 2, 2), (5, 5), "SAME"),
]


@pytest.mark.parametrize("xs,ks,strides,padding", _CONV_GRID, ids=str)
def test_conv2d_grid(xs, ks, strides, padding):
    x, w = rand(*xs), rand(ks[0], ks[1], xs[3], ks[2])
    s = [1, strides[0], strides[1], 1]
    build = with_grads(lambda lib, a, b: lib.nn.conv2d(a, b, s, padding), 2)
    ours, theirs = both(build, [x, w])
    close(ours, theirs)


@pytest.mark.parametrize("xs,ks,strides,padding", _CONV_GRID[:8], ids=str)
def test_conv2d_nchw_matches_tf_nhwc(xs, ks, strides, padding):
    x, w = rand(*xs), rand(ks[0], ks[1], xs[3], ks[2])
    s = [1, strides[0], strides[1], 1]
    ours = _run(fg, with_grads(lambda lib, a, b: lib.nn.conv2d(
        a, b, [1, 1] + s[1:3], padding, data_format="NCHW"), 2, square=True), [nchw(x), w])
    theirs = _run(tf1, with_grads(lambda lib, a, b: lib.nn.conv2d(a, b, s, padding), 2,
                                  square=True), [x, w])
    close([ours[0], ours[1], ours[2]], [nchw(theirs[0]), nchw(theirs[1]), theirs[2]])


@pytest.mark.parametrize("pads", [[[0, 0], [1, 2], [0, 1], [0, 0]],
                                  [[0, 0], [3, 0], [2, 2], [0, 0]]], ids=str)
def test_conv2d_explicit_padding(pads):
    x, w = rand(2, 6, 5, 2), rand(3, 2, 2, 3)
    build = with_grads(lambda lib, a, b: lib.nn.conv2d(a, b, [1, 2, 1, 1], pads), 2)
    ours, theirs = both(build, [x, w])
    close(ours, theirs)


def _dilated_filter(w, dh, dw):
    """A 0/1 matrix P with dilate(w) = reshape(P @ reshape(w, [kh*kw, -1]))."""
    kh, kw = w.shape[:2]
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    p = np.zeros((eh * ew, kh * kw), np.float32)
    for i in range(kh):
        for j in range(kw):
            p[(i * dh) * ew + j * dw, i * kw + j] = 1
    return p, eh, ew


@pytest.mark.parametrize("dil,padding,xs", [((2, 2), "SAME", (2, 7, 8, 2)),
                                            ((2, 1), "VALID", (1, 9, 6, 3)),
                                            ((3, 2), "SAME", (2, 6, 6, 1))], ids=str)
def test_conv2d_dilated(dil, padding, xs):
    """TF's CPU has no dilated backprop kernels: TF's side convolves with the explicitly
    dilated filter, which computes the same function."""
    x, w = rand(*xs), rand(3, 2, xs[3], 2)
    p, eh, ew = _dilated_filter(w, *dil)

    def tf_build(lib, a, b):
        wd = lib.reshape(lib.matmul(p, lib.reshape(b, [6, -1])), [eh, ew, xs[3], 2])
        return lib.nn.conv2d(a, wd, [1, 1, 1, 1], padding)

    ours = _run(fg, with_grads(lambda lib, a, b: lib.nn.conv2d(
        a, b, [1, 1, 1, 1], padding, dilations=[1, dil[0], dil[1], 1]), 2), [x, w])
    theirs = _run(tf1, with_grads(tf_build, 2), [x, w])
    close(ours, theirs)


@pytest.mark.parametrize("xs,ks,out_hw,strides,padding", [
    ((2, 4, 3, 3), (3, 3, 2), (8, 6), (2, 2), "SAME"),
    ((2, 4, 3, 3), (3, 3, 2), (9, 7), (2, 2), "VALID"),
    ((1, 3, 3, 2), (2, 2, 4), (6, 6), (2, 2), "VALID"),
    ((1, 3, 5, 2), (3, 1, 1), (9, 5), (3, 1), "SAME"),
], ids=str)
def test_conv2d_transpose(xs, ks, out_hw, strides, padding):
    x, w = rand(*xs), rand(ks[0], ks[1], ks[2], xs[3])
    shape = [xs[0], out_hw[0], out_hw[1], ks[2]]
    build = with_grads(lambda lib, a, b: lib.nn.conv2d_transpose(
        a, b, shape, [1, strides[0], strides[1], 1], padding), 2)
    ours, theirs = both(build, [x, w])
    close(ours, theirs)


@pytest.mark.parametrize("stride,padding,df", [(1, "SAME", "NWC"), (2, "VALID", "NWC"),
                                                (2, "SAME", "NCW")], ids=str)
def test_conv1d(stride, padding, df):
    x, w = rand(2, 9, 3), rand(3, 3, 4)
    if df == "NCW":
        ours = _run(fg, with_grads(lambda lib, a, b: lib.nn.conv1d(
            a, b, stride, padding, data_format="NCW"), 2, square=True),
            [np.ascontiguousarray(x.transpose(0, 2, 1)), w])
        theirs = _run(tf1, with_grads(lambda lib, a, b: lib.nn.conv1d(a, b, stride, padding),
                                      2, square=True), [x, w])
        close([ours[0], ours[1], ours[2]], [theirs[0].transpose(0, 2, 1),
                                            theirs[1].transpose(0, 2, 1), theirs[2]])
        return
    build = with_grads(lambda lib, a, b: lib.nn.conv1d(a, b, stride, padding), 2)
    ours, theirs = both(build, [x, w])
    close(ours, theirs)


def test_conv2d_backprop_ops_direct_and_second_order():
    x, w = rand(2, 6, 5, 3), rand(3, 3, 3, 2)

    def build(lib, a, b):
        y = lib.nn.conv2d(a, b, [1, 2, 2, 1], "SAME")
        gx, gw = lib.gradients(lib.reduce_sum(y * y), [a, b])
        bi = lib.nn.conv2d_backprop_input([2, 6, 5, 3], b, y, [1, 2, 2, 1], "SAME")
        bf = lib.nn.conv2d_backprop_filter(a, [3, 3, 3, 2], y, [1, 2, 2, 1], "SAME")
        # Second order: through Conv2DBackpropInput and Conv2DBackpropFilter.
        gg = lib.gradients(lib.reduce_sum(gx * gx) + lib.reduce_sum(gw * gw), [a, b])
        return [bi, bf] + gg
    ours, theirs = both(build, [x, w])
    close(ours, theirs, rtol=2e-4, atol=2e-3)


# -- depthwise -----------------------------------------------------------------------------------
@pytest.mark.parametrize("xs,kh,kw,mult,strides,padding", [
    ((2, 7, 6, 3), 3, 3, 1, (1, 1), "SAME"),
    ((2, 7, 6, 3), 3, 3, 2, (2, 2), "SAME"),
    ((1, 8, 5, 2), 2, 3, 3, (2, 2), "VALID"),
    ((2, 5, 5, 4), 5, 5, 1, (1, 1), "VALID"),
    ((1, 6, 7, 2), 1, 1, 2, (3, 3), "SAME"),
], ids=str)
def test_depthwise_conv2d(xs, kh, kw, mult, strides, padding):
    x, w = rand(*xs), rand(kh, kw, xs[3], mult)
    s = [1, strides[0], strides[1], 1]
    build = with_grads(lambda lib, a, b: lib.nn.depthwise_conv2d(a, b, s, padding), 2)
    ours, theirs = both(build, [x, w])
    close(ours, theirs)


def test_depthwise_with_rate_and_separable():
    x, w, pw = rand(2, 8, 7, 3), rand(3, 3, 3, 2), rand(1, 1, 6, 4)
    build = with_grads(lambda lib, a, b, c: [lib.nn.depthwise_conv2d(
        a, b, [1, 1, 1, 1], "SAME", rate=[2, 2])][0], 2)
    ours, theirs = both(build, [x, w, pw])
    close(ours, theirs)
    build = with_grads(lambda lib, a, b, c: lib.nn.separable_conv2d(
        a, b, c, [1, 2, 2, 1], "SAME"), 3)
    ours, theirs = both(build, [x, w, pw])
    close(ours, theirs)


# -- pooling -------------------------------------------------------------------------------------
_POOL_GRID = list(itertools.product(
    [(2, 7, 6, 3), (1, 5, 8, 2)], [(1, 1), (2, 2), (3, 3), (2, 3)],
    [(1, 1), (2, 2), (3, 2)], ["SAME", "VALID"]))


@pytest.mark.parametrize("xs,k,s,padding", _POOL_GRID, ids=str)
def test_pool_grid(xs, k, s, padding):
    x = rand(*xs)
    ks, ss = [1, k[0], k[1], 1], [1, s[0], s[1], 1]
    for f in ("max_pool", "avg_pool"):
        build = with_grads(lambda lib, a: getattr(lib.nn, f)(a, ks, ss, padding), 1)
        ours, theirs = both(build, [x])
        close(ours, theirs)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pool_nchw_matches_tf_nhwc(padding):
    x = rand(2, 7, 6, 3)
    for f in ("max_pool", "avg_pool"):
        ours = _run(fg, with_grads(lambda lib, a: getattr(lib.nn, f)(
            a, [1, 1, 3, 2], [1, 1, 2, 2], padding, data_format="NCHW"), 1, square=True),
            [nchw(x)])
        theirs = _run(tf1, with_grads(lambda lib, a: getattr(lib.nn, f)(
            a, [1, 3, 2, 1], [1, 2, 2, 1], padding), 1, square=True), [x])
        close(ours, [nchw(t) for t in theirs])


def test_max_pool_ties_and_second_order():
    """Gradient of ties goes where TF sends it; MaxPoolGradGrad and the grad of
    MaxPoolGrad agree with TF's."""
    x = RNG.randint(0, 3, size=(2, 6, 7, 2)).astype(np.float32)

    def build(lib, a):
        y = lib.nn.max_pool(a, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        w = np.random.RandomState(3).uniform(0.5, 1.5, y.shape.as_list()).astype(np.float32)
        gx = lib.gradients(lib.reduce_sum(y * w), a)[0]
        gg = lib.gradients(lib.reduce_sum(gx * gx * x), a)
        y2 = lib.nn.max_pool(a, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
        g2 = lib.gradients(y2, a)[0]
        return [y, gx, g2] + [g if g is not None else lib.zeros_like(a) for g in gg]
    ours, theirs = both(build, [x])
    close(ours, theirs)


def test_max_pool_with_argmax():
    x = rand(2, 5, 6, 3)
    for incl in (False, True):
        build = lambda lib, a: list(lib.nn.max_pool_with_argmax(  # noqa: E731
            a, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=incl)) + \
            lib.gradients(lib.nn.max_pool_with_argmax(a, [1, 2, 2, 1], [1, 2, 2, 1], "SAME",
                                                      include_batch_in_index=incl)[0] * 2.0,
                          a)
        ours, theirs = both(build, [x])
        close(ours, theirs)


def test_avg_pool_second_order():
    x = rand(2, 6, 5, 2)

    def build(lib, a):
        y = lib.nn.avg_pool(a, [1, 3, 2, 1], [1, 2, 2, 1], "SAME")
        gx = lib.gradients(lib.reduce_sum(y * y), a)[0]
        return [gx] + lib.gradients(lib.reduce_sum(gx * gx), a)
    ours, theirs = both(build, [x])
    close(ours, theirs)


def test_pool1d():
    x = rand(2, 9, 3)
    for f in ("max_pool1d", "avg_pool1d"):
        build = with_grads(lambda lib, a: getattr(lib.nn, f)(a, 3, 2, "SAME"), 1)
        ours, theirs = both(build, [x])
        close(ours, theirs)


# -- activations ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["relu", "relu6", "elu", "selu", "softplus", "leaky_relu",
                                  "sigmoid", "tanh", "crelu", "swish"])
def test_activations_and_second_order(name):
    """(Softsign has no second order in TF; tests/ops checks flowgraph's numerically.)"""
    x = (rand(3, 5) * 4).astype(np.float64)
    x[0, :3] = [0.5, 6.5, -20.0]

    def build(lib, a):
        f = getattr(lib.nn, name)
        y = f(a)
        g = lib.gradients(lib.reduce_sum(y * y), a)[0]
        return [y, g] + lib.gradients(lib.reduce_sum(g * g), a)
    ours, theirs = both(build, [x])
    close(ours, theirs, rtol=1e-6, atol=1e-8)


def test_activations_large_inputs_float32():
    x = np.array([[-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4]], np.float32)
    build = lambda lib, a: [lib.nn.softplus(a), lib.nn.elu(a), lib.nn.selu(a),  # noqa: E731
                            lib.nn.softsign(a), lib.nn.relu6(a)] + lib.gradients(
        lib.reduce_sum(lib.nn.softplus(a)), a)
    ours, theirs = both(build, [x])
    close(ours, theirs, rtol=1e-6, atol=1e-6)


# -- softmax and cross-entropies -----------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_log_softmax_axis(axis):
    x = rand(3, 4, 5)
    for f in ("softmax", "log_softmax"):
        build = with_grads(lambda lib, a: getattr(lib.nn, f)(a, axis=axis), 1)
        ours, theirs = both(build, [x])
        close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_cross_entropies_with_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [3.0, 1.0, 0.2], [-1e4, -1e4, 1e4]], np.float32)
    labels = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0], [0.0, 0.1, 0.9]], np.float32)
    sparse = np.array([1, 0, 2], np.int32)

    def build(lib, lg, lb, sp):
        a = lib.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg)
        b = lib.nn.softmax_cross_entropy_with_logits(labels=lb, logits=lg)
        c = lib.nn.sparse_softmax_cross_entropy_with_logits(labels=sp, logits=lg)
        d = lib.nn.sigmoid_cross_entropy_with_logits(labels=lb, logits=lg)
        e = lib.nn.weighted_cross_entropy_with_logits(labels=lb, logits=lg, pos_weight=2.5)
        sm, lsm = lib.nn.softmax(lg), lib.nn.log_softmax(lg)
        outs = [a, b, c, d, e, sm, lsm]
        total = lib.add_n([lib.reduce_sum(o) for o in outs[:5]])
        grads = lib.gradients(total, [lg, lb])
        return outs + grads
    ours, theirs = both(build, [logits, labels, sparse])
    for o in ours:
        assert np.all(np.isfinite(o))
    close(ours, theirs, rtol=1e-5, atol=1e-4)


def test_cross_entropy_second_order_and_rank3():
    logits = rand(2, 3, 4).astype(np.float64)
    labels = np.abs(rand(2, 3, 4)).astype(np.float64)
    labels /= labels.sum(-1, keepdims=True)
    sparse = RNG.randint(0, 4, size=(2, 3)).astype(np.int64)

    def build(lib, lg, lb, sp):
        a = lib.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg)
        a1 = lib.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg, axis=1)
        c = lib.nn.sparse_softmax_cross_entropy_with_logits(labels=sp, logits=lg)
        g = lib.gradients(lib.reduce_sum(a * a) + lib.reduce_sum(c * c), lg)[0]
        return [a, a1, c, g] + lib.gradients(lib.reduce_sum(g * g), [lg, lb])
    ours, theirs = both(build, [logits, labels, sparse])
    close(ours, theirs, rtol=1e-7, atol=1e-9)


# -- bias_add, l2, normalization -----------------------------------------------------------------
@pytest.mark.parametrize("shape,df", [((3, 4), "NHWC"), ((2, 3, 4, 5), "NHWC"),
                                      ((2, 3, 4, 5), "NCHW"), ((2, 3, 4), "NCHW")], ids=str)
def test_bias_add(shape, df):
    x = rand(*shape)
    b = rand(shape[1] if df == "NCHW" else shape[-1])

    def build(lib, a, c):
        y = lib.nn.bias_add(a, c, data_format=df)
        g = lib.gradients(lib.reduce_sum(y * y), [a, c])
        return [y] + g + lib.gradients(lib.reduce_sum(g[1] * g[1]), a)
    ours, theirs = both(build, [x, b])
    close(ours, theirs)


def test_l2_loss_l2_normalize_xw_plus_b():
    x, w, b = rand(3, 4), rand(4, 5), rand(5)

    def build(lib, a, c, d):
        outs = [lib.nn.l2_loss(a), lib.nn.l2_normalize(a, axis=1),
                lib.nn.l2_normalize(a, axis=[0, 1]), lib.nn.xw_plus_b(a, c, d),
                lib.nn.relu_layer(a, c, d),
                lib.nn.log_poisson_loss(lib.abs(a) * 2, a),
                lib.nn.log_poisson_loss(lib.abs(a) * 2, a, compute_full_loss=True)]
        return outs + lib.gradients(lib.add_n([lib.reduce_sum(o * o) for o in outs]),
                                    [a, c, d])
    ours, theirs = both(build, [x, w, b])
    close(ours, theirs)


def test_moments_and_batch_normalization():
    x = rand(4, 3, 5)
    weights = np.abs(rand(4, 3, 5)) + 0.1

    def build(lib, a):
        m, v = lib.nn.moments(a, axes=[0, 1])
        mk, vk = lib.nn.moments(a, axes=[2], keep_dims=True)
        y = lib.nn.batch_normalization(a, m, v, offset=0.5, scale=2.0, variance_epsilon=1e-3)
        y2 = lib.nn.batch_normalization(a, mk, vk, None, None, 1e-3)
        cnt, ms, vs, _ = lib.nn.sufficient_statistics(a, [0, 2])
        nm, nv = lib.nn.normalize_moments(cnt, ms, vs, None)
        wm, wv = lib.nn.weighted_moments(a, [0], weights)
        outs = [m, v, mk, vk, y, y2, cnt, nm, nv, wm, wv, lib.nn.zero_fraction(
            lib.nn.relu(a)), lib.nn.compute_average_loss(lib.reduce_sum(a, [1, 2])),
            lib.nn.compute_average_loss(lib.reduce_sum(a, 1), sample_weight=weights[:, 0],
                                        global_batch_size=10),
            lib.nn.scale_regularization_loss(a)]
        return outs + lib.gradients(lib.reduce_sum(y * y) + lib.reduce_sum(y2 * y), a)
    ours, theirs = both(build, [x])
    close(ours, theirs)


@pytest.mark.parametrize("df", ["NHWC", "NCHW"])
@pytest.mark.parametrize("training", [True, False])
def test_fused_batch_norm(df, training):
    x = rand(2, 3, 4, 5) * 2 + 1
    c = 3 if df == "NCHW" else 5
    scale, offset = rand(c) + 1, rand(c)
    mean, var = rand(c), np.abs(rand(c)) + 0.5

    def build(lib, a, s, o, m, v):
        if training:
            y, bm, bv = lib.nn.fused_batch_norm(a, s, o, epsilon=1e-3, data_format=df)
        else:
            y, bm, bv = lib.nn.fused_batch_norm(a, s, o, m, v, epsilon=1e-3, data_format=df,
                                                is_training=False)
        w = np.random.RandomState(1).uniform(0.5, 1.5, y.shape.as_list()).astype(np.float32)
        return [y, bm, bv] + lib.gradients(lib.reduce_sum(y * w), [a, s, o])
    ours, theirs = both(build, [x, scale, offset, mean, var])
    close(ours, theirs, rtol=1e-4, atol=1e-4)


def test_fused_batch_norm_exponential_avg_and_second_order():
    x = rand(2, 3, 4, 3)
    s, o, m, v = rand(3) + 1, rand(3), rand(3), np.abs(rand(3)) + 0.5

    def build(lib, a, sc, of, mm, vv):
        y, bm, bv = lib.nn.fused_batch_norm(a, sc, of, mm, vv, exponential_avg_factor=0.3)
        gx, gs = lib.gradients(lib.reduce_sum(y * y * y), [a, sc])
        return [y, bm, bv, gx, gs] + lib.gradients(lib.reduce_sum(gx * gx) +
                                                   lib.reduce_sum(gs * gs), [a, sc])
    ours, theirs = both(build, [x, s, o, m, v])
    close(ours, theirs, rtol=2e-4, atol=2e-4)


def test_lrn():
    x = rand(2, 3, 4, 9)

    def build(lib, a):
        y = lib.nn.lrn(a, depth_radius=2, bias=1.5, alpha=0.3, beta=0.75)
        y2 = lib.nn.local_response_normalization(a)
        return [y, y2] + lib.gradients(lib.reduce_sum(y * y) + lib.reduce_sum(y2), a)
    ours, theirs = both(build, [x])
    close(ours, theirs)


# -- top_k, in_top_k, embeddings -----------------------------------------------------------------
def test_top_k_and_in_top_k():
    x = np.array([[1., 3., 3., 2., 3.], [0., -1., 5., 5., 2.]], np.float32)
    y = rand(2, 3, 6)
    preds = np.array([[0.1, 0.3, 0.3, 0.2], [0.5, np.nan, 0.1, 0.1], [1, 1, 1, 1]],
                     np.float32)

    def build(lib, a, b, p):
        v, i = lib.nn.top_k(a, 3)
        v2, i2 = lib.nn.top_k(b, 2)
        outs = [v, i, v2, i2] + [lib.nn.in_top_k(p, [2, 0, 3], k) for k in (1, 2)]
        return outs + lib.gradients(lib.reduce_sum(v2 * v2) + lib.reduce_sum(v), [a, b])
    ours, theirs = both(build, [x, y, preds])
    close(ours, theirs)


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup(strategy):
    parts = [rand(4, 3), rand(3, 3), rand(3, 3)]
    ids = np.array([[0, 9, 4], [7, 7, 2]], np.int32)

    def build(lib, p0, p1, p2, i):
        e1 = lib.nn.embedding_lookup(p0, i % 4)
        e3 = lib.nn.embedding_lookup([p0, p1, p2], i, partition_strategy=strategy)
        en = lib.nn.embedding_lookup(p0, i % 4, max_norm=1.0)
        g = lib.gradients(lib.reduce_sum(e3 * e3) + lib.reduce_sum(e1) +
                          lib.reduce_sum(en), [p0, p1, p2])
        return [e1, e3, en] + [lib.convert_to_tensor(t) for t in g]
    ours, theirs = both(build, parts + [ids])
    close(ours, theirs)


def test_op_types_and_attrs_match_tf():
    """The graphs the builders make use TF's op types and attr values."""
    def build(lib, x, w):
        lib.nn.conv2d(x, w, 2, "SAME", name="c")
        lib.nn.max_pool(x, 2, 2, "VALID", name="mp")
        lib.nn.avg_pool(x, [1, 3, 3, 1], [1, 1, 1, 1], "SAME", name="ap")
        lib.nn.bias_add(x, [1.0, 2.0, 3.0], name="ba")
        lib.nn.leaky_relu(x, 0.3, name="lr")
        lib.nn.fused_batch_norm(x, [1.0] * 3, [0.0] * 3, name="bn")
        lib.nn.top_k(lib.reshape(x, [-1]), 2, name="tk")
        lib.nn.conv2d_transpose(x, lib.transpose(w, [0, 1, 3, 2]), [2, 10, 12, 4], 2,
                                name="ct")
        return []

    def types(lib):
        g = lib.Graph()
        with g.as_default():
            build(lib, lib.placeholder(lib.float32, [2, 5, 6, 3]),
                  lib.placeholder(lib.float32, [3, 3, 3, 4]))
        out = {}
        for op in g.get_operations():
            if op.name in ("c", "mp", "ap", "ba", "lr", "bn", "tk", "ct"):
                attrs = {}
                for k in ("strides", "ksize", "padding", "data_format", "alpha", "epsilon",
                          "is_training", "dilations", "explicit_paddings", "sorted"):
                    try:
                        v = op.get_attr(k)
                    except (ValueError, KeyError):
                        continue
                    attrs[k] = v.decode() if isinstance(v, bytes) else \
                        round(v, 6) if isinstance(v, float) else v
                out[op.name] = (op.type, attrs, [o.shape.as_list() for o in op.outputs
                                                 if o.shape.ndims is not None])
        return out
    assert types(fg) == types(tf1)
