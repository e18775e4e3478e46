"""Special functions as TF has them: Lgamma, Digamma, Polygamma, Zeta, Igamma(c),
Betainc, Erfinv, Ndtri, BesselI0e/I1e, Atan2, Xlogy/Xdivy/Xlog1py, and the Python-level
lbeta, log_sigmoid and accumulate_n. Kernels compute in float64 (`special_kernels`) and
cast back to the input's dtype."""
import math

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import special_kernels as K
from flowgraph.ops.grad_util import reduce_gradient_args
from flowgraph.framework import shape_fns
from flowgraph.ops.math_common import FLOAT, REAL_FLOAT, typed, unary_op

_F32_64 = frozenset((dtypes.float32, dtypes.float64))

_PUBLIC = ["lgamma", "digamma", "polygamma", "zeta", "igamma", "igammac", "betainc",
           "lbeta", "log_sigmoid", "atan2", "accumulate_n"]
_MATH_ONLY = ["erfinv", "ndtri", "bessel_i0e", "bessel_i1e", "xlogy", "xdivy", "xlog1py",
              "bessel_i0", "bessel_i1", "erfcinv", "multiply_no_nan", "reciprocal_no_nan",
              "nextafter", "polyval", "reduce_euclidean_norm"]
__all__ = list(_PUBLIC)
__namespaces__ = {"math": _PUBLIC + _MATH_ONLY}


def _cast_back(fn):
    """A kernel running `fn` in float64 and returning the first input's dtype."""
    def kernel(xp, *args):
        return fn(xp, *args).astype(args[0].dtype, copy=False)
    return kernel


def _mul(a, b):
    return apply_op("Mul", [a, b])


def _c(value, like):
    return convert_to_tensor(value, dtype=like.dtype.base_dtype)


# -- unary ---------------------------------------------------------------------------------
def _lgamma_grad(op, g):
    return [_mul(g, digamma(op.inputs[0]))]


def _digamma_grad(op, g):
    x = op.inputs[0]
    return [_mul(g, polygamma(_c(1, x), x))]


def _erfinv_grad(op, g):
    y = op.outputs[0]
    k = _c(math.sqrt(math.pi) / 2, y)
    return [_mul(g, _mul(k, apply_op("Exp", [apply_op("Square", [y])])))]


def _ndtri_grad(op, g):
    y = op.outputs[0]
    k = _c(math.sqrt(2 * math.pi), y)
    half = apply_op("Mul", [apply_op("Square", [y]), _c(0.5, y)])
    return [_mul(g, _mul(k, apply_op("Exp", [half])))]


def _i0e_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    d = apply_op("Sub", [bessel_i1e(x), _mul(apply_op("Sign", [x]), y)])
    return [_mul(g, d)]


def _i1e_grad(op, g):
    # d/dx i1e = i0e(x) - i1e(x) (sign(x) + 1/x), which tends to 1/2 at 0.
    from flowgraph.ops import array_ops, reduction_ops
    x, y = op.inputs[0], op.outputs[0]
    eps = _c(np.finfo(x.dtype.as_numpy_dtype).eps, x)
    not_tiny = apply_op("Greater", [apply_op("Abs", [x]), eps])
    safe = reduction_ops.where(not_tiny, x, apply_op("Add", [eps, array_ops.zeros_like(x)]))
    d = apply_op("Sub", [bessel_i0e(safe), _mul(y, apply_op("Add", [
        apply_op("Sign", [safe]), apply_op("Reciprocal", [safe])]))])
    d = reduction_ops.where(not_tiny, d, apply_op("Add", [_c(0.5, x),
                                                           array_ops.zeros_like(x)]))
    return [_mul(g, d)]


def _i0_grad(op, g):
    return [_mul(g, bessel_i1(op.inputs[0]))]


def _i1_grad(op, g):
    # d/dx I1 = I0(x) - I1(x) / x, which tends to 1/2 at 0.
    from flowgraph.ops import array_ops, reduction_ops
    x, y = op.inputs[0], op.outputs[0]
    eps = _c(np.finfo(x.dtype.as_numpy_dtype).eps, x)
    not_tiny = apply_op("Greater", [apply_op("Abs", [x]), eps])
    safe = reduction_ops.where(not_tiny, x, apply_op("Add", [eps, array_ops.zeros_like(x)]))
    d = apply_op("Sub", [bessel_i0(safe), apply_op("RealDiv", [y, safe])])
    d = reduction_ops.where(not_tiny, d, apply_op("Add", [_c(0.5, x),
                                                           array_ops.zeros_like(x)]))
    return [_mul(g, d)]


def _unscaled(fn):
    def kernel(xp, x):
        x64 = K._f64(xp, x)
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(xp, x64) * xp.exp(xp.abs(x64))
    return kernel


for _t, _fn, _doc, _g in [
        ("BesselI0", _unscaled(K.bessel_i0e), "I0(x), the modified Bessel function of "
         "order 0.", _i0_grad),
        ("BesselI1", _unscaled(K.bessel_i1e), "I1(x), the modified Bessel function of "
         "order 1.", _i1_grad),
        ("Lgamma", K.lgamma, "log |Gamma(x)| elementwise.", _lgamma_grad),
        ("Digamma", K.digamma, "The digamma function psi(x), derivative of lgamma.",
         _digamma_grad),
        ("Erfinv", K.erfinv, "The inverse error function elementwise.", _erfinv_grad),
        ("Ndtri", K.ndtri, "The inverse of the standard normal CDF elementwise.",
         _ndtri_grad),
        ("BesselI0e", K.bessel_i0e, "exp(-|x|) I0(x), the scaled modified Bessel function "
         "of order 0.", _i0e_grad),
        ("BesselI1e", K.bessel_i1e, "exp(-|x|) I1(x), the scaled modified Bessel function "
         "of order 1.", _i1e_grad)]:
    unary_op(_t, _cast_back(_fn), _doc, REAL_FLOAT, _g)


# -- binary --------------------------------------------------------------------------------
def _pair(op, ga, gb):
    a, b = op.inputs
    return list(reduce_gradient_args(a, b, ga, gb))


def _polygamma_grad(op, g):
    a, x = op.inputs
    return _pair(op, None, _mul(g, polygamma(apply_op("AddV2", [a, _c(1, a)]), x)))


def _zeta_grad(op, g):
    x, q = op.inputs
    d = _mul(apply_op("Neg", [x]), zeta(apply_op("AddV2", [x, _c(1, x)]), q))
    return _pair(op, None, _mul(g, d))


def _igamma_dx(a, x):
    """d/dx P(a, x) = exp(-x + (a - 1) log x - lgamma(a))."""
    t = apply_op("Sub", [_mul(apply_op("Sub", [a, _c(1, a)]), apply_op("Log", [x])),
                         apply_op("AddV2", [x, lgamma(a)])])
    return apply_op("Exp", [t])


def _igamma_grad(sign):
    def grad(op, g):
        a, x = op.inputs
        da = apply_op("IgammaGradA", [a, x])
        dx = _igamma_dx(a, x)
        if sign < 0:
            da, dx = apply_op("Neg", [da]), apply_op("Neg", [dx])
        return _pair(op, _mul(g, da), _mul(g, dx))
    return grad


def _atan2_grad(op, g):
    y, x = op.inputs
    inv = apply_op("Reciprocal", [apply_op("AddV2", [apply_op("Square", [x]),
                                                     apply_op("Square", [y])])])
    gi = _mul(g, inv)
    return _pair(op, _mul(gi, x), _mul(apply_op("Neg", [gi]), y))


def _not_zero(x):
    return apply_op("Cast", [apply_op("NotEqual", [x, _c(0, x)])],
                    {"DstT": x.dtype.base_dtype})


def _xlogy_grad(op, g):
    x, y = op.inputs
    return _pair(op, _mul(g, xlogy(_not_zero(x), y)), _mul(g, xdivy(x, y)))


def _xdivy_grad(op, g):
    x, y = op.inputs
    return _pair(op, _mul(g, xdivy(_not_zero(x), y)),
                 _mul(g, xdivy(apply_op("Neg", [x]), apply_op("Square", [y]))))


def _xlog1py_grad(op, g):
    x, y = op.inputs
    return _pair(op, _mul(g, xlog1py(_not_zero(x), y)),
                 _mul(g, xdivy(x, apply_op("AddV2", [y, _c(1, y)]))))


def _where0(xp, x, v):
    return xp.where(x == 0, xp.zeros((), v.dtype), v)


def _xlogy(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _where0(xp, x, x * xp.log(y)).astype(x.dtype, copy=False)


def _xdivy(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _where0(xp, x, x / y).astype(x.dtype, copy=False)


def _xlog1py(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _where0(xp, x, x * xp.log1p(y)).astype(x.dtype, copy=False)


def _mul_no_nan(xp, x, y):
    with np.errstate(invalid="ignore"):
        return xp.where(y == 0, xp.zeros((), x.dtype), x * y).astype(x.dtype, copy=False)


def _mul_no_nan_grad(op, g):
    x, y = op.inputs
    return _pair(op, multiply_no_nan(g, y), multiply_no_nan(x, g))


def _nextafter(xp, x1, x2):
    return xp.nextafter(x1, x2)


def _atan2(xp, y, x):
    return xp.arctan2(y, x).astype(y.dtype, copy=False)


def _binary(op_type, names, kernel, doc, allowed, grad):
    """A broadcasting binary op with TF's input names (binary_op names them x, y)."""
    body = {"__doc__": doc, "shape": staticmethod(typed(shape_fns.broadcast, allowed)),
            "kernel": staticmethod(kernel),
            "grad": grad if isinstance(grad, str) else staticmethod(grad)}
    return defop(op_type, inputs=tuple(f"{n}: T" for n in names),
                 outputs=("z: T",))(type(op_type, (), body))


for _t, _ins, _k, _allowed, _g, _doc in [
        ("Polygamma", ("a", "x"), _cast_back(K.polygamma), _F32_64, _polygamma_grad,
         "The polygamma function psi^(a)(x), a a non-negative integer."),
        ("Zeta", ("x", "q"), _cast_back(K.zeta), _F32_64, _zeta_grad,
         "The Hurwitz zeta function sum_k (k + q)^-x."),
        ("Igamma", ("a", "x"), _cast_back(K.igamma), REAL_FLOAT, _igamma_grad(1),
         "The regularized lower incomplete gamma function P(a, x)."),
        ("Igammac", ("a", "x"), _cast_back(lambda xp, a, x: K.igamma(xp, a, x, upper=True)),
         REAL_FLOAT,
         _igamma_grad(-1), "The regularized upper incomplete gamma function Q(a, x)."),
        ("IgammaGradA", ("a", "x"), _cast_back(K.igamma_grad_a), _F32_64, NOT_DIFFERENTIABLE,
         "The derivative of Igamma(a, x) with respect to a."),
        ("Atan2", ("y", "x"), _atan2, REAL_FLOAT, _atan2_grad,
         "arctan(y / x) in the right quadrant."),
        ("Xlogy", ("x", "y"), _xlogy, FLOAT, _xlogy_grad, "x * log(y), 0 where x is 0."),
        ("Xdivy", ("x", "y"), _xdivy, FLOAT, _xdivy_grad, "x / y, 0 where x is 0."),
        ("Xlog1py", ("x", "y"), _xlog1py, FLOAT, _xlog1py_grad, "x * log1p(y), 0 where x is 0."),
        ("MulNoNan", ("x", "y"), _mul_no_nan, FLOAT, _mul_no_nan_grad,
         "x * y, 0 where y is 0 (even if x is inf or nan)."),
        ("NextAfter", ("x1", "x2"), _nextafter, _F32_64, NOT_DIFFERENTIABLE,
         "The next representable value of x1 in the direction of x2.")]:
    _binary(_t, _ins, _k, _doc, _allowed, _g)


@defop("Betainc", inputs=("a: T", "b: T", "x: T"), outputs=("z: T",))
class Betainc:
    """The regularized incomplete beta function I_x(a, b)."""
    def shape(op):
        a, b, x = (t.shape for t in op.inputs)
        out = a
        for s in (b, x):
            if out.ndims == 0:
                out = s
            elif s.ndims != 0:
                if not out.is_compatible_with(s):
                    raise ValueError(f"Shapes of a, b and x must be equal or scalars, "
                                     f"got {a}, {b}, {x}")
                out = out.merge_with(s)
        return typed(lambda _: out, _F32_64)(op)

    def kernel(xp, a, b, x):
        return K.betainc(xp, a, b, x).astype(a.dtype, copy=False)

    def grad(op, g):
        from flowgraph.ops import array_ops
        a, b, x = op.inputs
        one = _c(1, a)
        log_beta = apply_op("Sub", [apply_op("AddV2", [lgamma(a), lgamma(b)]),
                                    lgamma(apply_op("AddV2", [a, b]))])
        t = apply_op("AddV2", [
            _mul(apply_op("Sub", [b, one]), apply_op("Log1p", [apply_op("Neg", [x])])),
            _mul(apply_op("Sub", [a, one]), apply_op("Log", [x]))])
        dx = apply_op("Exp", [apply_op("Sub", [t, log_beta])])
        gx = _mul(g, dx)
        if x.shape.ndims == 0:
            from flowgraph.ops import reduction_ops
            gx = reduction_ops.reduce_sum(gx)
        return [None, None, array_ops.reshape(gx, array_ops.shape(x))]


# -- EuclideanNorm --------------------------------------------------------------------------
def _euclidean_norm(xp, input, reduction_indices, keep_dims, op_name):
    from flowgraph.ops.math_common import kernel_axes
    axes = kernel_axes(reduction_indices, input.ndim, op_name)
    if input.dtype.kind in "iu":  # as TF: the square root of the integer sum, truncated
        sq = xp.sum(input * input, axis=axes, keepdims=keep_dims, dtype=input.dtype)
        return xp.sqrt(sq.astype(np.float64)).astype(input.dtype)
    mag = xp.abs(input)
    return xp.sqrt(xp.sum(mag * mag, axis=axes, keepdims=keep_dims)).astype(input.dtype)


def _euclidean_norm_grad(op, g):
    # d|x| / dx = x / |x| (nan where the norm is 0, as TF), broadcast like a Sum's gradient
    from flowgraph.ops import reduction_ops
    y = apply_op("Reshape", [op.outputs[0], apply_op("Shape", [g])])
    scaled = apply_op("RealDiv", [g, y])
    return [_mul(op.inputs[0], reduction_ops._broadcast_back(op, scaled)), None]


def _register_euclidean_norm():
    from flowgraph.ops.math_common import NUMERIC
    from flowgraph.ops.reduction_ops import _reduction_op
    _reduction_op("EuclideanNorm", _euclidean_norm, NUMERIC, _euclidean_norm_grad,
                  "Computes the euclidean norm over the given axes.")


_register_euclidean_norm()


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=None, name=None,
                          reduction_indices=None, keep_dims=None):
    """Computes the Euclidean norm of elements across dimensions of a tensor."""
    from flowgraph.ops.reduction_ops import _reduce
    return _reduce("EuclideanNorm", input_tensor, axis, keepdims, name, reduction_indices,
                   keep_dims)


# -- public builders -----------------------------------------------------------------------
def _u(op_type):
    def fn(x, name=None):
        return apply_op(op_type, [x], name=name)
    fn.__name__ = fn.__qualname__ = op_type.lower()
    return fn


lgamma, digamma, erfinv, ndtri = (_u(t) for t in ("Lgamma", "Digamma", "Erfinv", "Ndtri"))


def bessel_i0(x, name=None):
    """Computes the modified Bessel function of order 0, I0(x), elementwise."""
    with name_scope(name, "bessel_i0", [x]):
        return apply_op("BesselI0", [x])


def bessel_i1(x, name=None):
    """Computes the modified Bessel function of order 1, I1(x), elementwise."""
    with name_scope(name, "bessel_i1", [x]):
        return apply_op("BesselI1", [x])


def erfcinv(x, name=None):
    """The inverse of erfc: -ndtri(x / 2) / sqrt(2)."""
    with name_scope(name, "erfcinv", [x]):
        x = convert_to_tensor(x, name="start")
        y = apply_op("Neg", [ndtri(apply_op("Mul", [_c(0.5, x), x]))])
        return apply_op("Mul", [y, _c(math.sqrt(0.5), x)])


def multiply_no_nan(x, y, name=None):
    """x * y, but 0 where y is 0 even if x is nan or inf."""
    with name_scope(name, "multiply_no_nan", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        return apply_op("MulNoNan", [x, y], name=scope)


def reciprocal_no_nan(x, name=None):
    """1 / x, but 0 where x is 0."""
    with name_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return apply_op("DivNoNan", [_c(1, x), x], name=scope)


def nextafter(x1, x2, name=None):
    """The next representable value of `x1` in the direction of `x2`, elementwise."""
    return apply_op("NextAfter", [x1, x2], name=name)


def polyval(coeffs, x, name=None):
    """The polynomial sum(coeffs[i] * x ** (n - 1 - i)) by Horner's rule."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type found {type(coeffs)}.")
    with name_scope(name, "polyval", list(coeffs) + [x]):
        x = convert_to_tensor(x, name="x")
        if not coeffs:
            from flowgraph.ops.creation_ops import zeros_like
            return zeros_like(x, name=name)
        coeffs = [convert_to_tensor(c, name=f"coeff_{i}", dtype=x.dtype.base_dtype)
                  for i, c in enumerate(coeffs)]
        p = coeffs[0]
        for c in coeffs[1:]:
            p = apply_op("AddV2", [c, apply_op("Mul", [p, x])])
        return p
bessel_i0e, bessel_i1e = _u("BesselI0e"), _u("BesselI1e")
lgamma.__doc__ = "Computes the log of the absolute value of Gamma(x) elementwise."
digamma.__doc__ = "Computes psi(x), the derivative of lgamma, elementwise."
erfinv.__doc__ = "Computes the inverse error function of x elementwise."
ndtri.__doc__ = "Computes the inverse of the standard normal CDF elementwise."
bessel_i0e.__doc__ = "Computes exp(-|x|) * I0(x) elementwise."
bessel_i1e.__doc__ = "Computes exp(-|x|) * I1(x) elementwise."


def polygamma(a, x, name=None):
    """Computes the polygamma function psi^(a)(x)."""
    return apply_op("Polygamma", [a, x], name=name)


def zeta(x, q, name=None):
    """Computes the Hurwitz zeta function."""
    return apply_op("Zeta", [x, q], name=name)


def igamma(a, x, name=None):
    """Computes the regularized lower incomplete gamma function P(a, x)."""
    return apply_op("Igamma", [a, x], name=name)


def igammac(a, x, name=None):
    """Computes the regularized upper incomplete gamma function Q(a, x)."""
    return apply_op("Igammac", [a, x], name=name)


def betainc(a, b, x, name=None):
    """Computes the regularized incomplete beta integral I_x(a, b)."""
    return apply_op("Betainc", [a, b, x], name=name)


def atan2(y, x, name=None):
    """Computes arctan(y / x) elementwise, respecting the signs of both."""
    return apply_op("Atan2", [y, x], name=name)


def xlogy(x, y, name=None):
    """Returns 0 if x == 0, and x * log(y) otherwise, elementwise."""
    with name_scope(name, "xlogy", [x]):
        return apply_op("Xlogy", [x, y])


def xdivy(x, y, name=None):
    """Returns 0 if x == 0, and x / y otherwise, elementwise."""
    with name_scope(name, "xdivy", [x]):
        return apply_op("Xdivy", [x, y])


def xlog1py(x, y, name=None):
    """Returns 0 if x == 0, and x * log1p(y) otherwise, elementwise."""
    with name_scope(name, "xlog1py", [x]):
        return apply_op("Xlog1py", [x, y])


def lbeta(x, name=None):
    """log(|Beta(x)|) over the last dimension: sum(lgamma(x)) - lgamma(sum(x))."""
    from flowgraph.ops import reduction_ops
    with name_scope(name, "lbeta", [x]):
        x = convert_to_tensor(x, name="x")
        log_prod = reduction_ops.reduce_sum(lgamma(x), axis=[-1])
        log_sum = lgamma(reduction_ops.reduce_sum(x, axis=[-1]))
        return apply_op("Sub", [log_prod, log_sum])


def log_sigmoid(x, name=None):
    """Computes log(sigmoid(x)) = -softplus(-x), stably."""
    with name_scope(name, "LogSigmoid", [x]):
        x = convert_to_tensor(x, name="x")
        return apply_op("Neg", [apply_op("Softplus", [apply_op("Neg", [x])])])


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Returns the elementwise sum of a list of tensors (as `add_n`)."""
    from flowgraph.framework import tensor_shape
    from flowgraph.framework.graph import Tensor
    from flowgraph.ops import core, math_ops

    def bad():
        return ValueError("inputs must be a list of at least one Tensor with the same "
                          "dtype and shape")
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise bad()
    inputs = [convert_to_tensor(x) for x in inputs]
    if not all(isinstance(x, Tensor) for x in inputs) or \
            any(x.dtype != inputs[0].dtype for x in inputs):
        raise bad()
    shape = tensor_shape.as_shape(shape) if shape is not None else \
        tensor_shape.unknown_shape()
    for x in inputs:
        shape = shape.merge_with(x.shape)
    if tensor_dtype is not None and dtypes.as_dtype(tensor_dtype) != inputs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is {tensor_dtype}, but `input` is of "
                        f"type {inputs[0].dtype}. These must be equal. Try casting the "
                        "input to the desired type.")
    if len(inputs) == 1:
        return inputs[0] if name is None else core.identity(inputs[0], name=name)
    return math_ops.add_n(inputs, name=name)
