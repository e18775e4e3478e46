"""keras.optimizers against tf_keras 2.21 in TF1 graph mode (the legacy OptimizerV2 classes
`compile(optimizer='rmsprop')` picks there): the same regression trained 5 steps through
`get_updates` from the same weights; weights, slot values, weight names, every global
variable's name and `get_config()` compared."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()
from tf_keras.api._v1 import keras as k1

import flowgraph as fg
from flowgraph.keras import activations, losses, metrics
from flowgraph.keras import backend as K
from flowgraph.keras import optimizers

RNG = np.random.RandomState(0)
W0, B0 = RNG.randn(4, 3).astype("float32"), RNG.randn(3).astype("float32")
X, Y = RNG.randn(8, 4).astype("float32"), RNG.randn(8, 3).astype("float32")


def train(lib, backend, make, steps=5):
    g = lib.Graph()
    with g.as_default():
        w, b = backend.variable(W0, name="w"), backend.variable(B0, name="b")
        loss = lib.reduce_mean(lib.square(lib.tanh(lib.matmul(lib.constant(X), w) + b) -
                                          lib.constant(Y)))
        opt = make()
        with lib.name_scope("training"):
            updates = opt.get_updates(loss, [w, b])
        sess = lib.Session(graph=g)
        backend.set_session(sess)
        sess.run(lib.global_variables_initializer())
        for _ in range(steps):
            sess.run(updates)
        values = sess.run([w, b] + list(opt.weights))
        return dict(values=values, names=[v.name for v in opt.weights],
                    all=sorted(v.name for v in lib.global_variables()),
                    config=opt.get_config(), weights=opt.get_weights())


CASES = {
    "sgd": lambda m: m.SGD(0.1),
    "sgd_momentum": lambda m: m.SGD(0.1, momentum=0.9),
    "sgd_nesterov_decay": lambda m: m.SGD(0.1, momentum=0.9, nesterov=True, decay=0.01),
    "rmsprop": lambda m: m.RMSprop(),
    "rmsprop_momentum": lambda m: m.RMSprop(0.01, momentum=0.5),
    "rmsprop_centered": lambda m: m.RMSprop(0.01, centered=True),
    "rmsprop_centered_momentum": lambda m: m.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda m: m.Adam(0.01),
    "adam_amsgrad": lambda m: m.Adam(0.01, amsgrad=True),
    "adagrad": lambda m: m.Adagrad(0.1),
    "adadelta": lambda m: m.Adadelta(1.0),
    "adamax": lambda m: m.Adamax(0.01),
    "nadam": lambda m: m.Nadam(0.01),
    "clipnorm": lambda m: m.SGD(0.1, clipnorm=0.1),
    "clipvalue": lambda m: m.Adam(0.01, clipvalue=0.05),
    "exponential_decay": lambda m: m.SGD(m.schedules.ExponentialDecay(0.2, 2, 0.5,
                                                                      staircase=True)),
    "inverse_time_decay": lambda m: m.RMSprop(m.schedules.InverseTimeDecay(0.01, 1, 0.5)),
    "polynomial_decay": lambda m: m.Adam(m.schedules.PolynomialDecay(0.05, 3, power=2.0)),
    "polynomial_decay_cycle": lambda m: m.SGD(m.schedules.PolynomialDecay(0.1, 2, cycle=True)),
    "piecewise_constant": lambda m: m.SGD(m.schedules.PiecewiseConstantDecay([1, 3],
                                                                             [0.3, 0.1, 0.05])),
    "cosine_decay": lambda m: m.Adagrad(m.schedules.CosineDecay(0.1, 4, alpha=0.1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_tf_keras(case):
    ours = train(fg, K, lambda: CASES[case](optimizers))
    theirs = train(tf1, k1.backend, lambda: CASES[case](k1.optimizers))
    for a, b in zip(ours["values"], theirs["values"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours["names"] == theirs["names"]
    assert ours["all"] == theirs["all"]
    assert ours["config"] == theirs["config"]
    assert len(ours["weights"]) == len(theirs["weights"])


def test_get_by_name_and_config_round_trip():
    for name in ("sgd", "rmsprop", "adam", "adagrad", "adadelta", "adamax", "nadam"):
        ours, theirs = optimizers.get(name), k1.optimizers.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == theirs.get_config()
        again = optimizers.deserialize(optimizers.serialize(ours))
        assert again.get_config() == ours.get_config()


def test_set_learning_rate_after_weights_exist():
    for lib, backend, mod in ((fg, K, optimizers), (tf1, k1.backend, k1.optimizers)):
        g = lib.Graph()
        with g.as_default():
            w = backend.variable(np.ones(2, np.float32), name="w")
            opt = mod.SGD(0.5)
            up = opt.get_updates(lib.reduce_sum(w * w), [w])
            sess = lib.Session(graph=g)
            backend.set_session(sess)
            sess.run(lib.global_variables_initializer())
            opt.lr = 0.25
            backend.set_value(opt.learning_rate, 0.125)
            sess.run(up)
            assert np.allclose(sess.run(w), 1 - 0.125 * 2)
            assert np.isclose(backend.get_value(opt.lr), 0.125)


E0 = RNG.randn(6, 3).astype("float32")
ROWS = np.array([0, 2, 2, 5], np.int32)


def train_sparse(lib, backend, make, steps=4):
    """An embedding-style loss whose gradient is IndexedSlices with a repeated row."""
    g = lib.Graph()
    with g.as_default():
        e = backend.variable(E0, name="embeddings")
        rows = lib.gather(e, lib.constant(ROWS))
        loss = lib.reduce_sum(lib.square(lib.tanh(rows) - 0.5))
        opt = make()
        updates = opt.get_updates(loss, [e])
        sess = lib.Session(graph=g)
        backend.set_session(sess)
        sess.run(lib.global_variables_initializer())
        for _ in range(steps):
            sess.run(updates)
        return sess.run([e] + list(opt.weights))


@pytest.mark.parametrize("case", sorted(k for k in CASES if not k.startswith("clip")))
def test_sparse_gradients_match_tf_keras(case):
    ours = train_sparse(fg, K, lambda: CASES[case](optimizers))
    theirs = train_sparse(tf1, k1.backend, lambda: CASES[case](k1.optimizers))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def mlp_history(lib, backend, opt_mod, loss_mod, metric_mod, act_mod, name, sparse):
    """The tutorial's MLP (relu -> softmax, crossentropy, accuracy) trained by hand with
    the backend's `function`, as Keras's train function runs it."""
    rng = np.random.RandomState(5)
    x_np = rng.rand(64, 12).astype("float32")
    labels = rng.randint(0, 4, 64)
    y_np = labels.astype("int32").reshape(-1, 1) if sparse else \
        np.eye(4, dtype="float32")[labels]
    w1, w2 = rng.randn(12, 16).astype("f") * 0.3, rng.randn(16, 4).astype("f") * 0.3
    g = lib.Graph()
    with g.as_default():
        backend.set_session(lib.Session(graph=g))
        x = backend.placeholder(shape=(None, 12))
        y = backend.placeholder(shape=(None, 1) if sparse else (None, 4),
                                dtype="int32" if sparse else None)
        k1_, b1 = backend.variable(w1), backend.variable(np.zeros(16, "f"))
        k2_, b2 = backend.variable(w2), backend.variable(np.zeros(4, "f"))
        h = act_mod.relu(backend.bias_add(backend.dot(x, k1_), b1))
        p = act_mod.softmax(backend.bias_add(backend.dot(h, k2_), b2))
        loss_obj = (loss_mod.SparseCategoricalCrossentropy if sparse
                    else loss_mod.CategoricalCrossentropy)()
        loss = loss_obj(y, p)
        acc = (metric_mod.SparseCategoricalAccuracy if sparse
               else metric_mod.CategoricalAccuracy)(name="acc")
        acc_t = acc(y, p)
        opt = opt_mod.get(name)
        with lib.name_scope("training"):
            updates = opt.get_updates(loss, [k1_, b1, k2_, b2])
        f = backend.function([x, y], [loss, acc_t], updates=updates)
        history = []
        for epoch in range(3):
            acc.reset_states()
            for i in range(0, 64, 16):
                history.append(f([x_np[i:i + 16], y_np[i:i + 16]]))
        return np.array(history), backend.batch_get_value([k1_, b1, k2_, b2])


@pytest.mark.parametrize("name", ["rmsprop", "adam", "sgd"])
@pytest.mark.parametrize("sparse", [False, True])
def test_tutorial_mlp_training_matches_tf_keras(name, sparse):
    ours = mlp_history(fg, K, optimizers, losses, metrics, activations, name, sparse)
    theirs = mlp_history(tf1, k1.backend, k1.optimizers, k1.losses, k1.metrics,
                         k1.activations, name, sparse)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_tf_optimizer_wrapper_matches_tf_keras():
    results = []
    for lib, backend, mod in ((fg, K, optimizers), (tf1, k1.backend, k1.optimizers)):
        g = lib.Graph()
        with g.as_default():
            backend.set_session(lib.Session(graph=g))
            w = backend.variable(np.array([1.0, -2.0], np.float32), name="w")
            opt = mod.get(lib.train.MomentumOptimizer(0.1, 0.9))
            updates = opt.get_updates(lib.reduce_sum(lib.square(w)), [w])
            sess = backend.get_session()
            for _ in range(3):
                sess.run(updates)
            results.append((type(opt).__name__, backend.get_value(w),
                            backend.get_value(opt.iterations), opt.iterations.name,
                            sorted(v.name for v in lib.global_variables())))
    (na, wa, ia, ta, va), (nb, wb, ib, tb, vb) = results
    assert na == nb and ia == ib and ta == tb and va == vb
    np.testing.assert_allclose(wa, wb, rtol=1e-6)
