"""keras.constraints against numpy, and keras.regularizers lookup."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import constraints, regularizers

W = np.random.RandomState(0).randn(4, 3).astype(np.float32)
EPS = 1e-7


def ev(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_projections():
    norms = np.sqrt((W ** 2).sum(0, keepdims=True))
    np.testing.assert_allclose(ev(constraints.MaxNorm(1.0)(tf.constant(W))),
                               W * np.clip(norms, 0, 1) / (EPS + norms), rtol=1e-5)
    np.testing.assert_allclose(ev(constraints.UnitNorm()(tf.constant(W))), W / (EPS + norms),
                               rtol=1e-5)
    np.testing.assert_allclose(ev(constraints.NonNeg()(tf.constant(W))), np.maximum(W, 0))
    mm = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(ev(constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(tf.constant(W))),
                               W * mm / (EPS + norms), rtol=1e-5)


def test_lookup():
    assert constraints.get(None) is None
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    c = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 0.9)))
    assert c.get_config() == {"min_value": 0.1, "max_value": 0.9, "rate": 1.0, "axis": 0}
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("nope")


def test_regularizers_glue():
    r = regularizers.get("l2")
    assert isinstance(r, regularizers.L2) and r.get_config() == {"l2": pytest.approx(0.01)}
    r = regularizers.deserialize(regularizers.serialize(regularizers.L1L2(l1=0.5)))
    assert r.get_config() == {"l1": 0.5, "l2": 0.0}
    assert ev(r(tf.constant([-2.0, 1.0]))) == pytest.approx(1.5)
    assert regularizers.get(None) is None
    with pytest.raises(ValueError, match="Unknown regularizer"):
        regularizers.get("l3")
