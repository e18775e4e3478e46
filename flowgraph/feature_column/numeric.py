"""`numeric_column` (a dense float feature, optionally normalized) and
`bucketized_column` (a numeric feature cut into buckets by sorted boundaries)."""
import collections

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops import array_ops, bucketize_ops, creation_ops, gather_ops, join_ops, \
    manip_ops, math_ops
from flowgraph.ops.parsing_config import FixedLenFeature
from flowgraph.feature_column import base

__all__ = ["numeric_column", "bucketized_column"]


def _is_nested(x):
    return isinstance(x, (list, tuple))


def _fill(shape, value):
    return tuple(_fill(shape[1:], value) for _ in range(shape[0])) if shape else value


def _as_tuple(value):
    return tuple(_as_tuple(v) for v in value) if _is_nested(value) else value


def _fits(value, shape):
    if _is_nested(value) != bool(shape):
        return False
    if not shape:
        return True
    return len(value) == shape[0] and all(_fits(v, shape[1:]) for v in value)


def _flatten(value):
    return [x for v in value for x in _flatten(v)] if _is_nested(value) else [value]


def check_default_value(shape, default_value, dtype, key):
    """`default_value` as nested tuples of `shape` (a scalar is repeated); TypeError or
    ValueError when it does not fit `shape` or `dtype`."""
    if default_value is None:
        return None
    if isinstance(default_value, int) and not isinstance(default_value, bool):
        return _fill(shape, default_value)
    if isinstance(default_value, float) and dtype.is_floating:
        return _fill(shape, default_value)
    if callable(getattr(default_value, "tolist", None)):  # numpy arrays
        default_value = default_value.tolist()
    if _is_nested(default_value):
        if not _fits(default_value, shape):
            raise ValueError(f"The shape of default_value must be equal to given shape. "
                             f"default_value: {default_value}, shape: {shape}, key: {key}")
        flat = _flatten(default_value)
        if all(isinstance(v, int) for v in flat):
            return _as_tuple(default_value)
        if any(isinstance(v, float) for v in flat) and dtype.is_floating:
            return _as_tuple(default_value)
    raise TypeError(f"default_value must be compatible with dtype. default_value: "
                    f"{default_value}, dtype: {dtype}, key: {key}")


class NumericColumn(base._DenseColumn, collections.namedtuple(
        "NumericColumn", ("key", "shape", "default_value", "dtype", "normalizer_fn"))):
    """See `numeric_column`."""

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def _transform_feature(self, inputs):
        t = inputs.get(self.key)
        if isinstance(t, SparseTensor):
            raise ValueError("The corresponding Tensor of numerical column must be a "
                             f"Tensor. SparseTensor is not supported. key: {self.key}")
        if self.normalizer_fn is not None:
            t = self.normalizer_fn(t)
        return math_ops.cast(t, dtypes.float32)

    @property
    def _variable_shape(self):
        return tensor_shape.TensorShape(self.shape)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return inputs.get(self)


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32,
                   normalizer_fn=None):
    """A dense feature `key` of `shape` (float32 after `normalizer_fn`, applied first)."""
    shape = base.check_shape(shape, key)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    default_value = check_default_value(shape, default_value, dtype, key)
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    base.assert_key_is_string(key)
    return NumericColumn(key, shape=shape, default_value=default_value, dtype=dtype,
                         normalizer_fn=normalizer_fn)


class BucketizedColumn(base._DenseColumn, base._CategoricalColumn, collections.namedtuple(
        "BucketizedColumn", ("source_column", "boundaries"))):
    """See `bucketized_column`."""

    @property
    def name(self):
        return f"{self.source_column.name}_bucketized"

    @property
    def _parse_example_spec(self):
        return self.source_column._parse_example_spec

    def _transform_feature(self, inputs):
        return bucketize_ops.bucketize(inputs.get(self.source_column), self.boundaries)

    @property
    def _variable_shape(self):
        return tensor_shape.TensorShape(
            tuple(self.source_column.shape) + (len(self.boundaries) + 1,))

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return gather_ops.one_hot(math_ops.cast(inputs.get(self), dtypes.int64),
                                  depth=len(self.boundaries) + 1, on_value=1.,
                                  off_value=0.)

    @property
    def _num_buckets(self):
        return (len(self.boundaries) + 1) * self.source_column.shape[0]

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        # Dimension i of the source gets ids [i * (len(boundaries) + 1), ...).
        t = inputs.get(self)
        batch = array_ops.shape(t)[0]
        dim = self.source_column.shape[0]
        i1 = array_ops.reshape(manip_ops.tile(array_ops.expand_dims(
            creation_ops.range(0, batch), 1), [1, dim]), (-1,))
        i2 = manip_ops.tile(creation_ops.range(0, dim), [batch])
        ids = array_ops.reshape(t, (-1,)) + (len(self.boundaries) + 1) * i2
        indices = math_ops.cast(array_ops.transpose(join_ops.stack((i1, i2))), dtypes.int64)
        shape = math_ops.cast(join_ops.stack([batch, dim]), dtypes.int64)
        return base.IdWeightPair(SparseTensor(indices, ids, shape), None)


def bucketized_column(source_column, boundaries):
    """`source_column` (a 1-D numeric column) as bucket ids by sorted `boundaries`:
    one-hot in input_layer, categorical in linear_model and crosses."""
    if not isinstance(source_column, NumericColumn):
        raise ValueError("source_column must be a column generated with numeric_column(). "
                         f"Given: {source_column}")
    if len(source_column.shape) > 1:
        raise ValueError(f"source_column must be one-dimensional column. Given: "
                         f"{source_column}")
    if not boundaries:
        raise ValueError("boundaries must not be empty.")
    if not isinstance(boundaries, (list, tuple)):
        raise ValueError("boundaries must be a sorted list.")
    for a, b in zip(boundaries, boundaries[1:]):
        if a >= b:
            raise ValueError("boundaries must be a sorted list.")
    return BucketizedColumn(source_column, tuple(boundaries))
