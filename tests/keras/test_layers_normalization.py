"""Keras BatchNormalization: the formula at inference and in training (numpy), the
moving-average updates `fit` runs, the fused kernel for 4-D inputs, trainable=False,
learning phase, names, config and errors; Embedding lookups and masks."""
import numpy as np
import pytest

from flowgraph.framework.graph import get_default_graph
from flowgraph.keras import Input, Model, Sequential
from flowgraph.keras import backend as K
from flowgraph.keras import layers as L


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


RNG = np.random.RandomState(2)


def bn_weights(c):
    return [RNG.uniform(0.5, 1.5, c).astype("float32"), RNG.uniform(-1, 1, c).astype("float32"),
            RNG.uniform(-1, 1, c).astype("float32"), RNG.uniform(0.5, 2, c).astype("float32")]


@pytest.mark.parametrize("shape,axis,fused", [((5, 4), -1, False), ((3, 3, 4), -1, True),
                                              ((4, 3, 5), 1, True), ((3, 4), 1, False)])
def test_inference_and_training_formulas(shape, axis, fused):
    x = RNG.randn(6, *shape).astype("float32")
    layer = L.BatchNormalization(axis=axis, momentum=0.8, epsilon=0.01)
    inp = Input(shape=shape)
    y = layer(inp)
    c = ((6,) + shape)[axis]
    gamma, beta, mm, mv = bn_weights(c)
    layer.set_weights([gamma, beta, mm, mv])
    assert layer.fused is fused
    L.BatchNormalization(axis=axis)(inp, training=True)
    types = {op.type for op in get_default_graph().get_operations()}
    assert ("FusedBatchNormV3" in types) is fused
    bshape = [1] * (len(shape) + 1)
    bshape[axis] = c
    g, b = gamma.reshape(bshape), beta.reshape(bshape)
    want = (x - mm.reshape(bshape)) / np.sqrt(mv.reshape(bshape) + 0.01) * g + b
    np.testing.assert_allclose(Model(inp, y).predict(x), want, rtol=1e-4, atol=1e-5)
    axes = tuple(i for i in range(len(shape) + 1) if i != (axis % (len(shape) + 1)))
    mean, var = x.mean(axes), x.var(axes)
    train = (x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 0.01) * g + b
    f = K.function([inp, K.learning_phase()], [y], updates=layer.updates)
    np.testing.assert_allclose(f([x, 1])[0], train, rtol=1e-4, atol=1e-4)
    n = x.size / c
    # the fused kernel hands back the unbiased batch variance, Keras updates with it
    var_used = var * n / (n - 1) if fused else var
    np.testing.assert_allclose(K.get_value(layer.moving_mean), 0.8 * mm + 0.2 * mean,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.get_value(layer.moving_variance), 0.8 * mv + 0.2 * var_used,
                               rtol=1e-5, atol=1e-6)
    before = K.batch_get_value([layer.moving_mean, layer.moving_variance])
    f([x, 0])
    after = K.batch_get_value([layer.moving_mean, layer.moving_variance])
    for a, b2 in zip(before, after):
        np.testing.assert_array_equal(a, b2)


def test_frozen_layer_runs_in_inference_mode_without_updates():
    x = RNG.randn(4, 3).astype("float32")
    layer = L.BatchNormalization(trainable=False)
    inp = Input(shape=(3,))
    y = layer(inp)
    assert layer.updates == [] and layer.trainable_weights == []
    f = K.function([inp, K.learning_phase()], [y])
    np.testing.assert_allclose(f([x, 1])[0], x / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_fit_runs_the_moving_average_updates():
    x = RNG.randn(64, 4).astype("float32") * 3 + 2
    y = RNG.randn(64, 1).astype("float32")
    model = Sequential([L.BatchNormalization(input_shape=(4,), momentum=0.5), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    bn = model.layers[0]
    np.testing.assert_allclose(K.get_value(bn.moving_mean), x.mean(0), atol=0.6)
    assert [w.name for w in bn.weights] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert [w.name for w in bn.trainable_weights] == ["batch_normalization/gamma:0",
                                                      "batch_normalization/beta:0"]


def test_batchnorm_config_and_errors():
    layer = L.BatchNormalization(axis=1, momentum=0.9, scale=False)
    clone = L.BatchNormalization.from_config(layer.get_config())
    assert clone.get_config() == dict(layer.get_config(), name=clone.name)
    with pytest.raises(ValueError, match="Invalid axis"):
        L.BatchNormalization(axis=3)(Input(shape=(4,)))
    with pytest.raises(ValueError, match="fused=True"):
        L.BatchNormalization(fused=True)(Input(shape=(4,)))
    with pytest.raises(TypeError, match="axis"):
        L.BatchNormalization(axis="x")


def test_embedding_lookup_mask_and_config():
    ids = np.array([[1, 0, 3], [2, 2, 0]])
    inp = Input(shape=(3,), dtype="int32")
    layer = L.Embedding(4, 2, mask_zero=True)
    out = layer(inp)
    table = RNG.randn(4, 2).astype("float32")
    layer.set_weights([table])
    np.testing.assert_allclose(Model(inp, out).predict(ids), table[ids])
    mask = K.function([inp], [out._keras_mask])([ids])[0]
    np.testing.assert_array_equal(mask, ids != 0)
    assert layer.weights[0].name == "embedding/embeddings:0"
    config = layer.get_config()
    assert config["batch_input_shape"] == (None, None) and config["dtype"] == "float32"
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    K.clear_session()
    finp = Input(shape=(3,))
    emb = L.Embedding(4, 2, input_length=3)
    np.testing.assert_allclose(Model(finp, emb(finp)).predict(ids.astype("float32")).shape,
                               (2, 3, 2))
    with pytest.raises(ValueError, match="input_length"):
        emb.compute_output_shape((None, 5))
    with pytest.raises(ValueError, match="positive"):
        L.Embedding(0, 3)
