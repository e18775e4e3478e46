"""keras.layers core layers against numpy, their output shapes, and Lambda's config."""
import json

import numpy as np
import pytest

from flowgraph.keras import backend as K
from flowgraph.keras import layers

RNG = np.random.RandomState(3)


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


def run(layer, x, shape=None):
    inp = layers.Input(shape=shape or x.shape[1:])
    out = layer(inp)
    return out, K.get_session().run(out, {inp: x})


def test_dense_on_rank_3_input():
    x = RNG.standard_normal((2, 5, 4)).astype(np.float32)
    d = layers.Dense(3, activation="tanh")
    out, got = run(d, x)
    k, b = d.get_weights()
    np.testing.assert_allclose(got, np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)
    assert out.shape.as_list() == [None, 5, 3]
    assert d.compute_output_shape((None, 5, 4)).as_list() == [None, 5, 3]


@pytest.mark.parametrize("layer, ref, out_shape", [
    (lambda: layers.Flatten(), lambda x: x.reshape(len(x), -1), [None, 12]),
    (lambda: layers.Reshape((-1, 2)), lambda x: x.reshape(len(x), 6, 2), [None, 6, 2]),
    (lambda: layers.Permute((2, 1)), lambda x: x.transpose(0, 2, 1), [None, 4, 3]),
    (lambda: layers.Activation("relu"), lambda x: np.maximum(x, 0), [None, 3, 4]),
    (lambda: layers.Flatten(data_format="channels_first"),
     lambda x: x.transpose(0, 2, 1).reshape(len(x), -1), [None, 12]),
])
def test_shape_layers(layer, ref, out_shape):
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    out, got = run(layer(), x)
    np.testing.assert_allclose(got, ref(x), rtol=1e-6)
    assert out.shape.as_list() == out_shape


def test_repeat_vector_and_errors():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    out, got = run(layers.RepeatVector(4), x)
    np.testing.assert_array_equal(got, np.repeat(x[:, None], 4, axis=1))
    assert out.shape.as_list() == [None, 4, 3]
    with pytest.raises(ValueError, match="Invalid permutation argument"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        layers.Reshape((5,)).compute_output_shape((None, 3, 4))
    with pytest.raises(ValueError, match="Invalid value 1.5 received for `rate`"):
        layers.Dropout(1.5)


def test_masking_zeroes_and_masks_steps():
    x = np.array([[[1, 2], [0, 0], [3, 0]]], np.float32)
    out, got = run(layers.Masking(0.0), x)
    np.testing.assert_array_equal(got, x)
    inp = layers.Input(shape=(3, 2))
    m = layers.Masking(0.0)(inp)
    mask = K.get_session().run(m._keras_mask, {inp: x})
    np.testing.assert_array_equal(mask, [[True, False, True]])
    # Dense carries the mask on; Flatten does not support it.
    assert layers.Dense(2)(m)._keras_mask is not None
    with pytest.raises(TypeError, match="does not support masking"):
        layers.Flatten()(m)


def scale_by(x, factor=3.0):
    return x * factor


def test_lambda_call_arguments_and_config():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    _, got = run(layers.Lambda(scale_by, arguments={"factor": 2.0}), x)
    np.testing.assert_allclose(got, 2 * x)
    cfg = layers.Lambda(scale_by, output_shape=(3,), name="s").get_config()
    assert (cfg["function"], cfg["function_type"], cfg["output_shape_type"]) == \
        ("scale_by", "function", "raw")
    back = layers.Lambda.from_config(json.loads(json.dumps(cfg)),
                                     custom_objects={"scale_by": scale_by})
    assert back.function is scale_by and back.compute_output_shape((None, 3)).as_list() == \
        [None, 3]
    cfg = layers.Lambda(lambda t: t + 1, name="inc").get_config()
    assert cfg["function_type"] == "lambda" and len(cfg["function"]) == 3  # Keras's format
    with pytest.raises(ValueError, match="does not load the serialized bytecode"):
        layers.Lambda.from_config(json.loads(json.dumps(cfg)))
