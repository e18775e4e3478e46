"""The fused optimizer ops (Apply*, SparseApply*) and the ref scatter ops: values against
textbook numpy updates over several steps, shape rules, errors, and store semantics (old
values are never mutated; a failed run changes nothing)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op

_OPS = ("ApplyGradientDescent", "ApplyMomentum", "ApplyAdagrad", "ApplyAdadelta",
        "ApplyRMSProp", "ApplyCenteredRMSProp", "ApplyAdam", "ApplyFtrl", "ApplyFtrlV2",
        "SparseApplyMomentum", "SparseApplyAdagrad", "SparseApplyAdadelta",
        "SparseApplyRMSProp", "SparseApplyCenteredRMSProp", "SparseApplyFtrl",
        "SparseApplyFtrlV2", "ScatterAdd", "ScatterSub", "ScatterUpdate")
EXEMPT = {op: "tests/ops/test_training_ops.py (stateful: stepped against numpy)"
          for op in _OPS}


# -- numpy references: the documented update rules, written plainly ------------------------
def ref_gd(v, alpha, g):
    return [v - alpha * g]


def ref_momentum(v, a, lr, g, mom, nesterov=False):
    a = a * mom + g
    return [v - lr * (g + mom * a) if nesterov else v - lr * a, a]


def ref_adagrad(v, a, lr, g, update_slots=True):
    if update_slots:
        a = a + g * g
    return [v - lr * g / np.sqrt(a), a]


def ref_adadelta(v, a, au, lr, rho, eps, g):
    a = rho * a + (1 - rho) * g * g
    upd = np.sqrt(au + eps) / np.sqrt(a + eps) * g
    au = rho * au + (1 - rho) * upd * upd
    return [v - lr * upd, a, au]


def ref_rmsprop(v, ms, mom, lr, rho, momentum, eps, g):
    ms = rho * ms + (1 - rho) * g * g
    mom = momentum * mom + lr * g / np.sqrt(ms + eps)
    return [v - mom, ms, mom]


def ref_centered_rmsprop(v, mg, ms, mom, lr, rho, momentum, eps, g):
    ms = rho * ms + (1 - rho) * g * g
    mg = rho * mg + (1 - rho) * g
    mom = momentum * mom + lr * g / np.sqrt(ms - mg * mg + eps)
    return [v - mom, mg, ms, mom]


def ref_adam(v, m, s, b1p, b2p, lr, b1, b2, eps, g, nesterov=False):
    alpha = lr * np.sqrt(1 - b2p) / (1 - b1p)
    m = b1 * m + (1 - b1) * g
    s = b2 * s + (1 - b2) * g * g
    num = b1 * m + (1 - b1) * g if nesterov else m
    return [v - alpha * num / (np.sqrt(s) + eps), m, s]


def ref_ftrl(v, acc, lin, g, lr, l1, l2, power, shrink=0.0):
    new_acc = acc + g * g
    sigma = (new_acc ** -power - acc ** -power) / lr
    lin = lin + g + 2 * shrink * v - sigma * v
    quad = new_acc ** -power / lr + 2 * l2
    v = np.where(np.abs(lin) > l1, (np.sign(lin) * l1 - lin) / quad, 0.0)
    return [v, new_acc, lin]


# Each case: op type, dense reference, number of slots, hyperparameters (in op order),
# where the gradient goes among the non-ref inputs, and attrs.
DENSE = [
    ("ApplyGradientDescent", ref_gd, 0, [0.1], 1, {}),
    ("ApplyMomentum", ref_momentum, 1, [0.1, 0.9], 1, {}),
    ("ApplyMomentum", lambda *a: ref_momentum(*a, nesterov=True), 1, [0.05, 0.7], 1,
     {"use_nesterov": True}),
    ("ApplyAdagrad", ref_adagrad, 1, [0.3], 1, {}),
    ("ApplyAdagrad", lambda *a: ref_adagrad(*a, update_slots=False), 1, [0.3], 1,
     {"update_slots": False}),
    ("ApplyAdadelta", ref_adadelta, 2, [0.5, 0.9, 1e-6], 3, {}),
    ("ApplyRMSProp", ref_rmsprop, 2, [0.01, 0.9, 0.5, 1e-10], 4, {}),
    ("ApplyCenteredRMSProp", ref_centered_rmsprop, 3, [0.01, 0.8, 0.3, 1e-3], 4, {}),
    ("ApplyAdam", ref_adam, 2, [0.9 ** 3, 0.999 ** 3, 0.01, 0.9, 0.999, 1e-8], 6, {}),
    ("ApplyAdam", lambda *a: ref_adam(*a, nesterov=True), 2,
     [0.5, 0.25, 0.05, 0.5, 0.5, 1e-4], 6, {"use_nesterov": True}),
    ("ApplyFtrl", lambda v, a, ln, g, lr, l1, l2, p: ref_ftrl(v, a, ln, g, lr, l1, l2, p),
     2, [0.1, 0.05, 0.2, -0.5], 0, {}),
    ("ApplyFtrl", lambda v, a, ln, g, lr, l1, l2, p: ref_ftrl(v, a, ln, g, lr, l1, l2, p),
     2, [0.2, 0.3, 0.0, -0.7], 0, {}),
    ("ApplyFtrlV2", lambda v, a, ln, g, lr, l1, l2, s, p: ref_ftrl(v, a, ln, g, lr, l1, l2,
                                                                    p, s),
     2, [0.1, 0.01, 0.1, 0.3, -0.5], 0, {}),
]


def _place(values, grad, pos):
    """The non-ref inputs: hyperparameters with the gradient inserted at `pos`."""
    out = list(values)
    out.insert(pos, grad)
    return out


def _step_op(op_type, n_slots, hyper, gpos, attrs, dtype, var0, slots0, sparse_idx=None):
    v = tf.Variable(var0, name="var")
    slots = [tf.Variable(s, name=f"slot{i}") for i, s in enumerate(slots0)]
    g = tf.placeholder(dtype, [None] + list(var0.shape[1:]) if sparse_idx is not None
                       else var0.shape, name="g")
    rest = _place([np.asarray(h, dtype) for h in hyper], g, gpos)
    if sparse_idx is not None:
        rest.insert(gpos + 1, tf.constant(sparse_idx))
    op = apply_op(op_type, [v] + slots + rest, attrs)
    return op, g, [v] + slots


def _positive(rng, shape, dtype):
    return np.asarray(np.abs(rng.randn(*shape)) + 0.5, dtype)


@pytest.mark.parametrize("shape", [(3, 5), ()], ids=["matrix", "scalar"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", DENSE, ids=lambda c: f"{c[0]}{c[5] or ''}")
def test_dense_apply_steps_like_numpy(case, dtype, shape):
    op_type, ref, n_slots, hyper, gpos, attrs = case
    rng = np.random.RandomState(3)
    var0 = np.asarray(rng.randn(*shape), dtype)
    slots0 = [_positive(rng, shape, dtype) for _ in range(n_slots)]
    if op_type == "ApplyCenteredRMSProp":
        slots0[0] = np.asarray(rng.randn(*shape) * 0.1, dtype)  # mg small: ms - mg^2 > 0
    op, g, variables = _step_op(op_type, n_slots, hyper, gpos, attrs, dtype, var0, slots0)
    assert op.dtype == tf.as_dtype(dtype)._as_ref and op.shape.as_list() == list(shape)
    assert op.op.type == op_type and op.op.get_attr("use_locking") is False
    want = [var0.astype(np.float64)] + [s.astype(np.float64) for s in slots0]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(4):
            grad = np.asarray(rng.randn(*shape), dtype)
            out = s.run(op, {g: grad})
            rest = _place(hyper, grad.astype(np.float64), gpos)
            if op_type.startswith("ApplyFtrl"):
                want = ref(*want, *rest)
            else:
                want = ref(*want[:1 + n_slots], *rest)
            got = s.run(variables)
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(out, want[0], rtol=tol, atol=tol)
            for x, w in zip(got, want):
                assert x.dtype == dtype and np.shape(x) == shape
                np.testing.assert_allclose(x, w, rtol=tol, atol=tol)


SPARSE = [
    ("SparseApplyMomentum", ref_momentum, 1, [0.1, 0.9], 1, {}),
    ("SparseApplyMomentum", lambda *a: ref_momentum(*a, nesterov=True), 1, [0.1, 0.9], 1,
     {"use_nesterov": True}),
    ("SparseApplyAdagrad", ref_adagrad, 1, [0.3], 1, {}),
    ("SparseApplyAdadelta", ref_adadelta, 2, [0.5, 0.9, 1e-6], 3, {}),
    ("SparseApplyRMSProp", ref_rmsprop, 2, [0.01, 0.9, 0.5, 1e-10], 4, {}),
    ("SparseApplyCenteredRMSProp", ref_centered_rmsprop, 3, [0.01, 0.8, 0.3, 1e-3], 4, {}),
    ("SparseApplyFtrl", lambda v, a, ln, g, lr, l1, l2, p: ref_ftrl(v, a, ln, g, lr, l1, l2,
                                                                    p),
     2, [0.1, 0.05, 0.2, -0.5], 0, {}),
    ("SparseApplyFtrlV2", lambda v, a, ln, g, lr, l1, l2, s, p: ref_ftrl(v, a, ln, g, lr,
                                                                          l1, l2, p, s),
     2, [0.1, 0.01, 0.1, 0.3, -0.6], 0, {}),
]


@pytest.mark.parametrize("indices", [[4, 0, 2], [1, 3, 1, 1, 0]], ids=["unique", "repeated"])
@pytest.mark.parametrize("case", SPARSE, ids=lambda c: f"{c[0]}{c[5] or ''}")
def test_sparse_apply_updates_rows_in_order(case, indices):
    op_type, ref, n_slots, hyper, gpos, attrs = case
    dtype = np.float64
    rng = np.random.RandomState(5)
    var0 = rng.randn(6, 2)
    slots0 = [_positive(rng, (6, 2), dtype) for _ in range(n_slots)]
    if "Centered" in op_type:
        slots0[0] = rng.randn(6, 2) * 0.1
    op, g, variables = _step_op(op_type, n_slots, hyper, gpos, attrs, dtype, var0, slots0,
                                np.array(indices, np.int64))
    assert op.shape.as_list() == [6, 2] and op.op.get_attr("Tindices") == tf.int64
    want = [var0] + slots0
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(3):
            grad = rng.randn(len(indices), 2)
            s.run(op, {g: grad})
            want = [x.copy() for x in want]
            for k, i in enumerate(indices):  # row by row, a repeat applies again
                rest = _place(hyper, grad[k], gpos)
                rows = ref(*[x[i] for x in want], *rest)
                for x, r in zip(want, rows):
                    x[i] = r
            for x, w in zip(s.run(variables), want):
                np.testing.assert_allclose(x, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op_type,fn", [("ScatterAdd", np.add), ("ScatterSub", np.subtract)])
def test_scatter_add_sub_accumulate_repeats(op_type, fn):
    v0 = np.arange(12, dtype=np.float32).reshape(4, 3)
    idx = np.array([[3, 0], [3, 3]], np.int32)
    upd = np.random.RandomState(0).randn(2, 2, 3).astype(np.float32)
    v = tf.Variable(v0)
    out = (tf.scatter_add if op_type == "ScatterAdd" else tf.scatter_sub)(v, idx, upd)
    scalar = apply_op(op_type, [v, [1], 2.0])
    assert out.op.type == op_type and out.shape.as_list() == [4, 3]
    want = v0.copy()
    fn.at(want, idx, upd)
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_allclose(s.run(out), want, rtol=1e-6)
        np.testing.assert_allclose(s.run(v), want, rtol=1e-6)
        want[1] = fn(want[1], 2.0)
        np.testing.assert_allclose(s.run(scalar), want, rtol=1e-6)


def test_scatter_update_writes_rows():
    v = tf.Variable(np.zeros((3, 2), np.int32))
    out = tf.scatter_update(v, [2, 0], [[1, 2], [3, 4]])
    assert out.op.get_attr("use_locking") is True
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_array_equal(s.run(out), [[3, 4], [0, 0], [1, 2]])


# -- shape rules and errors -------------------------------------------------------------------
def test_shape_rules_reject_mismatches_at_build_time():
    v = tf.Variable(np.zeros((2, 3), np.float32), name="v")
    a = tf.Variable(np.zeros((2, 4), np.float32), name="a")
    with pytest.raises(ValueError, match="ApplyMomentum"):
        apply_op("ApplyMomentum", [v, a, 0.1, np.zeros((2, 3), np.float32), 0.9])
    with pytest.raises(ValueError, match="ApplyGradientDescent"):
        apply_op("ApplyGradientDescent", [v, 0.1, np.zeros((3, 2), np.float32)])
    with pytest.raises(ValueError, match="rank 0"):
        apply_op("ApplyGradientDescent", [v, [0.1, 0.2], np.zeros((2, 3), np.float32)])
    with pytest.raises(ValueError, match="SparseApplyAdagrad"):
        apply_op("SparseApplyAdagrad", [v, v, 0.1, np.zeros((2, 4), np.float32), [0, 1]])
    with pytest.raises(ValueError, match="ScatterAdd"):
        tf.scatter_add(v, [0, 1], np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError):
        apply_op("ApplyGradientDescent", [v, tf.constant(0.1, tf.float64),
                                          np.zeros((2, 3), np.float32)])
    with pytest.raises(TypeError, match="mutable"):
        apply_op("ApplyGradientDescent", [tf.constant(np.zeros((2, 3), np.float32)), 0.1,
                                          np.zeros((2, 3), np.float32)])


def test_partial_shapes_flow_through():
    v = tf.Variable(np.zeros((2, 3), np.float32), validate_shape=False)
    g = tf.placeholder(tf.float32, [None, 3])
    out = apply_op("ApplyGradientDescent", [v, 0.1, g])
    assert out.shape.as_list() == [None, 3]
    w = tf.Variable(np.zeros((5, 3), np.float32))
    sp = apply_op("SparseApplyAdagrad", [w, w, 0.1, tf.placeholder(tf.float32, [None, None]),
                                         tf.placeholder(tf.int32, [None])])
    assert sp.shape.as_list() == [5, 3]


def test_run_time_errors_name_the_op():
    v = tf.Variable(np.zeros((3, 2), np.float32), name="v")
    acc = tf.Variable(np.ones((3, 2), np.float32), name="acc")
    bad = apply_op("SparseApplyAdagrad", [v, acc, 0.1, np.ones((1, 2), np.float32), [7]],
                   name="bad_rows")
    scat = tf.scatter_add(v, [-1], np.ones((1, 2), np.float32), name="bad_scatter")
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized"):
            s.run(bad)
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"bad_rows") as e:
            s.run(bad)
        assert "indices[0] = 7 is not in [0, 3)" in str(e.value)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"bad_scatter"):
            s.run(scat)


def test_failed_run_leaves_every_variable_as_it_was():
    v = tf.Variable(np.ones((3, 2), np.float32), name="v")
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    good = apply_op("ApplyGradientDescent", [v, 1.0, np.ones((3, 2), np.float32)])
    with tf.control_dependencies([good]):
        bad = tf.scatter_add(w, [5], np.ones((1, 2), np.float32))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(bad)
        np.testing.assert_array_equal(s.run(v), np.ones((3, 2)))


def test_updates_swap_values_and_never_mutate_old_arrays():
    v = tf.Variable(np.ones((2, 2), np.float32))
    m = tf.Variable(np.zeros((2, 2), np.float32))
    step = apply_op("ApplyMomentum", [v, m, 0.5, np.ones((2, 2), np.float32), 0.9])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        before_v, before_m = s.run([v, m])
        s.run(step)
        after = s.run(v)
        np.testing.assert_array_equal(before_v, np.ones((2, 2)))
        np.testing.assert_array_equal(before_m, np.zeros((2, 2)))
        np.testing.assert_allclose(after, np.full((2, 2), 0.5))


def test_ops_are_stateful_and_not_differentiable():
    from flowgraph.framework import registry
    for name in _OPS:
        d = registry.get(name)
        assert d.stateful and not d.is_differentiable and d.forwards_ref, name
