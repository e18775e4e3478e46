"""keras.activations against numpy, and get/serialize/deserialize."""
import math

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import activations, backend

X = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)


def ev(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_values():
    sig = 1 / (1 + np.exp(-X))
    sp = np.log1p(np.exp(X))
    e = np.exp(X - X.max(-1, keepdims=True))
    erf = np.vectorize(math.erf)
    cases = {"relu": np.maximum(X, 0), "sigmoid": sig, "softplus": sp,
             "softsign": X / (1 + np.abs(X)), "swish": X * sig, "tanh": np.tanh(X),
             "exponential": np.exp(X), "linear": X, "mish": X * np.tanh(sp),
             "elu": np.where(X > 0, X, np.exp(X) - 1),
             "selu": 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 *
                                                   (np.exp(X) - 1)),
             "hard_sigmoid": np.clip(0.2 * X + 0.5, 0, 1),
             "softmax": e / e.sum(-1, keepdims=True),
             "gelu": 0.5 * X * (1 + erf(X / np.sqrt(2)))}
    for name, want in cases.items():
        np.testing.assert_allclose(ev(activations.get(name)(tf.constant(X))), want,
                                   rtol=1e-5, atol=1e-6, err_msg=name)
    approx = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(ev(activations.gelu(tf.constant(X), approximate=True)), approx,
                               rtol=1e-5, atol=1e-6)


def test_softmax_records_logits():
    x = tf.constant(X)
    out = activations.softmax(x)
    assert backend._get_logits(out, False, "Softmax") == (x, True)
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(tf.constant([1.0, 2.0]))


def test_lookup():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get(np.tanh) is np.tanh
    assert activations.serialize(activations.sigmoid) == "sigmoid"
    assert activations.deserialize("softmax") is activations.softmax
    with pytest.raises(ValueError, match="Unknown activation function 'nope'"):
        activations.get("nope")
    with pytest.raises(TypeError, match="Could not interpret activation function"):
        activations.get(3)
