"""TimeDistributed and Bidirectional against the wrapped layers applied by hand, and the
serialize/deserialize round trip of every layer class of keras.layers."""
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


RNG = np.random.RandomState(4)


def test_time_distributed_applies_the_layer_at_every_step():
    x = RNG.randn(2, 5, 3).astype("float32")
    inp = Input(shape=(5, 3))
    td = L.TimeDistributed(L.Dense(4, activation="tanh"))
    model = Model(inp, td(inp))
    k, b = RNG.randn(3, 4).astype("float32"), RNG.randn(4).astype("float32")
    td.set_weights([k, b])
    np.testing.assert_allclose(model.predict(x), np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)
    assert [w.name for w in td.weights] == ["time_distributed/kernel:0",
                                            "time_distributed/bias:0"]
    assert model.output_shape == (None, 5, 4)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(Input(shape=(3,)))
    with pytest.raises(ValueError, match="Layer` instance"):
        L.TimeDistributed(lambda t: t)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_is_forward_and_reversed_backward(merge_mode):
    x = RNG.randn(2, 4, 3).astype("float32")
    inp = Input(shape=(4, 3))
    bi = L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=merge_mode)
    out = bi(inp)
    model = Model(inp, out)
    ws = [RNG.uniform(-0.5, 0.5, w.shape.as_list()).astype("float32") for w in bi.weights]
    bi.set_weights(ws)
    assert [w.name for w in bi.weights][::3] == ["bidirectional/forward_gru/gru_cell/kernel:0",
                                                 "bidirectional/backward_gru/gru_cell/kernel:0"]
    fwd, bwd = L.GRU(2, return_sequences=True), L.GRU(2, return_sequences=True,
                                                       go_backwards=True)
    ref = Model(inp, [fwd(inp), bwd(inp)])
    fwd.set_weights(ws[:3])
    bwd.set_weights(ws[3:])
    y, y_rev = ref.predict(x)
    y_rev = y_rev[:, ::-1]
    want = {"concat": np.concatenate([y, y_rev], -1), "sum": y + y_rev, "mul": y * y_rev,
            "ave": (y + y_rev) / 2, None: [y, y_rev]}[merge_mode]
    got = model.predict(x)
    for g, w in zip(got if merge_mode is None else [got],
                    want if merge_mode is None else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_bidirectional_states_initial_state_and_config():
    x = RNG.randn(2, 3, 2).astype("float32")
    inp = Input(shape=(3, 2))
    bi = L.Bidirectional(L.LSTM(2, return_state=True))
    outs = bi(inp)
    assert len(outs) == 5
    model = Model(inp, outs)
    assert model.output_shape == [(None, 4)] + [(None, 2)] * 4
    got = model.predict(x)
    np.testing.assert_allclose(got[0][:, :2], got[1], rtol=1e-6)
    np.testing.assert_allclose(got[0][:, 2:], got[3], rtol=1e-6)
    K.clear_session()
    inp = Input(shape=(3, 2))
    states = [Input(shape=(2,)) for _ in range(4)]
    bi = L.Bidirectional(L.LSTM(2))
    model = Model([inp] + states, bi(inp, initial_state=states))
    zeros = [np.zeros((2, 2), "float32")] * 4
    plain = Model(inp, bi(inp))
    np.testing.assert_allclose(model.predict([x] + zeros), plain.predict(x), rtol=1e-6)
    config = bi.get_config()
    assert config["merge_mode"] == "concat" and config["layer"]["class_name"] == "LSTM"
    clone = L.Bidirectional.from_config(config)
    assert clone.forward_layer.name == "forward_lstm" and clone.backward_layer.go_backwards
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")


LAYERS = [
    lambda: L.Conv1D(2, 3), lambda: L.Conv2D(2, 3, activation="relu"), lambda: L.Conv3D(1, 2),
    lambda: L.Conv2DTranspose(2, 3, output_padding=(0, 0)),
    lambda: L.SeparableConv2D(2, 3), lambda: L.DepthwiseConv2D(3),
    lambda: L.MaxPooling1D(), lambda: L.MaxPooling2D(3), lambda: L.AveragePooling1D(),
    lambda: L.AveragePooling2D(), lambda: L.GlobalMaxPooling1D(),
    lambda: L.GlobalAveragePooling1D(), lambda: L.GlobalMaxPooling2D(),
    lambda: L.GlobalAveragePooling2D(), lambda: L.ZeroPadding1D(2), lambda: L.ZeroPadding2D(),
    lambda: L.Cropping1D(), lambda: L.Cropping2D(1), lambda: L.UpSampling1D(),
    lambda: L.UpSampling2D(), lambda: L.BatchNormalization(momentum=0.5),
    lambda: L.Embedding(5, 2, mask_zero=True), lambda: L.SimpleRNN(2), lambda: L.LSTM(2),
    lambda: L.GRU(2), lambda: L.RNN(L.LSTMCell(2)), lambda: L.RNN([L.GRUCell(2),
                                                                  L.GRUCell(3)]),
    lambda: L.SimpleRNNCell(2), lambda: L.LSTMCell(2), lambda: L.GRUCell(2),
    lambda: L.Bidirectional(L.GRU(2)), lambda: L.TimeDistributed(L.Dense(2)),
    lambda: L.Add(), lambda: L.Subtract(), lambda: L.Multiply(), lambda: L.Average(),
    lambda: L.Maximum(), lambda: L.Minimum(), lambda: L.Concatenate(axis=1),
    lambda: L.Dot(axes=1), lambda: L.LeakyReLU(), lambda: L.PReLU(), lambda: L.ELU(),
    lambda: L.ReLU(), lambda: L.ThresholdedReLU(), lambda: L.Softmax(),
    lambda: L.GaussianNoise(0.1), lambda: L.GaussianDropout(0.1), lambda: L.AlphaDropout(0.1),
    lambda: L.SpatialDropout1D(0.1), lambda: L.SpatialDropout2D(0.1),
]


@pytest.mark.parametrize("make", LAYERS)
def test_serialize_deserialize_round_trip(make):
    layer = make()
    config = L.serialize(layer)
    clone = L.deserialize(config)
    assert type(clone) is type(layer)
    assert L.serialize(clone) == config
