"""`Bucketize`: the index of the bucket each value falls in, given sorted boundaries
(what `tf.feature_column.bucketized_column` and `tf.raw_ops.Bucketize` compute)."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.array_ops import _host

__all__ = []
_TYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


@defop("Bucketize", inputs=("input: T",), outputs=("output: int32",),
       attrs={"boundaries": None})
class Bucketize:
    """For each value, how many of the sorted `boundaries` are <= it: bucket i holds
    [boundaries[i-1], boundaries[i])."""
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, input, boundaries):
        b = np.asarray(boundaries, np.float32)  # the attr is list(float)
        if (np.diff(b) < 0).any():
            raise errors.InvalidArgumentError(None, None, "Expected sorted boundaries")
        x = _host(input)
        # As TF's C++ compare: doubles against the widened floats, the rest as floats.
        wide = np.float64 if x.dtype == np.float64 else np.float32
        out = np.searchsorted(b.astype(wide), x.astype(wide), side="right")
        return xp.asarray(out.astype(np.int32).reshape(x.shape))


def bucketize(input, boundaries, name=None):
    """Bucket indices (int32, same shape as `input`) of `input` by sorted `boundaries`."""
    x = convert_to_tensor(input, name="input")
    if x.dtype.base_dtype not in _TYPES:
        raise TypeError(f"Value passed to parameter 'input' has DataType "
                        f"{x.dtype.base_dtype.name} not in list of allowed values: "
                        "int32, int64, float32, float64")
    return apply_op("Bucketize", [x], {"boundaries": [float(b) for b in boundaries]},
                    name=name)
