"""`tf.linalg` functions TF builds from other ops: logdet, cholesky_solve, lstsq, norms,
matvec, pinv, matrix_rank, expm, normalize (`adjoint` is in complex_ops)."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import linalg_decomp_ops as _decomp
from flowgraph.ops.linalg_decomp_ops import _m
from flowgraph.ops.linalg_ops import matrix_triangular_solve

__all__ = ["cholesky_solve", "matrix_solve_ls", "norm"]
__namespaces__ = {"linalg": ["logdet", "cholesky_solve", "lstsq=matrix_solve_ls", "norm",
                             "matvec", "pinv", "matrix_rank", "expm", "normalize",
                             "l2_normalize"]}


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)) (`tf.nn.l2_normalize`)."""
    from flowgraph.ops.nn_impl import l2_normalize as impl
    return impl(x, axis=axis, epsilon=epsilon, name=name, dim=dim)


def logdet(matrix, name=None):
    """log(det(matrix)) of each Hermitian positive definite matrix, through its Cholesky
    factor: 2 * sum(log(diag(L)))."""
    with name_scope(name, "logdet", [matrix]):
        chol = _decomp.cholesky(matrix)
        return 2.0 * _m.reduce_sum(_m.log(_m.matrix_diag_part(chol)), axis=[-1])


def cholesky_solve(chol, rhs, name=None):
    """`x` with `A @ x = rhs`, given the Cholesky factor `chol` of `A`."""
    with name_scope(name, "cholesky_solve", [chol, rhs]):
        y = matrix_triangular_solve(chol, rhs, adjoint=False, lower=True)
        return matrix_triangular_solve(chol, y, adjoint=True, lower=True)


def _is_zero(x):
    return isinstance(x, (int, float, np.number)) and x == 0


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solutions of `matrix @ x = rhs` (`tf.linalg.lstsq`). `fast` solves the
    (regularized) normal equations with a Cholesky factorization; otherwise the
    `MatrixSolveLs` op finds the minimum-norm solution."""
    with name_scope(name, "matrix_solve_ls", [matrix, rhs, l2_regularizer]) as scope:
        matrix = convert_to_tensor(matrix, name="matrix")
        rhs = convert_to_tensor(rhs, name="rhs")
        if not fast:
            return _decomp.matrix_solve_ls_op(matrix, rhs, l2_regularizer, fast=False,
                                              name=scope)
        dims = matrix.shape.as_list()[-2:] if matrix.shape.ndims is not None else [None] * 2

        def chol_of(gram):
            if not _is_zero(l2_regularizer):
                l2 = convert_to_tensor(l2_regularizer, name="l2_regularizer",
                                       dtype=matrix.dtype)
                gram = gram + l2 * _decomp._identity_like(_m.matrix_diag_part(gram))
            return _decomp.cholesky(gram)

        def overdetermined():
            chol = chol_of(_m.matmul(matrix, matrix, adjoint_a=True))
            return cholesky_solve(chol, _m.matmul(matrix, rhs, adjoint_a=True))

        def underdetermined():
            chol = chol_of(_m.matmul(matrix, matrix, adjoint_b=True))
            return _m.matmul(matrix, cholesky_solve(chol, rhs), adjoint_a=True)
        if None not in dims:
            return overdetermined() if dims[0] >= dims[1] else underdetermined()
        from flowgraph.ops.control_flow_ops import cond
        shape = _m.shape(matrix)
        return cond(shape[-1] <= shape[-2], overdetermined, underdetermined)


def _axes(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        if len(axis) != 2 or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        return list(axis)
    return [axis]


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None):
    """Vector norms (`ord` 'euclidean', 1, 2, np.inf or any p > 0) over `axis` (all axes
    when None) or matrix norms ('fro', 'euclidean', 1, 2, np.inf) over a pair of axes."""
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
        keepdims = keep_dims
    keepdims = bool(keepdims)
    axes = _axes(axis)
    matrix = axes is not None and len(axes) == 2
    if matrix:
        if ord not in ("euclidean", "fro", 1, 2, np.inf):
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord}")
    elif not (ord == "euclidean" or
              (isinstance(ord, (int, float, np.number)) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    with name_scope(name, "norm", [tensor]):
        x = convert_to_tensor(tensor, name="tensor")
        if ord in ("euclidean", "fro") or (not matrix and ord == 2):
            r = _m.sqrt(_m.reduce_sum(x * _m.conj(x), axes, keepdims=True))
        elif not matrix:
            a = _m.abs(x)
            if ord == np.inf:
                r = _m.reduce_max(a, axes, keepdims=True)
            elif ord == 1:
                r = _m.reduce_sum(a, axes, keepdims=True)
            else:
                r = _m.pow(_m.reduce_sum(_m.pow(a, ord), axes, keepdims=True), 1.0 / ord)
        elif ord in (1, np.inf):
            rows, cols = axes if ord == 1 else axes[::-1]
            r = _m.reduce_max(_m.reduce_sum(_m.abs(x), rows, keepdims=True), cols,
                              keepdims=True)
        else:
            r = _spectral_norm(x, axes)
        if not keepdims:
            r = _m.squeeze(r, axes)
        return r


def _spectral_norm(x, axes):
    """Largest singular value over the two `axes`, kept as size-1 dims."""
    rank = x.shape.ndims
    if rank is None:
        raise NotImplementedError("norm(ord=2) over a pair of axes needs a known rank")
    a0, a1 = (a % rank for a in axes)
    rest = [i for i in range(rank) if i not in (a0, a1)]
    s = _decomp.svd(_m.transpose(x, rest + [a0, a1]), compute_uv=False)
    r = _m.reduce_max(s, -1)
    for a in sorted((a0, a1)):
        r = _m.expand_dims(r, a)
    return r


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002
    """(tensor / norm, norm) with the norm kept over `axis`."""
    with name_scope(name, "normalize", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor")
        n = norm(tensor, ord=ord, axis=axis, keepdims=True)
        return tensor / n, n


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Products of the matrices `a` [..., M, N] with the vectors `b` [..., N]."""
    with name_scope(name, "MatVec", [a, b]):
        b = _m.expand_dims(convert_to_tensor(b, name="b"), -1)
        return _m.squeeze(_m.matmul(a, b, transpose_a=transpose_a, adjoint_a=adjoint_a,
                                    a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse), [-1])


def _default_cutoff(a, s, rcond, tol_scale):
    """`rcond * max(s)` with rcond defaulting to `eps * max(M, N)` times `tol_scale`."""
    if rcond is None:
        m, n = a.shape.as_list()[-2:]
        if m is None or n is None:
            dims = _m.cast(_m.shape(a)[-2:], a.dtype)
            size = _m.reduce_max(dims)
        else:
            size = float(max(m, n))
        rcond = tol_scale * size * np.finfo(a.dtype.as_numpy_dtype).eps
    return rcond * _m.reduce_max(s, axis=-1, keepdims=True)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse of each matrix, through its SVD; singular values at
    most `rcond * max(s)` (default rcond: 10 * max(M, N) * eps) are treated as zero."""
    with name_scope(name, "pinv", [a, rcond]):
        a = convert_to_tensor(a, name="a")
        s, u, v = _decomp.svd(a, full_matrices=False, compute_uv=True)
        cutoff = _default_cutoff(a, s, rcond, 10.0)
        s = _m.where(s > cutoff, s, np.inf * _m.ones_like(s))
        return _m.matmul(v / _m.expand_dims(s, -2), u, adjoint_b=True)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values of each matrix above `tol` (default
    eps * max(M, N) * max(s))."""
    with name_scope(name, "matrix_rank", [a, tol]):
        a = convert_to_tensor(a, name="a")
        s = _decomp.svd(a, compute_uv=False)
        if tol is None:
            tol = _default_cutoff(a, s, None, 1.0)
        else:
            tol = _m.cast(convert_to_tensor(tol, name="tol"), a.dtype)
        return _m.reduce_sum(_m.cast(s > tol, dtypes.int32), axis=-1)


# Degree-13 Pade coefficients for exp and the 1-norm bound where it is accurate
# (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def expm(input, name=None):  # noqa: A002
    """The matrix exponential of each square matrix: scaling and squaring around a
    degree-13 Pade approximant, with one squaring count per matrix."""
    from flowgraph.ops.control_flow_ops import while_loop
    with name_scope(name, "matrix_exponential", [input]):
        a = convert_to_tensor(input, name="input")
        l1 = _m.reduce_max(_m.reduce_sum(_m.abs(a), axis=-2), axis=-1)
        squarings = _m.maximum(_m.ceil(_m.log(l1 / _THETA13) / np.log(2.0)), 0.0)
        squarings = _m.where(_m.is_finite(squarings), squarings, _m.zeros_like(squarings))
        scaled = a / _decomp._expand2(_m.pow(2.0 * _m.ones_like(squarings), squarings))
        b = _PADE13
        eye = _decomp._identity_like(_m.matrix_diag_part(a))
        a2 = _m.matmul(scaled, scaled)
        a4 = _m.matmul(a2, a2)
        a6 = _m.matmul(a4, a2)
        u = _m.matmul(scaled, _m.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) +
                      b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = _m.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + \
            b[2] * a2 + b[0] * eye
        r = _decomp.matrix_solve(v - u, v + u)
        steps = _m.reduce_max(squarings)
        keep = _decomp._expand2(squarings)

        def body(i, r):
            return i + 1.0, _m.where(_m.broadcast_to(i < keep, _m.shape(r)),
                                     _m.matmul(r, r), r)
        _, r = while_loop(lambda i, r: i < steps, body,
                          [_m.zeros_like(steps), r])
        return r
