"""keras.metrics against tf_keras 2.21 (TF1 graph mode): each stateful metric fed the same
batches (with and without sample weights) through `metric(...)` in the Keras session:
per-call results, final `result()`, variable names, `get_config()` and the value after
`reset_states()`; and the metric functions' values and static shapes."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()
from tf_keras.api._v1 import keras as k1

import flowgraph as fg
from flowgraph.keras import backend as K
from flowgraph.keras import metrics

RNG = np.random.RandomState(1)
N = 12
P = RNG.rand(N, 5).astype("float32")
P /= P.sum(1, keepdims=True)
T = np.eye(5, dtype="float32")[RNG.randint(0, 5, N)]
S = RNG.randint(0, 5, (N, 1)).astype("int32")
PB = RNG.rand(N, 1).astype("float32")
TB = (RNG.rand(N, 1) > .5).astype("float32")
W = RNG.rand(N).astype("float32")


def feed(lib, backend, mod, name, kwargs, batches):
    g = lib.Graph()
    with g.as_default():
        m = getattr(mod, name)(**kwargs)
        backend.set_session(lib.Session(graph=g))
        calls = [m(*[lib.constant(a) for a in b]) for b in batches]
        per_call = [backend.get_session().run(c) for c in calls]
        final = backend.get_session().run(m.result())
        names = [v.name.split(":")[0] for v in m.variables]
        config = m.get_config()
        m.reset_states()
        return per_call, final, names, config, backend.get_session().run(m.result())


CASES = [
    ("Mean", {}, [(P[:, 0],), (P[:, 1], W)]),
    ("Sum", {}, [(P[:, 0],), (P[:, 1], W)]),
    ("MeanTensor", {}, [(P,), (T, W)]),
    ("MeanRelativeError", {"normalizer": T[:, :1] + 1.0}, [(PB, PB * 0.5), (PB, TB, W)]),
    ("Accuracy", {}, [(TB, (PB > .5).astype("float32"))]),
    ("BinaryAccuracy", {}, [(TB, PB), (TB, PB, W)]),
    ("BinaryAccuracy", {"threshold": 0.3}, [(TB, PB)]),
    ("CategoricalAccuracy", {}, [(T, P), (T, P, W)]),
    ("SparseCategoricalAccuracy", {}, [(S, P), (S[:, 0], P, W)]),
    ("TopKCategoricalAccuracy", {"k": 2}, [(T, P), (T, P, W)]),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, [(S, P)]),
    ("MeanSquaredError", {}, [(T, P), (T, P, W)]),
    ("MeanAbsoluteError", {}, [(T, P)]),
    ("MeanAbsolutePercentageError", {}, [(T + 1, P)]),
    ("MeanSquaredLogarithmicError", {}, [(T, P)]),
    ("RootMeanSquaredError", {}, [(T, P), (T, P, W)]),
    ("CategoricalCrossentropy", {}, [(T, P)]),
    ("SparseCategoricalCrossentropy", {}, [(S, P)]),
    ("BinaryCrossentropy", {}, [(TB, PB)]),
    ("KLDivergence", {}, [(T, P)]),
    ("CosineSimilarity", {}, [(T, P)]),
    ("LogCoshError", {}, [(T, P)]),
    ("Hinge", {}, [(T, P)]),
    ("SquaredHinge", {}, [(T, P)]),
    ("CategoricalHinge", {}, [(T, P)]),
    ("Poisson", {}, [(T, P)]),
    ("TruePositives", {}, [(TB, PB), (TB, PB, W)]),
    ("FalsePositives", {"thresholds": [0.2, 0.7]}, [(TB, PB)]),
    ("TrueNegatives", {}, [(TB, PB)]),
    ("FalseNegatives", {}, [(TB, PB, W)]),
    ("Precision", {}, [(TB, PB), (TB, PB, W)]),
    ("Recall", {}, [(TB, PB)]),
    ("Precision", {"top_k": 2}, [(T, P)]),
    ("Recall", {"class_id": 1}, [(T, P)]),
    ("Precision", {"thresholds": [0.1, 0.5, 0.9]}, [(TB, PB)]),
    ("AUC", {}, [(TB, PB), (TB, PB, W)]),
    ("AUC", {"curve": "PR"}, [(TB, PB)]),
    ("AUC", {"num_thresholds": 10, "summation_method": "minoring"}, [(TB, PB)]),
    ("AUC", {"num_thresholds": 10, "summation_method": "majoring", "curve": "PR"},
     [(TB, PB)]),
    ("AUC", {"thresholds": [0.3, 0.6]}, [(TB, PB)]),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, [(TB, PB), (TB, PB, W)]),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 20}, [(TB, PB)]),
    ("PrecisionAtRecall", {"recall": 0.6}, [(TB, PB)]),
    ("RecallAtPrecision", {"precision": 0.99}, [(TB, PB)]),
    ("RecallAtPrecision", {"precision": 0.4, "class_id": 2}, [(T, P)]),
    ("MeanIoU", {"num_classes": 5}, [(S, RNG.randint(0, 5, (N, 1)).astype("int32")),
                                     (S[:, 0], S[:, 0], W)]),
    ("MeanIoU", {"num_classes": 5, "sparse_y_true": False, "sparse_y_pred": False,
                 "ignore_class": 1}, [(T, P)]),
]


@pytest.mark.parametrize("name,kwargs,batches", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_metric_class(name, kwargs, batches):
    ours = feed(fg, K, metrics, name, kwargs, batches)
    theirs = feed(tf1, k1.backend, k1.metrics, name, kwargs, batches)
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
    assert ours[2] == theirs[2]
    assert sorted(ours[3]) == sorted(theirs[3])
    for key in ours[3]:
        if isinstance(ours[3][key], np.ndarray):
            np.testing.assert_array_equal(ours[3][key], theirs[3][key])
        else:
            assert ours[3][key] == theirs[3][key], key
    np.testing.assert_allclose(ours[4], theirs[4])


FUNCTION_ARGS = {"binary_accuracy": (TB, PB), "categorical_accuracy": (T, P),
                 "sparse_categorical_accuracy": (S, P), "top_k_categorical_accuracy": (T, P),
                 "sparse_top_k_categorical_accuracy": (S, P), "accuracy": (TB, TB),
                 "acc": (TB, TB), "mse": (T, P), "cosine_similarity": (T, P)}


@pytest.mark.parametrize("name", sorted(FUNCTION_ARGS))
def test_metric_function(name):
    def run(lib, mod):
        g = lib.Graph()
        with g.as_default():
            out = mod.get(name)(*[lib.constant(x) for x in FUNCTION_ARGS[name]])
            with lib.Session(graph=g) as sess:
                return sess.run(out), out.shape.as_list()
    (a, sa), (b, sb) = run(fg, metrics), run(tf1, k1.metrics)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert sa == sb
