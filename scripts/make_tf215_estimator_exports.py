#!/usr/bin/env python
"""Writes tests/fixtures/tf215_exports/: SavedModels exported by TensorFlow 2.15.1's canned
estimators (tensorflow-estimator 2.15.0; estimators left TF after 2.15), with their
signatures' outputs as TF computes them. Run with that TF (a venv of its own):

    /path/to/tf215/bin/python scripts/make_tf215_estimator_exports.py

- `dnn_classifier/`: `DNNClassifier(hidden_units=[4], n_classes=3)` over a numeric column
  `x` of shape [2], trained 8 steps, exported with a parsing serving input receiver
  (signatures `serving_default`, `classification`, `predict`; resource variables, a
  function library with `StatelessIf`/`Optional*` ops from the zero-fraction summaries);
- `linear_regressor/`: `LinearRegressor` over `x` and `k` (an int64 categorical column
  with identity buckets), trained 8 steps (signatures `serving_default`, `regression`,
  `predict`);
- `expected.json`: for each model and signature, the examples fed (feature dicts) and
  the outputs TF 2.15's loader gives.
"""
import glob
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "tf215_exports")
EXAMPLES = [{"x": [1.0, -2.0], "k": [1]}, {"x": [0.25, 0.5], "k": [0]},
            {"x": [-3.0, 1.5], "k": [2]}]


def _example(features):
    ex = tf.train.Example()
    for name, values in features.items():
        f = ex.features.feature[name]
        if isinstance(values[0], float):
            f.float_list.value.extend(values)
        else:
            f.int64_list.value.extend(values)
    return ex.SerializeToString()


def _export(name, est, columns, train_features, labels):
    est.train(tf.compat.v1.estimator.inputs.numpy_input_fn(
        train_features, labels, batch_size=8, num_epochs=2, shuffle=False))
    spec = tf.feature_column.make_parse_example_spec(columns)
    tmp = tempfile.mkdtemp()
    path = est.export_saved_model(
        tmp, tf.estimator.export.build_parsing_serving_input_receiver_fn(spec))
    dest = os.path.join(OUT, name)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.move(path.decode() if isinstance(path, bytes) else path, dest)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _outputs(export_dir):
    """{signature: {output key: value list}} from TF's own loader."""
    serialized = [_example(e) for e in EXAMPLES]
    out = {}
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], export_dir)
        for key, sig in sorted(meta.signature_def.items()):
            (inp,) = sig.inputs.values()
            values = sess.run({k: v.name for k, v in sig.outputs.items()},
                              {inp.name: serialized})
            out[key] = {k: np.asarray(v).tolist() if np.asarray(v).dtype.kind != "O" else
                        [[s.decode() for s in row] for row in v] for k, v in values.items()}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(0)
    x = rng.randn(32, 2).astype(np.float32)
    k = rng.randint(0, 3, 32).astype(np.int64)
    config = tf.estimator.RunConfig(tf_random_seed=7)
    expected = {"examples": EXAMPLES}
    x_col = tf.feature_column.numeric_column("x", shape=[2])
    model_dir = tempfile.mkdtemp()
    d = _export("dnn_classifier", tf.estimator.DNNClassifier(
        hidden_units=[4], feature_columns=[x_col], n_classes=3, model_dir=model_dir,
        config=config), [x_col], {"x": x}, (x[:, 0] > 0).astype(np.int32) + (x[:, 1] > 1))
    expected["dnn_classifier"] = _outputs(d)
    shutil.rmtree(model_dir, ignore_errors=True)
    k_col = tf.feature_column.categorical_column_with_identity("k", 3)
    model_dir = tempfile.mkdtemp()
    d = _export("linear_regressor", tf.estimator.LinearRegressor(
        feature_columns=[x_col, k_col], model_dir=model_dir, config=config),
        [x_col, k_col], {"x": x, "k": k}, (x[:, 0] * 2.0 - k).astype(np.float32))
    expected["linear_regressor"] = _outputs(d)
    shutil.rmtree(model_dir, ignore_errors=True)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    for p in sorted(glob.glob(os.path.join(OUT, "**"), recursive=True)):
        print(p)


if __name__ == "__main__":
    main()
