"""tf.losses and tf.metrics against real TensorFlow: every loss under every Reduction and
weights form (values, gradients, the LOSSES collection, names); metrics streamed over
several batches (update values, final values, variable names)."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(3)


@pytest.fixture(autouse=True)
def _tf_v1_semantics():
    """Ref variables and v1 control flow in TF while this module runs (as TF1)."""
    tf1.disable_resource_variables()
    tf1.disable_control_flow_v2()
    yield
    tf1.enable_control_flow_v2()
    tf1.enable_resource_variables()


def both(build):
    """(result, info) of `build(lib)` -> (fetches, python info) in each framework."""
    out = []
    for lib in (fg, tf1):
        g = lib.Graph()
        with g.as_default():
            fetches, info = build(lib)
            with lib.Session(graph=g) as sess:
                sess.run(lib.local_variables_initializer())
                out.append((sess.run(fetches), info))
    return out


def close(a, b, rtol=1e-5, atol=1e-6):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, rtol, atol)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


P = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
L = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
LOGITS = RNG.standard_normal((4, 3)).astype(np.float32)
WEIGHTS = [1.0, 0.0, 2.5, np.array([[1.], [0.], [2.], [0.5]], np.float32),
           np.array([1., 0., 3.], np.float32),
           (RNG.uniform(0, 2, (4, 3)) * (RNG.rand(4, 3) > 0.4)).astype(np.float32)]

LOSSES = {
    "mean_squared_error": lambda lib, p, w, r: lib.losses.mean_squared_error(
        L, p, weights=w, reduction=r),
    "absolute_difference": lambda lib, p, w, r: lib.losses.absolute_difference(
        L, p, weights=w, reduction=r),
    "huber_loss": lambda lib, p, w, r: lib.losses.huber_loss(
        L, p, weights=w, delta=0.25, reduction=r),
    "log_loss": lambda lib, p, w, r: lib.losses.log_loss(L > 0.5, p, weights=w, reduction=r),
    "hinge_loss": lambda lib, p, w, r: lib.losses.hinge_loss(
        L > 0.5, p * 3 - 1, weights=w, reduction=r),
    "sigmoid_cross_entropy": lambda lib, p, w, r: lib.losses.sigmoid_cross_entropy(
        L, p * 4 - 2, weights=w, label_smoothing=0.1, reduction=r),
    "softmax_cross_entropy": lambda lib, p, w, r: lib.losses.softmax_cross_entropy(
        np.eye(3, dtype=np.float32)[[0, 2, 1, 2]], p * 3, label_smoothing=0.15,
        weights=w if np.ndim(w) != 2 else w[:, 0], reduction=r),
    "sparse_softmax_cross_entropy": lambda lib, p, w, r:
        lib.losses.sparse_softmax_cross_entropy(
            np.array([0, 2, 1, 2]), p * 3, weights=w if np.ndim(w) != 2 else w,
            reduction=r),
    "cosine_distance": lambda lib, p, w, r: lib.losses.cosine_distance(
        L, p, axis=1, weights=w if np.ndim(w) == 2 else (w if np.ndim(w) == 0 else 1.0),
        reduction=r),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("wi", range(len(WEIGHTS)))
def test_losses_every_reduction(name, wi):
    w = WEIGHTS[wi]

    errors = []
    for lib in (fg, tf1):  # weights that do not broadcast: a ValueError in both
        with lib.Graph().as_default():
            try:
                LOSSES[name](lib, lib.constant(P), w, lib.losses.Reduction.SUM)
                errors.append(None)
            except ValueError as e:
                errors.append(str(e)[:24])
    assert errors[0] == errors[1]
    if errors[0] is not None:
        return

    def build(lib):
        p = lib.constant(P)
        outs = []
        for r in lib.losses.Reduction.all()[:5]:
            loss = LOSSES[name](lib, p, w, r)
            outs.append([loss] + lib.gradients(lib.reduce_sum(loss), [p]))
        coll = lib.get_collection(lib.GraphKeys.LOSSES)
        return outs, ([t.name for t in coll], [o[0].shape.as_list() for o in outs])
    (a, ia), (b, ib) = both(build)
    close(a, b, rtol=2e-5, atol=2e-6)
    assert ia[1] == ib[1]
    assert [n.split("/")[0] for n in ia[0]] == [n.split("/")[0] for n in ib[0]]


def test_mean_pairwise_squared_error_and_total_loss():
    pv = RNG.standard_normal((3, 4)).astype(np.float32)
    lv = np.arange(12, dtype=np.float32).reshape(3, 4) / 10

    def build(lib):
        p, lab = lib.constant(pv), lib.constant(lv)
        a = lib.losses.mean_pairwise_squared_error(lab, p, weights=[[1.], [0.], [2.]])
        b = lib.losses.mean_squared_error(lab, p)
        lib.losses.add_loss(lib.constant(0.5))
        total = lib.losses.get_total_loss()
        return [a, b, total, lib.losses.get_regularization_loss()], total.name
    (a, ia), (b, ib) = both(build)
    close(a, b, rtol=1e-5)
    assert ia == ib == "total_loss:0"


# -- metrics ---------------------------------------------------------------------------------
def _stream(build, batches):
    res = []
    for lib in (fg, tf1):
        g = lib.Graph()
        with g.as_default():
            phs, metrics = build(lib)
            names = [v.name for v in lib.local_variables()]
            metric_vars = [v.name for v in lib.get_collection(
                lib.GraphKeys.METRIC_VARIABLES)]
            with lib.Session(graph=g) as sess:
                sess.run(lib.local_variables_initializer())
                ups = [sess.run([u for _, u in metrics], dict(zip(phs, batch)))
                       for batch in batches]
                vals = sess.run([v for v, _ in metrics])
            res.append((ups, vals, names, metric_vars,
                        [(v.name, u.name) for v, u in metrics]))
    return res


def test_classification_metrics_stream_like_tf():
    batches = [(RNG.randint(0, 2, 9), RNG.randint(0, 2, 9),
                RNG.uniform(0, 1, 9).astype(np.float32),
                RNG.uniform(0, 2, 9).astype(np.float32)) for _ in range(5)]

    def build(lib):
        lab = lib.placeholder(lib.int64, [None])
        pred = lib.placeholder(lib.int64, [None])
        score = lib.placeholder(lib.float32, [None])
        w = lib.placeholder(lib.float32, [None])
        ms = [lib.metrics.accuracy(lab, pred), lib.metrics.accuracy(lab, pred, weights=w),
              lib.metrics.precision(lab, pred), lib.metrics.recall(lab, pred, weights=w),
              lib.metrics.mean(score), lib.metrics.mean(score, weights=w),
              lib.metrics.true_positives(lab, pred), lib.metrics.false_negatives(lab, pred),
              lib.metrics.auc(lab, score), lib.metrics.auc(lab, score, weights=w,
                                                           num_thresholds=17),
              lib.metrics.auc(lab, score, curve="PR",
                              summation_method="careful_interpolation"),
              lib.metrics.auc(lab, score, summation_method="minoring"),
              lib.metrics.mean_absolute_error(lib.cast(lab, lib.float32), score),
              lib.metrics.root_mean_squared_error(lib.cast(lab, lib.float32), score)]
        return [lab, pred, score, w], ms
    (ua, va, na, ma, ta), (ub, vb, nb, mb, tb) = _stream(build, batches)
    close(ua, ub, rtol=1e-5)
    close(va, vb, rtol=1e-5)
    assert na == nb and ma == mb
    assert [t[0].split("/")[0] for t in ta] == [t[0].split("/")[0] for t in tb]
