"""keras.backend against tf_keras 2.21's backend in TF1 graph mode: the math, nn, conv and
control-flow functions on the same inputs (values and static shapes), the learning phase
placeholder, uids, variables, placeholders and `function`."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()
from tf_keras.api._v1 import keras as k1
from tf_keras.src import backend as _tk_src

import flowgraph as fg
from flowgraph.keras import backend as FK


class _TFKerasBackend:
    """tf_keras's v1 backend namespace, falling back to its full module for functions
    (conv3d_transpose) that namespace leaves out."""

    def __getattr__(self, name):
        return getattr(k1.backend, name, None) or getattr(_tk_src, name)


TK = _TFKerasBackend()
RNG = np.random.RandomState(3)
A = RNG.randn(2, 3, 4).astype("float32")
M = RNG.randn(3, 4).astype("float32")
N = RNG.randn(4, 5).astype("float32")
POS = RNG.rand(3, 4).astype("float32") + 0.1
PROB = POS / POS.sum(-1, keepdims=True)
ONE = np.eye(4, dtype="float32")[[0, 2, 3]]
IDX = np.array([0, 3, 1], np.int32)
IMG = RNG.randn(2, 6, 6, 3).astype("float32")
SEQ = RNG.randn(2, 7, 3).astype("float32")
VOL = RNG.randn(1, 4, 4, 4, 2).astype("float32")
A3 = RNG.randn(3, 4, 2).astype("float32")

EXPRS = {
    "sum": lambda K: K.sum(K.constant(A), axis=1, keepdims=True),
    "mean": lambda K: K.mean(K.constant(A), axis=[0, 2]),
    "mean_bool": lambda K: K.mean(K.greater(K.constant(A), 0.0), axis=-1),
    "max": lambda K: K.max(K.constant(A), axis=-1),
    "min": lambda K: K.min(K.constant(A)),
    "prod": lambda K: K.prod(K.constant(M), axis=0),
    "std": lambda K: K.std(K.constant(A), axis=1),
    "var": lambda K: K.var(K.constant(A), axis=-1, keepdims=True),
    "any": lambda K: K.any(K.greater(K.constant(M), 1.0), axis=1),
    "all": lambda K: K.all(K.greater(K.constant(M), -3.0)),
    "argmax": lambda K: K.argmax(K.constant(A)),
    "argmin": lambda K: K.argmin(K.constant(A), axis=1),
    "square_abs_sqrt": lambda K: K.sqrt(K.abs(K.square(K.constant(M)) - 1.0)),
    "sqrt_negative": lambda K: K.sqrt(K.constant(M)),
    "exp_log": lambda K: K.log(K.exp(K.constant(M)) + 1.0),
    "round_sign": lambda K: K.round(K.constant(M) * 3) + K.sign(K.constant(M)),
    "pow": lambda K: K.pow(K.constant(POS), 1.5),
    "clip": lambda K: K.clip(K.constant(M), -0.5, 0.5),
    "clip_none": lambda K: K.clip(K.constant(M), None, 0.2),
    "clip_swapped": lambda K: K.clip(K.constant(M), 0.5, -0.5),
    "compare": lambda K: K.cast(K.equal(K.round(K.constant(M)), 0.0), "float32") +
    K.cast(K.not_equal(K.constant(M), 0.0), "float32") +
    K.cast(K.greater_equal(K.constant(M), 0.0), "float32") +
    K.cast(K.less(K.constant(M), 0.1), "float32") +
    K.cast(K.less_equal(K.constant(M), 0.1), "float32"),
    "maximum_minimum": lambda K: K.maximum(K.constant(M), 0.0) + K.minimum(K.constant(M), 0.),
    "sin_cos": lambda K: K.sin(K.constant(M)) * K.cos(K.constant(M)),
    "dot": lambda K: K.dot(K.constant(M), K.constant(N)),
    "dot_3d": lambda K: K.dot(K.constant(A), K.constant(N)),
    "dot_3d_3d": lambda K: K.dot(K.constant(A), K.constant(A3)),
    "batch_dot_default": lambda K: K.batch_dot(K.constant(A), K.constant(
        np.ones((2, 4, 5), "f"))),
    "batch_dot_axes": lambda K: K.batch_dot(K.constant(A), K.constant(A), axes=[2, 2]),
    "batch_dot_2d": lambda K: K.batch_dot(K.constant(M), K.constant(M), axes=1),
    "batch_dot_1": lambda K: K.batch_dot(K.constant(A), K.constant(A), axes=1),
    "transpose": lambda K: K.transpose(K.constant(M)),
    "gather": lambda K: K.gather(K.constant(M), K.constant([0, 2], dtype="int32")),
    "concatenate": lambda K: K.concatenate([K.constant(M), K.constant(M)], axis=-1),
    "reshape": lambda K: K.reshape(K.constant(A), (4, -1)),
    "permute": lambda K: K.permute_dimensions(K.constant(A), (2, 0, 1)),
    "repeat_elements": lambda K: K.repeat_elements(K.constant(A), 3, axis=1),
    "repeat": lambda K: K.repeat(K.constant(M), 3),
    "arange": lambda K: K.arange(2, 9, 2),
    "arange_float": lambda K: K.arange(5, dtype="float32"),
    "tile": lambda K: K.tile(K.constant(M), (2, 1)),
    "flatten": lambda K: K.flatten(K.constant(A)),
    "batch_flatten": lambda K: K.batch_flatten(K.constant(A)),
    "expand_squeeze": lambda K: K.squeeze(K.expand_dims(K.constant(M), 1), 1),
    "temporal_padding": lambda K: K.temporal_padding(K.constant(A), (1, 2)),
    "spatial_2d_padding": lambda K: K.spatial_2d_padding(K.constant(IMG)),
    "stack": lambda K: K.stack([K.constant(M), K.constant(M)], axis=1),
    "one_hot": lambda K: K.one_hot(K.constant(IDX, dtype="int32"), 5),
    "reverse": lambda K: K.reverse(K.constant(A), [0, 2]),
    "cumsum_cumprod": lambda K: K.cumsum(K.constant(M), 1) + K.cumprod(K.constant(M)),
    "zeros_like": lambda K: K.zeros_like(K.constant(M)) + K.ones_like(K.constant(M)),
    "relu": lambda K: K.relu(K.constant(M)),
    "relu_alpha": lambda K: K.relu(K.constant(M), alpha=0.1),
    "relu_max": lambda K: K.relu(K.constant(M), max_value=0.5),
    "relu6": lambda K: K.relu(K.constant(M) * 10, max_value=6),
    "relu_threshold": lambda K: K.relu(K.constant(M), alpha=0.2, max_value=1.0,
                                       threshold=0.3),
    "elu": lambda K: K.elu(K.constant(M)) + K.elu(K.constant(M), alpha=0.5),
    "softmax": lambda K: K.softmax(K.constant(A), axis=1),
    "softplus_softsign": lambda K: K.softplus(K.constant(M)) + K.softsign(K.constant(M)),
    "sigmoids": lambda K: K.sigmoid(K.constant(M)) + K.hard_sigmoid(K.constant(M) * 4) +
    K.tanh(K.constant(M)),
    "l2_normalize": lambda K: K.l2_normalize(K.constant(M), axis=-1),
    "in_top_k": lambda K: K.in_top_k(K.constant(PROB), K.constant(IDX, dtype="int32"), 2),
    "categorical_crossentropy": lambda K: K.categorical_crossentropy(K.constant(ONE),
                                                                     K.constant(PROB)),
    "categorical_crossentropy_logits": lambda K: K.categorical_crossentropy(
        K.constant(ONE), K.constant(M), from_logits=True),
    "categorical_crossentropy_softmax": lambda K: K.categorical_crossentropy(
        K.constant(ONE), K.softmax(K.constant(M) * 40)),
    "sparse_categorical_crossentropy": lambda K: K.sparse_categorical_crossentropy(
        K.constant(IDX, dtype="int32"), K.constant(PROB)),
    "sparse_categorical_crossentropy_axis": lambda K: K.sparse_categorical_crossentropy(
        K.constant(np.zeros((2, 4), np.int32), dtype="int32"), K.softmax(K.constant(A), 1),
        axis=1),
    "binary_crossentropy": lambda K: K.binary_crossentropy(K.constant(ONE),
                                                           K.constant(PROB)),
    "binary_crossentropy_logits": lambda K: K.binary_crossentropy(
        K.constant(ONE), K.constant(M), from_logits=True),
    "binary_crossentropy_sigmoid": lambda K: K.binary_crossentropy(
        K.constant(ONE), K.sigmoid(K.constant(M) * 30)),
    "categorical_focal_crossentropy": lambda K: K.categorical_focal_crossentropy(
        K.constant(ONE), K.constant(PROB), gamma=3.0),
    "binary_focal_crossentropy": lambda K: K.binary_focal_crossentropy(
        K.constant(ONE), K.constant(M), apply_class_balancing=True, from_logits=True),
    "switch_scalar": lambda K: K.switch(K.constant(True, dtype="bool"), K.constant(M),
                                        K.constant(-M)),
    "switch_elementwise": lambda K: K.switch(K.greater(K.constant(M), 0.), K.constant(M),
                                             K.zeros_like(K.constant(M))),
    "switch_broadcast": lambda K: K.switch(K.greater(K.constant(A[:, :, 0]), 0.),
                                           K.constant(A), K.constant(-A)),
    "in_train_phase_1": lambda K: K.in_train_phase(K.constant(M), K.constant(-M), training=1),
    "in_test_phase": lambda K: K.in_test_phase(K.constant(M), K.constant(-M)),
    "stop_gradient": lambda K: K.stop_gradient(K.constant(M)),
    "conv1d": lambda K: K.conv1d(K.constant(SEQ), K.constant(np.ones((3, 3, 2), "f")),
                                 padding="same"),
    "conv1d_causal": lambda K: K.conv1d(K.constant(SEQ), K.constant(np.ones((3, 3, 2), "f")),
                                        padding="causal", dilation_rate=2),
    "conv2d": lambda K: K.conv2d(K.constant(IMG), K.constant(np.ones((3, 3, 3, 2), "f")),
                                 strides=(2, 2)),
    "conv2d_cf": lambda K: K.conv2d(K.constant(IMG.transpose(0, 3, 1, 2)),
                                    K.constant(np.ones((3, 3, 3, 2), "f")),
                                    padding="same", data_format="channels_first"),
    "conv2d_dilated": lambda K: K.conv2d(K.constant(IMG), K.constant(
        np.ones((2, 2, 3, 2), "f")), dilation_rate=(2, 2)),
    "conv2d_transpose": lambda K: K.conv2d_transpose(
        K.constant(IMG), K.constant(np.ones((3, 3, 4, 3), "f")), (2, 12, 12, 4),
        strides=(2, 2), padding="same"),
    "separable_conv2d": lambda K: K.separable_conv2d(
        K.constant(IMG), K.constant(np.ones((3, 3, 3, 2), "f")),
        K.constant(np.ones((1, 1, 6, 4), "f"))),
    "depthwise_conv2d": lambda K: K.depthwise_conv2d(
        K.constant(IMG), K.constant(np.ones((3, 3, 3, 2), "f")), padding="same"),
    "pool2d_max": lambda K: K.pool2d(K.constant(IMG), (2, 2), (2, 2)),
    "pool2d_avg": lambda K: K.pool2d(K.constant(IMG), (3, 3), (1, 1), padding="same",
                                     pool_mode="avg"),
    "pool2d_cf": lambda K: K.pool2d(K.constant(IMG), (2, 2), (2, 2),
                                    data_format="channels_first"),
    "pool3d": lambda K: K.pool3d(K.constant(VOL), (2, 2, 2), (2, 2, 2), pool_mode="avg"),
    "bias_add": lambda K: K.bias_add(K.constant(IMG), K.constant(np.arange(3, dtype="f"))),
    "bias_add_cf": lambda K: K.bias_add(K.constant(IMG), K.constant(np.arange(6, dtype="f")),
                                        data_format="channels_first"),
    "bias_add_nd": lambda K: K.bias_add(K.constant(A), K.constant(np.ones((3, 4), "f"))),
    "batch_normalization": lambda K: K.batch_normalization(
        K.constant(M), K.constant(np.zeros(4, "f")), K.constant(np.ones(4, "f") * 2),
        K.constant(np.ones(4, "f")), K.constant(np.ones(4, "f") * 3), epsilon=1e-3),
    "conv3d": lambda K: K.conv3d(K.constant(VOL), K.constant(np.ones((2, 2, 2, 2, 3), "f")),
                                 padding="same"),
    "conv3d_transpose": lambda K: K.conv3d_transpose(
        K.constant(VOL), K.constant(np.ones((2, 2, 2, 3, 2), "f")), (1, 8, 8, 8, 3),
        strides=(2, 2, 2), padding="same"),
    "resize_images": lambda K: K.resize_images(K.constant(IMG), 2, 3, "channels_last"),
    "resize_images_cf": lambda K: K.resize_images(K.constant(IMG), 2, 1, "channels_first"),
    "resize_volumes": lambda K: K.resize_volumes(K.constant(VOL), 2, 1, 2, "channels_last"),
    "map_fn": lambda K: K.map_fn(lambda r: r * 2.0, K.constant(M)),
    "foldl": lambda K: K.foldl(lambda a, r: a + r, K.constant(M)),
    "foldr": lambda K: K.foldr(lambda a, r: a * 0.5 + r, K.constant(M)),
    "eye": lambda K: K.eye(3) * 1.0,
    "zeros_ones": lambda K: K.zeros((2, 3)) + K.ones((2, 3)) * 2.0,
}


def evaluate(lib, K, build):
    g = lib.Graph()
    with g.as_default():
        out = build(K)
        sess = lib.Session(graph=g)
        K.set_session(sess)
        value = K.get_session().run(out) if not hasattr(out, "initializer") else \
            K.eval(out)
        shape = None if isinstance(out, list) else K.int_shape(out)
        sess.close()
        return value, shape


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_backend_function(name):
    (a, sa), (b, sb) = evaluate(fg, FK, EXPRS[name]), evaluate(tf1, TK, EXPRS[name])
    assert np.asarray(a).dtype == np.asarray(b).dtype
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert sa == sb


def test_normalize_batch_in_training():
    def build(K):
        x = K.constant(A)
        return K.normalize_batch_in_training(x, K.constant(np.ones(4, "f") * 2),
                                             K.constant(np.ones(4, "f")), [0, 1])
    a, _ = evaluate(fg, FK, lambda K: list(build(K)))
    b, _ = evaluate(tf1, TK, lambda K: list(build(K)))
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


def test_rnn_matches_keras():
    mask = np.array([[1, 1, 0, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1, 1]], bool)

    def build(K, **kw):
        x = K.constant(SEQ)
        w = K.constant(np.full((3, 2), 0.3, "f"))
        u = K.constant(np.full((2, 2), -0.2, "f"))

        def step(inp, states):
            h = K.tanh(K.dot(inp, w) + K.dot(states[0], u))
            return h, [h]
        last, outs, states = K.rnn(step, x, [K.zeros_like(x[:, 0, :2])], **kw)
        return [last, outs, states[0]]
    for kw in ({}, {"unroll": True}, {"go_backwards": True},
               {"mask": mask}, {"mask": mask, "unroll": True},
               {"mask": mask, "zero_output_for_mask": True},
               {"mask": mask, "go_backwards": True}):
        def with_mask(K, kw=kw):
            kw = dict(kw)
            if "mask" in kw:
                kw["mask"] = K.constant(kw["mask"], dtype="bool")
            return build(K, **kw)
        a, _ = evaluate(fg, FK, with_mask)
        b, _ = evaluate(tf1, TK, with_mask)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=str(kw))


def test_learning_phase_and_uids():
    for lib, K in ((fg, FK), (tf1, TK)):
        K.clear_session()
        lp = K.learning_phase()
        assert lp.name == "keras_learning_phase:0"
        assert lp.op.type == "PlaceholderWithDefault" and lp.dtype == lib.bool
        assert K.learning_phase() is lp
        assert [K.get_uid("dense"), K.get_uid("dense"), K.get_uid("conv")] == [1, 2, 1]
        K.reset_uids()
        assert K.get_uid("dense") == 1
        K.set_learning_phase(1)
        assert K.learning_phase() == 1
        with pytest.raises(ValueError, match="Expected learning phase to be 0 or 1."):
            K.set_learning_phase(2)
        K.clear_session()
        assert K.learning_phase().name == "keras_learning_phase:0"
        assert K.get_uid("dense") == 1
        K.clear_session()


def test_placeholder_variable_and_function():
    results = []
    for lib, K in ((fg, FK), (tf1, TK)):
        K.clear_session()
        x = K.placeholder(shape=(None, 3), name="inp")
        y = K.placeholder(ndim=2)
        v = K.variable(np.arange(6, dtype="float64").reshape(3, 2), name="kernel")
        c = K.constant([1, 2], dtype="int32", name="c")
        f = K.function([x], [K.dot(x, v), K.sum(x)], updates=[K.update_add(v, K.ones_like(v))])
        out1 = f([np.ones((2, 3))])
        out2 = f([np.ones((1, 3))])
        K.set_value(v, np.zeros((3, 2)))
        K.batch_set_value([(v, np.full((3, 2), 2.0))])
        results.append(dict(
            names=(x.name, y.name, v.name, c.name), shapes=(K.int_shape(x), K.int_shape(y),
                                                           K.int_shape(v), K.ndim(y)),
            dtypes=(K.dtype(x), K.dtype(v), K.dtype(c)), placeholder=(
                x.op.type, c.op.type), out=(out1, out2),
            value=K.get_value(v), batch=K.batch_get_value([v, c]), count=K.count_params(v),
            eval=K.eval(K.constant([[1.0]]))))
        K.clear_session()
    a, b = results
    assert a["names"] == b["names"] and a["shapes"] == b["shapes"]
    assert a["dtypes"] == b["dtypes"] and a["placeholder"] == b["placeholder"]
    for p, q in zip(a["out"], b["out"]):
        for s, t in zip(p, q):
            np.testing.assert_allclose(s, t)
    np.testing.assert_allclose(a["value"], b["value"])
    for s, t in zip(a["batch"], b["batch"]):
        np.testing.assert_array_equal(s, t)
    assert a["count"] == b["count"] and a["eval"] == b["eval"]


def test_moving_average_update():
    results = []
    for lib, K in ((fg, FK), (tf1, TK)):
        g = lib.Graph()
        with g.as_default():
            sess = lib.Session(graph=g)
            K.set_session(sess)
            v = K.variable(np.ones(3, "f"), name="mean")
            op = K.moving_average_update(v, K.constant([3.0, 5.0, 7.0]), 0.9)
            sess.run(lib.global_variables_initializer())
            for _ in range(3):
                sess.run(op)
            results.append((K.get_value(v), sorted(x.name for x in lib.global_variables())))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    assert results[0][1] == results[1][1]


def test_function_errors():
    for K in (FK, TK):
        x = K.placeholder(shape=(2,))
        with pytest.raises(ValueError, match='Invalid argument "bogus" passed to K.function'):
            K.function([x], [x], bogus=1)
        with pytest.raises(TypeError, match="should be a list or tuple"):
            K.function([x], [x], updates={1})


def test_ctc():
    probs = RNG.rand(2, 6, 4).astype("float32")
    probs /= probs.sum(-1, keepdims=True)
    labels = np.array([[1, 2, 0], [2, 2, 1]], np.int32)

    def build(K):
        y = K.constant(probs)
        lengths = K.constant([[6], [5]], dtype="int32")
        cost = K.ctc_batch_cost(K.constant(labels, dtype="int32"), y, lengths,
                                K.constant([[2], [3]], dtype="int32"))
        greedy, g_logp = K.ctc_decode(y, K.constant([6, 5], dtype="int32"))
        beam, b_logp = K.ctc_decode(y, K.constant([6, 5], dtype="int32"), greedy=False,
                                    beam_width=5, top_paths=2)
        return [cost, greedy[0], g_logp, beam[0], beam[1], b_logp]
    a, _ = evaluate(fg, FK, build)
    b, _ = evaluate(tf1, TK, build)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
