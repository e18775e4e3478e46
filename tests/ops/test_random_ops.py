"""Random ops: TF's seed rules, graph structure, distributions, shapes, dtypes and errors.

Values are random, so these tests check statistics (moments within a few standard errors
of the exact value), ranges and reproducibility rather than numbers from numpy."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import random_seed

EXEMPT = {op: "tests/ops/test_random_ops.py" for op in (
    "RandomStandardNormal", "TruncatedNormal", "RandomUniform", "RandomUniformInt",
    "RandomShuffle", "Multinomial", "RandomGamma")}

N = 100_000  # samples for moment checks; the standard error of a mean is then ~0.3% of sd


def _run(t, feed=None, n=1):
    with tf.Session(graph=t.graph) as sess:
        return [sess.run(t, feed) for _ in range(n)]


# -- seeds ----------------------------------------------------------------------------------
def test_get_seed_rules():
    assert random_seed.get_seed(None) == (None, None)
    assert random_seed.get_seed(5) == (87654321, 5)
    assert random_seed.DEFAULT_GRAPH_SEED == 87654321
    tf.set_random_seed(7)
    assert tf.get_default_graph().seed == 7
    assert random_seed.get_seed(None) == (7, 0)
    assert random_seed.get_seed(None) == (7, 1)  # a per-graph counter, as TF 2.x
    assert random_seed.get_seed(5) == (7, 5)
    tf.random.set_random_seed(0)
    assert random_seed.get_seed(0) == (0, 2 ** 31 - 1)  # (0, 0) stays deterministic
    assert random_seed.get_seed(2 ** 31 + 3) == (0, 4)  # truncated into 31 bits


def test_seed_attrs_on_ops():
    a = tf.random_uniform([2])
    b = tf.random_uniform([2], seed=3)
    assert (a.op.get_attr("seed"), a.op.get_attr("seed2")) == (0, 0)
    assert (b.op.get_attr("seed"), b.op.get_attr("seed2")) == (87654321, 3)
    tf.set_random_seed(11)
    c = tf.random_shuffle([1, 2, 3])
    d = tf.random_normal([2])
    assert (c.op.get_attr("seed"), c.op.get_attr("seed2")) == (11, 0)
    rsn = d.op.inputs[0].op.inputs[0].op
    assert rsn.type == "RandomStandardNormal"
    assert (rsn.get_attr("seed"), rsn.get_attr("seed2")) == (11, 1)


def test_random_normal_graph_as_tf():
    x = tf.random_normal([2, 3])
    ops = [(o.name, o.type) for o in tf.get_default_graph().get_operations()]
    assert ops == [("random_normal/shape", "Const"), ("random_normal/mean", "Const"),
                   ("random_normal/stddev", "Const"),
                   ("random_normal/RandomStandardNormal", "RandomStandardNormal"),
                   ("random_normal/mul", "Mul"), ("random_normal", "AddV2")]
    assert x.name == "random_normal:0" and x.dtype == tf.float32
    assert x.shape.as_list() == [2, 3]
    rsn = tf.get_default_graph().get_operation_by_name("random_normal/RandomStandardNormal")
    assert rsn.get_attr("dtype") == tf.float32 and rsn.get_attr("T") == tf.int32


def test_random_uniform_graph_as_tf():
    a = tf.random_uniform([2, 3])
    b = tf.random_uniform([2, 3], maxval=5)
    c = tf.random_uniform([2, 3], minval=1.0, maxval=3.0)
    d = tf.random_uniform([2, 3], minval=1, maxval=5, dtype=tf.int32)
    assert (a.op.name, a.op.type) == ("random_uniform/RandomUniform", "RandomUniform")
    assert (b.op.name, b.op.type) == ("random_uniform_1/Mul", "Mul")
    assert (c.op.name, c.op.type) == ("random_uniform_2", "AddV2")
    assert [i.op.type for i in c.op.inputs] == ["Mul", "Const"]
    assert c.op.inputs[0].op.inputs[1].op.type == "Sub"
    assert (d.op.name, d.op.type) == ("random_uniform_3", "RandomUniformInt")
    assert d.op.get_attr("Tout") == tf.int32 and d.dtype == tf.int32
    assert [i.op.name for i in d.op.inputs] == ["random_uniform_3/shape",
                                                "random_uniform_3/min", "random_uniform_3/max"]


# -- distributions --------------------------------------------------------------------------
def test_random_normal_moments_and_dtype():
    x = tf.random_normal([N // 100, 100], mean=3.0, stddev=2.0, seed=1)
    v, = _run(x)
    assert v.dtype == np.float32 and v.shape == (N // 100, 100)
    assert abs(v.mean() - 3.0) < 0.03 and abs(v.std() - 2.0) < 0.03
    y = tf.random.normal([N], dtype=tf.float64)
    w, = _run(y)
    assert w.dtype == np.float64 and abs(w.mean()) < 0.015 and abs(w.std() - 1) < 0.015


def test_random_normal_tensor_parameters_broadcast():
    x = tf.random_normal([N, 3], mean=[0.0, 10.0, -10.0], stddev=[1.0, 0.5, 2.0])
    v, = _run(x)
    assert x.shape.as_list() == [N, 3]
    np.testing.assert_allclose(v.mean(0), [0, 10, -10], atol=0.03)
    np.testing.assert_allclose(v.std(0), [1, 0.5, 2], atol=0.03)


def test_truncated_normal_stays_within_two_stddevs():
    x = tf.truncated_normal([N], mean=1.0, stddev=3.0)
    v, = _run(x)
    assert v.dtype == np.float32 and v.shape == (N,)
    assert v.min() >= 1.0 - 6.0 and v.max() <= 1.0 + 6.0
    # The standard normal truncated to [-2, 2] has standard deviation 0.8796.
    assert abs(v.mean() - 1.0) < 0.03 and abs(v.std() - 3 * 0.8796) < 0.03
    assert x.op.inputs[0].op.inputs[0].op.type == "TruncatedNormal"
    h, = _run(tf.truncated_normal([1000], dtype=tf.float16))
    assert h.dtype == np.float16 and np.abs(h).max() <= 2


def test_random_uniform_float_range_and_moments():
    for kw, lo, hi in (({}, 0, 1), ({"maxval": 4}, 0, 4),
                       ({"minval": -2.0, "maxval": 3.0}, -2, 3)):
        v, = _run(tf.random_uniform([N], **kw))
        assert v.dtype == np.float32 and v.min() >= lo and v.max() < hi
        assert abs(v.mean() - (lo + hi) / 2) < 0.01 * (hi - lo)
        assert abs(v.var() - (hi - lo) ** 2 / 12) < 0.01 * (hi - lo) ** 2
    v, = _run(tf.random_uniform([3, 5], dtype=tf.float64))
    assert v.dtype == np.float64 and v.shape == (3, 5)
    h, = _run(tf.random_uniform([N], dtype=tf.float16))
    assert h.dtype == np.float16 and h.min() >= 0 and h.max() < 1


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_random_uniform_int_range(dtype):
    x = tf.random_uniform([4000, 3], minval=-3, maxval=4, dtype=dtype)
    v, = _run(x)
    assert v.dtype == dtype.as_numpy_dtype and v.shape == (4000, 3)
    assert set(np.unique(v)) == set(range(-3, 4))
    counts = np.bincount((v + 3).ravel())
    assert counts.min() > 0.8 * v.size / 7 and counts.max() < 1.2 * v.size / 7


def test_random_uniform_int_fed_bounds():
    lo = tf.placeholder(tf.int64, [])
    hi = tf.placeholder(tf.int64, [])
    x = tf.random_uniform([1000], minval=lo, maxval=hi, dtype=tf.int64)
    with tf.Session() as sess:
        v = sess.run(x, {lo: 10, hi: 12})
        assert set(np.unique(v)) == {10, 11}
        with pytest.raises(tf.errors.InvalidArgumentError, match="minval < maxval") as e:
            sess.run(x, {lo: 5, hi: 5})
        assert "random_uniform" in str(e.value)


def test_random_shuffle_permutes_rows():
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    x = tf.random_shuffle(data)
    assert x.op.type == "RandomShuffle" and x.name == "RandomShuffle:0"
    assert x.shape.as_list() == [20, 2] and x.dtype == tf.float32
    with tf.Session() as sess:
        a, b = sess.run(x), sess.run(x)
    for v in (a, b):
        np.testing.assert_array_equal(v[np.argsort(v[:, 0])], data)  # rows kept whole
        np.testing.assert_array_equal(v[:, 1] - v[:, 0], 1)
    assert not np.array_equal(a, b)
    one, = _run(tf.random_shuffle(7))
    assert one == 7


def test_random_shuffle_unknown_shape():
    p = tf.placeholder(tf.int32)
    x = tf.random_shuffle(p)
    assert x.shape.ndims is None
    v, = _run(x, {p: [[1, 2], [3, 4], [5, 6]]})
    assert sorted(map(tuple, v)) == [(1, 2), (3, 4), (5, 6)]


def test_multinomial_frequencies():
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]], np.float32) + 1e-30)
    logits[1, 1] = -np.inf
    x = tf.multinomial(logits, 20000)
    assert x.dtype == tf.int64 and x.shape.as_list() == [2, 20000]
    assert x.op.name == "multinomial/Multinomial" and x.op.type == "Multinomial"
    v, = _run(x)
    assert v.dtype == np.int64 and v.min() >= 0 and v.max() <= 2
    np.testing.assert_allclose(np.bincount(v[0], minlength=3) / 20000, [0.1, 0.2, 0.7],
                               atol=0.015)
    assert not np.any(v[1] == 1)  # a -inf logit is never drawn
    assert abs(np.mean(v[1] == 0) - 0.5) < 0.015


def test_categorical_and_output_dtype():
    x = tf.random.categorical([[1.0, 2.0]], 5, dtype=tf.int32)
    assert x.op.name == "categorical/Multinomial" and x.dtype == tf.int32
    assert x.shape.as_list() == [1, 5]
    y = tf.multinomial(tf.placeholder(tf.float32, [None, 4]), 7)
    assert y.shape.as_list() == [None, 7]
    v, = _run(x)
    assert v.dtype == np.int32 and v.shape == (1, 5)
    n = tf.placeholder(tf.int32, [])
    z = tf.random.categorical([[0.0, 0.0, 0.0]], n)
    assert z.shape.as_list() == [1, None]
    w, = _run(z, {n: 4})
    assert w.shape == (1, 4)


def test_random_gamma_moments():
    x = tf.random_gamma([N], alpha=[0.5, 2.0, 5.0])
    assert x.shape.as_list() == [N, 3] and x.dtype == tf.float32
    v, = _run(x)
    assert v.dtype == np.float32 and v.min() > 0
    np.testing.assert_allclose(v.mean(0), [0.5, 2.0, 5.0], rtol=0.03)
    np.testing.assert_allclose(v.var(0), [0.5, 2.0, 5.0], rtol=0.05)
    y = tf.random.gamma([N], alpha=3.0, beta=2.0, dtype=tf.float64)  # rate 2: mean 1.5
    w, = _run(y)
    assert w.dtype == np.float64 and abs(w.mean() - 1.5) < 0.02


# -- shapes ---------------------------------------------------------------------------------
def test_shapes_from_tensors_and_placeholders():
    s = tf.placeholder(tf.int32, [2])
    x = tf.random_uniform(s)
    assert x.shape.as_list() == [None, None]
    v, = _run(x, {s: [3, 4]})
    assert v.shape == (3, 4)
    u = tf.random_uniform(tf.placeholder(tf.int32))
    assert u.shape.ndims is None
    e, = _run(tf.random_normal([0, 3]))
    assert e.shape == (0, 3)
    sc, = _run(tf.random_uniform([]))
    assert np.shape(sc) == () and 0 <= sc < 1
    t, = _run(tf.random_uniform(tf.TensorShape([2, 5]), dtype=tf.float64))
    assert t.shape == (2, 5)
    big = tf.random_uniform(np.array([3, 2], np.int64))
    assert big.op.get_attr("T") == tf.int64 and big.shape.as_list() == [3, 2]


# -- draws and reproducibility --------------------------------------------------------------
def test_each_run_draws_new_numbers():
    x = tf.random_uniform([50])
    y = tf.random_uniform([50])
    with tf.Session() as sess:
        a, b = sess.run(x), sess.run(x)
        c, d = sess.run([x, y])
    assert not np.array_equal(a, b) and not np.array_equal(c, d)


def _program():
    tf.set_random_seed(1234)
    return [tf.random_normal([3, 4]), tf.random_uniform([5], maxval=10, dtype=tf.int32),
            tf.truncated_normal([6]), tf.random_shuffle(np.arange(10)),
            tf.multinomial([[0.0, 1.0, 2.0]], 8), tf.random_gamma([4], 2.0)]


def _draws(build):
    g = tf.Graph()
    with g.as_default():
        outs = build()
    with tf.Session(graph=g) as sess:
        return [sess.run(outs) for _ in range(3)]


def test_graph_seed_gives_same_numbers_in_every_program():
    first, second = _draws(_program), _draws(_program)
    for run_a, run_b in zip(first, second):
        for a, b in zip(run_a, run_b):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0][0], first[1][0])  # still new numbers per run
    assert not np.array_equal(first[0][0], first[0][2][:1])


def test_op_seed_alone_is_deterministic_and_ops_differ():
    def build():
        return [tf.random_uniform([20], seed=5), tf.random_uniform([20], seed=6)]
    a, b = _draws(build), _draws(build)
    np.testing.assert_array_equal(a[0][0], b[0][0])
    np.testing.assert_array_equal(a[2][1], b[2][1])
    assert not np.array_equal(a[0][0], a[0][1])


def test_no_seed_differs_between_programs():
    def build():
        return [tf.random_uniform([20])]
    assert not np.array_equal(_draws(build)[0][0], _draws(build)[0][0])


def test_two_sessions_on_one_seeded_graph_agree():
    tf.set_random_seed(3)
    x = tf.random_normal([10])
    with tf.Session() as s1, tf.Session() as s2:
        np.testing.assert_array_equal(s1.run(x), s2.run(x))


# -- errors ---------------------------------------------------------------------------------
def test_user_errors():
    with pytest.raises(ValueError, match="Must specify maxval"):
        tf.random_uniform([2], dtype=tf.int32)
    with pytest.raises(TypeError, match="dtype"):
        tf.random_normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="rank 2 but is rank 1.*multinomial/Multinomial"):
        tf.multinomial([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="rank 1 but is rank 2"):
        tf.random_uniform([[2, 3]])
    with pytest.raises(ValueError, match="Accepted dtypes"):
        tf.random_uniform([2], dtype=tf.bool)


def test_negative_fed_shape_is_a_runtime_error_naming_the_op():
    s = tf.placeholder(tf.int32, [2])
    x = tf.random_uniform(s, name="draw")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="draw") as e:
            sess.run(x, {s: [2, -1]})
    assert ">= 0" in str(e.value)


def test_random_ops_are_not_differentiable_but_parameters_are():
    mean = tf.constant(2.0)
    x = tf.random_normal([3], mean=mean, stddev=1.0)
    g_mean, = tf.gradients(tf.reduce_sum(x), [mean])
    with tf.Session() as sess:
        assert sess.run(g_mean) == pytest.approx(3.0)
    rnd = x.op.inputs[0].op.inputs[0]
    shape = rnd.op.inputs[0]
    assert tf.gradients(rnd, [shape]) == [None]
