"""Math ops against real TensorFlow: the same program builds the same graph (op names,
types, attrs, static shapes, dtypes), computes the same values, and has the same
gradients."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()

import flowgraph as fg  # noqa: E402

_ATTRS = ("T", "Tidx", "keep_dims", "transpose_a", "transpose_b", "adj_x", "adj_y", "SrcT",
          "DstT", "Truncate", "exclusive", "reverse", "output_type", "equation", "N",
          "incompatible_shape_error", "grad_a", "grad_b")

R = np.random.RandomState(7)
FEEDS = {
    "a": R.uniform(-2, 2, (2, 3)).astype(np.float32),
    "b": R.uniform(0.5, 2, (3,)).astype(np.float32),
    "i": np.array([[7, -7, 5], [-5, 9, 1]], np.int32),
    "j": np.array([[2, 2, -3], [3, -4, 4]], np.int32),
    "m": R.uniform(-1, 1, (3, 4)).astype(np.float32),
    "t": R.uniform(-1, 1, (2, 3, 4)).astype(np.float32),
    "d": R.uniform(-1, 1, (5,)).astype(np.float64),
}


def _placeholders(tf):
    return {
        "a": tf.placeholder(tf.float32, [2, 3], name="a"),
        "b": tf.placeholder(tf.float32, [3], name="b"),
        "i": tf.placeholder(tf.int32, [None, 3], name="i"),
        "j": tf.placeholder(tf.int32, [2, 3], name="j"),
        "m": tf.placeholder(tf.float32, [3, None], name="m"),
        "t": tf.placeholder(tf.float32, [None, 3, 4], name="t"),
        "d": tf.placeholder(tf.float64, name="d"),
    }


def _program(tf):
    p = _placeholders(tf)
    a, b, i, j, m, t, d = (p[k] for k in "abijmtd")
    outs = [
        a + b, a - b, a * b, a / b, a // b, a % b, a ** 2.0, -a, abs(a), 2.0 * a, 1.0 - a,
        3.0 / a, np.float32(2) * a, a < b, a <= 1.0, a > b, a >= b, i / j, i // j, i % j,
        a @ m, i & j, i | j, ~i, (a > 0) & (a < 1), (a > 0) ^ (a < 1), ~(a > 0),
        tf.add(a, b), tf.subtract(a, b), tf.multiply(a, 3.0), tf.divide(a, b),
        tf.truediv(i, j), tf.div(i, j), tf.div(a, b), tf.floordiv(a, b), tf.mod(i, j),
        tf.floormod(a, b), tf.pow(a, 3.0), tf.maximum(a, b), tf.minimum(a, 0.0),
        tf.squared_difference(a, b), tf.add_n([a, a, a]), tf.equal(i, j),
        tf.not_equal(a, b), tf.logical_and(a > 0, a < 1), tf.logical_or(a > 0, a < 1),
        tf.logical_not(a > 0), tf.logical_xor(a > 0, a < 1), tf.truncatediv(i, j),
        tf.truncatemod(i, j), tf.realdiv(a, b), tf.math.divide_no_nan(a, b - b),
        tf.scalar_mul(2.0, a),
        tf.negative(a), tf.sign(a), tf.square(a), tf.sqrt(b), tf.rsqrt(b), tf.exp(a),
        tf.expm1(a), tf.log(b), tf.log1p(b), tf.sin(a), tf.cos(a), tf.tan(a), tf.tanh(a),
        tf.sigmoid(a), tf.floor(a), tf.ceil(a), tf.round(a * 2), tf.rint(a * 2),
        tf.reciprocal(b), tf.erf(a), tf.erfc(a), tf.is_nan(a), tf.is_inf(a / 0.0),
        tf.is_finite(a), tf.asin(a / 3), tf.acos(a / 3), tf.atan(a), tf.sinh(a), tf.cosh(a),
        tf.asinh(a), tf.acosh(b + 1), tf.atanh(a / 3), tf.abs(i),
        tf.cast(a, tf.int32), tf.cast(i, tf.float64), tf.cast(1.5, tf.int32),
        tf.to_float(i), tf.to_double(a), tf.to_int32(a), tf.to_int64(a),
        tf.saturate_cast(a * 100, tf.int8), tf.saturate_cast(a * 1e3, tf.uint8),
        tf.reduce_sum(a), tf.reduce_sum(a, 1), tf.reduce_sum(t, [0, -1], keepdims=True),
        tf.reduce_sum(i, 0), tf.reduce_mean(t, -1), tf.reduce_mean(i),
        tf.reduce_max(a, 0), tf.reduce_min(t, [1, 2]), tf.reduce_prod(a, 1),
        tf.reduce_any(a > 1), tf.reduce_all(a > -5, 1, keep_dims=True),
        tf.reduce_sum(a, reduction_indices=[0]), tf.reduce_logsumexp(a, 1),
        tf.reduce_logsumexp(t), tf.reduce_sum(d), tf.reduce_mean(d),
        tf.argmax(a, 1), tf.argmin(t, -1), tf.argmax(a, dimension=0, output_type=tf.int32),
        tf.argmax(a), tf.cumsum(a, 1), tf.cumsum(t, 0, exclusive=True, reverse=True),
        tf.cumprod(a, 1, exclusive=True), tf.count_nonzero(i), tf.count_nonzero(a > 0, 1),
        tf.count_nonzero(i, 0, keepdims=True, dtype=tf.int32),
        tf.clip_by_value(a, -0.5, 0.5), tf.where(a > 0), tf.where(a > 0, a, -a),
        tf.where_v2(a > 0, a, 0.0), tf.where_v2(b > 1, a, b),
        tf.matmul(a, m), tf.matmul(a, a, transpose_b=True), tf.matmul(m, m, transpose_a=True),
        tf.matmul(t, t, adjoint_b=True), tf.matmul(t, t, transpose_a=True),
        tf.linalg.matmul(a, m), tf.einsum("ij,jk->ik", a, m), tf.einsum("bij,kj", t, t[0]),
        tf.einsum("...ij->...j", t), tf.einsum("i,i->", b, b),
        tf.tensordot(t, m, [[1], [0]]), tf.tensordot(a, b, 1),
        tf.math.reduce_variance(a, 1), tf.math.reduce_std(a),
    ]
    return p, outs


def _describe(graph, outs):
    """Each non-Const op: (name, type, inputs, attrs), constants shown as "const" (where a
    builder puts its constants' names is the array library's business, not compared)."""
    ops = []
    for op in graph.get_operations():
        if op.type == "Const":
            continue
        attrs = {}
        for k in _ATTRS:
            try:
                v = op.get_attr(k)
            except (ValueError, KeyError, AttributeError):
                continue
            if isinstance(v, bytes):
                v = v.decode()
            attrs[k] = v.name if hasattr(v, "as_numpy_dtype") else v
        ops.append((op.name, op.type, ["const" if x.op.type == "Const" else x.name
                                       for x in op.inputs], attrs))
    tensors = [(t.name, t.dtype.name, t.shape.as_list() if t.shape.ndims is not None
                else None) for t in outs]
    return ops, tensors


def _build(tf):
    g = tf.Graph()
    with g.as_default():
        p, outs = _program(tf)
    return g, p, outs


def test_same_graph_as_tensorflow():
    g_tf, _, outs_tf = _build(tf1)
    g_fg, _, outs_fg = _build(fg)
    ops_tf, tensors_tf = _describe(g_tf, outs_tf)
    ops_fg, tensors_fg = _describe(g_fg, outs_fg)
    # Every output tensor: same name, dtype and static shape.
    for want, got in zip(tensors_tf, tensors_fg):
        assert got == want
    # Every op TF makes: same type, inputs and attrs (by name).
    by_name = {o[0]: o for o in ops_fg}
    mismatched = []
    for name, typ, inputs, attrs in ops_tf:
        got = by_name.get(name)
        if got is None or (typ, inputs, attrs) != got[1:]:
            mismatched.append(((name, typ, inputs, attrs), got))
    assert not mismatched, "\n".join(f"TF: {w}\nFG: {g}" for w, g in mismatched[:80])


def test_same_values_as_tensorflow():
    g_tf, p_tf, outs_tf = _build(tf1)
    g_fg, p_fg, outs_fg = _build(fg)
    with tf1.Session(graph=g_tf) as s:
        want = s.run(outs_tf, {p_tf[k]: v for k, v in FEEDS.items()})
    with fg.Session(graph=g_fg) as s:
        got = s.run(outs_fg, {p_fg[k]: v for k, v in FEEDS.items()})
    for t, w, v in zip(outs_tf, want, got):
        w, v = np.asarray(w), np.asarray(v)
        assert v.dtype == w.dtype, t.name
        assert v.shape == w.shape, t.name
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(v, w, rtol=2e-5, atol=1e-5, err_msg=t.name)
        else:
            np.testing.assert_array_equal(v, w, err_msg=t.name)


def _grad_program(tf):
    x = tf.placeholder(tf.float64, [2, 3], name="x")
    y = tf.placeholder(tf.float64, [3], name="y")
    z = tf.placeholder(tf.float64, [None, 3], name="z")
    w = tf.placeholder(tf.float64, [3, 4], name="w")
    t = tf.placeholder(tf.float64, [2, 3, 4], name="t")
    exprs = [
        x + y, x - y, x * y, x / y, x ** 2, tf.pow(tf.abs(x) + 1, y), tf.maximum(x, y),
        tf.minimum(x, y), tf.squared_difference(x, y), x % y, z * y, z / y, tf.add_n([x, x]),
        tf.abs(x), tf.sign(x), tf.square(x), tf.sqrt(y), tf.rsqrt(y), tf.exp(x),
        tf.expm1(x), tf.log(y), tf.log1p(y), tf.sin(x), tf.cos(x), tf.tan(x / 3),
        tf.tanh(x), tf.sigmoid(x), tf.reciprocal(y), tf.erf(x), tf.erfc(x),
        tf.asin(x / 3), tf.acos(x / 3), tf.atan(x), tf.sinh(x), tf.cosh(x), tf.asinh(x),
        tf.acosh(y + 1), tf.atanh(x / 3), tf.floor(x) + x, tf.cast(x, tf.float32),
        tf.reduce_sum(x, 1), tf.reduce_sum(z, 0, keepdims=True), tf.reduce_mean(t, [0, 2]),
        tf.reduce_mean(z), tf.reduce_max(t, 1), tf.reduce_min(x), tf.reduce_prod(t, [0, 2]),
        tf.reduce_logsumexp(x, 1), tf.cumsum(x, 1, exclusive=True),
        tf.cumprod(t, 2, reverse=True), tf.clip_by_value(x, -0.5, 0.5),
        tf.where(x > 0, x, x * x), tf.where_v2(y > 1, x, y),
        tf.matmul(x, w), tf.matmul(x, x, transpose_b=True), tf.matmul(t, t, adjoint_a=True),
        tf.einsum("ijk,jl->ikl", t, w), tf.einsum("ij,j->i", x, y),
        tf.tensordot(t, w, [[1], [0]]), tf.math.divide_no_nan(x, y),
    ]
    return (x, y, z, w, t), exprs


def test_same_gradients_as_tensorflow():
    rng = np.random.RandomState(3)
    vals = [rng.uniform(-1, 1, (2, 3)), rng.uniform(0.5, 2, (3,)), rng.uniform(-1, 1, (4, 3)),
            rng.uniform(-1, 1, (3, 4)), rng.uniform(0.5, 1.5, (2, 3, 4))]
    results = []
    for tf in (tf1, fg):
        g = tf.Graph()
        with g.as_default():
            xs, exprs = _grad_program(tf)
            grads = []
            for e in exprs:
                gs = tf.gradients(e, list(xs))
                grads.append([gr for gr in gs if gr is not None])
            with tf.Session(graph=g) as s:
                results.append(s.run(grads, dict(zip(xs, vals))))
    for k, (want, got) in enumerate(zip(*results)):
        assert len(want) == len(got), k
        for w, v in zip(want, got):
            np.testing.assert_allclose(np.asarray(v), np.asarray(w), rtol=1e-5, atol=1e-6,
                                       err_msg=f"expression {k}")


_MODULES = ("math_ops.py", "unary_ops.py", "reduction_ops.py", "matmul_ops.py",
            "grad_util.py", "math_common.py")
# Types TF accepts that flowgraph's kernels do not (numpy has no complex floor).
_NARROWER = {"FloorDiv": {"complex64", "complex128"}, "TruncateDiv": {"complex64", "complex128"}}
_TYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
          "uint16", "uint32", "uint64", "complex64", "complex128", "bool", "string"]


def _try_build(op_def, dtype):
    from flowgraph.framework.op_builder import apply_op
    rank = 3 if op_def.name == "BatchMatMulV2" else 2
    g = fg.Graph()
    with g.as_default():
        inputs = []
        for arg in op_def.inputs:
            if arg.type_attr == "T" or arg.type_attr == "SrcT":
                one = fg.placeholder(dtype, [2] * (rank if op_def.name != "BroadcastGradientArgs"
                                                   else 1))
                inputs.append([one, one] if arg.number_attr else one)
            elif arg.type_attr in ("Tidx",):
                inputs.append(0)
            else:
                inputs.append(fg.placeholder(arg.dtype, [2] * rank))
        attrs = {"equation": "ij,ij->ij"} if op_def.name == "Einsum" else \
            {"DstT": fg.float32} if op_def.name == "Cast" else {}
        try:
            apply_op(op_def.name, inputs, attrs)
            return True
        except TypeError as e:
            assert "not in list of allowed values" in str(e), (op_def.name, dtype, e)
            return False


def test_allowed_types_match_tensorflow():
    from tensorflow.python.framework import op_def_registry
    from flowgraph.framework import registry
    mine = [d for d in registry.registered().values() if d.where.split(":")[0] in _MODULES]
    assert len(mine) > 80
    wrong = []
    for d in mine:
        tf_def = op_def_registry.get(d.name)
        allowed = {a.name: a for a in tf_def.attr}.get("T")
        if allowed is None or not allowed.allowed_values.list.type:
            continue
        tf_types = {tf_real.as_dtype(t).name for t in allowed.allowed_values.list.type}
        for name in _TYPES:
            want = name in tf_types and name not in _NARROWER.get(d.name, ())
            if _try_build(d, getattr(fg, name)) != want:
                wrong.append((d.name, name, want))
    assert not wrong, wrong
