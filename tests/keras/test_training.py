"""Model.compile/fit/evaluate/predict in graph mode: the options of fit, batch methods,
generators and Sequences, the learning phase, Keras's errors."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph import keras
from flowgraph.keras import backend as K
from flowgraph.keras import layers

RNG = np.random.RandomState(0)
X = RNG.standard_normal((40, 6)).astype(np.float32)
LABELS = RNG.randint(0, 3, 40)
Y = np.eye(3, dtype=np.float32)[LABELS]


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


def mlp(loss="categorical_crossentropy", metrics=("accuracy",), optimizer="sgd"):
    m = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                          layers.Dense(3, activation="softmax")])
    m.compile(optimizer, loss, metrics=list(metrics))
    return m


def test_one_sgd_step_by_hand():
    m = keras.Sequential([layers.Dense(1, input_shape=(2,), kernel_initializer="zeros")])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    x, y = np.array([[1.0, 2.0]], np.float32), np.array([[3.0]], np.float32)
    loss = m.train_on_batch(x, y)
    assert np.isclose(loss, 9.0)
    # d(mse)/dw = 2 (w.x + b - y) x = -6 x; w <- w + 0.6 x
    w, b = m.get_weights()
    np.testing.assert_allclose(w[:, 0], [0.6, 1.2], rtol=1e-6)
    np.testing.assert_allclose(b, [0.6], rtol=1e-6)


def test_fit_history_keys_epochs_and_initial_epoch():
    m = mlp()
    h = m.fit(X, Y, epochs=4, initial_epoch=2, batch_size=8, verbose=0,
              validation_split=0.25)
    assert h.epoch == [2, 3]
    assert list(h.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert h.params["samples"] == 30 and h.params["epochs"] == 4
    assert m.history is h


def test_validation_data_with_sample_weights_and_evaluate_return_dict():
    m = mlp(metrics=["accuracy", "mae"])
    sw = np.ones(10, np.float32)
    h = m.fit(X[:30], Y[:30], validation_data=(X[30:], Y[30:], sw), epochs=1, verbose=0)
    assert set(h.history) == {"loss", "acc", "mean_absolute_error", "val_loss", "val_acc",
                              "val_mean_absolute_error"}
    d = m.evaluate(X, Y, verbose=0, return_dict=True)
    assert list(d) == ["loss", "acc", "mean_absolute_error"]
    assert np.isclose(d["loss"], m.evaluate(X, Y, verbose=0)[0], rtol=1e-6)


def test_evaluate_weighted_by_sample_weight_by_hand():
    m = keras.Sequential([layers.Dense(1, input_shape=(1,), kernel_initializer="ones",
                                       bias_initializer="zeros")])
    m.compile("sgd", "mse")
    x = np.array([[1.0], [2.0]], np.float32)
    y = np.zeros((2, 1), np.float32)
    assert np.isclose(m.evaluate(x, y, verbose=0), (1 + 4) / 2)
    got = m.evaluate(x, y, sample_weight=np.array([1.0, 3.0]), verbose=0)
    assert np.isclose(got, (1 * 1 + 3 * 4) / 2)


def test_steps_per_epoch_with_arrays_feeds_whole_arrays():
    m = mlp()
    h = m.fit(X, Y, steps_per_epoch=3, epochs=1, verbose=0)
    assert h.params["steps"] == 3 and h.params["samples"] is None


def test_shuffle_false_is_deterministic_and_shuffle_uses_numpy_rng():
    w = None
    for _ in range(2):
        K.clear_session()
        m = mlp()
        if w is None:
            w = m.get_weights()
        m.set_weights(w)
        m.fit(X, Y, epochs=2, batch_size=7, shuffle=False, verbose=0)
        got = m.predict(X)
        if _ == 0:
            first = got
    np.testing.assert_array_equal(first, got)


def test_batch_methods():
    m = mlp()
    out = m.train_on_batch(X[:8], Y[:8])
    assert len(out) == 2
    assert isinstance(m.test_on_batch(X[:8], Y[:8], return_dict=True), dict)
    assert m.predict_on_batch(X[:5]).shape == (5, 3)
    assert m.predict(X, batch_size=7).shape == (40, 3)


def test_sparse_targets_accept_1d_labels():
    m = mlp(loss="sparse_categorical_crossentropy")
    h = m.fit(X, LABELS, epochs=1, verbose=0)
    assert list(h.history) == ["loss", "acc"]


def test_generator_and_sequence_inputs():
    m = mlp()

    def gen():
        while True:
            for i in range(0, 40, 10):
                yield X[i:i + 10], Y[i:i + 10]
    h = m.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert h.params["steps"] == 4 and list(h.history) == ["loss", "acc"]

    class Batches(keras.utils.Sequence):
        def __init__(self):
            self.epochs_ended = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[i * 10:(i + 1) * 10], Y[i * 10:(i + 1) * 10]

        def on_epoch_end(self):
            self.epochs_ended += 1
    seq = Batches()
    h = m.fit_generator(seq, epochs=2, verbose=0, validation_data=seq)
    assert seq.epochs_ended >= 2 and "val_loss" in h.history
    assert m.predict_generator(seq).shape == (40, 3)
    assert len(m.evaluate_generator(seq)) == 2
    with pytest.raises(ValueError, match="steps_per_epoch=None` is only valid"):
        m.fit_generator(gen(), epochs=1, verbose=0)


def test_dropout_active_only_while_training():
    m = keras.Sequential([layers.Dropout(0.5, input_shape=(100,))])
    m.compile("sgd", "mse")
    x = np.ones((4, 100), np.float32)
    np.testing.assert_array_equal(m.predict(x), x)
    lp = K.learning_phase()
    out = K.get_session().run(m.outputs[0], {m.inputs[0]: x, lp: True})
    assert set(np.unique(out)) <= {0.0, 2.0} and (out == 0).any()


def test_keras_model_inside_hand_written_graph():
    m = mlp()
    p = tf.placeholder(tf.float32, [None, 6])
    y = m(p)
    loss = tf.reduce_mean(y)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: X}).shape == (40, 3)
        assert sess.run(loss, {p: X}) > 0


def test_errors():
    m = keras.Sequential([layers.Dense(3, input_shape=(6,))])
    with pytest.raises(RuntimeError, match="You must compile your model"):
        m.fit(X, Y, verbose=0)
    K.clear_session()
    m = mlp()
    with pytest.raises(ValueError, match=r"expected dense_input to have shape \(6,\) but "
                       r"got array with shape \(5,\)"):
        m.fit(X[:, :5], Y, verbose=0)
    with pytest.raises(ValueError, match="Input arrays should have the same number of "
                       "samples as target arrays. Found 40 input samples and 39 target"):
        m.fit(X, Y[:39], verbose=0)
    with pytest.raises(ValueError, match="is not the size the model expected"):
        m.fit([X, X], Y, verbose=0)
    with pytest.raises(ValueError, match="`categorical_crossentropy` expects targets"):
        m.fit(X, LABELS[:, None], verbose=0)
    with pytest.raises(ValueError, match="`class_weight` must contain all classes"):
        m.fit(X, Y, class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="sample_weight cannot be broadcast"):
        m.fit(X, Y, sample_weight=np.ones(3), verbose=0)


def test_multi_output_loss_weights_by_hand():
    x = keras.Input(shape=(1,))
    a = layers.Dense(1, kernel_initializer="ones", use_bias=False, name="a")(x)
    b = layers.Dense(1, kernel_initializer="zeros", use_bias=False, name="b")(x)
    m = keras.Model(x, [a, b])
    m.compile("sgd", ["mse", "mae"], loss_weights=[2.0, 0.5])
    xv = np.array([[2.0]], np.float32)
    out = m.evaluate(xv, [np.zeros((1, 1)), np.ones((1, 1))], verbose=0)
    assert m.metrics_names == ["loss", "a_loss", "b_loss"]
    np.testing.assert_allclose(out, [2 * 4 + 0.5 * 1, 4, 1], rtol=1e-6)


def test_regularization_joins_the_loss():
    m = keras.Sequential([layers.Dense(1, input_shape=(1,), kernel_initializer="ones",
                                       kernel_regularizer=keras.regularizers.l2(0.1),
                                       use_bias=False)])
    m.compile("sgd", "mse")
    assert np.isclose(m.evaluate(np.zeros((1, 1)), np.zeros((1, 1)), verbose=0), 0.1)


def test_frozen_layer_keeps_its_weights_and_its_place_in_model_weights():
    m = keras.Sequential([layers.Dense(3, input_shape=(6,)), layers.Dense(3)])
    m.layers[0].trainable = False
    m.compile("sgd", "mse")
    assert [w.name for w in m.weights] == ["dense/kernel:0", "dense/bias:0",
                                           "dense_1/kernel:0", "dense_1/bias:0"]
    assert [w.name for w in m.trainable_weights] == ["dense_1/kernel:0", "dense_1/bias:0"]
    before = m.get_weights()
    m.fit(X, Y, epochs=1, verbose=0)
    after = m.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    assert not np.array_equal(before[2], after[2])


def test_temporal_sample_weights_by_hand():
    m = keras.Sequential([layers.Dense(1, input_shape=(3, 2), kernel_initializer="ones",
                                       use_bias=False)])
    m.compile("sgd", "mse", sample_weight_mode="temporal")
    x = np.ones((2, 3, 2), np.float32)          # every prediction is 2
    y = np.zeros((2, 3, 1), np.float32)         # every squared error is 4
    sw = np.array([[1, 0, 0], [1, 1, 1]], np.float32)
    assert np.isclose(m.evaluate(x, y, sample_weight=sw, verbose=0), 4 * 4 / 6)
    with pytest.raises(ValueError, match="timestep-wise sample weights"):
        mlp().fit(X, Y, sample_weight=np.ones((40, 2)), verbose=0)
