"""keras.initializers: Keras's defaults, shapes and statistics, get/serialize."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import initializers


def ev(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_defaults_and_values():
    assert initializers.RandomNormal().get_config() == {
        "mean": 0.0, "stddev": 0.05, "seed": None, "dtype": "float32"}
    assert initializers.RandomUniform().get_config()["minval"] == -0.05
    assert initializers.HeNormal(seed=3).get_config() == {"seed": 3}
    np.testing.assert_array_equal(ev(initializers.Constant(2.0)((2, 2))), np.full((2, 2), 2))
    np.testing.assert_array_equal(ev(initializers.Identity(gain=2.0)((3, 3))), 2 * np.eye(3))
    q = ev(initializers.Orthogonal()((6, 4)))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)


@pytest.mark.parametrize("name,bound", [("he_uniform", np.sqrt(6 / 300)),
                                        ("glorot_uniform", np.sqrt(6 / 500)),
                                        ("lecun_uniform", np.sqrt(3 / 300)),
                                        ("uniform", 0.05)])
def test_uniform_bounds(name, bound):
    v = ev(initializers.get(name)((300, 200)))
    assert v.shape == (300, 200) and np.abs(v).max() <= bound + 1e-6
    assert np.abs(v).max() > 0.95 * bound


def test_truncated_statistics():
    v = ev(initializers.get("he_normal")((400, 100)))
    assert abs(v.std() / np.sqrt(2 / 400) - 1) < 0.05
    assert np.abs(v).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978 + 1e-6


def test_lookup():
    assert initializers.get(None) is None
    assert isinstance(initializers.get("zeros"), initializers.Zeros)
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    s = initializers.serialize(initializers.VarianceScaling(scale=2.0, mode="fan_out"))
    assert s["class_name"] == "VarianceScaling"
    assert initializers.deserialize(s).get_config() == s["config"]
    with pytest.raises(ValueError, match="Unknown initializer: 'nope'"):
        initializers.get("nope")
