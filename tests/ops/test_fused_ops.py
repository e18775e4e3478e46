"""`_FusedMatMul`: equal to MatMul + BiasAdd + activation computed in float64 numpy, to
TF's own `_FusedMatMul` (a GraphDef of ours imported into TF), with TF's shape and attr
errors."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

_ACT = {None: lambda v: v, "Relu": lambda v: np.maximum(v, 0),
        "Relu6": lambda v: np.clip(v, 0, 6), "Elu": lambda v: np.where(v < 0, np.expm1(v), v),
        "LeakyRelu": lambda v: np.where(v < 0, 0.3 * v, v), "Tanh": np.tanh,
        "Sigmoid": lambda v: 1 / (1 + np.exp(-v))}


def _fused(a, b, bias, act=None, ta=False, tb=False):
    ops = ["BiasAdd"] + ([act] if act else [])
    return apply_op("_FusedMatMul", [a, b, [bias]],
                    {"fused_ops": ops, "transpose_a": ta, "transpose_b": tb,
                     "leakyrelu_alpha": 0.3}, name="FusedMatMul")


def _ref(act, ta=False, tb=False):
    def ref(a, b, bias):
        a = a.T if ta else a
        b = b.T if tb else b
        return _ACT[act](a.astype(np.float64) @ b.astype(np.float64) + bias)
    return ref


_rng = np.random.default_rng(5)
_A = (_rng.standard_normal((4, 6)) * 2).astype(np.float32)
_B = _rng.standard_normal((6, 3)).astype(np.float32)
_BIAS = _rng.standard_normal(3).astype(np.float32)

CASES = [Case("_FusedMatMul", lambda a, b, c, act=act: _fused(a, b, c, act), [_A, _B, _BIAS],
              _ref(act), grad=False, name=f"_FusedMatMul_{act}") for act in _ACT]
CASES += [Case("_FusedMatMul", lambda a, b, c: _fused(a, b, c, "Relu"),
               [_A.astype(np.float16), _B.astype(np.float16), _BIAS.astype(np.float16)],
               _ref("Relu"), grad=False, rtol=1e-2, atol=1e-2, name="_FusedMatMul_half")]
CASES += [Case("_FusedMatMul", lambda a, b, c: _fused(a, b, c, "Relu", True, True),
               [_A.T.copy(), _B.T.copy(), _BIAS], _ref("Relu", True, True), grad=False,
               name="_FusedMatMul_transposed")]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_shape_and_fusion_errors():
    a = tf.placeholder(tf.float32, [None, 6])
    b = tf.placeholder(tf.float32, [6, 3])
    out = _fused(a, b, tf.placeholder(tf.float32, [3]), "Relu")
    assert out.shape.as_list() == [None, 3]
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        _fused(a, tf.placeholder(tf.float32, [5, 3]), tf.placeholder(tf.float32, [3]))
    with pytest.raises(ValueError):
        _fused(a, b, tf.placeholder(tf.float32, [4]))  # bias length != columns
    with pytest.raises(tf.errors.UnimplementedError, match="Unsupported fusion"):
        apply_op("_FusedMatMul", [a, b, [tf.placeholder(tf.float32, [3])]],
                 {"fused_ops": ["Relu"]}, name="FusedMatMul")
    with pytest.raises(TypeError, match="float64 not in list"):
        _fused(tf.placeholder(tf.float64, [2, 6]), tf.placeholder(tf.float64, [6, 3]),
               tf.placeholder(tf.float64, [3]))


def test_relu_keeps_nan_as_tensorflow_does():
    a = np.array([[1.0, -1.0], [-2.0, 3.0]], np.float32)
    bias = np.array([np.nan, 0.0], np.float32)
    with tf.Session() as s:
        got = s.run(_fused(tf.constant(a), tf.constant(np.eye(2, dtype=np.float32)),
                           tf.constant(bias), "Relu"))
    np.testing.assert_array_equal(got, [[np.nan, 0], [np.nan, 3]])  # as tf.nn.relu


def test_bias_of_the_wrong_length_at_run_time():
    a = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None, None])
    bias = tf.placeholder(tf.float32, [None])
    out = _fused(a, b, bias, "Relu")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"(?s)bias: \[4\].*node FusedMatMul"):
            s.run(out, {a: _A, b: _B, bias: np.ones(4, np.float32)})


@pytest.mark.parametrize("act", ["Relu", "Relu6", "Elu", "LeakyRelu", "Tanh", "Sigmoid"])
def test_equals_tensorflows_fused_matmul(act):
    real = pytest.importorskip("tensorflow")
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [4, 6], name="a")
        b = tf.placeholder(tf.float32, [6, 3], name="b")
        c = tf.placeholder(tf.float32, [3], name="c")
        out = _fused(a, b, c, act)
    with tf.Session(graph=g) as s:
        ours = s.run(out, {a: _A, b: _B, c: _BIAS})
    gd = real.compat.v1.GraphDef.FromString(g.as_graph_def().SerializeToString())
    with real.Graph().as_default() as tg:
        real.compat.v1.import_graph_def(gd, name="")
        with real.compat.v1.Session(graph=tg) as s:
            theirs = s.run(out.name, {"a:0": _A, "b:0": _B, "c:0": _BIAS})
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
