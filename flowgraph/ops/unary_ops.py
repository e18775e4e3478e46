"""Elementwise unary math ops (`Neg`, `Sqrt`, `Tanh`, ...), their `*Grad` helper ops as TF
has them (so `tf.gradients` builds TF's graphs and second derivatives work), and `Cast`."""
import math

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.math_common import (check_type, unary_op, grad_pair_shape, COMPLEX, FLOAT,
                                       REAL_FLOAT, NUMERIC, SIGNED_INT, SIGNED_NUMERIC)

_PUBLIC = ["negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "expm1", "log",
           "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
           "acosh", "atanh", "tanh", "sigmoid", "floor", "ceil", "round", "rint",
           "reciprocal", "erf", "erfc", "is_nan", "is_inf", "is_finite", "conj"]
__all__ = _PUBLIC + ["cast", "to_float", "to_double", "to_int32", "to_int64", "saturate_cast"]
__namespaces__ = {"math": list(_PUBLIC), "nn": ["sigmoid", "tanh"]}


def _m():
    from flowgraph.ops import math_ops
    return math_ops


def _const(value, like):
    return convert_to_tensor(value, dtype=like.dtype.base_dtype)


# -- special functions without a numpy ufunc -----------------------------------------------
_vec_erf = np.frompyfunc(math.erf, 1, 1)
_vec_erfc = np.frompyfunc(math.erfc, 1, 1)


def _special(name, fallback):
    def fn(xp, x):
        if xp is np:
            try:
                import scipy.special as sp
            except ImportError:  # pragma: no cover - scipy is optional
                return fallback(x).astype(x.dtype)
            return getattr(sp, name)(x).astype(x.dtype, copy=False)
        import cupyx.scipy.special as csp  # GPU
        return getattr(csp, name)(x).astype(x.dtype, copy=False)
    return fn


def _sigmoid(xp, x):
    return 1 / (1 + xp.exp(-x))


# -- gradients -----------------------------------------------------------------------------
def _neg_grad(op, grad):
    return [negative(grad)]


def _abs_grad(op, grad):
    return [_m().multiply(grad, sign(op.inputs[0]))]


def _sign_grad(op, grad):
    from flowgraph.ops import array_ops
    return [array_ops.zeros_like(op.inputs[0])]


def _square_grad(op, grad):
    x = conj(op.inputs[0])
    return [_m().multiply(grad, _m().multiply(x, _const(2, x)))]


def _y_grad(op_type, conjugate=False):
    """Gradients that are a `*Grad(y, dy)` op of the output, as TF registers them (Tanh and
    Sigmoid pass conj(y) for complex y; the other kernels conjugate inside)."""
    def fn(op, grad):
        y = conj(op.outputs[0]) if conjugate else op.outputs[0]
        return [apply_op(op_type, [y, grad])]
    return fn


def _times(factor):
    """grad * factor(x)."""
    def fn(op, grad):
        return [_m().multiply(grad, factor(conj(op.inputs[0])))]
    return fn


def _exp_grad(op, grad):
    return [_m().multiply(grad, conj(op.outputs[0]))]


def _tan_grad(op, grad):
    return [_m().multiply(grad, square(reciprocal(cos(conj(op.inputs[0])))))]


def _erf_grad(op, grad):
    x = conj(op.inputs[0])
    k = _const(2 / math.sqrt(math.pi), x)
    return [_m().multiply(_m().multiply(grad, k), exp(negative(square(x))))]


def _erfc_grad(op, grad):
    x = conj(op.inputs[0])
    k = _const(-2 / math.sqrt(math.pi), x)
    return [_m().multiply(_m().multiply(grad, k), exp(negative(square(x))))]


def _acosh_grad(op, grad):
    x = op.inputs[0]
    if x.dtype.is_complex:  # 1 / sinh(acosh(x)): the branch TF takes off the real line
        return [_m().realdiv(grad, sinh(conj(op.outputs[0])))]
    return [_m().multiply(grad, rsqrt(_m().subtract(square(x), _const(1, x))))]


def _inv_sqrt_one_minus_sq(x):
    return reciprocal(sqrt(_m().subtract(_const(1, x), square(x))))


_UNARY_TABLE = [
    # op type, kernel, allowed types, gradient, doc
    ("Neg", "negative", SIGNED_NUMERIC, _neg_grad, "Computes -x elementwise."),
    ("Abs", "abs", REAL_FLOAT | SIGNED_INT, _abs_grad,
     "Computes the absolute value elementwise."),
    ("Sign", "sign", SIGNED_NUMERIC, _sign_grad,
     "Returns -1, 0 or 1 by the sign of each element (NaN stays NaN)."),
    ("Square", "square", NUMERIC, _square_grad,
     "Computes x * x elementwise."),
    ("Sqrt", "sqrt", FLOAT, _y_grad("SqrtGrad"),
     "Computes the square root elementwise."),
    ("Rsqrt", lambda xp, x: 1 / xp.sqrt(x), FLOAT, _y_grad("RsqrtGrad"),
     "Computes 1 / sqrt(x) elementwise."),
    ("Exp", "exp", FLOAT, _exp_grad, "Computes e ** x elementwise."),
    ("Expm1", "expm1", FLOAT, _times(lambda x: exp(x)),
     "Computes e ** x - 1 elementwise."),
    ("Log", "log", FLOAT, _times(lambda x: reciprocal(x)),
     "Computes the natural logarithm elementwise."),
    ("Log1p", "log1p", FLOAT,
     _times(lambda x: reciprocal(_m().add(_const(1, x), x))),
     "Computes log(1 + x) elementwise."),
    ("Sin", "sin", FLOAT, _times(lambda x: cos(x)), "Computes sine."),
    ("Cos", "cos", FLOAT, _times(lambda x: negative(sin(x))),
     "Computes cosine."),
    ("Tan", "tan", FLOAT, _tan_grad, "Computes tangent."),
    ("Asin", "arcsin", FLOAT, _times(_inv_sqrt_one_minus_sq),
     "Computes the inverse sine."),
    ("Acos", "arccos", FLOAT,
     _times(lambda x: negative(_inv_sqrt_one_minus_sq(x))), "Computes the inverse cosine."),
    ("Atan", "arctan", FLOAT,
     _times(lambda x: reciprocal(_m().add(_const(1, x), square(x)))),
     "Computes the inverse tangent."),
    ("Sinh", "sinh", FLOAT, _times(lambda x: cosh(x)),
     "Computes the hyperbolic sine."),
    ("Cosh", "cosh", FLOAT, _times(lambda x: sinh(x)),
     "Computes the hyperbolic cosine."),
    ("Asinh", "arcsinh", FLOAT,
     _times(lambda x: rsqrt(_m().add(square(x), _const(1, x)))),
     "Computes the inverse hyperbolic sine."),
    ("Acosh", "arccosh", FLOAT, _acosh_grad,
     "Computes the inverse hyperbolic cosine."),
    ("Atanh", "arctanh", FLOAT,
     _times(lambda x: reciprocal(_m().subtract(_const(1, x), square(x)))),
     "Computes the inverse hyperbolic tangent."),
    ("Tanh", "tanh", FLOAT, _y_grad("TanhGrad", conjugate=True),
     "Computes the hyperbolic tangent."),
    ("Sigmoid", _sigmoid, FLOAT, _y_grad("SigmoidGrad", conjugate=True),
     "Computes 1 / (1 + exp(-x))."),
    ("Floor", "floor", REAL_FLOAT, NOT_DIFFERENTIABLE,
     "Returns the largest integer not greater than x, elementwise."),
    ("Ceil", "ceil", REAL_FLOAT, NOT_DIFFERENTIABLE,
     "Returns the smallest integer not less than x, elementwise."),
    ("Round", "round", SIGNED_NUMERIC, NOT_DIFFERENTIABLE,
     "Rounds to the nearest integer, half to even (banker's rounding)."),
    ("Rint", "rint", REAL_FLOAT, NOT_DIFFERENTIABLE,
     "Returns the closest integer, half to even."),
    ("Reciprocal", "reciprocal", SIGNED_NUMERIC, _y_grad("ReciprocalGrad"),
     "Computes 1 / x elementwise."),
    ("Erf", _special("erf", _vec_erf), REAL_FLOAT, _erf_grad,
     "Computes the Gauss error function."),
    ("Erfc", _special("erfc", _vec_erfc), REAL_FLOAT, _erfc_grad,
     "Computes the complementary error function 1 - erf(x)."),
]
for _t, _k, _allowed, _g, _doc in _UNARY_TABLE:
    # f(f(x)) == x: the graph optimizer drops such pairs
    unary_op(_t, _k, _doc, _allowed, _g, flags={"involution": True} if _t == "Neg" else None)
for _t, _k, _doc in [("IsNan", "isnan", "Which elements are NaN."),
                     ("IsInf", "isinf", "Which elements are +/-Inf."),
                     ("IsFinite", "isfinite",
                      "Which elements are finite (not NaN or Inf).")]:
    unary_op(_t, _k, _doc, REAL_FLOAT, NOT_DIFFERENTIABLE, out="bool")


# -- the *Grad ops: z = f(y, dy) with y the forward output ---------------------------------
def _grad_op(op_type, kernel, doc, grad):
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(grad_pair_shape),
                             "kernel": staticmethod(kernel), "grad": staticmethod(grad)})
    defop(op_type, inputs=("y: T", "dy: T"), outputs=("z: T",))(cls)


# Second derivatives; for complex inputs the conjugates sit where TF puts them.
def _sqrt_grad_grad(op, grad):
    a, y = op.inputs[0], op.outputs[0]
    ga = _m().realdiv(grad, a)
    return [negative(_m().multiply(conj(ga), y)), _m().multiply(_const(0.5, a), ga)]


def _rsqrt_grad_grad(op, grad):
    a, b = conj(op.inputs[0]), op.inputs[1]
    ga = _m().multiply(_m().multiply(_const(-1.5, a), conj(grad)), _m().multiply(b, square(a)))
    return [ga, apply_op("RsqrtGrad", [a, grad])]


def _tanh_grad_grad(op, grad):
    a, b = conj(op.inputs[0]), conj(op.inputs[1])
    return [_m().multiply(_m().multiply(grad, _const(-2, a)), _m().multiply(b, a)),
            apply_op("TanhGrad", [a, grad])]


def _sigmoid_grad_grad(op, grad):
    a, b = conj(op.inputs[0]), conj(op.inputs[1])
    gb = _m().multiply(grad, b)
    return [_m().subtract(gb, _m().multiply(_m().multiply(_const(2, a), gb), a)),
            apply_op("SigmoidGrad", [a, grad])]


def _reciprocal_grad_grad(op, grad):
    a, b = conj(op.inputs[0]), op.inputs[1]
    return [_m().multiply(_m().multiply(conj(grad), _const(-2, a)), _m().multiply(b, a)),
            apply_op("ReciprocalGrad", [a, grad])]


def _cj(xp, y):
    return xp.conj(y) if y.dtype.kind == "c" else y


# For complex y the kernels of Sqrt, Rsqrt and Reciprocal conjugate y (TF's kernels).
_grad_op("SqrtGrad", lambda xp, y, dy: dy * 0.5 / _cj(xp, y),
         "The gradient of sqrt: dy * 0.5 / y, where y = sqrt(x).", _sqrt_grad_grad)
_grad_op("RsqrtGrad", lambda xp, y, dy: dy * -0.5 * _cj(xp, y * y * y),
         "The gradient of rsqrt: dy * -0.5 * y^3, where y = rsqrt(x).", _rsqrt_grad_grad)
_grad_op("TanhGrad", lambda xp, y, dy: dy * (1 - y * y),
         "The gradient of tanh: dy * (1 - y^2), where y = tanh(x).", _tanh_grad_grad)
_grad_op("SigmoidGrad", lambda xp, y, dy: dy * (y * (1 - y)),
         "The gradient of sigmoid: dy * y * (1 - y), where y = sigmoid(x).",
         _sigmoid_grad_grad)
_grad_op("ReciprocalGrad", lambda xp, y, dy: -dy * _cj(xp, y * y),
         "The gradient of reciprocal: -dy * y^2, where y = 1 / x.", _reciprocal_grad_grad)


# -- Cast ----------------------------------------------------------------------------------
_GRAD_TYPES = FLOAT


@defop("Cast", inputs=("x: SrcT",), outputs=("y: DstT",),
       attrs={"SrcT": None, "DstT": None, "Truncate": False})
class Cast:
    """Casts x to the type DstT (float to int truncates toward zero; complex keeps the real
    part)."""
    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, x, DstT):
        if x.dtype == DstT:
            return x
        if x.dtype.kind == "c" and DstT.kind != "c":
            x = xp.real(x)
        return x.astype(DstT)

    def grad(op, grad):
        src = op.inputs[0].dtype.base_dtype
        if src in _GRAD_TYPES and op.outputs[0].dtype.base_dtype in _GRAD_TYPES:
            return [cast(grad, src)]
        return [None]


@defop("Conj", inputs=("input: T",), outputs=("output: T",))
class Conj:
    """The complex conjugate of each element."""
    def shape(op):
        check_type(op, COMPLEX, arg="input")
        return op.inputs[0].shape

    def kernel(xp, input):
        return xp.conj(input)

    def grad(op, grad):
        return [conj(grad)]


# -- builders ------------------------------------------------------------------------------
def _unary_builder(op_type, doc):
    def builder(x, name=None):
        return apply_op(op_type, [x], name=name)
    builder.__doc__ = doc
    return builder


negative = _unary_builder("Neg", "Computes numerical negative value elementwise.")
square = _unary_builder("Square", "Computes x * x elementwise.")
sqrt = _unary_builder("Sqrt", "Computes the square root elementwise.")
rsqrt = _unary_builder("Rsqrt", "Computes 1 / sqrt(x) elementwise.")
exp = _unary_builder("Exp", "Computes e ** x elementwise.")
expm1 = _unary_builder("Expm1", "Computes e ** x - 1 elementwise.")
log = _unary_builder("Log", "Computes the natural logarithm elementwise.")
log1p = _unary_builder("Log1p", "Computes log(1 + x) elementwise.")
sin = _unary_builder("Sin", "Computes sine elementwise.")
cos = _unary_builder("Cos", "Computes cosine elementwise.")
tan = _unary_builder("Tan", "Computes tangent elementwise.")
asin = _unary_builder("Asin", "Computes the inverse sine elementwise.")
acos = _unary_builder("Acos", "Computes the inverse cosine elementwise.")
atan = _unary_builder("Atan", "Computes the inverse tangent elementwise.")
sinh = _unary_builder("Sinh", "Computes the hyperbolic sine elementwise.")
cosh = _unary_builder("Cosh", "Computes the hyperbolic cosine elementwise.")
asinh = _unary_builder("Asinh", "Computes the inverse hyperbolic sine elementwise.")
acosh = _unary_builder("Acosh", "Computes the inverse hyperbolic cosine elementwise.")
atanh = _unary_builder("Atanh", "Computes the inverse hyperbolic tangent elementwise.")
tanh = _unary_builder("Tanh", "Computes the hyperbolic tangent elementwise.")
floor = _unary_builder("Floor", "Returns the largest integer not greater than x.")
ceil = _unary_builder("Ceil", "Returns the smallest integer not less than x.")
rint = _unary_builder("Rint", "Returns the closest integer to x, half to even.")
reciprocal = _unary_builder("Reciprocal", "Computes 1 / x elementwise.")
erf = _unary_builder("Erf", "Computes the Gauss error function elementwise.")
erfc = _unary_builder("Erfc", "Computes the complementary error function elementwise.")
is_nan = _unary_builder("IsNan", "Returns which elements of x are NaN.")
is_inf = _unary_builder("IsInf", "Returns which elements of x are Inf.")
is_finite = _unary_builder("IsFinite", "Returns which elements of x are finite.")


def abs(x, name=None):  # noqa: A001 (TF's name)
    """Computes the absolute value of a tensor (`ComplexAbs` for complex x, a real tensor)."""
    with name_scope(name, "Abs", [x]) as name:
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype.is_complex:
            from flowgraph.ops.complex_ops import complex_abs
            return complex_abs(x, name=name)
        return apply_op("Abs", [x], name=name)


def sign(x, name=None):
    """Returns -1, 0 or 1 by the sign of each element; x / |x| (0 at 0) for complex x."""
    x = convert_to_tensor(x)
    if x.dtype.base_dtype.is_complex:
        from flowgraph.ops.complex_ops import complex_abs
        return apply_op("DivNoNan", [x, cast(complex_abs(x), x.dtype.base_dtype)], name=name)
    return apply_op("Sign", [x], name=name)


def sigmoid(x, name=None):
    """Computes sigmoid of x elementwise: 1 / (1 + exp(-x))."""
    with name_scope(name, "Sigmoid", [x]) as name:
        return apply_op("Sigmoid", [convert_to_tensor(x, name="x")], name=name)


def round(x, name=None):  # noqa: A001 (TF's name)
    """Rounds the values of a tensor to the nearest integer, half to even."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.base_dtype.is_integer:
        return x
    return apply_op("Round", [x], name=name)


def cast(x, dtype, name=None):
    """Casts a tensor to a new type (returns x itself when it already has that type)."""
    base = dtypes.as_dtype(dtype).base_dtype
    if isinstance(x, Tensor) and x.dtype == base:  # a ref is still cast (read), as TF
        return x
    with name_scope(name, "Cast", [x]) as name:
        x = convert_to_tensor(x, name="x")
        if x.dtype != base:
            x = apply_op("Cast", [x], {"DstT": base, "Truncate": False}, name=name)
        return x


def to_float(x, name="ToFloat"):
    """Casts a tensor to float32."""
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    """Casts a tensor to float64."""
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    """Casts a tensor to int32."""
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    """Casts a tensor to int64."""
    return cast(x, dtypes.int64, name=name)


def _limits(src, dst):
    """Clamp limits in the source type that cast safely into `dst`: each limit is moved
    one step toward zero when rounding to the source type pushed it past dst's range."""
    np_src = src.as_numpy_dtype
    lo = np.array(max(src.min, dst.min)).astype(np_src)
    if float(lo) < float(dst.min):
        lo = np.nextafter(lo, np_src(0))
    hi = np.array(min(float(src.max), float(dst.max))).astype(np_src)
    if float(hi) > float(dst.max):
        hi = np.nextafter(hi, np_src(0))
    return lo, hi


def saturate_cast(value, dtype, name=None):
    """Casts `value` to `dtype`, clamping it first to the range of `dtype` (the
    `ClipByValue` op named "clamp", as TF)."""
    from flowgraph.ops.reduction_ops import _clip_by_value
    with name_scope(name, "saturate_cast", [value]) as name:
        value = convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype).base_dtype
        src = value.dtype.base_dtype
        if not (src.is_bool or dtype.is_bool or src.is_complex or dtype.is_complex):
            lo, hi = _limits(src, dtype.real_dtype)
            value = _clip_by_value(value, convert_to_tensor(lo, dtype=src),
                                   convert_to_tensor(hi, dtype=src), name="clamp")
        return cast(value, dtype, name=name)


def conj(x, name=None):
    """The complex conjugate of x (x itself for real types)."""
    x = convert_to_tensor(x, name="x")
    dt = x.dtype.base_dtype
    if dt.is_complex:
        return apply_op("Conj", [x], name=name)
    if not (dt.is_floating or dt.is_integer):
        raise TypeError(f"Expected numeric or variant tensor, got dtype {dt!r}.")
    return x
