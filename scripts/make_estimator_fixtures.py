#!/usr/bin/env python
"""Regenerates tests/fixtures/estimator/scenarios.json with the last TensorFlow that had
tf.estimator (tensorflow-cpu 2.15.1 + tensorflow-estimator 2.15.0, in a venv of their own):

    /path/to/tf215/bin/python scripts/make_estimator_fixtures.py

It runs the programs of tests/estimator/scenarios.py under tf.compat.v1 (with
disable_v2_behavior, so variables are TF1 reference variables, as flowgraph's) and stores
what they record: logged lines, files, variable names and values, metrics, predictions,
exported signatures; the SavedModel TF exports goes to tests/fixtures/estimator/tf215_export.
"""
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow.compat.v1 as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.estimator import scenarios  # noqa: E402

tf.disable_v2_behavior()
OUT = os.path.join(ROOT, "tests", "fixtures", "estimator", "scenarios.json")


def main():
    with tempfile.TemporaryDirectory() as scratch:
        records = scenarios.run_all(tf, scratch)
        # the SavedModel TF exported, for flowgraph to load (tests/estimator/test_export.py)
        saved = os.path.join(os.path.dirname(OUT), "tf215_export")
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(records["export"].pop("export_dir"), saved)
    records["reference"] = f"tensorflow {tf.__version__}, tensorflow-estimator " \
                           f"{tf.estimator.__name__ and _estimator_version()}"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(records, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", OUT)


def _estimator_version():
    from importlib.metadata import version
    return version("tensorflow-estimator")


if __name__ == "__main__":
    main()
