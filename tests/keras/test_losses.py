"""keras.losses against numpy formulas: functions, reductions, sample weights, lookup."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import losses

RNG = np.random.RandomState(0)
P = RNG.rand(4, 3).astype("float32")
P /= P.sum(1, keepdims=True)
T = np.eye(3, dtype="float32")[[0, 2, 1, 1]]


def ev(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_functions():
    eps = 1e-7
    cases = {
        "mean_squared_error": ((P - T) ** 2).mean(-1),
        "mean_absolute_error": np.abs(P - T).mean(-1),
        "categorical_crossentropy": -(T * np.log(np.clip(P, eps, 1 - eps))).sum(-1),
        "hinge": np.maximum(1 - (2 * T - 1) * P, 0).mean(-1),
        "poisson": (P - T * np.log(P + eps)).mean(-1),
        "log_cosh": np.log(np.cosh(P - T)).mean(-1),
        "kl_divergence": (np.clip(T, eps, 1) * np.log(np.clip(T, eps, 1) / P)).sum(-1),
        "binary_crossentropy": -(T * np.log(P + eps) + (1 - T) * np.log(1 - P + eps)).mean(-1),
    }
    for name, want in cases.items():
        np.testing.assert_allclose(ev(getattr(losses, name)(T, P)), want, rtol=1e-4,
                                   err_msg=name)


def test_reductions_and_weights():
    w = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    per = ((P - T) ** 2).mean(-1)
    mse = losses.MeanSquaredError
    np.testing.assert_allclose(ev(mse()(T, P)), per.mean(), rtol=1e-5)
    np.testing.assert_allclose(ev(mse(reduction="sum")(T, P, w)), (per * w).sum(), rtol=1e-5)
    np.testing.assert_allclose(ev(mse(reduction="none")(T, P, w)), per * w, rtol=1e-5)
    np.testing.assert_allclose(ev(mse()(T, P, w)), (per * w).sum() / 4, rtol=1e-5)
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        mse(reduction="mean")


def test_sparse_and_logits():
    logits = RNG.randn(4, 3).astype("float32")
    labels = np.array([0, 2, 1, 1])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    want = -logp[np.arange(4), labels]
    got = ev(losses.SparseCategoricalCrossentropy(from_logits=True,
                                                   reduction="none")(labels, logits))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    got = ev(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3,
                                            reduction="none")(T, logits))
    smooth = T * 0.7 + 0.1
    np.testing.assert_allclose(got, -(smooth * logp).sum(1), rtol=1e-5)


def test_lookup():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get(None) is None
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert losses.serialize(losses.mae) == "mean_absolute_error"
    h = losses.deserialize(losses.serialize(losses.Huber(delta=2.0, name="h")))
    assert h.get_config() == {"reduction": "auto", "name": "h", "delta": 2.0, "fn": "huber"}
    with pytest.raises(ValueError, match="Unknown loss function: 'nope'"):
        losses.get("nope")
    with pytest.raises(ValueError, match="Could not interpret loss function identifier"):
        losses.get(3)
    assert losses.is_categorical_crossentropy("categorical_crossentropy")
