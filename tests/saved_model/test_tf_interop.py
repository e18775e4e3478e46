"""SavedModels cross between flowgraph and live TensorFlow 2.21 both ways: TF's v1 loader
and `tf.saved_model.load` run a flowgraph SavedModel's signatures; flowgraph loads a
TF1-style SavedModel that TF writes here (reference variables, an asset, a main op) and
runs its signatures. Signature protos built by both libraries are compared field by field."""
import os

import numpy as np
import pytest

import flowgraph as tf

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

X = np.arange(8, dtype=np.float32).reshape(2, 4) / 3.0


def _fg_model(d, vocab):
    """A flowgraph SavedModel: two signatures, an asset, a main op."""
    rng = np.random.RandomState(0)
    w0, b0 = rng.randn(4, 3).astype(np.float32), rng.randn(3).astype(np.float32)
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        w = tf.get_variable("dense/kernel", [4, 3])
        b = tf.get_variable("dense/bias", [3])
        logits = tf.nn.bias_add(tf.matmul(x, w), b, name="logits")
        probs = tf.nn.softmax(logits, name="probs")
        top = tf.argmax(logits, 1, name="top")
        asset = tf.constant(vocab, name="vocab_path")
        tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, asset)
        sess.run(tf.global_variables_initializer())
        sess.run([w.assign(w0), b.assign(b0)])
        sigs = {"serving_default": tf.saved_model.predict_signature_def(
            {"x": x}, {"probs": probs, "top": top}),
            "logits": tf.saved_model.predict_signature_def({"inputs": x}, {"out": logits})}
        builder = tf.saved_model.builder.SavedModelBuilder(d)
        builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map=sigs,
                                             assets_collection=[asset],
                                             main_op=tf.group(
                                                 tf.local_variables_initializer()))
        builder.save()
        return sess.run([probs, top, logits], {x: X})


def test_tf_loads_flowgraph_saved_model(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\nc\n")
    d = str(tmp_path / "fg")
    probs, top, logits = _fg_model(d, str(vocab))
    with tf_real.Graph().as_default(), tf1.Session() as sess:
        meta = tf1.saved_model.loader.load(sess, ["serve"], d)
        sig = meta.signature_def["serving_default"]
        got = sess.run({k: v.name for k, v in sig.outputs.items()},
                       {sig.inputs["x"].name: X})
        np.testing.assert_allclose(got["probs"], probs, rtol=1e-5)
        np.testing.assert_array_equal(got["top"], top)
    got = _tf2_load(d)  # TF2's eager loader, in a process of its own (eager may be off here)
    assert got["signatures"] == ["logits", "serving_default"]
    np.testing.assert_allclose(got["out"], logits, rtol=1e-5)
    np.testing.assert_allclose(got["probs"], probs, rtol=1e-5)
    np.testing.assert_array_equal(got["top"], top)


_TF2_LOAD = """
import json, sys
import numpy as np
import tensorflow as tf
x = tf.constant(np.arange(8, dtype=np.float32).reshape(2, 4) / 3.0)
loaded = tf.saved_model.load(sys.argv[1], tags=["serve"])
out = loaded.signatures["logits"](inputs=x)
sd = loaded.signatures["serving_default"](x=x)
print(json.dumps({"signatures": sorted(loaded.signatures), "out": out["out"].numpy().tolist(),
                  "probs": sd["probs"].numpy().tolist(), "top": sd["top"].numpy().tolist()}))
"""


def _tf2_load(d):
    import json
    import subprocess
    import sys
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", _TF2_LOAD, d], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _tf_model(d, vocab, as_text):
    """A TF1-style SavedModel written by TF 2.21: reference variables, assets, main op."""
    with tf_real.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf_real.float32, [None, 4], name="x")
        w = tf1.get_variable("w", initializer=tf_real.constant(
            np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)), use_resource=False)
        counter = tf1.get_variable("counter", initializer=tf_real.constant(0),
                                   use_resource=False,
                                   collections=[tf1.GraphKeys.LOCAL_VARIABLES])
        y = tf_real.nn.relu(tf_real.matmul(x, w), name="y")
        asset = tf_real.constant(vocab, name="vocab_path")
        tf1.add_to_collection(tf1.GraphKeys.ASSET_FILEPATHS, asset)
        path = tf1.get_variable("path", initializer=tf_real.constant(""), use_resource=False,
                                collections=[tf1.GraphKeys.LOCAL_VARIABLES])
        sess.run(tf1.global_variables_initializer())
        sess.run(w.assign(w * 2.0))
        with tf_real.control_dependencies([tf1.local_variables_initializer()]):
            main = tf_real.group(counter.assign(41), path.assign(asset))
        builder = tf1.saved_model.builder.SavedModelBuilder(d)
        builder.add_meta_graph_and_variables(
            sess, ["serve"], signature_def_map={
                "serving_default": tf1.saved_model.predict_signature_def({"x": x}, {"y": y})},
            assets_collection=[asset], main_op=main)
        builder.save(as_text=as_text)
        return sess.run(y, {x: X})


@pytest.mark.parametrize("as_text", [False, True])
def test_flowgraph_loads_tf_saved_model(tmp_path, as_text):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("z\n")
    d = str(tmp_path / "tf")
    want = _tf_model(d, str(vocab), as_text)
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.SERVING], d)
        sig = meta.signature_def["serving_default"]
        x = tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["x"])
        y = tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs["y"])
        np.testing.assert_allclose(sess.run(y, {x: X}), want, rtol=1e-6)
        assert sess.run("counter:0") == 41
        assert sess.run("path:0") == os.path.join(d, "assets", "vocab.txt").encode()


def _signatures(lib, v1):
    """The same signatures built with flowgraph or TF."""
    with lib.Graph().as_default():
        x = v1.placeholder(lib.float32, [None, 3], name="x")
        ex = v1.placeholder(lib.string, [None], name="examples")
        sp = v1.sparse_placeholder(lib.int64, [None, 5], name="sp")
        classes = lib.identity(v1.placeholder(lib.string, [None, 2]), name="classes")
        scores = lib.identity(v1.placeholder(lib.float32, [None, 2]), name="scores")
        ints = v1.placeholder(lib.int32, [4], name="ints")
        dflt = lib.constant([1.0, 2.0], name="dflt")
        u = v1.saved_model
        return {
            "predict": u.predict_signature_def({"x": x, "sp": sp}, {"y": x, "n": ints}),
            "classify": u.classification_signature_def(ex, classes, scores),
            "classify_scores": u.classification_signature_def(ex, None, scores),
            "regress": u.regression_signature_def(ex, scores),
            "built": u.build_signature_def({"x": u.build_tensor_info(x)},
                                           {"i": u.build_tensor_info(ints)}, "m",
                                           defaults={"d": dflt}),
            "bad_classify": u.build_signature_def(
                {"inputs": u.build_tensor_info(x)}, {"scores": u.build_tensor_info(scores)},
                u.CLASSIFY_METHOD_NAME),
            "no_outputs": u.build_signature_def({"x": u.build_tensor_info(x)}, {},
                                                u.PREDICT_METHOD_NAME),
        }


def test_signature_defs_match_tf():
    ours, theirs = _signatures(tf, tf), _signatures(tf_real, tf1)
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        assert ours[key].SerializeToString(deterministic=True) == \
            theirs[key].SerializeToString(deterministic=True), key
        assert tf.saved_model.is_valid_signature(ours[key]) == \
            tf1.saved_model.is_valid_signature(theirs[key]), key


def test_flowgraph_serves_tf_classifier(tmp_path, capsys):
    """A TF-written classifier (parse_example, tf.cond, a string lookup, a Classify
    signature) runs through flowgraph's loader and CLI with TF's results."""
    from flowgraph.tools import saved_model_cli as cli
    from tensorflow.python.tools import saved_model_cli as tcli
    d = str(tmp_path / "clf")
    tf1.enable_control_flow_v2()  # (cond as If: an earlier test may have switched it off)
    with tf_real.Graph().as_default(), tf1.Session() as sess:
        ex = tf1.placeholder(tf_real.string, [None], name="tf_example")
        feats = tf1.io.parse_example(ex, {"x": tf1.io.FixedLenFeature([3], tf_real.float32),
                                          "k": tf1.io.FixedLenFeature([], tf_real.int64,
                                                                      default_value=0)})
        w = tf1.get_variable("w", initializer=tf_real.constant(
            [[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]]), use_resource=False)
        logits = tf_real.matmul(feats["x"], w)
        flip = tf1.placeholder_with_default(False, [], name="flip")
        logits = tf1.cond(flip, lambda: -logits, lambda: logits)
        scores = tf_real.nn.softmax(logits + tf_real.cast(feats["k"], tf_real.float32)[:, None])
        classes = tf_real.gather(tf_real.constant(["neg", "pos"]), tf_real.argmax(scores, 1))
        sess.run(tf1.global_variables_initializer())
        builder = tf1.saved_model.builder.SavedModelBuilder(d)
        builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
            "serving_default": tf1.saved_model.classification_signature_def(
                ex, tf_real.identity(classes, name="classes"),
                tf_real.identity(scores, name="scores"))})
        builder.save()
    examples = 'inputs=[{"x": [1.0, 2.0, 3.0], "k": [1]}, {"x": [0.5, -4.0, 1.0]}]'
    cli.main(["run", "--dir", d, "--tag_set", "serve", "--signature_def", "serving_default",
              "--input_examples", examples])
    ours = capsys.readouterr().out
    with tf_real.Graph().as_default():
        tcli.run_saved_model_with_feed_dict(
            d, "serve", "serving_default", tcli.preprocess_input_examples_arg_string(examples),
            None, False)
    assert ours == capsys.readouterr().out
    # by hand: logits [-1, 3] + k=1 -> class pos; [-2.5, -8.5] -> neg
    assert "Result for output key classes:\n[b'pos' b'neg']" in ours
