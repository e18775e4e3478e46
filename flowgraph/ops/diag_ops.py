"""Diagonals: matrix_diag, matrix_diag_part, matrix_set_diag (the V3 ops, with diagonal
bands `k` and alignment), tensor diag / diag_part, and eye."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape
from flowgraph.ops.array_ops import _static_value, _fn, _int_list, _shape_of

__all__ = ["matrix_diag", "matrix_diag_part", "matrix_set_diag", "diag", "diag_part", "eye"]
__namespaces__ = {"linalg": ["diag=matrix_diag", "diag_part=matrix_diag_part",
                             "set_diag=matrix_set_diag", "tensor_diag=diag",
                             "tensor_diag_part=diag_part", "eye"]}


def _band(k):
    """(k0, k1) from a scalar or pair k."""
    k = _int_list(k)
    if len(k) not in (1, 2):
        raise ValueError(f"k must have one or two elements, got {len(k)}")
    k0, k1 = (k[0], k[0]) if len(k) == 1 else k
    if k0 > k1:
        raise ValueError(f"k[0] must not be larger than k[1]: {k0} > {k1}")
    return k0, k1


def _align(align):
    a = align.decode() if isinstance(align, bytes) else align
    sup, sub = a.split("_")
    return sup == "RIGHT", sub == "RIGHT"


def _diag_len(m, n, d):
    return min(m + min(0, d), n - max(0, d))


def _diag_index(m, n, k0, k1, max_len, align):
    """Index arrays (rows, cols, diag_rows, diag_cols): matrix entry (rows[i], cols[i]) is
    entry (diag_rows[i], diag_cols[i]) of the packed diagonals [num_diags, max_len]."""
    sup_right, sub_right = _align(align)
    r, c, dr, dc = [], [], [], []
    for d in range(k1, k0 - 1, -1):
        length = _diag_len(m, n, d)
        if length <= 0:
            continue
        right = sup_right if d >= 0 else sub_right
        off = max_len - length if right else 0
        j = np.arange(length)
        r.append(j + max(0, -d))
        c.append(j + max(0, d))
        dr.append(np.full(length, k1 - d))
        dc.append(j + off)
    if not r:
        return (np.zeros(0, np.int64),) * 4
    return tuple(np.concatenate(x) for x in (r, c, dr, dc))


def _scalar(t):
    v = _static_value(t)
    return None if v is None else int(v)


# -- MatrixDiagV3 ---------------------------------------------------------------------------

def _diag_dims(diag_shape, k0, k1, rows, cols):
    """(batch dims, num_rows, num_cols) for MatrixDiagV3 (None where unknown)."""
    dims = diag_shape.as_list()
    max_len = dims[-1]
    batch = dims[:-1] if k0 == k1 else dims[:-2]
    if k0 != k1 and dims[-2] is not None and dims[-2] != k1 - k0 + 1:
        raise ValueError("The number of rows of `diagonal` doesn't match the number of "
                         f"diagonals implied from `d_lower` and `d_upper`. num_diags = "
                         f"{dims[-2]}, d_lower = {k0}, d_upper = {k1}")
    if max_len is None:
        return batch, (rows if rows not in (None, -1) else None), \
            (cols if cols not in (None, -1) else None)
    min_rows, min_cols = max_len - min(k1, 0), max_len + max(k0, 0)
    if rows is None or cols is None:
        return (batch, None if rows in (None, -1) else rows,
                None if cols in (None, -1) else cols)
    if rows == -1 and cols == -1:
        rows = cols = max(min_rows, min_cols)
    elif rows == -1:
        rows = min_rows
    elif cols == -1:
        cols = min_cols
    if rows < min_rows or cols < min_cols:
        raise ValueError(f"The number of rows or columns is not consistent with the specified "
                         f"d_lower, d_upper, and diagonal: {rows} x {cols}")
    return batch, rows, cols


@defop("MatrixDiagV3", inputs=("diagonal: T", "k: int32", "num_rows: int32",
                               "num_cols: int32", "padding_value: T"),
       outputs=("output: T",), attrs={"align": "RIGHT_LEFT"})
class MatrixDiagV3:
    """Batched matrices with the given diagonals (band `k`), `padding_value` elsewhere."""
    def shape(op):
        d = op.inputs[0].shape
        k = _static_value(op.inputs[1])
        if d.ndims is None or k is None:
            return unknown_shape()
        k0, k1 = _band(k)
        d.with_rank_at_least(1 if k0 == k1 else 2)
        batch, rows, cols = _diag_dims(d, k0, k1, _scalar(op.inputs[2]),
                                       _scalar(op.inputs[3]))
        return TensorShape(batch + [rows, cols])

    def kernel(xp, diagonal, k, num_rows, num_cols, padding_value, align):
        try:
            k0, k1 = _band(k)
            batch, m, n = _diag_dims(TensorShape(diagonal.shape), k0, k1, int(num_rows),
                                     int(num_cols))
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        if k0 == k1:
            diagonal = diagonal[..., None, :]
        rows, cols, dr, dc = _diag_index(m, n, k0, k1, diagonal.shape[-1], align)
        out = xp.full(tuple(batch) + (m, n), padding_value, dtype=diagonal.dtype)
        out[..., xp.asarray(rows), xp.asarray(cols)] = diagonal[..., xp.asarray(dr),
                                                                xp.asarray(dc)]
        return out

    def grad(op, g):
        return [matrix_diag_part(g, k=op.inputs[1], align=op.get_attr("align")),
                None, None, None, None]


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT"):
    """Returns batched matrices with the given batched diagonals (band `k`)."""
    with name_scope(name, "diag", [diagonal]) as scope:
        diagonal = convert_to_tensor(diagonal, name="diagonal")
        return apply_op("MatrixDiagV3", [
            diagonal, convert_to_tensor(k, dtype=dtypes.int32, name="k"),
            convert_to_tensor(num_rows, dtype=dtypes.int32, name="num_rows"),
            convert_to_tensor(num_cols, dtype=dtypes.int32, name="num_cols"),
            convert_to_tensor(padding_value, dtype=diagonal.dtype, name="padding_value")],
            {"align": align}, name=scope)


# -- MatrixDiagPartV3, MatrixSetDiagV3 ------------------------------------------------------

def _part_dims(mat_shape, k0, k1):
    """(batch dims, packed diagonal dims) for the diagonals band k0..k1 of matrices."""
    dims = mat_shape.as_list()
    m, n = dims[-2], dims[-1]
    max_len = None
    if m is not None and n is not None:
        if m and n and not (-m < k0 <= k1 < n):
            raise ValueError(f"Diagonal band [{k0}, {k1}] is out of range for a {m} x {n} "
                             "matrix")
        max_len = max(min(m + min(k1, 0), n - max(k0, 0)), 0)
    return dims[:-2], ([] if k0 == k1 else [k1 - k0 + 1]) + [max_len]


@defop("MatrixDiagPartV3", inputs=("input: T", "k: int32", "padding_value: T"),
       outputs=("diagonal: T",), attrs={"align": "RIGHT_LEFT"})
class MatrixDiagPartV3:
    """The diagonals (band `k`) of batched matrices, packed and padded with
    `padding_value`."""
    def shape(op):
        x = op.inputs[0].shape
        k = _static_value(op.inputs[1])
        if x.ndims is None or k is None:
            return unknown_shape()
        x.with_rank_at_least(2)
        batch, tail = _part_dims(x, *_band(k))
        return TensorShape(batch + tail)

    def kernel(xp, input, k, padding_value, align):
        try:
            k0, k1 = _band(k)
            batch, tail = _part_dims(TensorShape(input.shape), k0, k1)
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        m, n = input.shape[-2:]
        max_len = tail[-1]
        out = xp.full(tuple(batch) + (k1 - k0 + 1, max_len), padding_value, dtype=input.dtype)
        rows, cols, dr, dc = _diag_index(m, n, k0, k1, max_len, align)
        out[..., xp.asarray(dr), xp.asarray(dc)] = input[..., xp.asarray(rows),
                                                         xp.asarray(cols)]
        return out[..., 0, :] if k0 == k1 else out

    def grad(op, g):
        x = op.inputs[0]
        k, align = op.inputs[1], op.get_attr("align")
        if x.shape.is_fully_defined():
            from flowgraph.ops import creation_ops
            base = creation_ops.zeros(x.shape.as_list(), x.dtype)
            return [matrix_set_diag(base, g, k=k, align=align), None, None]
        s = _shape_of(x)
        return [matrix_diag(g, k=k, num_rows=s[-2], num_cols=s[-1], align=align), None, None]


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """Returns the batched diagonal part (band `k`) of batched matrices."""
    with name_scope(name, "diag_part", [input]) as scope:
        input = convert_to_tensor(input, name="input")
        return apply_op("MatrixDiagPartV3", [
            input, convert_to_tensor(k, dtype=dtypes.int32, name="k"),
            convert_to_tensor(padding_value, dtype=input.dtype, name="padding_value")],
            {"align": align}, name=scope)


@defop("MatrixSetDiagV3", inputs=("input: T", "diagonal: T", "k: int32"),
       outputs=("output: T",), attrs={"align": "RIGHT_LEFT"})
class MatrixSetDiagV3:
    """Batched matrices `input` with their diagonals (band `k`) replaced by `diagonal`."""
    def shape(op):
        x, d = op.inputs[0].shape, op.inputs[1].shape
        k = _static_value(op.inputs[2])
        if x.ndims is None or k is None:
            return x
        x.with_rank_at_least(2)
        batch, tail = _part_dims(x, *_band(k))
        if d.ndims is not None and not d.is_compatible_with(batch + tail):
            raise ValueError(f"diagonal shape {d} is not compatible with "
                             f"{TensorShape(batch + tail)}")
        return x

    def kernel(xp, input, diagonal, k, align):
        try:
            k0, k1 = _band(k)
            batch, tail = _part_dims(TensorShape(input.shape), k0, k1)
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        if tuple(batch + tail) != diagonal.shape:
            raise errors.InvalidArgumentError(
                None, None, f"diagonal must have shape {batch + tail}, got "
                            f"{list(diagonal.shape)}")
        if k0 == k1:
            diagonal = diagonal[..., None, :]
        m, n = input.shape[-2:]
        rows, cols, dr, dc = _diag_index(m, n, k0, k1, tail[-1], align)
        out = xp.array(input, copy=True)
        out[..., xp.asarray(rows), xp.asarray(cols)] = diagonal[..., xp.asarray(dr),
                                                                xp.asarray(dc)]
        return out

    def grad(op, g):
        from flowgraph.ops import creation_ops
        k, align = op.inputs[2], op.get_attr("align")
        dx = matrix_set_diag(g, creation_ops.zeros_like(op.inputs[1]), k=k, align=align)
        return [dx, matrix_diag_part(g, k=k, align=align), None]


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):
    """Returns batched matrices `input` with new batched diagonal values (band `k`)."""
    with name_scope(name, "set_diag", [input, diagonal]) as scope:
        return apply_op("MatrixSetDiagV3", [
            input, diagonal, convert_to_tensor(k, dtype=dtypes.int32, name="k")],
            {"align": align}, name=scope)


# -- Diag, DiagPart -------------------------------------------------------------------------

@defop("Diag", inputs=("diagonal: T",), outputs=("output: T",))
class Diag:
    """A tensor of rank 2r with `diagonal` (rank r) on its diagonal, zeros elsewhere."""
    def shape(op):
        d = op.inputs[0].shape
        if d.ndims is None:
            return unknown_shape()
        return d.concatenate(d)

    def kernel(xp, diagonal):
        n = diagonal.size
        out = xp.zeros((n, n), dtype=diagonal.dtype)
        out[xp.arange(n), xp.arange(n)] = diagonal.reshape(-1)
        return out.reshape(diagonal.shape + diagonal.shape)

    def grad(op, g):
        return [diag_part(g)]


@defop("DiagPart", inputs=("input: T",), outputs=("diagonal: T",))
class DiagPart:
    """The diagonal of a rank-2r tensor of shape s + s, as a tensor of shape s."""
    def shape(op):
        x = op.inputs[0].shape
        if x.ndims is None:
            return unknown_shape()
        if x.ndims % 2:
            raise ValueError(f"Input must have even rank, got rank {x.ndims}")
        h = x.ndims // 2
        return x[:h].merge_with(x[h:])

    def kernel(xp, input):
        h = np.ndim(input) // 2
        if np.ndim(input) % 2 or input.shape[:h] != input.shape[h:]:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid shape {list(input.shape)}: the first half of the "
                            "dimensions must equal the second half")
        s = input.shape[:h]
        n = int(np.prod(s))
        return input.reshape(n, n)[xp.arange(n), xp.arange(n)].reshape(s)

    def grad(op, g):
        return [diag(g)]


def diag(diagonal, name=None):
    """A tensor with `diagonal` on its diagonal (rank doubles)."""
    return apply_op("Diag", [diagonal], name=name)


def diag_part(input, name=None):
    """The diagonal part of a tensor of shape s + s."""
    return apply_op("DiagPart", [input], name=name)


# -- eye ------------------------------------------------------------------------------------

def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """A (batch of) identity matrix: ones on the main diagonal."""
    from flowgraph.ops import creation_ops, join_ops
    with name_scope(name, "eye", [num_rows, num_columns, batch_shape]):
        is_square = num_columns is None
        batch_shape = [] if batch_shape is None else batch_shape
        num_columns = num_rows if num_columns is None else num_columns
        static = not any(isinstance(v, Tensor) for v in (num_rows, num_columns)) and \
            not isinstance(batch_shape, Tensor)
        if static:
            diag_size = min(int(num_rows), int(num_columns))
            diag_shape = list(batch_shape) + [diag_size]
            shape = list(batch_shape) + [int(num_rows), int(num_columns)]
        else:
            diag_size = _fn("minimum")(num_rows, num_columns)
            batch_t = convert_to_tensor(batch_shape, dtype=dtypes.int32)
            diag_shape = join_ops.concat([batch_t, join_ops.stack([diag_size])], 0)
            shape = join_ops.concat([batch_t, join_ops.stack([num_rows, num_columns])], 0)
        ones = creation_ops.ones(diag_shape, dtype)
        if is_square:
            return matrix_diag(ones)
        return matrix_set_diag(creation_ops.zeros(shape, dtype), ones)
