"""Math ops: elementwise binary and unary ops, comparisons, logical ops, reductions,
matmul/einsum, casts, selection, operator overloads and the broadcast-gradient helper."""
import math

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op
from flowgraph.ops import grad_util
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
    Case("Einsum", lambda a, b: tf.einsum("ij,ij->i", a, b), [A, (COL * np.ones((1, 3))).astype(np.float32)],
         ref=lambda a, b: (a * b).sum(1), name="Einsum_rowdot"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)
