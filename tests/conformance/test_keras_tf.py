"""flowgraph.keras against real tf_keras 2.21 in v1 graph mode: the scenarios of
keras_scenarios.py run in both (the reference in a subprocess, so TF's global v1 switch
stays out of this process), then predictions, weights after training, history keys and
values, evaluate results, configs, summary tables and progress lines are compared."""
import contextlib
import importlib.util
import io
import json
import os
import re
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
import keras_scenarios  # noqa: E402


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = tmp_path_factory.mktemp("keras_ref")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "keras_reference.py"),
                           str(out)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "ref.json") as f:
        results = json.load(f)
    arrays = dict(np.load(out / "ref.npz"))
    return results, arrays


def run_ours(name):
    keras.backend.clear_session()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res, arr = keras_scenarios.SCENARIOS[name](keras)
    res = json.loads(json.dumps(res, default=lambda o: o.item() if hasattr(o, "item") else
                                o.tolist() if hasattr(o, "tolist") else str(o)))
    return res, arr, buf.getvalue()


def final_lines(text):
    """The lines a reader sees once the output settles: in-place progress redraws
    dropped, times and ETAs masked."""
    lines = []
    for raw in re.split(r"[\r\n]", text.replace("\b", "")):
        line = raw.rstrip()
        if not line:
            continue
        m = re.match(r"^\s*(\d+)/(\d+) ", line)
        if m and m.group(1) != m.group(2):
            continue  # an intermediate progress state (timing-dependent)
        line = re.sub(r"\d+(us|ms|s)/(sample|step|epoch)", r"T/\2", line)
        line = re.sub(r" - \d+s\b", " - Ts", line)
        line = re.sub(r"ETA: \S+", "ETA: T", line)
        lines.append(line)
    return lines


def close(a, b, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=rtol, atol=atol)


def check_hist(ours, theirs, rtol=1e-4):
    assert list(ours) == list(theirs)
    for k in theirs:
        close(ours[k], theirs[k], rtol=rtol)


def test_mlp_categorical(ref):
    res, arr, out = run_ours("mlp_categorical")
    want, warr = ref[0]["mlp_categorical"], ref[1]
    close(arr["before"], warr["mlp_categorical/before"])
    check_hist(res["hist"], want["hist"])
    check_hist(res["hist2"], want["hist2"])
    assert res["params"] == want["params"]
    close(res["evaluate"], want["evaluate"])
    assert res["metrics_names"] == want["metrics_names"] == ["loss", "acc"]
    assert res["weight_names"] == want["weight_names"]
    assert res["layer_names"] == want["layer_names"]
    assert res["config"] == want["config"]
    for i in range(4):
        close(arr[f"w{i}"], warr[f"mlp_categorical/w{i}"])
    close(arr["after"], warr["mlp_categorical/after"])
    assert final_lines(out) == final_lines(want["stdout"])


def test_sparse_deferred_sequential(ref):
    res, arr, _ = run_ours("sparse_deferred")
    want, warr = ref[0]["sparse_deferred"], ref[1]
    check_hist(res["hist"], want["hist"])
    close(res["train_on_batch"], want["train_on_batch"])
    close(res["test_on_batch"], want["test_on_batch"])
    assert res["metrics_names"] == want["metrics_names"]
    close(arr["pred"], warr["sparse_deferred/pred"])
    close(arr["pob"], warr["sparse_deferred/pob"])


def test_functional_multi_io_shared_layer(ref):
    res, arr, out = run_ours("functional_multi")
    want, warr = ref[0]["functional_multi"], ref[1]
    check_hist(res["hist"], want["hist"])
    close(res["evaluate"], want["evaluate"])
    for k in ("metrics_names", "layer_names", "output_names"):
        assert res[k] == want[k]
    close(arr["pred0"], warr["functional_multi/pred0"])
    close(arr["pred1"], warr["functional_multi/pred1"])
    assert final_lines(out) == final_lines(want["stdout"])


def test_sample_and_class_weights(ref):
    res, arr, _ = run_ours("weighted")
    want, warr = ref[0]["weighted"], ref[1]
    close(res["evaluate_sw"], want["evaluate_sw"])
    check_hist(res["hist"], want["hist"])
    check_hist(res["hist2"], want["hist2"])
    assert res["epoch"] == want["epoch"]
    close(arr["pred"], warr["weighted/pred"])


def test_core_layers_inference_and_summary(ref):
    res, arr, out = run_ours("dropout_inference")
    want, warr = ref[0]["dropout_inference"], ref[1]
    close(res["evaluate"], want["evaluate"])
    assert res["config"] == want["config"]
    close(arr["pred"], warr["dropout_inference/pred"])
    assert final_lines(out) == final_lines(want["stdout"])


def test_generators(ref):
    res, arr, out = run_ours("generator_fit")
    want, warr = ref[0]["generator_fit"], ref[1]
    check_hist(res["hist"], want["hist"])
    close(res["evaluate"], want["evaluate"])
    close(arr["pred"], warr["generator_fit/pred"])
    assert final_lines(out) == final_lines(want["stdout"])


def test_fit_evaluate_predict_on_datasets(ref):
    res, arr, out = run_ours("dataset_fit")
    want, warr = ref[0]["dataset_fit"], ref[1]
    for k in ("h1", "h2", "h3", "h4", "h5", "deferred"):
        check_hist(res[k], want[k])
    close(res["e1"], want["e1"])
    close(res["e2"], want["e2"])
    assert res["errors"] == want["errors"]
    close(arr["p1"], warr["dataset_fit/p1"])
    close(arr["p2"], warr["dataset_fit/p2"])
    assert final_lines(out) == final_lines(want["stdout"])


def test_structure_summaries_and_configs(ref):
    res, _, out = run_ours("structure")
    want = ref[0]["structure"]
    for k in ("layers", "config", "outer_config", "outer_weights", "sub_name",
              "sub_weights"):
        assert res[k] == want[k], k
    assert final_lines(out) == final_lines(want["stdout"])


def test_layer_updates_and_masks_in_fit(ref):
    res, arr, _ = run_ours("updates_and_masks")
    want, warr = ref[0]["updates_and_masks"], ref[1]
    assert res["bn_weights"] == want["bn_weights"]
    check_hist(res["bn_hist"], want["bn_hist"])
    check_hist(res["seq_hist"], want["seq_hist"])
    for k in ("bn_pred", "bn_moving_mean", "seq_pred"):
        close(arr[k], warr[f"updates_and_masks/{k}"])
