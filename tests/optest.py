"""Op tables: one `Case` per op behaviour, checked against numpy and numerically
differentiated. `tests/test_registry.py` requires every registered op to have a Case.

A test module lists its cases in `CASES` and runs them with
`@pytest.mark.parametrize("case", CASES, ids=str) def test_case(case): run_case(case)`.
Ops exercised elsewhere (stateful ops, ops with no meaningful numpy twin) are named in the
module's `EXEMPT = {"OpType": "where it is tested"}`."""
import numpy as np

import flowgraph as tf
from flowgraph.test.gradient_checker import compute_gradient_error


class Case:
    """A behaviour of `op_type`: `build(*tensors)` applied to `inputs` should equal
    `ref(*inputs)`; `grad` lists the input indexes to check numerically (default: every
    floating input; False for none)."""

    def __init__(self, op_type, build, inputs, ref=None, grad=None, rtol=1e-5, atol=1e-6,
                 grad_tol=1e-4, name=None, feed=True):
        self.op_type = op_type
        self.build, self.ref = build, ref
        self.inputs = [np.asarray(x) for x in inputs]
        if grad is None:
            grad = [i for i, x in enumerate(self.inputs) if x.dtype.kind == "f"]
        self.grad = list(grad) if grad else []
        self.rtol, self.atol, self.grad_tol = rtol, atol, grad_tol
        self.name = name or op_type
        self.feed = feed

    def __str__(self):
        return self.name


def _build(case, inputs):
    g = tf.Graph()
    with g.as_default():
        if case.feed:
            phs = [tf.placeholder(tf.as_dtype(x.dtype), shape=x.shape) for x in inputs]
        else:
            phs = [tf.constant(x) for x in inputs]
        out = case.build(*phs)
    return g, phs, out


def run_case(case):
    """Checks value, dtype and static shape against `ref`, then the gradient."""
    g, phs, out = _build(case, case.inputs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    if case.ref is not None:
        feed = dict(zip(phs, case.inputs)) if case.feed else {}
        with tf.Session(graph=g) as sess:
            got = sess.run(list(outs), feed)
        want = case.ref(*case.inputs)
        want = want if isinstance(want, (list, tuple)) else [want]
        assert len(got) == len(want)
        for t, v, w in zip(outs, got, want):
            w = np.asarray(w)
            v = np.asarray(v)
            assert v.dtype == t.dtype.base_dtype.as_numpy_dtype, \
                f"{case}: kernel gave {v.dtype}, static dtype {t.dtype.name}"
            assert t.shape.is_compatible_with(v.shape), \
                f"{case}: static shape {t.shape} vs actual {v.shape}"
            assert v.shape == w.shape, f"{case}: shape {v.shape} vs numpy {w.shape}"
            if v.dtype.kind in "fc":
                np.testing.assert_allclose(v, w, rtol=case.rtol, atol=case.atol,
                                           err_msg=str(case))
            else:
                np.testing.assert_array_equal(v, w, err_msg=str(case))
    if case.grad:
        check_grad(case)


def check_grad(case):
    """Central differences in float64 against the symbolic gradient, per input."""
    inputs = [x.astype(np.float64) if i in case.grad else x
              for i, x in enumerate(case.inputs)]
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.as_dtype(x.dtype), shape=x.shape) for x in inputs]
        out = case.build(*phs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        # One scalar-free target: a fixed random weighting of every float output.
        rng = np.random.RandomState(0)
        y = tf.add_n([tf.reduce_sum(o * rng.uniform(0.5, 1.5, size=o.shape.as_list()))
                      for o in outs if o.dtype.is_floating]) if len(outs) > 1 else outs[0]
        with tf.Session(graph=g) as sess:
            feed = {p: x for p, x in zip(phs, inputs)}
            y_shape = np.shape(sess.run(y, feed))
            for i in case.grad:
                others = {p: x for j, (p, x) in enumerate(zip(phs, inputs)) if j != i}
                err = compute_gradient_error(phs[i], inputs[i].shape, y, y_shape,
                                             x_init_value=inputs[i], extra_feed_dict=others,
                                             session=sess)
                assert err < case.grad_tol, f"{case}: gradient error {err} for input {i}"


def check_opdef_matches_tf(name):
    """`name`'s registered signature against TF's OpDef: input/output names, attr names,
    which attrs are required (no default in TF) and statefulness. Skips without TF."""
    import pytest
    pytest.importorskip("tensorflow")
    from tensorflow.python.framework import op_def_registry
    from flowgraph.framework import registry
    theirs, ours = op_def_registry.get(name), registry.get(name)
    assert [a.name for a in theirs.input_arg] == [a.name for a in ours.inputs]
    assert [a.name for a in theirs.output_arg] == [a.name for a in ours.outputs]
    assert {a.name for a in theirs.attr} == set(ours.attrs)
    for a in theirs.attr:
        default = ours.attrs[a.name]
        required = default is None or isinstance(default, registry.RequiredList)
        assert required == (not a.HasField("default_value")), a.name
    assert theirs.is_stateful == ours.stateful
