"""The training examples run as a user runs them (subprocesses) and learn the answers."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(path, source=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    args = [sys.executable, path] if source is None else [sys.executable, "-c", source]
    p = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"{path} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def _with_real_tf(path):
    """The example's source with `import flowgraph as tf` swapped for TF1 compat."""
    with open(path) as f:
        src = f.read()
    return src.replace("import flowgraph as tf",
                       "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()")


LINEAR = os.path.join(ROOT, "examples", "linear_regression.py")
LOGISTIC = os.path.join(ROOT, "examples", "logistic_regression.py")


def test_linear_regression_learns_the_line():
    out = _run(LINEAR)
    m = re.search(r"^learned: W = ([-\d.]+) \(true 0\.8\), b = ([-\d.]+) \(true 0\.7\)$",
                  out, re.M)
    assert m, out
    assert abs(float(m.group(1)) - 0.8) < 1e-3 and abs(float(m.group(2)) - 0.7) < 1e-3
    losses = [float(v) for v in re.findall(r"loss = ([\d.e+-]+)", out)]
    assert losses[0] > 1e-2 and losses[-1] < 1e-8 and losses == sorted(losses, reverse=True)


def test_logistic_regression_separates_the_classes():
    out = _run(LOGISTIC)
    assert re.search(r"^accuracy = 1\.0000$", out, re.M), out
    losses = [float(v) for v in re.findall(r"loss = ([\d.]+)", out)]
    assert losses[0] == pytest.approx(0.6931, abs=1e-4) and losses[-1] < 0.01


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                    reason="needs real TensorFlow")
def test_examples_print_what_tensorflow_prints():
    # Logistic regression starts from zeros: every printed number matches TF's.
    assert _run(LOGISTIC) == _run(LOGISTIC, _with_real_tf(LOGISTIC))
    # Linear regression starts from a random W (different generators): same answer.
    last = [_run(LINEAR, src).strip().splitlines()[-1]
            for src in (None, _with_real_tf(LINEAR))]
    assert last[0] == last[1]
