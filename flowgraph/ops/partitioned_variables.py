"""Partitioned variables: one logical variable `w` stored as `w/part_0`, `w/part_1`, ...
split along one axis (`get_variable(..., partitioner=...)`), and TF's partitioners."""
import math

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import register_tensor_conversion_function

__all__ = ["fixed_size_partitioner", "variable_axis_size_partitioner",
           "min_max_variable_partitioner", "create_partitioned_variables",
           "PartitionedVariable"]


class PartitionInfo:
    """Where a part lies in the full variable: given to initializers as `partition_info`."""

    def __init__(self, full_shape, var_offset):
        self.full_shape = list(full_shape)
        self.var_offset = list(var_offset)

    def single_offset(self, shape):
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self.var_offset[dim]

    def single_slice_dim(self, shape):
        dims = [i for i, (s, f) in enumerate(zip(shape, self.full_shape)) if s != f]
        if len(dims) > 1:
            raise ValueError("Cannot use single_slice_dim() with shapes partitioned along "
                             "more than one dimension")
        return dims[0] if dims else None


class SaveSliceInfo:
    """How a part is saved: a slice `var_offset`/`var_shape` of the tensor `full_name`."""

    def __init__(self, full_name, full_shape, var_offset, var_shape):
        self.full_name = full_name
        self.full_shape = list(full_shape)
        self.var_offset = list(var_offset)
        self.var_shape = list(var_shape)

    @property
    def spec(self):
        """TF's slice spec: `"5 3 0,3:0,3"` (full shape, then offset,length per dim)."""
        full = " ".join(str(d) for d in self.full_shape)
        sl = ":".join(f"{o},{s}" for o, s in zip(self.var_offset, self.var_shape))
        return f"{full} {sl}"


class PartitionedVariable:
    """A variable stored as several parts along one axis; converts to their concatenation
    and iterates over the parts."""

    def __init__(self, name, shape, dtype, variable_list, partitions):
        self._name = name
        self._shape = tensor_shape.as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._variable_list = sorted(variable_list,
                                     key=lambda v: v._save_slice_info.var_offset)
        self._partitions = list(partitions)
        self._as_tensor = None

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._variable_list[0].graph)

    def get_shape(self):
        return self._shape

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        n = math.prod(self._partitions)
        if n != len(self._variable_list):
            raise ValueError("Number of partitions does not match number of variables")
        return n

    def _get_variable_list(self):
        return list(self._variable_list)

    def _get_partitions(self):
        return list(self._partitions)

    def _partition_axis(self):
        axes = [i for i, p in enumerate(self._partitions) if p > 1]
        return axes[0] if axes else 0

    def as_tensor(self):
        """The full value: the parts concatenated (`<name>/ConcatPartitions/concat`),
        read as an identity named `<name>`."""
        from flowgraph.ops import core, join_ops
        from flowgraph.framework.graph import control_dependencies
        with control_dependencies(None):
            if len(self._variable_list) == 1:
                with name_scope(None):
                    return core.identity(self._variable_list[0], name=self._name)
            with name_scope(self._name + "/ConcatPartitions/"):
                full = join_ops.concat(self._variable_list, self._partition_axis())
            with name_scope(None):
                return core.identity(full, name=self._name)

    def __repr__(self):
        return f"<tf.PartitionedVariable '{self._name}' shape={self._shape} " \
               f"dtype={self._dtype.name}>"


def _to_tensor(v, dtype=None, name=None, as_ref=False):
    if as_ref:
        raise NotImplementedError("PartitionedVariable doesn't support being used as a "
                                  "reference.")
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(v.dtype):
        raise ValueError(f"Incompatible type conversion requested to type "
                         f"'{dtypes.as_dtype(dtype).name}' for variable of type "
                         f"'{v.dtype.name}'")
    return v.as_tensor()


register_tensor_conversion_function(PartitionedVariable, _to_tensor)


def _elem_bytes(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype)
    return bytes_per_string_element if dtype.base_dtype == dtypes.string else dtype.size


def fixed_size_partitioner(num_shards, axis=0):
    """A partitioner giving `num_shards` parts along `axis`."""
    def _partitioner(shape, **unused_args):
        partitions = [1] * tensor_shape.as_shape(shape).ndims
        partitions[axis] = min(num_shards, tensor_shape.as_shape(shape).as_list()[axis])
        return partitions
    return _partitioner


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
                                   max_shards=None):
    """A partitioner keeping each part under `max_shard_bytes` (at most `max_shards`)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError("Both max_shard_bytes and bytes_per_string_element must be "
                         "positive.")
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        shape = tensor_shape.as_shape(shape)
        if not shape.is_fully_defined():
            raise ValueError(f"shape is not fully defined: {shape}")
        dims = shape.as_list()
        rest = math.prod(d for i, d in enumerate(dims) if i != axis)
        bytes_per_slice = 1.0 * rest * _elem_bytes(dtype, bytes_per_string_element)
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        shards = math.ceil(1.0 * dims[axis] / slices_per_shard)
        if max_shards:
            shards = min(max_shards, shards)
        partitions = [1] * len(dims)
        partitions[axis] = max(1, shards)
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10,
                                 bytes_per_string_element=16):
    """A partitioner giving as many parts (up to `max_partitions`) as keep each part at
    least `min_slice_size` bytes."""
    def _partitioner(shape, dtype):
        shape = tensor_shape.as_shape(shape)
        if not shape.is_fully_defined():
            raise ValueError(f"shape is not fully defined: {shape}")
        dims = shape.as_list()
        total = math.prod(dims) * _elem_bytes(dtype, bytes_per_string_element)
        partitions = [1] * len(dims)
        partitions[axis] = max(1, min(dims[axis], max_partitions,
                                      int(math.ceil(total / min_slice_size))))
        return partitions
    return _partitioner


def _part_shapes(shape, partitions):
    """Each part's (offset, shape): the first `dim % n` parts are one larger."""
    axis = next((i for i, p in enumerate(partitions) if p > 1), 0)
    n, dim = partitions[axis], shape[axis]
    out, offset = [], 0
    for i in range(n):
        size = dim // n + (1 if i < dim % n else 0)
        off = [0] * len(shape)
        off[axis] = offset
        part = list(shape)
        part[axis] = size
        out.append((off, part))
        offset += size
    return out


def get_partitioned_variable(store, name, shape, dtype, partitioner, reuse, **kwargs):
    """The partitioned variable `name` of `store` (a variable store), made or reused."""
    parted = store.__dict__.setdefault("_partitioned_vars", {})
    if name in store._vars:
        raise ValueError("A partitioner was provided, but an unpartitioned version of the "
                         f"variable was found: {name}.  Perhaps a variable of the same name "
                         "was already created without partitioning?")
    dtype = dtypes.as_dtype(dtype)
    shape = tensor_shape.as_shape(shape) if shape is not None else None
    if name in parted:
        found = parted[name]
        if reuse is False:
            raise ValueError(f"Partitioned variable with name {name} already exists. Did "
                             "you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not shape.is_compatible_with(found.get_shape()):
            raise ValueError(f"Trying to reuse partitioned variable {name}, but specified "
                             f"shape {shape} and found shape {found.get_shape()}.")
        if not dtype.is_compatible_with(found.dtype):
            raise ValueError(f"Trying to reuse partitioned variable {name}, but specified "
                             f"dtype {dtype.name} and found dtype {found.dtype.name}.")
        return found
    if reuse is True:
        raise ValueError(f"PartitionedVariable {name} does not exist, or was not created "
                         "with tf.get_variable(). Did you mean to set reuse=False or "
                         "reuse=tf.AUTO_REUSE in VarScope?")
    if shape is None or not shape.is_fully_defined():
        raise ValueError(f"Shape of a new partitioned variable ({name}) must be fully "
                         f"defined, but instead was {shape}.")
    if shape.ndims < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1, shape: {shape}")
    dims = shape.as_list()
    partitions = list(partitioner(shape=shape, dtype=dtype))
    if len(partitions) != len(dims) or any(p < 1 for p in partitions):
        raise ValueError(f"Partitioner returned invalid partitions {partitions} for shape "
                         f"{dims}")
    if sum(p > 1 for p in partitions) > 1:
        raise ValueError(f"Can only slice a variable along one dimension: shape: {dims}, "
                         f"partitioning: {partitions}")
    if f"{name}/part_{math.prod(partitions)}" in store._vars:
        raise ValueError(f"Partitioner returned a different partitioning than what was "
                         f"already found: {name}")
    parts = []
    for i, (offset, part_shape) in enumerate(_part_shapes(dims, partitions)):
        v = store._get_single_variable(
            f"{name}/part_{i}", shape=part_shape, dtype=dtype,
            partition_info=PartitionInfo(dims, offset), reuse=reuse, **kwargs)
        v._save_slice_info = SaveSliceInfo(name, dims, offset, part_shape)
        parts.append(v)
    pv = PartitionedVariable(name, dims, dtype, parts, partitions)
    parted[name] = pv
    return pv


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32,
                                 trainable=True, collections=None, name=None, reuse=None):
    """Deprecated TF1 helper: the list of parts of a variable of `shape` split as
    `slicing` (one entry per dimension)."""
    from flowgraph.ops import variable_scope as vs
    if len(shape) != len(slicing):
        raise ValueError(f"The 'shape' and 'slicing' of a partitioned Variable must have "
                         f"the length: shape: {shape}, slicing: {slicing}")
    if len(shape) < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1: shape: {shape}")
    with vs.variable_scope(name, "PartitionedVariable", reuse=reuse) as scope:
        # As TF: the variable is named after the scope itself (`<name>/part_<i>`).
        with name_scope(None):
            pv = get_partitioned_variable(
                vs._get_default_variable_store(), scope.name, shape, dtype,
                lambda **unused: list(slicing), scope.reuse if reuse is None else reuse,
                initializer=initializer, trainable=trainable, collections=collections)
    return list(pv)
