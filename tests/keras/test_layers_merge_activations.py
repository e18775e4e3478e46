"""Keras merge layers, advanced activations and noise layers against numpy: values,
shapes, masks, configs, learning-phase behaviour and errors."""
import numpy as np
import pytest

from flowgraph.keras import Input, Model
from flowgraph.keras import backend as K
from flowgraph.keras import layers as L


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


RNG = np.random.RandomState(3)


def test_elementwise_merges_match_numpy():
    a, b = RNG.randn(4, 3).astype("float32"), RNG.randn(4, 3).astype("float32")
    ia, ib = Input(shape=(3,)), Input(shape=(3,))
    fns = [(L.add, a + b), (L.subtract, a - b), (L.multiply, a * b),
           (L.average, (a + b) / 2), (L.maximum, np.maximum(a, b)),
           (L.minimum, np.minimum(a, b)), (L.concatenate, np.concatenate([a, b], -1))]
    outs = [fn([ia, ib]) for fn, _ in fns]
    model = Model([ia, ib], outs)
    for got, (_, want) in zip(model.predict([a, b]), fns):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert [l.name for l in model.layers[2:]] == ["add", "subtract", "multiply", "average",
                                                  "maximum", "minimum", "concatenate"]
    assert model.output_shape[-1] == (None, 6)


def test_merge_broadcasts_lower_rank_inputs_and_three_way_add():
    a, c = RNG.randn(2, 3).astype("float32"), RNG.randn(2, 4, 3).astype("float32")
    ia, ic = Input(shape=(3,)), Input(shape=(4, 3))
    out = L.Add()([ic, ia, ic])
    assert out.shape.as_list() == [None, 4, 3]
    np.testing.assert_allclose(Model([ia, ic], out).predict([a, c]), 2 * c + a[:, None],
                               rtol=1e-6)


def test_dot_and_cosine_similarity():
    a, b = RNG.randn(4, 3).astype("float32"), RNG.randn(4, 3).astype("float32")
    m, n = RNG.randn(4, 2, 3).astype("float32"), RNG.randn(4, 5, 3).astype("float32")
    ia, ib, im, i_n = Input(shape=(3,)), Input(shape=(3,)), Input(shape=(2, 3)), \
        Input(shape=(5, 3))
    outs = [L.dot([ia, ib], axes=1), L.dot([ia, ib], axes=-1, normalize=True),
            L.Dot(axes=(2, 2))([im, i_n])]
    model = Model([ia, ib, im, i_n], outs)
    got = model.predict([a, b, m, n])
    np.testing.assert_allclose(got[0], (a * b).sum(1, keepdims=True), rtol=1e-5)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(got[1], cos[:, None], rtol=1e-5)
    np.testing.assert_allclose(got[2], np.einsum("bik,bjk->bij", m, n), rtol=1e-5)
    assert model.output_shape == [(None, 1), (None, 1), (None, 2, 5)]


def test_merge_masks_and_errors():
    ia, ib = Input(shape=(3, 2)), Input(shape=(3, 2))
    ma, mb = L.Masking()(ia), L.Masking()(ib)
    s = L.add([ma, mb])
    c = L.concatenate([ma, ib])
    x = np.ones((1, 3, 2), "float32")
    y = x.copy()
    x[0, 0], y[0, 2] = 0, 0
    mask_s, mask_c = K.function([ia, ib], [s._keras_mask, c._keras_mask])([x, y])
    np.testing.assert_array_equal(mask_s, [[False, True, False]])
    np.testing.assert_array_equal(mask_c, [[False, True, True]])
    with pytest.raises(ValueError, match="list"):
        L.Add()(ia)
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract()([ia, ib, ia])
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate()([Input(shape=(3, 2)), Input(shape=(4, 2))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Add()([Input(shape=(3,)), Input(shape=(4,))])
    assert L.Concatenate.from_config(L.Concatenate(axis=1).get_config()).axis == 1


def test_advanced_activations_match_numpy():
    x = RNG.randn(3, 4, 2).astype("float32") * 2
    inp = Input(shape=(4, 2))
    prelu = L.PReLU(shared_axes=[1])
    outs = [L.LeakyReLU()(inp), prelu(inp), L.ELU(0.5)(inp),
            L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(inp),
            L.ThresholdedReLU(0.3)(inp), L.Softmax()(inp), L.Softmax(axis=1)(inp)]
    model = Model(inp, outs)
    alpha = np.array([[0.3, -0.2]], "float32")
    prelu.set_weights([alpha])
    assert prelu.weights[0].name == "p_re_lu/alpha:0" and alpha.shape == (1, 2)

    def softmax(v, axis):
        e = np.exp(v - v.max(axis, keepdims=True))
        return e / e.sum(axis, keepdims=True)
    relu = np.where(x >= 1.5, 1.5, np.where(x >= 0.2, x, 0.1 * (x - 0.2)))
    wants = [np.where(x > 0, x, 0.3 * x), np.where(x > 0, x, alpha * x),
             np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), relu, np.where(x > 0.3, x, 0),
             softmax(x, -1), softmax(x, 1)]
    for got, want in zip(model.predict(x), wants):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert [l.name for l in model.layers[1:]] == [
        "leaky_re_lu", "p_re_lu", "elu", "re_lu", "thresholded_re_lu", "softmax",
        "softmax_1"]


def test_softmax_mask_and_activation_configs_and_errors():
    x = RNG.randn(2, 3).astype("float32")
    mask = np.array([[True, False, True], [True, True, True]])
    inp, m = Input(shape=(3,)), Input(shape=(3,), dtype="bool")
    out = L.Softmax()(inp, mask=m)
    got = K.function([inp, m], [out])([x, mask])[0]
    assert got[0, 1] < 1e-6 and np.allclose(got.sum(1), 1)
    assert L.LeakyReLU(0.2).get_config()["alpha"] == pytest.approx(0.2)
    cfg = L.ReLU(6.0).get_config()
    assert (cfg["max_value"], cfg["negative_slope"], cfg["threshold"]) == (6.0, 0.0, 0.0)
    assert L.PReLU.from_config(L.PReLU(shared_axes=2).get_config()).shared_axes == [2]
    with pytest.raises(ValueError, match="negative"):
        L.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="theta"):
        L.ThresholdedReLU(-1.0)
    with pytest.raises(ValueError, match="alpha"):
        L.LeakyReLU(None)


def test_noise_layers_are_identity_at_inference_and_noisy_in_training():
    x = np.ones((2000, 4, 3), "float32")
    im = np.ones((500, 3, 3, 4), "float32")
    ix, iim = Input(shape=(4, 3)), Input(shape=(3, 3, 4))
    outs = [L.GaussianNoise(0.5)(ix), L.GaussianDropout(0.2)(ix), L.AlphaDropout(0.2)(ix),
            L.SpatialDropout1D(0.5)(ix), L.SpatialDropout2D(0.5)(iim)]
    model = Model([ix, iim], outs)
    for got, want in zip(model.predict([x, im]), [x, x, x, x, im]):
        np.testing.assert_array_equal(got, want)
    f = K.function([ix, iim, K.learning_phase()], outs)
    gn, gd, ad, sd1, sd2 = f([x, im, 1])
    assert abs(gn.std() - 0.5) < 0.02 and abs(gn.mean() - 1) < 0.02
    assert abs(gd.std() - np.sqrt(0.2 / 0.8)) < 0.02 and abs(gd.mean() - 1) < 0.02
    # alpha dropout keeps the mean/variance of standardized inputs
    z = RNG.randn(20000, 4, 3).astype("float32")
    adz = f([z, im, 1])[2]
    assert abs(adz.mean()) < 0.03 and abs(adz.std() - 1) < 0.03
    # spatial dropout drops whole channels: constant along the steps / spatial axes
    assert np.all(sd1.min(1) == sd1.max(1)) and set(np.unique(sd1)) <= {0.0, 2.0}
    assert np.all(sd2.min((1, 2)) == sd2.max((1, 2)))
    assert abs((sd1 == 0).mean() - 0.5) < 0.05
    assert sorted(L.SpatialDropout2D(0.3).get_config()) == [
        "dtype", "name", "noise_shape", "rate", "seed", "trainable"]
