#!/usr/bin/env python
"""Regenerates the small TensorFlow-made files under tests/fixtures/ (needs real TF).

    python scripts/make_tf_fixtures.py

* tf_frozen_mlp.pb: a frozen (variables -> Const) 2-layer MLP GraphDef, binary;
  tf_frozen_mlp.pbtxt the same as text; tf_frozen_mlp.json its input and TF's output.
* tf_ckpt/: a TF1 `Saver` checkpoint (model-7.index/.data/.meta, `checkpoint` state
  file) of variables of several dtypes; tf_ckpt.json the saved values.
"""
import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests",
                   "fixtures")


def frozen_mlp():
    g = tf.Graph()
    rng = np.random.RandomState(0)
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        w1 = tf.Variable(rng.randn(4, 5).astype(np.float32), name="layer1/w")
        b1 = tf.Variable(rng.randn(5).astype(np.float32), name="layer1/b")
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1), name="layer1/relu")
        w2 = tf.Variable(rng.randn(5, 3).astype(np.float32), name="layer2/w")
        logits = tf.add(tf.matmul(h, w2), 0.5, name="layer2/logits")
        tf.nn.softmax(logits, name="probs")
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(),
                                                                  ["probs"])
            xs = rng.randn(3, 4).astype(np.float32)
            probs = sess.run("probs:0", {x: xs})
    with open(os.path.join(OUT, "tf_frozen_mlp.pb"), "wb") as f:
        f.write(frozen.SerializeToString())
    tf.io.write_graph(frozen, OUT, "tf_frozen_mlp.pbtxt", as_text=True)
    with open(os.path.join(OUT, "tf_frozen_mlp.json"), "w") as f:
        json.dump({"input": "x:0", "output": "probs:0", "x": xs.tolist(),
                   "probs": probs.tolist()}, f, indent=1)


def checkpoint():
    d = os.path.join(OUT, "tf_ckpt")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    values = {
        "dense/kernel": np.arange(12, dtype=np.float32).reshape(4, 3) / 7,
        "dense/bias": np.array([0.5, -1.25, 3.0], dtype=np.float64),
        "counter": np.int32(41),
        "big": np.array([2 ** 40, -3], dtype=np.int64),
        "mask": np.array([[True, False], [False, True]]),
        "names": np.array([b"alpha", b"", b"gamma"], dtype=object),
        "empty": np.zeros((0, 2), dtype=np.float32),
    }
    g = tf.Graph()
    with g.as_default():
        vs = {k: tf.Variable(v, name=k) for k, v in values.items()}
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        tf.add(tf.matmul(x, vs["dense/kernel"]), tf.cast(vs["dense/bias"], tf.float32),
               name="y")
        saver = tf.train.Saver()
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            cwd = os.getcwd()
            os.chdir(d)
            try:
                saver.save(sess, "model", global_step=7)
            finally:
                os.chdir(cwd)
    out = {}
    for k, v in values.items():
        out[k] = {"dtype": tf.as_dtype(v.dtype if v.dtype != object else tf.string).name,
                  "shape": list(np.shape(v)),
                  "value": [x.decode() for x in v.tolist()] if v.dtype == object
                  else np.asarray(v).tolist()}
    with open(os.path.join(OUT, "tf_ckpt.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    frozen_mlp()
    checkpoint()
    for root, _, files in os.walk(OUT):
        for name in sorted(files):
            p = os.path.join(root, name)
            print(f"{os.path.getsize(p):8d}  {os.path.relpath(p, OUT)}")
