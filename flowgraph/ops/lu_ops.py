"""LU decomposition with partial pivoting (`tf.linalg.lu`) and what TF builds on it:
`lu_solve`, `lu_reconstruct`, `lu_matrix_inverse`. `lu` packs the unit lower factor L
(below the diagonal) and U (on and above it); `input[..., p, :] = L @ U`."""
import collections

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.ops.linalg_decomp_ops import _identity_like, _m
from flowgraph.ops.linalg_ops import _square, matrix_band_part, matrix_triangular_solve

__all__ = []
__namespaces__ = {"linalg": ["lu", "lu_solve", "lu_reconstruct", "lu_matrix_inverse"]}


def _factors(lower_upper):
    """(unit lower L, upper U) from the packed factorization."""
    lower = _m.matrix_set_diag(matrix_band_part(lower_upper, -1, 0),
                               _m.ones_like(_m.matrix_diag_part(lower_upper)))
    return lower, matrix_band_part(lower_upper, 0, -1)


def _permutation_matrix(perm, dtype):
    """P with P[..., i, j] = (perm[..., i] == j), so that P @ A = A[..., perm, :]."""
    depth = _m.shape(perm)[-1]
    from flowgraph.ops.gather_ops import one_hot
    return one_hot(perm, depth, dtype=dtype)


@defop("Lu", inputs=("input: T",), outputs=("lu: T", "p: output_idx_type"),
       attrs={"output_idx_type": dtypes.int32})
class Lu:
    """The LU decomposition of each square matrix with partial (row) pivoting."""
    def shape(op):
        s = _square(op)
        return [s, s[:-1] if s.ndims is not None else s]

    def kernel(xp, input, output_idx_type):
        n = input.shape[-1]
        batch = input.shape[:-2]
        a = input.reshape((-1, n, n)).copy()
        perm = xp.broadcast_to(xp.arange(n), (a.shape[0], n)).copy()
        rows = xp.arange(a.shape[0])
        for k in range(n):
            piv = xp.argmax(xp.abs(a[:, k:, k]), axis=1) + k
            a[rows, k], a[rows, piv] = a[rows, piv], a[rows, k].copy()
            perm[rows, k], perm[rows, piv] = perm[rows, piv], perm[rows, k].copy()
            pivot = a[:, k, k]
            if bool(xp.any(pivot == 0)):
                raise np.linalg.LinAlgError("Input is not invertible.")
            a[:, k + 1:, k] /= pivot[:, None]
            a[:, k + 1:, k + 1:] -= a[:, k + 1:, k:k + 1] * a[:, k:k + 1, k + 1:]
        return a.reshape(input.shape), perm.reshape(batch + (n,)).astype(output_idx_type)

    def grad(op, g_lu, g_p):
        # P A = L U: with X = L^-1 P dA U^-1, dL = L stril(X) and dU = triu(X) U, so
        # grad_A = P^T L^-H (stril(L^H g) + triu(g U^H)) U^-H.
        lower, upper = _factors(op.outputs[0])
        lg = _m.matmul(lower, g_lu, adjoint_a=True)
        strict = _m.matrix_set_diag(matrix_band_part(lg, -1, 0),
                                    _m.zeros_like(_m.matrix_diag_part(lg)))
        middle = strict + matrix_band_part(_m.matmul(g_lu, upper, adjoint_b=True), 0, -1)
        y = matrix_triangular_solve(lower, middle, lower=True, adjoint=True)
        y = _m.matrix_transpose(matrix_triangular_solve(upper, _m.matrix_transpose(y),
                                                        lower=False), conjugate=True)
        p = _permutation_matrix(op.outputs[1], op.outputs[0].dtype)
        return [_m.matmul(p, y, adjoint_a=True)]


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002
    """(lu, p): packed LU factors and row permutation with `input[..., p, :] = L @ U`."""
    return _LuResult(*apply_op("Lu", [input], {"output_idx_type": output_idx_type},
                               name=name))


_LuResult = collections.namedtuple("Lu", ["lu", "p"])


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix whose LU decomposition is (lower_upper, perm)."""
    with name_scope(name, "lu_reconstruct", [lower_upper, perm]):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        lower, upper = _factors(lower_upper)
        p = _permutation_matrix(convert_to_tensor(perm, name="perm"), lower_upper.dtype)
        return _m.matmul(p, _m.matmul(lower, upper), transpose_a=True)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """`x` with `A @ x = rhs` given the LU decomposition (lower_upper, perm) of `A`."""
    with name_scope(name, "lu_solve", [lower_upper, perm, rhs]):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        lower, upper = _factors(lower_upper)
        p = _permutation_matrix(convert_to_tensor(perm, name="perm"), lower_upper.dtype)
        y = matrix_triangular_solve(lower, _m.matmul(p, rhs), lower=True)
        return matrix_triangular_solve(upper, y, lower=False)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of `A` given its LU decomposition (lower_upper, perm)."""
    with name_scope(name, "lu_matrix_inverse", [lower_upper, perm]):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        return lu_solve(lower_upper, perm,
                        _identity_like(_m.matrix_diag_part(lower_upper)))
