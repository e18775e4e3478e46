#!/usr/bin/env python
"""Regenerates tests/fixtures/tf_cf/ (needs real TF): GraphDefs that TF builds for
`tf.compat.v1` control-flow programs with control flow v2 enabled, so they hold
`If`/`StatelessIf`/`While`/`StatelessWhile` nodes and a function library.

    python scripts/make_cf_fixtures.py

For each program of tests/io/cf_programs.py (forward only): `<name>.pb` (binary
GraphDef) and an entry of `cases.json`: the fetched tensor names, the feeds, TF's
outputs for each feed, and TF's gradient of "out:0" with respect to "x:0" (computed in a
separate graph, since TF's own gradient graphs use ops flowgraph lacks).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.io import cf_programs  # noqa: E402

tf.disable_v2_behavior()
tf.enable_control_flow_v2()
OUT = os.path.join(ROOT, "tests", "fixtures", "tf_cf")


def _value(v):
    a = np.asarray(v)
    return {"dtype": a.dtype.name, "value": a.tolist()}


def make(name, fn):
    g = tf.Graph()
    with g.as_default():
        outs, feeds = fn(tf, grads=False)
        with tf.Session() as sess:
            got = [sess.run(outs, f) for f in feeds]
    gd = g.as_graph_def()
    with open(os.path.join(OUT, name + ".pb"), "wb") as f:
        f.write(gd.SerializeToString(deterministic=True))
    g2 = tf.Graph()
    with g2.as_default():
        fn(tf, grads=False)
        dx = tf.gradients(g2.get_tensor_by_name("out:0"),
                          g2.get_tensor_by_name(cf_programs.grad_target))[0]
        with tf.Session() as sess:
            grads = [sess.run(dx, f) for f in feeds]
    return {
        "fetches": [t.name for t in outs],
        "feeds": [{k: _value(v) for k, v in f.items()} for f in feeds],
        "outputs": [[_value(v) for v in r] for r in got],
        "grad": [_value(v) for v in grads],
        "node_ops": sorted({n.op for n in gd.node}),
        "function_ops": sorted({m.op for fd in gd.library.function for m in fd.node_def}),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {name: make(name, fn) for name, fn in cf_programs.PROGRAMS.items()}
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
    print(f"wrote {len(cases)} control-flow fixtures to {OUT}")


if __name__ == "__main__":
    main()
