"""Complex numbers: `Complex` (real, imag -> z), its parts `Real`, `Imag`, `Angle`, the
modulus `ComplexAbs`, and the builders `tf.complex`, `tf.real`, `tf.imag`, `tf.angle`,
`tf.linalg.adjoint`. Gradients follow TF's convention: the gradient of a real loss L with
respect to z = x + iy is dL/dx + i dL/dy."""
import numpy as np

from flowgraph.framework import dtypes, shape_fns
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.ops.grad_util import reduce_gradient_args
from flowgraph.ops.math_common import check_type, COMPLEX

__all__ = ["complex", "real", "imag", "angle", "to_complex64", "to_complex128"]
__namespaces__ = {"math": ["complex", "real", "imag", "angle"],
                  "linalg": ["adjoint"]}

_PARTS = frozenset((dtypes.float32, dtypes.float64))
_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}


def _zero(like):
    return convert_to_tensor(0, dtype=like.dtype.base_dtype)


@defop("Complex", inputs=("real: T", "imag: T"), outputs=("out: Tout",),
       attrs={"T": dtypes.float32, "Tout": dtypes.complex64})
class Complex:
    """`real + 1j * imag` elementwise (the two parts broadcast)."""
    def shape(op):
        check_type(op, _PARTS, arg="real")
        check_type(op, COMPLEX, attr="Tout", arg="out")
        return shape_fns.broadcast(op)

    def kernel(xp, real, imag, Tout):
        # Part by part (not real + 1j * imag, which turns an infinite imag into NaN + inf j).
        out = xp.empty(np.broadcast_shapes(real.shape, imag.shape), dtype=Tout)
        out.real[...] = real
        out.imag[...] = imag
        return out

    def grad(op, grad):
        x, y = op.inputs
        return list(reduce_gradient_args(x, y, real(grad), imag(grad)))


def _part_op(op_type, fn, doc, grad):
    def shape(op):
        check_type(op, COMPLEX, arg="input")
        return op.inputs[0].shape
    cls = type(op_type, (), {"__doc__": doc, "shape": staticmethod(shape),
                             "kernel": staticmethod(fn), "grad": staticmethod(grad)})
    defop(op_type, inputs=("input: T",), outputs=("output: Tout",),
          attrs={"T": dtypes.complex64, "Tout": dtypes.float32})(cls)


def _real_grad(op, grad):
    return [complex(grad, _zero(grad))]


def _imag_grad(op, grad):
    return [complex(_zero(grad), grad)]


def _angle_grad(op, grad):
    # d angle(x) as TF: -grad / (Im(x) + i Re(x)).
    from flowgraph.ops import unary_ops
    x = op.inputs[0]
    z = unary_ops.reciprocal(complex(imag(x), real(x)))
    return [unary_ops.negative(complex(grad, _zero(grad))) * z]


_part_op("Real", lambda xp, input, Tout: xp.real(input).astype(Tout, copy=False),
         "The real part of each element.", _real_grad)
_part_op("Imag", lambda xp, input, Tout: xp.imag(input).astype(Tout, copy=False),
         "The imaginary part of each element.", _imag_grad)
_part_op("Angle", lambda xp, input, Tout: xp.angle(input).astype(Tout, copy=False),
         "The argument (phase, in (-pi, pi]) of each element.", _angle_grad)


@defop("ComplexAbs", inputs=("x: T",), outputs=("y: Tout",),
       attrs={"T": dtypes.complex64, "Tout": dtypes.float32})
class ComplexAbs:
    """The modulus |x| of each complex element (a real tensor)."""
    def shape(op):
        check_type(op, COMPLEX)
        return op.inputs[0].shape

    def kernel(xp, x, Tout):
        return xp.abs(x).astype(Tout, copy=False)

    def grad(op, grad):
        # As TF: grad * x / |x|, and 0 where x is 0.
        from flowgraph.ops import math_ops
        from flowgraph.ops.array_ops import zeros_like
        y = op.outputs[0]
        return [math_ops.div_no_nan(complex(grad, zeros_like(grad)) * op.inputs[0],
                                    complex(y, zeros_like(y)))]


# -- builders ------------------------------------------------------------------------------
def complex(real, imag, name=None):  # noqa: A001 (TF's name)
    """Builds `real + 1j * imag` from two float32 (complex64) or float64 (complex128)
    tensors."""
    with name_scope(name, "Complex", [real, imag]) as name:
        real = convert_to_tensor(real, name="real")
        imag = convert_to_tensor(imag, name="imag")
        rt, it = real.dtype.base_dtype, imag.dtype.base_dtype
        if rt != it or rt not in _COMPLEX_OF:
            raise TypeError(f"The `real` and `imag` components have incorrect types: "
                            f"{rt.name} {it.name}")
        return apply_op("Complex", [real, imag], {"Tout": _COMPLEX_OF[rt]}, name=name)


def real(input, name=None):
    """The real part of a complex tensor (a real numeric tensor is returned as is)."""
    with name_scope(name, "Real", [input]) as name:
        input = convert_to_tensor(input, name="input")
        dt = input.dtype.base_dtype
        if dt.is_complex:
            return apply_op("Real", [input], {"Tout": dt.real_dtype}, name=name)
        if not (dt.is_floating or dt.is_integer):
            raise TypeError("input must be a numeric tensor, but got tensor with dtype "
                            f"{dt.name}")
        return input


def imag(input, name=None):
    """The imaginary part of a complex tensor (zeros for a real tensor)."""
    from flowgraph.ops.array_ops import zeros_like
    with name_scope(name, "Imag", [input]) as name:
        input = convert_to_tensor(input, name="input")
        dt = input.dtype.base_dtype
        if dt.is_complex:
            return apply_op("Imag", [input], {"Tout": dt.real_dtype}, name=name)
        return zeros_like(input)


def angle(input, name=None):
    """The element-wise argument of a complex tensor (pi where a real input is negative,
    else 0)."""
    from flowgraph.ops import array_ops, reduction_ops, math_ops
    with name_scope(name, "Angle", [input]) as name:
        input = convert_to_tensor(input, name="input")
        dt = input.dtype.base_dtype
        if dt.is_complex:
            return apply_op("Angle", [input], {"Tout": dt.real_dtype}, name=name)
        return reduction_ops.where(math_ops.less(input, _zero(input)),
                                   np.pi * array_ops.ones_like(input),
                                   array_ops.zeros_like(input))


def complex_abs(x, name=None):
    """|x| for a complex tensor x: the `ComplexAbs` op (a real tensor)."""
    return apply_op("ComplexAbs", [x], {"Tout": x.dtype.base_dtype.real_dtype}, name=name)


def adjoint(x, name=None):
    """The conjugate transpose of the innermost two dimensions of x."""
    from flowgraph.ops.array_ops import transpose
    with name_scope(name, "adjoint", [x]):
        x = convert_to_tensor(x, name="x")
        # TF's matrix_transpose scope, with its `transpose` op inside it.
        with name_scope(None, "matrix_transpose", [x]):
            n = x.shape.ndims
            if n is None or n < 2:
                raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  "
                                 f"Received `a` = {x} with shape: {x.shape}")
            return transpose(x, list(range(n - 2)) + [n - 1, n - 2], conjugate=True)


def to_complex64(x, name="ToComplex64"):
    """Casts a tensor to complex64."""
    from flowgraph.ops.unary_ops import cast
    return cast(x, dtypes.complex64, name=name)


def to_complex128(x, name="ToComplex128"):
    """Casts a tensor to complex128."""
    from flowgraph.ops.unary_ops import cast
    return cast(x, dtypes.complex128, name=name)
