"""The dataset ops: host-only ops with TF's type and attr names, each producing a scalar
variant whose run-time value is a `pipeline.DatasetValue`. Ops holding a function
(map, filter, flat_map, interleave, ...) compile it once into a sub-plan (`bind`), as If
and While do; its captured tensors are the op's `other_arguments`."""
from flowgraph.data import cache_file, cardinality, pipeline
from flowgraph.framework import tensor_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

_SPEC = {"output_types": None, "output_shapes": None, "metadata": ""}
_VARIANT_OUT = ("handle: variant",)


def _scalar(op):
    return tensor_shape.TensorShape([])


class _DatasetOp:
    devices = ("CPU",)
    shape = staticmethod(_scalar)
    grad = NOT_DIFFERENTIABLE


def _func_shapes(op_inputs, attrs, attr):
    """Argument shapes of a dataset op's function: the input dataset's element
    components, then `other_arguments` (used when a GraphDef is imported)."""
    elems = list(op_inputs[0].op._attrs.get("output_shapes") or [])
    n = len(attrs.get("Targuments") or [])
    return elems + [t.shape for t in op_inputs[1:1 + n]]


# -- sources ------------------------------------------------------------------------
@defop("TensorSliceDataset", inputs=("components: Toutput_types",), outputs=_VARIANT_OUT,
       attrs={"Toutput_types": [], "output_shapes": None, "is_files": False,
              "metadata": "", "replicate_on_split": False}, stateful=True)
class TensorSliceDataset(_DatasetOp):
    """A dataset of the slices of `components` along their first dimension."""

    def kernel(xp, components):
        return pipeline.tensor_slices(list(components))


@defop("TensorDataset", inputs=("components: Toutput_types",), outputs=_VARIANT_OUT,
       attrs={"Toutput_types": [], "output_shapes": None, "metadata": ""}, stateful=True)
class TensorDataset(_DatasetOp):
    """A dataset of one element, `components`."""

    def kernel(xp, components):
        return pipeline.tensors(list(components))


@defop("RangeDataset", inputs=("start: int64", "stop: int64", "step: int64"),
       outputs=_VARIANT_OUT, attrs=dict(_SPEC, replicate_on_split=False), stateful=True)
class RangeDataset(_DatasetOp):
    """A dataset of the int64 scalars `range(start, stop, step)`."""

    def kernel(xp, start, stop, step):
        return pipeline.range_(int(start), int(stop), int(step))


@defop("DatasetCardinality", inputs=("input_dataset: variant",),
       outputs=("cardinality: int64",), attrs={"cardinality_options": ""})
class DatasetCardinality(_DatasetOp):
    """The number of elements of a dataset (-1: infinite, -2: unknown)."""

    def kernel(xp, input_dataset):
        return xp.asarray(cardinality.of(input_dataset), dtype=xp.int64)


# -- plain transformations ----------------------------------------------------------
def _py(a):
    return a.item() if hasattr(a, "item") else a


def _fixed_arity(n, build):
    """A kernel taking the input dataset and exactly `n` scalar inputs (kernels are
    matched to inputs by their parameter count)."""
    if n == 0:
        return lambda xp, d: build(d)
    if n == 1:
        return lambda xp, d, a: build(d, _py(a))
    if n == 2:
        return lambda xp, d, a, b: build(d, _py(a), _py(b))
    if n == 4:
        return lambda xp, d, a, b, c, e: build(d, _py(a), _py(b), _py(c), _py(e))
    raise ValueError(n)


def _unary(type_name, doc, scalars, build, extra_attrs=None, scalar_types=None,
           metadata=True):
    """Defines a dataset op of an input dataset and int64 (or other) scalar inputs (with
    TF's `metadata` attr unless the op has none)."""
    scalar_types = scalar_types or {}
    inputs = ("input_dataset: variant",) + tuple(
        f"{s}: {scalar_types.get(s, 'int64')}" for s in scalars)

    spec = _SPEC if metadata else {k: v for k, v in _SPEC.items() if k != "metadata"}

    @defop(type_name, inputs=inputs, outputs=_VARIANT_OUT,
           attrs=dict(spec, **(extra_attrs or {})))
    class Op(_DatasetOp):
        kernel = staticmethod(_fixed_arity(len(scalars), build))
    Op.__doc__ = doc
    Op.__name__ = type_name
    return Op


@defop("BatchDatasetV2", inputs=("input_dataset: variant", "batch_size: int64",
                                 "drop_remainder: bool"), outputs=_VARIANT_OUT,
       attrs=dict(_SPEC, parallel_copy=False, _sparse_components=[]))
class BatchDatasetV2(_DatasetOp):
    """Groups `batch_size` consecutive elements into one (SparseTensor components,
    listed by the index of their `indices` in `_sparse_components`, get a batch
    dimension in their indices)."""

    def kernel(xp, input_dataset, batch_size, drop_remainder, _sparse_components):
        return pipeline.batch(input_dataset, int(batch_size), bool(drop_remainder),
                              tuple(_sparse_components))
_unary("RepeatDataset", "Repeats its input `count` times (-1: forever).", ("count",),
       pipeline.repeat)
_unary("TakeDataset", "The first `count` elements (-1: all).", ("count",), pipeline.take)
_unary("SkipDataset", "All but the first `count` elements (-1: none).", ("count",),
       pipeline.skip)
_unary("PrefetchDataset", "Elements produced ahead by a background thread.",
       ("buffer_size",), pipeline.prefetch,
       {"slack_period": 0, "legacy_autotune": True, "buffer_size_min": 0})
_unary("UnbatchDataset", "Splits each element along its first dimension.", (),
       pipeline.unbatch)
_unary("WindowDataset", "Windows of `size` elements as datasets, `shift` apart.",
       ("size", "shift", "stride", "drop_remainder"), pipeline.window, None,
       {"drop_remainder": "bool"})
_unary("IgnoreErrorsDataset", "Its input, skipping elements whose computation fails.",
       (), pipeline.ignore_errors, {"log_warning": False}, metadata=False)
_unary("ModelDataset", "Its input (TF's autotuning model: nothing to tune here).", (),
       lambda d: d, {"algorithm": 0, "cpu_budget": 0, "ram_budget": 0}, metadata=False)
_unary("RewriteDataset", "Its input (TF's graph rewrites of a pipeline keep its elements).",
       ("rewrite_name",), lambda d, name: d, None, {"rewrite_name": "string"},
       metadata=False)
_unary("OptionsDataset", "Its input, carrying serialized `tf.data.Options`.", (),
       lambda d: d, {"serialized_options": ""})


@defop("CacheDataset", inputs=("input_dataset: variant", "filename: string"),
       outputs=_VARIANT_OUT, attrs=dict(_SPEC))
class CacheDataset(_DatasetOp):
    """Its input, recorded on the first pass (in memory, or in `filename`) and replayed."""

    def kernel(xp, input_dataset, filename):
        name = filename.item() if hasattr(filename, "item") else filename
        name = name.decode() if isinstance(name, bytes) else name
        if not name:
            return pipeline.MemoryCache(input_dataset)
        return cache_file.FileCache(input_dataset, name)


@defop("ShuffleDataset", inputs=("input_dataset: variant", "buffer_size: int64",
                                 "seed: int64", "seed2: int64"), outputs=_VARIANT_OUT,
       attrs=dict(_SPEC, reshuffle_each_iteration=True), stateful=True)
class ShuffleDataset(_DatasetOp):
    """Its input in random order, drawn from a buffer of `buffer_size` elements."""

    def kernel(xp, input_dataset, buffer_size, seed, seed2, reshuffle_each_iteration):
        # Seeds start afresh with every dataset made (each initialization), as in TF.
        return pipeline.shuffle(input_dataset, int(buffer_size),
                                pipeline.SeedState(seed, seed2), reshuffle_each_iteration)


@defop("ZipDataset", inputs=("input_datasets: N * variant",), outputs=_VARIANT_OUT,
       attrs=dict(_SPEC))
class ZipDataset(_DatasetOp):
    """Elements of all inputs side by side, until the shortest ends."""

    def kernel(xp, input_datasets):
        return pipeline.zip_(list(input_datasets))


@defop("ConcatenateDataset", inputs=("input_dataset: variant", "another_dataset: variant"),
       outputs=_VARIANT_OUT, attrs=dict(_SPEC))
class ConcatenateDataset(_DatasetOp):
    """The elements of `input_dataset`, then those of `another_dataset`."""

    def kernel(xp, input_dataset, another_dataset):
        return pipeline.concatenate(input_dataset, another_dataset)


@defop("PaddedBatchDatasetV2", inputs=("input_dataset: variant", "batch_size: int64",
                                       "padded_shapes: N * int64",
                                       "padding_values: Toutput_types",
                                       "drop_remainder: bool"), outputs=_VARIANT_OUT,
       attrs={"parallel_copy": False, "Toutput_types": [], "output_shapes": None,
              "metadata": ""})
class PaddedBatchDatasetV2(_DatasetOp):
    """Batches of `batch_size` elements, each component padded to `padded_shapes`."""

    def kernel(xp, input_dataset, batch_size, padded_shapes, padding_values,
               drop_remainder):
        return pipeline.padded_batch(input_dataset, int(batch_size), list(padded_shapes),
                                     list(padding_values), bool(drop_remainder))


# -- ops holding a function ---------------------------------------------------------
def _with_function(type_name, doc, scalars, build, extra_attrs=None, func_attr="f",
                   scalar_types=None):
    """Defines a dataset op calling function `func_attr` on its elements; its inputs are
    the input dataset, the function's captured tensors, then scalars."""
    scalar_types = scalar_types or {}
    inputs = ("input_dataset: variant", "other_arguments: Targuments") + tuple(
        f"{s}: {scalar_types.get(s, 'int64')}" for s in scalars)
    attrs = dict(_SPEC, Targuments=[], **{func_attr: None}, **(extra_attrs or {}))

    @defop(type_name, inputs=inputs, outputs=_VARIANT_OUT, attrs=attrs)
    class Op(_DatasetOp):
        func_attrs = (func_attr,)
        required_attrs = ("Targuments",)
        func_arg_shapes = staticmethod(_func_shapes)

        def bind(op, ctx, compile_fn):
            fn = compile_fn(op.get_attr(func_attr))
            n_args = len(op.get_attr("Targuments"))
            keep_size = op._attrs.get("preserve_cardinality", True)

            def run(input_dataset, *rest):
                captures, args = rest[:n_args], rest[n_args:]
                out = build(input_dataset, fn, captures, *[_py(a) for a in args])
                return out if keep_size else cardinality.sized(out, cardinality.UNKNOWN)
            return run
    Op.__doc__ = doc
    Op.__name__ = type_name
    return Op


_with_function("MapDataset", "`f` applied to each element.", (), pipeline.map_,
               {"use_inter_op_parallelism": True, "preserve_cardinality": False,
                "force_synchronous": False})
_with_function("ParallelMapDatasetV2", "`f` applied to each element, "
               "`num_parallel_calls` elements at once on threads (order kept).",
               ("num_parallel_calls",),
               lambda d, f, c, n: pipeline.map_(d, f, c, 4 if n < 0 else int(n)),
               {"use_inter_op_parallelism": True, "deterministic": "default",
                "preserve_cardinality": False, "use_unbounded_threadpool": False})
_with_function("FilterDataset", "The elements for which `predicate` is true.", (),
               pipeline.filter_, func_attr="predicate")
_with_function("FlatMapDataset", "The elements of the datasets `f` makes of each element.",
               (), pipeline.flat_map)
_with_function("InterleaveDataset", "The datasets `f` makes of the elements, "
               "`cycle_length` at a time, `block_length` elements from each in turn.",
               ("cycle_length", "block_length"), pipeline.interleave)
_with_function("ParallelInterleaveDatasetV4", "`InterleaveDataset` whose open datasets "
               "are read ahead by background threads (the same order).",
               ("cycle_length", "block_length", "buffer_output_elements",
                "prefetch_input_elements", "num_parallel_calls"),
               lambda d, f, c, cycle, block, buf, pre, n: pipeline.interleave(
                   d, f, c, cycle, block, ahead=buf if buf > 0 else 2),
               {"deterministic": "default"})
_with_function("MapAndBatchDataset", "`f` applied to each element, then batched.",
               ("batch_size", "num_parallel_calls", "drop_remainder"),
               lambda d, f, c, b, n, drop: pipeline.batch(
                   pipeline.map_(d, f, c, 4 if n < 0 else int(n)), int(b), bool(drop)),
               {"preserve_cardinality": False}, scalar_types={"drop_remainder": "bool"})
