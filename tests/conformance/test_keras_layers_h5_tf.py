"""HDF5 files with convolution, BatchNormalization, Embedding, Bidirectional LSTM, GRU
and PReLU layers cross between flowgraph.keras and real tf_keras 2.21 both ways (whole
models through load_model, weights through load_weights), with equal predictions."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("tf_keras") \
        is None:
    pytest.skip("tensorflow / tf_keras not importable", allow_module_level=True)

from flowgraph import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from keras_layers_cases import h5_inputs, h5_model  # noqa: E402


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory):
    d = tmp_path_factory.mktemp("keras_layers_h5")
    keras.backend.clear_session()
    model = h5_model(keras)
    ours = model.predict(h5_inputs())
    model.save(str(d / "ours_model.h5"))
    model.save_weights(str(d / "ours_weights.h5"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "keras_layers_h5_reference.py"),
                           str(d)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return d, ours


def test_tf_keras_reads_our_files(exchanged):
    d, ours = exchanged
    theirs = np.load(d / "theirs_pred.npy")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.load(d / "theirs_on_ours_model.npy"), ours, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(np.load(d / "theirs_on_ours_weights.npy"), ours, rtol=1e-5,
                               atol=1e-5)


def test_we_read_tf_keras_files(exchanged):
    d, _ = exchanged
    theirs = np.load(d / "theirs_pred.npy")
    keras.backend.clear_session()
    loaded = keras.models.load_model(str(d / "theirs_model.h5"), compile=False)
    np.testing.assert_allclose(loaded.predict(h5_inputs()), theirs, rtol=1e-5, atol=1e-5)
    keras.backend.clear_session()
    model = h5_model(keras)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(str(d / "theirs_weights.h5"))
    np.testing.assert_allclose(model.predict(h5_inputs()), theirs, rtol=1e-5, atol=1e-5)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__
                                                         for l in model.layers]
