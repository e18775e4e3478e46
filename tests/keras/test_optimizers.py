"""keras.optimizers against hand-written numpy updates, and their bookkeeping (weights,
names, hyperparameters, config, errors)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K
from flowgraph.keras import optimizers

X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], np.float32)


def _train(opt, steps=3):
    """Minimizes sum(x @ w) for w (so the gradient is the constant X.sum(0)); returns
    the weights after each step."""
    K.clear_session()
    w = K.variable(np.array([0.5, -0.5], np.float32), name="w")
    loss = K.sum(K.dot(K.constant(X), K.expand_dims(w)))
    updates = opt.get_updates(loss, [w])
    sess = K.get_session()
    out = []
    for _ in range(steps):
        sess.run(updates)
        out.append(K.get_value(w))
    return out, opt


G = X.sum(0)
W0 = np.array([0.5, -0.5], np.float64)


def test_sgd_momentum_nesterov():
    got, _ = _train(optimizers.SGD(0.1, momentum=0.9, nesterov=True))
    w, v = W0.copy(), np.zeros(2)
    for step in got:
        v = 0.9 * v - 0.1 * G
        w = w + 0.9 * v - 0.1 * G
        np.testing.assert_allclose(step, w, rtol=1e-5)


def test_sgd_decay():
    got, _ = _train(optimizers.SGD(0.1, decay=0.5))
    w = W0.copy()
    for t, step in enumerate(got):
        w = w - 0.1 / (1 + 0.5 * t) * G
        np.testing.assert_allclose(step, w, rtol=1e-5)


def test_rmsprop():
    got, _ = _train(optimizers.RMSprop(0.01))
    w, ms = W0.copy(), np.zeros(2)
    for step in got:
        ms = 0.9 * ms + 0.1 * G ** 2
        w = w - 0.01 * G / (np.sqrt(ms) + 1e-7)
        np.testing.assert_allclose(step, w, rtol=1e-5)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    got, _ = _train(optimizers.Adam(0.01, amsgrad=amsgrad))
    w, m, v = W0.copy(), np.zeros(2), np.zeros(2)
    for t, step in enumerate(got, 1):
        m = 0.9 * m + 0.1 * G
        v = 0.999 * v + 0.001 * G ** 2
        lr = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        w = w - lr * m / (np.sqrt(v) + 1e-7)
        np.testing.assert_allclose(step, w, rtol=1e-5)


def test_adagrad_adamax():
    got, _ = _train(optimizers.Adagrad(0.1))
    w, acc = W0.copy(), np.full(2, 0.1)
    for step in got:
        acc = acc + G ** 2
        w = w - 0.1 * G / (np.sqrt(acc) + 1e-7)
        np.testing.assert_allclose(step, w, rtol=1e-5)
    got, _ = _train(optimizers.Adamax(0.01))
    w, m, u = W0.copy(), np.zeros(2), np.zeros(2)
    for t, step in enumerate(got, 1):
        m = 0.9 * m + 0.1 * G
        u = np.maximum(0.999 * u, np.abs(G))
        w = w - 0.01 / (1 - 0.9 ** t) * m / (u + 1e-7)
        np.testing.assert_allclose(step, w, rtol=1e-5)


def test_weights_names_and_state():
    _, opt = _train(optimizers.Adam(0.01), steps=2)
    assert [v.name for v in opt.weights] == ["Adam/iter:0", "Adam/w/m:0", "Adam/w/v:0"]
    weights = opt.get_weights()
    assert weights[0] == 2 and weights[0].dtype == np.int64
    opt.set_weights([np.array(7, np.int64), np.ones(2), np.zeros(2)])
    assert K.get_value(opt.iterations) == 7
    with pytest.raises(ValueError, match="with a  weight list of length 1"):
        opt.set_weights([np.array(1)])
    assert sorted(v.name for v in tf.global_variables()) == [
        "Adam/beta_1:0", "Adam/beta_2:0", "Adam/decay:0", "Adam/iter:0",
        "Adam/learning_rate:0", "Adam/w/m:0", "Adam/w/v:0", "w:0"]


def test_hyperparameters():
    opt = optimizers.RMSprop(learning_rate=0.5)
    assert opt.get_config()["learning_rate"] == 0.5
    opt.lr = 0.25
    assert opt.get_config()["learning_rate"] == 0.25
    _train(opt, steps=1)
    K.set_value(opt.lr, 0.125)
    assert np.isclose(K.get_value(opt.learning_rate), 0.125)
    assert np.isclose(opt.get_config()["learning_rate"], 0.125)
    with pytest.raises(AttributeError):
        opt.not_a_hyper


def test_get_and_errors():
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get({"class_name": "SGD", "config": {"lr": 0.3}}),
                      optimizers.SGD)
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(tf.train.GradientDescentOptimizer(0.1)).__class__.__name__ == \
        "TFOptimizer"
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("nope")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(3)
    with pytest.raises(ValueError, match="`momentum` must be between"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(TypeError, match="Unexpected keyword argument"):
        optimizers.Adam(bogus=1)
    K.clear_session()
    w = K.variable([1.0])
    with pytest.raises(ValueError, match="has `None` for gradient"):
        optimizers.SGD().get_updates(K.sum(K.constant([1.0])), [w])


def test_tf_optimizer_wrapper_trains():
    K.clear_session()
    w = K.variable([1.0])
    opt = optimizers.get(tf.train.GradientDescentOptimizer(0.5))
    up = opt.get_updates(K.sum(K.square(w)), [w])
    sess = K.get_session()
    sess.run(up)
    np.testing.assert_allclose(K.get_value(w), [0.0])
    assert K.get_value(opt.iterations) == 1


def test_constraint_applied_after_update():
    K.clear_session()
    w = K.variable([1.0, -1.0], constraint=lambda x: K.maximum(x, 0.0))
    up = optimizers.SGD(0.1).get_updates(K.sum(w), [w])
    K.get_session().run(up)
    np.testing.assert_allclose(K.get_value(w), [0.9, 0.0])
