"""Decompositions, solvers and linalg composites against numpy, with numeric gradients and
static shape rules on partial and batch shapes."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.ops.linalg_decomp_ops import matrix_solve_ls_op
from tests.optest import Case, run_case

rng = np.random.RandomState(7)
TALL = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
WIDE = np.swapaxes(TALL, -1, -2).copy()
SQ = (rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
NEG = SQ * np.array([1, -1], np.float32)[:, None, None]  # second matrix: det < 0
GEN = rng.uniform(-1, 1, (2, 3, 3)).astype(np.float32)
B = rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32)
B4 = rng.uniform(-1, 1, (2, 4, 2)).astype(np.float32)
V3 = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
W3 = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
DIAGS = rng.uniform(-1, 1, (2, 3, 5)).astype(np.float32)
DIAGS[:, 1] += 4  # diagonally dominant
RHS5 = rng.uniform(-1, 1, (2, 5, 2)).astype(np.float32)
EYE3 = np.eye(3, dtype=np.float32)


def _spd(x):
    return tf.matmul(x, x, transpose_b=True) + 3.0 * EYE3


def _np_spd(x):
    return x @ np.swapaxes(x, -1, -2) + 3 * EYE3


def _f64(fn):
    return lambda *xs: fn(*[x.astype(np.float64) for x in xs]).astype(xs[0].dtype)


def _eigh(x):
    e, v = tf.linalg.eigh(x)
    return [e, v * v]  # invariant under the arbitrary sign of each eigenvector


def _np_eigh(x):
    e, v = np.linalg.eigh(x.astype(np.float64))
    return [e.astype(x.dtype), (v * v).astype(x.dtype)]


def _svd(x):
    s, u, v = tf.linalg.svd(x)
    return [s, u * u, tf.matmul(u, v, adjoint_b=True)]  # sign-invariant


def _svd_full(x):
    s, u, v = tf.linalg.svd(x, full_matrices=True)
    k = min(x.shape.as_list()[-2:])
    u, v = u[..., :k], v[..., :k]
    return [s, u * u, tf.matmul(u, v, adjoint_b=True)]


def _np_svd(x):
    u, s, vh = np.linalg.svd(x.astype(np.float64), full_matrices=False)
    return [a.astype(x.dtype) for a in (s, u * u, u @ vh)]


def _dense_tridiag(d):
    m = d.shape[-1]
    out = np.zeros(d.shape[:-2] + (m, m), d.dtype)
    for i in range(m):
        out[..., i, i] = d[..., 1, i]
        if i + 1 < m:
            out[..., i, i + 1] = d[..., 0, i]
            out[..., i + 1, i] = d[..., 2, i + 1]
    return out


def _np_expm(a):
    """Taylor series after scaling, then squaring, in float64."""
    a = a.astype(np.float64)
    k = 6
    x = a / 2 ** k
    out, term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy(), None
    term = out.copy()
    for i in range(1, 30):
        term = term @ x / i
        out = out + term
    for _ in range(k):
        out = out @ out
    return out


def _lstsq(a, b, l2=0.0):
    a, b = a.astype(np.float64), b.astype(np.float64)
    m, n = a.shape[-2:]
    at = np.swapaxes(a, -1, -2)
    if m >= n:
        return np.linalg.solve(at @ a + l2 * np.eye(n), at @ b)
    return at @ np.linalg.solve(a @ at + l2 * np.eye(m), b)


CASES = [
    Case("Cholesky", lambda x: tf.cholesky(_spd(x)), [GEN],
         ref=lambda x: np.linalg.cholesky(_np_spd(x)), rtol=1e-4, atol=1e-5),
    Case("MatrixDeterminant", tf.matrix_determinant, [NEG], ref=np.linalg.det, rtol=1e-4),
    Case("LogMatrixDeterminant", lambda x: list(tf.linalg.slogdet(x)), [NEG],
         ref=lambda x: list(np.linalg.slogdet(x)), rtol=1e-4, atol=1e-5),
    Case("MatrixSolve", tf.matrix_solve, [SQ, B], ref=np.linalg.solve, rtol=1e-4, atol=1e-5),
    Case("MatrixSolve", lambda a, b: tf.matrix_solve(a, b, adjoint=True), [SQ, B],
         ref=lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2), b), rtol=1e-4, atol=1e-5,
         name="matrix_solve_adjoint"),
    Case("MatrixSolveLs", lambda a, b: matrix_solve_ls_op(a, b, 0.5, fast=True), [TALL, B4],
         ref=_f64(lambda a, b: _lstsq(a, b, 0.5)), rtol=1e-4, atol=1e-5,
         name="solve_ls_op_tall"),
    Case("MatrixSolveLs", lambda a, b: matrix_solve_ls_op(a, b, 0.5, fast=True), [WIDE, B],
         ref=_f64(lambda a, b: _lstsq(a, b, 0.5)), rtol=1e-4, atol=1e-5,
         name="solve_ls_op_wide"),
    Case("MatrixSolveLs", lambda a, b: tf.matrix_solve_ls(a, b, fast=False), [WIDE, B],
         ref=_f64(lambda a, b: np.linalg.pinv(a) @ b), rtol=1e-4, atol=1e-5, grad=False,
         name="solve_ls_min_norm"),
    Case("Cholesky", lambda a, b: tf.linalg.lstsq(a, b), [TALL, B4],
         ref=_f64(_lstsq), rtol=1e-3, atol=1e-4, name="lstsq_tall"),
    Case("Cholesky", lambda a, b: tf.matrix_solve_ls(a, b, l2_regularizer=0.1), [WIDE, B],
         ref=_f64(lambda a, b: _lstsq(a, b, 0.1)), rtol=1e-3, atol=1e-4,
         name="lstsq_wide_l2"),
    Case("SelfAdjointEigV2", _eigh, [GEN], ref=_np_eigh, rtol=1e-4, atol=1e-5),
    Case("SelfAdjointEigV2", tf.self_adjoint_eigvals, [GEN],
         ref=_f64(np.linalg.eigvalsh), rtol=1e-4, atol=1e-5, name="eigvalsh"),
    Case("Svd", _svd, [TALL], ref=_np_svd, rtol=1e-4, atol=1e-5, name="svd_tall"),
    Case("Svd", _svd, [WIDE], ref=_np_svd, rtol=1e-4, atol=1e-5, name="svd_wide"),
    Case("Svd", _svd_full, [TALL], ref=_np_svd, rtol=1e-4, atol=1e-5, name="svd_full_tall"),
    Case("Svd", _svd_full, [WIDE], ref=_np_svd, rtol=1e-4, atol=1e-5, name="svd_full_wide"),
    Case("Svd", lambda x: tf.svd(x, compute_uv=False), [WIDE],
         ref=_f64(lambda x: np.linalg.svd(x, compute_uv=False)), rtol=1e-4, atol=1e-5,
         name="svd_values"),
    Case("MatrixSquareRoot", lambda x: tf.linalg.sqrtm(_spd(x)), [GEN],
         ref=_f64(lambda x: (lambda e, v: v @ (np.sqrt(e)[..., None] *
                                                np.swapaxes(v, -1, -2)))(
                                                    *np.linalg.eigh(_np_spd(x)))),
         rtol=1e-4, atol=1e-5),
    Case("MatrixSquareRoot", lambda x: tf.matmul(tf.matrix_square_root(x),
                                                 tf.matrix_square_root(x)), [SQ],
         ref=lambda x: x, rtol=1e-4, atol=1e-5, name="sqrtm_nonsymmetric"),
    Case("Cross", tf.cross, [V3, W3], ref=np.cross),
    Case("TridiagonalSolve", tf.linalg.tridiagonal_solve, [DIAGS, RHS5],
         ref=_f64(lambda d, r: np.linalg.solve(_dense_tridiag(d), r)), rtol=1e-4, atol=1e-5),
    Case("TridiagonalSolve", lambda d, r: tf.linalg.tridiagonal_solve(
        tf.unstack(d, axis=-2), r, diagonals_format="sequence"), [DIAGS, RHS5],
         ref=_f64(lambda d, r: np.linalg.solve(_dense_tridiag(d), r)), rtol=1e-4,
         atol=1e-5, name="tridiagonal_solve_sequence"),
    Case("TridiagonalMatMul", tf.linalg.tridiagonal_matmul, [DIAGS, RHS5],
         ref=lambda d, r: _dense_tridiag(d).astype(np.float32) @ r, rtol=1e-5),
    # Composites
    Case("Cholesky", lambda x: tf.linalg.logdet(_spd(x)), [GEN],
         ref=_f64(lambda x: np.linalg.slogdet(_np_spd(x))[1]), rtol=1e-4, name="logdet"),
    Case("MatrixTriangularSolve", lambda x, b: tf.cholesky_solve(tf.cholesky(_spd(x)), b),
         [GEN, B], ref=_f64(lambda x, b: np.linalg.solve(_np_spd(x), b)), rtol=1e-4,
         atol=1e-5, name="cholesky_solve"),
    Case("MatrixSolve", tf.linalg.expm, [GEN], ref=_f64(_np_expm), rtol=1e-4, atol=1e-5,
         name="expm"),
    Case("MatrixSolve", lambda x: tf.linalg.expm(4.0 * x), [GEN],
         ref=_f64(lambda x: _np_expm(4 * x)), rtol=1e-4, atol=1e-4, name="expm_squarings"),
    Case("Svd", tf.linalg.pinv, [TALL], ref=_f64(np.linalg.pinv), rtol=1e-4, atol=1e-5,
         name="pinv"),
    Case("MatMul", tf.linalg.matvec, [TALL, V3[:, 0]],
         ref=lambda a, b: np.einsum("bij,bj->bi", a, b), name="matvec"),
]


NORMS = [
    (dict(), lambda x: np.sqrt((x * x).sum())),
    (dict(ord="fro", axis=(-2, -1)), lambda x: np.linalg.norm(x, "fro", axis=(-2, -1))),
    (dict(ord=1, axis=[1, 2]), lambda x: np.linalg.norm(x, 1, axis=(1, 2))),
    (dict(ord=np.inf, axis=(1, 2)), lambda x: np.linalg.norm(x, np.inf, axis=(1, 2))),
    (dict(ord=2, axis=(-1, -2)), lambda x: np.linalg.norm(x, 2, axis=(-1, -2))),
    (dict(ord=2, axis=(0, 2), keepdims=True),
     lambda x: np.linalg.norm(x, 2, axis=(0, 2), keepdims=True)),
    (dict(ord=1, axis=1), lambda x: np.linalg.norm(x, 1, axis=1)),
    (dict(ord=np.inf, axis=-1, keepdims=True),
     lambda x: np.linalg.norm(x, np.inf, axis=-1, keepdims=True)),
    (dict(ord=3, axis=0), lambda x: np.linalg.norm(x, 3, axis=0)),
    (dict(ord="euclidean", axis=2, keep_dims=True),
     lambda x: np.linalg.norm(x, axis=2, keepdims=True)),
]
AWAY = np.where(np.abs(TALL) < 0.1, 0.5, TALL)  # no kink of |x| within the step
CASES += [Case("Svd" if kw.get("ord") == 2 and isinstance(kw.get("axis"), tuple) else
               "Sum", lambda x, kw=kw: tf.norm(x, **kw), [AWAY], ref=_f64(ref), rtol=1e-4,
               atol=1e-5, name=f"norm_{i}") for i, (kw, ref) in enumerate(NORMS)]


def test_norm_rejects_bad_ord():
    x = tf.constant(TALL)
    with pytest.raises(ValueError):
        tf.norm(x, ord=3, axis=(1, 2))
    with pytest.raises(ValueError):
        tf.norm(x, ord=-1)
    with pytest.raises(ValueError):
        tf.norm(x, axis=(1, 1))


def test_static_shapes_partial_and_batch():
    ph = tf.placeholder(tf.float32, [None, 5, 3])
    s, u, v = tf.svd(ph)
    assert (s.shape.as_list(), u.shape.as_list(), v.shape.as_list()) == \
        ([None, 3], [None, 5, 3], [None, 3, 3])
    s, u, v = tf.svd(ph, full_matrices=True)
    assert u.shape.as_list() == [None, 5, 5] and v.shape.as_list() == [None, 3, 3]
    s, u, v = tf.svd(tf.placeholder(tf.float32, [None, None, 3]))
    assert (s.shape.as_list(), u.shape.as_list(), v.shape.as_list()) == \
        ([None, None], [None, None, None], [None, 3, None])
    assert tf.svd(ph, compute_uv=False).shape.as_list() == [None, 3]
    sq = tf.placeholder(tf.float32, [7, None, 4])
    e, vec = tf.self_adjoint_eig(sq)
    assert e.shape.as_list() == [7, 4] and vec.shape.as_list() == [7, 4, 4]
    assert tf.self_adjoint_eigvals(sq).op.outputs[1].shape.as_list() == [0]
    assert tf.matrix_determinant(sq).shape.as_list() == [7]
    assert [t.shape.as_list() for t in tf.linalg.slogdet(sq)] == [[7], [7]]
    assert tf.cholesky(sq).shape.as_list() == [7, 4, 4]
    rhs = tf.placeholder(tf.float32, [None, None, 2])
    assert tf.matrix_solve(sq, rhs).shape.as_list() == [7, 4, 2]
    assert tf.matrix_solve_ls(tf.placeholder(tf.float32, [None, 5, 3]), rhs,
                              fast=False).shape.as_list() == [None, 3, 2]
    assert tf.linalg.sqrtm(sq).shape.as_list() == [7, 4, 4]
    assert tf.cross(tf.placeholder(tf.float32, [None, 3]),
                    tf.placeholder(tf.float32, [2, None])).shape.as_list() == [2, 3]
    assert tf.linalg.tridiagonal_solve(tf.placeholder(tf.float32, [None, 3, 6]),
                                       rhs).shape.as_list() == [None, None, 2]
    assert tf.matrix_determinant(tf.placeholder(tf.float32)).shape.ndims is None


def test_shape_errors():
    with pytest.raises(ValueError, match="square"):
        tf.cholesky(tf.constant(TALL))
    with pytest.raises(ValueError):
        tf.matrix_solve(tf.constant(SQ), tf.constant(B4))
    with pytest.raises(ValueError):
        tf.cross(tf.constant(TALL[..., :2]), tf.constant(TALL[..., :2]))


def test_svd_full_matrices_reconstructs():
    s, u, v = tf.svd(tf.constant(TALL), full_matrices=True)
    with tf.Session() as sess:
        s, u, v = sess.run([s, u, v])
    assert u.shape == (2, 4, 4) and v.shape == (2, 3, 3)
    np.testing.assert_allclose(u[..., :3] * s[:, None, :] @ np.swapaxes(v, -1, -2), TALL,
                               atol=1e-5)
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(4), u.shape),
                               atol=1e-5)


def test_matrix_rank_normalize_and_aliases():
    low = np.concatenate([TALL[..., :2], TALL[..., :1] + TALL[..., 1:2]], -1)
    r = tf.linalg.matrix_rank(tf.constant(np.stack([TALL[0], low[1]])))
    n_t, nrm = tf.linalg.normalize(tf.constant(TALL), axis=-1)
    with tf.Session() as sess:
        rv, nv, nn = sess.run([r, n_t, nrm])
    assert r.dtype == tf.int32
    np.testing.assert_array_equal(rv, [3, 2])
    np.testing.assert_allclose(nn, np.linalg.norm(TALL, axis=-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(nv, TALL / nn, rtol=1e-5)
    assert tf.linalg.l2_normalize is not None and tf.linalg.global_norm is tf.global_norm
    assert tf.compat.v1.svd is tf.svd and tf.compat.v1.norm is tf.norm
    assert tf.linalg.inv is tf.matrix_inverse and tf.linalg.det is tf.matrix_determinant


def test_svd_full_gradient_needs_close_sizes():
    x = tf.constant(np.ones((5, 3)))
    _, u, _ = tf.svd(x, full_matrices=True)
    with pytest.raises(NotImplementedError):
        tf.gradients(u, x)


def test_slogdet_and_lu_return_named_tuples():
    x = tf.constant(SQ)
    res = tf.linalg.slogdet(x)
    assert res.sign is res[0] and res.log_abs_determinant is res[1]
    lu = tf.linalg.lu(x)
    assert lu.lu is lu[0] and lu.p is lu[1]


def test_solve_ls_slow_has_no_gradient():
    a = tf.constant(TALL.astype(np.float64))
    x = tf.matrix_solve_ls(a, tf.constant(B4.astype(np.float64)), fast=False)
    with pytest.raises(ValueError, match="fast=False"):
        tf.gradients(x, a)


def test_lstsq_with_unknown_sizes_picks_the_system_at_run_time():
    a = tf.placeholder(tf.float64, [2, None, None])
    b = tf.placeholder(tf.float64, [2, None, 2])
    x = tf.linalg.lstsq(a, b, l2_regularizer=0.2)
    ga, gb = tf.gradients(tf.reduce_sum(x * x), [a, b])
    with tf.Session() as sess:
        for av, bv in ((TALL, B4), (WIDE, B)):
            av, bv = av.astype(np.float64), bv.astype(np.float64)
            got, g = sess.run([x, ga], {a: av, b: bv})
            np.testing.assert_allclose(got, _lstsq(av, bv, 0.2), rtol=1e-8)
            assert g.shape == av.shape


def _np_lu(a):
    """Doolittle with partial pivoting, one matrix at a time (LAPACK's pivot choice)."""
    out, perms = a.astype(np.float64).copy(), []
    for m in out.reshape(-1, *a.shape[-2:]):
        n, p = m.shape[0], np.arange(m.shape[0])
        for k in range(n):
            j = k + np.argmax(np.abs(m[k:, k]))
            m[[k, j]], p[[k, j]] = m[[j, k]], p[[j, k]]
            m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
        perms.append(p)
    return out.reshape(a.shape), np.array(perms).reshape(a.shape[:-1])


CASES += [
    Case("Lu", lambda x: tf.linalg.lu(x)[0], [GEN], ref=_f64(lambda x: _np_lu(x)[0]),
         rtol=1e-4, atol=1e-5),
    Case("Lu", lambda x: tf.linalg.lu_reconstruct(*tf.linalg.lu(x)), [GEN], ref=lambda x: x,
         rtol=1e-4, atol=1e-5, name="lu_reconstruct"),
    Case("Lu", lambda x, b: tf.linalg.lu_solve(*tf.linalg.lu(x), b), [SQ, B],
         ref=_f64(np.linalg.solve), rtol=1e-4, atol=1e-4, name="lu_solve"),
    Case("Lu", lambda x: tf.linalg.lu_matrix_inverse(*tf.linalg.lu(x)), [SQ],
         ref=_f64(np.linalg.inv), rtol=1e-4, atol=1e-5, name="lu_matrix_inverse"),
]


def test_lu_permutation_and_shapes():
    lu, p = tf.linalg.lu(tf.placeholder(tf.float32, [None, 3, None]))
    assert lu.shape.as_list() == [None, 3, 3] and p.shape.as_list() == [None, 3]
    assert p.dtype == tf.int32
    lu, p = tf.linalg.lu(tf.constant(GEN), output_idx_type=tf.int64)
    with tf.Session() as sess:
        pv = sess.run(p)
    assert pv.dtype == np.int64
    np.testing.assert_array_equal(pv, _np_lu(GEN)[1])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_solve_ls_op_gradient_with_unknown_sizes():
    a = tf.placeholder(tf.float64, [2, None, None])
    b = tf.placeholder(tf.float64, [2, None, 2])
    x = matrix_solve_ls_op(a, b, 0.5, fast=True)
    grads = tf.gradients(tf.reduce_sum(tf.sin(x)), [a, b])
    for av, bv in ((TALL, B4), (WIDE, B)):
        av, bv = av.astype(np.float64), bv.astype(np.float64)
        ast, bst = tf.constant(av), tf.constant(bv)
        want = tf.gradients(tf.reduce_sum(tf.sin(matrix_solve_ls_op(ast, bst, 0.5))),
                            [ast, bst])
        with tf.Session() as sess:
            got, exp = sess.run([grads, want], {a: av, b: bv})
        for g, w in zip(got, exp):
            np.testing.assert_allclose(g, w, rtol=1e-10)


def test_sqrtm_gradient_with_unknown_sizes():
    x = tf.placeholder(tf.float64, [None, None, None])
    y = tf.linalg.sqrtm(x)
    g, = tf.gradients(tf.reduce_sum(tf.sin(y)), x)
    xs = tf.placeholder(tf.float64, SQ.shape)
    gs, = tf.gradients(tf.reduce_sum(tf.sin(tf.linalg.sqrtm(xs))), xs)
    with tf.Session() as sess:
        a = SQ.astype(np.float64)
        np.testing.assert_allclose(sess.run(g, {x: a}), sess.run(gs, {xs: a}), rtol=1e-10)
