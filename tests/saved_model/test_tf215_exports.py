"""SavedModels exported by TF 2.15.1's canned estimators (checked in under
tests/fixtures/tf215_exports/, made by scripts/make_tf215_estimator_exports.py with
tensorflow-estimator 2.15.0) load in flowgraph, and every signature gives the outputs TF
2.15's loader gave (expected.json). They use resource variables and a function library
with StatelessIf and Optional ops."""
import json
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.tools import saved_model_cli as cli

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures", "tf215_exports")
with open(os.path.join(FIXTURES, "expected.json")) as f:
    EXPECTED = json.load(f)


def _serialized(examples):
    return [cli._example(e) for e in examples]


@pytest.mark.parametrize("model", ["dnn_classifier", "linear_regressor"])
def test_signatures_match_tf215(model):
    d = os.path.join(FIXTURES, model)
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], d)
        assert sorted(meta.signature_def) == sorted(EXPECTED[model])
        for key, want in EXPECTED[model].items():
            sig = meta.signature_def[key]
            (inp,) = sig.inputs.values()
            got = sess.run({k: v.name for k, v in sig.outputs.items()},
                           {inp.name: _serialized(EXPECTED["examples"])})
            assert sorted(got) == sorted(want), key
            for k, v in want.items():
                g = got[k]
                if g.dtype.kind == "O":
                    assert [[s.decode() for s in row] for row in g] == v, (key, k)
                else:
                    np.testing.assert_allclose(g, v, rtol=1e-5, atol=1e-6,
                                               err_msg=f"{key}/{k}")


def test_cli_serves_tf215_classifier(capsys):
    cli.main(["run", "--dir", os.path.join(FIXTURES, "dnn_classifier"), "--tag_set", "serve",
              "--signature_def", "predict", "--input_examples",
              "examples=" + json.dumps(EXPECTED["examples"][:1])])
    out = capsys.readouterr().out
    want = np.array(EXPECTED["dnn_classifier"]["predict"]["class_ids"][:1])
    assert f"Result for output key class_ids:\n{want}\n" in out
