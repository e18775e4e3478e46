"""The Keras base Layer in graph mode: names, weights, build/call, masks, specs, config."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K
from flowgraph.keras import layers, regularizers
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


def test_names_are_unique_per_graph_and_weights_named_as_keras():
    a, b = layers.Dense(3), layers.Dense(3)
    assert (a.name, b.name) == ("dense", "dense_1")
    x = layers.Input(shape=(4,))
    assert x.name == "input_1:0"
    y = b(a(x))
    assert [w.name for w in a.weights + b.weights] == [
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert y.name == "dense_1/BiasAdd:0"
    assert layers.Dropout(0.5).name == "dropout"
    K.clear_session()
    assert layers.Dense(2).name == "dense"


def test_shared_layer_second_call_in_new_scope_same_weights():
    d = layers.Dense(3)
    x1, x2 = layers.Input(shape=(4,)), layers.Input(shape=(4,))
    y1, y2 = d(x1), d(x2)
    assert y1.op.name == "dense/BiasAdd" and y2.op.name == "dense_1/BiasAdd"
    assert len(d.weights) == 2 and len(d.inbound_nodes) == 2
    assert d.output_shape == (None, 3)
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        d.output
    assert d.get_output_at(1) is y2


def test_dense_values_from_set_weights():
    x = layers.Input(shape=(4,))
    d = layers.Dense(2, activation="relu")
    y = d(x)
    k = np.arange(8, dtype=np.float32).reshape(4, 2) - 3
    b = np.array([0.5, -1.0], np.float32)
    d.set_weights([k, b])
    xv = np.random.RandomState(0).randn(5, 4).astype(np.float32)
    got = K.get_session().run(y, {x: xv})
    np.testing.assert_allclose(got, np.maximum(xv @ k + b, 0), rtol=1e-6)
    np.testing.assert_array_equal(d.get_weights()[0], k)


def test_keras_layer_in_hand_written_tf1_graph():
    p = tf.placeholder(tf.float32, [None, 3])
    d = layers.Dense(2, kernel_initializer="ones")
    y = d(p)
    assert getattr(y, "_keras_history", None) is None  # not a Keras tensor
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {p: np.ones((1, 3))}), [[3.0, 3.0]])
    assert d.kernel in tf.trainable_variables()


def test_set_weights_errors():
    d = layers.Dense(2)
    d(layers.Input(shape=(3,)))
    with pytest.raises(ValueError, match="expecting 2 weights"):
        d.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"Layer weight shape \(3, 2\) not compatible"):
        d.set_weights([np.zeros((2, 2)), np.zeros(2)])


def test_count_params_unbuilt_raises():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_trainable_toggle_moves_weights():
    d = layers.Dense(2)
    d(layers.Input(shape=(3,)))
    assert len(d.trainable_weights) == 2 and not d.non_trainable_weights
    d.trainable = False
    assert not d.trainable_weights and len(d.non_trainable_weights) == 2


def test_input_spec_errors_are_keras_messages():
    d = layers.Dense(2)
    d(layers.Input(shape=(3,)))
    with pytest.raises(ValueError, match='Input 0 of layer "dense" is incompatible with the '
                       'layer: expected axis -1 of input shape to have value 3'):
        d(layers.Input(shape=(4,)))
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layers.Dense(2)(tf.placeholder(tf.float32, [None]))
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        layers.Dense(2, foo=1)


def test_regularizer_losses_and_add_update():
    d = layers.Dense(2, kernel_regularizer=regularizers.l2(0.5), kernel_initializer="ones")
    d(layers.Input(shape=(3,)))
    assert len(d.losses) == 1
    assert np.isclose(K.get_session().run(d.losses[0]), 0.5 * 6)

    class Counter(Layer):
        def build(self, input_shape):
            self.n = self.add_weight("n", shape=(), initializer="zeros", trainable=False)

        def call(self, x):
            self.add_update(tf.assign_add(self.n, 1.0))
            return x
    c = Counter()
    c(layers.Input(shape=(1,)))
    assert len(c.updates) == 1 and c.non_trainable_weights[0].name == "counter/n:0"


def test_custom_layer_build_call_and_mask():
    class Scale(Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.supports_masking = True

        def build(self, input_shape):
            self.w = self.add_weight("w", shape=(int(input_shape[-1]),), initializer="ones")

        def call(self, inputs):
            return inputs * self.w
    x = layers.Input(shape=(3, 2))
    m = layers.Masking(0.0)(x)
    y = Scale()(m)
    assert y._keras_mask is not None
    xv = np.array([[[0, 0], [1, 2], [0, 0]]], np.float32)
    mask = K.get_session().run(y._keras_mask, {x: xv})
    np.testing.assert_array_equal(mask, [[False, True, False]])
    with pytest.raises(TypeError, match="does not support masking"):
        layers.Layer().compute_mask(x, mask=m)


def test_get_config_from_config_roundtrip():
    d = layers.Dense(3, activation="tanh", use_bias=False, input_shape=(5,), name="fc")
    cfg = d.get_config()
    assert cfg["batch_input_shape"] == (None, 5) and cfg["activation"] == "tanh"
    d2 = layers.Dense.from_config(cfg)
    assert d2.get_config() == cfg


def test_input_spec_repr_and_axes():
    spec = InputSpec(ndim=3, axes={-1: 4})
    assert repr(spec) == "InputSpec(ndim=3, axes={-1: 4})"
    with pytest.raises(ValueError, match="greater than the maximum"):
        InputSpec(ndim=2, axes={3: 1})


def test_input_requires_shape():
    with pytest.raises(ValueError, match="Please provide to Input a `shape`"):
        layers.Input()
