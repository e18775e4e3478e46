"""Scatter ops: TensorScatter* against numpy (with numeric gradients), and the ref-variable
scatters (ScatterMul/Div/Max/Min, ScatterNd*) and batch_scatter_update by running them."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

rng = np.random.RandomState(11)
T = rng.uniform(-1, 1, (4, 3))
IDX = np.array([[2], [0]], np.int32)
UPD = rng.uniform(-2, 2, (2, 3))
IDX2 = np.array([[1, 2], [3, 0], [1, 1]], np.int64)
UPD2 = np.array([0.5, -0.25, 2.0])


def _np_scatter(how, t, idx, upd):
    out = t.copy()
    ix = tuple(idx[..., i] for i in range(idx.shape[-1]))
    if how == "update":
        out[ix] = upd
    else:
        {"add": np.add, "sub": np.subtract, "max": np.maximum, "min": np.minimum}[how].at(
            out, ix, upd)
    return out


def _c(build, how, idx, upd, name):
    return Case(build.__name__ and f"TensorScatter{how.capitalize()}",
                lambda t, u: build(t, idx, u), [T.astype(np.float32), upd.astype(np.float32)],
                ref=lambda t, u: _np_scatter(how, t, idx, u), name=name)


CASES = [
    _c(tf.tensor_scatter_nd_update, "update", IDX, UPD, "tensor_scatter_update_rows"),
    _c(tf.tensor_scatter_update, "update", IDX2, UPD2, "tensor_scatter_update_elems"),
    _c(tf.tensor_scatter_nd_add, "add", IDX, UPD, "tensor_scatter_add_rows"),
    _c(tf.tensor_scatter_add, "add", np.array([[1, 2], [1, 2]]), np.array([0.5, 1.5]),
       "tensor_scatter_add_repeated"),
    _c(tf.tensor_scatter_nd_sub, "sub", IDX2, UPD2, "tensor_scatter_sub_elems"),
    _c(tf.tensor_scatter_nd_max, "max", IDX, UPD, "tensor_scatter_max_rows"),
    _c(tf.tensor_scatter_nd_min, "min", IDX2, UPD2, "tensor_scatter_min_elems"),
    Case("TensorScatterAdd", lambda t: tf.tensor_scatter_nd_add(t, [[0], [3]], [7, 8]),
         [np.array([1, 2, 3, 4], np.int32)], ref=lambda t: t + [7, 0, 0, 8],
         name="tensor_scatter_add_int"),
]
EXEMPT = {n: "tests/ops/test_scatter_ops.py::test_ref_scatters" for n in (
    "ScatterMul", "ScatterDiv", "ScatterMax", "ScatterMin", "ScatterNdUpdate",
    "ScatterNdAdd", "ScatterNdSub")}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(var_init, build):
    v = tf.Variable(var_init)
    out = build(v)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run(out)
        return got, s.run(v)


@pytest.mark.parametrize("fn,how", [(tf.scatter_mul, np.multiply),
                                    (tf.scatter_div, np.divide),
                                    (tf.scatter_max, np.maximum),
                                    (tf.scatter_min, np.minimum)])
def test_ref_scatters(fn, how):
    init = rng.uniform(1, 2, (4, 3)).astype(np.float32)
    idx = np.array([1, 3, 1], np.int32)
    upd = rng.uniform(0.5, 3, (3, 3)).astype(np.float32)
    got, after = _run(init, lambda v: fn(v, idx, upd))
    want = init.copy()
    how.at(want, idx, upd)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(after, want, rtol=1e-6)


def test_scatter_div_int_truncates_and_scalar_updates():
    got, _ = _run(np.array([7, -7, 9], np.int32), lambda v: tf.scatter_div(v, [0, 1], [2, 2]))
    np.testing.assert_array_equal(got, [3, -3, 9])
    got, _ = _run(np.ones((3, 2), np.float32), lambda v: tf.scatter_mul(v, [2], 5.0))
    np.testing.assert_array_equal(got, [[1, 1], [1, 1], [5, 5]])


@pytest.mark.parametrize("fn,how", [(tf.scatter_nd_update, "update"),
                                    (tf.scatter_nd_add, "add"), (tf.scatter_nd_sub, "sub")])
def test_ref_scatter_nd(fn, how):
    init = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    for idx, upd in [(IDX, UPD), (IDX2, UPD2)]:
        got, after = _run(init, lambda v: fn(v, idx, upd.astype(np.float32)))
        want = _np_scatter(how, init, idx, upd.astype(np.float32))
        np.testing.assert_allclose(got, want, rtol=1e-6)
        np.testing.assert_allclose(after, want, rtol=1e-6)


def test_scatter_errors():
    with pytest.raises(ValueError):
        tf.tensor_scatter_nd_update(tf.zeros([4, 3]), [[1]], tf.zeros([1, 2]))
    v = tf.Variable(np.zeros((4, 3), np.float32))
    bad = tf.scatter_max(v, [5], np.ones((1, 3), np.float32))
    bad_nd = tf.scatter_nd_add(v, [[0, 9]], [1.0])
    idx = tf.placeholder(tf.int32, [None, 1])
    bad_t = tf.tensor_scatter_nd_add(tf.zeros([4, 3]), idx, tf.ones([1, 3]))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for op, feed in [(bad, None), (bad_nd, None), (bad_t, {idx: [[4]]})]:
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(op, feed)


def test_batch_scatter_update():
    init = np.zeros((2, 4), np.float32)
    got, _ = _run(init, lambda v: tf.batch_scatter_update(v, [[0, 3], [2, 1]],
                                                          [[1., 2.], [3., 4.]]))
    np.testing.assert_array_equal(got, [[1, 0, 0, 2], [0, 4, 3, 0]])
