"""keras.saving in flowgraph alone: round trips of whole models and weights (HDF5 and TF
checkpoints), resuming training from a file, by-name loading, the errors Keras raises,
chunked HDF5 attributes and the refusal to deserialize Lambda bytecode."""

import json
import os

import h5py
import numpy as np
import pytest

from flowgraph.framework import errors
from flowgraph.keras import backend as K
from flowgraph.keras import layers, models, optimizers, saving
from flowgraph.keras.saving import hdf5_format
from flowgraph.train import saver as saver_module

RNG = np.random.RandomState(0)
X = RNG.rand(12, 5).astype("float32")
Y = np.eye(3, dtype="float32")[np.arange(12) % 3]


@pytest.fixture(autouse=True)
def _fresh():
    K.clear_session()
    yield
    K.clear_session()


def mlp(units=8, name=None):
    m = models.Sequential([layers.Dense(units, activation="relu", input_shape=(5,)),
                           layers.Dense(3, activation="softmax", name=name)])
    m.compile(optimizer=optimizers.Adam(0.01), loss="categorical_crossentropy")
    return m


def test_model_round_trip_and_resume_training(tmp_path):
    m = mlp()
    m.fit(X, Y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    path = str(tmp_path / "m.h5")
    m.save(path)
    before = m.predict(X)
    m.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    continued = m.get_weights()

    K.clear_session()
    m2 = models.load_model(path)
    np.testing.assert_allclose(m2.predict(X), before, rtol=1e-6)
    assert type(m2.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(K.get_value(m2.optimizer.learning_rate), 0.01, rtol=1e-6)
    assert K.get_value(m2.optimizer.iterations) == 6
    m2.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(m2.get_weights(), continued):  # the optimizer state came back too
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_file_attrs(tmp_path):
    m = mlp()
    m.save(str(tmp_path / "m.h5"), include_optimizer=False)
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        assert f.attrs["keras_version"] == "2.21.0" and f.attrs["backend"] == "tensorflow"
        cfg = json.loads(f.attrs["model_config"])
        assert cfg["class_name"] == "Sequential"
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
        assert [n.decode() if isinstance(n, bytes) else n
                for n in f["model_weights"].attrs["layer_names"]] == ["dense", "dense_1"]
    K.clear_session()
    m2 = models.load_model(str(tmp_path / "m.h5"))  # no training config: not compiled
    assert m2.optimizer is None
    m3 = models.load_model(str(tmp_path / "m.h5"), compile=False)
    assert m3.optimizer is None


@pytest.mark.parametrize("path", ["w.h5", "ckpt/w", "w.keras"])
def test_weights_round_trip(tmp_path, path):
    m = mlp()
    m.fit(X, Y, epochs=1, verbose=0)
    full = str(tmp_path / path)
    m.save_weights(full)
    want = m.predict(X)
    K.clear_session()
    m2 = mlp()
    m2.load_weights(full)
    np.testing.assert_allclose(m2.predict(X), want, rtol=1e-6)
    if "ckpt" in path:
        assert os.path.exists(str(tmp_path / "ckpt" / "checkpoint"))
        m3 = mlp()
        m3.load_weights(str(tmp_path / "ckpt"))  # a folder: its latest checkpoint
        np.testing.assert_allclose(m3.predict(X), want, rtol=1e-6)


def test_checkpoint_restores_optimizer_slots(tmp_path):
    m = mlp()
    m.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    m.save_weights(str(tmp_path / "ck"))
    state = m.optimizer.get_weights()
    K.clear_session()
    m2 = mlp()
    m2.load_weights(str(tmp_path / "ck"))
    got = m2.optimizer.get_weights()
    assert len(got) == len(state)
    for a, b in zip(sorted(got, key=np.size), sorted(state, key=np.size)):
        np.testing.assert_allclose(a, b)


def test_by_name_and_skip_mismatch(tmp_path):
    m = mlp(name="head")
    m.save_weights(str(tmp_path / "w.h5"))
    want = m.get_weights()
    K.clear_session()
    other = models.Sequential([layers.Dense(8, input_shape=(4,)),
                               layers.Dense(3, name="head")])
    with pytest.raises(ValueError, match="Shape mismatch in layer #0 \\(named dense\\)"):
        other.load_weights(str(tmp_path / "w.h5"), by_name=True)
    kernel = other.get_weights()[0]
    other.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    got = other.get_weights()
    np.testing.assert_array_equal(got[0], kernel)  # (4, 8) vs saved (5, 8): skipped
    for a, b in zip(got[1:], want[1:]):  # the bias and the head are loaded
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="skip_mismatch can only be set"):
        other.load_weights(str(tmp_path / "w.h5"), skip_mismatch=True)
    with pytest.raises(NotImplementedError, match="by_name=True"):
        other.load_weights(str(tmp_path / "ckpt"), by_name=True)


def test_topology_errors(tmp_path):
    m = mlp()
    m.save_weights(str(tmp_path / "w.h5"))
    K.clear_session()
    three = models.Sequential([layers.Dense(8, input_shape=(5,)), layers.Dense(3),
                               layers.Dense(3)])
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights from "
                                         "file. Model expected 3 layers, found 2 saved"):
        three.load_weights(str(tmp_path / "w.h5"))
    wide = models.Sequential([layers.Dense(9, input_shape=(5,)), layers.Dense(3)])
    with pytest.raises(ValueError, match="Shape mismatch in layer #0"):
        wide.load_weights(str(tmp_path / "w.h5"))
    nobias = models.Sequential([layers.Dense(8, input_shape=(5,), use_bias=False),
                                layers.Dense(3)])
    with pytest.raises(ValueError, match="Weight count mismatch for layer #0"):
        nobias.load_weights(str(tmp_path / "w.h5"))


def test_format_errors(tmp_path):
    m = mlp()
    with pytest.raises(ValueError, match="looks like an HDF5 file"):
        m.save_weights(str(tmp_path / "w.h5"), save_format="tf")
    with pytest.raises(ValueError, match="Unknown format"):
        m.save_weights(str(tmp_path / "w"), save_format="zip")
    with pytest.raises(NotImplementedError, match="SavedModel"):
        m.save(str(tmp_path / "sm"), save_format="tf")
    with pytest.raises(OSError, match="No file or directory found at"):
        models.load_model(str(tmp_path / "missing.h5"))
    m.save(str(tmp_path / "plain"))  # no extension: HDF5, TF 1.x's default
    assert h5py.is_hdf5(str(tmp_path / "plain"))
    assert models.load_model(str(tmp_path / "plain")) is not None
    with pytest.raises(errors.NotFoundError):
        m.load_weights(str(tmp_path / "nothing_here"))


def test_h5py_file_objects(tmp_path):
    m = mlp()
    with h5py.File(str(tmp_path / "m.h5"), "w") as f:
        saving.save_model(m, f)
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        m2 = saving.load_model(f)
    np.testing.assert_allclose(m2.predict(X), m.predict(X), rtol=1e-6)


def test_long_attribute_lists_are_chunked(tmp_path):
    names = [("layer_%05d" % i).encode() for i in range(8000)]
    with h5py.File(str(tmp_path / "a.h5"), "w") as f:
        hdf5_format.save_attributes_to_hdf5_group(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names0" in f.attrs
        assert "layer_names1" in f.attrs
        assert hdf5_format.load_attributes_from_hdf5_group(f, "layer_names") == \
            [n.decode() for n in names]
        with pytest.raises(RuntimeError, match="larger than 64512 bytes"):
            hdf5_format.save_attributes_to_hdf5_group(f, "big", [b"x" * 70000])


def double(t):
    return t * 2.0


def test_lambda_layers(tmp_path):
    """A named function is saved by name and comes back through `custom_objects`; a
    Keras file holding a lambda's bytecode is refused unless safe_mode=False (and even
    then flowgraph does not run it)."""
    m = models.Sequential([layers.Lambda(double, input_shape=(5,)), layers.Dense(2)])
    path = str(tmp_path / "lam.h5")
    m.save(path)
    want = m.predict(X)
    K.clear_session()
    m2 = models.load_model(path, custom_objects={"double": double})
    np.testing.assert_allclose(m2.predict(X), want, rtol=1e-6)

    with h5py.File(path, "a") as f:  # what Keras writes for `Lambda(lambda t: t * 2)`
        cfg = json.loads(f.attrs["model_config"])
        lam = cfg["config"]["layers"][1]["config"]
        lam.update(function=["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkA"
                             "KQHaAXRyAgAAAHICAAAA+gE8bGFtYmRhPg==", None, None],
                   function_type="lambda")
        f.attrs["model_config"] = json.dumps(cfg).encode("utf8")
    K.clear_session()
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(path)
    with pytest.raises(ValueError, match="bytecode"):
        models.load_model(path, safe_mode=False)


def test_nested_model_round_trip(tmp_path):
    """A Sequential used as a layer: its weights are saved flat under its own group."""
    inner = models.Sequential([layers.Dense(6, activation="relu", input_shape=(5,)),
                               layers.Dense(4)], name="inner")
    inputs = layers.Input((5,))
    m = models.Model(inputs, layers.Dense(2, name="head")(inner(inputs)))
    m.compile(optimizer="sgd", loss="mse")
    path = str(tmp_path / "nested.h5")
    m.save(path)
    want = m.predict(X)
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights/inner"].attrs["weight_names"]]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    K.clear_session()
    np.testing.assert_allclose(models.load_model(path).predict(X), want, rtol=1e-6)


def test_load_weights_from_a_name_based_checkpoint(tmp_path):
    """A `tf.train.Saver` checkpoint (no object graph) is read by variable names."""
    m = mlp()
    saver_module.Saver(var_list=m.weights).save(K.get_session(), str(tmp_path / "s"))
    want = m.predict(X)
    K.clear_session()
    m2 = mlp()
    m2.load_weights(str(tmp_path / "s"))
    np.testing.assert_allclose(m2.predict(X), want, rtol=1e-6)
