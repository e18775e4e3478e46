"""Keras model files cross between flowgraph and real Keras (tf_keras 2.21, TF 2.21 in v1
graph mode) both ways: `model.save('m.h5')` / `load_model`, `save_weights` /
`load_weights` in HDF5 and in TF checkpoint format. Predictions from the loaded models,
optimizer state and the HDF5 layout are compared. tf_keras runs in its own process
(keras_files_ref.py) because TF's v1 switch is global."""

import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
h5py = pytest.importorskip("h5py")

from flowgraph.keras import backend as K  # noqa: E402
from flowgraph.keras import layers, models, optimizers  # noqa: E402
from flowgraph.train import checkpoint  # noqa: E402

# The parts of `tf.keras` the scenarios use, by module (the namespace is the engine's).
keras = types.SimpleNamespace(layers=layers, models=models, optimizers=optimizers,
                              Sequential=models.Sequential, Model=models.Model)
from tests.conformance import keras_files_scenarios as sc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = sorted(sc.SCENARIOS)


def _flat(pred):
    if isinstance(pred, list):
        return np.concatenate([np.asarray(p).reshape(len(p), -1) for p in pred], axis=1)
    return np.asarray(pred)


@pytest.fixture(scope="module")
def cross(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("keras_files"))
    ours = {}
    for name, build in sc.SCENARIOS.items():
        K.clear_session()
        m, x, y = build(keras)
        m.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
        ours[name] = {"pred": _flat(m.predict(x)), "opt": m.optimizer.get_weights(),
                      "weights": m.get_weights()}
        m.save(os.path.join(out, "fg_%s.h5" % name))
        m.save_weights(os.path.join(out, "fg_%s_w.h5" % name))
        m.save_weights(os.path.join(out, "fg_%s_ckpt" % name))
        ours[name]["layout_model"] = sc.h5_layout(h5py, os.path.join(out, "fg_%s.h5" % name))
        ours[name]["layout_weights"] = sc.h5_layout(h5py,
                                                   os.path.join(out, "fg_%s_w.h5" % name))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "keras_files_ref.py"), out],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(os.path.join(out, "ref.json")) as f:
        ref = json.load(f)
    arrays = dict(np.load(os.path.join(out, "ref.npz")))
    return out, ours, ref, arrays


@pytest.mark.parametrize("name", NAMES)
def test_tf_keras_loads_flowgraph_model(cross, name):
    _, ours, ref, arrays = cross
    np.testing.assert_allclose(arrays[name + "/load_model"], ours[name]["pred"], rtol=1e-5,
                               atol=1e-6)
    assert ref[name]["optimizer"] == type(sc.SCENARIOS[name](keras)[0].optimizer).__name__
    assert ref[name]["n_opt"] == len(ours[name]["opt"])
    for i, v in enumerate(ours[name]["opt"]):
        np.testing.assert_allclose(arrays["%s/opt_%d" % (name, i)], v, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("suffix", ["_w.h5", "_ckpt"])
def test_tf_keras_loads_flowgraph_weights(cross, name, suffix):
    _, ours, _, arrays = cross
    np.testing.assert_allclose(arrays["%s/load_weights%s" % (name, suffix)],
                               ours[name]["pred"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_flowgraph_loads_tf_keras_model(cross, name):
    out, _, ref, arrays = cross
    K.clear_session()
    m = keras.models.load_model(os.path.join(out, "tf_%s.h5" % name))
    _, x, _ = sc.SCENARIOS[name](keras)
    np.testing.assert_allclose(_flat(m.predict(x)), arrays[name + "/pred"], rtol=1e-5,
                               atol=1e-6)
    saved = [arrays["%s/tf_opt_%d" % (name, i)] for i in range(len(m.optimizer.weights))
             if "%s/tf_opt_%d" % (name, i) in arrays]
    assert len(saved) == len(m.optimizer.weights)
    for got, want in zip(m.optimizer.get_weights(), saved):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    cfg = ref[name]["training_config"]["optimizer_config"]
    assert type(m.optimizer).__name__ == cfg["class_name"]
    np.testing.assert_allclose(K.get_value(m.optimizer.learning_rate),
                               cfg["config"]["learning_rate"], rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("suffix", ["_w.h5", "_ckpt"])
def test_flowgraph_loads_tf_keras_weights(cross, name, suffix):
    out, _, _, arrays = cross
    K.clear_session()
    m, x, _ = sc.SCENARIOS[name](keras)
    m.load_weights(os.path.join(out, "tf_%s%s" % (name, suffix)))
    np.testing.assert_allclose(_flat(m.predict(x)), arrays[name + "/pred"], rtol=1e-5,
                               atol=1e-6)


def _without_optimizer_names(layout):
    """Optimizer variable names are each framework's own graph names; compare the rest."""
    out = {}
    for path, entry in layout.items():
        if path.startswith("optimizer_weights"):
            continue
        out[path] = entry
    return out


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["layout_model", "layout_weights"])
def test_same_hdf5_layout_as_tf_keras(cross, name, kind):
    _, ours, ref, _ = cross
    assert _without_optimizer_names(ours[name][kind]) == \
        _without_optimizer_names(ref[name][kind])


@pytest.mark.parametrize("name", NAMES)
def test_same_optimizer_weights_layout(cross, name):
    _, ours, ref, _ = cross
    mine = ours[name]["layout_model"]
    theirs = ref[name]["layout_model"]
    shapes = lambda lay: sorted((e["dtype"], tuple(e["shape"])) for p, e in lay.items()
                                if p.startswith("optimizer_weights/") and "shape" in e)
    assert shapes(mine) == shapes(theirs)


@pytest.mark.parametrize("name", NAMES)
def test_same_checkpoint_keys_as_tf_keras(cross, name):
    """The object-based checkpoint names every weight, optimizer variable and slot by the
    same attribute path as tf_keras's (`layer_with_weights-0/forward_layer/cell/kernel`,
    `.../.OPTIMIZER_SLOT/optimizer/m/...`)."""
    out, _, ref, _ = cross
    ours = sorted(checkpoint.BundleReader(os.path.join(out, "fg_%s_ckpt" % name)).keys())
    assert ours == ref[name]["ckpt_keys"]
