"""flowgraph.keras's layers beyond the core ones against real tf_keras 2.21 in v1 graph
mode: the models of keras_layers_cases.py are built on both sides with the same weights
and inputs (the reference in a subprocess), then weight names/shapes, layer names, config
keys, output shapes, predictions, gradients and BatchNormalization's training outputs and
moving statistics are compared."""
import importlib.util
import json
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
import keras_layers_cases  # noqa: E402


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = tmp_path_factory.mktemp("keras_layers_ref")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "keras_layers_reference.py"),
                           str(out)], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "ref.json") as f:
        results = json.load(f)
    return results, dict(np.load(out / "ref.npz"))


@pytest.mark.parametrize("name", sorted(keras_layers_cases.CASES))
def test_case_matches_tf_keras(ref, name):
    results, arrays = ref
    theirs = results[name]
    assert "error" not in theirs, theirs.get("error")
    keras.backend.clear_session()
    facts, ours = keras_layers_cases.run_case(keras, name)
    facts = json.loads(json.dumps(facts))
    for key in ("weight_names", "weight_shapes", "trainable", "output_shape", "layers"):
        assert facts[key] == theirs[key], key
    prefix = name + "/"
    want = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
    assert sorted(ours) == sorted(want)
    for k, v in want.items():
        np.testing.assert_allclose(ours[k], v, rtol=2e-5, atol=2e-5, err_msg=f"{name} {k}")
