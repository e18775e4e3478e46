"""One-pass optimizer updates (`update_kernels.py`) and the spare buffers they write into:
compiled loops equal the numpy formulas; buffers are reused only when nothing else holds
them, so fetched, aliased, journaled and rolled-back values are never overwritten."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from flowgraph.ops import update_kernels
from flowgraph.runtime.resources import RunContext

_CASES = [("gd", 1, (0.1,)), ("momentum", 2, (0.1, 0.9, False)),
          ("momentum", 2, (0.05, 0.7, True)), ("adagrad", 2, (0.3, True)),
          ("rmsprop", 3, (0.01, 0.1, 0.5, 1e-6)),
          ("adam", 3, (0.01, 0.9, 0.1, 0.001, 1e-7, False)),
          ("adam", 3, (0.01, 0.8, 0.2, 0.01, 1e-7, True))]


def _arrays(n, dtype, shape=(37, 5)):
    rng = np.random.default_rng(1)
    return [np.asarray(np.abs(rng.standard_normal(shape)) + 0.1, dtype) for _ in range(n)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", _CASES, ids=lambda c: f"{c[0]}{c[2][-1]}")
def test_compiled_loops_equal_numpy_formulas(case, dtype):
    if not update_kernels.uses_loops():
        pytest.skip("numba is not importable here")
    name, n_out, scalars = case
    ins = _arrays(n_out + 1, dtype)
    for a in ins[:-1]:
        a.flags.writeable = False  # as stored values are
    loop = [np.empty_like(a) for a in ins[:n_out]]
    plain = [np.empty_like(a) for a in ins[:n_out]]
    update_kernels.apply(np, name, ins, scalars, loop)
    dt = np.dtype(dtype)
    update_kernels._NUMPY[name](np, *ins, *[dt.type(s) if not isinstance(s, bool) else s
                                            for s in scalars], *plain)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for a, b in zip(loop, plain):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_non_contiguous_inputs_update_correctly():
    w, g = _arrays(2, np.float32, (6, 4))
    out = np.empty((4, 6), np.float32)
    update_kernels.apply(np, "gd", [w.T, g.T], (0.5,), [out])
    np.testing.assert_allclose(out, w.T - np.float32(0.5) * g.T, rtol=1e-6)


def test_spare_is_the_displaced_value_only_when_nothing_holds_it():
    ctx = RunContext(None)
    like = np.zeros(3)
    ctx.write("v", np.ones(3), recycle=True)
    first = id(ctx.vars["v"])
    ctx.write("v", np.zeros(3), recycle=True)  # displaces the first array
    held = ctx.spare("v", like)
    assert id(held) == first and held.flags.writeable
    ctx.write("v", held, recycle=True)
    del held
    ref = ctx.vars["v"]  # a live reference to the current value ...
    ctx.write("v", np.full(3, 2.0), recycle=True)  # ... which is displaced now
    assert ctx.spare("v", like) is not ref  # `ref` still refers to it: a new buffer
    view = ctx.vars["v"][1:]  # a view keeps its base
    ctx.write("v", np.full(3, 3.0), recycle=True)
    assert ctx.spare("v", like) is not view.base
    ctx.write("v", np.ones(4), recycle=True)
    ctx.write("v", np.ones(3), recycle=True)
    assert ctx.spare("v", like).shape == (3,)  # a shape change never reuses


def _adam_graph(shape=(4, 3)):
    v = tf.Variable(np.ones(shape, np.float32), name="v")
    g = tf.placeholder(tf.float32, shape, name="g")
    opt = tf.train.AdamOptimizer(0.1)
    return v, g, opt.apply_gradients([(g, v)])


def _numpy_adam(w, grads, lr=0.1, b1=0.9, b2=0.999, eps=1e-8):
    m, s = np.zeros_like(w), np.zeros_like(w)
    for t, gr in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * gr
        s = b2 * s + (1 - b2) * gr * gr
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(s) + eps)
    return w


def test_steady_updates_alternate_two_buffers_and_stay_exact():
    v, g, train = _adam_graph()
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(6)]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        ids = []
        for gr in grads:
            s.run(train, {g: gr})
            ids.append(id(s._ctx.vars["v"]))
        assert len(set(ids[2:])) == 2  # no new arrays once the two buffers exist
        np.testing.assert_allclose(s.run(v), _numpy_adam(np.ones((4, 3)), grads),
                                   rtol=1e-5, atol=1e-6)


def test_values_held_elsewhere_are_never_overwritten():
    v, g, train = _adam_graph()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        gr = np.full((4, 3), 0.5, np.float32)
        s.run(train, {g: gr})
        held = s._ctx.vars["v"]  # stands for an alias: a queue entry, a snapshot slot
        kept = held.copy()
        fetched = s.run(v)
        for _ in range(4):
            s.run(train, {g: gr})
        np.testing.assert_array_equal(held, kept)
        np.testing.assert_array_equal(fetched, kept)


def test_snapshot_and_update_in_one_run_see_the_old_value():
    v = tf.Variable(np.ones((4, 3), np.float32), name="v")
    g = tf.placeholder(tf.float32, (4, 3), name="g")
    with tf.control_dependencies([g]):  # a snapshot: a slot holding the stored array
        snap = tf.identity(v)
    with tf.control_dependencies([snap]):
        step = tf.train.AdamOptimizer(0.1).apply_gradients([(g, v)])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        gr = np.ones((4, 3), np.float32)
        for _ in range(4):
            before = s.run(v)
            got, _ = s.run([snap, step], {g: gr})
            np.testing.assert_array_equal(got, before)
            assert not np.array_equal(s.run(v), before)


def test_failed_runs_restore_recycled_values():
    v = tf.Variable(np.ones((2, 3), np.float32), name="v")
    w = tf.Variable(np.ones((2, 3), np.float32), name="w")
    delta = np.full((2, 3), 0.25, np.float32)
    good = apply_op("ApplyGradientDescent", [v, 1.0, delta])
    with tf.control_dependencies([good]):
        bad = tf.scatter_add(w, [5], np.ones((1, 3), np.float32))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for k in range(1, 4):
            s.run(good)  # fills the spare buffers
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(bad)  # updates v, then fails: v goes back
            np.testing.assert_array_equal(s.run(v), np.full((2, 3), 1 - 0.25 * k))
        s.run(good)
        np.testing.assert_array_equal(s.run(v), np.full((2, 3), 0.0))
