"""keras.models: functional graphs, Sequential, configs and JSON round trips, clone_model,
summary, sessions."""
import json

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import keras
from flowgraph.keras import backend as K
from flowgraph.keras import layers, models

X = np.random.RandomState(0).standard_normal((6, 4)).astype(np.float32)


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


def two_branch():
    a = keras.Input(shape=(4,), name="a")
    shared = layers.Dense(3, name="shared")
    h = layers.Activation("relu", name="act")(shared(a))
    out = layers.Dense(2, name="head")(h)
    return keras.Model(a, [out, shared(a)], name="net")


def test_functional_graph_and_names():
    m = two_branch()
    assert [l.name for l in m.layers] == ["a", "shared", "act", "head"]
    assert m.input_names == ["a"] and m.output_names == ["head", "shared"]
    assert m.get_layer("head") is m.layers[3] and m.get_layer(index=1).name == "shared"
    with pytest.raises(ValueError, match="No such layer: nope"):
        m.get_layer("nope")
    assert m.count_params() == 15 + 8


def test_config_and_json_round_trip_keep_predictions():
    m = two_branch()
    cfg = m.get_config()
    assert json.loads(json.dumps(cfg)) == json.loads(json.dumps(cfg))  # JSON-able
    data = json.loads(m.to_json())
    assert data["class_name"] == "Functional" and data["keras_version"] == "2.21.0"
    m2 = models.model_from_json(m.to_json())
    assert m2.get_config() == cfg
    m2.set_weights(m.get_weights())
    for a, b in zip(m.predict(X), m2.predict(X)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sequential_config_round_trip_and_pop():
    s = keras.Sequential([layers.Dense(5, input_shape=(4,)), layers.Dropout(0.1),
                          layers.Dense(1)], name="seq")
    cfg = s.get_config()
    assert [l["class_name"] for l in cfg["layers"]] == ["InputLayer", "Dense", "Dropout",
                                                        "Dense"]
    s2 = keras.Sequential.from_config(cfg)
    assert s2.get_config() == cfg
    s.pop()
    assert [l.name for l in s.layers] == ["dense", "dropout"]
    assert s.outputs[0].shape.as_list() == [None, 5]


def test_clone_model_makes_new_weights_same_architecture():
    m = two_branch()
    c = models.clone_model(m)
    assert [l.name for l in c.layers] == [l.name for l in m.layers]
    assert all(a is not b for a, b in zip(c.weights, m.weights))
    c.set_weights(m.get_weights())
    np.testing.assert_allclose(c.predict(X)[0], m.predict(X)[0], rtol=1e-6)
    s = keras.Sequential([layers.Dense(2, input_shape=(4,))])
    cs = models.clone_model(s)
    assert isinstance(cs, keras.Sequential) and cs.layers[0] is not s.layers[0]


def test_nested_model_as_a_layer():
    inner = keras.Sequential([layers.Dense(3, input_shape=(4,))], name="inner")
    x = keras.Input(shape=(4,))
    outer = keras.Model(x, layers.Dense(1)(inner(x)))
    assert [w.name for w in outer.weights] == ["dense/kernel:0", "dense/bias:0",
                                               "dense_1/kernel:0", "dense_1/bias:0"]
    cfg = outer.get_config()
    assert cfg["layers"][2]["inbound_nodes"] == [[["inner", 1, 0, {}]]]
    again = keras.Model.from_config(cfg)
    assert [l.name for l in again.layers] == ["input_1", "inner", "dense_1"]


def test_summary_unbuilt_and_print_fn():
    with pytest.raises(ValueError, match="This model has not yet been built"):
        keras.Sequential([layers.Dense(2)]).summary()
    lines = []
    keras.Sequential([layers.Dense(2, input_shape=(3,))]).summary(print_fn=lines.append)
    assert lines[0] == 'Model: "sequential_1"' and lines[-2] == \
        "Non-trainable params: 0 (0.00 Byte)"
    assert lines[4].startswith(" dense_1 (Dense)             (None, 2)                 8")


def test_functional_errors():
    with pytest.raises(ValueError, match="must come from `tf.keras.Input`"):
        keras.Model(tf.placeholder(tf.float32, [None, 2]), layers.Dense(1)(
            keras.Input(shape=(2,))))
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, layers.Dense(1)(b))


def test_keras_runs_in_a_users_default_session():
    m = keras.Sequential([layers.Dense(1, input_shape=(4,), kernel_initializer="ones")])
    m.compile("sgd", "mse")
    sess = tf.Session()
    K.set_session(sess)
    assert K.get_session() is sess
    np.testing.assert_allclose(m.predict(X)[:, 0], X.sum(axis=1), rtol=1e-5)
    with tf.Session().as_default() as other:
        assert K.get_session() is other
        # As in Keras, variables are initialized once, in the first session: a second
        # session needs the user's initializer.
        other.run(tf.global_variables_initializer())
        m.fit(X, np.zeros((6, 1)), verbose=0)
