"""Matrix decompositions and solvers on batches of matrices `[..., M, N]`: Cholesky,
determinants, general and least-squares solves, eigh, SVD, square root, cross products and
tridiagonal systems. Gradients follow the formulas TF uses (Giles 2008, Townsend 2016)."""
import collections

import numpy as np

from flowgraph.framework import tensor_shape
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.ops.linalg_ops import _square, matrix_band_part, matrix_inverse, \
    matrix_triangular_solve

__all__ = ["cholesky", "matrix_determinant", "matrix_solve", "self_adjoint_eig",
           "self_adjoint_eigvals", "svd", "matrix_square_root", "cross"]
__namespaces__ = {"linalg": ["cholesky", "det=matrix_determinant", "slogdet",
                             "solve=matrix_solve", "eigh=self_adjoint_eig",
                             "eigvalsh=self_adjoint_eigvals", "svd", "sqrtm=matrix_square_root",
                             "cross", "tridiagonal_solve", "tridiagonal_matmul"]}


class _Ops:
    """Sibling op modules, imported lazily (ops modules import each other at call time)."""
    def __getattr__(self, name):
        from flowgraph.ops import (array_ops, creation_ops, diag_ops, join_ops, math_ops,
                                   manip_ops, matmul_ops, reduction_ops, unary_ops)
        for m in (array_ops, matmul_ops, diag_ops, math_ops, unary_ops, reduction_ops,
                  creation_ops, join_ops, manip_ops):
            if hasattr(m, name):
                return getattr(m, name)
        raise AttributeError(name)


_m = _Ops()


def _adjoint(x):
    return _m.matrix_transpose(x, conjugate=True)


def _identity_like(diag):
    """Batched identity matrices with one row per entry of `diag` (dynamic sizes)."""
    return _m.matrix_diag(_m.ones_like(diag))


def _batch(s, n):
    """(batch dims, last n dims as a list) of a shape of rank >= n, or (None, None)."""
    s = s.with_rank_at_least(n)
    if s.ndims is None:
        return None, None
    return s[:-n], s.as_list()[-n:]


def _dim(*ds):
    out = tensor_shape.Dimension(None)
    for d in ds:
        out = out.merge_with(tensor_shape.Dimension(d))
    return out


def _solve_shape(op):
    """[..., M, N] and [..., M, K] give [..., N, K]."""
    a_batch, a = _batch(op.inputs[0].shape, 2)
    b_batch, b = _batch(op.inputs[1].shape, 2)
    if a_batch is None or b_batch is None:
        return tensor_shape.unknown_shape()
    _dim(a[0], b[0])
    return a_batch.merge_with(b_batch).concatenate([a[1], b[1]])


# -- Cholesky -------------------------------------------------------------------------------

@defop("Cholesky", inputs=("input: T",), outputs=("output: T",))
class Cholesky:
    """The lower Cholesky factor `L` of each symmetric positive definite matrix, with
    `input = L @ L^H` (only the lower triangle of `input` is read)."""
    shape = _square

    def kernel(xp, input):
        return xp.linalg.cholesky(input).astype(input.dtype, copy=False)

    def grad(op, g):
        # Symmetric gradient, as TF: with P = lower(L^H g) with its diagonal halved,
        # grad = sym(L^-H P L^-1).
        chol = op.outputs[0]
        chol_inv = matrix_triangular_solve(chol, _identity_like(_m.matrix_diag_part(chol)))
        middle = _m.matmul(chol, g, adjoint_a=True)
        middle = _m.matrix_set_diag(matrix_band_part(middle, -1, 0),
                                    0.5 * _m.matrix_diag_part(middle))
        ga = _m.matmul(_m.matmul(chol_inv, middle, adjoint_a=True), chol_inv)
        return [0.5 * (ga + _adjoint(ga))]


# -- Determinants ---------------------------------------------------------------------------

def _det_shape(op):
    s = _square(op)
    return tensor_shape.unknown_shape() if s.ndims is None else s[:-2]


def _expand2(x):
    return _m.expand_dims(_m.expand_dims(x, -1), -1)


@defop("MatrixDeterminant", inputs=("input: T",), outputs=("output: T",))
class MatrixDeterminant:
    """The determinant of each square matrix."""
    shape = _det_shape

    def kernel(xp, input):
        return xp.asarray(xp.linalg.det(input), dtype=input.dtype)

    def grad(op, g):
        return [_expand2(g * op.outputs[0]) * matrix_inverse(op.inputs[0], adjoint=True)]


@defop("LogMatrixDeterminant", inputs=("input: T",), outputs=("sign: T",
                                                             "log_abs_determinant: T"))
class LogMatrixDeterminant:
    """(sign, log |det|) of each square matrix; stable where the determinant overflows."""
    def shape(op):
        s = _det_shape(op)
        return [s, s]

    def kernel(xp, input):
        sign, logabs = xp.linalg.slogdet(input)
        return xp.asarray(sign, input.dtype), xp.asarray(logabs, input.dtype)

    def grad(op, g_sign, g_logabs):
        if g_logabs is None:
            return [None]
        return [_expand2(g_logabs) * matrix_inverse(op.inputs[0], adjoint=True)]


# -- Solves ---------------------------------------------------------------------------------

@defop("MatrixSolve", inputs=("matrix: T", "rhs: T"), outputs=("output: T",),
       attrs={"adjoint": False})
class MatrixSolve:
    """Solves `matrix @ output = rhs` (`matrix^H @ output = rhs` when `adjoint`)."""
    def shape(op):
        _square(op)
        return _solve_shape(op)

    def kernel(xp, matrix, rhs, adjoint):
        a = xp.conj(xp.swapaxes(matrix, -1, -2)) if adjoint else matrix
        return xp.linalg.solve(a, rhs).astype(rhs.dtype, copy=False)

    def grad(op, g):
        a, c = op.inputs[0], op.outputs[0]
        adjoint = op.get_attr("adjoint")
        gb = matrix_solve(a, g, adjoint=not adjoint)
        ga = -_m.matmul(c, gb, adjoint_b=True) if adjoint else \
            -_m.matmul(gb, c, adjoint_b=True)
        return [ga, gb]


@defop("MatrixSolveLs", inputs=("matrix: T", "rhs: T", "l2_regularizer: float64"),
       outputs=("output: T",), attrs={"fast": True})
class MatrixSolveLs:
    """Least-squares solutions of `matrix @ output = rhs`: by the regularized normal
    equations when `fast`, else the minimum-norm solution (the regularizer is unused)."""
    shape = _solve_shape

    def kernel(xp, matrix, rhs, l2_regularizer, fast):
        a, b = matrix.astype(np.float64), rhs.astype(np.float64)
        m, n = a.shape[-2:]
        if not fast:
            return xp.matmul(xp.linalg.pinv(a), b).astype(rhs.dtype, copy=False)
        at = xp.swapaxes(a, -1, -2)
        if m >= n:
            gram = xp.matmul(at, a) + l2_regularizer * xp.eye(n)
            x = xp.linalg.solve(gram, xp.matmul(at, b))
        else:
            gram = xp.matmul(a, at) + l2_regularizer * xp.eye(m)
            x = xp.matmul(at, xp.linalg.solve(gram, b))
        return x.astype(rhs.dtype, copy=False)

    def grad(op, g):
        if not op.get_attr("fast"):
            raise ValueError("Gradient not defined for fast=False")
        a, b, l2 = op.inputs
        x = op.outputs[0]
        l2 = _m.cast(l2, a.dtype)

        def regularized(gram):
            return gram + l2 * _identity_like(_m.matrix_diag_part(gram))

        def overdetermined():  # x = C^-1 A^H b with C = A^H A + l2 I
            z = matrix_solve(regularized(_m.matmul(a, a, adjoint_a=True)), g)
            az = _m.matmul(a, z)
            ga = _m.matmul(b - _m.matmul(a, x), z, adjoint_b=True) - \
                _m.matmul(az, x, adjoint_b=True)
            return ga, az

        def underdetermined():  # x = A^H y with y = C^-1 b, C = A A^H + l2 I
            gram = regularized(_m.matmul(a, a, adjoint_b=True))
            y = matrix_solve(gram, b)
            w = matrix_solve(gram, _m.matmul(a, g))
            ga = _m.matmul(y, g, adjoint_b=True) - _m.matmul(w, x, adjoint_b=True) - \
                _m.matmul(_m.matmul(y, w, adjoint_b=True), a)
            return ga, w
        dims = a.shape.as_list()[-2:] if a.shape.ndims is not None else [None, None]
        if None not in dims:
            ga, gb = overdetermined() if dims[0] >= dims[1] else underdetermined()
        else:
            from flowgraph.ops.control_flow_ops import cond
            shape = _m.shape(a)
            ga, gb = cond(shape[-1] <= shape[-2], overdetermined, underdetermined)
        return [ga, gb, None]


# -- Eigen and singular value decompositions ------------------------------------------------

def _off_diagonal_reciprocal(d):
    """F[..., i, j] = 1 / (d[j] - d[i]) off the diagonal and 0 on it."""
    diff = _m.expand_dims(d, -2) - _m.expand_dims(d, -1)
    eye = _identity_like(d)
    return _m.reciprocal(diff + eye) - eye


@defop("SelfAdjointEigV2", inputs=("input: T",), outputs=("e: T", "v: T"),
       attrs={"compute_v": True})
class SelfAdjointEigV2:
    """Eigenvalues `e` (ascending) and eigenvectors `v` (columns) of each self-adjoint
    matrix, reading its lower triangle; `v` is empty unless `compute_v`."""
    def shape(op):
        s = _square(op)
        if s.ndims is None:
            return [tensor_shape.unknown_shape()] * 2
        n = _dim(*s.as_list()[-2:])
        v = s[:-2].concatenate([n, n]) if op.get_attr("compute_v") else \
            tensor_shape.TensorShape([0])
        return [s[:-2].concatenate([n]), v]

    def kernel(xp, input, compute_v):
        if not compute_v:
            return xp.linalg.eigvalsh(input).astype(input.dtype), xp.zeros((0,), input.dtype)
        e, v = xp.linalg.eigh(input)
        return e.astype(input.dtype, copy=False), v.astype(input.dtype, copy=False)

    def grad(op, ge, gv):
        e, v = op.outputs
        if not op.get_attr("compute_v"):
            e, v = self_adjoint_eig(op.inputs[0])
            gv = None
        inner = _m.matrix_diag(ge) if ge is not None else _m.zeros_like(_identity_like(e))
        if gv is not None:
            inner = inner + _off_diagonal_reciprocal(e) * _m.matmul(v, gv, adjoint_a=True)
        ga = _m.matmul(v, _m.matmul(inner, v, adjoint_b=True))
        # Only the lower triangle is read: fold the upper part of the symmetric gradient.
        ga = matrix_band_part(ga + _adjoint(ga), -1, 0)
        return [_m.matrix_set_diag(ga, 0.5 * _m.matrix_diag_part(ga))]


@defop("Svd", inputs=("input: T",), outputs=("s: T", "u: T", "v: T"),
       attrs={"compute_uv": True, "full_matrices": False})
class Svd:
    """Singular values `s` (descending) and singular vectors with `input = u diag(s) v^H`;
    `u` and `v` are empty unless `compute_uv`."""
    def shape(op):
        s = op.inputs[0].shape.with_rank_at_least(2)
        if s.ndims is None:
            return [tensor_shape.unknown_shape()] * 3
        batch, (m, n) = s[:-2], s.as_list()[-2:]
        k = None if m is None or n is None else min(m, n)
        if not op.get_attr("compute_uv"):
            empty = tensor_shape.TensorShape([0])
            return [batch.concatenate([k]), empty, empty]
        full = op.get_attr("full_matrices")
        return [batch.concatenate([k]), batch.concatenate([m, m if full else k]),
                batch.concatenate([n, n if full else k])]

    def kernel(xp, input, compute_uv, full_matrices):
        dt = input.dtype
        if not compute_uv:
            return xp.linalg.svd(input, compute_uv=False).astype(dt), \
                xp.zeros((0,), dt), xp.zeros((0,), dt)
        u, s, vh = xp.linalg.svd(input, full_matrices=full_matrices)
        return s.astype(dt), u.astype(dt), xp.conj(xp.swapaxes(vh, -1, -2)).astype(dt)

    def grad(op, gs, gu, gv):
        a = op.inputs[0]
        if not op.get_attr("compute_uv"):
            s, u, v = svd(a, compute_uv=True, full_matrices=False)
            return [_m.matmul(u * _m.expand_dims(gs, -2), v, adjoint_b=True)]
        s, u, v = op.outputs
        m, n = a.shape.as_list()[-2:] if a.shape.ndims is not None else (None, None)
        if op.get_attr("full_matrices") and (m is None or n is None or abs(m - n) > 1):
            raise NotImplementedError("SVD gradient with full_matrices=True is implemented "
                                      "only for known sizes with abs(m - n) <= 1")
        if op.get_attr("full_matrices") and m != n:
            # The one extra singular vector is fixed (up to sign) by the others: as TF,
            # differentiate through the reduced factors only.
            k = min(m, n)
            u, v = u[..., :, :k], v[..., :, :k]
            gu = gu[..., :, :k] if gu is not None else None
            gv = gv[..., :, :k] if gv is not None else None
        # Townsend, "Differentiating the Singular Value Decomposition" (2016).
        s_row, s_col = _m.expand_dims(s, -2), _m.expand_dims(s, -1)
        inner = _m.matrix_diag(gs) if gs is not None else \
            _m.zeros_like(_identity_like(s))
        f = _off_diagonal_reciprocal(s * s)
        ga = None
        if gu is not None:
            utgu = _m.matmul(u, gu, adjoint_a=True)
            inner = inner + f * (utgu - _adjoint(utgu)) * s_row
            gu_scaled = gu / s_row
            ga = gu_scaled - _m.matmul(u, _m.matmul(u, gu_scaled, adjoint_a=True))
            ga = _m.matmul(ga, v, adjoint_b=True)
        if gv is not None:
            vtgv = _m.matmul(v, gv, adjoint_a=True)
            inner = inner + s_col * (f * (vtgv - _adjoint(vtgv)))
            gv_scaled = gv / s_row
            proj = gv_scaled - _m.matmul(v, _m.matmul(v, gv_scaled, adjoint_a=True))
            term = _m.matmul(u, proj, adjoint_b=True)
            ga = term if ga is None else ga + term
        core = _m.matmul(u, _m.matmul(inner, v, adjoint_b=True))
        return [core if ga is None else core + ga]


# -- Matrix square root ---------------------------------------------------------------------

@defop("MatrixSquareRoot", inputs=("input: T",), outputs=("output: T",))
class MatrixSquareRoot:
    """The principal square root `X` of each square matrix, `X @ X = input`."""
    shape = _square

    def kernel(xp, input):
        # Denman-Beavers iteration: Y -> sqrt(A), Z -> sqrt(A)^-1, quadratically.
        y = input.astype(np.float64)
        if y.size == 0:
            return input.copy()
        z = xp.broadcast_to(xp.eye(y.shape[-1]), y.shape)
        for _ in range(100):
            y_next = 0.5 * (y + xp.linalg.inv(z))
            z = 0.5 * (z + xp.linalg.inv(y))
            change = float(xp.max(xp.abs(y_next - y)))
            y = y_next
            if not change > 1e-15 * max(1.0, float(xp.max(xp.abs(y)))):
                break
        return y.astype(input.dtype)

    def grad(op, g):
        # dA = X dX + dX X, so the gradient solves X^H G_A + G_A X^H = g: one linear system
        # (kron(X^H, I) + kron(I, X)) vec(G_A) = vec(g) per matrix, row-major vec.
        x = op.outputs[0]
        eye = _identity_like(_m.matrix_diag_part(x))
        xt = _adjoint(x)
        shape = _m.shape(x)
        nn = shape[-1] * shape[-1]
        batch = shape[:-2]

        def kron(p, q):
            big = _m.expand_dims(_m.expand_dims(p, -1), -3) * \
                _m.expand_dims(_m.expand_dims(q, -2), -4)
            return _m.reshape(big, _m.concat([batch, _m.stack([nn, nn])], 0))
        system = kron(xt, eye) + kron(eye, x)
        rhs = _m.reshape(g, _m.concat([batch, _m.stack([nn, 1])], 0))
        return [_m.reshape(matrix_solve(system, rhs), shape)]


# -- Cross product --------------------------------------------------------------------------

@defop("Cross", inputs=("a: T", "b: T"), outputs=("product: T",))
class Cross:
    """Pairwise cross products of the 3-vectors along the last axis."""
    def shape(op):
        s = op.inputs[0].shape.merge_with(op.inputs[1].shape).with_rank_at_least(1)
        if s.ndims is not None and s[-1].value not in (None, 3):
            raise ValueError(f"Cross needs vectors of size 3, got {s[-1].value}")
        return s

    def kernel(xp, a, b):
        return xp.cross(a, b).astype(a.dtype, copy=False)

    def grad(op, g):
        a, b = op.inputs
        return [cross(b, g), cross(g, a)]


# -- Tridiagonal systems --------------------------------------------------------------------

def _tridiagonal_dense(xp, diagonals):
    """Dense [..., M, M] matrices from compact [..., 3, M] diagonals (super, main, sub)."""
    m = diagonals.shape[-1]
    out = xp.zeros(diagonals.shape[:-2] + (m, m), diagonals.dtype)
    i = xp.arange(m)
    out[..., i, i] = diagonals[..., 1, :]
    out[..., i[:-1], i[1:]] = diagonals[..., 0, :-1]
    out[..., i[1:], i[:-1]] = diagonals[..., 2, 1:]
    return out


def _compact_dense(diagonals):
    return _m.matrix_diag(diagonals, k=(-1, 1), align="LEFT_RIGHT")


def _compact_part(matrix):
    return _m.matrix_diag_part(matrix, k=(-1, 1), align="LEFT_RIGHT")


@defop("TridiagonalSolve", inputs=("diagonals: T", "rhs: T"), outputs=("output: T",),
       attrs={"partial_pivoting": True, "perturb_singular": False})
class TridiagonalSolve:
    """Solves tridiagonal systems given in compact form: `diagonals[..., 0, :-1]` the
    superdiagonal, `[..., 1, :]` the diagonal, `[..., 2, 1:]` the subdiagonal."""
    def shape(op):
        d = op.inputs[0].shape.with_rank_at_least(2)
        r = op.inputs[1].shape.with_rank_at_least(2)
        if d.ndims is not None:
            if d[-2].value not in (None, 3):
                raise ValueError(f"TridiagonalSolve needs 3 diagonals, got {d[-2].value}")
        if d.ndims is None or r.ndims is None:
            return r
        _dim(d[-1].value, r[-2].value)
        return r

    def kernel(xp, diagonals, rhs, partial_pivoting, perturb_singular):
        a = _tridiagonal_dense(xp, diagonals)
        return xp.linalg.solve(a, rhs).astype(rhs.dtype, copy=False)

    def grad(op, g):
        diags, x = op.inputs[0], op.outputs[0]
        gb = matrix_solve(_compact_dense(diags), g, adjoint=True)
        return [_compact_part(-_m.matmul(gb, x, adjoint_b=True)), gb]


@defop("TridiagonalMatMul", inputs=("superdiag: T", "maindiag: T", "subdiag: T", "rhs: T"),
       outputs=("output: T",))
class TridiagonalMatMul:
    """Products of tridiagonal matrices, given by [..., 1, M] diagonals (the superdiagonal's
    last and the subdiagonal's first entries unused), with `rhs` [..., M, N]."""
    def shape(op):
        return op.inputs[3].shape.with_rank_at_least(2)

    def kernel(xp, superdiag, maindiag, subdiag, rhs):
        sup, main, sub = (xp.swapaxes(d, -1, -2) for d in (superdiag, maindiag, subdiag))
        out = main * rhs
        out[..., :-1, :] += sup[..., :-1, :] * rhs[..., 1:, :]
        out[..., 1:, :] += sub[..., 1:, :] * rhs[..., :-1, :]
        return out.astype(rhs.dtype, copy=False)

    def grad(op, g):
        sup, main, sub, rhs = op.inputs
        dense = _compact_dense(_m.concat([sup, main, sub], -2))
        gd = _compact_part(_m.matmul(g, rhs, adjoint_b=True))
        parts = [_m.reshape(p, _m.shape(d)) for p, d in
                 zip(_m.unstack(gd, num=3, axis=-2), (sup, main, sub))]
        return parts + [_m.matmul(dense, g, adjoint_a=True)]


# -- Builders -------------------------------------------------------------------------------

def cholesky(input, name=None):
    """The Cholesky factor of each symmetric positive definite matrix."""
    return apply_op("Cholesky", [input], name=name)


def matrix_determinant(input, name=None):
    """The determinant of each square matrix."""
    return apply_op("MatrixDeterminant", [input], name=name)


_SlogdetResult = collections.namedtuple("LogMatrixDeterminant",
                                        ["sign", "log_abs_determinant"])


def slogdet(input, name=None):
    """(sign, log_abs_determinant) of each square matrix."""
    return _SlogdetResult(*apply_op("LogMatrixDeterminant", [input], name=name))


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """`x` with `matrix @ x = rhs` (`adjoint(matrix) @ x = rhs` when `adjoint`)."""
    return apply_op("MatrixSolve", [matrix, rhs], {"adjoint": adjoint}, name=name)


def matrix_solve_ls_op(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The `MatrixSolveLs` op itself (`tf.matrix_solve_ls` composes `fast` solves)."""
    l2 = convert_to_tensor(l2_regularizer, dtype=np.float64, name="l2_regularizer")
    return apply_op("MatrixSolveLs", [matrix, rhs, l2], {"fast": fast}, name=name)


def self_adjoint_eig(tensor, name=None):
    """(e, v): eigenvalues and eigenvectors of each self-adjoint matrix."""
    return tuple(apply_op("SelfAdjointEigV2", [tensor], {"compute_v": True}, name=name))


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues of each self-adjoint matrix."""
    return apply_op("SelfAdjointEigV2", [tensor], {"compute_v": False}, name=name)[0]


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values `s`, and `(s, u, v)` when `compute_uv`: `tensor = u diag(s) v^H`."""
    s, u, v = apply_op("Svd", [tensor], {"compute_uv": compute_uv,
                                          "full_matrices": full_matrices}, name=name)
    return (s, u, v) if compute_uv else s


def matrix_square_root(input, name=None):
    """The principal square root of each square matrix."""
    return apply_op("MatrixSquareRoot", [input], name=name)


def cross(a, b, name=None):
    """Pairwise cross products of the 3-vectors along the last axis of `a` and `b`."""
    return apply_op("Cross", [a, b], name=name)


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True,
                      perturb_singular=False):
    """Solves tridiagonal systems; `diagonals` is compact [..., 3, M], a (super, main, sub)
    sequence of [..., M] tensors or, with `diagonals_format='matrix'`, [..., M, M]."""
    from flowgraph.framework.graph import name_scope
    with name_scope(name, "tridiagonal_solve", [rhs]):
        if diagonals_format == "sequence":
            diagonals = _m.stack(list(diagonals), axis=-2)
        elif diagonals_format == "matrix":
            diagonals = _compact_part(convert_to_tensor(diagonals, name="diagonals"))
        elif diagonals_format != "compact":
            raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
        rhs = convert_to_tensor(rhs, name="rhs")
        if transpose_rhs:
            rhs = _m.matrix_transpose(rhs, conjugate=conjugate_rhs)
        elif conjugate_rhs:
            rhs = _m.conj(rhs)
        return apply_op("TridiagonalSolve", [diagonals, rhs],
                        {"partial_pivoting": partial_pivoting,
                         "perturb_singular": perturb_singular})


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """Multiplies tridiagonal matrices (formats as `tridiagonal_solve`) with `rhs`."""
    from flowgraph.framework.graph import name_scope
    with name_scope(name, "tridiagonal_matmul", [rhs]):
        if diagonals_format == "compact":
            diagonals = convert_to_tensor(diagonals, name="diagonals")
            parts = [diagonals[..., i, :] for i in range(3)]
        elif diagonals_format == "sequence":
            parts = [convert_to_tensor(d) for d in diagonals]
        elif diagonals_format == "matrix":
            diagonals = _compact_part(convert_to_tensor(diagonals, name="diagonals"))
            parts = [diagonals[..., i, :] for i in range(3)]
        else:
            raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
        parts = [_m.expand_dims(p, -2) for p in parts]
        return apply_op("TridiagonalMatMul", parts + [rhs])
