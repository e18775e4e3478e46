"""What every feature column shares: the `_FeatureColumn` / `_DenseColumn` /
`_CategoricalColumn` interfaces of TF1's `tf.feature_column`, the `_LazyBuilder` that
caches raw and transformed features, and the helpers that turn dense ids into
SparseTensors and check the columns a model is given."""
import collections

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue
from flowgraph.ops import (array_ops, control_flow_ops, core, debug_ops, gather_ops, join_ops,
                           math_ops, reduction_ops, sparse_ops)


def to_tensor_or_sparse(value):
    """A `SparseTensor` for sparse values, otherwise a `Tensor`."""
    if isinstance(value, (SparseTensor, SparseTensorValue)):
        return SparseTensor.from_value(value)
    return convert_to_tensor(value)


class _FeatureColumn:
    """A feature column: it reads raw features by key and transforms them."""

    @property
    def name(self):
        raise NotImplementedError

    @property
    def _var_scope_name(self):
        """The variable scope its variables live in (input_layer/<this>/...)."""
        return self.name

    def _transform_feature(self, inputs):
        raise NotImplementedError

    @property
    def _parse_example_spec(self):
        raise NotImplementedError

    @property
    def parse_example_spec(self):
        return self._parse_example_spec

    def _reset_config(self):
        pass

    # Columns sort and compare by their printed form, as TF's do.
    def __lt__(self, other):
        return str(self) < str(other)

    def __gt__(self, other):
        return str(self) > str(other)


class _DenseColumn(_FeatureColumn):
    """A column that gives a dense tensor [batch, ...] (input_layer's inputs)."""

    @property
    def _variable_shape(self):
        raise NotImplementedError

    @property
    def variable_shape(self):
        return self._variable_shape

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        raise NotImplementedError


class _CategoricalColumn(_FeatureColumn):
    """A column of ids in [0, _num_buckets): `_get_sparse_tensors` gives a SparseTensor of
    int64 ids and optionally one of weights with the same indices."""

    IdWeightPair = collections.namedtuple("IdWeightPair", ["id_tensor", "weight_tensor"])

    @property
    def _num_buckets(self):
        raise NotImplementedError

    @property
    def num_buckets(self):
        return self._num_buckets

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _CategoricalColumn.IdWeightPair(inputs.get(self), None)


IdWeightPair = _CategoricalColumn.IdWeightPair


class _LazyBuilder:
    """Caches raw features (rank 1 made rank 2) and the transformed feature of each
    column, so a column shared by several others is transformed once."""

    def __init__(self, features):
        self._features = dict(features)
        self._feature_tensors = {}

    def get(self, key):
        if key in self._feature_tensors:
            return self._feature_tensors[key]
        if key in self._features:
            t = self._feature_tensors[key] = self._raw(key)
            return t
        if isinstance(key, str):
            raise ValueError(f"Feature {key} is not in features dictionary.")
        if not isinstance(key, _FeatureColumn):
            raise TypeError(f'"key" must be either a "str" or "_FeatureColumn". '
                            f"Provided: {key}")
        out = key._transform_feature(self)
        if out is None:
            raise ValueError(f"Column {key.name} is not supported.")
        self._feature_tensors[key] = out
        return out

    def _raw(self, key):
        t = to_tensor_or_sparse(self._features[key])

        def expand(x):
            if isinstance(x, SparseTensor):
                return sparse_ops.sparse_reshape(x, join_ops.stack(
                    [array_ops.shape(x, out_type=dtypes.int64)[0], 1]))
            return array_ops.expand_dims(x, -1)

        rank = t.get_shape().ndims
        if rank is not None:
            if rank == 0:
                raise ValueError(f"Feature (key: {key}) cannot have rank 0. Given: {t}")
            return expand(t) if rank == 1 else t
        # Unknown rank: decide at run time.
        sparse = isinstance(t, SparseTensor)
        r = array_ops.size(t.dense_shape) if sparse else array_ops.rank(t)
        check = debug_ops.assert_positive(
            r, message=f"Feature (key: {key}) cannot have rank 0. Given: {t}")
        with core.control_dependencies([check]):
            is_1 = math_ops.equal(1, r)
            if not sparse:
                return control_flow_ops.cond(is_1, lambda: expand(t),
                                             lambda: core.identity(t))

            def parts(x):
                return x.indices, x.values, x.dense_shape
            out = control_flow_ops.cond(is_1, lambda: parts(expand(t)),
                                        lambda: tuple(map(core.identity, parts(t))))
            return SparseTensor(*out)


def to_sparse_input_and_drop_ignore_values(input_tensor, ignore_value=None):
    """`input_tensor` as a SparseTensor without the cells equal to `ignore_value` ('' for
    strings, -1 for integers, 0 otherwise, when None); a SparseTensor is returned as is."""
    input_tensor = to_tensor_or_sparse(input_tensor)
    if isinstance(input_tensor, SparseTensor):
        return input_tensor
    with name_scope(None, "to_sparse_input", [input_tensor]):
        dt = input_tensor.dtype.base_dtype
        if ignore_value is None:
            ignore_value = "" if dt == dtypes.string else (-1 if dt.is_integer else 0)
        ignore = math_ops.cast(ignore_value, dt, name="ignore_value")
        indices = reduction_ops.where(math_ops.not_equal(input_tensor, ignore),
                                      name="indices")
        return SparseTensor(
            indices=indices,
            values=gather_ops.gather_nd(input_tensor, indices, name="values"),
            dense_shape=array_ops.shape(input_tensor, out_type=dtypes.int64,
                                        name="dense_shape"))


def normalize_feature_columns(feature_columns):
    """The columns as a list; ValueError for an empty list, a dict, a non-column or two
    columns of one name."""
    if isinstance(feature_columns, _FeatureColumn):
        feature_columns = [feature_columns]
    if isinstance(feature_columns, dict):
        raise ValueError("Expected feature_columns to be iterable, found dict.")
    feature_columns = list(feature_columns)
    for column in feature_columns:
        if not isinstance(column, _FeatureColumn):
            raise ValueError(f"Items of feature_columns must be a _FeatureColumn. Given "
                             f"(type {type(column)}): {column}.")
    if not feature_columns:
        raise ValueError("feature_columns must not be empty.")
    seen = {}
    for column in feature_columns:
        if column.name in seen:
            raise ValueError(
                f"Duplicate feature column name found for columns: {column} and "
                f"{seen[column.name]}. This usually means that these columns refer to "
                "same base feature. Either one must be discarded or a duplicated but "
                "renamed item must be inserted in features dict.")
        seen[column.name] = column
    return feature_columns


def verify_static_batch_size_equality(tensors, columns):
    """ValueError when two tensors' static batch sizes differ."""
    expected, first = None, None
    for i, t in enumerate(tensors):
        size = tensor_shape.Dimension(t.shape[0] if t.shape.ndims else None)
        if size.value is None:
            continue
        if expected is None:
            expected, first = size, i
        elif not expected.is_compatible_with(size):
            raise ValueError(
                "Batch size (first dimension) of each feature must be same. Batch size "
                f"of columns ({columns[first].name}, {columns[i].name}): ({expected}, "
                f"{size})")


def check_shape(shape, key):
    """`shape` as a tuple of positive ints (an int is one dimension)."""
    assert shape is not None
    if not isinstance(shape, (list, tuple)):
        shape = [shape]
    shape = tuple(shape)
    for dimension in shape:
        if not isinstance(dimension, int) or isinstance(dimension, bool):
            raise TypeError(f"shape dimensions must be integer. shape: {shape}, key: {key}")
        if dimension < 1:
            raise ValueError(f"shape dimensions must be greater than 0. shape: {shape}, "
                             f"key: {key}")
    return shape


def assert_key_is_string(key):
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Got: type {type(key)}. Given key: {key}")


def assert_string_or_int(dtype, prefix):
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError(f"{prefix} dtype must be string or integer. dtype: {dtype}.")
