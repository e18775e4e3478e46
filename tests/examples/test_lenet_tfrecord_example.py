"""examples/lenet_tfrecord.py: LeNet-5 fed by a tf.data pipeline over TFRecord files of
tf.train.Examples, run as a user runs it on a tiny MNIST directory; its record files
read back the same in real TF."""
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import flowgraph as tf

from tests.examples.test_mnist_examples import EXAMPLES, ROOT, _fake_mnist, _module, _run


def test_lenet_tfrecord_learns_from_records(tmp_path):
    _fake_mnist(str(tmp_path / "mnist"), n_train=200, n_test=50)
    out = _run("lenet_tfrecord.py", "--data_dir", str(tmp_path / "mnist"),
               "--work_dir", str(tmp_path), "--epochs", "2", "--batch_size", "20",
               "--max_steps", "16")
    assert "data: MNIST, 200 training and 50 test Examples in TFRecord files" in out
    assert len(re.findall(r"^epoch +\d+/2: loss", out, re.M)) == 2, out
    acc = float(re.search(r"^test accuracy: ([\d.]+)$", out, re.M).group(1))
    assert acc >= 0.5, out  # far above chance (0.1) after 16 steps
    assert (tmp_path / "train.tfrecord").exists()


def test_records_parse_the_same_in_tensorflow(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    ex = _module("lenet_tfrecord")
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, (5, 28, 28)).astype(np.float32) / 255.0
    labels = np.arange(5)
    path = str(tmp_path / "r.tfrecord")
    ex.write_records(path, images, labels)
    tfv1 = tf_real.compat.v1
    with tf_real.Graph().as_default():
        ds = tfv1.data.TFRecordDataset(path).map(_tf_parse(tfv1)).batch(5)
        x, y = tfv1.data.make_one_shot_iterator(ds).get_next()
        with tfv1.Session() as s:
            theirs_x, theirs_y = s.run([x, y])
    with tf.Graph().as_default():
        ds = tf.data.TFRecordDataset(path).map(ex.parse).batch(5)
        x, y = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
        with tf.Session() as s:
            ours_x, ours_y = s.run([x, y])
    np.testing.assert_array_equal(ours_x, theirs_x)
    np.testing.assert_array_equal(ours_y, theirs_y)
    np.testing.assert_allclose(ours_x[..., 0], images, atol=1 / 255)


def _tf_parse(tf):
    """The example's `parse`, written against real TF's compat.v1 module."""
    def parse(record):
        f = tf.parse_single_example(record, {
            "image": tf.FixedLenFeature([], tf.string),
            "label": tf.FixedLenFeature([], tf.int64)})
        image = tf.reshape(tf.decode_raw(f["image"], tf.uint8), [28, 28, 1])
        return tf.cast(image, tf.float32) / 255.0, f["label"]
    return parse


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None or
                    importlib.util.find_spec("tf_keras") is None,
                    reason="needs real TensorFlow with tf_keras (tf.compat.v1.layers)")
def test_lenet_tfrecord_runs_unchanged_under_tensorflow(tmp_path):
    with open(os.path.join(EXAMPLES, "lenet_tfrecord.py")) as f:
        src = f.read()
    assert "import flowgraph as tf  # noqa: E402\n" in src
    src = src.replace("import flowgraph as tf  # noqa: E402\n",
                      "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n")
    script = tmp_path / "lenet_tfrecord_tf.py"
    script.write_text(src.replace("os.path.dirname(os.path.abspath(__file__))",
                                  repr(EXAMPLES)))
    _fake_mnist(str(tmp_path / "mnist"), n_train=200, n_test=50)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1")
    p = subprocess.run([sys.executable, str(script), "--data_dir", str(tmp_path / "mnist"),
                        "--work_dir", str(tmp_path), "--epochs", "2", "--batch_size", "20",
                        "--max_steps", "16"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert len(re.findall(r"^epoch +\d+/2: loss", p.stdout, re.M)) == 2, p.stdout
