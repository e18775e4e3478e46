"""Counting, binning and searching: Bincount, HistogramFixedWidth, LowerBound/UpperBound
(searchsorted), and the Python-level histogram_fixed_width_bins, confusion_matrix,
is_non_decreasing and is_strictly_increasing."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops.array_ops import _host
from flowgraph.ops.math_common import check_type, REAL_NUMERIC

__all__ = ["bincount", "histogram_fixed_width", "histogram_fixed_width_bins",
           "searchsorted", "confusion_matrix", "is_non_decreasing", "is_strictly_increasing"]
__namespaces__ = {"math": ["bincount", "confusion_matrix", "is_non_decreasing",
                           "is_strictly_increasing"]}
_BINCOUNT_T = frozenset((dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64))


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


@defop("DenseBincount", inputs=("input: Tidx", "size: Tidx", "weights: T"),
       outputs=("output: T",), attrs={"Tidx": dtypes.int32, "binary_output": False})
class DenseBincount:
    """Counts (or sums `weights` over) the occurrences of each value in `input` (per row
    for a matrix)."""
    def shape(op):
        check_type(op, _BINCOUNT_T, arg="weights")
        from flowgraph.framework.op_builder import constant_value
        v = constant_value(op.inputs[1])
        s = op.inputs[0].shape
        size = None if v is None else int(v)
        if s.ndims is not None and s.ndims > 2:
            raise ValueError(f"Shape must be at most rank 2 but is rank {s.ndims}")
        return TensorShape([size]) if s.ndims in (None, 0, 1) else \
            TensorShape([s[0], size])

    def kernel(xp, input, size, weights, binary_output):
        a, n = _host(input), int(_host(size))
        if n < 0:
            raise _invalid(f"size ({n}) must be non-negative")
        if (a < 0).any():
            raise _invalid(f"Input arr must be non-negative, got {int(a.min())}")
        w = _host(weights)
        rows = a.reshape(-1, a.shape[-1] if a.ndim else 1) if a.ndim == 2 else a.reshape(1, -1)
        wr = w.reshape(rows.shape) if w.size else None
        out = np.zeros((rows.shape[0], n), np.float64)
        for r in range(rows.shape[0]):
            keep = rows[r] < n
            counts = np.bincount(rows[r][keep], weights=None if wr is None else
                                 wr[r][keep].astype(np.float64), minlength=n)[:n]
            out[r] = (counts > 0) if binary_output else counts
        out = out if a.ndim == 2 else out[0]
        return xp.asarray(out.astype(weights.dtype))
    grad = NOT_DIFFERENTIABLE


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32,
             name=None):
    """Counts the number of occurrences of each value in an integer array."""
    from flowgraph.ops import reduction_ops
    with name_scope(name, "bincount", [arr, weights, minlength, maxlength]):
        arr = apply_op("Cast", [convert_to_tensor(arr, name="arr")], {"DstT": dtypes.int32})
        n = apply_op("Size", [arr], {"out_type": dtypes.int32})
        has = apply_op("Greater", [n, convert_to_tensor(0)])
        top = apply_op("AddV2", [reduction_ops.reduce_max(arr), convert_to_tensor(1)])
        size = apply_op("Mul", [apply_op("Cast", [has], {"DstT": dtypes.int32}), top])
        if minlength is not None:
            size = apply_op("Maximum", [convert_to_tensor(minlength, dtypes.int32), size])
        if maxlength is not None:
            size = apply_op("Minimum", [convert_to_tensor(maxlength, dtypes.int32), size])
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
        else:
            weights = convert_to_tensor(np.zeros((0,), dtypes.as_dtype(dtype).as_numpy_dtype))
        return apply_op("DenseBincount", [arr, size, weights])


@defop("HistogramFixedWidth", inputs=("values: T", "value_range: T", "nbins: int32"),
       outputs=("out: dtype",), attrs={"dtype": dtypes.int32})
class HistogramFixedWidth:
    """Counts `values` in `nbins` equal bins over `value_range` (outliers go to the end
    bins)."""
    def shape(op):
        check_type(op, REAL_NUMERIC - {dtypes.uint8, dtypes.uint16, dtypes.uint32,
                                       dtypes.uint64, dtypes.int8, dtypes.int16},
                   arg="values")
        from flowgraph.framework.op_builder import constant_value
        v = constant_value(op.inputs[2])
        return TensorShape([None if v is None else int(v)])

    def kernel(xp, values, value_range, nbins, dtype):
        n = int(_host(nbins))
        if n <= 0:
            raise _invalid(f"nbins should be a positive number, but got '{n}'")
        lo, hi = (float(v) for v in _host(value_range).reshape(-1)[:2])
        if not lo < hi:
            raise _invalid(f"value_range should satisfy value_range[0] < value_range[1], "
                           f"but got '[{lo}, {hi}]'")
        idx = _bins(_host(values).reshape(-1), lo, hi, n)
        return xp.asarray(np.bincount(idx, minlength=n).astype(dtype))
    grad = NOT_DIFFERENTIABLE


def _bins(v, lo, hi, n):
    return np.clip(np.floor((v.astype(np.float64) - lo) / (hi - lo) * n), 0, n - 1) \
        .astype(np.int64)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Returns a histogram of `values` over `nbins` equal-width bins of `value_range`."""
    with name_scope(name, "histogram_fixed_width", [values, value_range, nbins]):
        values = convert_to_tensor(values, name="values")
        return apply_op("HistogramFixedWidth", [values, value_range,
                                                convert_to_tensor(nbins, dtypes.int32)],
                        {"dtype": dtypes.as_dtype(dtype)})


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32,
                               name=None):
    """The index of the bin each of `values` falls into (same shape as `values`)."""
    from flowgraph.ops import array_ops
    with name_scope(name, "histogram_fixed_width_bins", [values, value_range, nbins]):
        values = convert_to_tensor(values, name="values")
        shape = array_ops.shape(values)
        flat = apply_op("Reshape", [values, convert_to_tensor([-1])])
        value_range = convert_to_tensor(value_range, name="value_range")
        nbins_f = apply_op("Cast", [convert_to_tensor(nbins, dtypes.int32)],
                           {"DstT": values.dtype.base_dtype})
        lo, hi = value_range[0], value_range[1]
        scaled = apply_op("RealDiv", [apply_op("Sub", [flat, lo]), apply_op("Sub", [hi, lo])])
        idx = apply_op("Floor", [apply_op("Mul", [nbins_f, scaled])])
        idx = apply_op("Maximum", [apply_op("Minimum", [idx, apply_op(
            "Sub", [nbins_f, convert_to_tensor(1, values.dtype.base_dtype)])]),
            convert_to_tensor(0, values.dtype.base_dtype)])
        idx = apply_op("Cast", [idx], {"DstT": dtypes.as_dtype(dtype)})
        return apply_op("Reshape", [idx, shape])


def _bound_op(op_type, side):
    @defop(op_type, inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
           attrs={"out_type": dtypes.int32})
    class Bound:
        def shape(op):
            s, v = op.inputs[0].shape, op.inputs[1].shape
            for t in (s, v):
                if t.ndims is not None and t.ndims != 2:
                    raise ValueError(f"Shape must be rank 2 but is rank {t.ndims}")
            if s.ndims == 2 and v.ndims == 2 and not s[:1].is_compatible_with(v[:1]):
                raise ValueError(f"Dimension 0 in both shapes must be equal: {s} vs {v}")
            return v

        def kernel(xp, sorted_inputs, values, out_type):
            s, v = _host(sorted_inputs), _host(values)
            if s.shape[0] != v.shape[0]:
                raise _invalid("Leading dim_size of both tensors must match.")
            out = np.stack([np.searchsorted(a, b, side=side) for a, b in zip(s, v)]) \
                if s.shape[0] else np.zeros(v.shape, np.int64)
            return xp.asarray(out.reshape(v.shape).astype(out_type))
        grad = NOT_DIFFERENTIABLE
    Bound.__doc__ = (f"For each row, the {'first' if side == 'left' else 'last'} position "
                     f"in `sorted_inputs` where each of `values` can be inserted.")
    return Bound


_bound_op("LowerBound", "left")
_bound_op("UpperBound", "right")


def _as_rows(t):
    """The shape [prod(shape[:-1]), shape[-1]] (no -1, so empty tensors reshape too)."""
    from flowgraph.ops import array_ops, reduction_ops
    shape = array_ops.shape(t)
    lead = reduction_ops.reduce_prod(shape[:-1])
    return apply_op("Pack", [[lead, shape[-1]]])


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Searches for where `values` go in the innermost dimension of `sorted_sequence`."""
    from flowgraph.ops import array_ops
    op_type = {"left": "LowerBound", "right": "UpperBound"}.get(side)
    if op_type is None:
        raise ValueError(f"side must be either 'right' or 'left'.  Saw: {side}.")
    with name_scope(name, "searchsorted", [sorted_sequence, values]):
        seq = convert_to_tensor(sorted_sequence, name="sorted_sequence")
        values = convert_to_tensor(values, name="values")
        s2, v2 = (apply_op("Reshape", [t, _as_rows(t)]) for t in (seq, values))
        out = apply_op(op_type, [s2, v2], {"out_type": dtypes.as_dtype(out_type)})
        return apply_op("Reshape", [out, array_ops.shape(values)])


def confusion_matrix(labels, predictions, num_classes=None, dtype=dtypes.int32, name=None,
                     weights=None):
    """The [num_classes, num_classes] matrix counting (label, prediction) pairs."""
    from flowgraph.ops import reduction_ops
    from flowgraph.ops.gather_ops import scatter_nd
    with name_scope(name, "confusion_matrix", [predictions, labels, num_classes, weights]):
        labels = apply_op("Cast", [convert_to_tensor(labels, name="labels")],
                          {"DstT": dtypes.int64})
        predictions = apply_op("Cast", [convert_to_tensor(predictions, name="predictions")],
                               {"DstT": dtypes.int64})
        if labels.shape.ndims is not None and predictions.shape.ndims is not None and \
                not labels.shape.is_compatible_with(predictions.shape):
            raise ValueError(f"labels and predictions must have the same shape, got "
                             f"{labels.shape} and {predictions.shape}")
        if num_classes is None:
            num_classes = apply_op("AddV2", [apply_op("Maximum", [
                reduction_ops.reduce_max(predictions), reduction_ops.reduce_max(labels)]),
                convert_to_tensor(1, dtypes.int64)])
        else:
            num_classes = apply_op("Cast", [convert_to_tensor(num_classes)],
                                   {"DstT": dtypes.int64})
        idx = apply_op("Pack", [[labels, predictions]], {"axis": 1})
        dtype = dtypes.as_dtype(dtype)
        values = apply_op("OnesLike", [predictions]) if weights is None else \
            convert_to_tensor(weights, name="weights")
        values = apply_op("Cast", [values], {"DstT": dtype})
        shape = apply_op("Pack", [[num_classes, num_classes]])
        return scatter_nd(idx, values, shape)


def _monotone(x, name, default, cmp):
    from flowgraph.ops import reduction_ops
    with name_scope(name, default, [x]):
        x = convert_to_tensor(x, name="x")
        if not (x.dtype.is_floating or x.dtype.is_integer):
            raise TypeError(f"Expected x to be numeric, got {x.dtype}")
        flat = apply_op("Reshape", [x, convert_to_tensor([-1])])
        tail = apply_op("StridedSlice", [flat, convert_to_tensor([1]), convert_to_tensor([0]),
                                         convert_to_tensor([1])], {"end_mask": 1})
        head = apply_op("StridedSlice", [flat, convert_to_tensor([0]),
                                         convert_to_tensor([-1]), convert_to_tensor([1])])
        return reduction_ops.reduce_all(apply_op(cmp, [head, tail]))


def is_non_decreasing(x, name=None):
    """True if `x` (flattened) is non-decreasing; True for fewer than two elements."""
    return _monotone(x, name, "is_non_decreasing", "LessEqual")


def is_strictly_increasing(x, name=None):
    """True if `x` (flattened) is strictly increasing; True for fewer than two elements."""
    return _monotone(x, name, "is_strictly_increasing", "Less")

