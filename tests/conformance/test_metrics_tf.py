"""tf.metrics against real TensorFlow: the same feeds streamed over several update
batches give the same update values, final values, local (and metric) variable names,
value/update tensor names and dtypes; weights, class ids, collections and errors too."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(11)
N_BATCHES = 4


@pytest.fixture(autouse=True)
def _tf_ref_variables():
    """TF1 metric variables as ref variables, as flowgraph has them."""
    tf1.disable_resource_variables()
    yield
    tf1.enable_resource_variables()


def _stream(build, batches):
    """For flowgraph and TF: (update values per batch, final values, local variable
    names, metric variable names, (value, update) names, value dtypes)."""
    res = []
    for lib in (fg, tf1):
        g = lib.Graph()
        with g.as_default():
            phs, metrics = build(lib)
            names = [v.name for v in lib.local_variables()]
            metric_vars = [v.name for v in lib.get_collection(lib.GraphKeys.METRIC_VARIABLES)]
            with lib.Session(graph=g) as sess:
                sess.run(lib.local_variables_initializer())
                ups = [sess.run([u for _, u in metrics], dict(zip(phs, b))) for b in batches]
                vals = sess.run([v for v, _ in metrics])
            res.append(dict(ups=ups, vals=vals, names=names, metric_vars=metric_vars,
                            tensors=[(v.name, u.name) for v, u in metrics],
                            dtypes=[(v.dtype.name, u.dtype.name) for v, u in metrics],
                            shapes=[v.shape.as_list() for v, _ in metrics]))
    return res


def _check(build, batches, names=True):
    ours, theirs = _stream(build, batches)
    for key in ("names", "metric_vars", "dtypes", "shapes"):
        assert ours[key] == theirs[key], key
    if names:
        assert ours["tensors"] == theirs["tensors"]
    for a, b in zip(ours["ups"] + [ours["vals"]], theirs["ups"] + [theirs["vals"]]):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    return ours, theirs


def _binary_batches(n=9):
    return [(RNG.randint(0, 2, n), RNG.uniform(0, 1, n).astype(np.float32),
             RNG.uniform(0, 2, n).astype(np.float32)) for _ in range(N_BATCHES)]


def _binary_phs(lib):
    return (lib.placeholder(lib.int64, [None]), lib.placeholder(lib.float32, [None]),
            lib.placeholder(lib.float32, [None]))


def test_counts_and_ratios_at_thresholds():
    th = [0.1, 0.35, 0.5, 0.8]

    def build(lib):
        lab, s, w = _binary_phs(lib)
        m = lib.metrics
        ms = [m.true_positives_at_thresholds(lab, s, th),
              m.false_positives_at_thresholds(lab, s, th, weights=w),
              m.true_negatives_at_thresholds(lab, s, th, name="tn"),
              m.false_negatives_at_thresholds(lab, s, th, weights=w),
              m.precision_at_thresholds(lab, s, th), m.precision_at_thresholds(lab, s, th, w),
              m.recall_at_thresholds(lab, s, th), m.recall_at_thresholds(lab, s, th, w)]
        return [lab, s, w], ms
    _check(build, _binary_batches())


@pytest.mark.parametrize("weighted", [False, True])
def test_sensitivity_specificity(weighted):
    def build(lib):
        lab, s, w = _binary_phs(lib)
        w = w if weighted else None
        m = lib.metrics
        ms = [m.sensitivity_at_specificity(lab, s, 0.5, weights=w),
              m.sensitivity_at_specificity(lab, s, 0.8, weights=w, num_thresholds=13),
              m.specificity_at_sensitivity(lab, s, 0.4, weights=w),
              m.specificity_at_sensitivity(lab, s, 0.9, weights=w, num_thresholds=7,
                                           name="spec")]
        return [lab, s, _binary_phs(lib)[2] if w is None else w], ms
    _check(build, _binary_batches(15))


@pytest.mark.parametrize("curve,method", [("ROC", "trapezoidal"), ("ROC", "minoring"),
                                          ("ROC", "majoring"), ("PR", "trapezoidal"),
                                          ("PR", "careful_interpolation"),
                                          ("PR", "majoring")])
def test_auc_variants(curve, method):
    def build(lib):
        lab, s, w = _binary_phs(lib)
        m = lib.metrics
        ms = [m.auc(lab, s, curve=curve, summation_method=method),
              m.auc(lab, s, weights=w, num_thresholds=11, curve=curve,
                    summation_method=method),
              m.auc(lab, s, curve=curve, summation_method=method,
                    thresholds=[0.7, 0.2, 0.5])]
        return [lab, s, w], ms
    _check(build, _binary_batches(12))


def test_threshold_metrics_reject_predictions_outside_unit_interval():
    for lib in (fg, tf1):
        with lib.Graph().as_default():
            s = lib.placeholder(lib.float32, [None])
            _, up = lib.metrics.precision_at_thresholds([1, 0], s, [0.5])
            with lib.Session() as sess:
                sess.run(lib.local_variables_initializer())
                with pytest.raises(lib.errors.InvalidArgumentError,
                                   match=r"predictions must be in \[0, 1\]"):
                    sess.run(up, {s: [0.5, 1.5]})
    for lib in (fg, tf1):
        with lib.Graph().as_default():
            with pytest.raises(ValueError, match="specificity"):
                lib.metrics.sensitivity_at_specificity([1], [0.5], 1.5)
            with pytest.raises(ValueError, match="sensitivity"):
                lib.metrics.specificity_at_sensitivity([1], [0.5], -0.1)


def test_means_percentage_relative_error_cosine():
    batches = []
    for _ in range(N_BATCHES):
        a = RNG.randn(6, 3).astype(np.float32)
        b = RNG.randn(6, 3).astype(np.float32)
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        norm = RNG.uniform(0.5, 2, 6).astype(np.float32)
        norm[RNG.randint(0, 6)] = 0.0
        batches.append((a, b, RNG.uniform(0, 2, 6).astype(np.float32), norm,
                        RNG.randn(6).astype(np.float32), RNG.randn(6).astype(np.float32)))

    def build(lib):
        a, b = lib.placeholder(lib.float32, [None, 3]), lib.placeholder(lib.float32, [None, 3])
        w, norm = lib.placeholder(lib.float32, [None]), lib.placeholder(lib.float32, [None])
        x, y = lib.placeholder(lib.float32, [None]), lib.placeholder(lib.float32, [None])
        m = lib.metrics
        ms = [m.mean_cosine_distance(a, b, dim=1),
              m.mean_cosine_distance(a, b, dim=1, weights=lib.expand_dims(w, 1), name="cos"),
              m.percentage_below(x, 0.2), m.percentage_below(x, -0.5, weights=w),
              m.mean_relative_error(x, y, norm), m.mean_relative_error(x, y, norm, w)]
        return [a, b, w, norm, x, y], ms
    _check(build, batches)


def test_mean_tensor_streams_elementwise():
    batches = [(RNG.randn(3, 4).astype(np.float32), RNG.uniform(0, 1, (3, 1)).astype(np.float32))
               for _ in range(N_BATCHES)]

    def build(lib):
        v = lib.placeholder(lib.float32, [3, 4])
        w = lib.placeholder(lib.float32, [3, 1])
        ms = [lib.metrics.mean_tensor(v), lib.metrics.mean_tensor(v, weights=w, name="mt"),
              lib.metrics.mean_tensor(lib.cast(v > 0, lib.int32))]
        return [v, w], ms
    _check(build, batches)


def _class_batches(c=4, n=10):
    out = []
    for _ in range(N_BATCHES):
        lab = RNG.randint(0, c, n)
        pred = np.where(RNG.rand(n) < 0.5, lab, RNG.randint(0, c, n))
        out.append((lab, pred, RNG.uniform(0, 2, n).astype(np.float32)))
    out[0][0][:] = np.minimum(out[0][0], c - 2)  # a class missing from the first batch
    out[0][1][:] = np.minimum(out[0][1], c - 2)
    return out


def test_mean_iou_and_mean_per_class_accuracy():
    def build(lib):
        lab, pred = lib.placeholder(lib.int64, [None]), lib.placeholder(lib.int64, [None])
        w = lib.placeholder(lib.float32, [None])
        m = lib.metrics
        ms = [m.mean_iou(lab, pred, 4), m.mean_iou(lab, pred, 4, weights=w, name="iou_w"),
              m.mean_per_class_accuracy(lab, pred, 4),
              m.mean_per_class_accuracy(lab, pred, 4, weights=w)]
        return [lab, pred, w], ms
    _check(build, _class_batches())


def test_mean_iou_2d_inputs_and_out_of_range_labels():
    def build(lib):
        lab, pred = lib.placeholder(lib.int32, [None, 2]), lib.placeholder(lib.int32, [None, 2])
        return [lab, pred], [lib.metrics.mean_iou(lab, pred, 3),
                             lib.metrics.mean_per_class_accuracy(lab, pred, 3)]
    batches = [(RNG.randint(0, 3, (4, 2)), RNG.randint(0, 3, (4, 2))) for _ in range(3)]
    _check(build, batches)
    for lib in (fg, tf1):
        with lib.Graph().as_default():
            lab = lib.placeholder(lib.int64, [None])
            _, up = lib.metrics.mean_iou(lab, lab, 3)
            with lib.Session() as sess:
                sess.run(lib.local_variables_initializer())
                with pytest.raises(lib.errors.InvalidArgumentError):
                    sess.run(up, {lab: [0, 3]})


def _top_k_batches(num_labels, n=6, c=5):
    out = []
    for _ in range(N_BATCHES):
        scores = RNG.rand(n, c).astype(np.float32)
        if num_labels is None:
            labels = RNG.randint(0, c, n)
        else:
            labels = RNG.randint(0, c, (n, num_labels))
            labels[0, -1] = labels[0, 0]  # a repeated label
            labels[1, -1] = -1            # padding
            labels[2, 0] = c + 1          # out of range
        out.append((labels, scores, RNG.uniform(0, 2, n).astype(np.float32)))
    return out


@pytest.mark.parametrize("num_labels", [None, 3], ids=["one_label", "three_labels"])
def test_precision_recall_at_k(num_labels):
    def build(lib):
        shape = [None] if num_labels is None else [None, num_labels]
        lab = lib.placeholder(lib.int64, shape)
        s = lib.placeholder(lib.float32, [None, 5])
        w = lib.placeholder(lib.float32, [None])
        m = lib.metrics
        idx = lib.nn.top_k(s, 3)[1]
        ms = [m.precision_at_k(lab, s, 2), m.precision_at_k(lab, s, 1, weights=w),
              m.precision_at_k(lab, s, 3, class_id=2), m.sparse_precision_at_k(lab, s, 2),
              m.recall_at_k(lab, s, 2), m.recall_at_k(lab, s, 3, class_id=1, weights=w),
              m.precision_at_top_k(lab, idx), m.precision_at_top_k(lab, idx, k=3, name="p3"),
              m.recall_at_top_k(lab, idx, class_id=4),
              m.recall_at_top_k(lab, idx, k=3, weights=w)]
        return [lab, s, w], ms
    _check(build, _top_k_batches(num_labels))


def test_at_top_k_with_repeated_predicted_ids():
    def build(lib):
        lab = lib.placeholder(lib.int64, [None, 2])
        idx = lib.placeholder(lib.int32, [None, 3])
        return [lab, idx], [lib.metrics.precision_at_top_k(lab, idx),
                            lib.metrics.recall_at_top_k(lab, idx),
                            lib.metrics.precision_at_top_k(lab, idx, class_id=1)]
    batches = [(RNG.randint(0, 3, (5, 2)), RNG.randint(0, 3, (5, 3))) for _ in range(3)]
    _check(build, batches)


@pytest.mark.parametrize("num_labels", [None, 3], ids=["one_label", "three_labels"])
def test_average_precision_at_k(num_labels):
    def build(lib):
        shape = [None] if num_labels is None else [None, num_labels]
        lab = lib.placeholder(lib.int64, shape)
        s = lib.placeholder(lib.float32, [None, 5])
        w = lib.placeholder(lib.float32, [None])
        m = lib.metrics
        ms = [m.average_precision_at_k(lab, s, 1), m.average_precision_at_k(lab, s, 3),
              m.average_precision_at_k(lab, s, 2, weights=w),
              m.sparse_average_precision_at_k(lab, s, 4, name="ap4")]
        return [lab, s, w], ms
    _check(build, _top_k_batches(num_labels))
    with pytest.raises(ValueError, match="Invalid k=0"):
        fg.metrics.average_precision_at_k([1], [[0.1, 0.9]], 0)


def test_collections():
    for lib in (fg, tf1):
        with lib.Graph().as_default():
            lab = lib.placeholder(lib.int64, [None, 1])
            s = lib.placeholder(lib.float32, [None, 4])
            v, u = lib.metrics.recall_at_k(lab, s, 2, metrics_collections=["m"],
                                           updates_collections=["u"])
            v2, u2 = lib.metrics.mean_iou(lab, lib.argmax(s, 1)[:, None], 4,
                                          metrics_collections=["m"],
                                          updates_collections=["u"])
            assert lib.get_collection("m") == [v, v2] and lib.get_collection("u") == [u, u2]
            assert lib.global_variables() == []
