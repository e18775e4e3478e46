"""`tf.IndexedSlices`: a sparse gradient, rows `values` at `indices` of a dense tensor."""
from flowgraph.framework.op_builder import apply_op, register_tensor_conversion_function


class IndexedSlices:
    """Rows `values[i]` of a dense tensor of shape `dense_shape` at `indices[i]`."""

    def __init__(self, values, indices, dense_shape=None):
        self._values, self._indices, self._dense_shape = values, indices, dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)
    name = property(lambda self: self._values.name)
    dtype = property(lambda self: self._values.dtype)
    op = property(lambda self: self._values.op)
    graph = property(lambda self: self._values.graph)
    device = property(lambda self: self._values.device)

    def __repr__(self):
        return (f"IndexedSlices(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")

    def __neg__(self):
        return IndexedSlices(apply_op("Neg", [self._values]), self._indices, self._dense_shape)


class IndexedSlicesValue:
    """The value of a fetched IndexedSlices."""

    def __init__(self, values, indices, dense_shape):
        self.values, self.indices, self.dense_shape = values, indices, dense_shape

    def __repr__(self):
        return (f"IndexedSlicesValue(values={self.values!r}, indices={self.indices!r}, "
                f"dense_shape={self.dense_shape!r})")


def _to_dense(value, dtype=None, name=None, as_ref=False):
    """Densifies by summing rows into place (repeated indices add up)."""
    if value.dense_shape is None:
        raise ValueError(f"Tensor conversion requested for IndexedSlices without "
                         f"dense_shape: {value}")
    return apply_op("UnsortedSegmentSum", [value.values, value.indices, value.dense_shape[0]],
                    name=name)


register_tensor_conversion_function(IndexedSlices, _to_dense)
