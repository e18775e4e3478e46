"""tf.losses against numpy: each loss under each Reduction with scalar, per-sample, full
and partly-zero weights; the LOSSES collection and the total-loss helpers; errors."""
import numpy as np
import pytest

import flowgraph as tf

R = tf.losses.Reduction
RNG = np.random.RandomState(0)
P = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
L = RNG.uniform(0.0, 1.0, (4, 3)).astype(np.float32)
WEIGHTS = {"scalar": 2.0, "column": np.array([[1.], [0.], [2.], [0.5]], np.float32),
           "full": RNG.uniform(0, 2, (4, 3)).astype(np.float32) * (RNG.rand(4, 3) > 0.3),
           "zeros": np.zeros((4, 3), np.float32)}


def reduce_ref(losses, weights, reduction):
    w = np.broadcast_to(np.asarray(weights, np.float32), losses.shape)
    weighted = losses * w
    if reduction == R.NONE:
        return weighted
    total = weighted.sum()
    if reduction == R.SUM:
        return total
    den = {R.MEAN: w.sum(), R.SUM_OVER_BATCH_SIZE: losses.size,
           R.SUM_BY_NONZERO_WEIGHTS: (w != 0).sum()}[reduction]
    return total / den if den else 0.0


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


ELEMENTWISE = {
    "mean_squared_error": (lambda lab, p, **k: tf.losses.mean_squared_error(lab, p, **k),
                           lambda lab, p: (p - lab) ** 2),
    "absolute_difference": (lambda lab, p, **k: tf.losses.absolute_difference(lab, p, **k),
                            lambda lab, p: np.abs(p - lab)),
    "huber_loss": (lambda lab, p, **k: tf.losses.huber_loss(lab, p, delta=0.3, **k),
                   lambda lab, p: np.where(np.abs(p - lab) <= 0.3, 0.5 * (p - lab) ** 2,
                                           0.3 * np.abs(p - lab) - 0.5 * 0.09)),
    "log_loss": (lambda lab, p, **k: tf.losses.log_loss(lab, p, **k),
                 lambda lab, p: -lab * np.log(p + 1e-7) - (1 - lab) * np.log(1 - p + 1e-7)),
    "hinge_loss": (lambda lab, p, **k: tf.losses.hinge_loss(lab > 0.5, p * 4 - 2, **k),
                   lambda lab, p: np.maximum(0, 1 - (2 * (lab > 0.5) - 1) * (p * 4 - 2))),
    "sigmoid_cross_entropy": (
        lambda lab, p, **k: tf.losses.sigmoid_cross_entropy(lab, p * 4 - 2, **k),
        lambda lab, p: np.maximum(p * 4 - 2, 0) - (p * 4 - 2) * lab +
        np.log1p(np.exp(-np.abs(p * 4 - 2)))),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("weights", sorted(WEIGHTS))
@pytest.mark.parametrize("reduction", R.all()[:5])
def test_elementwise_losses_match_numpy(name, weights, reduction):
    fn, ref = ELEMENTWISE[name]
    loss = fn(L, P, weights=WEIGHTS[weights], reduction=reduction)
    expected = reduce_ref(ref(L, P), WEIGHTS[weights], reduction)
    assert loss.dtype == tf.float32
    assert loss.shape.as_list() == list(np.shape(expected))
    np.testing.assert_allclose(run(loss), expected, rtol=1e-5, atol=1e-6)
    assert tf.get_collection(tf.GraphKeys.LOSSES) == [loss]


def _softmax_xent(labels, logits):
    z = logits - logits.max(-1, keepdims=True)
    return -(labels * (z - np.log(np.exp(z).sum(-1, keepdims=True)))).sum(-1)


@pytest.mark.parametrize("smoothing", [0, 0.2])
@pytest.mark.parametrize("weights", [1.0, np.array([1., 0., 2., 3.], np.float32)])
def test_softmax_cross_entropy(smoothing, weights):
    logits = RNG.standard_normal((4, 5)).astype(np.float32)
    onehot = np.eye(5, dtype=np.float32)[[0, 3, 1, 4]]
    loss = tf.losses.softmax_cross_entropy(onehot, logits, weights=weights,
                                           label_smoothing=smoothing)
    smoothed = onehot * (1 - smoothing) + smoothing / 5
    per = _softmax_xent(smoothed, logits)
    w = np.broadcast_to(weights, (4,))
    np.testing.assert_allclose(run(loss), (per * w).sum() / (w != 0).sum(), rtol=1e-5)
    assert loss.name.startswith("softmax_cross_entropy_loss/")


def test_softmax_cross_entropy_gives_no_gradient_to_labels():
    labels = tf.constant(np.eye(3, dtype=np.float32))
    logits = tf.constant(RNG.standard_normal((3, 3)).astype(np.float32))
    loss = tf.losses.softmax_cross_entropy(labels, logits)
    assert tf.gradients(loss, labels) == [None]


def test_sigmoid_cross_entropy_label_smoothing():
    logits = RNG.standard_normal((3, 2)).astype(np.float32)
    labels = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    loss = tf.losses.sigmoid_cross_entropy(labels, logits, label_smoothing=0.4)
    z = labels * 0.6 + 0.2
    per = np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))
    np.testing.assert_allclose(run(loss), per.mean(), rtol=1e-5)


@pytest.mark.parametrize("label_shape", [(4,), (4, 1)])
def test_sparse_softmax_cross_entropy(label_shape):
    logits = RNG.standard_normal((4, 5)).astype(np.float32)
    labels = np.array([0, 3, 1, 4]).reshape(label_shape)
    w = np.array([1., 2., 0., 1.], np.float32).reshape(label_shape)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits, weights=w)
    per = _softmax_xent(np.eye(5)[labels.reshape(-1)], logits)
    np.testing.assert_allclose(run(loss), (per * w.reshape(-1)).sum() / 3, rtol=1e-5)


def test_cosine_distance():
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    b = RNG.standard_normal((3, 4)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    loss = tf.losses.cosine_distance(a, b, axis=1, reduction=R.NONE)
    assert loss.shape.as_list() == [3, 1]
    np.testing.assert_allclose(run(loss), 1 - (a * b).sum(1, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match="axis"):
        tf.losses.cosine_distance(a, b)


def test_mean_pairwise_squared_error():
    p = RNG.standard_normal((2, 3)).astype(np.float32)
    lab = RNG.standard_normal((2, 3)).astype(np.float32)
    loss = tf.losses.mean_pairwise_squared_error(lab, p)
    d = p - lab
    # per sample: the mean over ordered pairs i != j of (d_i - d_j)^2; summed over samples
    ref = np.sum([np.mean([(d[b, i] - d[b, j]) ** 2 for i in range(3) for j in range(3)
                           if i != j]) for b in range(2)])
    np.testing.assert_allclose(run(loss), ref, rtol=1e-5)


def test_compute_weighted_loss_keeps_the_input_dtype_and_collection():
    losses = tf.constant([[1., 2.], [3., 4.]], tf.float64)
    out = tf.losses.compute_weighted_loss(losses, weights=[[1.], [0.]],
                                          loss_collection="mine")
    assert out.dtype == tf.float64
    assert tf.get_collection("mine") == [out] and tf.losses.get_losses() == []
    np.testing.assert_allclose(run(out), 1.5)
    assert run(tf.losses.compute_weighted_loss([1., 2.], weights=0.0)) == 0.0


def test_weights_that_do_not_broadcast_are_a_value_error():
    with pytest.raises(ValueError, match="can not be broadcast"):
        tf.losses.mean_squared_error(L, P, weights=np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="can not be broadcast"):
        tf.losses.mean_squared_error(L, P, weights=np.ones((4,), np.float32))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        tf.losses.mean_squared_error(L, P, reduction="sum")
    with pytest.raises(ValueError, match="must not be None"):
        tf.losses.mean_squared_error(None, P)
    with pytest.raises(ValueError):
        tf.losses.mean_squared_error(L, P[:, :2])


def test_total_loss_helpers():
    x = tf.placeholder(tf.float32, [None, 2])
    tf.layers.dense(x, 1, kernel_regularizer=tf.contrib.layers.l2_regularizer(1.0),
                    kernel_initializer=tf.ones_initializer())
    mse = tf.losses.mean_squared_error([[1.], [2.]], [[0.], [0.]])
    tf.losses.add_loss(tf.constant(10.0))
    assert len(tf.losses.get_losses()) == 2
    assert len(tf.losses.get_regularization_losses()) == 1
    total = tf.losses.get_total_loss()
    no_reg = tf.losses.get_total_loss(add_regularization_losses=False, name="plain")
    assert total.name == "total_loss:0" and no_reg.name == "plain:0"
    reg = tf.losses.get_regularization_loss()
    assert reg.name == "total_regularization_loss:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t, p, r, m = sess.run([total, no_reg, reg, mse])
    assert m == 2.5 and r == 1.0 and p == 12.5 and t == 13.5


def test_empty_collections():
    assert run(tf.losses.get_regularization_loss()) == 0.0
    with pytest.raises(ValueError):
        tf.losses.get_total_loss()


def test_loss_gradient_matches_numeric():
    p = tf.placeholder(tf.float64, [3, 2])
    loss = tf.losses.huber_loss(np.zeros((3, 2)), p, weights=np.array([[1.], [2.], [0.]]),
                                delta=0.5)
    with tf.Session() as sess, sess.as_default():
        err = tf.test.compute_gradient_error(p, [3, 2], loss, [],
                                             x_init_value=RNG.standard_normal((3, 2)))
    assert err < 1e-4
