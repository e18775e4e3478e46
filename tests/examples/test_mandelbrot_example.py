"""examples/mandelbrot.py run as a user runs it: its escape counts equal a numpy computation
of the same iteration, and real TensorFlow prints the same lines for the same program."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "mandelbrot.py")


def _run(args, source=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, EXAMPLE] if source is None else [sys.executable, "-c", source,
                                                              EXAMPLE]
    p = subprocess.run(cmd + args, cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, f"mandelbrot failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def _numpy_counts(width, height, iterations):
    re_ = np.linspace(-2.1, 0.9, width, dtype=np.float32)
    im = np.linspace(-1.2, 1.2, height, dtype=np.float32)
    c = (re_[None, :] + 1j * im[:, None]).astype(np.complex64)
    z = c.copy()
    counts = np.zeros(c.shape, np.float32)
    for _ in range(iterations):
        bounded = np.abs(z) < 2
        counts += bounded
        z = np.where(bounded, z * z + c, z)
    return counts


def test_counts_match_numpy(tmp_path):
    out = tmp_path / "counts.npy"
    text = _run(["--width", "40", "--height", "21", "--iterations", "30", "--out", str(out)])
    got = np.load(out)
    want = _numpy_counts(40, 21, 30)
    assert got.shape == (21, 40) and got.dtype == np.float32
    # complex64 rounding may flip a boundary pixel by one step; nothing more.
    assert np.abs(got - want).max() <= 1 and np.mean(got != want) < 0.01
    inside = int(np.sum(want == 30))
    assert 0 < inside < want.size
    m = re.search(r"^points never escaping = (\d+)$", text, re.M)
    assert m and abs(int(m.group(1)) - inside) <= 2
    assert "grid = 21 x 40, iterations = 30" in text
    assert len(text.splitlines()) == 21 + 3


def test_prints_what_real_tensorflow_prints():
    pytest.importorskip("tensorflow")
    shim = ("import sys, runpy, tensorflow.compat.v1 as tf1; tf1.disable_v2_behavior(); "
            "sys.modules['flowgraph'] = tf1; sys.argv = sys.argv[1:]; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    args = ["--width", "30", "--height", "12", "--iterations", "20"]
    assert _run(args, shim).splitlines() == _run(args).splitlines()
