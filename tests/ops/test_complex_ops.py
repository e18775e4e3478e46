"""Complex numbers: the Complex/Real/Imag/Angle/ComplexAbs kernels and complex inputs to the
elementwise math, reductions and matrix products, against numpy; gradients checked
numerically in the real coordinates (re, im) of each complex input; dtype errors."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

R = np.random.RandomState(11)


def _c(*shape, dtype=np.complex128):
    return (R.uniform(-1, 1, shape) + 1j * R.uniform(-1, 1, shape)).astype(dtype)


def _f(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, shape)


Z23, Z3, Z34, Z233 = _c(2, 3), _c(3), _c(3, 4), _c(2, 3, 3)
Z23_64 = _c(2, 3, dtype=np.complex64)
RE, IM, IM3 = _f(2, 3), _f(2, 3), _f(3)


def _parts(z):
    """A complex result as two real outputs (the harness sums weighted real outputs)."""
    return [tf.real(z), tf.imag(z)]


def _np_parts(z):
    return [np.real(z), np.imag(z)]


def _zc(re, im):
    return tf.complex(re, im)


# (name, builder on complex tensors, numpy reference, grad?)
_UNARY = [
    ("Neg", tf.negative, np.negative), ("Square", tf.square, np.square),
    ("Exp", tf.exp, np.exp), ("Log", tf.log, np.log), ("Sqrt", tf.sqrt, np.sqrt),
    ("Rsqrt", tf.rsqrt, lambda z: 1 / np.sqrt(z)), ("Sin", tf.sin, np.sin),
    ("Cos", tf.cos, np.cos), ("Tanh", tf.tanh, np.tanh),
    ("Reciprocal", tf.reciprocal, np.reciprocal), ("Conj", tf.conj, np.conj),
    ("Sigmoid", tf.sigmoid, lambda z: 1 / (1 + np.exp(-z))),
    ("DivNoNan", tf.sign, lambda z: z / np.abs(z)),
]
_BINARY = [
    ("AddV2", tf.add, np.add), ("Sub", tf.subtract, np.subtract),
    ("Mul", tf.multiply, np.multiply), ("RealDiv", tf.truediv, np.true_divide),
    ("Pow", tf.pow, np.power), ("SquaredDifference", tf.squared_difference,
                                lambda a, b: (a - b) * np.conj(a - b)),
]

CASES = [
    Case("Complex", tf.complex, [RE, IM3], ref=lambda a, b: a + 1j * b),
    Case("Complex", lambda a, b: tf.complex(a, b), [RE.astype(np.float32),
                                                    IM.astype(np.float32)],
         ref=lambda a, b: (a + 1j * b).astype(np.complex64), grad=False,
         name="Complex[float32]"),
    Case("Complex", lambda a, b: tf.abs(tf.complex(a, b) * tf.complex(a, a)), [RE, IM3],
         ref=lambda a, b: np.abs((a + 1j * b) * (a + 1j * a)), name="Complex[grad]"),
    Case("Real", tf.real, [Z23], ref=np.real, grad=False),
    Case("Imag", tf.imag, [Z23_64], ref=np.imag, grad=False),
    Case("Angle", tf.angle, [Z23], ref=np.angle, grad=False),
    Case("ComplexAbs", tf.abs, [Z23_64], ref=np.abs, grad=False),
    Case("Real", lambda a, b: tf.real(_zc(a, b) * _zc(b, a)), [RE, IM],
         ref=lambda a, b: np.real((a + 1j * b) * (b + 1j * a)), name="Real[grad]"),
    Case("Imag", lambda a, b: tf.imag(_zc(a, b) * _zc(b, a)), [RE, IM],
         ref=lambda a, b: np.imag((a + 1j * b) * (b + 1j * a)), name="Imag[grad]"),
    Case("Angle", lambda a, b: tf.angle(_zc(a, b)), [RE, IM],
         ref=lambda a, b: np.angle(a + 1j * b), name="Angle[grad]"),
    Case("ComplexAbs", lambda a, b: tf.abs(_zc(a, b)), [RE, IM],
         ref=lambda a, b: np.abs(a + 1j * b), name="ComplexAbs[grad]"),
]
for _name, _fn, _ref in _UNARY:
    CASES.append(Case(_name, _fn, [Z23], ref=_ref, grad=False, name=f"{_name}[complex]"))
    CASES.append(Case(_name, lambda a, b, fn=_fn: _parts(fn(_zc(a, b))),
                      [_f(2, 3, lo=0.3, hi=1.0), IM],
                      ref=lambda a, b, r=_ref: _np_parts(r(a + 1j * b)),
                      name=f"{_name}[complex-grad]"))
for _name, _fn, _ref in _BINARY:
    # |x - y|^2 is real: TF's gradient (as ours) is right for its real part only.
    _out = (lambda z: tf.real(z)) if _name == "SquaredDifference" else _parts
    _np_out = np.real if _name == "SquaredDifference" else _np_parts
    CASES.append(Case(_name, _fn, [Z23, Z3], ref=_ref, grad=False, name=f"{_name}[complex]"))
    CASES.append(Case(_name, lambda a, b, c, d, fn=_fn, o=_out: o(fn(_zc(a, b), _zc(c, d))),
                      [_f(2, 3, lo=0.3, hi=1.0), IM, _f(3, lo=0.3, hi=1.0), IM3],
                      ref=lambda a, b, c, d, r=_ref, o=_np_out: o(r(a + 1j * b, c + 1j * d)),
                      name=f"{_name}[complex-grad]"))
CASES += [
    Case("Sum", lambda z: tf.reduce_sum(z, 1), [Z23], ref=lambda z: z.sum(1), grad=False,
         name="Sum[complex]"),
    Case("Mean", lambda z: tf.reduce_mean(z, 0), [Z23_64], ref=lambda z: z.mean(0),
         grad=False, name="Mean[complex]"),
    Case("Prod", lambda z: tf.reduce_prod(z, 1), [Z23], ref=lambda z: z.prod(1),
         grad=False, name="Prod[complex]"),
    Case("Prod", lambda a, b: _parts(tf.reduce_prod(_zc(a, b), 1)), [RE, IM],
         ref=lambda a, b: _np_parts((a + 1j * b).prod(1)), name="Prod[complex-grad]"),
    Case("Mean", lambda a, b: _parts(tf.reduce_mean(_zc(a, b), 0)), [RE, IM],
         ref=lambda a, b: _np_parts((a + 1j * b).mean(0)), name="Mean[complex-grad]"),
    Case("MatMul", lambda a, b: tf.matmul(a, b, adjoint_a=True), [Z23, Z23],
         ref=lambda a, b: a.conj().T @ b, grad=False, name="MatMul[adjoint_a]"),
    Case("MatMul", lambda a, b: tf.matmul(a, b, adjoint_b=True), [Z34, Z34],
         ref=lambda a, b: a @ b.conj().T, grad=False, name="MatMul[adjoint_b]"),
    Case("MatMul", lambda a, b, c, d: _parts(tf.matmul(_zc(a, b), _zc(c, d))),
         [RE, IM, _f(3, 4), _f(3, 4)],
         ref=lambda a, b, c, d: _np_parts((a + 1j * b) @ (c + 1j * d)),
         name="MatMul[complex-grad]"),
    Case("MatMul", lambda a, b: _parts(tf.matmul(_zc(a, b), _zc(b, a), transpose_b=True)),
         [RE, IM], ref=lambda a, b: _np_parts((a + 1j * b) @ (b + 1j * a).T),
         name="MatMul[complex-grad-transpose_b]"),
    Case("BatchMatMulV2", lambda a, b: tf.matmul(a, b, adjoint_b=True), [Z233, Z233],
         ref=lambda a, b: a @ np.conj(np.swapaxes(b, -1, -2)), grad=False,
         name="BatchMatMulV2[adjoint_b]"),
    Case("BatchMatMulV2", lambda a, b: _parts(tf.matmul(_zc(a, b), _zc(b, a), adjoint_a=True)),
         [_f(2, 3, 3), _f(2, 3, 3)],
         ref=lambda a, b: _np_parts(np.conj(np.swapaxes(a + 1j * b, -1, -2)) @ (b + 1j * a)),
         name="BatchMatMulV2[complex-grad]"),
    Case("ConjugateTranspose", lambda z: tf.transpose(z, conjugate=True), [Z23],
         ref=lambda z: z.conj().T, grad=False, name="ConjugateTranspose[transpose]"),
    Case("ConjugateTranspose", tf.linalg.adjoint, [Z233],
         ref=lambda z: np.conj(np.swapaxes(z, -1, -2)), grad=False,
         name="ConjugateTranspose[adjoint]"),
    Case("ConjugateTranspose", lambda a, b: _parts(tf.linalg.adjoint(_zc(a, b))), [RE, IM],
         ref=lambda a, b: _np_parts((a - 1j * b).T), name="ConjugateTranspose[grad]"),
    Case("Cast", lambda z: tf.cast(z, tf.float32), [Z23], ref=lambda z: z.real.astype(
        np.float32), grad=False, name="Cast[complex->float]"),
    Case("Cast", lambda a: tf.cast(a, tf.complex64), [RE], ref=lambda a: a.astype(
        np.complex64), grad=False, name="Cast[float->complex]"),
    Case("Cast", lambda a, b: tf.cast(_zc(a, b) * _zc(b, a), tf.float64), [RE, IM],
         ref=lambda a, b: np.real((a + 1j * b) * (b + 1j * a)), name="Cast[complex-grad]"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(t, feed=None):
    with tf.Session(graph=t.graph) as s:
        return s.run(t, feed)


def test_builders_keep_tf_dtypes():
    with tf.Graph().as_default():
        f32, f64 = tf.constant([1.0]), tf.constant([1.0], tf.float64)
        assert tf.complex(f32, f32).dtype == tf.complex64
        assert tf.complex(f64, f64).dtype == tf.complex128
        z = tf.constant([1 + 2j], tf.complex128)
        for t in (tf.real(z), tf.imag(z), tf.angle(z), tf.abs(z)):
            assert t.dtype == tf.float64
        assert tf.abs(z).op.type == "ComplexAbs"
        assert tf.real(f32) is f32 and tf.conj(f32) is f32
        im = tf.imag(f32)
        assert im.dtype == tf.float32 and _run(im).tolist() == [0.0]
        assert (z + 1.5).dtype == tf.complex128  # Python floats follow the tensor


def test_complex_keeps_infinite_parts():
    with tf.Graph().as_default():
        v = _run(tf.complex(tf.constant([1.0, np.inf]), tf.constant([np.inf, -2.0])))
    assert v[0].real == 1 and v[0].imag == np.inf
    assert v[1].real == np.inf and v[1].imag == -2


def test_static_shapes_broadcast_and_stay_partial():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [None, 3])
        b = tf.placeholder(tf.float32, [3])
        z = tf.complex(a, b)
        assert z.shape.as_list() == [None, 3]
        assert tf.real(z).shape.as_list() == [None, 3]
        assert tf.abs(z).shape.as_list() == [None, 3]
        with pytest.raises(ValueError):
            tf.complex(a, tf.placeholder(tf.float32, [4]))


def test_angle_of_real_input_is_pi_where_negative():
    with tf.Graph().as_default():
        v = _run(tf.angle(tf.constant([-1.0, 0.0, 2.0])))
    np.testing.assert_allclose(v, [np.pi, 0, 0])


def test_gradient_of_complex_abs_at_zero_is_zero():
    with tf.Graph().as_default():
        z = tf.placeholder(tf.complex128, [2])
        g = tf.gradients(tf.abs(z), z)[0]
        v = _run(g, {z: np.array([0j, 3 + 4j])})
    np.testing.assert_allclose(v, [0, 0.6 + 0.8j])


@pytest.mark.parametrize("build", [
    lambda z, x: tf.maximum(z, z), lambda z, x: tf.minimum(z, z), lambda z, x: tf.floor(z),
    lambda z, x: tf.ceil(z), lambda z, x: z < z, lambda z, x: tf.reduce_max(z),
    lambda z, x: tf.argmax(z), lambda z, x: tf.erf(z), lambda z, x: tf.is_nan(z),
    lambda z, x: tf.nn.relu(z), lambda z, x: z % z, lambda z, x: z // z,
    lambda z, x: z + x, lambda z, x: z * x, lambda z, x: tf.matmul(z, x),
    lambda z, x: tf.truediv(z, x), lambda z, x: tf.complex(x, tf.cast(x, tf.float64)),
    lambda z, x: tf.complex(z, z), lambda z, x: tf.complex(1, 2),
    lambda z, x: tf.real(tf.constant("s")), lambda z, x: tf.conj(tf.constant("s")),
], ids=["Maximum", "Minimum", "Floor", "Ceil", "Less", "Max", "ArgMax", "Erf", "IsNan", "Relu",
        "FloorMod", "FloorDiv", "add-float", "mul-float", "matmul-float", "truediv-float",
        "complex-mixed", "complex-of-complex", "complex-of-int", "real-string", "conj-string"])
def test_type_errors_at_build_time(build):
    with tf.Graph().as_default():
        z = tf.placeholder(tf.complex64, [2, 2])
        x = tf.placeholder(tf.float32, [2, 2])
        with pytest.raises(TypeError):
            build(z, x)


def test_div_of_mixed_dtypes_is_a_value_error():
    with tf.Graph().as_default():
        z = tf.placeholder(tf.complex64, [2])
        with pytest.raises(ValueError):
            tf.div(z, tf.placeholder(tf.float32, [2]))
