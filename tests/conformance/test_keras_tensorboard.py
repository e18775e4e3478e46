"""keras.callbacks.TensorBoard's event files as real TensorBoard reads them: the graph, a
scalar per epoch for each log and histograms of the weights."""
import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402

from flowgraph import keras  # noqa: E402


def test_tensorboard_reads_keras_logs(tmp_path):
    keras.backend.clear_session()
    x = np.random.RandomState(0).standard_normal((16, 3)).astype(np.float32)
    m = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(3,))])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(x, np.arange(16) % 2, epochs=3, verbose=0, validation_split=0.25,
          callbacks=[keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1)])
    acc = ea.EventAccumulator(str(tmp_path), size_guidance={ea.HISTOGRAMS: 0,
                                                            ea.SCALARS: 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"loss", "acc", "val_loss", "val_acc"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("loss")] == [0, 1, 2]
    assert "dense/kernel_0" in tags["histograms"] and tags["graph"]
    names = {n.name for n in acc.Graph().node}
    assert "dense/MatMul" in names
