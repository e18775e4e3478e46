"""keras.losses against tf_keras 2.21 (TF1 graph mode): every loss function on the same
labels/predictions, every Loss class under each reduction with and without sample
weights, configs, and the softmax-logits shortcut of categorical cross-entropy."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()
from tf_keras.api._v1 import keras as k1

import flowgraph as fg
from flowgraph.keras import activations, losses

RNG = np.random.RandomState(0)
P = RNG.rand(6, 4).astype("float32")
P /= P.sum(1, keepdims=True)
LOGITS = RNG.randn(6, 4).astype("float32")
ONE_HOT = np.eye(4, dtype="float32")[RNG.randint(0, 4, 6)]
SPARSE = RNG.randint(0, 4, 6).astype("int32")
BINARY = (RNG.rand(6, 4) > .5).astype("float32")
SIGNED = np.where(BINARY > 0, 1.0, -1.0).astype("float32")
WEIGHTS = RNG.rand(6).astype("float32")


def run(lib, build):
    g = lib.Graph()
    with g.as_default():
        out = build()
        with lib.Session(graph=g) as sess:
            return sess.run(out)


FUNCTIONS = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
             "log_cosh", "kl_divergence", "poisson", "cosine_similarity",
             "categorical_crossentropy", "binary_crossentropy", "mse", "mae", "mape", "msle",
             "kld", "logcosh", "binary_focal_crossentropy",
             "categorical_focal_crossentropy"]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("labels", [ONE_HOT, BINARY, SIGNED], ids=["onehot", "01", "pm1"])
def test_loss_function(name, labels):
    a = run(fg, lambda: getattr(losses, name)(fg.constant(labels), fg.constant(P)))
    b = run(tf1, lambda: getattr(k1.losses, name)(tf1.constant(labels), tf1.constant(P)))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


CLASSES = [("MeanSquaredError", {}), ("MeanAbsoluteError", {}),
           ("MeanAbsolutePercentageError", {}), ("MeanSquaredLogarithmicError", {}),
           ("CategoricalCrossentropy", {"from_logits": True}),
           ("CategoricalCrossentropy", {"label_smoothing": 0.1}),
           ("BinaryCrossentropy", {}), ("BinaryCrossentropy", {"from_logits": True,
                                                               "label_smoothing": 0.2}),
           ("BinaryFocalCrossentropy", {"gamma": 3.0, "apply_class_balancing": True}),
           ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
           ("CategoricalFocalCrossentropy", {}),
           ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5,
                                             "label_smoothing": 0.2}),
           ("SparseCategoricalCrossentropy", {}),
           ("SparseCategoricalCrossentropy", {"from_logits": True}),
           ("Huber", {"delta": 0.5}), ("CosineSimilarity", {}), ("KLDivergence", {}),
           ("LogCosh", {}), ("Hinge", {}), ("SquaredHinge", {}), ("CategoricalHinge", {}),
           ("Poisson", {})]


@pytest.mark.parametrize("name,kwargs", CLASSES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CLASSES)])
@pytest.mark.parametrize("reduction", ["auto", "sum", "none", "sum_over_batch_size"])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_class(name, kwargs, reduction, weighted):
    labels = SPARSE if "Sparse" in name else ONE_HOT
    preds = LOGITS if kwargs.get("from_logits") else P

    def build(lib, mod):
        loss = getattr(mod, name)(reduction=reduction, **kwargs)
        return loss(lib.constant(labels), lib.constant(preds),
                    sample_weight=lib.constant(WEIGHTS) if weighted else None)
    np.testing.assert_allclose(run(fg, lambda: build(fg, losses)),
                               run(tf1, lambda: build(tf1, k1.losses)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", CLASSES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CLASSES)])
def test_loss_config(name, kwargs):
    ours, theirs = getattr(losses, name)(**kwargs), getattr(k1.losses, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.name == theirs.name
    again = losses.deserialize(losses.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


def test_softmax_output_uses_logits():
    def build(lib, mod, act):
        return mod.categorical_crossentropy(lib.constant(ONE_HOT),
                                            act(lib.constant(LOGITS * 30)))
    a = run(fg, lambda: build(fg, losses, activations.softmax))
    b = run(tf1, lambda: build(tf1, k1.losses, k1.activations.softmax))
    np.testing.assert_allclose(a, b, rtol=1e-5)
    assert np.isfinite(a).all() and a.max() > 20  # clipping at epsilon would cap at ~16


def test_sparse_with_column_labels_and_ignore_class():
    labels = SPARSE.reshape(-1, 1).copy()
    labels[2, 0] = 3

    def build(lib, mod):
        return mod.sparse_categorical_crossentropy(lib.constant(labels), lib.constant(P),
                                                   ignore_class=3)
    np.testing.assert_allclose(run(fg, lambda: build(fg, losses)),
                               run(tf1, lambda: build(tf1, k1.losses)), rtol=1e-5)


def test_get_names():
    for name in ("mse", "MSE", "categorical_crossentropy", "kld", "logcosh", "cosine_similarity"):
        assert losses.get(name).__name__ == k1.losses.get(name).__name__
    assert type(losses.get("CategoricalCrossentropy")).__name__ == "CategoricalCrossentropy"
