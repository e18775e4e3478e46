"""The examples run as a user would run them, and print the right values."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASICS = os.path.join(ROOT, "examples", "basics.py")


def _run(path, source=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    args = [sys.executable, path] if source is None else [sys.executable, "-c", source]
    p = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{path} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_basics_prints_the_right_values():
    out = _run(BASICS)
    assert "graph tensors: Const:0 Const_1:0 add:0" in out
    assert 'c before running: Tensor("add:0", shape=(), dtype=float32)' in out
    assert re.search(r"^c = 13\.0$", out, re.M)
    assert re.search(r"^row_sums = \[6\. 2\.\]$", out, re.M)
    assert re.search(r"^counter after 3 increments = 3$", out, re.M)
    assert "nested fetch: c = 13.0 | pair = (3.0, 4.0) | total = 8.0" in out
    assert re.search(r"^c\.eval\(\) = 13\.0$", out, re.M)
    assert re.search(r"^total\.eval\(feed\) = 8\.0$", out, re.M)


def test_basics_prints_what_real_tensorflow_prints():
    """The same program under `tensorflow.compat.v1` prints the same lines."""
    pytest.importorskip("tensorflow")
    with open(BASICS) as f:
        src = f.read()
    assert "import flowgraph as tf\n" in src
    tf_src = src.replace("import flowgraph as tf\n", "import tensorflow.compat.v1 as tf\n"
                         "tf.disable_v2_behavior()\n")
    ours = _run(BASICS)
    theirs = _run(BASICS, tf_src)
    assert ours.splitlines() == theirs.splitlines()


def test_readme_quick_start_runs():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    block = readme.split("## Quick start", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    out = _run("README.md quick start", block)
    assert out.splitlines()[0] == "[6. 6.]"
    assert "'count': np.int32(1)" in out or "'count': 1" in out


def test_estimator_census_trains_exports_and_serves(tmp_path):
    """The canned wide & deep example: eval metrics with TF's keys, an export that loads
    and answers, and the same query through saved_model_cli."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "estimator_census.py"),
                        "--steps", "100", "--dir", str(tmp_path)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    metrics = dict(re.findall(r"^eval (\S+): (\S+)$", out, re.M))
    assert sorted(metrics) == ["accuracy", "accuracy_baseline", "auc", "auc_precision_recall",
                               "average_loss", "global_step", "label/mean", "loss",
                               "precision", "prediction/mean", "recall"]
    assert float(metrics["global_step"]) == 100 and float(metrics["accuracy"]) > 0.75
    assert "loaded export: Doctorate, Exec-managerial, age 52 -> >50K" in out
    assert "loaded export: HS-grad, Sales, age 19 -> <=50K" in out
    assert "saved_model_cli run: ok" in out
    assert "Result for output key classes:\n[[b'<=50K' b'>50K']]" in out


def test_estimator_custom_trains_exports_and_serves():
    """examples/estimator_custom.py: a custom model_fn trained and evaluated from a CSV,
    exported, the export queried in Python and through saved_model_cli."""
    out = _run(os.path.join(ROOT, "examples", "estimator_custom.py"))
    assert "trained to global step 400" in out
    accuracy = float(re.search(r"^eval accuracy = ([\d.]+)", out, re.M).group(1))
    assert accuracy > 0.85
    assert "exported signatures: classification, serving_default" in out
    assert "export agrees with Estimator.predict: True" in out
    assert f"export accuracy = {accuracy:.3f}" in out
    cli = re.search(r"Result for output key classes:\n\[(\d) (\d)\]", out)
    first = re.search(r"^first two classes: \[(\d), (\d)\]$", out, re.M)
    assert cli and first and cli.groups() == first.groups()
