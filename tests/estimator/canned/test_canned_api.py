"""Canned estimator arguments as TF 2.15's v1 canned estimators take them: optimizer names,
instances and callables; argument errors (messages as TF's); dropout only in training."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.estimator.canned import optimizers

E = tf.compat.v1.estimator
fc = tf.compat.v1.feature_column


@pytest.mark.parametrize("name,cls", [("Adagrad", tf.train.AdagradOptimizer),
                                      ("Adam", tf.train.AdamOptimizer),
                                      ("Ftrl", tf.train.FtrlOptimizer),
                                      ("RMSProp", tf.train.RMSPropOptimizer),
                                      ("SGD", tf.train.GradientDescentOptimizer)])
def test_optimizer_names(name, cls):
    opt = optimizers.get_optimizer_instance(name, learning_rate=0.3)
    assert type(opt) is cls
    assert getattr(opt, "_lr", getattr(opt, "_learning_rate", None)) == 0.3  # TF's attrs


def test_optimizer_instances_callables_and_errors():
    sgd = tf.train.GradientDescentOptimizer(0.1)
    assert optimizers.get_optimizer_instance(sgd, learning_rate=0.5) is sgd
    assert optimizers.get_optimizer_instance(lambda: sgd) is sgd
    with pytest.raises(ValueError, match=r"Unsupported optimizer name: Nope\. Supported names "
                                         r"are: \('Adagrad', 'Adam', 'Ftrl', 'RMSProp', "
                                         r"'SGD'\)"):
        optimizers.get_optimizer_instance("Nope", learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate must be specified when opt is string."):
        optimizers.get_optimizer_instance("SGD")
    with pytest.raises(ValueError, match="The given object is not an Optimizer instance."):
        optimizers.get_optimizer_instance(3)


def _input_fn():
    x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(8, 2)
    return {"x": tf.constant(x)}, tf.constant((x[:, :1] > 0).astype(np.int64))


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="Either linear_feature_columns or dnn_feature_columns "
                                         "must be defined."):
        E.DNNLinearCombinedClassifier(model_dir=str(tmp_path))
    est = E.DNNLinearCombinedClassifier(model_dir=str(tmp_path),
                                        dnn_feature_columns=[fc.numeric_column("x", (2,))])
    with pytest.raises(ValueError, match="dnn_hidden_units must be defined when "
                                         "dnn_feature_columns is specified."):
        est.train(_input_fn, steps=1)
    est = E.DNNClassifier([3], [fc.numeric_column("x", (2,))], model_dir=str(tmp_path / "d"))
    with pytest.raises(ValueError, match="features should be a dictionary of `Tensor`s. "
                                         "Given type: "):
        est.train(lambda: (tf.constant([[1.0, 2.0]]), tf.constant([[1]])), steps=1)
    with pytest.raises(ValueError, match="sparse_combiner must be one of"):
        E.LinearRegressor([fc.numeric_column("x", (2,))], sparse_combiner="max")


def test_dropout_only_in_training(tmp_path):
    est = E.DNNClassifier([8, 8], [fc.numeric_column("x", (2,))], dropout=0.5,
                          model_dir=str(tmp_path),
                          config=tf.estimator.RunConfig(tf_random_seed=3))
    est.train(_input_fn, steps=5)
    assert not any("dropout" in n for n in est.get_variable_names())

    def predict_fn():
        return tf.data.Dataset.from_tensor_slices(_input_fn()[0]).batch(4)
    first = [p["logits"] for p in est.predict(predict_fn)]
    second = [p["logits"] for p in est.predict(predict_fn)]
    np.testing.assert_array_equal(first, second)
    # Without dropout the logits are the plain network's, from the checkpoint.
    w = {n: est.get_variable_value(n) for n in est.get_variable_names()}
    h = _input_fn()[0]["x"]
    with tf.Session() as sess:
        x = sess.run(h)
    for layer in ("hiddenlayer_0", "hiddenlayer_1"):
        x = np.maximum(x @ w[f"dnn/{layer}/kernel"] + w[f"dnn/{layer}/bias"], 0)
    logits = x @ w["dnn/logits/kernel"] + w["dnn/logits/bias"]
    np.testing.assert_allclose(np.asarray(first), logits, rtol=1e-5, atol=1e-6)
