"""The training examples run as a user runs them (subprocesses) and learn the answers."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(path, source=None, argv=()):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    args = [sys.executable, path] if source is None else [sys.executable, "-c", source]
    args += list(argv)
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
    assert len(losses) == 5 and losses[-1] < 1e-8 and losses == sorted(losses, reverse=True)


def test_linear_regression_saves_summarizes_and_restores(tmp_path):
    first = _run(LINEAR, None, ["--model_dir", str(tmp_path), "--max_step", "3000",
                                "--save_every", "1000"])
    assert "step  3000:" in first
    assert tf_latest(tmp_path).endswith("model.ckpt-3000")
    assert any(n.startswith("events.out.tfevents.") for n in os.listdir(tmp_path))
    second = _run(LINEAR, None, ["--model_dir", str(tmp_path), "--max_step", "6000",
                                 "--save_every", "1000", "--restore"])
    assert re.search(r"^restored .*model\.ckpt-3000 at step 3000$", second, re.M), second
    assert "step  3000:" not in second and "step  6000:" in second
    m = re.search(r"^learned: W = ([-\d.]+) .*, b = ([-\d.]+) ", second, re.M)
    assert abs(float(m.group(1)) - 0.8) < 1e-3 and abs(float(m.group(2)) - 0.7) < 1e-3
    # The summaries are in the event files: 'error' scalars at the steps run.
    from flowgraph.summary.event_reader import summary_iterator
    tags = {v.tag for f in os.listdir(tmp_path) if f.startswith("events.")
            for e in summary_iterator(str(tmp_path / f)) for v in e.summary.value}
    assert {"error", "weights"} <= tags


def tf_latest(path):
    import flowgraph as tf
    return tf.train.latest_checkpoint(str(path))


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
