"""keras.metrics against numpy: stateful accumulation across updates, sample weights,
reset, confusion-matrix metrics and AUC, lookup."""
import numpy as np
import pytest

from flowgraph.keras import backend as K
from flowgraph.keras import metrics


@pytest.fixture(autouse=True)
def _fresh():
    K.clear_session()
    yield
    K.clear_session()


def run(t):
    return K.get_session().run(t)


def test_mean_accumulates_and_resets():
    m = metrics.Mean()
    assert [v.name for v in m.variables] == ["total:0", "count:0"]
    run(m.update_state([1.0, 2.0, 3.0]))
    assert run(m([4.0], sample_weight=[3.0])) == pytest.approx((6 + 12) / 6)
    m.reset_states()
    assert run(m.result()) == 0.0
    assert metrics.metric_object(m([5.0])) is m


def test_accuracies():
    y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], np.float32)
    p = np.array([[.1, .8, .1], [.2, .7, .1], [.3, .3, .4]], np.float32)
    assert run(metrics.CategoricalAccuracy()(y, p)) == pytest.approx(2 / 3)
    assert run(metrics.SparseCategoricalAccuracy()([[1], [0], [2]], p)) == pytest.approx(2 / 3)
    assert run(metrics.TopKCategoricalAccuracy(k=2)(y, p)) == pytest.approx(1.0)
    assert run(metrics.BinaryAccuracy()([[1], [0]], [[0.7], [0.6]])) == pytest.approx(0.5)
    assert run(metrics.Accuracy()([1, 2, 3], [1, 2, 4])) == pytest.approx(2 / 3)


def test_precision_recall_counts():
    y = np.array([1, 1, 0, 0, 1], np.float32)
    p = np.array([.9, .2, .8, .1, .6], np.float32)
    assert run(metrics.Precision()(y, p)) == pytest.approx(2 / 3)
    assert run(metrics.Recall()(y, p)) == pytest.approx(2 / 3)
    assert run(metrics.TruePositives(thresholds=[0.1, 0.5, 0.95])(y, p)).tolist() == [3, 2, 0]
    assert run(metrics.FalseNegatives()(y, p, sample_weight=[1, 4, 1, 1, 1])) == 4.0


def test_auc():
    y = np.array([0, 0, 1, 1], np.float32)
    assert run(metrics.AUC()(y, [0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0, abs=1e-6)
    assert run(metrics.AUC(num_thresholds=1000)(y, [0.1, 0.4, 0.35, 0.8])) == \
        pytest.approx(0.75, abs=1e-2)


def test_rmse_and_wrapper_config():
    assert run(metrics.RootMeanSquaredError()([1.0, 2.0], [2.0, 4.0])) == \
        pytest.approx(np.sqrt(2.5))
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.7)
    assert m.get_config()["threshold"] == 0.7
    assert run(m([[1], [1]], [[0.8], [0.6]])) == pytest.approx(0.5)


def test_lookup():
    assert metrics.get("acc") is metrics.accuracy
    assert metrics.get("mse") is metrics.mean_squared_error
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert metrics.serialize(metrics.Precision(top_k=2))["config"]["top_k"] == 2
    with pytest.raises(ValueError, match="Unknown metric function"):
        metrics.get("nope")
