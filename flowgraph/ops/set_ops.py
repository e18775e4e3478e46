"""`tf.sets`: set operations over the last dimension of dense or sparse tensors.

Each position of the leading (batch) dimensions holds one set: the values of its last
dimension (a dense row, or a sparse tensor's entries there). Results are SparseTensors
whose sets are sorted, with dense shape batch + [largest result set]."""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape

from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue

_NAMES = ["set_size", "set_intersection", "set_union", "set_difference"]
__all__ = []
__namespaces__ = {"sets": _NAMES + ["size=set_size", "intersection=set_intersection",
                                    "union=set_union", "difference=set_difference"]}
_SET_TYPES = {dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
              dtypes.uint16, dtypes.string}
_OPERATIONS = {"a-b": lambda a, b: a - b, "b-a": lambda a, b: b - a,
               "intersection": lambda a, b: a & b, "union": lambda a, b: a | b}


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _key(v):
    return v.item() if isinstance(v, np.generic) else v


def _dense_sets(x):
    """(batch shape, {batch index: set}) of a dense tensor's rows."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise _invalid(f"Invalid rank {x.ndim}: sets need rank >= 2")
    batch = x.shape[:-1]
    rows = x.reshape(-1, x.shape[-1])
    return batch, {idx: {_key(v) for v in rows[k]}
                   for k, idx in enumerate(np.ndindex(*batch))}


def _sparse_sets(indices, values, shape, validate):
    shape = tuple(int(d) for d in np.asarray(shape))
    if len(shape) < 2:
        raise _invalid(f"Invalid rank {len(shape)}: sets need rank >= 2")
    indices = np.asarray(indices).reshape(-1, len(shape))
    if validate and len(indices) and (np.any(indices < 0) or
                                      np.any(indices >= np.asarray(shape))):
        raise _invalid(f"Invalid indices: out of bounds of shape {list(shape)}")
    sets = {idx: set() for idx in np.ndindex(*shape[:-1])}
    for idx, v in zip(indices, np.asarray(values).reshape(-1)):
        sets[tuple(int(i) for i in idx[:-1])].add(_key(v))
    return shape[:-1], sets


def _result(batch1, sets1, batch2, sets2, set_operation, dtype):
    if batch1 != batch2:
        raise _invalid(f"Shapes {list(batch1)} and {list(batch2)} of the sets' leading "
                       "dimensions do not match")
    if set_operation not in _OPERATIONS:
        raise _invalid(f"Invalid set_operation {set_operation}")
    op = _OPERATIONS[set_operation]
    indices, values, width = [], [], 0
    for idx in np.ndindex(*batch1):
        members = sorted(op(sets1[idx], sets2[idx]))
        width = max(width, len(members))
        indices += [list(idx) + [j] for j in range(len(members))]
        values += members
    rank = len(batch1) + 1
    values = np.array(values, dtype=dtype).reshape(-1)   # dtype: T as a numpy dtype
    return (np.array(indices, np.int64).reshape(-1, rank), values,
            np.array(list(batch1) + [width], np.int64))


def _result_shapes(rank):
    return [tensor_shape.TensorShape([None, rank]), tensor_shape.TensorShape([None]),
            tensor_shape.TensorShape([rank])]


def _check_type(op):
    t = op.get_attr("T")
    if t not in _SET_TYPES:
        raise TypeError(f"Value passed to parameter 'set1' has DataType {t.name} not in list "
                        f"of allowed values: int8, int16, int32, int64, uint8, uint16, string")


_SET_ATTRS = {"set_operation": None, "validate_indices": True, "T": None}
_OUTPUTS = ("result_indices: int64", "result_values: T", "result_shape: int64")


@defop("DenseToDenseSetOperation", inputs=("set1: T", "set2: T"), outputs=_OUTPUTS,
       attrs=_SET_ATTRS)
class DenseToDenseSetOperation:
    """`set_operation` of the sets in the last dimension of two dense tensors."""
    grad = NOT_DIFFERENTIABLE
    devices = ("CPU",)

    def shape(op):
        _check_type(op)
        a = op.inputs[0].shape.with_rank_at_least(2)
        b = op.inputs[1].shape.with_rank_at_least(2)
        return _result_shapes(a.ndims if a.ndims is not None else b.ndims)

    def kernel(xp, set1, set2, set_operation, validate_indices, T):
        return _result(*_dense_sets(set1), *_dense_sets(set2), set_operation, T)


@defop("DenseToSparseSetOperation",
       inputs=("set1: T", "set2_indices: int64", "set2_values: T", "set2_shape: int64"),
       outputs=_OUTPUTS, attrs=_SET_ATTRS)
class DenseToSparseSetOperation:
    """`set_operation` of a dense tensor's sets and a sparse tensor's."""
    grad = NOT_DIFFERENTIABLE
    devices = ("CPU",)

    def shape(op):
        _check_type(op)
        return _result_shapes(op.inputs[0].shape.with_rank_at_least(2).ndims)

    def kernel(xp, set1, set2_indices, set2_values, set2_shape, set_operation,
               validate_indices, T):
        return _result(*_dense_sets(set1), *_sparse_sets(set2_indices, set2_values,
                                                         set2_shape, validate_indices),
                       set_operation, T)


@defop("SparseToSparseSetOperation",
       inputs=("set1_indices: int64", "set1_values: T", "set1_shape: int64",
               "set2_indices: int64", "set2_values: T", "set2_shape: int64"),
       outputs=_OUTPUTS, attrs=_SET_ATTRS)
class SparseToSparseSetOperation:
    """`set_operation` of two sparse tensors' sets."""
    grad = NOT_DIFFERENTIABLE
    devices = ("CPU",)

    def shape(op):
        _check_type(op)
        rank = op.inputs[2].shape.with_rank(1).as_list()[0]
        return _result_shapes(rank)

    def kernel(xp, set1_indices, set1_values, set1_shape, set2_indices, set2_values,
               set2_shape, set_operation, validate_indices, T):
        return _result(*_sparse_sets(set1_indices, set1_values, set1_shape,
                                     validate_indices),
                       *_sparse_sets(set2_indices, set2_values, set2_shape,
                                     validate_indices), set_operation, T)


@defop("SetSize", inputs=("set_indices: int64", "set_values: T", "set_shape: int64"),
       outputs=("size: int32",), attrs={"validate_indices": True, "T": None})
class SetSize:
    """The number of distinct values in each set of a sparse tensor's last dimension."""
    grad = NOT_DIFFERENTIABLE
    devices = ("CPU",)

    def shape(op):
        _check_type(op)
        return tensor_shape.unknown_shape()

    def kernel(xp, set_indices, set_values, set_shape, validate_indices):
        batch, sets = _sparse_sets(set_indices, set_values, set_shape, validate_indices)
        return np.array([len(sets[i]) for i in np.ndindex(*batch)],
                        np.int32).reshape(batch)


# -- builders ---------------------------------------------------------------------------
def _sparse(x):
    return SparseTensor.from_value(x) if isinstance(x, (SparseTensor, SparseTensorValue)) \
        else None


def _set_operation(a, b, set_operation, validate_indices):
    sa, sb = _sparse(a), _sparse(b)
    attrs = {"set_operation": set_operation, "validate_indices": validate_indices}
    if sa is None and sb is None:
        a = convert_to_tensor(a, name="a")
        out = apply_op("DenseToDenseSetOperation", [a, convert_to_tensor(b, a.dtype)], attrs)
    elif sa is None:
        out = apply_op("DenseToSparseSetOperation",
                       [a, sb.indices, sb.values, sb.dense_shape], attrs)
    elif sb is None:   # TF puts the dense operand first, turning a-b into b-a
        attrs["set_operation"] = {"a-b": "b-a", "b-a": "a-b"}.get(set_operation,
                                                                    set_operation)
        out = apply_op("DenseToSparseSetOperation",
                       [b, sa.indices, sa.values, sa.dense_shape], attrs)
    else:
        out = apply_op("SparseToSparseSetOperation",
                       [sa.indices, sa.values, sa.dense_shape,
                        sb.indices, sb.values, sb.dense_shape], attrs)
    return SparseTensor(*out)


def set_size(a, validate_indices=True):
    """The number of unique values in each set of the last dimension of SparseTensor `a`."""
    sa = _sparse(a)
    if sa is None:
        raise TypeError(f"Expected `SparseTensor`, got {a!r}.")
    return apply_op("SetSize", [sa.indices, sa.values, sa.dense_shape],
                    {"validate_indices": validate_indices})


def set_intersection(a, b, validate_indices=True):
    """The sets of values found in both `a` and `b`, per last-dimension set."""
    return _set_operation(a, b, "intersection", validate_indices)


def set_union(a, b, validate_indices=True):
    """The sets of values found in `a` or `b`, per last-dimension set."""
    return _set_operation(a, b, "union", validate_indices)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """`a - b` (or `b - a`) of each last-dimension set."""
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)


