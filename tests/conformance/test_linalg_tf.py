"""tf.linalg decompositions, solvers and composites against real TensorFlow: same op types
and attrs, static shapes and dtypes, values and gradients. Where TF's result carries an
arbitrary sign (eigenvectors, singular vectors) sign-invariant quantities are compared, as
TF's own tests do (v * v, u @ v^H)."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1
tf1.disable_v2_behavior()

import flowgraph as fg  # noqa: E402


@pytest.fixture(autouse=True)
def _tf1_control_flow():
    """TF builds its composites' conds as TF1 does (v1 control flow, visible ops) here,
    whatever modules that ran before left switched on."""
    cf2 = tf1.control_flow_v2_enabled()
    tf1.disable_control_flow_v2()
    yield
    if cf2:
        tf1.enable_control_flow_v2()

_OPS = {"Cholesky", "MatrixDeterminant", "LogMatrixDeterminant", "MatrixSolve",
        "MatrixSolveLs", "SelfAdjointEigV2", "Svd", "MatrixSquareRoot", "Cross",
        "TridiagonalSolve", "TridiagonalMatMul", "MatrixTriangularSolve", "MatrixInverse",
        "Lu", "Qr"}
_ATTRS = ("T", "adjoint", "lower", "fast", "compute_v", "compute_uv", "full_matrices",
          "partial_pivoting", "perturb_singular", "output_idx_type")

R = np.random.RandomState(11)
GEN = R.uniform(-1, 1, (2, 3, 3))
SQ = R.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
NEG = SQ * np.array([1.0, -1.0])[:, None, None]
TALL = R.uniform(-1, 1, (2, 4, 3))
B = R.uniform(-1, 1, (2, 3, 2))
B4 = R.uniform(-1, 1, (2, 4, 2))
V3, W3 = R.uniform(-1, 1, (4, 3)), R.uniform(-1, 1, (4, 3))
DIAGS = R.uniform(-1, 1, (2, 3, 5)) + np.array([0.0, 4.0, 0.0])[:, None]
RHS5 = R.uniform(-1, 1, (2, 5, 2))
SPD = GEN @ np.swapaxes(GEN, -1, -2) + 2 * np.eye(3)
FEEDS = dict(gen=GEN, sq=SQ, neg=NEG, tall=TALL, b=B, b4=B4, v3=V3, w3=W3, diags=DIAGS,
             rhs5=RHS5, spd=SPD)


def _program(tf, dtype):
    p = {k: tf.placeholder(dtype, v.shape, name=k) for k, v in FEEDS.items()}
    gen, sq, neg, tall, b, b4, spd = (p[k] for k in ("gen", "sq", "neg", "tall", "b", "b4",
                                                     "spd"))
    wide = tf.linalg.matrix_transpose(tall)
    eye = np.eye(3)

    def sym_pd(x):
        return tf.matmul(x, x, transpose_b=True) + 2.0 * eye

    def eigh(x):
        e, v = tf.self_adjoint_eig(x)
        return [e, v * v]

    def svd(x, **kw):
        s, u, v = tf.svd(x, **kw)
        return [s, u * u, tf.matmul(u, v, adjoint_b=True)]

    def svd_full(x):
        s, u, v = tf.svd(x, full_matrices=True)
        u, v = u[..., :3], v[..., :3]
        return [s, u * u, v * v, tf.matmul(u, v, adjoint_b=True)]

    def solve_ls_op(a, b):  # the MatrixSolveLs op itself, fast=True
        if tf is fg:
            from flowgraph.ops.linalg_decomp_ops import matrix_solve_ls_op
            return matrix_solve_ls_op(a, b, 0.25, fast=True)
        return tf_real.raw_ops.MatrixSolveLs(matrix=a, rhs=b, l2_regularizer=np.float64(0.25),
                                             fast=True)

    exprs = {
        "solve_ls_op_tall": [solve_ls_op(tall, b4)],
        "solve_ls_op_wide": [solve_ls_op(wide, b)],
        "cholesky": [tf.cholesky(spd)],
        "cholesky_composed": [tf.linalg.cholesky(sym_pd(gen))],
        "det": [tf.matrix_determinant(neg)],
        "slogdet": list(tf.linalg.slogdet(neg)),
        "solve": [tf.matrix_solve(sq, b)],
        "solve_adjoint": [tf.linalg.solve(sq, b, adjoint=True)],
        "solve_ls_tall": [tf.matrix_solve_ls(tall, b4)],
        "solve_ls_wide_l2": [tf.linalg.lstsq(wide, b, l2_regularizer=0.3)],
        "eigh": eigh(gen),
        "eigh_spd": eigh(spd),
        "eigvalsh": [tf.linalg.eigvalsh(gen)],
        "svd_tall": svd(tall),
        "svd_wide": svd(wide),
        "svd_square_full": svd(gen, full_matrices=True),
        "svd_full_one_more_row": svd_full(tall),
        "svd_full_one_more_column": svd_full(wide),
        "svd_values": [tf.svd(tall, compute_uv=False)],
        "sqrtm": [tf.linalg.sqrtm(spd)],
        "sqrtm_nonsymmetric": [tf.matrix_square_root(sq)],
        "expm": [tf.linalg.expm(gen)],
        "expm_squarings": [tf.linalg.expm(4.0 * gen)],
        "logdet": [tf.linalg.logdet(spd)],
        "cholesky_solve": [tf.cholesky_solve(tf.cholesky(spd), b)],
        "inv": [tf.linalg.inv(sq)],
        "qr_deep": list(tf.qr(tall)),
        "qr_wide": list(tf.linalg.qr(wide)),
        "qr_square_full": list(tf.qr(gen, full_matrices=True)),
        "cross": [tf.cross(p["v3"], p["w3"])],
        "tridiagonal_solve": [tf.linalg.tridiagonal_solve(p["diags"], p["rhs5"])],
        "tridiagonal_matmul": [tf.linalg.tridiagonal_matmul(p["diags"], p["rhs5"])],
        "pinv": [tf.linalg.pinv(tall)],
        "matvec": [tf.linalg.matvec(tall, p["v3"][:2])],
        "norm": [tf.norm(tall)],
        "norm_fro": [tf.linalg.norm(tall, "fro", axis=(1, 2))],
        "norm_1": [tf.norm(tall, 1, axis=[-2, -1], keepdims=True)],
        "norm_inf": [tf.norm(tall, np.inf, axis=(1, 2))],
        "norm_2": [tf.norm(tall, 2, axis=(1, 2))],
        "norm_2_t": [tf.norm(tall, 2, axis=(2, 0), keep_dims=True)],
        "norm_vec_1": [tf.norm(tall, 1, axis=1)],
        "norm_vec_inf": [tf.norm(tall, np.inf, axis=-1)],
        "norm_vec_3": [tf.norm(tall, 3, axis=0, keepdims=True)],
        "normalize": list(tf.linalg.normalize(tall, axis=-1)),
        "l2_normalize": [tf.linalg.l2_normalize(tall, axis=1)],
        "trace": [tf.linalg.trace(gen)],
        "adjoint": [tf.linalg.adjoint(tall)],
    }
    return p, exprs


def _value_extras(tf, p):
    """Outputs TF cannot differentiate (it has no gradient for Lu; flowgraph has one,
    checked numerically in tests/ops/test_linalg_decomp.py)."""
    lu_sq = tf.linalg.lu(p["sq"])
    return {"lu": list(lu_sq),
            "lu_reconstruct": [tf.linalg.lu_reconstruct(*tf.linalg.lu(p["gen"]))],
            "lu_solve": [tf.linalg.lu_solve(*lu_sq, p["b"])],
            "lu_matrix_inverse": [tf.linalg.lu_matrix_inverse(*lu_sq)],
            "solve_ls_min_norm": [tf.matrix_solve_ls(tf.linalg.matrix_transpose(p["tall"]),
                                                     p["b"], fast=False)],
            "matrix_rank": [tf.linalg.matrix_rank(p["tall"]),
                            tf.linalg.matrix_rank(tf.concat([p["tall"], p["tall"]], -1))],
            "lu_perm": [tf.linalg.lu(p["gen"])[1],
                        tf.linalg.lu(p["sq"], output_idx_type=tf.int64)[1]]}


def _build(tf, dtype):
    g = tf.Graph()
    with g.as_default():
        p, exprs = _program(tf, dtype)
        exprs.update(_value_extras(tf, p))
    return g, p, exprs


def _linalg_nodes(graph):
    out = []
    for op in graph.get_operations():
        if op.type not in _OPS:
            continue
        attrs = {}
        for k in _ATTRS:
            try:
                v = op.get_attr(k)
            except (ValueError, KeyError, AttributeError):
                continue
            attrs[k] = v.name if hasattr(v, "as_numpy_dtype") else v
        out.append((op.type, attrs, len(op.inputs),
                    [(t.dtype.name, t.shape.as_list() if t.shape.ndims is not None else None)
                     for t in op.outputs]))
    return out


def _refines(got, want):
    """`got` equals `want` where TF knows a dimension (TF's norm(ord=2) over a pair of axes
    transposes with a computed permutation and loses static shapes we keep)."""
    if want is None:
        return True
    return got is not None and len(got) == len(want) and \
        all(w is None or g == w for g, w in zip(got, want))


def test_same_ops_attrs_and_shapes_as_tensorflow():
    g_tf, _, e_tf = _build(tf1, tf1.float32)
    g_fg, _, e_fg = _build(fg, fg.float32)
    nodes_tf, nodes_fg = _linalg_nodes(g_tf), _linalg_nodes(g_fg)
    assert [n[:3] for n in nodes_fg] == [n[:3] for n in nodes_tf]
    for w, g in zip(nodes_tf, nodes_fg):
        assert [d for d, _ in g[3]] == [d for d, _ in w[3]]
        assert all(_refines(gs, ws) for (_, gs), (_, ws) in zip(g[3], w[3])), (w, g)
    for k in e_tf:
        for w, g in zip(e_tf[k], e_fg[k]):
            assert g.dtype.name == w.dtype.name, k
            assert _refines(g.shape.as_list(), w.shape.as_list() if w.shape.ndims is not None
                            else None), (k, g.shape, w.shape)


def test_graph_def_imports_into_tensorflow():
    g_fg, _, _ = _build(fg, fg.float32)
    gd = g_fg.as_graph_def().SerializeToString()
    g = tf_real.Graph()
    with g.as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(gd), name="")
    types = {op.type for op in g.get_operations()}
    assert {"Cholesky", "Svd", "SelfAdjointEigV2", "MatrixSolveLs", "TridiagonalSolve",
            "MatrixSquareRoot", "Cross", "LogMatrixDeterminant"} <= types


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_values_as_tensorflow(dtype):
    results = []
    for tf in (tf1, fg):
        g, p, exprs = _build(tf, getattr(tf, dtype))
        feed = {p[k]: v.astype(dtype) for k, v in FEEDS.items()}
        with tf.Session(graph=g) as s:
            results.append(s.run(exprs, feed))
    want, got = results
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-10)
    for k in want:
        for w, v in zip(want[k], got[k]):
            w, v = np.asarray(w), np.asarray(v)
            assert v.dtype == w.dtype and v.shape == w.shape, k
            np.testing.assert_allclose(v, w, err_msg=k, **tol)


def test_same_gradients_as_tensorflow():
    results = []
    for tf in (tf1, fg):
        g = tf.Graph()
        with g.as_default():
            p, exprs = _program(tf, tf.float64)
            wrt = list(p.values())
            grads = {}
            for k, outs in exprs.items():
                # A fixed nonlinear scalar of every output (some static shapes are unknown
                # to TF, so no weight arrays).
                y = tf.add_n([tf.reduce_sum(tf.sin(3.0 * o + i)) for i, o in enumerate(outs)])
                grads[k] = {n: gr for n, gr in zip(p, tf.gradients(y, wrt))
                            if gr is not None}
            with tf.Session(graph=g) as s:
                feed = {p[k]: v for k, v in FEEDS.items()}
                results.append(s.run(grads, feed))
    want, got = results
    for k in want:
        assert sorted(got[k]) == sorted(want[k]), k
        for n, w in want[k].items():
            v = got[k][n]
            np.testing.assert_allclose(v, w, rtol=1e-6, atol=1e-8, err_msg=f"{k} d/d{n}")


@pytest.mark.parametrize("kw", [
    dict(ord="fro", axis=1), dict(ord="fro"), dict(ord=0.5, axis=1), dict(ord=3, axis=(1, 2)),
    dict(ord=-1), dict(ord=0), dict(ord="nuc", axis=(1, 2)), dict(axis=(1, 1)),
    dict(axis=(0, 1, 2)), dict(ord=2, axis=[1]), dict(ord=True),
    dict(ord="fro", axis=(0, 2), keepdims=True)], ids=str)
def test_norm_arguments_as_tensorflow(kw):
    x = R.uniform(-1, 1, (2, 3, 4))
    results = []
    for tf in (tf1, fg):
        try:
            with tf.Graph().as_default():
                y = tf.norm(tf.constant(x), **kw)
                with tf.Session() as s:
                    results.append(s.run(y))
        except ValueError:
            results.append(ValueError)
    want, got = results
    if want is ValueError:
        assert got is ValueError
    else:
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_same_second_derivatives_as_tensorflow():
    results = []
    for tf in (tf1, fg):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, SQ.shape)
            outs = [tf.matrix_determinant(x), tf.matrix_solve(x, B), tf.linalg.logdet(
                tf.matmul(x, x, transpose_b=True)), tf.self_adjoint_eigvals(x),
                tf.svd(x, compute_uv=False), tf.linalg.inv(x)]
            second = []
            for o in outs:
                dx, = tf.gradients(tf.reduce_sum(tf.sin(o)), x)
                second.append(tf.gradients(tf.reduce_sum(tf.sin(dx)), x)[0])
            with tf.Session(graph=g) as s:
                results.append(s.run(second, {x: SQ}))
    for k, (w, v) in enumerate(zip(*results)):
        np.testing.assert_allclose(v, w, rtol=1e-6, atol=1e-8, err_msg=str(k))
