"""Every op-table case (tests/optest.py) gives the same values, and the same gradients,
with the graph optimizer on (every pass, even on tiny graphs) as with it off: once with
the inputs fed, once with them as constants (so constant folding computes the case)."""
import importlib
import pkgutil

import numpy as np
import pytest

import flowgraph as tf
import tests.image
import tests.ops
import tests.sparse
import tests.strings
from tests.runtime.grappler.helpers import config


def _cases():
    cases = []
    for pkg in (tests.ops, tests.image, tests.sparse, tests.strings):
        for m in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{m.name}")
            cases.extend(c for c in getattr(mod, "CASES", []) if c.ref is not None)
    return cases


CASES = _cases()
ON, OFF = config(), config(off=True)


def _run(case, feed, cfg):
    g = tf.Graph()
    with g.as_default():
        if feed:
            ins = [tf.placeholder(tf.as_dtype(x.dtype), shape=x.shape) for x in case.inputs]
        else:
            ins = [tf.constant(x) for x in case.inputs]
        out = case.build(*ins)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        fetch = list(outs)
        xs = [ins[i] for i in case.grad if case.inputs[i].dtype.kind == "f"]
        if xs and all(o.dtype.is_floating for o in outs):
            grads = tf.gradients([tf.reduce_sum(o) for o in outs], xs)
            fetch += [tf.convert_to_tensor(gr) for gr in grads if gr is not None]
        with tf.Session(graph=g, config=cfg) as s:
            return s.run(fetch, dict(zip(ins, case.inputs)) if feed else None)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_optimizer_on_and_off_agree(case):
    for feed in (True, False):
        try:
            want = _run(case, feed, OFF)
        except (tf.errors.OpError, ValueError, TypeError):
            continue  # e.g. a gradient this case does not support: not the optimizer's
        got = _run(case, feed, ON)
        assert len(got) == len(want)
        for v, w in zip(got, want):
            v, w = np.asarray(v), np.asarray(w)
            assert v.dtype == w.dtype and v.shape == w.shape, (case, feed)
            if v.dtype.kind in "fc":
                np.testing.assert_allclose(v, w, rtol=max(case.rtol, 1e-5),
                                           atol=max(case.atol, 1e-6), err_msg=str(case))
            else:
                np.testing.assert_array_equal(v, w, err_msg=str(case))
