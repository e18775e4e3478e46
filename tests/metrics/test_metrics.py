"""tf.metrics: streaming values over several batches against numpy, the local/metric
variables and their names, resetting with local_variables_initializer, collections."""
import numpy as np
import pytest

import flowgraph as tf

RNG = np.random.RandomState(0)
BATCHES = [(RNG.randint(0, 3, 8), RNG.randint(0, 3, 8), RNG.rand(8).astype(np.float32))
           for _ in range(4)]


def stream(metric, feeds_of):
    """Runs the update op per batch; returns the update values and the final value."""
    value, update = metric
    ups = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for batch in BATCHES:
            ups.append(sess.run(update, feeds_of(batch)))
        final = sess.run(value)
        sess.run(tf.local_variables_initializer())
        reset = sess.run(value)
    return ups, final, reset


def test_accuracy_streams_and_names_its_variables():
    labels = tf.placeholder(tf.int64, [None])
    preds = tf.placeholder(tf.int64, [None])
    acc = tf.metrics.accuracy(labels, preds)
    assert acc[0].name == "accuracy/value:0" and acc[1].name == "accuracy/update_op:0"
    names = ["accuracy/total:0", "accuracy/count:0"]
    assert [v.name for v in tf.local_variables()] == names
    assert [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)] == names
    assert tf.global_variables() == [] and tf.trainable_variables() == []
    ups, final, reset = stream(acc, lambda b: {labels: b[0], preds: b[1]})
    hits = [0, 0]
    for i, (lab, pr, _) in enumerate(BATCHES):
        hits[0] += (lab == pr).sum()
        hits[1] += len(lab)
        assert ups[i] == pytest.approx(hits[0] / hits[1])
    assert final == pytest.approx(hits[0] / hits[1]) and reset == 0.0


def test_accuracy_weighted_and_squeezable():
    labels = tf.placeholder(tf.int64, [None, 1])
    preds = tf.placeholder(tf.int64, [None])
    w = tf.placeholder(tf.float32, [None])
    acc = tf.metrics.accuracy(labels, preds, weights=w)
    ups, final, _ = stream(acc, lambda b: {labels: b[0][:, None], preds: b[1], w: b[2]})
    num = sum(((lab == pr) * wt).sum() for lab, pr, wt in BATCHES)
    den = sum(wt.sum() for _, _, wt in BATCHES)
    assert final == pytest.approx(num / den, rel=1e-5)


def test_mean_weighted_broadcast():
    values = tf.placeholder(tf.float32, [None, 2])
    w = tf.placeholder(tf.float32, [None, 1])
    m = tf.metrics.mean(values, weights=w, name="avg")
    assert m[0].name == "avg/value:0"
    data = [(RNG.rand(3, 2).astype(np.float32), RNG.rand(3, 1).astype(np.float32))
            for _ in range(3)]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for v, wt in data:
            sess.run(m[1], {values: v, w: wt})
        got = sess.run(m[0])
    num = sum((v * wt).sum() for v, wt in data)
    den = sum(np.broadcast_to(wt, v.shape).sum() for v, wt in data)
    assert got == pytest.approx(num / den, rel=1e-5)


@pytest.mark.parametrize("name", ["precision", "recall"])
def test_precision_recall(name):
    labels = tf.placeholder(tf.int64, [None])
    preds = tf.placeholder(tf.int64, [None])
    metric = getattr(tf.metrics, name)(labels, preds)
    other = "false_positives" if name == "precision" else "false_negatives"
    assert [v.name for v in tf.local_variables()] == [
        f"{name}/true_positives/count:0", f"{name}/{other}/count:0"]
    ups, final, reset = stream(metric, lambda b: {labels: b[0] % 2, preds: b[1] % 2})
    tp = fx = 0
    for i, (lab, pr, _) in enumerate(BATCHES):
        lab, pr = lab % 2 == 1, pr % 2 == 1
        tp += (lab & pr).sum()
        fx += ((~lab & pr) if name == "precision" else (lab & ~pr)).sum()
        assert ups[i] == pytest.approx(tp / (tp + fx) if tp + fx else 0.0)
    assert final == pytest.approx(tp / (tp + fx)) and reset == 0.0


def test_counts():
    labels = tf.placeholder(tf.bool, [None])
    preds = tf.placeholder(tf.bool, [None])
    fns = ["true_positives", "false_positives", "true_negatives", "false_negatives"]
    metrics = [getattr(tf.metrics, f)(labels, preds) for f in fns]
    sums = np.zeros(4)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for lab, pr, _ in BATCHES:
            lab, pr = lab > 0, pr > 0
            sess.run([u for _, u in metrics], {labels: lab, preds: pr})
            sums += [(lab & pr).sum(), (~lab & pr).sum(), (~lab & ~pr).sum(),
                     (lab & ~pr).sum()]
        np.testing.assert_array_equal(sess.run([v for v, _ in metrics]), sums)


def _roc_auc_ref(labels, scores, n):
    thresholds = [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]
    tp = np.array([((scores > t) & labels).sum() for t in thresholds], np.float64)
    fp = np.array([((scores > t) & ~labels).sum() for t in thresholds], np.float64)
    fn = np.array([((scores <= t) & labels).sum() for t in thresholds], np.float64)
    tn = np.array([((scores <= t) & ~labels).sum() for t in thresholds], np.float64)
    rec = (tp + 1e-6) / (tp + fn + 1e-6)
    fpr = fp / (fp + tn + 1e-6)
    return np.sum((fpr[:-1] - fpr[1:]) * (rec[:-1] + rec[1:]) / 2)


def test_auc_roc_against_numpy():
    labels = tf.placeholder(tf.bool, [None])
    scores = tf.placeholder(tf.float32, [None])
    auc = tf.metrics.auc(labels, scores, num_thresholds=20)
    assert [v.name for v in tf.local_variables()] == [
        "auc/true_positives:0", "auc/false_negatives:0", "auc/true_negatives:0",
        "auc/false_positives:0"]
    all_l, all_s = [], []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for lab, _, sc in BATCHES:
            sess.run(auc[1], {labels: lab > 0, scores: sc})
            all_l.append(lab > 0)
            all_s.append(sc)
        got = sess.run(auc[0])
    assert got == pytest.approx(_roc_auc_ref(np.concatenate(all_l), np.concatenate(all_s),
                                             20), rel=1e-4)


def test_errors_metrics():
    labels = tf.placeholder(tf.float32, [None])
    preds = tf.placeholder(tf.float32, [None])
    mae = tf.metrics.mean_absolute_error(labels, preds)
    mse = tf.metrics.mean_squared_error(labels, preds)
    rmse = tf.metrics.root_mean_squared_error(labels, preds)
    a = RNG.rand(10).astype(np.float32)
    b = RNG.rand(10).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        sess.run([mae[1], mse[1], rmse[1]], {labels: a[:5], preds: b[:5]})
        sess.run([mae[1], mse[1], rmse[1]], {labels: a[5:], preds: b[5:]})
        got = sess.run([mae[0], mse[0], rmse[0]])
    ref = [np.abs(a - b).mean(), ((a - b) ** 2).mean(), np.sqrt(((a - b) ** 2).mean())]
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_collections_and_errors():
    labels = tf.placeholder(tf.int64, [None])
    preds = tf.placeholder(tf.int64, [None])
    value, update = tf.metrics.accuracy(labels, preds, metrics_collections=["m"],
                                        updates_collections=["u"])
    assert tf.get_collection("m") == [value] and tf.get_collection("u") == [update]
    with pytest.raises(ValueError):
        tf.metrics.accuracy(labels, tf.placeholder(tf.int64, [None, 3]))
    with pytest.raises(ValueError, match="Curve"):
        tf.metrics.auc(labels, tf.placeholder(tf.float32, [None]), curve="XY")
    with pytest.raises(tf.errors.FailedPreconditionError):
        with tf.Session() as sess:
            sess.run(value)  # local variables not initialized


def test_second_metric_gets_its_own_scope():
    labels = tf.placeholder(tf.int64, [None])
    preds = tf.placeholder(tf.int64, [None])
    tf.metrics.accuracy(labels, preds)
    a2 = tf.metrics.accuracy(labels, preds)
    assert a2[0].name == "accuracy_1/value:0"
    assert [v.name for v in tf.local_variables()][2:] == ["accuracy_1/total:0",
                                                          "accuracy_1/count:0"]
