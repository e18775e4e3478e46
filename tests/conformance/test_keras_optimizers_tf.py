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
from tf_keras.api._v1 import keras as k1  # noqa: E402

import flowgraph as fg  # noqa: E402
from flowgraph.keras import backend as K, optimizers  # noqa: E402

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
