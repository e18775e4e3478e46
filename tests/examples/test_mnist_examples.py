"""The MNIST examples: the IDX reader on small files written here, the MLP and LeNet-5
trained on scikit-learn's digits as a user runs them (subprocesses, few epochs), and both
reading a tiny MNIST directory in IDX form (gzipped and not)."""
import gzip
import importlib.util
import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def _module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mnist_data = _module("mnist_data")


def write_idx(path, array, type_code, compress=False):
    """Writes `array` in IDX form by hand (the reader must not check itself)."""
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
             0x0E: ">f8"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I",
                                                                 *array.shape)
    raw = header + np.ascontiguousarray(array, dtype=dtype).tobytes()
    with open(path, "wb") as f:
        f.write(gzip.compress(raw) if compress else raw)


def _run(script, *args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"{script} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


# -- the IDX reader ------------------------------------------------------------------------
@pytest.mark.parametrize("type_code,dtype", [(0x08, np.uint8), (0x09, np.int8),
                                             (0x0B, np.int16), (0x0C, np.int32),
                                             (0x0D, np.float32), (0x0E, np.float64)])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_types_and_gzip(tmp_path, type_code, dtype, compress):
    rng = np.random.RandomState(type_code)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:
        a = rng.randint(info.min, int(info.max) + 1, (3, 4, 5)).astype(dtype)
    else:
        a = rng.standard_normal((3, 4, 5)).astype(dtype)
    path = tmp_path / ("x.idx" + (".gz" if compress else ""))
    write_idx(path, a, type_code, compress)
    got = mnist_data.read_idx(str(path))
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, a)


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 2) + b"\x00\x00")
    with pytest.raises(ValueError, match="magic"):
        mnist_data.read_idx(str(bad))
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 2]) + struct.pack(">2I", 3, 3) + b"\x00" * 5)
    with pytest.raises(ValueError, match="expected 9 data bytes"):
        mnist_data.read_idx(str(short))
    odd = tmp_path / "odd"
    odd.write_bytes(bytes([0, 0, 0x07, 1]) + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(ValueError, match="unknown IDX data type"):
        mnist_data.read_idx(str(odd))


def _fake_mnist(directory, n_train=60, n_test=20, compress=True, seed=0):
    """A tiny MNIST-shaped data set: each class a fixed blob pattern plus noise."""
    rng = np.random.RandomState(seed)
    protos = rng.rand(10, 28, 28) > 0.7

    def make(n):
        labels = np.arange(n) % 10
        images = (protos[labels] * 200 + rng.randint(0, 50, (n, 28, 28))).astype(np.uint8)
        return images, labels.astype(np.uint8)
    os.makedirs(directory, exist_ok=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        images, labels = make(n)
        ext = ".gz" if compress else ""
        write_idx(os.path.join(directory, f"{part}-images-idx3-ubyte{ext}"), images, 0x08,
                  compress)
        write_idx(os.path.join(directory, f"{part}-labels-idx1-ubyte{ext}"), labels, 0x08,
                  compress)
    return protos


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_directory(tmp_path, compress):
    _fake_mnist(str(tmp_path), compress=compress)
    name, xtr, ytr, xte, yte = mnist_data.load(str(tmp_path))
    assert name == "MNIST"
    assert xtr.shape == (60, 28, 28) and xte.shape == (20, 28, 28)
    assert xtr.dtype == np.float32 and 0 <= xtr.min() and xtr.max() <= 1
    np.testing.assert_array_equal(ytr, np.arange(60) % 10)
    assert ytr.dtype == np.int64


def test_load_mnist_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        mnist_data.load_mnist(str(tmp_path))


def test_digits_fallback_split():
    pytest.importorskip("sklearn")
    name, xtr, ytr, xte, yte = mnist_data.load(None)
    assert name.startswith("digits")
    assert xtr.shape[1:] == (8, 8) and len(xtr) + len(xte) == 1797
    assert abs(len(xte) - 0.2 * 1797) < 1 and 0 <= xtr.min() and xtr.max() <= 1


def test_lenet_digits_are_upscaled_and_padded():
    lenet5 = _module("lenet5")
    img = np.arange(64, dtype=np.float32).reshape(1, 8, 8)
    big = lenet5.to_28x28(img)
    assert big.shape == (1, 28, 28)
    assert (big[0, :2] == 0).all() and (big[0, :, -2:] == 0).all()
    np.testing.assert_array_equal(big[0, 2:5, 2:5], np.zeros((3, 3)))  # pixel (0, 0) = 0
    np.testing.assert_array_equal(big[0, 2:5, 5:8], np.ones((3, 3)))   # pixel (0, 1) = 1


# -- the examples, run -------------------------------------------------------------------
def _accuracy(out):
    m = re.search(r"^test accuracy: ([\d.]+)$", out, re.M)
    assert m, out
    return float(m.group(1))


def test_mnist_mlp_learns_the_digits():
    pytest.importorskip("sklearn")
    out = _run("mnist_mlp.py", "--epochs", "12")
    epochs = re.findall(r"^epoch +(\d+)/12: loss ([\d.]+), test accuracy ([\d.]+)", out,
                        re.M)
    assert [int(e[0]) for e in epochs] == list(range(1, 13)), out
    assert float(epochs[-1][1]) < float(epochs[0][1])
    assert "64-512-10 MLP" in out
    assert _accuracy(out) >= 0.95, out


def test_lenet5_learns_the_digits():
    pytest.importorskip("sklearn")
    out = _run("lenet5.py", "--epochs", "6")
    assert len(re.findall(r"^epoch +\d+/6: loss", out, re.M)) == 6, out
    assert "61706 parameters" in out
    assert _accuracy(out) >= 0.95, out


@pytest.mark.parametrize("script", ["mnist_mlp.py", "lenet5.py"])
def test_examples_read_an_mnist_directory(tmp_path, script):
    _fake_mnist(str(tmp_path), n_train=200, n_test=50)
    out = _run(script, "--data_dir", str(tmp_path), "--epochs", "3", "--batch_size", "20",
               "--max_steps", "25")
    assert "data: MNIST, 200 training and 50 test images" in out
    assert len(re.findall(r"^epoch ", out, re.M)) == 3
    assert _accuracy(out) >= 0.5, out  # far above chance (0.1) after 25 steps


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None or
                    importlib.util.find_spec("tf_keras") is None,
                    reason="needs real TensorFlow with tf_keras (tf.compat.v1.layers)")
def test_lenet5_runs_unchanged_under_tensorflow(tmp_path):
    """The same source with TF1 compat in place of flowgraph runs and learns."""
    with open(os.path.join(EXAMPLES, "lenet5.py")) as f:
        src = f.read()
    assert "import flowgraph as tf  # noqa: E402\n" in src
    src = src.replace("import flowgraph as tf  # noqa: E402\n",
                      "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n")
    script = tmp_path / "lenet5_tf.py"
    script.write_text(src.replace("os.path.dirname(os.path.abspath(__file__))",
                                  repr(EXAMPLES)))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1")
    p = subprocess.run([sys.executable, str(script), "--epochs", "4"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "61706 parameters" in p.stdout
    assert _accuracy(p.stdout) >= 0.9, p.stdout
