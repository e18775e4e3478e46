"""Canned estimators against TF's: tests/fixtures/canned/ was written by TF 2.15.1 +
tensorflow-estimator 2.15.0 (`tf.compat.v1.estimator.*`, scripts/make_canned_fixtures.py).

- a checkpoint TF's canned estimator trained restores into ours: same variable names and
  shapes, same eval metrics (keys and values) and predictions;
- from TF's initial checkpoint (variables and optimizer slots at step 0), our `train` of
  the same steps on the same data ends at TF's variable values."""
import json
import os
import shutil

import numpy as np
import pytest

import flowgraph as tf

E = tf.compat.v1.estimator
DNNClassifier, DNNRegressor = E.DNNClassifier, E.DNNRegressor
LinearClassifier, LinearRegressor = E.LinearClassifier, E.LinearRegressor
DNNLinearCombinedClassifier = E.DNNLinearCombinedClassifier
DNNLinearCombinedRegressor = E.DNNLinearCombinedRegressor
numeric_column = tf.compat.v1.feature_column.numeric_column

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "fixtures", "canned")
DATA = dict(np.load(os.path.join(FIXTURES, "data.npz")))


def columns():
    return [numeric_column("x", shape=(3,)), numeric_column("z", shape=(2,))]


def categorical_columns():
    fc = tf.compat.v1.feature_column
    edu = fc.categorical_column_with_vocabulary_list("edu", ["hs", "college", "phd"])
    occ = fc.categorical_column_with_hash_bucket("occ", 10)
    x = fc.numeric_column("x", shape=(3,))
    return [edu, occ, x], [fc.embedding_column(occ, 3), fc.indicator_column(edu), x]


CASES = {
    "dnn_classifier": lambda d: DNNClassifier(hidden_units=[4, 3], feature_columns=columns(),
                                              model_dir=d),
    "dnn_classifier_multi": lambda d: DNNClassifier(hidden_units=[4], n_classes=3,
                                                    feature_columns=columns(), model_dir=d),
    "dnn_regressor": lambda d: DNNRegressor(hidden_units=[4, 3], feature_columns=columns(),
                                            model_dir=d),
    "dnn_regressor_weighted": lambda d: DNNRegressor(
        hidden_units=[3], feature_columns=columns(), label_dimension=2, weight_column="w",
        optimizer="Adam", model_dir=d),
    "linear_classifier": lambda d: LinearClassifier(feature_columns=columns(), model_dir=d),
    "linear_classifier_multi": lambda d: LinearClassifier(
        feature_columns=columns(), n_classes=3, weight_column="w", optimizer="SGD",
        model_dir=d),
    "linear_regressor": lambda d: LinearRegressor(feature_columns=columns(), model_dir=d),
    "dnn_linear_combined_classifier": lambda d: DNNLinearCombinedClassifier(
        linear_feature_columns=columns()[:1], dnn_feature_columns=columns(),
        dnn_hidden_units=[4], model_dir=d),
    "dnn_linear_combined_regressor": lambda d: DNNLinearCombinedRegressor(
        linear_feature_columns=columns(), dnn_feature_columns=columns()[1:],
        dnn_hidden_units=[3, 2], model_dir=d),
    "dnn_classifier_batch_norm": lambda d: DNNClassifier(
        hidden_units=[4, 3], feature_columns=columns(), n_classes=3, batch_norm=True,
        optimizer="RMSProp", model_dir=d),
    "wide_deep_categorical": lambda d: DNNLinearCombinedClassifier(
        linear_feature_columns=categorical_columns()[0],
        dnn_feature_columns=categorical_columns()[1], dnn_hidden_units=[4],
        label_vocabulary=["no", "yes"], model_dir=d),
}


def _record(case):
    with open(os.path.join(FIXTURES, case + ".json")) as f:
        return json.load(f)


def _features():
    return {k: DATA[k] for k in ("x", "z", "w", "edu", "occ")}


def _train_input_fn(label):
    return lambda: ({k: tf.constant(v) for k, v in _features().items()},
                    tf.constant(DATA[label]))


def _dataset_input_fn(label=None):
    def fn():
        if label is None:
            return tf.data.Dataset.from_tensor_slices(_features()).batch(10)
        return tf.data.Dataset.from_tensor_slices((_features(), DATA[label])).batch(10)
    return fn


def _model_dir(tmp_path, case, which):
    d = str(tmp_path / which)
    shutil.copytree(os.path.join(FIXTURES, case, which), d)
    return d


@pytest.mark.parametrize("case", sorted(CASES))
def test_tf_checkpoint_restores_with_same_metrics_and_predictions(case, tmp_path):
    rec = _record(case)
    est = CASES[case](_model_dir(tmp_path, case, "trained"))
    assert {n: list(est.get_variable_value(n).shape) for n in est.get_variable_names()} == \
        rec["variables"]
    metrics = est.evaluate(_dataset_input_fn(rec["label"]))
    assert sorted(metrics) == sorted(rec["metrics"])
    for k, v in rec["metrics"].items():
        np.testing.assert_allclose(metrics[k], v, rtol=2e-5, atol=1e-6, err_msg=k)
    preds = list(est.predict(_dataset_input_fn()))
    assert len(preds) == len(DATA["x"])
    assert sorted(preds[0]) == sorted(rec["predictions"])
    for k, expected in rec["predictions"].items():
        got = [p[k] for p in preds]
        if np.asarray(got[0]).dtype.kind in "OSU":
            got = [[v.decode() if isinstance(v, bytes) else v for v in np.ravel(g)]
                   for g in got]
            assert got == expected, k
        else:
            np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected),
                                       rtol=2e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_from_tf_init_reaches_tf_values(case, tmp_path):
    rec = _record(case)
    est = CASES[case](_model_dir(tmp_path, case, "init"))
    est.train(_train_input_fn(rec["label"]), steps=rec["steps"])
    names = est.get_variable_names()
    assert sorted(names) == sorted(rec["trained"])
    for n in names:
        np.testing.assert_allclose(est.get_variable_value(n), np.asarray(rec["trained"][n]),
                                   rtol=1e-4, atol=1e-5, err_msg=n)


@pytest.mark.parametrize("case", ["dnn_linear_combined_regressor", "wide_deep_categorical"])
def test_real_tf_reads_our_checkpoint_with_tfs_keys(case, tmp_path):
    """Real TF (2.21 here) reads the checkpoint our training wrote: TF 2.15's variable
    names and shapes, values equal to TF 2.15's training."""
    real_tf = pytest.importorskip("tensorflow")
    rec = _record(case)
    model_dir = _model_dir(tmp_path, case, "init")
    CASES[case](model_dir).train(_train_input_fn(rec["label"]), steps=rec["steps"])
    reader = real_tf.train.load_checkpoint(model_dir)
    assert reader.get_variable_to_shape_map() == rec["variables"]
    for n, v in rec["trained"].items():
        np.testing.assert_allclose(reader.get_tensor(n), np.asarray(v), rtol=1e-4, atol=1e-5,
                                   err_msg=n)


def test_weight_column_may_be_a_numeric_column(tmp_path):
    """A weight column given as `numeric_column` (with a normalizer) weighs the loss as
    the same weights given by key."""
    fc = tf.compat.v1.feature_column
    scaled = fc.numeric_column("w2", normalizer_fn=lambda w: w * 2.0)
    x = DATA["x"]
    feats = {"x": x, "w": 2.0 * DATA["w"], "w2": DATA["w"]}
    losses = []
    for i, weight_column in enumerate(["w", scaled]):
        est = LinearRegressor([numeric_column("x", shape=(3,))], weight_column=weight_column,
                              model_dir=str(tmp_path / str(i)))
        metrics = est.evaluate(lambda: ({k: tf.constant(v) for k, v in feats.items()},
                                        tf.constant(DATA["real"])), steps=1)
        losses.append(metrics["loss"])
    expected = np.sum(2.0 * DATA["w"] * DATA["real"] ** 2)  # zero-initialized weights
    np.testing.assert_allclose(losses, [expected, expected], rtol=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_graph_summaries_as_tf(case, tmp_path):
    """The summaries of the TRAIN graph (layer activations and zero fractions, linear bias
    and zero weights, loss and average_loss) have TF's tags."""
    rec = _record(case)
    est = CASES[case](str(tmp_path))
    tf.train.get_or_create_global_step()
    features, labels = _train_input_fn(rec["label"])()
    est.model_fn(features, labels, tf.estimator.ModeKeys.TRAIN, est.config)
    tags = sorted(np.asarray(op.inputs[0].op.get_attr("value")).item().decode()
                  for op in tf.get_default_graph().get_operations()
                  if op.type in ("ScalarSummary", "HistogramSummary"))
    assert tags == rec["summary_tags"]


def test_warm_start_from_tf_checkpoint(tmp_path):
    """`warm_start_from` TF's trained checkpoint: the (partitioned) DNN variables start at
    TF's values (SGD with rate 0 keeps them)."""
    rec = _record("dnn_classifier")
    est = DNNClassifier(hidden_units=[4, 3], feature_columns=columns(),
                        model_dir=str(tmp_path / "ws"),
                        optimizer=tf.train.GradientDescentOptimizer(0.0),
                        warm_start_from=os.path.join(FIXTURES, "dnn_classifier", "trained"))
    est.train(_train_input_fn("binary"), steps=1)
    names = [n for n in est.get_variable_names() if n != "global_step"]
    assert sorted(names) == sorted(n for n in rec["trained"] if "Adagrad" not in n and
                                   n != "global_step")
    for n in names:
        np.testing.assert_array_equal(est.get_variable_value(n), np.asarray(rec["trained"][n]))


def test_init_from_checkpoint_fills_each_part_with_its_slice(tmp_path):
    value = np.arange(12, dtype=np.float32).reshape(6, 2)
    with tf.Graph().as_default():
        v = tf.get_variable("w", initializer=value)
        with tf.Session() as sess:
            sess.run(v.initializer)
            path = tf.train.Saver().save(sess, str(tmp_path / "ckpt"))
    with tf.Graph().as_default():
        p = tf.get_variable("p", [6, 2], partitioner=tf.fixed_size_partitioner(3))
        tf.train.init_from_checkpoint(path, {"w": p})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(p)), value)
