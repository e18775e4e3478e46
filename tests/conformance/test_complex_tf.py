"""Complex numbers against real TensorFlow: the same programs build the same ops (types,
attrs, inputs, static shapes), compute the same values and the same gradients (TF's
conjugate convention), and raise the same error classes."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()

import flowgraph as fg  # noqa: E402

R = np.random.RandomState(4)


def _c(*shape):
    return R.uniform(-1, 1, shape) + 1j * R.uniform(-1, 1, shape)


VALUES = {"x": _c(2, 3), "y": _c(3), "m": _c(3, 4), "b": _c(2, 3, 3),
          "f": R.uniform(0.5, 1.5, (2, 3)), "g": R.uniform(0.5, 1.5, (3,))}

# Each: expression of the complex128 placeholders x [2,3], y [3], m [3,4], b [2,3,3] and the
# float64 placeholders f [2,3], g [3].
EXPRS = {
    "add": lambda t, p: p["x"] + p["y"], "sub": lambda t, p: p["x"] - p["y"],
    "mul": lambda t, p: p["x"] * p["y"], "div": lambda t, p: p["x"] / p["y"],
    "neg": lambda t, p: -p["x"], "square": lambda t, p: t.square(p["x"]),
    "exp": lambda t, p: t.exp(p["x"]), "log": lambda t, p: t.log(p["x"]),
    "sqrt": lambda t, p: t.sqrt(p["x"]), "rsqrt": lambda t, p: t.rsqrt(p["x"]),
    "pow": lambda t, p: t.pow(p["x"], p["y"]), "sin": lambda t, p: t.sin(p["x"]),
    "cos": lambda t, p: t.cos(p["x"]), "tanh": lambda t, p: t.tanh(p["x"]),
    "sigmoid": lambda t, p: t.sigmoid(p["x"]), "tan": lambda t, p: t.tan(p["x"]),
    "asin": lambda t, p: t.asin(p["x"]), "acos": lambda t, p: t.acos(p["x"]),
    "atan": lambda t, p: t.atan(p["x"]), "sinh": lambda t, p: t.sinh(p["x"]),
    "cosh": lambda t, p: t.cosh(p["x"]), "asinh": lambda t, p: t.asinh(p["x"]),
    "acosh": lambda t, p: t.acosh(p["x"]), "atanh": lambda t, p: t.atanh(p["x"]),
    "expm1": lambda t, p: t.expm1(p["x"]), "log1p": lambda t, p: t.log1p(p["x"]),
    "cumsum": lambda t, p: t.cumsum(p["x"], 1), "cumprod": lambda t, p: t.cumprod(p["x"], 1),
    "einsum": lambda t, p: t.einsum("ij,jk->ik", p["x"], p["m"]),
    "tensordot": lambda t, p: t.tensordot(p["x"], p["m"], 1),
    "trace": lambda t, p: t.trace(p["b"]),
    "concat_gather": lambda t, p: t.gather(t.concat([p["x"], p["x"] * 2.0], 0), [3, 0]),
    "where": lambda t, p: t.where(t.abs(p["x"]) > 0.5, p["x"], t.conj(p["x"])),
    "reshape_tile": lambda t, p: t.tile(t.reshape(p["x"], [3, 2]), [2, 1]),
    "pad_slice": lambda t, p: t.pad(p["x"], [[1, 0], [0, 2]])[1:, 2:],
    "reciprocal": lambda t, p: t.reciprocal(p["x"]), "sign": lambda t, p: t.sign(p["x"]),
    "reduce_sum": lambda t, p: t.reduce_sum(p["x"], 1),
    "reduce_mean": lambda t, p: t.reduce_mean(p["x"], 0),
    "reduce_prod": lambda t, p: t.reduce_prod(p["x"], 1),
    "matmul": lambda t, p: t.matmul(p["x"], p["m"]),
    "matmul_adjoint_a": lambda t, p: t.matmul(p["x"], p["x"], adjoint_a=True),
    "matmul_transpose_b": lambda t, p: t.matmul(p["x"], p["x"], transpose_b=True),
    "matmul_adjoint_both": lambda t, p: t.matmul(p["m"], p["x"], adjoint_a=True,
                                                 adjoint_b=True),
    "batch_matmul_adjoint_b": lambda t, p: t.matmul(p["b"], p["b"], adjoint_b=True),
    "batch_matmul_transpose_a": lambda t, p: t.matmul(p["b"], p["b"], transpose_a=True),
    "transpose_conjugate": lambda t, p: t.transpose(p["x"], conjugate=True),
    "adjoint": lambda t, p: t.linalg.adjoint(p["b"]), "conj": lambda t, p: t.conj(p["x"]),
    "real": lambda t, p: t.real(p["x"]), "imag": lambda t, p: t.math.imag(p["x"]),
    "angle": lambda t, p: t.angle(p["x"]), "abs": lambda t, p: t.abs(p["x"]),
    "complex": lambda t, p: t.complex(p["f"], p["g"]),
    "cast_to_real": lambda t, p: t.cast(p["x"], t.float64),
    "cast_to_complex": lambda t, p: t.cast(p["f"], t.complex128),
    "squared_difference": lambda t, p: t.squared_difference(p["x"], p["y"]),
    "divide_no_nan": lambda t, p: t.math.divide_no_nan(p["x"], p["y"]),
    "add_n": lambda t, p: t.add_n([p["x"], p["x"] * p["y"]]),
    "ones_like": lambda t, p: p["x"] * t.ones_like(p["x"]),
    "chain": lambda t, p: t.abs(t.exp(p["x"] * t.conj(p["y"])) + t.complex(p["f"], p["f"])),
}


def _placeholders(t):
    p = {k: t.placeholder(t.complex128, VALUES[k].shape, name=k) for k in "xymb"}
    p.update({k: t.placeholder(t.float64, VALUES[k].shape, name=k) for k in "fg"})
    return p


def _run(t, key):
    g = t.Graph()
    with g.as_default():
        p = _placeholders(t)
        e = EXPRS[key](t, p)
        gy = t.placeholder(e.dtype, e.shape)
        names = sorted(p)
        grads = t.gradients(e, [p[k] for k in names], grad_ys=gy)
        which = [k for k, gr in zip(names, grads) if gr is not None]
        rs = np.random.RandomState(1)
        shape = e.shape.as_list()
        gv = rs.uniform(-1, 1, shape)
        if e.dtype.is_complex:
            gv = gv + 1j * rs.uniform(-1, 1, shape)
        with t.Session(graph=g) as s:
            out = s.run([e] + [gr for gr in grads if gr is not None],
                        {**{p[k]: VALUES[k] for k in p}, gy: gv})
    return which, out, e.dtype.name, e.shape.as_list()


@pytest.mark.parametrize("key", sorted(EXPRS))
def test_values_and_gradients_match_tensorflow(key):
    w_which, want, w_dtype, w_shape = _run(tf1, key)
    g_which, got, g_dtype, g_shape = _run(fg, key)
    assert (g_which, g_dtype, g_shape) == (w_which, w_dtype, w_shape)
    for w, v in zip(want, got):
        w, v = np.asarray(w), np.asarray(v)
        assert v.dtype == w.dtype and v.shape == w.shape, key
        np.testing.assert_allclose(v, w, rtol=1e-7, atol=1e-9, err_msg=key)


def test_complex64_values_and_gradients_match_tensorflow():
    results = []
    for t in (tf1, fg):
        g = t.Graph()
        with g.as_default():
            z = t.placeholder(t.complex64, [2, 3])
            w = t.placeholder(t.complex64, [3])
            y = t.reduce_sum(t.abs(t.sqrt(z * w) + t.exp(z) / w)) + t.reduce_mean(t.angle(z))
            grads = t.gradients(y, [z, w])
            with t.Session(graph=g) as s:
                results.append(s.run([y] + grads, {z: VALUES["x"], w: VALUES["y"]}))
    for w, v in zip(*results):
        assert np.asarray(v).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-5)


_ATTRS = ("T", "Tout", "Tcomplex", "Treal", "SrcT", "DstT", "Truncate", "transpose_a",
          "transpose_b", "adj_x", "adj_y", "Tidx", "keep_dims", "Tperm", "Tpaddings",
          "grad_a", "grad_b")


def _graph_program(t):
    x = t.placeholder(t.float32, [2, 3], name="x")
    y = t.placeholder(t.float32, [3], name="y")
    z = t.placeholder(t.complex64, [2, 3], name="z")
    w = t.placeholder(t.complex128, [None, 4], name="w")
    c = t.complex(x, y)
    return [
        c, t.real(z), t.imag(z), t.angle(z), t.abs(z), t.conj(z), t.math.real(x), t.imag(x),
        t.sign(z), t.linalg.adjoint(z), t.transpose(z, conjugate=True),
        t.cast(x, t.complex64), t.cast(z, t.float32), z * c, z / c, z + 1.0, t.exp(z),
        t.matmul(z, z, adjoint_b=True), t.reduce_sum(w, 1), t.reduce_mean(z),
        t.reduce_prod(z, 0), t.abs(w), t.angle(x), t.fft(z), t.ifft2d(z),
        t.signal.fft3d(t.reshape(z, [1, 2, 3])), t.signal.rfft(x), t.signal.rfft(x, [5]),
        t.signal.rfft2d(x), t.signal.irfft(z), t.signal.irfft(z, [6]),
        t.spectral.irfft2d(z), t.signal.rfft(x, [2]), t.signal.irfft(w),
        t.signal.rfft3d(t.reshape(x, [1, 2, 3])), t.spectral.ifft(w), abs(z), z ** 2.0,
        t.math.angle(w), t.cast(w, t.int32), t.to_complex64(x), t.to_complex128(y),
    ]


def _describe(t, build):
    g = t.Graph()
    with g.as_default():
        outs = build(t)
    ops = []
    for op in g.get_operations():
        if op.type == "Const":
            continue
        attrs = {}
        for k in _ATTRS:
            try:
                v = op.get_attr(k)
            except (ValueError, KeyError, AttributeError):
                continue
            attrs[k] = v.name if hasattr(v, "as_numpy_dtype") else v
        ops.append((op.name, op.type, ["const" if i.op.type == "Const" else i.name
                                       for i in op.inputs], attrs))
    tensors = [(o.name, o.dtype.name, o.shape.as_list() if o.shape.ndims is not None
                else None) for o in outs]
    return ops, tensors


def test_same_graph_as_tensorflow():
    ops_tf, tensors_tf = _describe(tf1, _graph_program)
    ops_fg, tensors_fg = _describe(fg, _graph_program)
    assert tensors_fg == tensors_tf
    by_name = {o[0]: o for o in ops_fg}
    bad = [(o, by_name.get(o[0])) for o in ops_tf if by_name.get(o[0]) != o]
    assert not bad, "\n".join(f"TF: {w}\nFG: {g}" for w, g in bad[:40])


def test_graph_def_imports_into_tensorflow_and_runs():
    g = fg.Graph()
    with g.as_default():
        z = fg.placeholder(fg.complex64, [2, 3], name="z")
        out = fg.identity(fg.abs(fg.signal.rfft(fg.real(fg.fft(z)) * fg.imag(z))), name="out")
        with fg.Session() as s:
            want = s.run(out, {z: VALUES["x"]})
    gd = tf1.GraphDef.FromString(g.as_graph_def().SerializeToString())
    tg = tf1.Graph()
    with tg.as_default():
        tf1.import_graph_def(gd, name="")
        types = {op.type for op in tg.get_operations()}
        assert {"FFT", "RFFT", "Real", "Imag", "ComplexAbs"} <= types
        with tf1.Session(graph=tg) as s:
            got = s.run("out:0", {"z:0": VALUES["x"]})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


ERRORS = {
    "add_float": lambda t, z, x, d: z + x, "maximum": lambda t, z, x, d: t.maximum(z, z),
    "minimum": lambda t, z, x, d: t.minimum(z, z), "floor": lambda t, z, x, d: t.floor(z),
    "less": lambda t, z, x, d: z < z, "mod": lambda t, z, x, d: z % z,
    "complex_mixed": lambda t, z, x, d: t.complex(x, d),
    "complex_int": lambda t, z, x, d: t.complex(1, 2),
    "complex_of_complex": lambda t, z, x, d: t.complex(z, z),
    "rfft_complex": lambda t, z, x, d: t.signal.rfft(z),
    "irfft_real": lambda t, z, x, d: t.signal.irfft(x),
    "fft_real": lambda t, z, x, d: t.signal.fft(x),
    "fft_scalar": lambda t, z, x, d: t.signal.fft(z[0, 0]),
    "real_string": lambda t, z, x, d: t.real(t.constant("a")),
    "conj_string": lambda t, z, x, d: t.conj(t.constant("a")),
    "matmul_mixed": lambda t, z, x, d: t.matmul(z, x),
    "reduce_max": lambda t, z, x, d: t.reduce_max(z), "argmax": lambda t, z, x, d: t.argmax(z),
    "erf": lambda t, z, x, d: t.erf(z), "relu": lambda t, z, x, d: t.nn.relu(z),
    "is_nan": lambda t, z, x, d: t.is_nan(z), "rint": lambda t, z, x, d: t.rint(z),
    "div_mixed": lambda t, z, x, d: t.div(z, x),
    "truediv_mixed": lambda t, z, x, d: t.truediv(z, x),
    "dct_ortho_type1": lambda t, z, x, d: t.signal.dct(x, 1, norm="ortho"),
    "dct_axis": lambda t, z, x, d: t.signal.dct(x, axis=0),
}


def _error(t, key):
    g = t.Graph()
    with g.as_default():
        z = t.placeholder(t.complex64, [2, 3])
        x = t.placeholder(t.float32, [2, 3])
        d = t.placeholder(t.float64, [2, 3])
        try:
            ERRORS[key](t, z, x, d)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e).__name__
    return None


@pytest.mark.parametrize("key", sorted(ERRORS))
def test_same_build_errors_as_tensorflow(key):
    want = _error(tf1, key)
    assert want is not None
    assert _error(fg, key) == want


_TYPES = ["float16", "float32", "float64", "int32", "int64", "uint8", "complex64",
          "complex128", "bool", "string"]
_MY_OPS = {"Complex": 0, "Real": 0, "Imag": 0, "Angle": 0, "ComplexAbs": 0, "FFT": 0,
           "IFFT": 0, "FFT2D": 0, "IFFT2D": 0, "FFT3D": 0, "IFFT3D": 0, "RFFT": 1,
           "IRFFT": 1, "RFFT2D": 2, "IRFFT2D": 2, "RFFT3D": 3, "IRFFT3D": 3}


def _builds(op_type, fft_rank, dtype):
    from flowgraph.framework.op_builder import apply_op
    from flowgraph.framework import registry
    d = registry.get(op_type)
    with fg.Graph().as_default():
        x = fg.placeholder(dtype, [2, 2, 2])
        inputs = [x] * len(d.inputs) if not fft_rank else [x, [2] * fft_rank]
        try:
            apply_op(op_type, inputs)
            return True
        except TypeError as e:
            assert "not in list of allowed values" in str(e), (op_type, dtype, e)
            return False


@pytest.mark.parametrize("op_type", sorted(_MY_OPS))
def test_allowed_input_types_match_tensorflow(op_type):
    from tensorflow.python.framework import op_def_registry
    tf_def = op_def_registry.get(op_type)
    attr = {a.name: a for a in tf_def.attr}[tf_def.input_arg[0].type_attr]
    tf_types = {tf_real.as_dtype(t).name for t in attr.allowed_values.list.type}
    got = {n for n in _TYPES if _builds(op_type, _MY_OPS[op_type], getattr(fg, n))}
    assert got == tf_types & set(_TYPES)


SECOND_ORDER = {
    "sqrt": lambda t, z: t.sqrt(z), "rsqrt": lambda t, z: t.rsqrt(z),
    "tanh": lambda t, z: t.tanh(z), "sigmoid": lambda t, z: t.sigmoid(z),
    "reciprocal": lambda t, z: t.reciprocal(z), "exp": lambda t, z: t.exp(z),
    "cube": lambda t, z: z * z * z, "div": lambda t, z: 1.0 / (z + 2.0),
    "fft": lambda t, z: t.signal.fft(z * z),
    "abs_angle": lambda t, z: t.complex(t.abs(z), t.angle(z)),
}


def _second_order(t, key):
    g = t.Graph()
    with g.as_default():
        z = t.placeholder(t.complex128, [2, 3])
        y = t.reduce_sum(t.abs(SECOND_ORDER[key](t, z)) ** 2)
        gz = t.gradients(y, z)[0]
        gg = t.gradients(t.reduce_sum(t.real(gz * t.conj(gz))), z)[0]
        with t.Session(graph=g) as s:
            return s.run([gz, gg], {z: VALUES["x"]})


@pytest.mark.parametrize("key", sorted(SECOND_ORDER))
def test_second_order_gradients_match_tensorflow(key):
    for w, v in zip(_second_order(tf1, key), _second_order(fg, key)):
        np.testing.assert_allclose(v, w, rtol=1e-8, atol=1e-9, err_msg=key)
