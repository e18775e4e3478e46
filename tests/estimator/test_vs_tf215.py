"""Estimator scenarios (tests/estimator/scenarios.py) under flowgraph against the records
TF 2.15.1 + tensorflow-estimator 2.15.0 made of the same programs
(tests/fixtures/estimator/scenarios.json, written by scripts/make_estimator_fixtures.py):
logged lines, files, variable names and values, metrics and predictions."""
import json
import os
import re

import numpy as np
import pytest

import flowgraph as tf
from tests.estimator import scenarios

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "estimator",
                       "scenarios.json")
_NUMBER = re.compile(r"-?\d+\.\d*(?:e[+-]?\d+)?|-?\d+(?:e[+-]?\d+)?")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    tf.reset_default_graph()
    return scenarios.run_all(tf, str(tmp_path_factory.mktemp("est")))


@pytest.fixture(scope="module")
def reference():
    with open(FIXTURE) as f:
        return json.load(f)


def assert_lines_match(ours, theirs):
    """Same lines, numbers equal to float32 precision (numpy 1 and 2 print them
    differently: 1480069.5 vs 1.4800695e+06)."""
    assert [_NUMBER.sub("#", line) for line in ours] == \
        [_NUMBER.sub("#", line) for line in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose([float(x) for x in _NUMBER.findall(a)],
                                   [float(x) for x in _NUMBER.findall(b)], rtol=2e-5,
                                   err_msg=f"{a!r} vs {b!r}")


def assert_close(ours, theirs):
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs)
        for k in theirs:
            assert_close(ours[k], theirs[k])
    elif isinstance(theirs, list) and theirs and isinstance(theirs[0], dict):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_close(a, b)
    else:
        np.testing.assert_allclose(np.asarray(ours, np.float64),
                                   np.asarray(theirs, np.float64), rtol=2e-5, atol=1e-6)


LOGS = [("linear", "train_log"), ("linear", "eval_log"), ("linear", "resume_log"),
        ("linear", "skip_log"), ("dnn", "train_log"), ("dnn", "train2_log"),
        ("dnn", "eval_log"), ("warm", "eval_log"), ("export", "raw_log"),
        ("export", "parse_log"), ("train_and_evaluate", "log")]


@pytest.mark.parametrize("scenario,key", LOGS)
def test_logged_lines(records, reference, scenario, key):
    assert_lines_match(records[scenario][key], reference[scenario][key])


FILES = [("linear", "files_after_train"), ("linear", "files_final"), ("dnn", "files_final"),
         ("linear", "variable_names"), ("dnn", "variable_names"), ("linear", "latest"),
         ("linear", "eval_types"), ("export", "raw_files"), ("export", "raw_dir_type"),
         ("export", "raw_parent"), ("export", "raw_tags"), ("export", "raw_collections"),
         ("export", "raw_signatures"), ("export", "parse_signatures"),
         ("train_and_evaluate", "exports"), ("train_and_evaluate", "export_dirs"),
         ("train_and_evaluate", "files")]


@pytest.mark.parametrize("scenario,key", FILES)
def test_files_and_names(records, reference, scenario, key):
    assert records[scenario][key] == reference[scenario][key]


VALUES = [("linear", "w"), ("linear", "b"), ("linear", "w_resumed"), ("linear", "eval"),
          ("linear", "predictions"), ("linear", "predict_y_only"),
          ("linear", "predict_batches"), ("dnn", "kernel"), ("dnn", "eval"),
          ("dnn", "predictions"), ("warm", "eval"), ("warm", "b_only_w"),
          ("warm", "b_only_b"), ("warm", "from_saved_model"), ("export", "raw_outputs"),
          ("export", "parse_outputs"),
          ("train_and_evaluate", "metrics")]


@pytest.mark.parametrize("scenario,key", VALUES)
def test_values(records, reference, scenario, key):
    assert_close(records[scenario][key], reference[scenario][key])


@pytest.mark.parametrize("section", ["errors", "hooks", "config", "inputs"])
def test_errors_hooks_config(records, reference, section):
    """User errors (class and message), hook and listener calls, RunConfig values,
    numpy_input_fn batches and shapes."""
    ours = json.loads(json.dumps(records[section]))
    assert ours == reference[section]


def test_pandas_input_fn(records, reference):
    """pandas_input_fn batches, targets and a training run (pandas is optional)."""
    pytest.importorskip("pandas")
    ours = json.loads(json.dumps(records["pandas"]))
    theirs = reference["pandas"]
    assert_close(ours.pop("trained_w"), theirs.pop("trained_w"))
    assert ours == theirs


def test_flowgraph_loads_tf215_export(reference):
    """The SavedModel TF 2.15's Estimator exported (tests/fixtures/estimator/tf215_export)
    loads in flowgraph and its signature computes what it computed in TF."""
    path = os.path.join(os.path.dirname(FIXTURE), "tf215_export")
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], path)
        sig = meta.signature_def["serving_default"]
        out = sess.run({k: v.name for k, v in sig.outputs.items()},
                       {sig.inputs["x"].name: scenarios.X})
    assert_close(scenarios._as_json(out), reference["export"]["raw_outputs"])


def test_tf_loads_flowgraph_export(records, reference):
    """Real TensorFlow (2.21, the suite's reference) loads flowgraph's Estimator export
    with its v1 loader and gets TF 2.15's outputs."""
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    with real.Graph().as_default(), v1.Session() as sess:
        meta = v1.saved_model.loader.load(sess, ["serve"], records["export"]["export_dir"])
        sig = meta.signature_def["serving_default"]
        out = sess.run({k: v.name for k, v in sig.outputs.items()},
                       {sig.inputs["x"].name: scenarios.X})
    assert_close(scenarios._as_json(out), reference["export"]["raw_outputs"])
