"""One-off check (not CI): TF 2.15's canned estimators restore the checkpoints flowgraph's
write and evaluate/predict as flowgraph does.

    PYTHONPATH=. python scripts/check_canned_tf215_restores_ours.py

For each case of tests/estimator/canned/test_canned_vs_tf.py, flowgraph trains from TF's
initial checkpoint (tests/fixtures/canned/<case>/init) for 5 steps and evaluates and
predicts; then TF 2.15.1 + tensorflow-estimator 2.15.0 (/work/tf215, a subprocess) builds
the same estimator (scripts/make_canned_fixtures.py's table) on that model_dir, evaluates
and predicts. Prints the largest differences per case; exits 1 if any exceeds 1e-4."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF215 = "/work/tf215/bin/python"

_CHILD = r"""
import json, sys
import numpy as np
sys.path.insert(0, %(scripts)r)
import make_canned_fixtures as m
d = m.data()
out = {}
for case, model_dir in json.loads(sys.argv[1]).items():
    make, label = m.CASES[case]
    est = make(model_dir)
    metrics = est.evaluate(m.dataset_input_fn(d, label))
    preds = list(est.predict(m.dataset_input_fn(d)))
    out[case] = {"metrics": {k: float(v) for k, v in metrics.items()},
                 "logits": [np.asarray(p.get("logits", p.get("predictions"))).tolist()
                            for p in preds]}
print("RESULT" + json.dumps(out))
"""


def main():
    sys.path.insert(0, ROOT)
    from tests.estimator.canned import test_canned_vs_tf as t
    work = tempfile.mkdtemp()
    ours, dirs = {}, {}
    for case in sorted(t.CASES):
        rec = t._record(case)
        d = os.path.join(work, case)
        shutil.copytree(os.path.join(t.FIXTURES, case, "init"), d)
        est = t.CASES[case](d)
        est.train(t._train_input_fn(rec["label"]), steps=rec["steps"])
        for f in os.listdir(d):  # TF writes its own eval/ events
            if os.path.isdir(os.path.join(d, f)):
                shutil.rmtree(os.path.join(d, f))
        metrics = est.evaluate(t._dataset_input_fn(rec["label"]))
        preds = list(est.predict(t._dataset_input_fn()))
        ours[case] = {"metrics": {k: float(v) for k, v in metrics.items()},
                      "logits": [np.asarray(p.get("logits", p.get("predictions"))).tolist()
                                 for p in preds]}
        dirs[case] = d
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([TF215, "-c", _CHILD % {"scripts": os.path.join(ROOT, "scripts")},
                          json.dumps(dirs)], capture_output=True, text=True, env=env)
    if "RESULT" not in out.stdout:
        print(out.stderr[-3000:])
        return 2
    theirs = json.loads(out.stdout.split("RESULT", 1)[1])
    worst = 0.0
    for case in sorted(ours):
        a, b = ours[case], theirs[case]
        assert sorted(a["metrics"]) == sorted(b["metrics"]), case
        dm = max(abs(a["metrics"][k] - b["metrics"][k]) / max(1.0, abs(b["metrics"][k]))
                 for k in a["metrics"])
        dl = float(np.max(np.abs(np.asarray(a["logits"]) - np.asarray(b["logits"]))))
        worst = max(worst, dm, dl)
        print(f"{case:34s} metrics max rel diff {dm:.2e}  logits max abs diff {dl:.2e}  "
              f"(TF 2.15 loss {b['metrics']['loss']:.6f}, ours {a['metrics']['loss']:.6f})")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
