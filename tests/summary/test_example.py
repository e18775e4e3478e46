"""examples/summaries.py writes what TensorBoard shows: the `error` scalar, the `weights`
histogram and the graph; under real TensorFlow the same program logs the same series."""
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "summaries.py")


def _run(logdir, source=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    args = [sys.executable, EXAMPLE, logdir] if source is None else \
        [sys.executable, "-c", source, logdir]
    p = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    acc = ea.EventAccumulator(logdir, size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    return p.stdout, acc


def test_example_logs_error_weights_and_graph(tmp_path):
    out, acc = _run(str(tmp_path))
    assert f"logs written to {tmp_path}" in out
    tags = acc.Tags()
    assert tags["scalars"] == ["error"] and tags["histograms"] == ["weights"]
    assert tags["graph"]
    errors = acc.Scalars("error")
    assert [e.step for e in errors] == list(range(100))
    assert errors[0].value > 1.0 and errors[-1].value < 1e-3
    assert all(b.value <= a.value * 1.001 for a, b in zip(errors, errors[1:]))
    hist = acc.Histograms("weights")
    assert len(hist) == 100 and all(h.histogram_value.num == 3 for h in hist)
    last = hist[-1].histogram_value
    np.testing.assert_allclose([last.min, last.max], [-3.0, 2.0], atol=0.01)
    names = {n.name for n in acc.Graph().node}
    assert {"x", "y", "model/weights", "model/bias", "loss/Mean", "error",
            "weights", "Merge/MergeSummary"} <= names


def test_same_series_as_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    src = open(EXAMPLE).read()
    assert "import flowgraph as tf\n" in src
    tf_src = src.replace("import flowgraph as tf\n", "import tensorflow.compat.v1 as tf\n"
                         "tf.disable_v2_behavior()\n")
    _, ours = _run(str(tmp_path / "ours"))
    _, theirs = _run(str(tmp_path / "tf"), tf_src)
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"]
    assert ours.Tags()["histograms"] == theirs.Tags()["histograms"]
    a = [e.value for e in ours.Scalars("error")]
    b = [e.value for e in theirs.Scalars("error")]
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)
    ha, hb = ours.Histograms("weights")[-1], theirs.Histograms("weights")[-1]
    assert ha.step == hb.step == 99
    np.testing.assert_allclose([ha.histogram_value.min, ha.histogram_value.max],
                               [hb.histogram_value.min, hb.histogram_value.max], rtol=1e-4)
    ours_nodes = {n.name for n in ours.Graph().node}
    tf_nodes = {n.name for n in theirs.Graph().node}
    forward = {n for n in tf_nodes if not n.startswith(("gradients", "GradientDescent"))}
    assert forward <= ours_nodes
