"""TF1 initializers: values, statistics of large draws against the formulas, shapes, dtypes,
seeds, configs and errors."""
import math

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import registry
from flowgraph.ops.init_ops import _compute_fans

TRUNC = 0.87962566103423978  # stddev of a unit normal truncated to [-2, 2]


def _draw(init, shape, dtype=None):
    g = tf.Graph()
    with g.as_default():
        t = init(shape, dtype=dtype) if dtype is not None else init(shape)
        with tf.Session(graph=g) as s:
            v = s.run(t)
    assert t.shape.as_list() == list(shape) and v.shape == tuple(shape)
    assert v.dtype == t.dtype.as_numpy_dtype
    return t, v


def _close(got, want, n, what, k=6.0):
    """|got - want| within k standard errors (`want`'s scale over sqrt(n))."""
    tol = k * abs(want if want else 1.0) / math.sqrt(n) + 1e-12
    assert abs(got - want) <= tol, f"{what}: {got} vs {want} (tol {tol})"


# -- constant initializers -------------------------------------------------------------------
def test_zeros_small_is_a_const_large_is_a_fill():
    t, v = _draw(tf.zeros_initializer(), [3, 4])
    assert t.op.type == "Const" and t.op.name == "zeros" and (v == 0).all()
    t, v = _draw(tf.zeros_initializer(), [40, 30])
    assert t.op.type == "Fill" and t.op.name == "zeros"
    assert [i.op.name for i in t.op.inputs] == ["zeros/shape_as_tensor", "zeros/Const"]
    assert (v == 0).all() and v.dtype == np.float32


def test_ones_and_dtypes():
    _, v = _draw(tf.ones_initializer(), [2, 5], dtype=tf.int64)
    assert v.dtype == np.int64 and (v == 1).all()
    t, v = _draw(tf.ones_initializer(dtype=tf.float64), [2000])
    assert t.op.type == "Fill" and t.op.name == "ones" and v.dtype == np.float64
    assert (v == 1).all()
    _, v = _draw(tf.zeros_initializer(), [3], dtype=tf.bool)
    assert v.dtype == np.bool_ and not v.any()
    _, v = _draw(tf.ones_initializer(), [2], dtype=tf.bool)
    assert v.all()
    _, v = _draw(tf.zeros_initializer(dtype=tf.string), [2])
    assert list(v) == [b"", b""]


def test_constant_initializer_fills_pads_and_checks():
    _, v = _draw(tf.constant_initializer(2.5), [2, 3])
    np.testing.assert_array_equal(v, np.full((2, 3), 2.5, np.float32))
    _, v = _draw(tf.constant_initializer([0, 1, 2, 3, 4, 5]), [2, 3])
    np.testing.assert_array_equal(v, [[0, 1, 2], [3, 4, 5]])
    _, v = _draw(tf.constant_initializer([[1, 2], [3, 4]]), [3, 2])  # pads with the last
    np.testing.assert_array_equal(v, [[1, 2], [3, 4], [4, 4]])
    _, v = _draw(tf.constant_initializer(np.arange(4)), [2, 2], dtype=tf.int32)
    assert v.dtype == np.int32 and v.tolist() == [[0, 1], [2, 3]]
    t, _ = _draw(tf.constant_initializer(1), [2])
    assert t.op.name == "Const" and t.op.type == "Const"
    with pytest.raises(ValueError, match=r"Too many elements provided. Takes at most 6, but "
                                         r"got 8."):
        _draw(tf.constant_initializer(list(range(8))), [2, 3])
    with pytest.raises(TypeError, match=r"Expected Tensor's shape: \(2, 4\), but got \(8,\)."):
        _draw(tf.constant_initializer(list(range(8)), verify_shape=True), [2, 4])
    with pytest.raises(TypeError, match=r"Invalid type for initial value=\{\} of type: dict. "
                                        r"Expected Python scalar, list or tuple of values, "
                                        r"or numpy.ndarray."):
        tf.constant_initializer({})
    with pytest.raises(TypeError, match="Expected int32, but got 1.5 of type 'float'."):
        _draw(tf.constant_initializer(1.5), [2], dtype=tf.int32)
    with pytest.raises(TypeError, match="Expected string, but got 1 of type 'int'."):
        _draw(tf.constant_initializer(1), [2], dtype=tf.string)


def test_constant_initializer_numpy_values_are_cast():
    _, v = _draw(tf.constant_initializer(np.array([1.5, 2.5])), [2], dtype=tf.int32)
    assert v.tolist() == [1, 2]
    _, v = _draw(tf.constant_initializer(np.float64(2.5)), [2], dtype=tf.int32)
    assert v.tolist() == [2, 2]
    _, v = _draw(tf.constant_initializer([]), [2])  # no values: zeros
    assert v.tolist() == [0.0, 0.0]
    _, v = _draw(tf.constant_initializer(5), [0])
    assert v.shape == (0,)


# -- random initializers: statistics ---------------------------------------------------------
N_SHAPE = [400, 500]
N = 400 * 500


def test_random_normal_statistics():
    t, v = _draw(tf.random_normal_initializer(mean=1.0, stddev=2.0), N_SHAPE)
    _close(v.mean(), 1.0, N / 4, "mean")  # the mean's standard error is 2 / sqrt(N)
    _close(v.std(), 2.0, N, "std")
    assert t.op.type == "AddV2" and v.dtype == np.float32


def test_truncated_normal_statistics_and_bounds():
    _, v = _draw(tf.truncated_normal_initializer(mean=0.5, stddev=3.0), N_SHAPE,
                 dtype=tf.float64)
    assert v.dtype == np.float64
    assert v.min() >= 0.5 - 6.0 and v.max() <= 0.5 + 6.0
    assert v.min() < 0.5 - 5.9 and v.max() > 0.5 + 5.9  # reaches the bounds
    _close(v.mean(), 0.5, N / 9, "mean")
    _close(v.std(), 3.0 * TRUNC, N, "std")


def test_random_uniform_statistics_and_bounds():
    _, v = _draw(tf.random_uniform_initializer(-2.0, 3.0), N_SHAPE)
    assert v.min() >= -2.0 and v.max() < 3.0
    _close(v.mean(), 0.5, N / 4, "mean")
    _close(v.var(), 25.0 / 12, N, "variance")
    _, v = _draw(tf.random_uniform_initializer(), [1000])  # defaults: [0, 1)
    assert v.min() >= 0.0 and v.max() < 1.0
    _, v = _draw(tf.random_uniform_initializer(0, 5), [1000], dtype=tf.int32)
    assert v.dtype == np.int32 and set(np.unique(v)) == {0, 1, 2, 3, 4}


def test_glorot_uniform():
    _, v = _draw(tf.glorot_uniform_initializer(), N_SHAPE)
    limit = math.sqrt(6.0 / (400 + 500))
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.99 * limit
    _close(v.var(), limit ** 2 / 3, N, "variance")


def test_glorot_normal_uses_the_truncation_correction():
    _, v = _draw(tf.glorot_normal_initializer(), N_SHAPE)
    std = math.sqrt(2.0 / (400 + 500))
    _close(v.std(), std, N, "std")
    assert np.abs(v).max() <= 2 * std / TRUNC * (1 + 1e-6)


def _expected_std(scale, mode, shape):
    fan_in, fan_out = _compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return math.sqrt(scale / max(1.0, n))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal",
                                          "uniform"])
def test_variance_scaling_conv_kernel(mode, distribution):
    shape = [5, 5, 64, 128]  # fan_in 25*64 = 1600, fan_out 25*128 = 3200
    _, v = _draw(tf.variance_scaling_initializer(2.0, mode, distribution), shape)
    std = _expected_std(2.0, mode, shape)
    n = v.size
    _close(v.std(), std, n, "std")
    _close(v.mean(), 0.0, n, "mean")
    if distribution == "uniform":
        assert np.abs(v).max() <= math.sqrt(3) * std * (1 + 1e-6)
    elif distribution in ("normal", "truncated_normal"):
        assert np.abs(v).max() <= 2 * std / TRUNC * (1 + 1e-6)
    else:
        assert np.abs(v).max() > 3 * std  # untruncated tails


def test_compute_fans():
    assert _compute_fans([]) == (1, 1)
    assert _compute_fans([7]) == (7, 7)
    assert _compute_fans([3, 4]) == (3, 4)
    assert _compute_fans([3, 3, 16, 32]) == (144, 288)
    assert _compute_fans(tf.TensorShape([2, 5, 6])) == (10, 12)


@pytest.mark.parametrize("fn,scale,uniform", [
    (tf.initializers.he_normal, 2.0, False), (tf.initializers.he_uniform, 2.0, True),
    (tf.initializers.lecun_normal, 1.0, False), (tf.initializers.lecun_uniform, 1.0, True)])
def test_he_and_lecun(fn, scale, uniform):
    init = fn(seed=1)
    assert init.mode == "fan_in" and init.scale == scale
    assert init.distribution == ("uniform" if uniform else "truncated_normal")
    _, v = _draw(init, [250, 800])
    _close(v.std(), math.sqrt(scale / 250), v.size, "std")


def test_uniform_unit_scaling():
    _, v = _draw(tf.uniform_unit_scaling_initializer(factor=1.5), [300, 700])
    limit = math.sqrt(3 / 300) * 1.5
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.99 * limit


def test_scalar_shapes():
    _, v = _draw(tf.glorot_uniform_initializer(), [])
    assert v.shape == () and abs(v) <= math.sqrt(3.0)


# -- orthogonal, identity --------------------------------------------------------------------
_have_qr = pytest.mark.skipif("Qr" not in registry.registered(),
                              reason="the Qr op is not registered yet")


@_have_qr
@pytest.mark.parametrize("shape", [[6, 4], [4, 6], [5, 5], [2, 3, 4]])
def test_orthogonal(shape):
    _, v = _draw(tf.orthogonal_initializer(gain=2.0, seed=3), shape)
    m = v.reshape(-1, shape[-1])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 4 * np.eye(m.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(m @ m.T, 4 * np.eye(m.shape[0]), atol=1e-5)


def test_orthogonal_needs_two_dims():
    with pytest.raises(ValueError, match=r"The tensor to initialize, specified by argument "
                                         r"`shape` must be at least two-dimensional. "
                                         r"Received shape=\[3\]"):
        tf.orthogonal_initializer()([3])


@pytest.mark.parametrize("shape", [[3, 3], [2, 4], [4, 2]])
def test_identity(shape):
    _, v = _draw(tf.initializers.identity(gain=3.0), shape)
    np.testing.assert_array_equal(v, 3 * np.eye(*shape, dtype=np.float32))
    with pytest.raises(ValueError, match="must be at least two-dimensional"):
        tf.initializers.identity()([2, 2, 2])


# -- seeds -----------------------------------------------------------------------------------
def test_op_seed_reaches_the_random_op():
    g = tf.Graph()
    with g.as_default():
        t = tf.random_normal_initializer(seed=3)([2, 3])
        rnd = [o for o in g.get_operations() if o.type == "RandomStandardNormal"][0]
        assert rnd.get_attr("seed") == 87654321 and rnd.get_attr("seed2") == 3
        with tf.Session() as s1:
            a = s1.run(t)
        with tf.Session() as s2:
            b = s2.run(t)
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_values_across_graphs_and_graph_seed():
    def values(seed, graph_seed=None):
        g = tf.Graph()
        with g.as_default():
            if graph_seed is not None:
                tf.set_random_seed(graph_seed)
            t = tf.glorot_normal_initializer(seed=seed)([20, 30])
            with tf.Session() as s:
                return s.run(t)
    np.testing.assert_array_equal(values(7), values(7))
    assert not np.array_equal(values(7), values(8))
    np.testing.assert_array_equal(values(None, 5), values(None, 5))


# -- configs, dtypes, errors, aliases --------------------------------------------------------
@pytest.mark.parametrize("init,config", [
    (tf.zeros_initializer(), {"dtype": "float32"}),
    (tf.ones_initializer(dtype=tf.int32), {"dtype": "int32"}),
    (tf.constant_initializer([1, 2]), {"value": [1, 2], "dtype": "float32"}),
    (tf.random_uniform_initializer(-1, 1, seed=2),
     {"minval": -1, "maxval": 1, "seed": 2, "dtype": "float32"}),
    (tf.random_normal_initializer(1.0, 2.0), {"mean": 1.0, "stddev": 2.0, "seed": None,
                                              "dtype": "float32"}),
    (tf.truncated_normal_initializer(seed=3), {"mean": 0.0, "stddev": 1.0, "seed": 3,
                                               "dtype": "float32"}),
    (tf.variance_scaling_initializer(), {"scale": 1.0, "mode": "fan_in",
                                         "distribution": "truncated_normal", "seed": None,
                                         "dtype": "float32"}),
    (tf.glorot_uniform_initializer(seed=1), {"seed": 1, "dtype": "float32"}),
    (tf.glorot_normal_initializer(), {"seed": None, "dtype": "float32"}),
    (tf.orthogonal_initializer(0.5), {"gain": 0.5, "seed": None, "dtype": "float32"}),
    (tf.initializers.identity(), {"gain": 1.0, "dtype": "float32"}),
    (tf.uniform_unit_scaling_initializer(), {"factor": 1.0, "seed": None,
                                             "dtype": "float32"}),
])
def test_get_config_round_trip(init, config):
    assert init.get_config() == config
    again = type(init).from_config(init.get_config())
    assert type(again) is type(init) and again.get_config() == config


def test_float_only_initializers_reject_other_dtypes():
    for cls in (tf.random_normal_initializer, tf.truncated_normal_initializer,
                tf.glorot_uniform_initializer, tf.orthogonal_initializer,
                tf.variance_scaling_initializer):
        with pytest.raises(ValueError, match=r"Argument `dtype` is expected to be floating "
                                             r"point. Received: <dtype: 'int32'>."):
            cls(dtype=tf.int32)


def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match="Argument `scale` must be a positive float. "
                                         "Received: 0"):
        tf.variance_scaling_initializer(scale=0)
    with pytest.raises(ValueError, match=r"Argument `mode` should be one of \('fan_in', "
                                         r"'fan_out', 'fan_avg'\). Received: x"):
        tf.variance_scaling_initializer(mode="x")
    with pytest.raises(ValueError, match=r"Argument `distribution` should be one of"):
        tf.variance_scaling_initializer(distribution="x")
    assert tf.variance_scaling_initializer(distribution="UNIFORM").distribution == "uniform"


def test_aliases():
    assert tf.initializers.zeros is tf.zeros_initializer
    assert tf.initializers.ones is tf.ones_initializer
    assert tf.initializers.constant is tf.constant_initializer
    assert tf.initializers.random_normal is tf.random_normal_initializer
    assert tf.initializers.random_uniform is tf.random_uniform_initializer
    assert tf.initializers.truncated_normal is tf.truncated_normal_initializer
    assert tf.initializers.glorot_uniform is tf.glorot_uniform_initializer
    assert tf.initializers.glorot_normal is tf.glorot_normal_initializer
    assert tf.initializers.variance_scaling is tf.variance_scaling_initializer
    assert tf.initializers.orthogonal is tf.orthogonal_initializer
    assert tf.initializers.uniform_unit_scaling is tf.uniform_unit_scaling_initializer
    assert tf.zeros_initializer.__name__ == "Zeros"
    assert tf.glorot_uniform_initializer.__name__ == "GlorotUniform"
    assert isinstance(tf.initializers.he_normal(), tf.variance_scaling_initializer)


def test_initializers_variable_ops():
    v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
    loc = tf.get_local_variable("l", [1], initializer=tf.zeros_initializer())
    assert tf.initializers.global_variables().type == "NoOp"
    with tf.Session() as s:
        s.run(tf.initializers.global_variables())
        s.run(tf.initializers.local_variables())
        np.testing.assert_array_equal(s.run(v), [1, 1])
        s.run(tf.initializers.variables([loc]))
        assert s.run(loc)[0] == 0
        assert tf.initializers.tables_initializer().type == "NoOp"
