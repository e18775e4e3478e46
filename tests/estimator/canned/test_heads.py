"""The v1 canned heads against TF's: tests/fixtures/canned/heads.json holds what TF 2.15.1 +
tensorflow-estimator 2.15.0 heads give for fixed logits and labels (eval metrics and
loss, predictions, export output kinds, training loss and summary tags), written by
scripts/make_canned_fixtures.py."""
import json
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.estimator.canned import head as head_lib
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.framework import errors

with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "fixtures", "canned", "heads.json")) as _f:
    REC = json.load(_f)

R = head_lib.Reduction
HEADS = {
    "binary": lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(),
    "binary_weighted_thresholds":
        lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(
            weight_column="w", thresholds=(0.3, 0.7)),
    "binary_vocab_named":
        lambda: head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(
            label_vocabulary=["neg", "pos"], name="bin", loss_reduction=R.SUM_OVER_BATCH_SIZE),
    "multi": lambda: head_lib._multi_class_head_with_softmax_cross_entropy_loss(3),
    "multi_vocab_weighted": lambda: head_lib._multi_class_head_with_softmax_cross_entropy_loss(
        3, weight_column="w", label_vocabulary=["a", "b", "c"], loss_reduction=R.MEAN),
    "regression": lambda: head_lib._regression_head(),
    "regression_2d_weighted": lambda: head_lib._regression_head(
        label_dimension=2, weight_column="w", loss_reduction=R.SUM_BY_NONZERO_WEIGHTS),
    "regression_inverse_link": lambda: head_lib._regression_head(inverse_link_fn=tf.exp),
}


def _spec(name, mode):
    rec = REC[name]
    features = {"x": tf.constant(np.zeros((5, 1), np.float32))}
    if rec["weights"] is not None:
        features["w"] = tf.constant(np.asarray(rec["weights"], np.float32))
    kwargs = {}
    if mode != ModeKeys.PREDICT:
        labels = rec["labels"]
        if isinstance(labels[0], str):
            labels = np.array([s.encode() for s in labels], dtype=object)
            if name.startswith("binary"):
                labels = labels.reshape(-1, 1)
        kwargs["labels"] = tf.constant(labels)
        if rec["regularization"] is not None:
            kwargs["regularization_losses"] = [tf.constant(x) for x in rec["regularization"]]
    if mode == ModeKeys.TRAIN:
        kwargs["train_op_fn"] = lambda loss: tf.no_op()
    tf.train.get_or_create_global_step()
    spec = HEADS[name]().create_estimator_spec(features=features, mode=mode,
                                               logits=tf.constant(rec["logits"]), **kwargs)
    return rec, spec


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("name", sorted(HEADS))
def test_eval_metrics_and_loss_as_tf(name):
    rec, spec = _spec(name, ModeKeys.EVAL)
    assert sorted(spec.eval_metric_ops) == sorted(rec["metrics"])
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer(),
                  tf.tables_initializer()])
        sess.run([u for _, u in spec.eval_metric_ops.values()])
        for k, (value, _) in spec.eval_metric_ops.items():
            _close(sess.run(value), rec["metrics"][k], k)
        _close(sess.run(spec.loss), rec["loss"], "loss")


@pytest.mark.parametrize("name", sorted(HEADS))
def test_predictions_and_export_outputs_as_tf(name):
    rec, spec = _spec(name, ModeKeys.PREDICT)
    assert {k: type(v).__name__ for k, v in spec.export_outputs.items()} == \
        rec["export_outputs"]
    with tf.Session() as sess:
        sess.run(tf.tables_initializer())
        got = sess.run(spec.predictions)
    assert sorted(got) == sorted(rec["predictions"])
    for k, v in got.items():
        if v.dtype.kind in "OS":
            assert [x.decode() for x in v.ravel()] == rec["predictions"][k], k
        else:
            assert v.shape == np.shape(rec["predictions"][k]), k
            _close(v, rec["predictions"][k], k)


@pytest.mark.parametrize("name", sorted(HEADS))
def test_train_loss_and_summaries_as_tf(name):
    rec, spec = _spec(name, ModeKeys.TRAIN)
    with tf.Session() as sess:
        sess.run(tf.tables_initializer())
        _close(sess.run(spec.loss), rec["train_loss"], "train loss")
    tags = sorted(np.asarray(op.inputs[0].op.get_attr("value")).item().decode()
                  for op in tf.get_default_graph().get_operations()
                  if op.type == "ScalarSummary")
    assert tags == rec["summary_tags"]


def test_label_out_of_range_and_shape_errors():
    head = head_lib._multi_class_head_with_softmax_cross_entropy_loss(3)
    logits = tf.constant(np.zeros((2, 3), np.float32))
    labels = tf.placeholder(tf.int64, [None, 1])
    spec = head.create_estimator_spec(features={}, mode=ModeKeys.EVAL, logits=logits,
                                      labels=labels)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="Labels must <= n_classes - 1"):
            sess.run(spec.loss, {labels: [[0], [3]]})
        with pytest.raises(errors.InvalidArgumentError, match="Labels must >= 0"):
            sess.run(spec.loss, {labels: [[0], [-1]]})
        with pytest.raises(errors.InvalidArgumentError, match=r"labels shape must be"):
            sess.run(spec.loss, {labels: [[0], [1], [2]]})
    with pytest.raises(ValueError, match="Mismatched label shape"):
        head.create_loss(features={}, mode=ModeKeys.EVAL, logits=logits,
                         labels=tf.constant([[0, 1], [1, 2]]))
    with pytest.raises(ValueError, match="You must provide a labels Tensor"):
        head.create_loss(features={}, mode=ModeKeys.EVAL, logits=logits, labels=None)
    with pytest.raises(ValueError, match=r"logits shape must be \[D0, D1, \.\.\. DN, "
                                         r"logits_dimension=3\]"):
        head.create_estimator_spec(features={}, mode=ModeKeys.PREDICT,
                                   logits=tf.constant(np.zeros((2, 2), np.float32)))


def test_constructor_errors_as_tf():
    with pytest.raises(ValueError, match="n_classes must be > 2: 2."):
        head_lib._multi_class_head_with_softmax_cross_entropy_loss(2)
    with pytest.raises(ValueError, match="Invalid loss_reduction: none"):
        head_lib._regression_head(loss_reduction=R.NONE)
    with pytest.raises(ValueError, match=r"thresholds not in \(0, 1\)"):
        head_lib._binary_logistic_head_with_sigmoid_cross_entropy_loss(thresholds=(1.0,))
    with pytest.raises(ValueError, match="loss_fn must contain argument: logits"):
        head_lib._regression_head(loss_fn=lambda labels: labels)
    head = head_lib._regression_head()
    with pytest.raises(ValueError, match="train_op_fn and optimizer cannot both be None."):
        head.create_estimator_spec(features={}, mode=ModeKeys.TRAIN,
                                   logits=tf.constant([[1.0]]), labels=tf.constant([[1.0]]))


def test_custom_loss_fn_is_weighted_and_summed():
    def loss_fn(labels, logits, features):
        return tf.abs(labels - logits) * features["scale"]
    head = head_lib._regression_head(loss_fn=loss_fn, weight_column="w")
    features = {"scale": tf.constant([[2.0], [3.0]]), "w": tf.constant([[1.0], [0.5]])}
    loss = head.create_loss(features=features, mode=ModeKeys.TRAIN,
                            logits=tf.constant([[1.0], [2.0]]),
                            labels=tf.constant([[0.5], [4.0]])).training_loss
    with tf.Session() as sess:
        _close(sess.run(loss), 0.5 * 2 * 1.0 + 2.0 * 3 * 0.5, "loss")
