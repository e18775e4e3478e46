"""`tf.data.Dataset` (TF1 style): a Python object holding a scalar variant tensor (made by
a dataset op of the default graph) and the spec of its elements."""
import os

import numpy as np

from flowgraph.data import dataset_ops  # noqa: F401  (registers the dataset ops)
from flowgraph.data import functions, iterator, padding, structure
from flowgraph.data import generator as generator_lib
from flowgraph.data import options as options_lib
from flowgraph.data.functions import DatasetSpec
from flowgraph.framework import constant_value, dtypes, random_seed, sparse_tensor, \
    tensor_shape
from flowgraph.framework.graph import Tensor, control_dependencies, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.ops import array_ops, core, debug_ops, file_ops, math_ops
from flowgraph.ops.type_spec import SparseTensorSpec, TensorSpec

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2
_INT64_MAX = np.iinfo(np.int64).max


def _i64(x, name):
    return convert_to_tensor(x, dtype=dtypes.int64, name=name)


def _static(x):
    if isinstance(x, Tensor):
        v = constant_value.constant_value(x)
        return None if v is None else int(v)
    return int(x)


def _fn_name(fn):
    name = getattr(fn, "__name__", type(fn).__name__)
    return "lambda" if name == "<lambda>" else name


class DatasetV1:
    """A dataset: build it with the static constructors, transform it with the methods,
    read it through an iterator (`tf.compat.v1.data.make_one_shot_iterator(ds)`)."""

    def __init__(self, variant_tensor, element_spec):
        self._variant_tensor = variant_tensor
        self._element_spec = element_spec

    # -- specs --
    @property
    def element_spec(self):
        return self._element_spec

    @property
    def output_types(self):
        return structure.types(self._element_spec)

    @property
    def output_shapes(self):
        return structure.shapes(self._element_spec)

    @property
    def output_classes(self):
        return structure.map_structure(
            lambda s: DatasetV1 if isinstance(s, DatasetSpec) else
            sparse_tensor.SparseTensor if isinstance(s, SparseTensorSpec) else Tensor,
            self._element_spec)

    def __repr__(self):
        kind = self._variant_tensor.op.type.replace("DatasetV2", "Dataset") \
            .replace("Dataset", "")
        return f"<_{kind}Dataset element_spec={self._element_spec!r}>"

    def __iter__(self):
        raise RuntimeError("`tf.data.Dataset` only supports Python-style iteration in "
                           "eager mode or within tf.function.")

    # -- helpers --
    def _attrs(self, spec=None):
        return functions.flat_spec_attrs(self._element_spec if spec is None else spec)

    def _unary(self, op_type, scalars, spec=None, attrs=None, name=None):
        spec = self._element_spec if spec is None else spec
        a = functions.flat_spec_attrs(spec)
        a.update(attrs or {})
        v = apply_op(op_type, [self._variant_tensor] + list(scalars), a, name=name)
        return DatasetV1(v, spec)

    def _function_op(self, op_type, fn, scalars=(), attrs=None, func_attr="f",
                     what="map", out=None):
        fg, spec = functions.trace(f"Dataset_{what}_{_fn_name(fn)}", fn,
                                   self._element_spec, DatasetV1)
        if out is not None:
            spec = out(fg, spec)
        a = functions.flat_spec_attrs(spec)
        a.update({func_attr: fg, "Targuments": [t.dtype.base_dtype
                                                 for t in fg.captured_outer]})
        a.update(attrs or {})
        v = apply_op(op_type, [self._variant_tensor, fg.captured_outer] + list(scalars), a)
        return DatasetV1(v, spec)

    # -- sources --
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset of the slices of `tensors` (a nest of tensors) along dimension 0."""
        with name_scope("normalize_element"):
            s, flat = structure.normalize(tensors)
        if not flat:
            raise ValueError("Invalid `element`. `element` should not be empty.")
        first = tensor_shape.unknown_shape(1)
        for t in flat:
            if t.shape.ndims == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            first = first.merge_with(t.shape[:1]) if t.shape.ndims is not None else first
        spec = structure.pack(s, [TensorSpec(t.shape[1:] if t.shape.ndims is not None
                                             else tensor_shape.unknown_shape(),
                                             t.dtype.base_dtype) for t in flat])
        attrs = {"Toutput_types": [t.dtype.base_dtype for t in flat],
                 "output_shapes": structure.flat_shapes(spec)}
        return DatasetV1(apply_op("TensorSliceDataset", [flat], attrs), spec)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, `tensors`."""
        with name_scope("normalize_element"):
            s, flat = structure.normalize(tensors)
        spec = structure.specs_of(s, flat)
        attrs = {"Toutput_types": [t.dtype.base_dtype for t in flat],
                 "output_shapes": structure.flat_shapes(spec)}
        return DatasetV1(apply_op("TensorDataset", [flat], attrs), spec)

    @staticmethod
    def range(*args, **kwargs):
        """`range(stop)`, `range(start, stop[, step])` as int64 scalars."""
        dtype = dtypes.as_dtype(kwargs.pop("output_type", dtypes.int64))
        kwargs.pop("name", None)
        if not 1 <= len(args) <= 3 or kwargs:
            raise ValueError("Invalid arguments to range")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else \
            (args[0], args[1], 1) if len(args) == 2 else args
        spec = TensorSpec([], dtypes.int64)
        v = apply_op("RangeDataset", [_i64(start, "start"), _i64(stop, "stop"),
                                      _i64(step, "step")],
                     functions.flat_spec_attrs(spec))
        ds = DatasetV1(v, spec)
        if dtype != dtypes.int64:
            ds = ds.map(lambda x: math_ops.cast(x, dtype))
        return ds

    @staticmethod
    def zip(datasets, name=None):
        """Elements of `datasets` (a nest of datasets) side by side."""
        flat = structure.flatten(datasets)
        for d in flat:
            if not isinstance(d, DatasetV1):
                raise TypeError(f"Invalid `datasets`. `datasets` is expected to be a "
                                f"(nested) structure of `tf.data.Dataset` objects. "
                                f"Encountered object with type {type(d)}.")
        spec = structure.pack(datasets, [d.element_spec for d in flat])
        v = apply_op("ZipDataset", [[d._variant_tensor for d in flat]],
                     functions.flat_spec_attrs(spec))
        return DatasetV1(v, spec)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """A dataset of the elements `generator(*args)` yields (called anew each pass)."""
        return generator_lib.from_generator(DatasetV1, generator, output_types,
                                            output_shapes, args, output_signature)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """A dataset of the file names matching `file_pattern` (a pattern or a list of
        them), shuffled unless `shuffle=False`; no match is an InvalidArgumentError
        when it is read."""
        with name_scope("list_files"):
            files = file_ops.matching_files(file_pattern)
            n = array_ops.shape(files, out_type=dtypes.int64)[0]
            ok = debug_ops.Assert(math_ops.greater(n, 0), [
                "No files matched pattern: ", file_pattern], summarize=1)
            with control_dependencies([ok]):
                files = core.identity(files)
        ds = DatasetV1.from_tensor_slices(files)
        if shuffle is None or shuffle:
            ds = ds.shuffle(math_ops.maximum(n, 1), seed=seed)
        return ds

    # -- transformations --
    def concatenate(self, dataset, name=None):
        """This dataset's elements, then `dataset`'s."""
        a, b = self._element_spec, dataset._element_spec
        if not structure.same_structure(a, b) or \
                structure.flat_types(a) != structure.flat_types(b):
            raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
        spec = structure.pack(a, [
            TensorSpec(x.shape.most_specific_compatible_shape(y.shape), x.dtype)
            for x, y in zip(structure.flatten(a), structure.flatten(b))])
        v = apply_op("ConcatenateDataset", [self._variant_tensor, dataset._variant_tensor],
                     functions.flat_spec_attrs(spec))
        return DatasetV1(v, spec)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """`map_func` applied to each element (traced once into a function);
        `num_parallel_calls` elements are computed at once on threads."""
        if num_parallel_calls is None:  # (TF1's map does not keep the cardinality)
            return self._function_op("MapDataset", map_func,
                                     attrs={"preserve_cardinality": False})
        return self._function_op("ParallelMapDatasetV2", map_func,
                                 [_i64(num_parallel_calls, "num_parallel_calls")],
                                 attrs={"preserve_cardinality": False})

    def flat_map(self, map_func, name=None):
        """The concatenation of the datasets `map_func` returns for the elements."""
        return self._function_op("FlatMapDataset", map_func, what="flat_map",
                                 out=_dataset_result("flat_map"))

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """The datasets `map_func` returns, `cycle_length` of them at a time,
        `block_length` consecutive elements from each in turn."""
        cycle = (os.cpu_count() or 1) if cycle_length in (None, AUTOTUNE) else \
            cycle_length
        block = 1 if block_length is None else block_length
        scalars = [_i64(cycle, "cycle_length"), _i64(block, "block_length")]
        if num_parallel_calls is None:
            return self._function_op("InterleaveDataset", map_func, scalars,
                                     what="interleave", out=_dataset_result("interleave"))
        scalars += [_i64(AUTOTUNE, "buffer_output_elements"),
                    _i64(AUTOTUNE, "prefetch_input_elements"),
                    _i64(num_parallel_calls, "num_parallel_calls")]
        return self._function_op("ParallelInterleaveDatasetV4", map_func, scalars,
                                 what="interleave", out=_dataset_result("interleave"))

    def filter(self, predicate, name=None):
        """The elements for which `predicate` returns true."""
        def check(fg, spec):
            if not isinstance(spec, TensorSpec) or spec.dtype != dtypes.bool or \
                    not spec.shape.is_compatible_with([]):
                raise ValueError(f"Invalid `predicate`. `predicate` must return a "
                                 f"`tf.bool` scalar tensor, but its return type is "
                                 f"{spec}.")
            return self._element_spec
        return self._function_op("FilterDataset", predicate, func_attr="predicate",
                                 what="filter", out=check)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Groups `batch_size` consecutive elements; the last batch may be smaller unless
        `drop_remainder` (then the batch dimension is static)."""
        spec = batched_spec(self._element_spec, batch_size, drop_remainder)
        sparse, pos = [], 0
        for leaf in structure.flatten(self._element_spec):
            if isinstance(leaf, SparseTensorSpec):
                sparse.append(pos)
            pos += len(functions.component_specs(leaf))
        return self._unary("BatchDatasetV2", [
            _i64(batch_size, "batch_size"),
            convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")],
            spec, attrs={"_sparse_components": sparse} if sparse else None)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches whose components are padded to `padded_shapes` (None or -1 dims:
        the longest in the batch) with `padding_values` (default 0 or b"")."""
        return padding.padded_batch(self, DatasetV1, batch_size, padded_shapes,
                                    padding_values, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """The elements in random order, drawn from a buffer of `buffer_size`."""
        s1, s2 = random_seed.get_seed(seed)
        reshuffle = True if reshuffle_each_iteration is None else reshuffle_each_iteration
        return self._unary("ShuffleDataset", [
            _i64(buffer_size, "buffer_size"), _i64(s1 or 0, "seed"),
            _i64(s2 or 0, "seed2")],
                           attrs={"reshuffle_each_iteration": bool(reshuffle)})

    def repeat(self, count=None, name=None):
        """The elements `count` times over (None or -1: forever)."""
        return self._unary("RepeatDataset", [_i64(-1 if count is None else count, "count")])

    def take(self, count, name=None):
        """At most `count` elements (-1: all)."""
        return self._unary("TakeDataset", [_i64(count, "count")])

    def skip(self, count, name=None):
        """All but the first `count` elements (-1: none)."""
        return self._unary("SkipDataset", [_i64(count, "count")])

    def cache(self, filename="", name=None):
        """The elements, recorded on the first pass (in memory, or in `filename`)."""
        f = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
        return self._unary("CacheDataset", [f])

    def prefetch(self, buffer_size, name=None):
        """The elements, produced up to `buffer_size` ahead on a background thread."""
        return self._unary("PrefetchDataset", [_i64(buffer_size, "buffer_size")])

    def unbatch(self, name=None):
        """Splits each element along its first dimension."""
        _no_sparse(self._element_spec, "Unbatching")

        def inner(s):
            if s.shape.ndims == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
            return TensorSpec(s.shape[1:] if s.shape.ndims is not None else
                              tensor_shape.unknown_shape(), s.dtype)
        return self._unary("UnbatchDataset", [],
                           structure.map_structure(inner, self._element_spec))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of `size` elements (each component a dataset), `shift` apart."""
        spec = structure.map_structure(lambda s: DatasetSpec(s), self._element_spec)
        return self._unary("WindowDataset", [
            _i64(size, "size"), _i64(size if shift is None else shift, "shift"),
            _i64(stride, "stride"),
            convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")],
            spec)

    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a Dataset."""
        ds = transformation_func(self)
        if not isinstance(ds, DatasetV1):
            raise TypeError(f"`transformation_func` must return a `tf.data.Dataset` "
                            f"object. Got {type(ds)}.")
        return ds

    def enumerate(self, start=0, name=None):
        """(index, element) pairs, the index an int64 counting from `start`."""
        return DatasetV1.zip((DatasetV1.range(start, _INT64_MAX), self))

    def with_options(self, options, name=None):
        """The same dataset with `options` attached."""
        ds = DatasetV1(self._variant_tensor, self._element_spec)
        ds._options = options
        return ds

    def options(self):
        return getattr(self, "_options", None) or options_lib.Options()

    def cardinality(self):
        """A scalar int64 tensor: the number of elements (INFINITE -1, UNKNOWN -2)."""
        return apply_op("DatasetCardinality", [self._variant_tensor])

    # -- iterators --
    def make_one_shot_iterator(self):
        """An iterator over this dataset, initialized on first use."""
        return iterator.make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator whose `initializer` must run before `get_next()`."""
        return iterator.make_initializable_iterator(self, shared_name)


def _no_sparse(spec, what):
    if functions.has_sparse(spec):
        raise NotImplementedError(f"{what} of SparseTensor components is not supported "
                                  "yet (batch before making SparseTensors, e.g. before "
                                  "parse_example)")


def batched_spec(spec, batch_size, drop_remainder):
    """`spec` with a batch dimension: static when `drop_remainder` and the size are."""
    n = _static(batch_size)
    drop = _static(drop_remainder) if isinstance(drop_remainder, Tensor) else \
        bool(drop_remainder)
    dim = n if drop and n is not None else None
    def one(s):
        if isinstance(s, DatasetSpec):
            raise TypeError("Batching datasets (e.g. windows) is not supported; batch "
                            "the elements of each instead")
        return type(s)(tensor_shape.TensorShape([dim]).concatenate(s.shape), s.dtype)
    return structure.map_structure(one, spec)


def _dataset_result(what):
    def check(fg, spec):
        if not isinstance(spec, DatasetSpec):
            raise TypeError(f"The `map_func` argument must return a `Dataset` object. "
                            f"Got {_result_type(spec)}.")
        return spec.element_spec
    return check


def _result_type(spec):
    return "<class 'tensorflow.python.framework.ops.Tensor'>" if isinstance(
        spec, TensorSpec) else str(type(spec))


Dataset = DatasetV1
