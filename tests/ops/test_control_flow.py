"""cond, case and while_loop: values, structures, errors and gradients through them."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.test.gradient_checker import compute_gradient_error
from tests.optest import Case, run_case

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def _poly_loop(x):
    # x <- x * 0.5 + sin(x), three times
    _, out = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 0.5 + tf.sin(v)),
                           [tf.constant(0), x])
    return out


def _ref_loop(x):
    for _ in range(3):
        x = x * 0.5 + np.sin(x)
    return x


CASES = [
    Case("If", lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: -x),
         [X], ref=lambda x: x * x if x.sum() > 0 else -x),
    Case("If", lambda x: tf.cond(tf.reduce_sum(x) < 0, lambda: x * x, lambda: tf.exp(x)),
         [X], ref=lambda x: np.exp(x), name="If_else_branch", rtol=1e-5),
    Case("While", _poly_loop, [X], ref=_ref_loop, rtol=1e-5),
]
EXEMPT = {"WhileTapeSize": "tests/ops/test_control_flow.py (While gradients)",
          "WhileTapeRead": "tests/ops/test_control_flow.py (While gradients)"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_cond_runs_only_the_taken_branch():
    x = tf.placeholder(tf.float32, [None])
    p = tf.placeholder(tf.bool, [])
    # The false branch fails at run time (3 elements cannot become 7).
    y = tf.cond(p, lambda: x + 1.0, lambda: tf.reshape(x, [7]) * 2.0)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y, {x: [1, 2, 3], p: True}), [2, 3, 4])
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(y, {x: [1, 2, 3], p: False})
    assert y.op.type == "If" and y.op.name == "cond"


def test_cond_structures_and_python_values():
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(p, lambda: {"a": tf.constant(1.0), "b": (2, tf.constant([1, 2]))},
                  lambda: {"a": tf.constant(5.0), "b": (7, tf.constant([3, 4]))})
    with tf.Session() as s:
        r = s.run(out, {p: False})
    assert r["a"] == 5.0 and r["b"][0] == 7
    np.testing.assert_array_equal(r["b"][1], [3, 4])


def test_cond_errors():
    p = tf.constant(True)
    with pytest.raises(TypeError):
        tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))
    with pytest.raises(ValueError):
        tf.cond(p, lambda: (tf.constant(1), tf.constant(2)), lambda: tf.constant(1))
    with pytest.raises(TypeError):
        tf.cond(tf.constant(1), lambda: 1, lambda: 2)


def test_case_picks_first_true():
    x = tf.placeholder(tf.int32, [])
    y = tf.case([(tf.less(x, 0), lambda: tf.constant(-1)),
                 (tf.equal(x, 0), lambda: tf.constant(0))], default=lambda: tf.constant(1))
    with tf.Session() as s:
        assert [s.run(y, {x: v}) for v in (-5, 0, 5)] == [-1, 0, 1]


def test_while_loop_counts_and_captures():
    n = tf.placeholder(tf.int32, [])
    step = tf.constant(3)
    i, total = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + step), [0, 0])
    with tf.Session() as s:
        assert s.run([i, total], {n: 4}) == [4, 12]
        assert s.run([i, total], {n: 0}) == [0, 0]
    assert i.op.type == "While"


def test_while_loop_structures_and_single_var():
    r = tf.while_loop(lambda v: v < 100, lambda v: v * 2, [tf.constant(1)])
    assert isinstance(r, tf.Tensor)
    pair = tf.while_loop(lambda s: s["k"] < 3,
                         lambda s: {"k": s["k"] + 1, "acc": s["acc"] * 2.0},
                         [{"k": tf.constant(0), "acc": tf.constant(1.0)}],
                         return_same_structure=True)
    with tf.Session() as s:
        assert s.run(r) == 128
        assert s.run(pair)[0] == {"k": 3, "acc": 8.0}


def test_while_loop_maximum_iterations():
    v = tf.while_loop(lambda v: v < 1000, lambda v: v + 1, [0], maximum_iterations=7)
    with tf.Session() as s:
        assert s.run(v) == 7


def test_while_loop_shape_invariants():
    x0 = tf.zeros([1, 2])
    with pytest.raises(ValueError, match="shape_invariants"):
        tf.while_loop(lambda x: tf.shape(x)[0] < 4, lambda x: tf.concat([x, x], 0), [x0])
    out = tf.while_loop(lambda x: tf.shape(x)[0] < 4, lambda x: tf.concat([x, x], 0), [x0],
                        shape_invariants=[tf.TensorShape([None, 2])])
    assert out.shape.as_list() == [None, 2]
    with tf.Session() as s:
        assert s.run(out).shape == (4, 2)


def test_nested_loops_and_loop_in_cond():
    def outer_body(i, acc):
        inner = tf.while_loop(lambda j, a: j < i, lambda j, a: (j + 1, a + 1), [0, acc])[1]
        return i + 1, inner
    _, total = tf.while_loop(lambda i, a: i < 4, outer_body, [0, 0])  # 0+1+2+3
    p = tf.placeholder(tf.bool, [])
    c = tf.cond(p, lambda: tf.while_loop(lambda v: v < 10, lambda v: v + 3, [0]),
                lambda: tf.constant(-1))
    with tf.Session() as s:
        assert s.run(total) == 6
        assert s.run(c, {p: True}) == 12 and s.run(c, {p: False}) == -1


def _grad_err(build, x0):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, x0.shape)
        y = build(x)
        with tf.Session() as s:
            y_shape = np.shape(s.run(y, {x: x0}))
            return compute_gradient_error(x, x0.shape, y, y_shape, x_init_value=x0, session=s)


X64 = X.astype(np.float64)


def test_gradient_through_cond_both_branches():
    assert _grad_err(lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: tf.sin(x) * x,
                                       lambda: x), X64) < 1e-4
    assert _grad_err(lambda x: tf.cond(tf.reduce_sum(x) > 100, lambda: x,
                                       lambda: tf.exp(x) * 2.0), X64) < 1e-4


def test_gradient_through_while_with_dynamic_iterations():
    n = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float64, [2])
    _, y = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.sin(v) * x), [0, x])
    g, = tf.gradients(tf.reduce_sum(y), x)
    x0 = np.array([0.3, -0.7])

    def f(xv, k):
        v = xv.copy()
        for _ in range(k):
            v = np.sin(v) * xv
        return v.sum()
    with tf.Session() as s:
        for k in (0, 1, 4):
            num = [(f(x0 + e, k) - f(x0 - e, k)) / 2e-6 for e in np.eye(2) * 1e-6]
            np.testing.assert_allclose(s.run(g, {x: x0, n: k}), num, rtol=1e-5, atol=1e-8)


def test_gradient_through_nested_loops_and_loop_in_cond():
    def nested(x):
        def outer(i, v):
            w = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, tf.tanh(u) + x),
                              [0, v])[1]
            return i + 1, w * 0.5
        return tf.while_loop(lambda i, v: i < 3, outer, [0, x])[1]
    assert _grad_err(nested, X64) < 1e-4
    assert _grad_err(lambda x: tf.cond(tf.reduce_sum(x) > 0,
                                       lambda: _poly_loop(x), lambda: x), X64) < 1e-4


def test_second_derivative_through_cond():
    x = tf.placeholder(tf.float64, [])
    y = tf.cond(x > 0, lambda: x * x * x, lambda: x * x)
    g, = tf.gradients(y, x)
    h, = tf.gradients(g, x)
    with tf.Session() as s:
        assert s.run([g, h], {x: 2.0}) == [12.0, 12.0]
        assert s.run([g, h], {x: -2.0}) == [-4.0, 2.0]


def test_cond_and_loop_read_variables_when_they_run():
    v = tf.Variable(2.0)
    p = tf.placeholder(tf.bool, [])
    update = tf.assign_add(v, 1.0)
    with tf.control_dependencies([update]):
        c = tf.cond(p, lambda: v * 10.0, lambda: tf.identity(v))
        w = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a + v), [0, 0.0])[1]
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(c, {p: True}) == 30.0     # sees the update made before it
        assert s.run(w) == 8.0                 # v is 4.0 by now: 4 + 4


def test_while_gradient_reads_the_forward_values_of_random_ops():
    # The backward loop must use the dropout masks the forward loop drew, not new ones:
    # d(sum y)/dx = product of the masks = y / x for x > 0.
    x = tf.placeholder(tf.float64, [50])
    _, y = tf.while_loop(
        lambda i, v: i < 3,
        lambda i, v: (i + 1, v * tf.cast(tf.random_uniform([50], seed=3) < 0.5, tf.float64) * 2.0),
        [0, x])
    g, = tf.gradients(tf.reduce_sum(y), x)
    x0 = np.linspace(1.0, 2.0, 50)
    with tf.Session() as s:
        for _ in range(3):
            yv, gv = s.run([y, g], {x: x0})
            np.testing.assert_allclose(gv, yv / x0)
            assert 0 < np.count_nonzero(gv) < 50


def test_while_gradient_does_not_recompute_the_body():
    # The backward body reads recorded forward values instead of replaying the forward
    # ops: no Sin runs in it (d sin = cos reads the recorded input).
    x = tf.placeholder(tf.float64, [2])
    _, y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.sin(v) * 2.0), [0, x])
    g, = tf.gradients(tf.reduce_sum(y), x)
    grad_while = next(op for op in tf.get_default_graph().get_operations()
                      if op.type == "While" and "grad" in op.name)
    types = [op.type for op in grad_while.get_attr("body").get_operations()]
    assert "Sin" not in types and "Cos" in types and "WhileTapeRead" in types
    with tf.Session() as s:
        x0 = np.array([0.3, -1.2])
        v, d = x0, np.ones(2)
        for _ in range(3):
            d, v = d * np.cos(v) * 2.0, np.sin(v) * 2.0
        np.testing.assert_allclose(s.run(g, {x: x0}), d)


def test_loop_records_are_released_after_the_run():
    x = tf.placeholder(tf.float64, [3])
    _, y = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, tf.sin(v)), [0, x])
    g, = tf.gradients(tf.reduce_sum(y), x)
    with tf.Session() as s:
        s.run(g, {x: [0.1, 0.2, 0.3]})
        assert s._ctx.tapes == {}
