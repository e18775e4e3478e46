"""`tf.SparseTensor`: int64 `indices` [N, rank], `values` [N] and int64 `dense_shape`
[rank] tensors, and `tf.SparseTensorValue`, what `Session.run` returns for one. The ops
over them are in `flowgraph/ops/sparse_*.py`."""
import collections


from flowgraph.framework import default_stack, dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor, \
    constant_value_as_shape

__all__ = ["SparseTensor", "SparseTensorValue"]

SparseTensorValue = collections.namedtuple("SparseTensorValue",
                                           ["indices", "values", "dense_shape"])


class SparseTensor:
    """A sparse tensor: `values[i]` at `indices[i]` of a dense tensor of `dense_shape`."""

    def __init__(self, indices, values, dense_shape):
        with name_scope(None, "SparseTensor", [indices, values, dense_shape]):
            self._indices = convert_to_tensor(indices, dtype=dtypes.int64, name="indices")
            self._values = convert_to_tensor(values, name="values")
            self._dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64,
                                                  name="dense_shape")
        self._indices.shape.with_rank(2)
        self._values.shape.with_rank(1)
        self._dense_shape.shape.with_rank(1)
        self._shape = constant_value_as_shape(self._dense_shape)

    @classmethod
    def from_value(cls, value):
        if isinstance(value, SparseTensor):
            return value
        return cls(value.indices, value.values, value.dense_shape)

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    op = property(lambda self: self._values.op)
    graph = property(lambda self: self._values.graph)
    shape = property(lambda self: self._shape)

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refines the static dense shape (TF's `SparseTensor.set_shape`)."""
        self._shape = self._shape.merge_with(tensor_shape.as_shape(shape))

    def eval(self, feed_dict=None, session=None):
        return default_stack.session_for(session, self.graph).run(self, feed_dict)

    def consumers(self):
        return list({op for t in (self._indices, self._values, self._dense_shape)
                     for op in t.consumers()})

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")


def feed_parts(key, value):
    """[(tensor, value)] feeding the three component tensors of SparseTensor `key` with a
    SparseTensorValue or an (indices, values, dense_shape) tuple."""
    if isinstance(value, SparseTensorValue):
        parts = value
    elif isinstance(value, (tuple, list)) and len(value) == 3:
        parts = SparseTensorValue(*value)
    else:
        raise TypeError(f"The value fed for a SparseTensor must be a SparseTensorValue or a "
                        f"3-tuple (indices, values, dense_shape); got {type(value)}")
    return [(key.indices, parts.indices), (key.values, parts.values),
            (key.dense_shape, parts.dense_shape)]
