"""keras.callbacks: hook order, History, EarlyStopping, ModelCheckpoint, CSVLogger,
LambdaCallback, TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler, TensorBoard."""
import csv
import os

import numpy as np
import pytest

from flowgraph import keras
from flowgraph.keras import backend as K
from flowgraph.keras import callbacks, layers
from flowgraph.summary import event_reader

RNG = np.random.RandomState(0)
X = RNG.standard_normal((32, 4)).astype(np.float32)
Y = (X.sum(axis=1, keepdims=True) > 0).astype(np.float32)


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


def model(lr=0.01):
    m = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    m.compile(keras.optimizers.SGD(lr), "binary_crossentropy", metrics=["acc"])
    return m


def test_hook_order_and_logs():
    calls = []

    class Recorder(callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                def hook(*args):
                    calls.append((name,) + tuple(a for a in args if not isinstance(a, dict)))
                    if name == "on_epoch_end":
                        calls.append(("logs",) + tuple(sorted(args[1])))
                return hook
            return super().__getattribute__(name)
    m = model()
    rec = Recorder()
    m.fit(X, Y, batch_size=16, epochs=1, verbose=0, validation_split=0.5,
          callbacks=[rec])
    assert rec.model is m and rec.params["samples"] == 16
    assert calls == [("on_train_begin",), ("on_epoch_begin", 0),
                     ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
                     ("on_test_begin",), ("on_test_batch_begin", 0),
                     ("on_test_batch_end", 0), ("on_test_end",), ("on_epoch_end", 0),
                     ("logs", "acc", "loss", "val_acc", "val_loss"), ("on_train_end",)]


def test_early_stopping_restores_best_weights():
    m = model(lr=0.0)  # no progress: stops after `patience` epochs
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    h = m.fit(X, Y, epochs=10, verbose=0, callbacks=[stop])
    assert len(h.epoch) == 3 and stop.stopped_epoch == 2

    seen = []
    m = model(lr=0.5)
    m.fit(X, Y, epochs=1, verbose=0)
    logger = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((logs["loss"], m.get_weights())))
    stop = callbacks.EarlyStopping(monitor="loss", mode="max", patience=1,
                                   restore_best_weights=True)
    m.fit(X, Y, epochs=10, verbose=0, callbacks=[logger, stop])
    best = int(np.argmax([s[0] for s in seen]))
    for a, b in zip(m.get_weights(), seen[best][1]):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_best_only(tmp_path):
    m = model(lr=0.5)
    path = str(tmp_path / "w-{epoch:02d}.h5")
    ck = callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True,
                                   save_weights_only=True)
    m.fit(X, Y, epochs=3, verbose=0, callbacks=[ck])
    saved = sorted(os.listdir(tmp_path))
    assert saved and saved[0] == "w-01.h5"
    full = str(tmp_path / "model.h5")
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(full)])
    m2 = keras.models.load_model(full)
    np.testing.assert_allclose(m2.predict(X), m.predict(X), rtol=1e-6)


def test_csv_logger(tmp_path):
    path = str(tmp_path / "log.csv")
    model().fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "acc", "loss"] and [r[0] for r in rows[1:]] == ["0", "1"]


def test_terminate_on_nan(capsys):
    m = keras.Sequential([layers.Dense(1, input_shape=(4,))])
    m.compile(keras.optimizers.SGD(1e30), "mse")
    h = m.fit(X, Y * 1e10, epochs=5, batch_size=8, verbose=0,
              callbacks=[callbacks.TerminateOnNaN()])
    assert len(h.epoch) < 5 or np.isnan(h.history["loss"][-1])
    assert "Invalid loss, terminating training" in capsys.readouterr().out


def test_learning_rate_callbacks():
    m = model(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    h = m.fit(X, Y, epochs=3, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    m = model(lr=0.2)  # the loss falls: with mode="max" it never improves
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", mode="max", factor=0.5,
                                          patience=1, min_lr=0.0)
    h = m.fit(X, Y, epochs=3, verbose=0, callbacks=[plateau])
    assert np.isclose(K.get_value(m.optimizer.lr), 0.05)


def test_tensorboard_writes_graph_scalars_and_histograms(tmp_path):
    m = model()
    tb = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[tb], validation_split=0.25)
    events = list(event_reader.read_events(str(tmp_path)))
    assert any(e.HasField("graph_def") for e in events)
    scalars = {(v.tag, e.step) for e in events if e.HasField("summary")
               for v in e.summary.value if v.HasField("simple_value")}
    assert {("loss", 0), ("acc", 1), ("val_loss", 1)} <= scalars
    hists = {v.tag for e in events if e.HasField("summary") for v in e.summary.value
             if v.HasField("histo")}
    assert "dense/kernel_0" in hists
