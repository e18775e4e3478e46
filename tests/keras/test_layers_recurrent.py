"""Keras recurrent layers against step-by-step numpy implementations of the cells
(Keras's gate layouts), plus masking, states, stateful, go_backwards, unroll, initial
states, dropout, names, configs and errors."""
import numpy as np
import pytest

from flowgraph.keras import Input, Model, Sequential
from flowgraph.keras import backend as K
from flowgraph.keras import layers as L


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


RNG = np.random.RandomState(1)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_simple(x, k, rk, b, h):
    return np.tanh(x @ k + h @ rk + b)


def np_lstm(x, k, rk, b, h, c):
    z = x @ k + h @ rk + b
    i, f, cc, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
    return sigmoid(o) * np.tanh(c), c


def np_gru(x, k, rk, b, h, reset_after=True):
    u = h.shape[-1]
    if reset_after:
        xz, xr, xh = np.split(x @ k + b[0], 3, -1)
        rz, rr, rh = np.split(h @ rk + b[1], 3, -1)
        z, r = sigmoid(xz + rz), sigmoid(xr + rr)
        hh = np.tanh(xh + r * rh)
    else:
        xz, xr, xh = np.split(x @ k + b, 3, -1)
        z = sigmoid(xz + h @ rk[:, :u])
        r = sigmoid(xr + h @ rk[:, u:2 * u])
        hh = np.tanh(xh + (r * h) @ rk[:, 2 * u:])
    return z * h + (1 - z) * hh


def weights_for(layer):
    return [RNG.uniform(-0.7, 0.7, w.shape.as_list()).astype("float32")
            for w in layer.weights]


def run(layer, x, *extra_inputs):
    inp = Input(shape=x.shape[1:])
    out = layer(inp)
    model = Model(inp, out)
    ws = weights_for(layer)
    layer.set_weights(ws)
    return model.predict(x), ws, model


def test_simple_rnn_sequences_match_numpy():
    x = RNG.randn(2, 4, 3).astype("float32")
    layer = L.SimpleRNN(5, return_sequences=True)
    got, (k, rk, b), model = run(layer, x)
    h, want = np.zeros((2, 5)), []
    for t in range(4):
        h = np_simple(x[:, t], k, rk, b, h)
        want.append(h)
    np.testing.assert_allclose(got, np.stack(want, 1), rtol=1e-5, atol=1e-5)
    assert model.output_shape == (None, 4, 5)
    assert [w.name for w in layer.weights] == [
        "simple_rnn/simple_rnn_cell/kernel:0", "simple_rnn/simple_rnn_cell/recurrent_kernel:0",
        "simple_rnn/simple_rnn_cell/bias:0"]


def test_lstm_states_and_go_backwards_match_numpy():
    x = RNG.randn(2, 5, 3).astype("float32")
    for backwards in (False, True):
        K.clear_session()
        layer = L.LSTM(4, return_state=True, go_backwards=backwards)
        (out, h_out, c_out), (k, rk, b), model = run(layer, x)
        h, c = np.zeros((2, 4)), np.zeros((2, 4))
        for t in (reversed(range(5)) if backwards else range(5)):
            h, c = np_lstm(x[:, t], k, rk, b, h, c)
        np.testing.assert_allclose(out, h, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(h_out, h, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(c_out, c, rtol=1e-5, atol=1e-5)
        assert model.output_shape == [(None, 4), (None, 4), (None, 4)]


def test_lstm_unit_forget_bias_initializes_forget_gate_to_one():
    layer = L.LSTM(3)
    Model(*(lambda i: (i, layer(i)))(Input(shape=(2, 4))))
    bias = K.get_value(layer.cell.bias)
    np.testing.assert_array_equal(bias, [0] * 3 + [1] * 3 + [0] * 6)
    assert layer.cell.kernel.shape.as_list() == [4, 12]


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy(reset_after):
    x = RNG.randn(2, 4, 3).astype("float32")
    layer = L.GRU(2, reset_after=reset_after, return_sequences=True)
    got, (k, rk, b), _ = run(layer, x)
    assert b.shape == ((2, 6) if reset_after else (6,))
    h, want = np.zeros((2, 2)), []
    for t in range(4):
        h = np_gru(x[:, t], k, rk, b, h, reset_after)
        want.append(h)
    np.testing.assert_allclose(got, np.stack(want, 1), rtol=1e-5, atol=1e-5)


def test_unroll_equals_the_while_loop():
    x = RNG.randn(2, 4, 3).astype("float32")
    outs = []
    for unroll in (False, True):
        K.clear_session()
        layer = L.GRU(3, unroll=unroll, return_sequences=True)
        inp = Input(shape=(4, 3))
        model = Model(inp, layer(inp))
        layer.set_weights([np.full(w.shape.as_list(), 0.1 * (i + 1), "float32")
                           for i, w in enumerate(layer.weights)])
        outs.append(model.predict(x))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="Cannot unroll"):
        L.LSTM(2, unroll=True)(Input(shape=(None, 3)))


def test_masked_steps_keep_the_previous_output_and_state():
    x = RNG.randn(1, 4, 2).astype("float32")
    x[0, 2] = 0.0
    inp = Input(shape=(4, 2))
    layer = L.SimpleRNN(3, return_sequences=True)
    model = Model(inp, layer(L.Masking()(inp)))
    k, rk, b = weights_for(layer)
    layer.set_weights([k, rk, b])
    got = model.predict(x)
    h = np.zeros((1, 3))
    want = []
    for t in range(4):
        if t != 2:
            h = np_simple(x[:, t], k, rk, b, h)
        want.append(h)
    np.testing.assert_allclose(got, np.stack(want, 1), rtol=1e-5, atol=1e-5)


def test_embedding_mask_flows_into_lstm():
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 2]], "int32")
    model = Sequential([L.Embedding(5, 3, mask_zero=True), L.LSTM(2)])
    short = model.predict(ids[:1, :2])
    np.testing.assert_allclose(model.predict(ids)[0], short[0], rtol=1e-5, atol=1e-6)


def test_initial_state_from_keras_tensors_and_from_constants():
    x = RNG.randn(2, 3, 2).astype("float32")
    h0 = RNG.randn(2, 4).astype("float32")
    c0 = RNG.randn(2, 4).astype("float32")
    inp, hi, ci = Input(shape=(3, 2)), Input(shape=(4,)), Input(shape=(4,))
    layer = L.LSTM(4)
    model = Model([inp, hi, ci], layer(inp, initial_state=[hi, ci]))
    k, rk, b = weights_for(layer)
    layer.set_weights([k, rk, b])
    h, c = h0, c0
    for t in range(3):
        h, c = np_lstm(x[:, t], k, rk, b, h, c)
    np.testing.assert_allclose(model.predict([x, h0, c0]), h, rtol=1e-5, atol=1e-5)
    assert len(layer.inbound_nodes) == 1 and len(model.inputs) == 3
    K.clear_session()
    inp = Input(shape=(3, 2))
    layer = L.SimpleRNN(4)
    y = layer(inp, initial_state=[K.constant(h0)])
    model = Model(inp, y)
    k, rk, b = weights_for(layer)
    layer.set_weights([k, rk, b])
    h = h0
    for t in range(3):
        h = np_simple(x[:, t], k, rk, b, h)
    np.testing.assert_allclose(model.predict(x), h, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="expects 2 state"):
        L.LSTM(2)(inp, initial_state=[K.constant(h0)])


def test_stateful_rnn_carries_state_between_batches_until_reset():
    model = Sequential([L.SimpleRNN(2, stateful=True, batch_input_shape=(1, 3, 1))])
    layer = model.layers[0]
    k, rk, b = weights_for(layer)
    layer.set_weights([k, rk, b])
    x = np.ones((1, 3, 1), "float32")
    h = np.zeros((1, 2))
    wants = []
    for _ in range(2):
        for t in range(3):
            h = np_simple(x[:, t], k, rk, b, h)
        wants.append(h)
    np.testing.assert_allclose(model.predict(x), wants[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.predict(x), wants[1], rtol=1e-5, atol=1e-5)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x), wants[0], rtol=1e-5, atol=1e-5)
    layer.reset_states([np.zeros((1, 2))])
    np.testing.assert_allclose(model.predict(x), wants[0], rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="batch size"):
        Sequential([L.LSTM(2, stateful=True, input_shape=(3, 1))])
    with pytest.raises(AttributeError, match="stateful"):
        L.LSTM(2).reset_states()


def test_stacked_cells_and_custom_rnn_cell():
    x = RNG.randn(2, 3, 2).astype("float32")
    layer = L.RNN([L.SimpleRNNCell(3), L.LSTMCell(2)], return_state=True)
    inp = Input(shape=(3, 2))
    outs = layer(inp)
    assert len(outs) == 4
    model = Model(inp, outs)
    k1, rk1, b1, k2, rk2, b2 = weights_for(layer)
    layer.set_weights([k1, rk1, b1, k2, rk2, b2])
    h1, h2, c2 = np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))
    for t in range(3):
        h1 = np_simple(x[:, t], k1, rk1, b1, h1)
        h2, c2 = np_lstm(h1, k2, rk2, b2, h2, c2)
    got = model.predict(x)
    for g, w in zip(got, [h2, h1, h2, c2]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)

    class MinimalCell(L.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight("kernel", shape=(input_shape[-1], self.units),
                                          initializer="ones")

        def call(self, inputs, states):
            out = K.dot(inputs, self.kernel) + states[0]
            return out, [out]

    K.clear_session()
    inp = Input(shape=(3, 2))
    model = Model(inp, L.RNN(MinimalCell(1))(inp))
    np.testing.assert_allclose(model.predict(x), x.sum((1, 2))[:, None], rtol=1e-5)


def test_dropout_only_while_training():
    x = RNG.randn(4, 3, 2).astype("float32")
    inp = Input(shape=(3, 2))
    layer = L.LSTM(8, dropout=0.5, recurrent_dropout=0.5)
    y = layer(inp)
    f = K.function([inp, K.learning_phase()], [y])
    ref = L.LSTM(8)
    y_ref = ref(inp)
    ref_f = K.function([inp], [y_ref])
    K.batch_set_value(list(zip(ref.weights, layer.get_weights())))
    np.testing.assert_allclose(f([x, 0])[0], ref_f([x])[0], rtol=1e-6)
    assert np.abs(f([x, 1])[0] - ref_f([x])[0]).max() > 1e-3


def test_configs_round_trip_and_error_classes():
    for layer in (L.SimpleRNN(3, activation="relu", return_sequences=True),
                  L.LSTM(2, dropout=0.1, unroll=True, go_backwards=True),
                  L.GRU(4, reset_after=False, stateful=True)):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == dict(config, name=clone.name)
        assert "cell" not in config and config["units"] == clone.units
    rnn = L.RNN(L.GRUCell(2), return_sequences=True)
    clone = L.RNN.from_config(rnn.get_config())
    assert type(clone.cell).__name__ == "GRUCell" and clone.return_sequences
    with pytest.raises(ValueError, match="ndim=3"):
        L.LSTM(2)(Input(shape=(3,)))
    with pytest.raises(ValueError, match="units"):
        L.SimpleRNNCell(0)
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(2))
    K.clear_session()
    assert [L.LSTM(1).name, L.LSTM(1).name, L.GRU(1).name] == ["lstm", "lstm_1", "gru"]


def test_time_major_equals_the_transposed_batch_major():
    x = RNG.randn(2, 4, 3).astype("float32")
    outs = []
    for time_major in (False, True):
        K.clear_session()
        inp = Input(batch_shape=(4, 2, 3) if time_major else (2, 4, 3))
        layer = L.LSTM(3, return_sequences=True, time_major=time_major)
        model = Model(inp, layer(inp))
        layer.set_weights([np.full(w.shape.as_list(), 0.05 * (i + 1), "float32")
                           for i, w in enumerate(layer.weights)])
        outs.append(model.predict(x.transpose(1, 0, 2) if time_major else x,
                                  batch_size=4 if time_major else 2))
    np.testing.assert_allclose(outs[1].transpose(1, 0, 2), outs[0], rtol=1e-6, atol=1e-6)
