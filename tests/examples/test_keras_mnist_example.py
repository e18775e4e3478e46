"""examples/keras_mnist.py (the tutorials' two Keras programs) on the offline digits: it
runs, learns, and reaches the accuracy real tf_keras reaches with the very same program
(its import lines swapped) on the same data."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "keras_mnist.py")
IMPORTS = ("from flowgraph.keras import models, layers\n"
           "from flowgraph.keras.utils import to_categorical\n"
           "from flowgraph import keras\n")
TF_IMPORTS = ("import tensorflow.compat.v1 as _tf\n_tf.disable_v2_behavior()\n"
              "from tf_keras import models, layers\n"
              "from tf_keras.utils import to_categorical\n"
              "import tf_keras as keras\n")


def _run(args, source=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    cmd = [sys.executable, EXAMPLE] if source is None else [sys.executable, "-c", source]
    p = subprocess.run(cmd + args, cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    return p.stdout


def _accuracies(out):
    return [float(a) for a in re.findall(r"^program \d: test_loss=\S+ test_acc=(\S+)$",
                                         out, re.M)]


@pytest.fixture(scope="module")
def ours():
    pytest.importorskip("sklearn")
    return _run(["--epochs", "3"])


def test_programs_run_and_learn(ours):
    accs = _accuracies(ours)
    assert len(accs) == 2 and min(accs) > 0.8, ours[-1500:]
    assert "Train on 1438 samples" in ours and "Epoch 3/3" in ours
    assert re.search(r"^1438/1438 \[=+\] - \d+s \d+(us|ms)/sample - loss: \d\.\d{4} - "
                     r"acc: \d\.\d{4}$", ours, re.M)
    assert "predicted digits:" in ours


def test_accuracy_matches_tf_keras_within_noise(ours):
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    with open(EXAMPLE) as f:
        src = f.read()
    assert IMPORTS in src
    tf_src = src.replace(IMPORTS, TF_IMPORTS).replace(
        'if __name__ == "__main__":\n    main()', "main()")
    theirs = _accuracies(_run(["--epochs", "3"], source=tf_src))
    for a, b in zip(_accuracies(ours), theirs):
        assert abs(a - b) < 0.08, (a, b)
