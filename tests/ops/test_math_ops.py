"""Math ops: elementwise binary and unary ops, comparisons, logical ops, reductions,
matmul/einsum, casts, selection, operator overloads and the broadcast-gradient helper."""
import math

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from flowgraph.ops import grad_util, reduction_ops
from flowgraph.test.gradient_checker import compute_gradient_error
from tests.optest import Case, run_case

R = np.random.RandomState(42)
A = R.uniform(-2, 2, (2, 3)).astype(np.float32)        # general values
B = R.uniform(-2, 2, (2, 3)).astype(np.float32)
ROW = R.uniform(0.5, 2, (3,)).astype(np.float32)        # broadcasts against A
COL = R.uniform(0.5, 2, (2, 1)).astype(np.float32)
POS = R.uniform(0.5, 2, (2, 3)).astype(np.float32)     # strictly positive
UNIT = R.uniform(-0.8, 0.8, (2, 3)).astype(np.float32)  # inside (-1, 1)
BIG = R.uniform(1.5, 3, (2, 3)).astype(np.float32)      # > 1
I = np.array([[7, -7, 5], [-5, 9, 0]], np.int32)
J = np.array([[2, 2, -3], [3, -4, 4]], np.int32)
BOOL = np.array([[True, False, True], [False, False, True]])
BOOL2 = np.array([[True, True, False], [False, True, True]])
M34 = R.uniform(-1, 1, (3, 4)).astype(np.float32)
M23 = R.uniform(-1, 1, (2, 3)).astype(np.float32)
B234 = R.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
B45 = R.uniform(-1, 1, (4, 5)).astype(np.float32)
B3 = R.uniform(-1, 1, (2, 3, 3)).astype(np.float32)
DISTINCT = np.array([[0.3, -1.2, 2.5, 0.7], [1.9, -0.4, 0.1, -2.2], [0.9, 1.1, -1.7, 0.2]],
                    np.float32)  # no ties, for Max/Min/ArgMax
NAN = np.array([[1.0, np.nan, np.inf], [-np.inf, 0.0, -2.5]], np.float32)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)


def _np_cum(fn, x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = fn(x, axis=axis)
    if exclusive:
        ident = 0 if fn is np.cumsum else 1
        out = np.concatenate([np.full_like(np.take(out, [0], axis), ident),
                              np.delete(out, -1, axis)], axis)
    return np.flip(out, axis) if reverse else out


def _trunc_div(x, y):
    return (np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)


CASES = [
    # -- binary arithmetic (broadcasting, non-square) --
    Case("AddV2", lambda x, y: x + y, [A, ROW], ref=np.add),
    Case("AddV2", tf.add, [A, COL], ref=np.add, name="AddV2_col"),
    Case("AddV2", tf.add, [I, J], ref=np.add, name="AddV2_int"),
    Case("Add", lambda x, y: x + y, [np.array([b"a", b"bc"], object), np.array(b"d", object)],
         ref=lambda x, y: np.array([b"ad", b"bcd"], object), feed=False),
    Case("Add", lambda x, y: apply_op("Add", [x, y]), [A, ROW], ref=np.add, name="Add_float"),
    Case("Sub", lambda x, y: x - y, [A, COL], ref=np.subtract),
    Case("Sub", tf.subtract, [ROW, A], ref=np.subtract, name="Sub_row_left"),
    Case("Mul", lambda x, y: x * y, [A, ROW], ref=np.multiply),
    Case("Mul", tf.multiply, [A, B], ref=np.multiply, name="Mul_same"),
    Case("RealDiv", lambda x, y: x / y, [A, POS], ref=np.divide),
    Case("RealDiv", tf.realdiv, [A, COL], ref=np.divide, name="RealDiv_col"),
    Case("RealDiv", lambda x, y: x / y, [I, J], ref=lambda x, y: x / y,
         name="RealDiv_truediv_int"),
    Case("FloorDiv", lambda x, y: x // y, [A, ROW], ref=lambda x, y: np.floor(x / y)),
    Case("FloorDiv", lambda x, y: x // y, [I, J], ref=np.floor_divide, name="FloorDiv_int"),
    Case("FloorMod", lambda x, y: x % y, [A, ROW], ref=np.mod),
    Case("FloorMod", tf.floormod, [I, J], ref=np.mod, name="FloorMod_int"),
    Case("TruncateDiv", tf.truncatediv, [I, J], ref=_trunc_div),
    Case("TruncateMod", tf.truncatemod, [I, J], ref=np.fmod),
    Case("Pow", lambda x, y: x ** y, [POS, A], ref=np.power),
    Case("Pow", lambda x: tf.pow(x, 2.0), [A], ref=np.square, name="Pow_square"),
    Case("Pow", tf.pow, [np.abs(I), np.abs(J)], ref=np.power, name="Pow_int"),
    Case("Maximum", tf.maximum, [A, B], ref=np.maximum),
    Case("Maximum", tf.maximum, [A, ROW], ref=np.maximum, name="Maximum_bcast"),
    Case("Minimum", tf.minimum, [A, COL], ref=np.minimum),
    Case("SquaredDifference", tf.squared_difference, [A, ROW],
         ref=lambda x, y: (x - y) ** 2),
    Case("DivNoNan", lambda x: tf.div_no_nan(x, tf.cast([1.5, 0, -2], x.dtype)), [A],
         ref=lambda x: np.where([True, False, True], x / np.array([1.5, 1, -2]), 0)),
    Case("DivNoNan", tf.div_no_nan, [A, POS], ref=np.divide, name="DivNoNan_grad"),
    Case("BitwiseAnd", lambda x, y: x & y, [I, J], ref=np.bitwise_and),
    Case("BitwiseOr", lambda x, y: x | y, [I, J], ref=np.bitwise_or),
    Case("BitwiseXor", lambda x, y: x ^ y, [I, J], ref=np.bitwise_xor),
    Case("Invert", lambda x: ~x, [I], ref=np.invert),
    Case("AddN", lambda x, y: tf.add_n([x, y, x]), [A, B], ref=lambda x, y: x + y + x),
    Case("BroadcastGradientArgs",
         lambda s0, s1: grad_util.broadcast_gradient_args(s0, s1),
         [np.array([5, 1, 1], np.int32), np.array([1, 1], np.int32)],
         ref=lambda a, b: [np.array([1, 2], np.int32), np.array([0, 1, 2], np.int32)]),
    # -- comparisons and logic --
    Case("Less", lambda x, y: x < y, [A, B], ref=np.less),
    Case("LessEqual", lambda x, y: x <= y, [A, ROW], ref=np.less_equal),
    Case("Greater", lambda x, y: x > y, [I, J], ref=np.greater),
    Case("GreaterEqual", lambda x, y: x >= y, [A, COL], ref=np.greater_equal),
    Case("Equal", tf.equal, [I, J % 2 + I], ref=np.equal),
    Case("NotEqual", tf.not_equal, [A, A * (BOOL > 0)], ref=np.not_equal),
    Case("LogicalAnd", lambda x, y: x & y, [BOOL, BOOL2], ref=np.logical_and),
    Case("LogicalOr", lambda x, y: x | y, [BOOL, BOOL2], ref=np.logical_or),
    Case("LogicalNot", lambda x: ~x, [BOOL], ref=np.logical_not),
    Case("LogicalAnd", lambda x, y: x ^ y, [BOOL, BOOL2], ref=np.logical_xor,
         name="LogicalXor"),
    # -- unary --
    Case("Neg", lambda x: -x, [A], ref=np.negative),
    Case("Abs", abs, [A], ref=np.abs),
    Case("Abs", tf.abs, [I], ref=np.abs, name="Abs_int"),
    Case("Sign", tf.sign, [A], ref=np.sign),
    Case("Square", tf.square, [A], ref=np.square),
    Case("Sqrt", tf.sqrt, [POS], ref=np.sqrt),
    Case("Rsqrt", tf.rsqrt, [POS], ref=lambda x: 1 / np.sqrt(x)),
    Case("Exp", tf.exp, [A], ref=np.exp),
    Case("Expm1", tf.expm1, [A], ref=np.expm1),
    Case("Log", tf.log, [POS], ref=np.log),
    Case("Log1p", tf.log1p, [POS], ref=np.log1p),
    Case("Sin", tf.sin, [A], ref=np.sin),
    Case("Cos", tf.cos, [A], ref=np.cos),
    Case("Tan", tf.tan, [UNIT], ref=np.tan),
    Case("Asin", tf.asin, [UNIT], ref=np.arcsin),
    Case("Acos", tf.acos, [UNIT], ref=np.arccos),
    Case("Atan", tf.atan, [A], ref=np.arctan),
    Case("Sinh", tf.sinh, [A], ref=np.sinh),
    Case("Cosh", tf.cosh, [A], ref=np.cosh),
    Case("Asinh", tf.asinh, [A], ref=np.arcsinh),
    Case("Acosh", tf.acosh, [BIG], ref=np.arccosh),
    Case("Atanh", tf.atanh, [UNIT], ref=np.arctanh),
    Case("Tanh", tf.tanh, [A], ref=np.tanh),
    Case("Sigmoid", tf.sigmoid, [A], ref=_sigmoid),
    Case("Floor", tf.floor, [A], ref=np.floor, grad=False),
    Case("Ceil", tf.ceil, [A], ref=np.ceil, grad=False),
    Case("Round", tf.round, [np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.6], np.float32)],
         ref=lambda x: np.array([0, 2, 2, -0, -2, 3], np.float32), grad=False),
    Case("Rint", tf.rint, [np.array([[0.5, 1.5], [-2.5, 0.4]], np.float32)],
         ref=lambda x: np.array([[0, 2], [-2, 0]], np.float32), grad=False),
    Case("Reciprocal", tf.reciprocal, [POS], ref=np.reciprocal),
    Case("Erf", tf.erf, [A], ref=lambda x: _erf(x).astype(np.float32)),
    Case("Erfc", tf.erfc, [A], ref=lambda x: _erfc(x).astype(np.float32)),
    Case("IsNan", tf.is_nan, [NAN], ref=np.isnan),
    Case("IsInf", tf.is_inf, [NAN], ref=np.isinf),
    Case("IsFinite", tf.is_finite, [NAN], ref=np.isfinite),
    Case("Conj", tf.math.conj, [np.array([1 + 2j, 3 - 1j], np.complex64)],
         ref=np.conj, grad=False),
    # The *Grad ops that gradients build (checked to second order through their grads).
    Case("SqrtGrad", lambda y, dy: apply_op("SqrtGrad", [y, dy]), [POS, A],
         ref=lambda y, dy: dy * 0.5 / y),
    Case("RsqrtGrad", lambda y, dy: apply_op("RsqrtGrad", [y, dy]), [POS, A],
         ref=lambda y, dy: dy * -0.5 * y ** 3),
    Case("TanhGrad", lambda y, dy: apply_op("TanhGrad", [y, dy]), [UNIT, A],
         ref=lambda y, dy: dy * (1 - y * y)),
    Case("SigmoidGrad", lambda y, dy: apply_op("SigmoidGrad", [y, dy]), [UNIT, A],
         ref=lambda y, dy: dy * y * (1 - y)),
    Case("ReciprocalGrad", lambda y, dy: apply_op("ReciprocalGrad", [y, dy]), [POS, A],
         ref=lambda y, dy: -dy * y * y),
    # -- casts --
    Case("Cast", lambda x: tf.cast(x, tf.int32), [A], ref=lambda x: x.astype(np.int32)),
    Case("Cast", lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64), [A.astype(np.float64)],
         ref=lambda x: x.astype(np.float32).astype(np.float64), grad_tol=1e-2,
         name="Cast_float_roundtrip"),
    Case("Cast", lambda x: tf.cast(x, tf.bool), [I], ref=lambda x: x != 0, name="Cast_bool"),
    Case("Cast", lambda x: tf.to_float(x), [I], ref=lambda x: x.astype(np.float32),
         name="Cast_to_float"),
    Case("Cast", lambda x: tf.saturate_cast(x * 1000, tf.int8), [A],
         ref=lambda x: np.clip(x * 1000, -128, 127).astype(np.int8), name="saturate_cast"),
    # -- reductions --
    Case("Sum", tf.reduce_sum, [A], ref=np.sum),
    Case("Sum", lambda x: tf.reduce_sum(x, 1), [A], ref=lambda x: x.sum(1), name="Sum_axis1"),
    Case("Sum", lambda x: tf.reduce_sum(x, [0, -1], keepdims=True), [B234],
         ref=lambda x: x.sum((0, 2), keepdims=True), name="Sum_keepdims"),
    Case("Sum", lambda x: tf.reduce_sum(x, 0), [I], ref=lambda x: x.sum(0, dtype=np.int32),
         name="Sum_int"),
    Case("Mean", lambda x: tf.reduce_mean(x, -1), [B234], ref=lambda x: x.mean(-1)),
    Case("Mean", tf.reduce_mean, [A], ref=np.mean, name="Mean_all"),
    Case("Mean", lambda x: tf.reduce_mean(x, 1), [I],
         ref=lambda x: np.trunc(x.sum(1) / 3).astype(np.int32), name="Mean_int"),
    Case("Prod", lambda x: tf.reduce_prod(x, 1), [A], ref=lambda x: x.prod(1)),
    Case("Prod", lambda x: tf.reduce_prod(x, [0, 2]), [B234],
         ref=lambda x: x.prod((0, 2)), name="Prod_3d"),
    Case("Prod", lambda x: tf.reduce_prod(x, 0),
         [np.array([[0.0, 2.0, 0.0], [3.0, 0.5, 1.5]], np.float32)],
         ref=lambda x: x.prod(0), name="Prod_zeros"),
    Case("Max", lambda x: tf.reduce_max(x, 1), [DISTINCT], ref=lambda x: x.max(1)),
    Case("Max", lambda x: tf.reduce_max(x, [0], keepdims=True), [DISTINCT],
         ref=lambda x: x.max(0, keepdims=True), name="Max_keepdims"),
    Case("Max", lambda x: tf.reduce_max(x * 0 + tf.round(x)), [DISTINCT],
         ref=lambda x: np.round(x).max(), grad=False, name="Max_ties"),
    Case("Min", lambda x: tf.reduce_min(x, 0), [DISTINCT], ref=lambda x: x.min(0)),
    Case("Min", lambda x: tf.reduce_min(x), [I], ref=np.min, name="Min_int"),
    Case("Any", lambda x: tf.reduce_any(x, 1), [BOOL], ref=lambda x: x.any(1)),
    Case("All", lambda x: tf.reduce_all(x, 0), [BOOL], ref=lambda x: x.all(0)),
    Case("ArgMax", lambda x: tf.argmax(x, 1), [DISTINCT], ref=lambda x: x.argmax(1)),
    Case("ArgMax", lambda x: tf.argmax(x, output_type=tf.int32), [DISTINCT],
         ref=lambda x: x.argmax(0).astype(np.int32), name="ArgMax_int32"),
    Case("ArgMin", lambda x: tf.argmin(x, -1), [DISTINCT], ref=lambda x: x.argmin(-1)),
    Case("Cumsum", lambda x: tf.cumsum(x, 1), [A], ref=lambda x: np.cumsum(x, 1)),
    Case("Cumsum", lambda x: tf.cumsum(x, 0, exclusive=True, reverse=True), [B234],
         ref=lambda x: _np_cum(np.cumsum, x, 0, True, True), name="Cumsum_excl_rev"),
    Case("Cumsum", lambda x: tf.cumsum(x, -1, exclusive=True), [I],
         ref=lambda x: _np_cum(np.cumsum, x, 1, True, False).astype(np.int32),
         name="Cumsum_int"),
    Case("Cumprod", lambda x: tf.cumprod(x, 1), [A], ref=lambda x: np.cumprod(x, 1)),
    Case("Cumprod", lambda x: tf.cumprod(x, 1, exclusive=True, reverse=True), [A],
         ref=lambda x: _np_cum(np.cumprod, x, 1, True, True), name="Cumprod_excl_rev"),
    # -- selection --
    Case("Select", lambda c, x, y: tf.where(c, x, y), [BOOL, A, B], ref=np.where),
    Case("Select", lambda c, x, y: tf.where(c, x, y), [np.array([True, False]), A, B],
         ref=lambda c, x, y: np.where(c[:, None], x, y), name="Select_rows"),
    Case("SelectV2", lambda c, x, y: tf.where_v2(c, x, y), [BOOL, A, ROW], ref=np.where),
    Case("SelectV2", lambda c, x, y: tf.where_v2(c, x, y), [BOOL[:1], COL, np.float32(2)],
         ref=np.where, grad=[1, 2], name="SelectV2_bcast"),
    Case("ClipByValue", lambda t, lo, hi: reduction_ops._clip_by_value(t, lo, hi),
         [A, np.float32(-0.5), np.full((2, 3), 0.7, np.float32)],
         ref=lambda t, lo, hi: np.minimum(np.maximum(t, lo), hi)),
    Case("Where", tf.where, [BOOL], ref=np.argwhere),
    Case("Where", tf.where, [I], ref=np.argwhere, name="Where_int"),
    # -- matrix products --
    Case("MatMul", tf.matmul, [M23, M34], ref=np.matmul),
    Case("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True), [M34, M34[:, :2]],
         ref=lambda a, b: a.T @ b, name="MatMul_ta"),
    Case("MatMul", lambda a, b: tf.matmul(a, b, transpose_b=True), [M23, M34.T[:, :3]],
         ref=lambda a, b: a @ b.T, name="MatMul_tb"),
    Case("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         [M34, M23], ref=lambda a, b: a.T @ b.T, name="MatMul_tatb"),
    Case("MatMul", lambda a, b: a @ b, [I, J.T.copy()], ref=np.matmul, name="MatMul_int"),
    Case("BatchMatMulV2", tf.matmul, [B234, B45], ref=np.matmul),
    Case("BatchMatMulV2", lambda a, b: tf.matmul(a, b, adjoint_a=True),
         [B234, B234[:, :, :2]], ref=lambda a, b: np.swapaxes(a, -1, -2) @ b,
         name="BatchMatMulV2_adj_x"),
    Case("BatchMatMulV2", lambda a, b: tf.matmul(a, b, transpose_b=True),
         [B234[:1], B45.T[None].repeat(3, 0)], ref=lambda a, b: a @ np.swapaxes(b, -1, -2),
         name="BatchMatMulV2_bcast_adj_y"),
    Case("BatchMatMulV2", lambda a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True),
         [B3, B3[:, :2]], ref=lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
         name="BatchMatMulV2_adj_both"),
    Case("Einsum", lambda a, b: tf.einsum("ij,jk->ik", a, b), [M23, M34], ref=np.matmul),
    Case("Einsum", lambda a, b: tf.einsum("bij,kj", a, b), [B234, B45.T.copy()],
         ref=lambda a, b: np.einsum("bij,kj->bik", a, b), name="Einsum_implicit"),
    Case("Einsum", lambda a, b: tf.einsum("...ij,jk->...ik", a, b), [B234, B45],
         ref=lambda a, b: a @ b, name="Einsum_ellipsis"),
    Case("Einsum", lambda a: tf.einsum("ijk->kj", a), [B234],
         ref=lambda a: np.einsum("ijk->kj", a), name="Einsum_unary_sum"),
    Case("Einsum", lambda a, b: tf.einsum("i,j->ij", a, b), [ROW, COL[:, 0]],
         ref=np.outer, name="Einsum_outer"),
    Case("Einsum", lambda a, b, c: tf.einsum("ij,jk,kl->il", a, b, c), [M23, M34, B45],
         ref=lambda a, b, c: a @ b @ c, name="Einsum_three"),
    Case("Einsum", lambda a, b: tf.einsum("ij,ij->i", a, b),
         [A, (COL * np.ones((1, 3))).astype(np.float32)],
         ref=lambda a, b: (a * b).sum(1), name="Einsum_rowdot"),
]

# The numeric checker works on real inputs; Conj's complex gradient is checked by hand.
EXEMPT = {"Conj": "test_conj_gradient (complex)"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


# -- operator overloads and TF's naming ----------------------------------------------------
def test_operator_names_and_types():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.placeholder(tf.float32, [2, 3])
    m = tf.placeholder(tf.float32, [3, 4])
    got = [(t.op.name, t.op.type) for t in
           [x + y, x - y, x * y, x / y, x // y, x % y, x ** y, x @ m, -x, abs(x),
            x < y, x <= y, x > y, x >= y]]
    assert got == [("add", "AddV2"), ("sub", "Sub"), ("mul", "Mul"), ("truediv", "RealDiv"),
                   ("floordiv", "FloorDiv"), ("mod", "FloorMod"), ("pow", "Pow"),
                   ("matmul", "MatMul"), ("Neg", "Neg"), ("Abs", "Abs"), ("Less", "Less"),
                   ("LessEqual", "LessEqual"), ("Greater", "Greater"),
                   ("GreaterEqual", "GreaterEqual")]
    r = 2.0 * x
    assert (r.op.name, r.op.type) == ("mul_1", "Mul")
    assert [i.op.name for i in r.op.inputs] == ["mul_1/x", x.op.name]
    s = x + 1
    assert s.op.inputs[1].op.name == "add_1/y" and s.dtype == tf.float32
    assert (x == y) is False and (x != y) is True  # identity comparison, as in TF1
    assert tf.divide(x, y).op.name == "truediv_1" and tf.divide(x, y, name="d").op.name == "d"
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [2])
        assert tf.add(p, p).op.name == "Add" and tf.subtract(p, p).op.name == "Sub"
        assert tf.multiply(p, p).op.name == "Mul" and tf.pow(p, p).op.name == "Pow"
        assert tf.floordiv(p, p).op.name == "floordiv" and tf.mod(p, p).op.name == "FloorMod"


def test_reflected_operators_with_python_and_numpy():
    x = tf.placeholder(tf.float32, [2, 3])
    v = A
    with tf.Session() as s:
        for expr, want in [(2.0 * x, 2 * v), (1.0 - x, 1 - v), (1.0 / x, 1 / v),
                           (3.0 // x, 3 // v), (3.0 % x, np.mod(3, v)), (2.0 ** x, 2 ** v),
                           (np.ones((2, 3), np.float32) + x, 1 + v),
                           (np.full((3,), 2, np.float32) * x, 2 * v),
                           (M34.T.copy() @ tf.transpose(x), M34.T @ v.T)]:
            assert isinstance(expr, tf.Tensor)
            np.testing.assert_allclose(s.run(expr, {x: v}), want, rtol=1e-5, atol=1e-6)


def test_bool_and_int_operators():
    b = tf.placeholder(tf.bool, [3])
    i = tf.placeholder(tf.int32, [3])
    t = b & b
    assert t.op.type == "LogicalAnd" and t.op.name == "and"
    assert (b | b).op.name == "or" and (b ^ b).op.name == "xor"
    assert (~b).op.type == "LogicalNot" and (~i).op.type == "Invert"
    assert (i & i).op.type == "BitwiseAnd"
    with tf.Session() as s:
        bv, iv = np.array([True, False, True]), np.array([1, 6, -3], np.int32)
        r = s.run([b ^ ~b, i & 3, i / 2, i // 2, -i], {b: bv, i: iv})
        np.testing.assert_array_equal(r[0], [True, True, True])
        np.testing.assert_array_equal(r[1], iv & 3)
        assert r[2].dtype == np.float64
        np.testing.assert_array_equal(r[2], iv / 2)
        np.testing.assert_array_equal(r[3], iv // 2)


def test_operators_on_variables():
    v = tf.Variable([1.0, 2.0])
    y = 3.0 * v + v ** 2 - v / 2
    assert y.op.type == "Sub"
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_allclose(s.run(y), [3.5, 9.0])


def test_truediv_casts_integers():
    for dt, out in [(tf.int32, tf.float64), (tf.int64, tf.float64), (tf.int8, tf.float32),
                    (tf.uint16, tf.float32), (tf.float16, tf.float16)]:
        x = tf.placeholder(dt, [2])
        q = tf.truediv(x, x)
        assert q.dtype == out and q.op.type == "RealDiv"
    i = tf.constant([7, -7])
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(tf.div(i, 2)), [3, -4])
        np.testing.assert_array_equal(s.run(i / 2), [3.5, -3.5])
        assert tf.div(i, 2).op.type == "FloorDiv"
        assert tf.div(tf.constant(1.0), 2.0).op.type == "RealDiv"


# -- build-time and run-time errors --------------------------------------------------------
def test_shape_mismatch_is_value_error_naming_op():
    a = tf.placeholder(tf.float32, [3, 4])
    b = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match="AddV2"):
        tf.add(a, b)
    with pytest.raises(ValueError, match="Dimensions must be equal.*MatMul"):
        tf.matmul(a, b)
    with pytest.raises(ValueError, match="Invalid reduction dimension 2"):
        tf.reduce_sum(a, 2)
    with pytest.raises(ValueError, match="Expected dimension in the range"):
        tf.argmax(a, 5)
    with pytest.raises(ValueError):
        tf.einsum("ij,jk->ik", a, a)
    with pytest.raises(ValueError):
        tf.where(tf.placeholder(tf.bool, [2]), a, a)
    with pytest.raises(ValueError, match="must have rank 2"):
        apply_op("MatMul", [tf.placeholder(tf.float32, [2, 3, 4]), a])


def test_dtype_errors_are_type_errors():
    f = tf.placeholder(tf.float32, [2])
    i = tf.placeholder(tf.int32, [2])
    b = tf.placeholder(tf.bool, [2])
    with pytest.raises(TypeError, match="AddV2"):
        tf.add(f, i)
    with pytest.raises(TypeError):
        f + i
    with pytest.raises(TypeError):
        i * 2.5
    with pytest.raises(TypeError, match="not in list of allowed values"):
        tf.add(b, b)
    with pytest.raises(TypeError, match="Exp"):
        tf.exp(i)
    with pytest.raises(TypeError, match="same dtype"):
        tf.truediv(i, f)
    with pytest.raises(TypeError):
        tf.logical_and(f, f)


def test_runtime_errors_name_the_op():
    x = tf.placeholder(tf.int32, [None])
    q = tf.floordiv(x, tf.constant([1, 0]), name="fdiv")
    e = tf.argmax(tf.placeholder(tf.float32, [None, 2]), 0, name="amax")
    r = tf.reduce_sum(tf.ones([2, 3]), tf.placeholder(tf.int32, [None]), name="rsum")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"
                           ) as info:
            s.run(q, {x: [4, 5]})
        assert "fdiv" in str(info.value)
        with pytest.raises(tf.errors.InvalidArgumentError, match="amax"):
            s.run(e, {e.op.inputs[0]: np.zeros((0, 2), np.float32)})
        with pytest.raises(tf.errors.InvalidArgumentError, match="rsum"):
            s.run(r, {r.op.inputs[1]: [1, 1]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="rsum"):
            s.run(r, {r.op.inputs[1]: [3]})
        mm = tf.matmul(tf.placeholder(tf.float32, [None, None]),
                       tf.placeholder(tf.float32, [None, None]), name="mm")
        with pytest.raises(tf.errors.InvalidArgumentError, match="mm"):
            s.run(mm, {mm.op.inputs[0]: np.ones((2, 3)), mm.op.inputs[1]: np.ones((2, 3))})


# -- reductions ----------------------------------------------------------------------------
def test_reduction_argument_aliases():
    x = tf.constant(B234)
    with tf.Session() as s:
        a = s.run(tf.reduce_sum(x, reduction_indices=[1], keep_dims=True))
        np.testing.assert_allclose(a, B234.sum(1, keepdims=True), rtol=1e-6)
        np.testing.assert_array_equal(s.run(tf.argmax(x, dimension=2)), B234.argmax(2))
        np.testing.assert_allclose(s.run(tf.reduce_mean(x, axis=tf.constant([0, 2]))),
                                   B234.mean((0, 2)), rtol=1e-6)
        ax = tf.placeholder(tf.int64, [None])
        t = tf.reduce_max(x, ax)
        assert t.shape.ndims is None
        np.testing.assert_allclose(s.run(t, {ax: [-1]}), B234.max(-1))
        assert tf.reduce_sum(x, 1, keepdims=True).shape.as_list() == [2, 1, 4]
        assert tf.reduce_sum(x, ax, keepdims=True).shape.as_list() == [None, None, None]
    with pytest.raises(ValueError, match="both"):
        tf.reduce_sum(x, axis=1, reduction_indices=1)
    with pytest.raises(ValueError, match="both"):
        tf.reduce_sum(x, keepdims=True, keep_dims=True)
    op = tf.reduce_sum(x, 1).op
    assert op.get_attr("keep_dims") is False and op.get_attr("Tidx") == tf.int32
    assert op.inputs[1].op.name == op.name + "/reduction_indices"


def test_reduction_of_unknown_rank_and_empty():
    x = tf.placeholder(tf.float32)
    total = tf.reduce_sum(x)
    m = tf.reduce_max(tf.zeros([0, 2]), 0)
    p = tf.reduce_prod(tf.zeros([0]))
    with tf.Session() as s:
        assert s.run(total, {x: B234}) == pytest.approx(float(B234.sum()), rel=1e-5)
        np.testing.assert_array_equal(s.run(m), [-np.inf, -np.inf])
        assert s.run(p) == 1.0
        assert s.run(tf.reduce_min(tf.zeros([0], tf.int32))) == np.iinfo(np.int32).max


def test_mean_of_integers_truncates():
    with tf.Session() as s:
        assert s.run(tf.reduce_mean(tf.constant([-3, -4]))) == -3
        assert s.run(tf.reduce_mean(tf.constant([3, 4, 4]))) == 3


def test_max_gradient_splits_ties_evenly():
    x = tf.placeholder(tf.float64, [2, 3])
    g, = tf.gradients(tf.reduce_max(x, 1), x)
    gmin, = tf.gradients(tf.reduce_min(x), x)
    with tf.Session() as s:
        v = np.array([[1, 3, 3], [2, 0, 1]], np.float64)
        np.testing.assert_allclose(s.run(g, {x: v}), [[0, .5, .5], [1, 0, 0]])
        np.testing.assert_allclose(s.run(gmin, {x: v}), [[0, 0, 0], [0, 1, 0]])


def test_maximum_gradient_ties_go_to_x():
    x, y = tf.placeholder(tf.float64, [3]), tf.placeholder(tf.float64, [3])
    gx, gy = tf.gradients(tf.maximum(x, y), [x, y])
    with tf.Session() as s:
        r = s.run([gx, gy], {x: [1, 2, 3], y: [1, 5, 0]})
        np.testing.assert_array_equal(r[0], [1, 0, 1])
        np.testing.assert_array_equal(r[1], [0, 1, 0])


def test_reduce_logsumexp_is_stable():
    x = tf.constant([[1000.0, 1000.0], [-1000.0, -np.inf]], tf.float64)
    y = tf.reduce_logsumexp(x, 1)
    assert y.op.name == "ReduceLogSumExp"
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y), [1000 + np.log(2), -1000])
        k = s.run(tf.reduce_logsumexp(x[:1], keepdims=True))
        assert np.ndim(k) == 2


def test_count_nonzero_clip_and_where():
    x = tf.constant([[0.0, 1.5, 0.0], [2.0, -1.0, 0.0]])
    with tf.Session() as s:
        assert s.run(tf.count_nonzero(x)) == 3
        assert tf.count_nonzero(x).dtype == tf.int64
        np.testing.assert_array_equal(s.run(tf.count_nonzero(x, 1, dtype=tf.int32)), [1, 2])
        c = tf.clip_by_value(x, -0.5, 1.0)
        assert c.op.type == "Maximum" and c.op.name == "clip_by_value"
        np.testing.assert_allclose(s.run(c), np.clip(s.run(x), -0.5, 1.0))
        np.testing.assert_array_equal(s.run(tf.where(x > 0)), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="both"):
        tf.where(x > 0, x)


def test_cast_and_to_helpers():
    x = tf.constant([1.7, -1.7, 0.0])
    assert tf.cast(x, tf.float32) is x
    c = tf.cast(x, tf.int32)
    assert c.op.type == "Cast" and c.op.get_attr("DstT") == tf.int32
    assert c.op.get_attr("SrcT") == tf.float32 and c.op.get_attr("Truncate") is False
    assert tf.to_float(tf.constant(1)).op.name == "ToFloat"
    assert tf.to_int64(x).dtype == tf.int64 and tf.to_double(x).dtype == tf.float64
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(c), [1, -1, 0])
        np.testing.assert_array_equal(s.run(tf.saturate_cast([300.0, -5.0], tf.uint8)),
                                      [255, 0])
        assert s.run(tf.saturate_cast(tf.constant([3e9]), tf.int32))[0] == 2147483520
    xf = tf.placeholder(tf.float32, [2])
    xi = tf.placeholder(tf.int32, [2])
    assert tf.gradients(tf.cast(xi, tf.float32), xi)[0] is None
    g, = tf.gradients(tf.cast(xf, tf.float64), xf)
    assert g.dtype == tf.float32


def test_round_is_bankers_and_identity_for_ints():
    i = tf.constant([1, 2])
    assert tf.round(i) is i
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(tf.round([-2.5, -1.5, 0.5, 1.5, 2.5])),
                                      [-2, -2, 0, 2, 2])


def test_add_n_single_and_errors():
    x = tf.constant([1.0])
    assert tf.add_n([x]) is x
    assert tf.add_n([x], name="one").op.type == "Identity"
    with pytest.raises(ValueError):
        tf.add_n([])
    with pytest.raises(ValueError):
        tf.add_n([tf.ones([2]), tf.ones([3])])


def test_matmul_builder_choices():
    a, b = tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.float32, [3, 4])
    u = tf.placeholder(tf.float32)
    assert tf.matmul(a, b).op.type == "MatMul"
    assert tf.matmul(u, u).op.type == "BatchMatMulV2"
    assert tf.linalg.matmul(a, b, adjoint_b=False).op.type == "MatMul"
    mm = tf.matmul(a, a, transpose_b=True).op
    assert mm.get_attr("transpose_b") is True and mm.get_attr("grad_a") is False
    with pytest.raises(ValueError, match="Only one"):
        tf.matmul(a, b, transpose_a=True, adjoint_a=True)
    bm = tf.matmul(tf.placeholder(tf.float32, [5, 1, 2, 3]), tf.placeholder(tf.float32,
                                                                         [4, 3, 6]))
    assert bm.shape.as_list() == [5, 4, 2, 6]
    e = tf.einsum("bij,jk", tf.placeholder(tf.float32, [5, 2, 3]), b)
    assert e.op.get_attr("equation") == "bij,jk->bik" and e.op.name == "einsum/Einsum"
    assert e.shape.as_list() == [5, 2, 4]


def test_tensordot_forms():
    a = tf.constant(B234)
    b = tf.constant(B45)
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(tf.tensordot(a, b, 1)),
                                   np.tensordot(B234, B45, 1), rtol=1e-5)
        np.testing.assert_allclose(s.run(tf.tensordot(a, a, [[0, 2], [0, 2]])),
                                   np.tensordot(B234, B234, [[0, 2], [0, 2]]), rtol=1e-5)
        p = tf.placeholder(tf.float32, [None, 4])
        t = tf.tensordot(p, b, [[1], [0]])
        assert t.shape.as_list() == [None, 5]
        np.testing.assert_allclose(s.run(t, {p: B45.T}), B45.T @ B45, rtol=1e-5)


# -- gradients: the broadcast helper's static and dynamic paths ----------------------------
def _grad_err(build, shapes, values, static=True):
    phs = [tf.placeholder(tf.float64, s if static else [None] * len(s)) for s in shapes]
    y = build(*phs)
    with tf.Session() as s:
        y_shape = np.shape(s.run(y, dict(zip(phs, values))))
        errs = []
        for i, p in enumerate(phs):
            others = {q: v for j, (q, v) in enumerate(zip(phs, values)) if j != i}
            errs.append(compute_gradient_error(p, values[i].shape, y, y_shape,
                                               x_init_value=values[i],
                                               extra_feed_dict=others, session=s))
    return max(errs)


@pytest.mark.parametrize("build", [
    lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / (y + 3),
    lambda x, y: tf.maximum(x, y), lambda x, y: tf.squared_difference(x, y),
    lambda x, y: tf.where_v2(x > 0, x, y), lambda x, y: tf.pow(x * x + 1, y),
    lambda x, y: x % (y + 3)], ids=["add", "sub", "mul", "div", "max", "sqdiff",
                                    "select_v2", "pow", "mod"])
def test_broadcast_gradients_dynamic_shapes(build):
    x = R.uniform(-1, 1, (2, 1, 3))
    y = R.uniform(-1, 1, (4, 1))
    assert _grad_err(build, [x.shape, y.shape], [x, y], static=True) < 1e-6
    assert _grad_err(build, [x.shape, y.shape], [x, y], static=False) < 1e-6


@pytest.mark.parametrize("build", [
    lambda x: tf.reduce_sum(x, 1), lambda x: tf.reduce_mean(x, [0, 2], keepdims=True),
    lambda x: tf.reduce_max(x, -1), lambda x: tf.reduce_prod(x, [1, 2]),
    lambda x: tf.reduce_sum(x), lambda x: tf.reduce_logsumexp(x, 1),
    lambda x: tf.cumprod(x, 1, exclusive=True),
    lambda x: tf.einsum("ijk,ik->j", x, x[:, 0]),
    lambda x: tf.matmul(x, tf.transpose(x, [0, 2, 1]))],
    ids=["sum", "mean", "max", "prod", "sum_all", "logsumexp", "cumprod", "einsum",
         "batch_matmul"])
def test_reduction_gradients_dynamic_shapes(build):
    x = R.uniform(0.5, 1.5, (2, 3, 4))
    assert _grad_err(build, [x.shape], [x], static=True) < 1e-6
    assert _grad_err(build, [x.shape], [x], static=False) < 1e-6


def test_reduce_sum_gradient_of_unknown_rank():
    x = tf.placeholder(tf.float64)
    g, = tf.gradients(tf.reduce_sum(x, 1), x)
    gm, = tf.gradients(tf.reduce_mean(x), x)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(g, {x: np.ones((2, 3))}), np.ones((2, 3)))
        np.testing.assert_allclose(s.run(gm, {x: np.ones((2, 3))}), np.full((2, 3), 1 / 6))


def test_static_fast_path_builds_no_dynamic_ops():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.placeholder(tf.float32, [3])
    before = len(tf.get_default_graph().get_operations())
    gx, gy = tf.gradients(x * y, [x, y])
    types = [op.type for op in tf.get_default_graph().get_operations()[before:]]
    assert "BroadcastGradientArgs" not in types and "Shape" not in types
    assert gy.op.type in ("Sum", "Reshape") and gy.shape.as_list() == [3]
    z = tf.placeholder(tf.float32, [2, 3])
    before = len(tf.get_default_graph().get_operations())
    g1, g2 = tf.gradients(x + z, [x, z])
    types = [op.type for op in tf.get_default_graph().get_operations()[before:]]
    assert "Sum" not in types and "Reshape" not in types
    u = tf.placeholder(tf.float32, [None, 3])
    before = len(tf.get_default_graph().get_operations())
    gu, gy = tf.gradients(u * y, [u, y])
    types = [op.type for op in tf.get_default_graph().get_operations()[before:]]
    # As in TF: the reduction axes are inferred at build time ([0] for y), and
    # the gradient of u needs no reduction at all.
    assert "BroadcastGradientArgs" not in types
    assert gu.op.type == "Mul" and gy.op.type == "Reshape"


def test_broadcast_reduction_axes_rule():
    f = grad_util.broadcast_reduction_axes
    assert f([1, 3], [1, 3]) == ([], [])
    assert f([2, 1], [1, 3]) == ([1], [0])
    assert f([], [2, 3]) == ([0, 1], [])
    assert f([1, 1, 3], [3]) == ([0, 1], [0, 1])
    with pytest.raises(ValueError, match="Incompatible shapes"):
        f([2, 3], [4])


def test_second_order_gradients():
    x = tf.placeholder(tf.float64, [3])
    for fn, d2 in [(tf.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
                   (tf.sigmoid, lambda v: (lambda s: s * (1 - s) * (1 - 2 * s))(
                       1 / (1 + np.exp(-v)))),
                   (tf.sqrt, lambda v: -0.25 * v ** -1.5),
                   (tf.rsqrt, lambda v: 0.75 * v ** -2.5),
                   (tf.reciprocal, lambda v: 2 / v ** 3)]:
        g, = tf.gradients(fn(x), x)
        h, = tf.gradients(g, x)
        v = np.array([0.3, 1.2, 2.0])
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(h, {x: v}), d2(v), rtol=1e-7)


def test_sign_floor_gradients():
    x = tf.placeholder(tf.float64, [3])
    gs, = tf.gradients(tf.sign(x), x)
    gf, = tf.gradients(tf.floor(x) + x, x)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(gs, {x: [1, -2, 3]}), [0, 0, 0])
        np.testing.assert_array_equal(s.run(gf, {x: [1, -2, 3]}), [1, 1, 1])


def test_namespaces():
    for n in ["add", "reduce_sum", "argmax", "erf", "logical_xor", "cumsum", "divide_no_nan",
              "reduce_logsumexp", "squared_difference", "abs", "round", "pow"]:
        assert callable(getattr(tf.math, n)), n
    for n in ["matmul", "einsum", "tensordot"]:
        assert callable(getattr(tf.linalg, n)), n
    assert tf.math.abs is tf.abs and tf.linalg.matmul is tf.matmul


_SWEEP_BINARY = [tf.add, tf.subtract, tf.multiply, tf.floordiv, tf.floormod, tf.maximum,
                 tf.minimum, tf.squared_difference, tf.truncatediv, tf.realdiv]
_SWEEP_UNARY_ANY = [tf.negative, tf.abs, tf.sign, tf.square, tf.round]
_SWEEP_UNARY_FLOAT = [tf.sqrt, tf.rsqrt, tf.exp, tf.expm1, tf.log, tf.log1p, tf.sin, tf.cos,
                      tf.tan, tf.tanh, tf.sigmoid, tf.floor, tf.ceil, tf.rint, tf.reciprocal,
                      tf.erf, tf.erfc, tf.atan, tf.sinh, tf.asinh]
_SWEEP_REDUCE = [tf.reduce_sum, tf.reduce_mean, tf.reduce_prod, tf.reduce_max, tf.reduce_min]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int16,
                                   np.int32, np.int64, np.uint8, np.uint16])
def test_kernels_keep_the_static_dtype(dtype):
    """Every kernel returns exactly the op's static dtype (no numpy promotion) for every
    type it accepts (ops that reject the type at build time are skipped), scalar inputs
    included."""
    x = np.array([[3, 1, 2], [4, 2, 5]]).astype(dtype)
    y = np.array([2, 1, 3]).astype(dtype)
    px, py = tf.placeholder(dtype, [2, 3]), tf.placeholder(dtype, [3])
    ps = tf.placeholder(dtype, [])
    builds = [lambda f=f: f(px, py) for f in _SWEEP_BINARY]
    builds += [lambda f=f: f(ps, ps) for f in _SWEEP_BINARY]
    builds += [lambda f=f: f(px) for f in _SWEEP_UNARY_ANY + _SWEEP_UNARY_FLOAT]
    builds += [lambda f=f: f(ps) for f in _SWEEP_UNARY_ANY + _SWEEP_UNARY_FLOAT]
    builds += [lambda f=f: f(px, 1) for f in _SWEEP_REDUCE]
    builds += [lambda f=f: f(ps) for f in _SWEEP_REDUCE]
    builds += [lambda: tf.add_n([px, px, px]), lambda: tf.cumsum(px, 1),
               lambda: tf.cumprod(px, 0, exclusive=True), lambda: tf.argmax(px, 1),
               lambda: tf.matmul(px, tf.transpose(px)), lambda: tf.einsum("ij,j->i", px, py),
               lambda: tf.cast(px, tf.float32), lambda: tf.where(px > 2, px, px * 0),
               lambda: tf.clip_by_value(px, 1, 3), lambda: px / py, lambda: px ** py,
               lambda: tf.math.divide_no_nan(px, py), lambda: tf.saturate_cast(px, tf.int8)]
    outs = []
    for build in builds:
        try:
            outs.append(build())
        except TypeError as e:
            assert "not in list of allowed values" in str(e)
    assert len(outs) >= 40
    with tf.Session() as s:
        vals = s.run(outs, {px: x, py: y, ps: x[0, 1]})
    for t, v in zip(outs, vals):
        assert np.asarray(v).dtype == t.dtype.as_numpy_dtype, t.op.type
        assert t.shape.is_compatible_with(np.shape(v)), t.op.type


def test_trace_and_sparse_gradients_into_math_ops():
    m = tf.placeholder(tf.float64, [2, 3, 3])
    v = np.arange(18.0).reshape(2, 3, 3)
    t = tf.trace(m)
    g, = tf.gradients(t, m)
    x = tf.placeholder(tf.float64, [4, 3])
    y = tf.gather(tf.exp(x) * 2.0 + tf.ones([3], tf.float64), [0, 2, 2])
    gx, = tf.gradients(tf.reduce_sum(y), x)
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(t, {m: v}), np.trace(v, axis1=1, axis2=2))
        np.testing.assert_allclose(s.run(g, {m: v}), np.broadcast_to(np.eye(3), (2, 3, 3)))
        xv = R.uniform(-1, 1, (4, 3))
        np.testing.assert_allclose(s.run(gx, {x: xv}),
                                   2 * np.exp(xv) * np.array([1, 0, 2, 0])[:, None])


def test_axis_forms():
    x = tf.constant(B234)
    with tf.Session() as s:
        for axis in [None, 0, -1, [0, 2], (1,), np.array([2, 0]), tf.constant([-2]),
                     tf.constant(1, tf.int64)]:
            want_axis = axis if not isinstance(axis, tf.Tensor) else s.run(axis)
            want_axis = tuple(np.reshape(want_axis, -1)) if want_axis is not None else None
            for keep in (False, True):
                t = tf.reduce_sum(x, axis, keepdims=keep)
                want = B234.sum(axis=want_axis, keepdims=keep)
                assert t.shape.as_list() == list(want.shape)
                np.testing.assert_allclose(s.run(t), want, rtol=1e-5)


def test_unsupported_gradients_say_why():
    x = tf.placeholder(tf.float32, [3, 3])
    with pytest.raises(NotImplementedError, match="repeated label"):
        tf.gradients(tf.einsum("ii->i", x), x)


def test_prod_gradient_with_unknown_rank_and_axes():
    u = tf.placeholder(tf.float64)
    ax = tf.placeholder(tf.int32, [None])
    g1, = tf.gradients(tf.reduce_prod(u, 1), u)
    g2, = tf.gradients(tf.reduce_prod(u, ax), u)
    v = np.array([[[1.0, 2.0], [0.0, 3.0], [4.0, 5.0]], [[0.5, 0.0], [0.0, 2.0], [1.5, 2.5]]])
    with tf.Session() as s:
        for g, axes in [(g1, (1,)), (g2, (0, 2)), (g2, (-1,))]:
            got = s.run(g, {u: v, ax: list(axes)})
            want = np.zeros_like(v)
            for i in np.ndindex(v.shape):  # product of the others in the same reduction
                sel = tuple(slice(None) if k in [a % 3 for a in axes] else i[k]
                            for k in range(3))
                block = v[sel].copy()
                pos = tuple(i[k] for k in range(3) if k in [a % 3 for a in axes])
                block[pos] = 1.0
                want[i] = block.prod()
            np.testing.assert_allclose(got, want, err_msg=str(axes))


def test_conj_gradient():
    z = tf.placeholder(tf.complex128, [2])
    dy = tf.placeholder(tf.complex128, [2])
    g, = tf.gradients(tf.math.conj(z), z, grad_ys=dy)
    r = tf.constant([1.0, 2.0])
    assert tf.math.conj(r) is r
    with tf.Session() as s:
        got = s.run(g, {z: [1 + 2j, 3 - 1j], dy: [0.5 + 1j, -2j]})
        np.testing.assert_allclose(got, [0.5 - 1j, 2j])
