"""Lookup tables (`tf.lookup`): TF's V2 resource ops `HashTableV2` (a handle naming the
session's table, made on first run), `LookupTableImportV2` and
`InitializeTableFromTextFileV2` (initializers, in `GraphKeys.TABLE_INITIALIZERS`),
`LookupTableFindV2` and `LookupTableSizeV2`; the classes `StaticHashTable`,
`KeyValueTensorInitializer`, `TextFileInitializer`, `StaticVocabularyTable`, and the
`index_table_from_tensor` / `index_table_from_file` helpers feature columns use."""
import threading

import numpy as np

from flowgraph import gfile
from flowgraph.framework import dtypes as _dtypes, errors, tensor_shape
from flowgraph.framework.graph import add_to_collection, name_scope
from flowgraph.framework.graph_keys import GraphKeys
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.ops import array_ops, creation_ops, math_ops, queue_state, reduction_ops, \
    string_hash_ops, string_ops
from flowgraph.ops.array_ops import _host

__all__ = []
__namespaces__ = {"lookup": ["StaticHashTable", "KeyValueTensorInitializer",
                             "TextFileInitializer", "TextFileIndex",
                             "StaticVocabularyTable"]}


class _Table:
    """A session's hash table: a dict filled once by an initializer."""

    def __init__(self, name, key_dtype, value_dtype):
        self.name, self.key_dtype, self.value_dtype = name, key_dtype, value_dtype
        self.data, self.lock = None, threading.Lock()

    def init(self, keys, values):
        """Fills the table; again with the same entries is a no-op, as TF."""
        data = {}
        for k, v in zip(keys, values):
            if k in data and data[k] != v:
                raise errors.FailedPreconditionError(
                    None, None, f"HashTable has different value for same key. Key {k!r} "
                                f"has {data[k]} and trying to add value {v}")
            data[k] = v
        with self.lock:
            if self.data is None:
                self.data = data
            elif self.data != data:
                raise errors.FailedPreconditionError(
                    None, None, "Table was already initialized with different data.")

    def ready(self):
        if self.data is None:
            raise errors.FailedPreconditionError(None, None, "Table not initialized.")
        return self.data


def _np(dt):
    dt = _dtypes.as_dtype(dt)
    return np.dtype(object) if dt == _dtypes.string else np.dtype(dt.as_numpy_dtype)


def _py(a):
    """Hashable Python keys of the array `a` (strings as bytes)."""
    return [bytes(x) if isinstance(x, (bytes, np.bytes_)) else x.item() if hasattr(
        x, "item") else x for x in np.asarray(_host(a), dtype=object).reshape(-1)]


def _table(ctx, handle):
    key = np.asarray(handle, dtype=object).item()
    t = queue_state._BY_SESSION.get(ctx.session, {}).get(key)
    if t is None:
        raise errors.NotFoundError(None, None, f"Resource {key} does not exist.")
    return t


def _scalar(op):
    return tensor_shape.TensorShape([])


def _none(op):
    return []


@defop("HashTableV2", outputs=("table_handle: resource",),
       attrs={"container": "", "shared_name": "", "use_node_name_sharing": False,
              "key_dtype": None, "value_dtype": None}, stateful=True)
class HashTableV2:
    """A hash table whose entries are set once by an initializer op."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, container, shared_name, use_node_name_sharing, key_dtype, value_dtype,
               op_name):
        key = f"table:{container}/{shared_name or op_name}"
        queue_state.lookup_or_create(ctx.session, key,
                                     lambda: _Table(op_name, key_dtype, value_dtype))
        return np.asarray(key, dtype=object)


@defop("LookupTableImportV2", inputs=("table_handle: resource", "keys: Tin",
                                      "values: Tout"),
       attrs={"Tin": None, "Tout": None}, stateful=True)
class LookupTableImportV2:
    """Sets the table's entries to `keys` -> `values`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _none

    def kernel(ctx, table_handle, keys, values, Tin, Tout):
        if np.shape(keys) != np.shape(values):
            raise errors.InvalidArgumentError(
                None, None, f"Expected shape {list(np.shape(keys))} for value, got "
                            f"{list(np.shape(values))}")
        _table(ctx, table_handle).init(_py(keys), _py(values))


_WHOLE_LINE, _LINE_NUMBER = -2, -1


def _parse(text, dtype, what, line_no, path):
    if dtype == np.dtype(object):
        return text.encode() if isinstance(text, str) else text
    try:
        return dtype.type(int(text) if dtype.kind in "iu" else float(text)).item()
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Field {text!r} in line {line_no} is not a valid {what} of "
                        f"{path}") from None


@defop("InitializeTableFromTextFileV2", inputs=("table_handle: resource", "filename: string"),
       attrs={"key_index": None, "value_index": None, "vocab_size": -1, "delimiter": "\t",
              "offset": 0}, stateful=True)
class InitializeTableFromTextFileV2:
    """Fills the table from a text file: the key and the value of each line are the whole
    line (-2), the line number (-1) or a `delimiter`-separated column."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _none

    def kernel(ctx, table_handle, filename, key_index, value_index, vocab_size, delimiter,
               offset):
        table = _table(ctx, table_handle)
        path = np.asarray(filename, dtype=object).item()
        path = path.decode() if isinstance(path, bytes) else path
        with gfile.GFile(path, "rb") as f:
            lines = f.read().decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
        if vocab_size != -1:
            if len(lines) < vocab_size:
                raise errors.InvalidArgumentError(
                    None, None, f"Invalid vocab_size in {path}: expected {vocab_size} but "
                                f"got {len(lines)}")
            lines = lines[:vocab_size]
        kt, vt = _np(table.key_dtype), _np(table.value_dtype)

        def field(line, i, index, dtype, what):
            if index == _LINE_NUMBER:
                return i + offset
            text = line if index == _WHOLE_LINE else None
            if text is None:
                cols = line.split(delimiter)
                if index >= len(cols):
                    raise errors.InvalidArgumentError(
                        None, None, f"Invalid number of columns in {path} line {i} ({line})"
                                    f" : expected {index + 1} got {len(cols)}")
                text = cols[index]
            return _parse(text, dtype, what, i, path)

        keys = [field(ln, i, key_index, kt, "key") for i, ln in enumerate(lines)]
        values = [field(ln, i, value_index, vt, "value") for i, ln in enumerate(lines)]
        table.init(keys, values)


@defop("LookupTableFindV2", inputs=("table_handle: resource", "keys: Tin",
                                    "default_value: Tout"),
       outputs=("values: Tout",), attrs={"Tin": None, "Tout": None}, stateful=True)
class LookupTableFindV2:
    """The value of each key, `default_value` for keys not in the table."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):  # keys' shape (+ the value shape, which builders set)
        keys, default = op.inputs[1].shape, op.inputs[2].shape
        return keys if default.ndims == 0 else tensor_shape.TensorShape(None)

    def kernel(ctx, table_handle, keys, default_value, Tin, Tout):
        table = _table(ctx, table_handle)
        data = table.ready()
        vshape = tuple(getattr(table, "value_shape", ()))
        kshape, dshape = np.shape(keys), np.shape(default_value)
        dv = np.asarray(default_value, dtype=_np(Tout))
        if dshape == vshape:  # one default for every key
            defaults = None
        elif dshape == kshape + vshape:  # a default per key (dynamic_default_values)
            defaults = dv.reshape((-1,) + vshape)
        else:
            raise errors.InvalidArgumentError(
                None, None, f"Expected shape {list(vshape)} or {list(kshape + vshape)} for "
                            f"default_value, got {list(dshape)}")
        flat = []
        for i, k in enumerate(_py(keys)):
            d = dv if defaults is None else defaults[i]
            flat.append(data.get(k, d if vshape else d.item()))
        return np.asarray(flat, dtype=_np(Tout)).reshape(kshape + vshape)


@defop("LookupTableSizeV2", inputs=("table_handle: resource",), outputs=("size: int64",),
       stateful=True)
class LookupTableSizeV2:
    """The number of entries of the table (0 before it is initialized)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, table_handle):
        data = _table(ctx, table_handle).data
        return np.asarray(0 if data is None else len(data), np.int64)


# -- the Python classes ------------------------------------------------------------------
class TextFileIndex:
    """Where a text-file initializer takes keys and values from."""
    WHOLE_LINE = _WHOLE_LINE
    LINE_NUMBER = _LINE_NUMBER


class _Initializer:
    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)

    def _check(self, table):
        if table.key_dtype != self._key_dtype or table.value_dtype != self._value_dtype:
            raise TypeError(f"Invalid key or value dtype: the table has "
                            f"{table.key_dtype}/{table.value_dtype}, the initializer "
                            f"{self._key_dtype}/{self._value_dtype}")


class KeyValueTensorInitializer(_Initializer):
    """Initializes a table from a `keys` tensor and a `values` tensor."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        with name_scope(name, "key_value_init", [keys, values]) as scope:
            self._keys = convert_to_tensor(keys, dtype=key_dtype, name="keys")
            self._values = convert_to_tensor(values, dtype=value_dtype, name="values")
            self._name = scope
        super().__init__(self._keys.dtype, self._values.dtype)

    def initialize(self, table):
        self._check(table)
        with name_scope(self._name, values=[table.resource_handle]):
            op = apply_op("LookupTableImportV2", [table.resource_handle, self._keys,
                                                  self._values])
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        return op


class TextFileInitializer(_Initializer):
    """Initializes a table from a text file: keys and values are the whole line
    (`TextFileIndex.WHOLE_LINE`), the line number (`LINE_NUMBER`) or a column."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index,
                 vocab_size=None, delimiter="\t", name=None, value_index_offset=0):
        key_dtype, value_dtype = _dtypes.as_dtype(key_dtype), _dtypes.as_dtype(value_dtype)
        if key_index < -2:
            raise ValueError(f"`key_index` should be >= -2, received: {key_index}.")
        if key_index == _LINE_NUMBER and key_dtype != _dtypes.int64:
            raise ValueError("`key_dtype` must be int64 if `key_index` is "
                             f"{_LINE_NUMBER}, received: {key_dtype}")
        if key_index == _WHOLE_LINE and not (key_dtype.is_integer or
                                             key_dtype == _dtypes.string):
            raise ValueError("`key_dtype` should be either integer or string for "
                             f"`key_index` {_WHOLE_LINE}, received: {key_dtype}")
        if value_index < -2:
            raise ValueError(f"`value_index` should be >= -2, received: {value_index}")
        if value_index == _LINE_NUMBER and value_dtype != _dtypes.int64:
            raise ValueError("`value_dtype` must be int64 for `value_index` "
                             f"{_LINE_NUMBER}, received: {value_dtype}")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"`vocab_size` should be > 0, received: {vocab_size}")
        self._filename, self._key_index, self._value_index = filename, key_index, value_index
        self._vocab_size, self._delimiter = vocab_size, delimiter
        self._offset, self._name = value_index_offset, name
        super().__init__(key_dtype, value_dtype)

    def initialize(self, table):
        self._check(table)
        with name_scope(self._name, "text_file_init", [table.resource_handle]):
            filename = convert_to_tensor(self._filename, _dtypes.string,
                                         name="asset_filepath")
            op = apply_op("InitializeTableFromTextFileV2", [table.resource_handle, filename], {
                "key_index": int(self._key_index), "value_index": int(self._value_index),
                "vocab_size": -1 if self._vocab_size is None else int(self._vocab_size),
                "delimiter": self._delimiter, "offset": int(self._offset)})
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        if filename.op.type == "Const":
            add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return op


class LookupInterface:
    """A table mapping keys of `key_dtype` to values of `value_dtype`."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)

    def __getitem__(self, keys):
        return self.lookup(keys)


def _map_keys(keys, fn):
    """`fn(values)` keeping a SparseTensor's indices and shape."""
    if isinstance(keys, SparseTensor):
        return SparseTensor(keys.indices, fn(keys.values), keys.dense_shape)
    return fn(keys)


def _check_keys(keys, dtype):
    keys = keys if isinstance(keys, SparseTensor) else convert_to_tensor(keys, name="keys")
    if keys.dtype.base_dtype != dtype:
        raise TypeError(f"Dtype of argument `keys` must be {dtype}, received: "
                        f"{keys.dtype}")
    return keys


class StaticHashTable(LookupInterface):
    """An immutable hash table filled by `initializer` (its op is in
    `GraphKeys.TABLE_INITIALIZERS`; `tf.tables_initializer()` runs it)."""

    def __init__(self, initializer, default_value, name=None):
        super().__init__(initializer.key_dtype, initializer.value_dtype)
        with name_scope(name, "hash_table", []) as scope:
            self._handle = apply_op("HashTableV2", [], {
                "key_dtype": self._key_dtype, "value_dtype": self._value_dtype,
                "shared_name": "", "container": "", "use_node_name_sharing": False},
                name=scope)
            self._name = scope.rstrip("/").rsplit("/", 1)[-1]
            self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
            self._init_op = initializer.initialize(self)

    resource_handle = property(lambda self: self._handle)
    name = property(lambda self: self._name)
    default_value = property(lambda self: self._default_value)
    initializer = property(lambda self: self._init_op)

    def size(self, name=None):
        with name_scope(name, f"{self._name}_Size", [self._handle]):
            return apply_op("LookupTableSizeV2", [self._handle])

    def lookup(self, keys, name=None):
        """The values of `keys` (a Tensor or SparseTensor), the default for missing keys."""
        keys = _check_keys(keys, self._key_dtype)
        with name_scope(name, f"{self._name}_Lookup", [self._handle]):
            return _map_keys(keys, lambda k: apply_op(
                "LookupTableFindV2", [self._handle, k, self._default_value]))


def _as_string(t):
    return t if t.dtype == _dtypes.string else string_ops.as_string(t)


class _HashBucketTable(LookupInterface):
    """Ids from `table` (or none), out-of-vocabulary keys hashed into `num_oov_buckets`
    buckets after them (TF's IdTableWithHashBuckets / StaticVocabularyTable)."""

    def __init__(self, table, num_oov_buckets, key_dtype=None, name=None):
        key_dtype = key_dtype or table.key_dtype
        super().__init__(key_dtype, _dtypes.int64)
        self._table, self._num_oov_buckets = table, num_oov_buckets
        self._name = name or (table.name if table is not None else "hash_bucket")

    name = property(lambda self: self._name)
    resource_handle = property(lambda self: self._table.resource_handle)

    @property
    def initializer(self):
        return self._table.initializer

    def size(self, name=None):
        with name_scope(name, f"{self._name}_Size"):
            n = self._table.size() if self._table is not None else 0
            return math_ops.add(n, self._num_oov_buckets)

    def lookup(self, keys, name=None):
        keys = _check_keys(keys, self._key_dtype)

        def ids(values):
            if self._table is not None and self._table.key_dtype == _dtypes.int64:
                values = math_ops.cast(values, _dtypes.int64)
            with name_scope(name, f"{self._name}_Lookup"):
                buckets = string_hash_ops.string_to_hash_bucket_fast(
                    _as_string(values), self._num_oov_buckets, name="hash_bucket")
                if self._table is None:
                    return buckets
                found = self._table.lookup(values)
                buckets = math_ops.add(buckets, self._table.size())
                known = math_ops.not_equal(found, self._table.default_value)
                return reduction_ops.where_v2(known, found, buckets)
        return _map_keys(keys, ids)


class StaticVocabularyTable(_HashBucketTable):
    """Ids from the vocabulary `initializer` gives; other keys hashed (Fingerprint64)
    into `num_oov_buckets` buckets numbered after the vocabulary."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None):
        if num_oov_buckets <= 0:
            raise ValueError(f"`num_oov_buckets` must be > 0; use StaticHashTable. "
                             f"Received: {num_oov_buckets}")
        with name_scope(name, "hash_table"):
            table = StaticHashTable(initializer, -1) if initializer is not None else None
        super().__init__(table, num_oov_buckets, lookup_key_dtype or (
            initializer.key_dtype if initializer is not None else _dtypes.string), name)


def index_table_from_tensor(vocabulary_list, num_oov_buckets=0, default_value=-1,
                            dtype=_dtypes.string, name=None):
    """A table from the strings or ints of `vocabulary_list` to their int64 positions
    (`default_value` for others, or one of `num_oov_buckets` hash buckets)."""
    if vocabulary_list is None:
        raise ValueError("`vocabulary_list` must be specified.")
    if num_oov_buckets < 0:
        raise ValueError(f"`num_oov_buckets` must be greater or equal than 0, got "
                         f"{num_oov_buckets}.")
    dtype = _dtypes.as_dtype(dtype)
    if not dtype.is_integer and dtype != _dtypes.string:
        raise TypeError("`dtype` must either be integer or string.")
    with name_scope(name, "string_to_index"):
        keys = convert_to_tensor(vocabulary_list)
        if keys.dtype.is_integer != dtype.is_integer:
            raise ValueError(f"Invalid `dtype`: Expected "
                             f"{'integer' if dtype.is_integer else 'non-integer'}, got "
                             f"{keys.dtype}.")
        values = math_ops.cast(creation_ops.range(_size(keys)), _dtypes.int64)
        with name_scope(None, "hash_table"):
            table_keys = math_ops.cast(keys, _dtypes.int64) if keys.dtype.is_integer \
                else keys
            init = KeyValueTensorInitializer(table_keys, values, table_keys.dtype,
                                             _dtypes.int64, name="table_init")
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = _HashBucketTable(table, num_oov_buckets, key_dtype=dtype)
        return table


def _size(t):
    n = t.shape.num_elements()
    return n if n is not None else array_ops.size(t)


def index_table_from_file(vocabulary_file=None, num_oov_buckets=0, vocab_size=None,
                          default_value=-1, key_dtype=_dtypes.string, name=None,
                          key_column_index=TextFileIndex.WHOLE_LINE,
                          value_column_index=TextFileIndex.LINE_NUMBER, delimiter="\t"):
    """A table from the lines of `vocabulary_file` to their int64 line numbers."""
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and
                                   not vocabulary_file):
        raise ValueError("`vocabulary_file` must be specified and must not be empty.")
    if num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be greater or equal than 0, got "
                         f"{num_oov_buckets}.")
    if vocab_size is not None and vocab_size < 1:
        raise ValueError(f"`vocab_size` must be greater than 0, got {vocab_size} for "
                         f"vocabulary_file: {vocabulary_file}.")
    key_dtype = _dtypes.as_dtype(key_dtype)
    if not key_dtype.is_integer and key_dtype != _dtypes.string:
        raise TypeError("Dtype for `keys` should be either integer or string.")
    with name_scope(name, "string_to_index"):
        with name_scope(None, "hash_table"):
            init = TextFileInitializer(
                vocabulary_file, _dtypes.int64 if key_dtype.is_integer else key_dtype,
                key_column_index, _dtypes.int64, value_column_index, vocab_size=vocab_size,
                delimiter=delimiter, name="table_init")
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = _HashBucketTable(table, num_oov_buckets, key_dtype=key_dtype)
        return table
