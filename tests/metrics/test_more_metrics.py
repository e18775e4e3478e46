"""The threshold, mean and top-k tf.metrics against numpy references streamed over
several batches (tests/conformance/test_metrics_tf.py checks them against TF), their
local variables and names, resetting, and errors."""
import numpy as np
import pytest

import flowgraph as tf

RNG = np.random.RandomState(5)


def stream(phs, metrics, batches):
    """Update values per batch and the final values."""
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        ups = [sess.run([u for _, u in metrics], dict(zip(phs, b))) for b in batches]
        vals = sess.run([v for v, _ in metrics])
        sess.run(tf.local_variables_initializer())
        reset = sess.run([v for v, _ in metrics])
    return ups, vals, reset


def _binary(n=4, size=8):
    return [(RNG.randint(0, 2, size), RNG.uniform(0, 1, size).astype(np.float32),
             RNG.uniform(0, 2, size).astype(np.float32)) for _ in range(n)]


def test_counts_and_precision_recall_at_thresholds():
    th = [0.25, 0.5, 0.75]
    lab, s = tf.placeholder(tf.int64, [None]), tf.placeholder(tf.float32, [None])
    w = tf.placeholder(tf.float32, [None])
    m = tf.metrics
    ms = [m.true_positives_at_thresholds(lab, s, th), m.false_positives_at_thresholds(lab, s, th),
          m.true_negatives_at_thresholds(lab, s, th, weights=w),
          m.false_negatives_at_thresholds(lab, s, th, weights=w),
          m.precision_at_thresholds(lab, s, th), m.recall_at_thresholds(lab, s, th, w)]
    assert [v.name for v in tf.local_variables()] == [
        "true_positives/true_positives:0", "false_positives/false_positives:0",
        "true_negatives/true_negatives:0", "false_negatives/false_negatives:0",
        "precision_at_thresholds/true_positives:0",
        "precision_at_thresholds/false_positives:0",
        "recall_at_thresholds/true_positives:0", "recall_at_thresholds/false_negatives:0"]
    assert ms[4][0].name == "precision_at_thresholds/precision_value:0"
    assert ms[5][1].name == "recall_at_thresholds/recall_update_op:0"
    batches = _binary()
    ups, vals, reset = stream([lab, s, w], ms, batches)
    c = np.zeros((4, 3))
    cw = np.zeros((4, 3))
    for i, (y, p, wt) in enumerate(batches):
        pos = p[None, :] > np.array(th)[:, None]
        y = y.astype(bool)[None, :]
        for j, hit in enumerate([y & pos, ~y & pos, ~y & ~pos, y & ~pos]):
            c[j] += hit.sum(1)
            cw[j] += (hit * wt).sum(1)
        want = [c[0], c[1], cw[2], cw[3], c[0] / (c[0] + c[1] + 1e-7),
                cw[0] / (cw[0] + cw[3] + 1e-7)]
        for got, w_ in zip(ups[i], want):
            np.testing.assert_allclose(got, w_, rtol=1e-5)
    for got, w_ in zip(vals, want):
        np.testing.assert_allclose(got, w_, rtol=1e-5)
    assert all(not np.any(r) for r in reset)


def test_sensitivity_and_specificity_pick_the_closest_threshold():
    lab, s = tf.placeholder(tf.int64, [None]), tf.placeholder(tf.float32, [None])
    sens = tf.metrics.sensitivity_at_specificity(lab, s, 0.6, num_thresholds=11)
    spec = tf.metrics.specificity_at_sensitivity(lab, s, 0.5, num_thresholds=11)
    batches = _binary(size=12)
    _, (got_sens, got_spec), _ = stream([lab, s], [sens, spec], [b[:2] for b in batches])
    y = np.concatenate([b[0] for b in batches]).astype(bool)
    p = np.concatenate([b[1] for b in batches])

    def counts(th):
        pos = p[None, :] > np.array(th)[:, None]
        return ((y & pos).sum(1), (~y & ~pos).sum(1), (~y & pos).sum(1), (y & ~pos).sum(1))
    inner = [(i + 1) / 10 for i in range(9)]
    tp, tn, fp, fn = counts([-1e-7] + inner + [1 + 1e-7])
    i = np.argmin(np.abs(tn / (tn + fp + 1e-7) - 0.6))
    assert got_sens == pytest.approx(tp[i] / (tp[i] + fn[i] + 1e-7), rel=1e-5)
    tp, tn, fp, fn = counts([-1e-7] + inner + [1 - 1e-7])
    gap = np.abs(tp / (tp + fn + 1e-7) - 0.5)
    i = np.nonzero(gap == gap.min())[0][-1]  # the last of the closest
    assert got_spec == pytest.approx(tn[i] / (tn[i] + fp[i] + 1e-7), rel=1e-5)
    with pytest.raises(ValueError, match="specificity"):
        tf.metrics.sensitivity_at_specificity(lab, s, 1.1)


def test_threshold_metrics_check_the_prediction_range():
    s = tf.placeholder(tf.float32, [None])
    _, up = tf.metrics.true_positives_at_thresholds([1, 1], s, [0.5])
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="predictions must be in"):
            sess.run(up, {s: [-0.5, 0.2]})


def test_mean_tensor_percentage_below_relative_error_cosine():
    v = tf.placeholder(tf.float32, [2, 3])
    x, y = tf.placeholder(tf.float32, [None]), tf.placeholder(tf.float32, [None])
    norm = tf.placeholder(tf.float32, [None])
    a, b = tf.placeholder(tf.float32, [None, 2]), tf.placeholder(tf.float32, [None, 2])
    m = tf.metrics
    ms = [m.mean_tensor(v), m.percentage_below(x, 0.1), m.mean_relative_error(x, y, norm),
          m.mean_cosine_distance(a, b, 1)]
    assert [t.name for t in tf.local_variables()][:2] == ["mean/total_tensor:0",
                                                         "mean/count_tensor:0"]
    assert ms[0][0].shape.as_list() == [2, 3]
    batches = []
    for _ in range(3):
        ang = RNG.uniform(0, 6, (2, 5))
        nm = RNG.uniform(0.5, 2, 5).astype(np.float32)
        nm[0] = 0
        batches.append((RNG.randn(2, 3).astype(np.float32), RNG.randn(5).astype(np.float32),
                        RNG.randn(5).astype(np.float32), nm,
                        np.stack([np.cos(ang[0]), np.sin(ang[0])], 1).astype(np.float32),
                        np.stack([np.cos(ang[1]), np.sin(ang[1])], 1).astype(np.float32)))
    _, vals, _ = stream([v, x, y, norm, a, b], ms, batches)
    np.testing.assert_allclose(vals[0], np.mean([b_[0] for b_ in batches], 0), rtol=1e-5)
    xs = np.concatenate([b_[1] for b_ in batches])
    ys = np.concatenate([b_[2] for b_ in batches])
    ns = np.concatenate([b_[3] for b_ in batches])
    assert vals[1] == pytest.approx(np.mean(xs < 0.1))
    rel = np.where(ns == 0, 0, np.abs(xs - ys) / np.where(ns == 0, 1, ns))
    assert vals[2] == pytest.approx(rel.mean(), rel=1e-5)
    cos = np.concatenate([(b_[4] * b_[5]).sum(1) for b_ in batches])
    assert vals[3] == pytest.approx(1 - cos.mean(), rel=1e-5)


def _confusion(pairs, c, weights=None):
    cm = np.zeros((c, c))
    for k, (i, j) in enumerate(pairs):
        cm[i, j] += 1 if weights is None else weights[k]
    return cm


def test_mean_iou_and_mean_per_class_accuracy():
    lab, pred = tf.placeholder(tf.int64, [None]), tf.placeholder(tf.int64, [None])
    w = tf.placeholder(tf.float32, [None])
    iou = tf.metrics.mean_iou(lab, pred, 4, weights=w)
    acc = tf.metrics.mean_per_class_accuracy(lab, pred, 4)
    assert [v.name for v in tf.local_variables()] == [
        "mean_iou/total_confusion_matrix:0", "mean_accuracy/total:0", "mean_accuracy/count:0"]
    assert tf.local_variables()[0].dtype.base_dtype == tf.float64
    batches = [(RNG.randint(0, 3, 7), RNG.randint(0, 3, 7),
                RNG.uniform(0, 2, 7).astype(np.float32)) for _ in range(3)]  # class 3 unseen
    ups, (got_iou, got_acc), _ = stream([lab, pred, w], [iou, acc], batches)
    y = np.concatenate([b[0] for b in batches])
    p = np.concatenate([b[1] for b in batches])
    wt = np.concatenate([b[2] for b in batches])
    cm = _confusion(zip(y, p), 4, wt)
    np.testing.assert_allclose(ups[-1][0], cm, rtol=1e-6)
    denom = cm.sum(0) + cm.sum(1) - np.diag(cm)
    assert got_iou == pytest.approx((np.diag(cm)[:3] / denom[:3]).sum() / 3, rel=1e-5)
    per_class = [np.mean(p[y == c] == c) for c in range(3)] + [0.0]
    np.testing.assert_allclose(ups[-1][1], per_class, rtol=1e-6)
    assert got_acc == pytest.approx(np.mean(per_class), rel=1e-6)


def _ref_set_counts(labels, top, class_id=None):
    tp = fp = fn = 0
    for ls, ps in zip(labels, top):
        ls, ps = set(ls), set(ps)
        if class_id is not None:
            ls, ps = ls & {class_id}, ps & {class_id}
        tp, fp, fn = tp + len(ps & ls), fp + len(ps - ls), fn + len(ls - ps)
    return tp, fp, fn


def test_precision_recall_at_k_and_top_k():
    lab = tf.placeholder(tf.int64, [None, 2])
    s = tf.placeholder(tf.float32, [None, 5])
    idx = tf.placeholder(tf.int32, [None, 3])
    m = tf.metrics
    ms = [m.precision_at_k(lab, s, 2), m.recall_at_k(lab, s, 2),
          m.precision_at_k(lab, s, 3, class_id=1), m.sparse_precision_at_k(lab, s, 1),
          m.precision_at_top_k(lab, idx), m.recall_at_top_k(lab, idx, class_id=2)]
    assert ms[0][0].name == "precision_at_2:0" and ms[0][1].name == "precision_at_2/update:0"
    assert ms[2][0].name == "precision_at_3_class1:0"
    names = [v.name for v in tf.local_variables()]
    assert names[:4] == ["precision_at_2/true_positive_at_2:0",
                         "precision_at_2/false_positive_at_2:0",
                         "recall_at_2/true_positive_at_2:0",
                         "recall_at_2/false_negative_at_2:0"]
    assert names[8:10] == ["precision_at_k/true_positive_at_k:0",
                           "precision_at_k/false_positive_at_k:0"]
    batches = [(RNG.randint(-1, 5, (4, 2)), RNG.rand(4, 5).astype(np.float32),
                RNG.randint(0, 5, (4, 3))) for _ in range(3)]
    ups, vals, _ = stream([lab, s, idx], ms, batches)
    y = np.concatenate([b[0] for b in batches])
    sc = np.concatenate([b[1] for b in batches])
    ids = np.concatenate([b[2] for b in batches])
    top = np.argsort(-sc, axis=1, kind="stable")

    def prec(c):
        return c[0] / (c[0] + c[1])
    want = [prec(_ref_set_counts(y, top[:, :2])),
            (lambda c: c[0] / (c[0] + c[2]))(_ref_set_counts(y, top[:, :2])),
            prec(_ref_set_counts(y, top[:, :3], 1)), prec(_ref_set_counts(y, top[:, :1])),
            prec(_ref_set_counts(y, ids)),
            (lambda c: c[0] / (c[0] + c[2]))(_ref_set_counts(y, ids, 2))]
    np.testing.assert_allclose(vals, want, rtol=1e-12)
    assert all(v.dtype == np.float64 for v in vals)


def test_average_precision_at_k():
    lab = tf.placeholder(tf.int64, [None, 2])
    s = tf.placeholder(tf.float32, [None, 4])
    w = tf.placeholder(tf.float32, [None])
    ap = tf.metrics.average_precision_at_k(lab, s, 3, weights=w)
    assert [v.name for v in tf.local_variables()] == ["average_precision_at_3/max_1:0",
                                                      "average_precision_at_3/total:0"]
    assert ap[0].name == "average_precision_at_3/mean:0"
    assert ap[1].name == "average_precision_at_3:0"
    batches = [(RNG.randint(0, 6, (5, 2)), RNG.rand(5, 4).astype(np.float32),
                RNG.uniform(0, 2, 5).astype(np.float32)) for _ in range(3)]
    for b in batches:
        b[0][:, 0] = np.minimum(b[0][:, 0], 3)  # at least one label in range per row
    _, (got,), _ = stream([lab, s, w], [ap], batches)
    num = den = 0.0
    for y, sc, wt in batches:
        for ls, row, wi in zip(y, sc, wt):
            ls = [x if x < 4 else -1 for x in ls]
            top = np.argsort(-row, kind="stable")[:3]
            hits, total = 0, 0.0
            for i, c in enumerate(top):
                if c in ls:
                    hits += 1
                    total += hits / (i + 1)
            num += float(wi) * total / min(sum(x >= 0 for x in ls), 3)
            den += float(wi)
    assert got == pytest.approx(num / den, rel=1e-12)
    with pytest.raises(ValueError, match="Invalid k=0"):
        tf.metrics.sparse_average_precision_at_k(lab, s, 0)


def test_collections_and_metric_variables():
    lab = tf.placeholder(tf.int64, [None])
    s = tf.placeholder(tf.float32, [None, 3])
    v, u = tf.metrics.recall_at_k(lab, s, 1, metrics_collections=["m"],
                                  updates_collections=["u"])
    v2, u2 = tf.metrics.percentage_below(s, 0.5, metrics_collections=["m"],
                                         updates_collections=["u"])
    assert tf.get_collection("m") == [v, v2] and tf.get_collection("u") == [u, u2]
    assert tf.get_collection(tf.GraphKeys.METRIC_VARIABLES) == tf.local_variables()
    assert tf.global_variables() == [] and tf.trainable_variables() == []
