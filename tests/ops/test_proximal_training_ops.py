"""The proximal and dual-averaging update ops (ApplyProximalGradientDescent,
ApplyProximalAdagrad, ApplyAdagradDA and the SparseApply* variants): several steps
against numpy references written from the documented rules and against TF's own kernels
(repeated sparse indices included), shape rules and errors."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import registry
from flowgraph.framework.op_builder import apply_op

_OPS = ("ApplyProximalGradientDescent", "SparseApplyProximalGradientDescent",
        "ApplyProximalAdagrad", "SparseApplyProximalAdagrad", "ApplyAdagradDA",
        "SparseApplyAdagradDA")
EXEMPT = {op: "tests/ops/test_proximal_training_ops.py (stateful: stepped against numpy "
              "and TF)" for op in _OPS}


def _shrink(prox, lr, l1, l2):
    return np.sign(prox) * np.maximum(np.abs(prox) - lr * l1, 0) / (1 + lr * l2)


def ref_proximal_gd(v, lr, l1, l2, g):
    return [_shrink(v - lr * g, lr, l1, l2)]


def ref_proximal_adagrad(v, a, lr, l1, l2, g):
    a = a + g * g
    lr_t = lr / np.sqrt(a)
    return [_shrink(v - lr_t * g, lr_t, l1, l2), a]


def ref_adagrad_da(v, ga, gga, g, lr, l1, l2, step):
    ga, gga = ga + g, gga + g * g
    v = -np.sign(ga) * lr * np.maximum(np.abs(ga) - l1 * step, 0) / \
        (l2 * step * lr + np.sqrt(gga))
    return [v, ga, gga]


# op, reference, slots, hyperparameters, where the gradient goes among the non-refs
DENSE = [
    ("ApplyProximalGradientDescent", ref_proximal_gd, 0, [0.1, 0.0, 0.0], 3),
    ("ApplyProximalGradientDescent", ref_proximal_gd, 0, [0.2, 0.3, 0.5], 3),
    ("ApplyProximalAdagrad", ref_proximal_adagrad, 1, [0.3, 0.0, 0.1], 3),
    ("ApplyProximalAdagrad", ref_proximal_adagrad, 1, [0.3, 0.2, 0.4], 3),
    ("ApplyAdagradDA", ref_adagrad_da, 2, [0.1, 0.0, 0.0], 0),
    ("ApplyAdagradDA", ref_adagrad_da, 2, [0.2, 0.1, 0.3], 0),
]


def _build(tfm, op_type, n_slots, hyper, gpos, dtype, var0, slots0, idx=None):
    v = tfm.Variable(var0, name="var")
    slots = [tfm.Variable(s, name=f"slot{i}") for i, s in enumerate(slots0)]
    g = tfm.placeholder(dtype, [None] + list(var0.shape[1:]) if idx is not None
                        else var0.shape, name="g")
    rest = [tfm.constant(np.asarray(h, dtype)) for h in hyper]
    rest.insert(gpos, g)
    if idx is not None:
        rest.insert(gpos + 1, tfm.constant(idx))
    step = None
    if "AdagradDA" in op_type:
        step = tfm.placeholder(tfm.int64, [], name="step")
        rest.append(step)
    return rest, v, slots, g, step


def _run(tfm, make, op_type, n_slots, hyper, gpos, dtype, var0, slots0, grads, idx=None):
    with tfm.Graph().as_default():
        rest, v, slots, g, step = _build(tfm, op_type, n_slots, hyper, gpos, dtype, var0,
                                         slots0, idx)
        op = make(op_type, [v] + slots, rest)
        out = []
        with tfm.Session() as s:
            s.run(tfm.global_variables_initializer())
            for k, grad in enumerate(grads):
                feed = {g: grad}
                if step is not None:
                    feed[step] = k + 1
                s.run(op, feed)
                out.append(s.run([v] + slots))
        return out, op


def _ours(op_type, refs, rest):
    return apply_op(op_type, refs + rest)


def _positive(rng, shape, dtype):
    return np.asarray(np.abs(rng.randn(*shape)) + 0.5, dtype)


@pytest.mark.parametrize("shape", [(3, 4), ()], ids=["matrix", "scalar"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", DENSE, ids=lambda c: f"{c[0]}{c[3]}")
def test_dense_steps_like_numpy(case, dtype, shape):
    op_type, ref, n_slots, hyper, gpos = case
    rng = np.random.RandomState(4)
    var0 = np.asarray(rng.randn(*shape), dtype)
    slots0 = [_positive(rng, shape, dtype) for _ in range(n_slots)]
    grads = [np.asarray(rng.randn(*shape), dtype) for _ in range(4)]
    got, op = _run(tf, _ours, op_type, n_slots, hyper, gpos, dtype, var0, slots0, grads)
    assert op.op.type == op_type and op.shape.as_list() == list(shape)
    assert op.dtype == tf.as_dtype(dtype)._as_ref and op.op.get_attr("use_locking") is False
    want = [var0.astype(np.float64)] + [s.astype(np.float64) for s in slots0]
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for k, grad in enumerate(grads):
        rest = list(hyper)
        rest.insert(gpos, grad.astype(np.float64))
        if "AdagradDA" in op_type:
            rest.append(k + 1)
        want = ref(*want, *rest)
        for x, w in zip(got[k], want):
            assert x.dtype == dtype and np.shape(x) == shape
            np.testing.assert_allclose(x, w, rtol=tol, atol=tol)


SPARSE = [
    ("SparseApplyProximalGradientDescent", ref_proximal_gd, 0, [0.2, 0.3, 0.5], 3),
    ("SparseApplyProximalGradientDescent", ref_proximal_gd, 0, [0.2, 0.0, 0.0], 3),
    ("SparseApplyProximalAdagrad", ref_proximal_adagrad, 1, [0.3, 0.2, 0.4], 3),
    ("SparseApplyProximalAdagrad", ref_proximal_adagrad, 1, [0.3, 0.0, 0.0], 3),
    ("SparseApplyAdagradDA", ref_adagrad_da, 2, [0.2, 0.1, 0.3], 0),
    ("SparseApplyAdagradDA", ref_adagrad_da, 2, [0.2, 0.0, 0.0], 0),
]


@pytest.mark.parametrize("indices", [[4, 0, 2], [1, 3, 1, 1, 0]], ids=["unique", "repeated"])
@pytest.mark.parametrize("case", SPARSE, ids=lambda c: f"{c[0]}{c[3]}")
def test_sparse_updates_rows_in_order(case, indices):
    op_type, ref, n_slots, hyper, gpos = case
    rng = np.random.RandomState(5)
    var0 = rng.randn(6, 2)
    slots0 = [_positive(rng, (6, 2), np.float64) for _ in range(n_slots)]
    grads = [rng.randn(len(indices), 2) for _ in range(3)]
    idx = np.array(indices, np.int64)
    got, op = _run(tf, _ours, op_type, n_slots, hyper, gpos, np.float64, var0, slots0,
                   grads, idx)
    assert op.shape.as_list() == [6, 2] and op.op.get_attr("Tindices") == tf.int64
    want = [var0] + slots0
    for k, grad in enumerate(grads):
        want = [x.copy() for x in want]
        for j, i in enumerate(indices):
            rest = list(hyper)
            rest.insert(gpos, grad[j])
            if "AdagradDA" in op_type:
                rest.append(k + 1)
            for x, r in zip(want, ref(*[x[i] for x in want], *rest)):
                x[i] = r
        for x, w in zip(got[k], want):
            np.testing.assert_allclose(x, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("indices", [None, [4, 0, 2], [1, 3, 1, 1, 0]],
                         ids=["dense", "unique", "repeated"])
@pytest.mark.parametrize("case", DENSE[1::2], ids=lambda c: c[0])
def test_kernels_match_tensorflow(case, indices):
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    from tensorflow.python.ops import gen_training_ops
    op_type, _, n_slots, hyper, gpos = case
    if indices is not None:
        op_type = "Sparse" + op_type
    fn = getattr(gen_training_ops, "".join(
        "_" + c.lower() if c.isupper() else c for c in op_type).lstrip("_")
        .replace("_d_a", "_da"))
    rng = np.random.RandomState(6)
    var0 = rng.randn(6, 2).astype(np.float32)
    slots0 = [_positive(rng, (6, 2), np.float32) for _ in range(n_slots)]
    n = 6 if indices is None else len(indices)
    grads = [rng.randn(n, 2).astype(np.float32) for _ in range(4)]
    idx = None if indices is None else np.array(indices, np.int32)
    tf1.disable_resource_variables()
    try:
        theirs, _ = _run(tf1, lambda t, refs, rest: fn(*refs, *rest), op_type, n_slots, hyper,
                         gpos, np.float32, var0, slots0, grads, idx)
    finally:
        tf1.enable_resource_variables()
    ours, _ = _run(tf, _ours, op_type, n_slots, hyper, gpos, np.float32, var0, slots0,
                   grads, idx)
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=2e-6, atol=2e-6)


def test_shape_rules_and_errors():
    v = tf.Variable(np.zeros((2, 3), np.float32), name="v")
    a = tf.Variable(np.ones((2, 4), np.float32), name="a")
    g = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="ApplyProximalAdagrad"):
        apply_op("ApplyProximalAdagrad", [v, a, 0.1, 0.0, 0.0, g])
    with pytest.raises(ValueError, match="rank 0"):
        apply_op("ApplyProximalGradientDescent", [v, [0.1, 0.2], 0.0, 0.0, g])
    with pytest.raises(ValueError, match="SparseApplyAdagradDA"):
        apply_op("SparseApplyAdagradDA", [v, v, v, np.ones((2, 4), np.float32), [0, 1],
                                          0.1, 0.0, 0.0, tf.constant(1, tf.int64)])
    with pytest.raises(TypeError):
        apply_op("ApplyAdagradDA", [v, v, v, g, 0.1, 0.0, 0.0, tf.constant(1, tf.int32)])
    acc = tf.Variable(np.ones((2, 3), np.float32), name="acc")
    bad_lr = apply_op("ApplyProximalAdagrad", [v, acc, 0.0, 0.0, 0.0, g], name="bad_lr")
    bad_l1 = apply_op("ApplyProximalGradientDescent", [v, 0.1, -1.0, 0.0, g], name="bad_l1")
    bad_rows = apply_op("SparseApplyProximalAdagrad",
                        [v, acc, 0.1, 0.0, 0.0, np.ones((1, 3), np.float32), [5]],
                        name="bad_rows")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for op, msg in ((bad_lr, "lr is not a positive"), (bad_l1, "l1 regularization"),
                        (bad_rows, r"indices\[0\] = 5 is not in \[0, 2\)")):
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
                s.run(op)
        np.testing.assert_array_equal(s.run(v), np.zeros((2, 3)))


def test_ops_are_stateful_and_not_differentiable():
    for name in _OPS:
        d = registry.get(name)
        assert d.stateful and not d.is_differentiable and d.forwards_ref, name
