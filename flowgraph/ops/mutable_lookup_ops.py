"""`tf.lookup.experimental.MutableHashTable`: a session's table that ops insert into and
remove from (`MutableHashTableV2` / `MutableHashTableOfTensorsV2` for vector values,
`LookupTableInsertV2`, `LookupTableRemoveV2`, `LookupTableExportV2`); lookups and size
are lookup_ops' `LookupTableFindV2` / `LookupTableSizeV2`."""
import threading

import numpy as np

from flowgraph.framework import errors, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import lookup_ops, queue_state

__all__ = []


class _MutableTable:
    """A dict of keys to values (arrays of `value_shape`), always initialized."""

    def __init__(self, key_dtype, value_dtype, value_shape=()):
        self.key_dtype, self.value_dtype = key_dtype, value_dtype
        self.value_shape = tuple(value_shape)
        self.data, self.lock = {}, threading.Lock()

    def ready(self):
        return self.data

    def _values(self, keys, values):
        n = len(keys)
        v = np.asarray(values)
        if v.shape != (n,) + self.value_shape and v.size != n * int(
                np.prod(self.value_shape, dtype=np.int64)):
            raise errors.InvalidArgumentError(
                None, None, f"Expected shape {[n] + list(self.value_shape)} for value, got "
                            f"{list(v.shape)}")
        v = v.reshape((n,) + self.value_shape)
        return [x.item() if not self.value_shape else np.array(x) for x in v]

    def insert(self, keys, values):
        keys = lookup_ops._py(keys)
        vals = self._values(keys, values)
        vals = [bytes(v) if isinstance(v, (bytes, np.bytes_)) else v for v in vals]
        with self.lock:
            self.data.update(zip(keys, vals))

    def remove(self, keys):
        with self.lock:
            for k in lookup_ops._py(keys):
                self.data.pop(k, None)


def _make(ctx, op_name, container, shared_name, make):
    key = f"table:{container}/{shared_name or op_name}"
    queue_state.lookup_or_create(ctx.session, key, make)
    return np.asarray(key, dtype=object)


_ATTRS = {"container": "", "shared_name": "", "use_node_name_sharing": False,
          "key_dtype": None, "value_dtype": None}


@defop("MutableHashTableV2", outputs=("table_handle: resource",), attrs=_ATTRS,
       stateful=True)
class MutableHashTableV2:
    """An empty hash table of scalar values that insert and remove ops change."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = lookup_ops._scalar

    def kernel(ctx, container, shared_name, use_node_name_sharing, key_dtype, value_dtype,
               op_name):
        return _make(ctx, op_name, container, shared_name,
                     lambda: _MutableTable(key_dtype, value_dtype))


@defop("MutableHashTableOfTensorsV2", outputs=("table_handle: resource",),
       attrs=dict(_ATTRS, value_shape=[]), stateful=True)
class MutableHashTableOfTensorsV2:
    """An empty hash table whose values are tensors of `value_shape`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = lookup_ops._scalar

    def kernel(ctx, container, shared_name, use_node_name_sharing, key_dtype, value_dtype,
               value_shape, op_name):
        return _make(ctx, op_name, container, shared_name, lambda: _MutableTable(
            key_dtype, value_dtype, [int(d) for d in value_shape]))


@defop("LookupTableInsertV2", inputs=("table_handle: resource", "keys: Tin", "values: Tout"),
       attrs={"Tin": None, "Tout": None}, stateful=True)
class LookupTableInsertV2:
    """Sets `keys` -> `values` in a mutable table (replacing existing entries)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = lookup_ops._none

    def kernel(ctx, table_handle, keys, values, Tin, Tout):
        _mutable(ctx, table_handle).insert(keys, values)


@defop("LookupTableRemoveV2", inputs=("table_handle: resource", "keys: Tin"),
       attrs={"Tin": None}, stateful=True)
class LookupTableRemoveV2:
    """Removes `keys` (those present) from a mutable table."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = lookup_ops._none

    def kernel(ctx, table_handle, keys, Tin):
        _mutable(ctx, table_handle).remove(keys)


@defop("LookupTableExportV2", inputs=("table_handle: resource",),
       outputs=("keys: Tkeys", "values: Tvalues"), attrs={"Tkeys": None, "Tvalues": None},
       stateful=True)
class LookupTableExportV2:
    """All keys and values of a table (in insertion order)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.TensorShape([None]), tensor_shape.TensorShape(None)]

    def kernel(ctx, table_handle, Tkeys, Tvalues):
        t = lookup_ops._table(ctx, table_handle)
        data = dict(t.ready())
        vshape = getattr(t, "value_shape", ())
        keys = np.asarray(list(data), dtype=lookup_ops._np(Tkeys)).reshape(-1)
        vals = np.asarray(list(data.values()), dtype=lookup_ops._np(Tvalues))
        return keys, vals.reshape((len(data),) + tuple(vshape))


def _mutable(ctx, handle):
    t = lookup_ops._table(ctx, handle)
    if not isinstance(t, _MutableTable):
        raise errors.InvalidArgumentError(None, None, "Table is not mutable")
    return t


class MutableHashTable(lookup_ops.LookupInterface):
    """A table of `key_dtype` -> `value_dtype` (values shaped like `default_value`) that
    `insert` and `remove` change; each session has its own. Not saved by `tf.train.Saver`
    in flowgraph."""

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable",
                 checkpoint=True, experimental_is_anonymous=False):
        super().__init__(key_dtype, value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._value_shape = self._default_value.shape
        attrs = {"key_dtype": self._key_dtype, "value_dtype": self._value_dtype,
                 "shared_name": "", "container": "", "use_node_name_sharing": checkpoint}
        if self._value_shape.ndims == 0:
            self._handle = apply_op("MutableHashTableV2", [], attrs, name=name)
        else:
            self._handle = apply_op("MutableHashTableOfTensorsV2", [], dict(
                attrs, value_shape=self._value_shape), name=name)
        self._name = self._handle.op.name.split("/")[-1]

    resource_handle = property(lambda self: self._handle)
    name = property(lambda self: self._name)

    def size(self, name=None):
        with name_scope(name, f"{self._name}_Size", [self._handle]):
            return apply_op("LookupTableSizeV2", [self._handle])

    def lookup(self, keys, dynamic_default_values=None, name=None):
        """The values of `keys`, the default value (or `dynamic_default_values`) for
        missing keys; shape keys.shape + the value shape."""
        with name_scope(name, f"{self._name}_lookup_table_find", [self._handle]):
            keys = convert_to_tensor(keys, dtype=self._key_dtype, name="keys")
            default = self._default_value if dynamic_default_values is None else \
                convert_to_tensor(dynamic_default_values, dtype=self._value_dtype)
            out = apply_op("LookupTableFindV2", [self._handle, keys, default])
            out.set_shape(keys.shape.concatenate(self._value_shape))  # TF's rule
            return out

    def insert(self, keys, values, name=None):
        with name_scope(name, f"{self._name}_lookup_table_insert", [self._handle]):
            keys = convert_to_tensor(keys, self._key_dtype, name="keys")
            values = convert_to_tensor(values, self._value_dtype, name="values")
            return apply_op("LookupTableInsertV2", [self._handle, keys, values])

    def remove(self, keys, name=None):
        keys = convert_to_tensor(keys)
        if keys.dtype != self._key_dtype:
            raise TypeError(f"Dtype of argument `keys` must be {self._key_dtype}, "
                            f"received: {keys.dtype}")
        with name_scope(name, f"{self._name}_lookup_table_remove", [self._handle]):
            return apply_op("LookupTableRemoveV2", [self._handle, keys])

    def export(self, name=None):
        with name_scope(name, f"{self._name}_lookup_table_export_values", [self._handle]):
            return apply_op("LookupTableExportV2", [self._handle], {
                "Tkeys": self._key_dtype, "Tvalues": self._value_dtype})

