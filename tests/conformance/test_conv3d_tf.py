"""3-D convolution and pooling against real TensorFlow: tf.nn values and gradients over
strides, paddings, dilations and data formats, and tf.layers' variable names, op names,
output shapes, values and gradients. TF's CPU kernels take only NDHWC and no dilated
backprop, so NCDHW results are compared with TF's NDHWC ones transposed and dilated
gradients are checked numerically in tests/ops/test_conv3d_ops.py."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(5)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run(lib, build, inputs):
    g = lib.Graph()
    with g.as_default():
        phs = [lib.placeholder(lib.as_dtype(x.dtype), x.shape) for x in inputs]
        out = build(lib, *phs)
        with lib.Session(graph=g) as sess:
            return sess.run(out, dict(zip(phs, inputs)))


def close(a, b, tol=2e-4):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.shape(x) == np.shape(y) and np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def with_grads(lib, out, xs):
    w = np.random.RandomState(1).uniform(0.5, 1.5, out.shape.as_list()).astype(np.float32)
    return [out] + lib.gradients(lib.reduce_sum(out * w + out * out), xs)


def t_first(x):
    return np.ascontiguousarray(np.transpose(x, (0, 4, 1, 2, 3)))


CONV = [([1, 1, 1, 1, 1], "SAME"), ([1, 2, 2, 2, 1], "SAME"), ([1, 1, 2, 3, 1], "VALID"),
        ([1, 2, 1, 1, 1], "VALID"), ([1, 3, 2, 1, 1], "SAME")]


@pytest.mark.parametrize("strides,padding", CONV)
def test_conv3d_values_and_gradients(strides, padding):
    x, w = rand(2, 6, 5, 7, 3), rand(3, 2, 3, 3, 4)

    def build(lib, a, b):
        return with_grads(lib, lib.nn.conv3d(a, b, strides, padding), [a, b])
    close(run(fg, build, [x, w]), run(tf1, build, [x, w]))


@pytest.mark.parametrize("dil", [[1, 2, 1, 2, 1], [1, 1, 3, 1, 1]])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv3d_dilated_forward(dil, padding):
    x, w = rand(1, 7, 8, 6, 2), rand(2, 3, 2, 2, 3)

    def build(lib, a, b):
        return [lib.nn.conv3d(a, b, [1] * 5, padding, dilations=dil)]
    close(run(fg, build, [x, w]), run(tf1, build, [x, w]))


def test_conv3d_ncdhw_matches_tf_ndhwc():
    x, w = rand(2, 5, 6, 4, 3), rand(2, 3, 2, 3, 2)

    def ours(lib, a, b):
        y = lib.nn.conv3d(lib.transpose(a, [0, 4, 1, 2, 3]), b, [1, 1, 2, 1, 2], "SAME",
                          data_format="NCDHW")
        return with_grads(lib, lib.transpose(y, [0, 2, 3, 4, 1]), [a, b])

    def theirs(lib, a, b):
        return with_grads(lib, lib.nn.conv3d(a, b, [1, 2, 1, 2, 1], "SAME"), [a, b])
    close(run(fg, ours, [x, w]), run(tf1, theirs, [x, w]))


@pytest.mark.parametrize("strides,padding,out", [
    ([1, 2, 2, 2, 1], "SAME", [2, 8, 6, 10, 3]), ([1, 2, 1, 3, 1], "VALID", [2, 9, 6, 16, 3]),
    ([1, 1, 1, 1, 1], "SAME", [2, 4, 3, 5, 3])])
def test_conv3d_transpose(strides, padding, out):
    w = rand(3, 2, 4, 3, 4)
    n, d, h, ww, _ = out
    if padding == "SAME":
        shape = [n] + [-(-s // st) for s, st in zip(out[1:4], strides[1:4])] + [4]
    else:
        shape = [n] + [(s - k) // st + 1 for s, k, st in
                       zip(out[1:4], w.shape[:3], strides[1:4])] + [4]
    v = rand(*shape)

    def build(lib, a, b):
        y = lib.nn.conv3d_transpose(a, b, out, strides, padding)
        assert y.shape.as_list() == out
        return with_grads(lib, y, [a, b])
    close(run(fg, build, [v, w]), run(tf1, build, [v, w]))


POOL = [(2, 2, "VALID"), (3, 2, "SAME"), ([1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME"),
        ([1, 3, 1, 2, 1], [1, 2, 1, 1, 1], "VALID")]


@pytest.mark.parametrize("fn", ["max_pool3d", "avg_pool3d"])
@pytest.mark.parametrize("ksize,strides,padding", POOL)
def test_pool3d_values_gradients_and_second_order(fn, ksize, strides, padding):
    x = rand(2, 6, 7, 5, 3)

    def build(lib, a):
        y = getattr(lib.nn, fn)(a, ksize, strides, padding)
        res = with_grads(lib, y, [a])
        gg = lib.gradients(lib.reduce_sum(res[1] * res[1]), a)[0]
        return res + ([gg] if gg is not None else [])
    close(run(fg, build, [x]), run(tf1, build, [x]))


def test_max_pool3d_grad_ties_like_tf():
    """With ties, TF's default (oneDNN) CPU kernel routes to the first maximum."""
    x = np.round(rand(1, 4, 4, 4, 2)).astype(np.float32)  # many equal values

    def build(lib, a):
        return with_grads(lib, lib.nn.max_pool3d(a, 2, 2, "SAME"), [a])
    close(run(fg, build, [x]), run(tf1, build, [x]))


@pytest.mark.parametrize("fn", ["max_pool3d", "avg_pool3d"])
def test_pool3d_ncdhw_matches_tf_ndhwc(fn):
    x = rand(2, 5, 6, 4, 3)

    def ours(lib, a):
        y = getattr(lib.nn, fn)(lib.transpose(a, [0, 4, 1, 2, 3]), [1, 1, 2, 3, 2],
                                [1, 1, 2, 1, 2], "SAME", data_format="NCDHW")
        return with_grads(lib, lib.transpose(y, [0, 2, 3, 4, 1]), [a])

    def theirs(lib, a):
        return with_grads(lib, getattr(lib.nn, fn)(a, [1, 2, 3, 2, 1], [1, 2, 1, 2, 1],
                                                   "SAME"), [a])
    close(run(fg, ours, [x]), run(tf1, theirs, [x]))


def _str(v):
    return v.decode() if isinstance(v, bytes) else v


def test_op_types_and_attrs_match_tf():
    def graph_of(lib):
        g = lib.Graph()
        with g.as_default():
            x = lib.placeholder(lib.float32, [1, 4, 4, 4, 2])
            w = lib.placeholder(lib.float32, [2, 2, 2, 2, 3])
            y = lib.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME", name="c")
            p = lib.nn.max_pool3d(y, 2, 2, "VALID", name="m")
            q = lib.nn.avg_pool3d(y, 2, 2, "VALID", name="a")
            lib.gradients(lib.reduce_sum(p) + lib.reduce_sum(q), [x, w])
        return {op.name: (op.type, op.get_attr("strides"), _str(op.get_attr("padding")),
                          _str(op.get_attr("data_format")))
                for op in g.get_operations() if "3D" in op.type}
    assert graph_of(fg) == graph_of(tf1)


# -- tf.layers -----------------------------------------------------------------------------------
def _legacy_layers():
    pytest.importorskip("tf_keras")
    from tf_keras.api._v1.keras.__internal__.legacy import layers
    return layers


@pytest.fixture
def ref_vars():
    tf1.disable_resource_variables()
    yield
    tf1.enable_resource_variables()


def run_layers(build, x, shape=None):
    out = []
    for lib in (fg, tf1):
        L = fg.layers if lib is fg else _legacy_layers()
        g = lib.Graph()
        with g.as_default():
            ph = lib.placeholder(lib.float32, shape or x.shape)
            fetch, info = build(lib, L, ph)
            with lib.Session(graph=g) as sess:
                sess.run(lib.global_variables_initializer())
                out.append((sess.run(fetch, {ph: x}), info))
    return out


def _layer_grads(lib, x, y):
    tv = lib.trainable_variables()
    grads = lib.gradients(lib.reduce_sum(y * y), [x] + tv)
    info = {"names": [v.name for v in lib.global_variables()], "out": y.name,
            "shape": y.shape.as_list()}
    return [y] + grads, info


@pytest.mark.parametrize("fn,kw", [
    ("conv3d", dict(filters=4, kernel_size=(2, 3, 2), padding="same", strides=(1, 2, 1))),
    ("conv3d", dict(filters=3, kernel_size=2, padding="valid", dilation_rate=(1, 2, 1))),
    ("conv3d_transpose", dict(filters=4, kernel_size=(2, 3, 2), padding="same",
                              strides=(2, 1, 2))),
    ("conv3d_transpose", dict(filters=2, kernel_size=3, padding="valid", strides=2))])
def test_conv3d_layers(ref_vars, fn, kw):
    def build(lib, L, x):
        k_rng = np.random.RandomState(4)
        ks = kw["kernel_size"]
        ks = (ks,) * 3 if isinstance(ks, int) else ks
        shape = list(ks) + ([kw["filters"], 3] if "transpose" in fn else [3, kw["filters"]])
        kinit = lib.constant_initializer(k_rng.standard_normal(shape).astype(np.float32))
        binit = lib.constant_initializer(np.arange(kw["filters"], dtype=np.float32) / 3)
        y1 = getattr(L, fn)(x, kernel_initializer=kinit, bias_initializer=binit,
                            activation=lib.nn.relu, **kw)
        y2 = getattr(L, fn)(x, kernel_initializer=kinit, bias_initializer=binit, **kw)
        fetch, info = _layer_grads(lib, x, y1 + y2)
        info["outs"] = [y1.name, y2.name]
        return fetch, info
    x = rand(2, 5, 6, 4, 3)
    (a, ia), (b, ib) = run_layers(build, x)
    assert ia == ib
    close(a, b, 5e-4)


def test_conv3d_transpose_layer_dynamic_shape(ref_vars):
    def build(lib, L, x):
        y = L.conv3d_transpose(x, 2, 3, strides=2, padding="same",
                               kernel_initializer=lib.ones_initializer())
        return [y], {"shape": y.shape.as_list(), "names": [v.name for v in
                                                           lib.global_variables()]}
    (a, ia), (b, ib) = run_layers(build, rand(1, 3, 2, 4, 3), [None, None, None, None, 3])
    assert ia == ib
    close(a, b)


@pytest.mark.parametrize("fn", ["max_pooling3d", "average_pooling3d"])
@pytest.mark.parametrize("pool,strides,padding", [(2, 2, "valid"), ((3, 2, 2), 1, "same")])
def test_pooling3d_layers(ref_vars, fn, pool, strides, padding):
    def build(lib, L, x):
        y = getattr(L, fn)(x, pool, strides, padding=padding)
        return [y, lib.gradients(lib.reduce_sum(y * y), x)[0]], \
            {"shape": y.shape.as_list(), "out": y.name}
    (a, ia), (b, ib) = run_layers(build, rand(2, 5, 6, 4, 3))
    assert ia == ib
    close(a, b)


def test_layer_classes_and_channels_first(ref_vars):
    """The class forms and channels_first (vs TF's channels_last, transposed)."""
    x = rand(2, 4, 5, 6, 3)
    k = rand(2, 2, 2, 3, 4)

    def build(lib, L, ph, first):
        kinit = lib.constant_initializer(k)
        kw = dict(data_format="channels_first") if first else {}
        inp = lib.transpose(ph, [0, 4, 1, 2, 3]) if first else ph
        y = L.Conv3D(4, 2, padding="same", kernel_initializer=kinit, **kw)(inp)
        y = L.MaxPooling3D(2, 2, **kw)(y)
        y = L.AveragePooling3D(2, 1, padding="same", **kw)(y)
        if first:
            y = lib.transpose(y, [0, 2, 3, 4, 1])
        return [y], {"names": [v.name for v in lib.global_variables()]}
    (a, ia), _ = run_layers(lambda lib, L, p: build(lib, L, p, lib is fg), x)
    _, (b, ib) = run_layers(lambda lib, L, p: build(lib, L, p, False), x)
    assert ia == ib
    close(a, b)


def test_backprop_filter_builders():
    x, dy = rand(1, 4, 5, 4, 2), rand(1, 4, 5, 4, 3)

    def build(lib, a, g):
        return [lib.nn.conv3d_backprop_filter_v2(a, [2, 2, 3, 2, 3], g, [1] * 5, "SAME"),
                lib.nn.conv3d_backprop_filter(a, [1, 2, 2, 2, 3], g, [1] * 5, "SAME")]
    close(run(fg, build, [x, dy]), run(tf1, build, [x, dy]))


def test_conv3d_second_order_gradients():
    """Gradients of the backprop ops (d/dx of a filter gradient and d/dw of an input
    gradient) against TF's."""
    x, w = rand(1, 4, 3, 5, 2), rand(2, 2, 3, 2, 3)

    def build(lib, a, b):
        y = lib.nn.conv3d(a, b, [1, 2, 1, 2, 1], "SAME")
        ga, gb = lib.gradients(lib.reduce_sum(y * y), [a, b])
        return lib.gradients(lib.reduce_sum(gb * gb), [a, b]) + \
            lib.gradients(lib.reduce_sum(ga * ga), [a, b])
    close(run(fg, build, [x, w]), run(tf1, build, [x, w]), 1e-3)
