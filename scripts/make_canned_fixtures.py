"""Writes tests/fixtures/canned/: TF 2.15.1 + tensorflow-estimator 2.15.0 canned v1
estimators (tf.compat.v1.estimator.*) on a small numeric data set.

Run with the reference venv (not CI): /work/tf215/bin/python scripts/make_canned_fixtures.py

For each case it writes `<case>/init/` (the model_fn's variables, optimizer slots
included, just after initialization, saved at global step 0), `<case>/trained/` (the
checkpoint TF's `train(steps=STEPS)` from that init wrote) and `<case>.json`: variable
names, shapes and trained values, the eval metrics of the trained model, its predictions,
and the summary tags of the training graph."""
import json
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()
tf1.logging.set_verbosity(tf1.logging.ERROR)

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests",
                   "fixtures", "canned")
STEPS = 5
N = 24


def data():
    rng = np.random.RandomState(7)
    x = rng.uniform(-1, 1, size=(N, 3)).astype(np.float32)
    z = rng.uniform(-1, 1, size=(N, 2)).astype(np.float32)
    w = rng.uniform(0.5, 2, size=(N, 1)).astype(np.float32)
    score = x @ np.array([1.5, -2.0, 0.5], np.float32) + z[:, 0]
    return {
        "x": x, "z": z, "w": w,
        "binary": (score > 0).astype(np.int64).reshape(N, 1),
        "multi": np.digitize(score, [-0.7, 0.7]).astype(np.int64).reshape(N, 1),
        "real": (score + 0.1 * z[:, 1]).astype(np.float32).reshape(N, 1),
        "real2": np.stack([score, z[:, 1]], 1).astype(np.float32),
        "edu": rng.choice([b"hs", b"college", b"phd", b"none"], size=(N, 1)).astype("S"),
        "occ": rng.choice([b"tech", b"sales", b"farm", b"army", b"arts"],
                          size=(N, 1)).astype("S"),
        "yes_no": np.where(score > 0.2, b"yes", b"no").reshape(N, 1).astype("S"),
    }


def columns():
    return [tf1.feature_column.numeric_column("x", shape=(3,)),
            tf1.feature_column.numeric_column("z", shape=(2,))]


def categorical_columns():
    fc = tf1.feature_column
    edu = fc.categorical_column_with_vocabulary_list("edu", ["hs", "college", "phd"])
    occ = fc.categorical_column_with_hash_bucket("occ", 10)
    x = fc.numeric_column("x", shape=(3,))
    return [edu, occ, x], [fc.embedding_column(occ, 3), fc.indicator_column(edu), x]


E = tf1.estimator
CASES = {
    "dnn_classifier": (lambda d: E.DNNClassifier(hidden_units=[4, 3], feature_columns=columns(),
                                                 model_dir=d), "binary"),
    "dnn_classifier_multi": (lambda d: E.DNNClassifier(hidden_units=[4], n_classes=3,
                                                       feature_columns=columns(),
                                                       model_dir=d), "multi"),
    "dnn_regressor": (lambda d: E.DNNRegressor(hidden_units=[4, 3], feature_columns=columns(),
                                               model_dir=d), "real"),
    "dnn_regressor_weighted": (lambda d: E.DNNRegressor(
        hidden_units=[3], feature_columns=columns(), label_dimension=2, weight_column="w",
        optimizer="Adam", model_dir=d), "real2"),
    "linear_classifier": (lambda d: E.LinearClassifier(feature_columns=columns(),
                                                       model_dir=d), "binary"),
    "linear_classifier_multi": (lambda d: E.LinearClassifier(
        feature_columns=columns(), n_classes=3, weight_column="w", optimizer="SGD",
        model_dir=d), "multi"),
    "linear_regressor": (lambda d: E.LinearRegressor(feature_columns=columns(),
                                                     model_dir=d), "real"),
    "dnn_linear_combined_classifier": (lambda d: E.DNNLinearCombinedClassifier(
        linear_feature_columns=columns()[:1], dnn_feature_columns=columns(),
        dnn_hidden_units=[4], model_dir=d), "binary"),
    "dnn_linear_combined_regressor": (lambda d: E.DNNLinearCombinedRegressor(
        linear_feature_columns=columns(), dnn_feature_columns=columns()[1:],
        dnn_hidden_units=[3, 2], model_dir=d), "real"),
    "dnn_classifier_batch_norm": (lambda d: E.DNNClassifier(
        hidden_units=[4, 3], feature_columns=columns(), n_classes=3, batch_norm=True,
        optimizer="RMSProp", model_dir=d), "multi"),
    "wide_deep_categorical": (lambda d: E.DNNLinearCombinedClassifier(
        linear_feature_columns=categorical_columns()[0],
        dnn_feature_columns=categorical_columns()[1], dnn_hidden_units=[4],
        label_vocabulary=["no", "yes"], model_dir=d), "yes_no"),
}


def features(d):
    return {k: d[k] for k in ("x", "z", "w", "edu", "occ")}


def train_input_fn(d, label):
    return lambda: ({k: tf.constant(v) for k, v in features(d).items()},
                    tf.constant(d[label]))


def dataset_input_fn(d, label=None):
    def fn():
        if label is None:
            return tf1.data.Dataset.from_tensor_slices(features(d)).batch(10)
        return tf1.data.Dataset.from_tensor_slices((features(d), d[label])).batch(10)
    return fn


def write_init(make, d, label, init_dir):
    """The TRAIN graph of the estimator's model_fn, initialized and saved at step 0."""
    est = make(init_dir)
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        tf1.train.get_or_create_global_step()
        feats, labels = train_input_fn(d, label)()
        spec = est.model_fn(feats, labels, E.ModeKeys.TRAIN, est.config)
        del spec
        tags = sorted(op.inputs[0].op.get_attr("value").string_val[0].decode()
                      for op in g.get_operations()
                      if op.type in ("ScalarSummary", "HistogramSummary"))
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            os.makedirs(init_dir, exist_ok=True)
            tf1.train.Saver().save(sess, os.path.join(init_dir, "model.ckpt"), global_step=0)
    return tags


def make_case(name, make, label, d):
    case_dir = os.path.join(OUT, name)
    shutil.rmtree(case_dir, ignore_errors=True)
    init_dir, trained_dir = os.path.join(case_dir, "init"), os.path.join(case_dir, "trained")
    tags = write_init(make, d, label, init_dir)
    shutil.copytree(init_dir, trained_dir)
    est = make(trained_dir)
    est.train(train_input_fn(d, label), steps=STEPS)
    for f in os.listdir(trained_dir):  # keep only the checkpoint files
        p = os.path.join(trained_dir, f)
        if os.path.isdir(p) or f.startswith("events") or f == "graph.pbtxt" or \
                "ckpt-0." in f:
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    for f in os.listdir(init_dir):
        if f.startswith("events") or f == "graph.pbtxt" or f.endswith(".meta"):
            os.remove(os.path.join(init_dir, f))
    names = est.get_variable_names()
    metrics = est.evaluate(dataset_input_fn(d, label), name=None)
    for f in os.listdir(trained_dir):
        p = os.path.join(trained_dir, f)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif f.endswith(".meta"):
            os.remove(p)
    preds = list(est.predict(dataset_input_fn(d)))
    pred_out = {k: [np.asarray(p[k]).tolist() if np.asarray(p[k]).dtype.kind != "O"
                    else [v.decode() for v in np.asarray(p[k]).ravel()] for p in preds]
                for k in preds[0]}
    record = {
        "reference": "TF %s, tensorflow-estimator %s" % (tf.__version__, "2.15.0"),
        "steps": STEPS, "label": label,
        "variables": {n: list(est.get_variable_value(n).shape) for n in names},
        "trained": {n: est.get_variable_value(n).tolist() for n in names},
        "metrics": {k: float(v) for k, v in metrics.items()},
        "predictions": pred_out,
        "summary_tags": tags,
    }
    for d_ in (init_dir, trained_dir):  # checkpoint state with relative paths
        base = os.path.basename(tf1.train.latest_checkpoint(d_))
        with open(os.path.join(d_, "checkpoint"), "w") as f:
            f.write(f'model_checkpoint_path: "{base}"\nall_model_checkpoint_paths: "{base}"\n')
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    print(name, sorted(record["metrics"]), len(names), "variables")


# -- heads: fixed logits through each head's EVAL, PREDICT and TRAIN specs --------------

def head_cases():
    from tensorflow_estimator.python.estimator.canned import head as head_lib
    r = tf1.losses.Reduction
    logits2 = [[-1.0], [0.5], [2.0], [-0.3], [0.1]]
    logits3 = [[1.0, -1.0, 0.2], [0.1, 0.3, 2.0], [-0.5, 0.6, 0.0], [2.0, 1.0, 0.5],
               [0.0, 0.0, 0.1]]
    w = [[1.0], [2.0], [0.5], [1.5], [1.0]]
    return {
        "binary": (lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(),
                   logits2, [[0], [1], [1], [0], [1]], None, None),
        "binary_weighted_thresholds": (
            lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(
                weight_column="w", thresholds=(0.3, 0.7)),
            logits2, [[0.], [1.], [1.], [1.], [0.]], w, [0.25]),
        "binary_vocab_named": (
            lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(
                label_vocabulary=["neg", "pos"], name="bin",
                loss_reduction=r.SUM_OVER_BATCH_SIZE),
            logits2, [[b"neg"], [b"pos"], [b"neg"], [b"neg"], [b"pos"]], None, None),
        "multi": (lambda: head_lib._multi_class_head_with_softmax_cross_entropy_loss(3),
                  logits3, [[0], [2], [1], [1], [2]], None, None),
        "multi_vocab_weighted": (
            lambda: head_lib._multi_class_head_with_softmax_cross_entropy_loss(
                3, weight_column="w", label_vocabulary=["a", "b", "c"],
                loss_reduction=r.MEAN),
            logits3, [b"a", b"c", b"c", b"b", b"a"], w, [0.5, 0.125]),
        "regression": (lambda: head_lib._regression_head(),
                       logits2, [[-0.5], [1.0], [1.5], [0.0], [0.3]], None, None),
        "regression_2d_weighted": (
            lambda: head_lib._regression_head(label_dimension=2, weight_column="w",
                                              loss_reduction=r.SUM_BY_NONZERO_WEIGHTS),
            [[0.1, 0.2], [1.0, -1.0], [0.5, 0.5], [2.0, 0.0], [0.0, 0.3]],
            [[0.0, 0.0], [1.5, -0.5], [0.5, 1.0], [1.0, 0.5], [0.2, 0.2]], w, None),
        "regression_inverse_link": (
            lambda: head_lib._regression_head(inverse_link_fn=tf.math.exp),
            logits2, [[0.5], [1.0], [7.0], [0.5], [1.0]], None, None),
    }


def _py(v):
    v = np.asarray(v)
    if v.dtype.kind in "OS":
        return [x.decode() for x in v.ravel()]
    return v.tolist()


def head_record(make, logits, labels, weights, reg):
    out = {}
    for mode in ("eval", "infer", "train"):
        with tf.Graph().as_default() as g:
            tf1.train.get_or_create_global_step()
            features = {"x": tf.constant(np.zeros((5, 1), np.float32))}
            if weights is not None:
                features["w"] = tf.constant(np.asarray(weights, np.float32))
            kwargs = {}
            if mode != "infer":
                kwargs["labels"] = tf.constant(labels)
            if mode == "train":
                kwargs["train_op_fn"] = lambda loss: tf.no_op()
            if reg is not None and mode != "infer":
                kwargs["regularization_losses"] = [tf.constant(x) for x in reg]
            spec = make().create_estimator_spec(features=features, mode=mode,
                                                logits=tf.constant(logits), **kwargs)
            with tf1.Session() as sess:
                sess.run([tf1.global_variables_initializer(),
                          tf1.local_variables_initializer(), tf1.tables_initializer()])
                if mode == "eval":
                    sess.run([u for _, u in spec.eval_metric_ops.values()])
                    out["metrics"] = {k: float(sess.run(v))
                                      for k, (v, _) in spec.eval_metric_ops.items()}
                    out["loss"] = float(sess.run(spec.loss))
                elif mode == "infer":
                    out["predictions"] = {k: _py(v) for k, v in
                                          sess.run(spec.predictions).items()}
                    out["export_outputs"] = {k: type(v).__name__
                                             for k, v in spec.export_outputs.items()}
                else:
                    out["train_loss"] = float(sess.run(spec.loss))
                    out["summary_tags"] = sorted(
                        op.inputs[0].op.get_attr("value").string_val[0].decode()
                        for op in g.get_operations() if op.type == "ScalarSummary")
    return out


def write_heads():
    record = {"reference": "TF %s, tensorflow-estimator 2.15.0" % tf.__version__}
    for name, (make, logits, labels, weights, reg) in head_cases().items():
        record[name] = dict(head_record(make, logits, labels, weights, reg), logits=logits,
                            labels=_py(labels), weights=weights, regularization=reg)
    with open(os.path.join(OUT, "heads.json"), "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    print("heads", sorted(record))


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    d = data()
    np.savez(os.path.join(OUT, "data.npz"), **d)
    write_heads()
    for name, (make, label) in CASES.items():
        if len(argv) > 1 and name not in argv[1:]:
            continue
        make_case(name, make, label, d)


if __name__ == "__main__":
    main(sys.argv)
