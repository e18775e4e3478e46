"""tf.layers against real TensorFlow's (tf_keras legacy layers, what `tf.compat.v1.layers`
is): the same model built in both with the same initial values; variable names,
collections, op names, outputs, gradients and moving statistics compared."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
from tf_keras.api._v1.keras.__internal__.legacy import layers as tf_layers  # noqa: E402

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(7)


@pytest.fixture(autouse=True)
def _tf_ref_variables():
    """TF's layers make ref variables and v1 control flow (as TF1 does) while this module
    runs; the modes are put back as they were (not simply switched on)."""
    cf2, rv = tf1.control_flow_v2_enabled(), tf1.resource_variables_enabled()
    tf1.disable_resource_variables()
    tf1.disable_control_flow_v2()
    yield
    if cf2:
        tf1.enable_control_flow_v2()
    if rv:
        tf1.enable_resource_variables()


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def layers_of(lib):
    return fg.layers if lib is fg else tf_layers


def run_both(build, feeds, steps=1, shapes=None):
    """Builds `build(lib, L, *placeholders)` in both frameworks: it returns a dict whose
    entries are fetched, except those under keys starting with "_" (Python values, kept
    as they are). Runs the initializers, then the fetches `steps` times; returns
    (fg results, tf results, fg graph, tf graph), results a list per step."""
    out = []
    for lib in (fg, tf1):
        g = lib.Graph()
        with g.as_default():
            phs = [lib.placeholder(lib.as_dtype(np.asarray(v).dtype),
                                   np.shape(v) if shapes is None else shapes[i])
                   for i, v in enumerate(feeds)]
            built = build(lib, layers_of(lib), *phs)
            fetches = {k: v for k, v in built.items() if not k.startswith("_")}
            info = {k: v for k, v in built.items() if k.startswith("_")}
            with lib.Session(graph=g) as sess:
                sess.run(lib.global_variables_initializer())
                sess.run(lib.local_variables_initializer())
                res = [dict(sess.run(fetches, dict(zip(phs, feeds))), **info)
                       for _ in range(steps)]
        out.append((res, g))
    (a, ga), (b, gb) = out
    return a, b, ga, gb


def close(a, b, rtol=1e-5, atol=1e-5):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for k in a:
            close(a[k], b[k], rtol, atol)
        return
    if isinstance(a, str) or (isinstance(a, (list, tuple)) and a and
                              all(isinstance(x, (str, type(None))) for x in a)):
        assert a == b
        return
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, rtol, atol)
        return
    if a is None or b is None:
        assert a is None and b is None
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def names(g, key):
    return [getattr(v, "name", v) for v in g.get_collection(key)]


def const_init(lib, value):
    return lib.constant_initializer(value)


# -- names, scopes, reuse ------------------------------------------------------------------
def test_variable_and_op_names_match_tf():
    def build(lib, L, x):
        outs = [L.dense(x, 4), L.dense(x, 4), L.dense(x, 3, name="named")]
        outs.append(L.dense(x, 3, name="named", reuse=True))
        with lib.variable_scope("block"):
            outs.append(L.dense(x, 2, activation=lib.nn.relu))
            outs.append(L.dense(x, 2, use_bias=False))
        with lib.variable_scope("block", reuse=True):
            outs.append(L.dense(x, 2, name="dense"))
        with lib.variable_scope("shared", reuse=lib.AUTO_REUSE):
            outs.append(L.dense(x, 2, name="fc"))
        with lib.variable_scope("shared", reuse=lib.AUTO_REUSE):
            outs.append(L.dense(x, 2, name="fc"))
        with lib.name_scope("ns"):
            outs.append(L.dense(x, 2))
            outs.append(L.conv1d(lib.reshape(x, [-1, 6, 1]), 2, 3, name="c1"))
        with lib.variable_scope("vs"):
            with lib.name_scope("inner"):
                outs.append(L.dense(x, 2))
        layer = L.Dense(5, name="cls")
        outs += [layer(x), layer.apply(x)]
        anon = L.Dense(5)
        outs += [anon(x), anon(x)]
        img = lib.reshape(x, [-1, 2, 3, 1])
        outs.append(L.conv2d(img, 2, 2, padding="same"))
        outs.append(L.max_pooling2d(img, 2, 1))
        outs.append(L.average_pooling2d(img, 2, 1))
        outs.append(L.flatten(img))
        outs.append(L.dropout(x, 0.5))
        outs.append(L.batch_normalization(x))
        outs.append(L.batch_normalization(img, training=True))
        return {"_names": [t.name for t in outs],
                "_layer": [v.name for v in layer.variables] + [layer.scope_name],
                "_anon": [v.name for v in anon.trainable_variables] + [anon.scope_name]}

    a, b, ga, gb = run_both(build, [rand(2, 6)])
    # tf.nn.batch_normalization names its ops add/mul/sub (Python operators); flowgraph's
    # nn_impl says Add/Mul/Sub: compare op names without case.
    assert [n.lower() for n in a[0]["_names"]] == [n.lower() for n in b[0]["_names"]]
    assert a[0]["_layer"] == b[0]["_layer"] and a[0]["_anon"] == b[0]["_anon"]
    for key in ("variables", "trainable_variables", "update_ops"):
        assert names(ga, key) == names(gb, key), key


def test_names_are_the_same_tensors():
    def build(lib, L, x):
        return [L.dense(x, 4), L.dense(x, 4, name="named")]
    ga = fg.Graph()
    with ga.as_default():
        x = fg.placeholder(fg.float32, [None, 6])
        a = [fg.layers.dense(x, 4).name, fg.layers.dense(x, 4, name="named").name]
    gb = tf1.Graph()
    with gb.as_default():
        x = tf1.placeholder(tf1.float32, [None, 6])
        b = [tf_layers.dense(x, 4).name, tf_layers.dense(x, 4, name="named").name]
    assert a == b


# -- values and gradients ----------------------------------------------------------------
def _with_grads(lib, x, y, extra_vars=()):
    """Fetches: the output, d(sum(y * w))/d(x and the trainable variables)."""
    w = np.random.RandomState(3).uniform(0.5, 1.5, y.shape.as_list()[1:]).astype(np.float32)
    loss = lib.reduce_sum(y * w + y * y)
    tv = lib.trainable_variables()
    grads = lib.gradients(loss, [x] + tv)
    return {"y": y, "dx": grads[0],
            "dvars": dict(zip([v.op.name for v in tv], grads[1:])),
            "vars": {v.op.name: v for v in lib.global_variables()},
            "_names": sorted(v.op.name for v in lib.global_variables())}


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)])
def test_dense_values_gradients_and_regularizers(shape):
    k = rand(5, 3)
    bias = rand(3)

    def build(lib, L, x):
        y = L.dense(x, 3, activation=lib.nn.relu, kernel_initializer=const_init(lib, k),
                    bias_initializer=const_init(lib, bias),
                    kernel_regularizer=lambda w: lib.reduce_sum(w * w) * 0.1,
                    bias_regularizer=lambda b: lib.reduce_sum(lib.abs(b)),
                    activity_regularizer=lambda o: lib.reduce_sum(o) * 0.01)
        d = _with_grads(lib, x, y)
        regs = lib.get_collection(lib.GraphKeys.REGULARIZATION_LOSSES)
        d["regs"] = regs
        d["_reg_names"] = [r.name for r in regs]
        d["_shape"] = y.shape.as_list()
        return d

    a, b, _, _ = run_both(build, [rand(*shape)])
    close(a, b)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv2d(padding, strides, dilation):
    k, bias4 = rand(3, 2, 3, 4), rand(4)

    def build(lib, L, x):
        y = L.conv2d(x, 4, (3, 2), strides=strides, padding=padding,
                     dilation_rate=dilation, activation=lib.tanh,
                     kernel_initializer=const_init(lib, k),
                     bias_initializer=const_init(lib, bias4))
        d = _with_grads(lib, x, y)
        d["_shape"] = y.shape.as_list()
        return d
    a, b, _, _ = run_both(build, [rand(2, 9, 8, 3)], shapes=[[None, 9, 8, 3]])
    close(a, b, rtol=1e-4, atol=1e-4)


def test_conv2d_channels_first_matches_tf_channels_last():
    k, bias = rand(3, 3, 2, 5), rand(5)
    x = rand(2, 7, 6, 2)

    def build(lib, L, x_nhwc, first):
        kw = dict(kernel_initializer=const_init(lib, k), bias_initializer=const_init(lib, bias),
                  padding="same", strides=2)
        if first:
            y = L.conv2d(lib.transpose(x_nhwc, [0, 3, 1, 2]), 5, 3,
                         data_format="channels_first", **kw)
            return lib.transpose(y, [0, 2, 3, 1])
        return L.conv2d(x_nhwc, 5, 3, **kw)
    # TF's CPU kernels take only NHWC: compare our NCHW layer with TF's NHWC one.
    a, _, _, _ = run_both(lambda lib, L, x: {"y": build(lib, L, x, lib is fg)}, [x])
    _, b, _, _ = run_both(lambda lib, L, x: {"y": build(lib, L, x, False)}, [x])
    close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv1d(padding, strides, dilation):
    if padding == "causal" and strides > 1:
        pytest.skip("not a combination Keras builds")
    k, bias4 = rand(3, 2, 4), rand(4)

    def build(lib, L, x):
        y = L.conv1d(x, 4, 3, strides=strides, padding=padding, dilation_rate=dilation,
                     kernel_initializer=const_init(lib, k),
                     bias_initializer=const_init(lib, bias4))
        d = _with_grads(lib, x, y)
        d["_shape"] = y.shape.as_list()
        return d
    a, b, _, _ = run_both(build, [rand(2, 11, 2)])
    close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2, (2, 3)])
@pytest.mark.parametrize("dynamic", [False, True])
def test_conv2d_transpose(padding, strides, dynamic):
    k, bias4 = rand(3, 2, 4, 3), rand(4)

    def build(lib, L, x):
        y = L.conv2d_transpose(x, 4, (3, 2), strides=strides, padding=padding,
                               kernel_initializer=const_init(lib, k),
                               bias_initializer=const_init(lib, bias4))
        d = _with_grads(lib, x, y) if not dynamic else {"y": y}
        d["_shape"] = y.shape.as_list()
        return d
    shapes = [[None, None, None, 3]] if dynamic else None
    a, b, _, _ = run_both(build, [rand(2, 5, 4, 3)], shapes=shapes)
    close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", ["max_pooling2d", "average_pooling2d"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool,strides", [(2, 2), (3, 2), ((2, 3), (1, 2))])
def test_pooling2d(fn, padding, pool, strides):
    def build(lib, L, x):
        y = getattr(L, fn)(x, pool, strides, padding=padding)
        return {"y": y, "dx": lib.gradients(lib.reduce_sum(y * y), x)[0],
                "_shape": y.shape.as_list(), "_name": y.name}
    a, b, _, _ = run_both(build, [rand(2, 7, 6, 3)])
    close(a, b)


@pytest.mark.parametrize("fn", ["max_pooling1d", "average_pooling1d"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling1d(fn, padding):
    def build(lib, L, x):
        y = getattr(L, fn)(x, 3, 2, padding=padding)
        return {"y": y, "dx": lib.gradients(lib.reduce_sum(y * y), x)[0],
                "_shape": y.shape.as_list()}
    a, b, _, _ = run_both(build, [rand(2, 9, 3)])
    close(a, b)


@pytest.mark.parametrize("shape", [[None, 3, 4, 2], [2, 3, 4, 2], [None, None, 4, 2],
                                   [None, 5]])
def test_flatten(shape):
    x = rand(*[2 if d is None else d for d in shape])

    def build(lib, L, x):
        y = L.flatten(x)
        return {"y": y, "_shape": y.shape.as_list()}
    a, b, _, _ = run_both(build, [x], shapes=[shape])
    close(a, b)


def test_flatten_channels_first():
    def build(lib, L, x):
        y = L.Flatten(data_format="channels_first")(x)
        return {"y": y, "_shape": y.shape.as_list()}
    a, b, _, _ = run_both(build, [rand(2, 3, 4, 5)])
    close(a, b)


def test_dropout_off_training_is_identity_and_on_scales():
    x = np.abs(rand(50, 40)) + 1.0

    def build(lib, L, x, t):
        return {"off": L.dropout(x, 0.3), "on": L.dropout(x, 0.3, training=True),
                "t": L.dropout(x, 0.3, training=t), "cls": L.Dropout(0.3)(x, training=t)}
    for training in (False, True):
        a, b, _, _ = run_both(build, [x, np.array(training)])
        for res in (a[0], b[0]):
            np.testing.assert_array_equal(res["off"], x)
            kept = res["on"] != 0
            assert 0.6 < kept.mean() < 0.8
            np.testing.assert_allclose(res["on"][kept], (x / 0.7)[kept], rtol=1e-6)
            for k in ("t", "cls"):
                if training:
                    assert 0.6 < (res[k] != 0).mean() < 0.8
                else:
                    np.testing.assert_array_equal(res[k], x)


# -- batch normalization -------------------------------------------------------------------
_BN_CASES = [
    # (input shape, kwargs): 2-D/3-D go through moments, 4-D with axis 1/3 through the fused op
    ((6, 5), {}),
    ((4, 3, 5), {"axis": 1, "center": False}),
    ((4, 3, 5), {"axis": [1, 2], "momentum": 0.9}),
    ((3, 4, 4, 5), {}),
    ((3, 4, 4, 5), {"scale": False, "epsilon": 1e-5, "momentum": 0.5}),
    ((3, 4, 4, 5), {"fused": False, "momentum": 0.8}),
    ((3, 4, 4, 5), {"axis": 2}),
]


@pytest.mark.parametrize("shape,kw", _BN_CASES)
@pytest.mark.parametrize("training", [True, False, "tensor"])
def test_batch_normalization_outputs_updates_and_gradients(shape, kw, training):
    x = rand(*shape) * 2 + 1
    gamma_init = np.abs(rand(*([shape[kw["axis"]]] if isinstance(kw.get("axis"), int)
                               else [shape[-1]] if "axis" not in kw else [1, 3, 5])[:1]))

    def build(lib, L, x, t):
        tr = t if training == "tensor" else training
        bn = L.BatchNormalization(moving_variance_initializer=lib.constant_initializer(1.5),
                                  **kw)
        y = bn(x, training=tr)
        updates = lib.get_collection(lib.GraphKeys.UPDATE_OPS)
        with lib.control_dependencies(updates):
            y_after = lib.identity(y)
        d = _with_grads(lib, x, y)
        d["y"] = y_after
        with lib.control_dependencies([y_after]):  # read the variables after the updates
            d["vars"] = {k: v.read_value() for k, v in d["vars"].items()}
        d["_names"] = sorted(v.op.name for v in lib.global_variables())
        d["_updates"] = len(updates)
        d["_bn_updates"] = len(bn.updates)
        d["_trainable"] = [v.op.name for v in bn.trainable_variables]
        d["_weights"] = [v.op.name for v in bn.weights]
        return d
    for t in (True, False):
        if training != "tensor" and not t:
            continue
        a, b, _, _ = run_both(build, [x, np.array(t)], steps=3)
        for step_a, step_b in zip(a, b):
            close(step_a, step_b, rtol=2e-4, atol=2e-4)
    del gamma_init


def test_batch_normalization_reuse_and_inference_after_training():
    """Train steps update the moving statistics; a reused layer in inference mode then
    normalizes with them (separate runs: a read racing an update is undefined in TF)."""
    x = rand(8, 3, 3, 2)
    results = []
    for lib in (fg, tf1):
        L = layers_of(lib)
        g = lib.Graph()
        with g.as_default():
            xt = lib.constant(x)
            y_train = L.batch_normalization(xt, training=True, name="bn", momentum=0.5)
            y_eval = L.batch_normalization(xt, training=False, name="bn", reuse=True)
            upd = lib.get_collection(lib.GraphKeys.UPDATE_OPS)
            with lib.control_dependencies(upd):
                step = lib.identity(y_train)
            names = ([v.op.name for v in lib.global_variables()], [u.name for u in upd],
                     y_eval.name)
            with lib.Session(graph=g) as sess:
                sess.run(lib.global_variables_initializer())
                trained = [sess.run(step) for _ in range(4)]
                results.append((names, trained, sess.run(y_eval)))
    (na, ta, ea), (nb, tb, eb) = results
    assert na == nb
    close(ta, tb, rtol=1e-4, atol=1e-4)
    close(ea, eb, rtol=1e-4, atol=1e-4)


# -- a whole model trained in both ------------------------------------------------------
def test_cnn_with_batch_norm_trains_like_tf():
    """Conv-BN-pool-dense-dropout(off)-dense trained 5 SGD steps with the update ops as
    control dependencies: the same losses, variables and moving statistics."""
    rng = np.random.RandomState(1)
    x = rng.standard_normal((6, 8, 8, 1)).astype(np.float32)
    labels = rng.randint(0, 3, 6).astype(np.int32)
    k1 = (rng.standard_normal((3, 3, 1, 4)) * 0.3).astype(np.float32)
    k2 = (rng.standard_normal((64, 3)) * 0.3).astype(np.float32)
    k3 = (rng.standard_normal((3, 3)) * 0.3).astype(np.float32)

    def build(lib, L, x, y):
        h = L.conv2d(x, 4, 3, padding="same", kernel_initializer=const_init(lib, k1))
        h = L.batch_normalization(h, training=True, momentum=0.9)
        h = lib.nn.relu(h)
        h = L.max_pooling2d(h, 2, 2)
        h = L.flatten(h)
        h = L.dense(h, 3, activation=lib.nn.relu, kernel_initializer=const_init(lib, k2))
        h = L.dropout(h, 0.5, training=False)
        logits = L.dense(h, 3, kernel_initializer=const_init(lib, k3))
        loss = lib.losses.sparse_softmax_cross_entropy(y, logits)
        with lib.control_dependencies(lib.get_collection(lib.GraphKeys.UPDATE_OPS)):
            train = lib.train.GradientDescentOptimizer(0.1).minimize(loss)
        with lib.control_dependencies([train]):
            loss_out = lib.identity(loss)
        with lib.control_dependencies([loss_out]):
            values = {v.op.name: v.read_value() for v in lib.global_variables()}
        return {"loss": loss_out, "vars": values}
    a, b, _, _ = run_both(build, [x, labels], steps=5)
    close(a, b, rtol=2e-4, atol=2e-5)
