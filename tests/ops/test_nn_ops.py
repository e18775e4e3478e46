"""tf.nn ops other than convolution and pooling: activations and their gradient ops,
softmax, bias_add, l2_loss, cross-entropies, top_k / in_top_k, fused batch norm, LRN,
against numpy references written here; plus the composite builders, user errors and the
numerical-stability checks."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from flowgraph.test.gradient_checker import compute_gradient_error
from tests.optest import Case, run_case

R = np.random.RandomState(3)
A = R.uniform(-2, 2, (3, 4)).astype(np.float32)
A[0, :2] = [0.4, -0.3]
G = R.uniform(-1, 1, (3, 4)).astype(np.float32)
WIDE = R.uniform(-8, 8, (2, 5)).astype(np.float32)   # crosses relu6's 0 and 6
SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


def _away(x, points, eps=0.05):
    """x nudged away from the kinks at `points` (numeric differences straddle them)."""
    x = x.copy()
    for p in points:
        x[np.abs(x - p) < eps] = p + eps
    return x


RELU_X = _away(A, [0])
RELU6_X = _away(WIDE, [0, 6])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def log_softmax(x, axis=-1):
    z = x - x.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def elu(x):
    return np.where(x < 0, np.expm1(np.minimum(x, 0)), x)


def selu(x):
    return SELU_SCALE * np.where(x < 0, SELU_ALPHA * np.expm1(np.minimum(x, 0)), x)


def _op(op_type, **attrs):
    return lambda *xs: apply_op(op_type, list(xs), attrs)


# -- batch norm and LRN references ---------------------------------------------------------------
BN_X = R.uniform(-1, 2, (2, 3, 4, 3)).astype(np.float32)
BN_S, BN_O = R.uniform(0.5, 1.5, 3).astype(np.float32), R.uniform(-1, 1, 3).astype(np.float32)
BN_M, BN_V = R.uniform(-1, 1, 3).astype(np.float32), R.uniform(0.5, 1.5, 3).astype(np.float32)


def ref_bn_train(x, s, o, eps=1e-3):
    m, v = x.mean((0, 1, 2)), x.var((0, 1, 2))
    n = x.size // x.shape[-1]
    return [(x - m) / np.sqrt(v + eps) * s + o, m, v * n / (n - 1)]


def ref_bn_grad(dy, x, s, m, v, eps, training):
    xhat = (x - m) / np.sqrt(v + eps)
    db, dg = dy.sum((0, 1, 2)), (dy * xhat).sum((0, 1, 2))
    if training:
        n = x.size // x.shape[-1]
        dx = s / np.sqrt(v + eps) * (dy - db / n - xhat * dg / n)
    else:
        dx = dy * s / np.sqrt(v + eps)
    return [dx, dg, db]


def ref_lrn(x, r, bias, alpha, beta):
    out = np.empty_like(x)
    c = x.shape[-1]
    for d in range(c):
        lo, hi = max(0, d - r), min(c, d + r + 1)
        out[..., d] = x[..., d] / (bias + alpha * (x[..., lo:hi] ** 2).sum(-1)) ** beta
    return out


LRN_X = R.uniform(-1, 1, (2, 2, 3, 7)).astype(np.float32)
LRN_ATTRS = dict(depth_radius=2, bias=1.5, alpha=0.4, beta=0.75)


def ref_lrn_grad(dy, x, r, bias, alpha, beta):
    """Central differences of the reference LRN (float64), summed against dy."""
    x = x.astype(np.float64)
    out = np.zeros_like(x)
    flat, fo = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        d = np.zeros_like(flat)
        d[i] = 1e-6
        up = ref_lrn((flat + d).reshape(x.shape), r, bias, alpha, beta)
        dn = ref_lrn((flat - d).reshape(x.shape), r, bias, alpha, beta)
        fo[i] = np.sum(dy * (up - dn)) / 2e-6
    return out.astype(np.float32)


# -- cross-entropy references ---------------------------------------------------------------------
LOGITS = R.uniform(-3, 3, (4, 5)).astype(np.float32)
LABELS = softmax(R.uniform(-1, 1, (4, 5))).astype(np.float32)
SPARSE = np.array([0, 4, 2, 2], np.int32)


def ref_xent(x, lb):
    return [-(lb * log_softmax(x)).sum(-1), softmax(x) - lb]


def ref_sparse_xent(x, lb):
    onehot = np.eye(x.shape[1])[lb]
    return [-(onehot * log_softmax(x)).sum(-1), (softmax(x) - onehot).astype(x.dtype)]


def ref_top_k(x, k):
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return [np.take_along_axis(x, idx, -1), idx.astype(np.int32)]


TOPK_X = np.array([[1., 3., 3., 2., 3., 0.5], [0., -1., 5., 5., 2., 7.]], np.float32)
TOPK_3D = R.permutation(24).reshape(2, 3, 4).astype(np.float32) / 3


CASES = [
    # -- activations and their gradient ops --
    Case("Relu", tf.nn.relu, [RELU_X], lambda x: np.maximum(x, 0)),
    Case("Relu", tf.nn.relu, [np.array([-3, 0, 4], np.int32)], lambda x: np.maximum(x, 0),
         name="Relu_int32"),
    Case("ReluGrad", _op("ReluGrad"), [G, RELU_X], lambda g, x: g * (x > 0)),
    Case("Relu6", tf.nn.relu6, [RELU6_X], lambda x: np.clip(x, 0, 6)),
    Case("Relu6Grad", _op("Relu6Grad"), [G[:2, :], RELU6_X[:, :4]],
         lambda g, x: g * ((x > 0) & (x < 6))),
    Case("LeakyRelu", lambda x: tf.nn.leaky_relu(x, 0.3), [RELU_X],
         lambda x: np.where(x > 0, x, 0.3 * x)),
    Case("LeakyReluGrad", _op("LeakyReluGrad", alpha=0.1), [G, RELU_X],
         lambda g, x: np.where(x > 0, g, 0.1 * g)),
    Case("Elu", tf.nn.elu, [A], elu),
    Case("EluGrad", _op("EluGrad"), [G, elu(A)], lambda g, y: np.where(y < 0, g * (y + 1), g)),
    Case("Selu", tf.nn.selu, [A], selu, rtol=1e-5),
    Case("SeluGrad", _op("SeluGrad"), [G, selu(A)],
         lambda g, y: np.where(y < 0, g * (y + SELU_SCALE * SELU_ALPHA), g * SELU_SCALE)),
    Case("Softplus", tf.nn.softplus, [A * 3], lambda x: np.log1p(np.exp(x))),
    Case("SoftplusGrad", _op("SoftplusGrad"), [G, A], lambda g, x: g * sigmoid(x)),
    Case("Softsign", tf.nn.softsign, [A], lambda x: x / (1 + np.abs(x))),
    Case("SoftsignGrad", _op("SoftsignGrad"), [G, RELU_X],
         lambda g, x: g / (1 + np.abs(x)) ** 2),
    # -- softmax, bias, l2 --
    Case("Softmax", tf.nn.softmax, [A], softmax),
    Case("Softmax", lambda x: tf.nn.softmax(x, axis=0), [A], lambda x: softmax(x, 0),
         name="Softmax_axis0"),
    Case("LogSoftmax", tf.nn.log_softmax, [A], log_softmax),
    Case("LogSoftmax", lambda x: tf.nn.log_softmax(x, axis=1),
         [TOPK_3D], lambda x: log_softmax(x, 1), name="LogSoftmax_axis1"),
    Case("BiasAdd", tf.nn.bias_add, [A, G[0]], lambda x, b: x + b),
    Case("BiasAdd", lambda x, b: tf.nn.bias_add(x, b, data_format="NCHW"),
         [TOPK_3D, G[0, :3]], lambda x, b: x + b[:, None], name="BiasAdd_nchw"),
    Case("BiasAddGrad", _op("BiasAddGrad"), [BN_X], lambda g: g.sum((0, 1, 2))),
    Case("BiasAddGrad", _op("BiasAddGrad", data_format="NCHW"), [BN_X],
         lambda g: g.sum((0, 2, 3)), name="BiasAddGrad_nchw"),
    Case("L2Loss", tf.nn.l2_loss, [A], lambda x: np.sum(x * x) / 2),
    # -- cross-entropies --
    # As in TF, the labels gradient ignores the `backprop` output (see the builder case).
    Case("SoftmaxCrossEntropyWithLogits", lambda x, lb: apply_op(
        "SoftmaxCrossEntropyWithLogits", [x, tf.cast(lb, x.dtype)]),
         [LOGITS, LABELS], ref_xent, grad=[0]),
    Case("SoftmaxCrossEntropyWithLogits",
         lambda x, lb: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=x),
         [LOGITS, LABELS], lambda x, lb: ref_xent(x, lb)[0], name="xent_v2_builder"),
    Case("SparseSoftmaxCrossEntropyWithLogits", _op("SparseSoftmaxCrossEntropyWithLogits"),
         [LOGITS, SPARSE], ref_sparse_xent),
    Case("SparseSoftmaxCrossEntropyWithLogits",
         lambda x, lb: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=x),
         [LOGITS.reshape(2, 2, 5), SPARSE.reshape(2, 2).astype(np.int64)],
         lambda x, lb: ref_sparse_xent(x.reshape(4, 5), lb.reshape(4))[0].reshape(2, 2),
         name="sparse_xent_rank3"),
    # -- top_k, in_top_k --
    Case("TopKV2", lambda x: list(tf.nn.top_k(x, 3)), [TOPK_X], lambda x: ref_top_k(x, 3),
         grad=False, name="TopKV2_ties"),
    Case("TopKV2", lambda x: list(tf.nn.top_k(x, 2)), [TOPK_3D], lambda x: ref_top_k(x, 2)),
    Case("TopKV2", lambda x, k: list(tf.nn.top_k(x, k)), [TOPK_3D, np.int32(4)],
         lambda x, k: ref_top_k(x, 4), grad=False, name="TopKV2_fed_k"),
    Case("InTopKV2", lambda p, t: tf.nn.in_top_k(p, t, 2),
         [np.array([[0.1, 0.3, 0.3, 0.2], [0.5, np.nan, 0.1, 0.1], [1, 2, 3, 4],
                    [4, 3, 2, 1]], np.float32), np.array([2, 0, 2, 7], np.int32)],
         lambda p, t: np.array([True, False, True, False]), grad=False),
    # -- batch norm, LRN --
    Case("FusedBatchNormV3", lambda x, s, o: list(tf.nn.fused_batch_norm(
        x, s, o, epsilon=1e-3)), [BN_X, BN_S, BN_O], ref_bn_train, rtol=1e-4, atol=1e-5,
         grad=False),
    Case("FusedBatchNormV3", lambda x, s, o, m, v: list(tf.nn.fused_batch_norm(
        x, s, o, m, v, epsilon=1e-3, is_training=False)), [BN_X, BN_S, BN_O, BN_M, BN_V],
         lambda x, s, o, m, v: [(x - m) / np.sqrt(v + 1e-3) * s + o, m, v],
         rtol=1e-5, grad=False, name="FusedBatchNormV3_inference"),
    Case("FusedBatchNormV3", lambda x, s, o: tf.nn.fused_batch_norm(
        x, s, o, epsilon=1e-3, data_format="NCHW")[0], [np.transpose(BN_X, (0, 3, 1, 2)),
                                                       BN_S, BN_O],
         lambda x, s, o: np.transpose(ref_bn_train(np.transpose(x, (0, 2, 3, 1)), s, o)[0],
                                      (0, 3, 1, 2)), rtol=1e-4, atol=1e-5, grad=False,
         name="FusedBatchNormV3_nchw"),
    Case("FusedBatchNormGradV3", lambda dy, x, s, m, v: apply_op(
        "FusedBatchNormGradV3", [dy, x, s, m, v, np.zeros((), np.float32)],
        {"epsilon": 1e-3, "U": tf.float32})[:3],
         [BN_X * 0.5, BN_X, BN_S, BN_X.mean((0, 1, 2)), BN_X.var((0, 1, 2))],
         lambda dy, x, s, m, v: ref_bn_grad(dy, x, s, m, v, 1e-3, True), grad=False,
         atol=1e-5),
    Case("FusedBatchNormGradV3", lambda dy, x, s, m, v: apply_op(
        "FusedBatchNormGradV3", [dy, x, s, m, v, np.zeros((), np.float32)],
        {"epsilon": 1e-3, "U": tf.float32, "is_training": False})[:3],
         [BN_X * 0.5, BN_X, BN_S, BN_M, BN_V],
         lambda dy, x, s, m, v: ref_bn_grad(dy, x, s, m, v, 1e-3, False), grad=False,
         atol=1e-5, name="FusedBatchNormGradV3_inference"),
    # LRN is float32-only (as in TF): checked in float32 inside the float64 harness.
    Case("LRN", lambda x: tf.cast(tf.nn.lrn(tf.cast(x, tf.float32), **LRN_ATTRS), x.dtype),
         [LRN_X], lambda x: ref_lrn(x, 2, 1.5, 0.4, 0.75), grad_tol=2e-3),
    Case("LRNGrad", lambda dy, x: apply_op("LRNGrad", [dy, x, tf.nn.lrn(x, **LRN_ATTRS)],
                                           LRN_ATTRS),
         [R.uniform(-1, 1, LRN_X.shape).astype(np.float32), LRN_X],
         lambda dy, x: ref_lrn_grad(dy, x, 2, 1.5, 0.4, 0.75), grad=False, atol=1e-4,
         rtol=1e-3),
]


# The batch norm ops take float32 only (as TF), so the float64 harness cannot
# differentiate them: their gradients are checked in float32 below.
EXEMPT = {"ApproxTopK": "test_nn_ops.py::test_approx_top_k_exact (values, indices, gradients)",
          "FusedBatchNormV3": "test_nn_ops.py::test_fused_batch_norm_gradients",
          "FusedBatchNormGradV3": "test_nn_ops.py::test_fused_batch_norm_gradients"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


# -- numerical stability ---------------------------------------------------------------------------
def test_softmax_and_cross_entropies_do_not_overflow_at_1e4():
    big = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, -1e4]], np.float32)
    labels = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], np.float32)
    x = tf.placeholder(tf.float32, [2, 3])
    outs = [tf.nn.softmax(x), tf.nn.log_softmax(x),
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=x),
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 2], logits=x),
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x),
            tf.nn.weighted_cross_entropy_with_logits(labels=labels, logits=x, pos_weight=3.0),
            tf.nn.softplus(x)]
    grads = tf.gradients(tf.add_n([tf.reduce_sum(o) for o in outs[2:]]), x)
    with tf.Session() as sess:
        sm, lsm, xent, sxent, sig, wsig, sp, gx = sess.run(outs + grads, {x: big})
    for v in (sm, lsm, xent, sxent, sig, wsig, sp, gx):
        assert np.all(np.isfinite(v))
    np.testing.assert_allclose(sm, [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-7)
    np.testing.assert_allclose(lsm[0], [0, -1e4, -2e4], rtol=1e-7)
    np.testing.assert_allclose(xent, [1e4, 0.5 * np.log(2) + 0.5 * (2e4 + np.log(2))],
                               rtol=1e-6)
    np.testing.assert_allclose(sxent, [1e4, 2e4 + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(sig[0], [1e4, np.log(2) * 1.0, 0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sp[0], [1e4, np.log(2), 0], rtol=1e-7, atol=1e-7)


def test_sigmoid_and_weighted_cross_entropy_values():
    z = R.uniform(0, 1, (3, 4)).astype(np.float64)
    x = R.uniform(-5, 5, (3, 4)).astype(np.float64)
    xt = tf.placeholder(tf.float64, [3, 4])
    a = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=xt)
    b = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=xt, pos_weight=2.5)
    p = sigmoid(x)
    with tf.Session() as sess:
        va, vb = sess.run([a, b], {xt: x})
        err = compute_gradient_error(xt, [3, 4], tf.add(a, b), [3, 4], x_init_value=x)
    np.testing.assert_allclose(va, -z * np.log(p) - (1 - z) * np.log(1 - p), rtol=1e-10)
    np.testing.assert_allclose(vb, -2.5 * z * np.log(p) - (1 - z) * np.log(1 - p), rtol=1e-10)
    assert err < 1e-6


def test_softmax_cross_entropy_v1_stops_label_gradient():
    lg = tf.constant(LOGITS)
    lb = tf.constant(LABELS)
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=lb, logits=lg)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg)
    assert tf.gradients(v1, lb) == [None]
    g2 = tf.gradients(v2, lb)[0]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g2), -log_softmax(LOGITS), rtol=1e-5)


def test_second_order_gradients_numerically():
    """Gradients of the gradient ops of activations, softmax and cross-entropy."""
    x64 = _away(A, [0]).astype(np.float64)
    lb = LABELS[:3, :4].astype(np.float64)
    lb /= lb.sum(1, keepdims=True)  # the op's backprop assumes distributions, as TF's
    for fn in (tf.nn.relu, tf.nn.elu, tf.nn.selu, tf.nn.softplus, tf.nn.softsign,
               lambda t: tf.nn.leaky_relu(t, 0.1), tf.nn.softmax, tf.nn.log_softmax,
               lambda t: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lb,
                                                                    logits=t),
               lambda t: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0, 3],
                                                                        logits=t),
               lambda t: tf.nn.bias_add(t * t, tf.reduce_sum(t, 0))):
        tf.reset_default_graph()
        xt = tf.placeholder(tf.float64, [3, 4])
        y = fn(xt)
        g = tf.gradients(tf.reduce_sum(y * y), xt)[0]
        err = compute_gradient_error(xt, [3, 4], g, [3, 4], x_init_value=x64)
        assert err < 1e-4, (y.op.type, err)


def _rel_grad_error(x, y, x_val, feed=None, delta=1e-2):
    """compute_gradient_error in float32, relative to the largest Jacobian entry."""
    from flowgraph.test.gradient_checker import compute_gradient
    with tf.Session() as sess:
        y_shape = sess.run(y, {**(feed or {}), x: x_val}).shape
        theo, num = compute_gradient(x, list(x_val.shape), y, list(y_shape), x_val, delta,
                                     extra_feed_dict=feed, session=sess)
    return np.abs(theo - num).max() / max(1.0, np.abs(theo).max())


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("df", ["NHWC", "NCHW"])
def test_fused_batch_norm_gradients(training, df):
    """FusedBatchNormV3's gradient (through FusedBatchNormGradV3), for x, scale and offset,
    and FusedBatchNormGradV3's own gradient (second order), numerically in float32."""
    x = BN_X[:, :2, :3, :] if df == "NHWC" else np.transpose(BN_X[:, :2, :3, :], (0, 3, 1, 2))
    vals = {"x": x, "scale": BN_S, "offset": BN_O}
    for name in ("x", "scale", "offset"):
        tf.reset_default_graph()
        ph = {k: tf.placeholder(tf.float32, v.shape) for k, v in vals.items()}
        kw = {} if training else {"mean": BN_M, "variance": BN_V}
        y = tf.nn.fused_batch_norm(ph["x"], ph["scale"], ph["offset"], epsilon=1e-3,
                                   data_format=df, is_training=training, **kw)[0]
        y = y * np.linspace(0.5, 1.5, x.size).reshape(x.shape).astype(np.float32)
        feed = {ph[k]: v for k, v in vals.items() if k != name}
        assert _rel_grad_error(ph[name], y, vals[name], feed) < 2e-3, name
        if name == "offset":
            continue
        gx = tf.gradients(tf.reduce_sum(y * y * y), ph["x"])[0]   # second order
        assert _rel_grad_error(ph[name], gx, vals[name], feed) < 2e-2, ("2nd", name)


# -- composite builders --------------------------------------------------------------------------
def test_dropout_forms_shapes_and_statistics():
    x = tf.ones([200, 50])
    a = tf.nn.dropout(x, keep_prob=0.8, seed=1)
    b = tf.nn.dropout(x, rate=0.2, seed=1)
    c = tf.nn.dropout(x, rate=0.5, noise_shape=[200, 1], seed=2)
    d = tf.nn.dropout(tf.placeholder(tf.float32, [None, 3]), rate=0.5)
    assert tf.nn.dropout(x, rate=0.0) is x
    assert d.shape.as_list() == [None, 3]
    assert a.op.type == "SelectV2"
    with tf.Session() as sess:
        va, vb, vc = sess.run([a, b, c])
        va2 = sess.run(a)
    assert set(np.unique(va)) <= {0.0, np.float32(1 / 0.8)}
    assert abs((va == 0).mean() - 0.2) < 0.02
    np.testing.assert_array_equal(va, vb)   # same op seed, same graph seed: same mask
    assert not np.array_equal(va, va2)       # a new mask each run
    assert np.all((vc == 0) | (vc == 2)) and np.all(vc == vc[:, :1])
    with pytest.raises(ValueError):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)


def test_dropout_tensor_rate_and_gradient():
    x = tf.placeholder(tf.float64, [4, 6])
    keep = tf.placeholder_with_default(tf.constant(0.5, tf.float64), [])
    y = tf.nn.dropout(x, keep_prob=keep, seed=3)
    g = tf.gradients(tf.reduce_sum(y), x)[0]
    with tf.Session() as sess:
        vy, vg = sess.run([y, g], {x: np.ones((4, 6))})
    np.testing.assert_array_equal(vg, vy)  # d(sum(mask * x / keep))/dx == mask / keep
    assert set(np.unique(vy)) <= {0.0, 2.0}


def test_moments_batch_normalization_l2_normalize():
    x = R.uniform(-1, 1, (4, 3, 5)).astype(np.float64)
    xt = tf.constant(x)
    m, v = tf.nn.moments(xt, [0, 2])
    mk, vk = tf.nn.moments(xt, [1], keep_dims=True)
    bn = tf.nn.batch_normalization(xt, mk, vk, offset=0.5, scale=2.0, variance_epsilon=1e-3)
    l2 = tf.nn.l2_normalize(xt, axis=1)
    assert m.shape.as_list() == [3] and mk.shape.as_list() == [4, 1, 5]
    with tf.Session() as sess:
        vm, vv, vbn, vl2 = sess.run([m, v, bn, l2])
    np.testing.assert_allclose(vm, x.mean((0, 2)))
    np.testing.assert_allclose(vv, x.var((0, 2)))
    mm, vvk = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    np.testing.assert_allclose(vbn, (x - mm) / np.sqrt(vvk + 1e-3) * 2 + 0.5)
    np.testing.assert_allclose(vl2, x / np.sqrt((x * x).sum(1, keepdims=True)))


def test_embedding_lookup_variable_gives_sparse_gradient():
    table = R.uniform(-1, 1, (6, 3)).astype(np.float32)
    p = tf.Variable(table)
    ids = tf.constant([[1, 4], [4, 0]])
    e = tf.nn.embedding_lookup(p, ids)
    g = tf.gradients(tf.reduce_sum(e * 2.0), p)[0]
    parts = [tf.constant(table[0::2]), tf.constant(table[1::2])]   # "mod" split of 2
    e2 = tf.nn.embedding_lookup(parts, ids)
    assert e.shape.as_list() == [2, 2, 3]
    sparse = isinstance(g, tf.IndexedSlices)  # gather_ops densifies it for now
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ve, ve2 = sess.run([e, e2])
        gv = sess.run([g.values, g.indices] if sparse else g)
    np.testing.assert_array_equal(ve, table[[[1, 4], [4, 0]]])
    np.testing.assert_array_equal(ve2, ve)
    dense = np.zeros_like(table)
    if sparse:
        np.add.at(dense, gv[1], gv[0])
    else:
        dense = gv
    np.testing.assert_array_equal(dense[[0, 1, 4]], [[2] * 3, [2] * 3, [4] * 3])


def test_xw_plus_b_and_op_names():
    x, w, b = tf.constant(A), tf.constant(G.T), tf.constant([1.0, 2.0, 3.0])
    y = tf.nn.xw_plus_b(x, w, b, name="dense")
    assert y.op.type == "BiasAdd" and y.op.name == "dense"
    assert tf.nn.relu(x).op.name == "Relu"
    assert tf.nn.conv2d(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 1, 1, 1]), 1, "SAME",
                        name="c1").op.name == "c1"
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y), A @ G.T + [1, 2, 3], rtol=1e-6)


# -- user errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("build,match", [
    (lambda: tf.nn.conv2d(tf.zeros([2, 5, 5, 4]), tf.zeros([3, 3, 3, 2]), 1, "SAME"),
     "not a multiple"),
    (lambda: tf.nn.conv2d(tf.zeros([5, 5, 4]), tf.zeros([3, 3, 4, 2]), 1, "SAME"), "rank 4"),
    (lambda: tf.nn.conv2d(tf.zeros([1, 2, 2, 1]), tf.zeros([3, 3, 1, 1]), 1, "VALID"),
     "Negative dimension"),
    (lambda: tf.nn.max_pool(tf.zeros([1, 1, 1, 1]), 2, 2, "VALID"), "Negative dimension"),
    (lambda: tf.nn.max_pool(tf.zeros([1, 4, 4, 1]), [1, 2, 2], 1, "VALID"), "ksize"),
    (lambda: tf.nn.bias_add(tf.zeros([2, 3]), tf.zeros([4])), "Dimensions must be equal"),
    (lambda: tf.nn.bias_add(tf.zeros([3]), tf.zeros([3])), "rank at least 2|at least rank 2"),
    (lambda: tf.nn.softmax(tf.constant(1.0)), "rank at least 1|at least rank 1"),
    (lambda: tf.nn.top_k(tf.zeros([2, 3]), 5), "k = 5"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([3], tf.int32),
                                                            logits=tf.zeros([2, 4])),
     "labels.shape"),
    (lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([2, 3]),
                                                     logits=tf.zeros([2, 4])), "same shape"),
    (lambda: tf.nn.fused_batch_norm(tf.zeros([2, 4, 4, 3]), tf.ones([4]), tf.zeros([4])),
     "Dimensions must be equal"),
])
def test_build_time_shape_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_dtype_errors():
    with pytest.raises(TypeError, match="DataType int32 not in list"):
        tf.nn.softmax(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="DataType int32 not in list"):
        tf.nn.l2_loss(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        tf.nn.conv2d(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 1, 1, 1], tf.float64), 1, "SAME")
    assert tf.nn.leaky_relu(tf.constant([1, -2])).dtype == tf.float32


def test_run_time_errors_name_the_op():
    x = tf.placeholder(tf.float32, [None, None, None, 3])
    y = tf.nn.conv2d(x, tf.zeros([3, 3, 3, 2]), 1, "VALID", name="myconv")
    logits = tf.placeholder(tf.float32, [None, 3])
    sx = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=logits)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="myconv"):
            sess.run(y, {x: np.zeros((1, 2, 2, 3))})
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 3"):
            sess.run(sx, {logits: np.zeros((2, 3))})


def test_static_shapes_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 28, None, 3])
    y = tf.nn.conv2d(x, tf.zeros([5, 5, 3, 8]), [1, 2, 2, 1], "SAME")
    p = tf.nn.max_pool(y, 2, 2, "VALID")
    t = tf.nn.conv2d_transpose(tf.placeholder(tf.float32, [None, 4, 4, 8]),
                               tf.zeros([3, 3, 2, 8]),
                               tf.stack([tf.shape(x)[0], 8, 8, 2]), 2)
    assert y.shape.as_list() == [None, 14, None, 8]
    assert p.shape.as_list() == [None, 7, None, 8]
    assert t.shape.as_list() == [None, 8, 8, 2]
    v, i = tf.nn.top_k(tf.placeholder(tf.float32, [None, 10]), tf.placeholder(tf.int32, []))
    assert v.shape.as_list() == [None, None] and i.dtype == tf.int32


APPROX_X = np.float32([[1, 5, 3, 2, 4], [9, 8, 7, 6, 5], [0, 0, 1, 1, 2]])


@pytest.mark.parametrize("k,dim,largest", [(2, -1, True), (3, -1, False), (2, 0, True),
                                           (1, 0, False), (5, 1, True)])
def test_approx_top_k_exact(k, dim, largest):
    with tf.Graph().as_default():
        x = tf.constant(APPROX_X)
        v, i = tf.approx_top_k(x, k, reduction_dimension=dim, is_max_k=largest)
        g = tf.gradients(tf.reduce_sum(v * v), x)[0]
        with tf.Session() as s:
            v, i, g = s.run([v, i, g])
    xm = np.moveaxis(APPROX_X, dim, -1)
    order = np.argsort(-xm if largest else xm, axis=-1, kind="stable")[..., :k]
    np.testing.assert_array_equal(np.moveaxis(order, -1, dim), i)
    np.testing.assert_array_equal(np.moveaxis(np.take_along_axis(xm, order, -1), -1, dim), v)
    want = np.zeros_like(xm)
    np.put_along_axis(want, order, 2 * np.take_along_axis(xm, order, -1), -1)
    np.testing.assert_allclose(g, np.moveaxis(want, -1, dim))


def test_approx_top_k_against_tf():
    """TF's CPU kernel covers only the last dimension with is_max_k (a TopK)."""
    tft = pytest.importorskip("tensorflow").compat.v1

    def run(mod):
        with mod.Graph().as_default():
            x = mod.placeholder(mod.float32, [3, 5])
            v, i = mod.approx_top_k(x, 2)
            g = mod.gradients(mod.reduce_sum(v * v), x)[0]
            a = mod.math.approx_max_k(x, 3)
            shapes = [t.shape.as_list() for t in (v, i, a[0])]
            with mod.Graph().as_default():   # no CPU kernel in TF: build only
                b = mod.nn.approx_min_k(mod.placeholder(mod.float32, [3, 5]), 1,
                                        reduction_dimension=0)
                shapes += [t.shape.as_list() for t in b]
            with mod.Session() as s:
                return s.run([v, i, g, a[0], a[1]], {x: APPROX_X}), shapes
    ours, theirs = run(tf), run(tft)
    assert ours[1] == theirs[1]
    for p, q in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(p, q)
    for mod in (tf, tft):   # TF's shape rule needs the reduced dimension's size
        with mod.Graph().as_default(), pytest.raises(ValueError):
            mod.approx_top_k(mod.placeholder(mod.float32, [3, None]), 2)
