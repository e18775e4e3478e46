"""Linear algebra on (batches of) matrices: band parts, triangular solves, inverse, QR."""
from flowgraph.framework import shape_fns, tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop

__all__ = ["matrix_band_part", "matrix_triangular_solve", "matrix_inverse", "qr"]
__namespaces__ = {"linalg": ["band_part=matrix_band_part",
                             "triangular_solve=matrix_triangular_solve",
                             "inv=matrix_inverse", "qr"]}


def _matmul(a, b, **kw):
    from flowgraph.ops.matmul_ops import matmul
    return matmul(a, b, **kw)


def _adjoint(x):
    from flowgraph.ops.array_ops import matrix_transpose
    return matrix_transpose(x, conjugate=True)


def _square(op):
    s = op.inputs[0].shape.with_rank_at_least(2)
    if s.ndims is not None:
        r, c = s.as_list()[-2:]
        if r is not None and c is not None and r != c:
            raise ValueError(f"Input matrix must be square, got {r} x {c}")
        n = s[-2].merge_with(s[-1])
        return s[:-2].concatenate([n, n])
    return s


@defop("MatrixBandPart", inputs=("input: T", "num_lower: Tindex", "num_upper: Tindex"),
       outputs=("band: T",), attrs={"Tindex": None})
class MatrixBandPart:
    """Keeps the `num_lower` subdiagonals and `num_upper` superdiagonals (-1: all)."""
    def shape(op):
        return op.inputs[0].shape.with_rank_at_least(2)

    def kernel(xp, input, num_lower, num_upper):
        m, n = input.shape[-2:]
        i = xp.arange(m)[:, None]
        j = xp.arange(n)[None, :]
        keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
        return xp.where(keep, input, xp.zeros((), input.dtype))

    def grad(op, g):
        return [matrix_band_part(g, op.inputs[1], op.inputs[2]), None, None]


@defop("MatrixTriangularSolve", inputs=("matrix: T", "rhs: T"), outputs=("output: T",),
       attrs={"lower": True, "adjoint": False})
class MatrixTriangularSolve:
    """Solves `matrix @ output = rhs` for a lower (or upper) triangular `matrix`."""
    def shape(op):
        a = _square(op)
        b = op.inputs[1].shape.with_rank_at_least(2)
        if a.ndims is None or b.ndims is None:
            return tensor_shape.unknown_shape()
        batch = shape_fns.broadcast_shapes(a[:-2], b[:-2])
        rows = a[-2].merge_with(b[-2])
        return batch.concatenate([rows, b[-1]])

    def kernel(xp, matrix, rhs, lower, adjoint):
        a = xp.tril(matrix) if lower else xp.triu(matrix)
        if adjoint:
            a = xp.conj(xp.swapaxes(a, -1, -2))
        return xp.linalg.solve(a, rhs).astype(rhs.dtype, copy=False)

    def grad(op, g):
        a, c = op.inputs[0], op.outputs[0]
        lower, adjoint = op.get_attr("lower"), op.get_attr("adjoint")
        gb = matrix_triangular_solve(a, g, lower=lower, adjoint=not adjoint)
        ga = -_matmul(c, gb, adjoint_b=True) if adjoint else -_matmul(gb, c, adjoint_b=True)
        ga = matrix_band_part(ga, -1, 0) if lower else matrix_band_part(ga, 0, -1)
        return [ga, gb]


@defop("MatrixInverse", inputs=("input: T",), outputs=("output: T",),
       attrs={"adjoint": False})
class MatrixInverse:
    """The inverse of each square matrix (of its adjoint when `adjoint`)."""
    shape = _square

    def kernel(xp, input, adjoint):
        x = xp.conj(xp.swapaxes(input, -1, -2)) if adjoint else input
        return xp.linalg.inv(x).astype(input.dtype, copy=False)

    def grad(op, g):
        ainv = op.outputs[0]
        if op.get_attr("adjoint"):
            return [-_matmul(ainv, _matmul(g, ainv, adjoint_a=True))]
        return [-_matmul(ainv, _matmul(g, ainv, adjoint_b=True), adjoint_a=True)]


@defop("Qr", inputs=("input: T",), outputs=("q: T", "r: T"), attrs={"full_matrices": False})
class Qr:
    """The QR decomposition of each matrix: `input = q @ r`, r upper triangular."""
    def shape(op):
        s = op.inputs[0].shape.with_rank_at_least(2)
        if s.ndims is None:
            return [tensor_shape.unknown_shape()] * 2
        batch, (m, n) = s[:-2], s.as_list()[-2:]
        k = None if m is None or n is None else min(m, n)
        if op.get_attr("full_matrices"):
            return [batch.concatenate([m, m]), batch.concatenate([m, n])]
        return [batch.concatenate([m, k]), batch.concatenate([k, n])]

    def kernel(xp, input, full_matrices):
        q, r = xp.linalg.qr(input, mode="complete" if full_matrices else "reduced")
        return q.astype(input.dtype, copy=False), r.astype(input.dtype, copy=False)

    def grad(op, dq, dr):
        # Reduced QR of deep or square matrices (full QR of a square matrix is the same):
        # see Walter & Lehmann, "Algorithmic differentiation of linear algebra functions"
        # (2018). A wide matrix [X | Y] is X = Q U with Y = Q V: its gradient is the square
        # case's for X (with Q's gradient taking Y dV^H) beside Q dV for Y, as TF does.
        a = op.inputs[0].shape
        m, n = (a.as_list()[-2:] if a.ndims is not None else (None, None))
        if m is None or n is None or (op.get_attr("full_matrices") and m > n):
            raise NotImplementedError("QR gradient needs static matrix sizes and is not "
                                      "implemented for full_matrices=True with nrows > ncols")
        q, r = op.outputs
        dq = dq if dq is not None else _zeros_like(q)
        dr = dr if dr is not None else _zeros_like(r)
        if m >= n:
            return [_qr_grad_deep(q, r, dq, dr)]
        from flowgraph.ops.join_ops import concat
        u = r[..., :, :m]
        du, dv = dr[..., :, :m], dr[..., :, m:]
        y = op.inputs[0][..., :, m:]
        dx = _qr_grad_deep(q, u, dq + _matmul(y, dv, adjoint_b=True), du)
        return [concat([dx, _matmul(q, dv)], -1)]


def _zeros_like(x):
    from flowgraph.ops.creation_ops import zeros_like
    return zeros_like(x)


def _qr_grad_deep(q, r, dq, dr):
    """The gradient of reduced QR for m >= n (r square, invertible)."""
    qdq = _matmul(q, dq, adjoint_a=True)
    rdr = _matmul(r, dr, adjoint_b=True)
    tril = matrix_band_part(qdq - _adjoint(qdq) + rdr - _adjoint(rdr), -1, 0)

    def solve_right(x):  # x @ inv(r)^H
        return _adjoint(matrix_triangular_solve(r, _adjoint(x), lower=False))
    grad_a = _matmul(q, dr + solve_right(tril))
    grad_b = solve_right(dq - _matmul(q, qdq))
    return grad_a + grad_b


def matrix_band_part(input, num_lower, num_upper, name=None):
    """Zeroes everything outside a band around each matrix's diagonal."""
    return apply_op("MatrixBandPart", [input, num_lower, num_upper], name=name)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """`x` with `matrix @ x = rhs`, `matrix` lower (or upper) triangular."""
    return apply_op("MatrixTriangularSolve", [matrix, rhs],
                    {"lower": lower, "adjoint": adjoint}, name=name)


def matrix_inverse(input, adjoint=False, name=None):
    """The inverse of each square matrix in `input`."""
    return apply_op("MatrixInverse", [input], {"adjoint": adjoint}, name=name)


def qr(input, full_matrices=False, name=None):
    """(q, r) with `input = q @ r`."""
    return apply_op("Qr", [input], {"full_matrices": full_matrices}, name=name)
