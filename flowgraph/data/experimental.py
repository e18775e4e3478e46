"""`tf.data.experimental` basics: transformations for `Dataset.apply`."""
from flowgraph.data import dataset
from flowgraph.framework import dtypes
from flowgraph.framework.op_builder import convert_to_tensor

AUTOTUNE = dataset.AUTOTUNE
INFINITE_CARDINALITY = dataset.INFINITE
UNKNOWN_CARDINALITY = dataset.UNKNOWN


def _i64(x, name):
    return convert_to_tensor(x, dtype=dtypes.int64, name=name)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    """`map(map_func)` then `batch(batch_size)`, as one `MapAndBatchDataset`."""
    if num_parallel_batches is not None and num_parallel_calls is not None:
        raise ValueError("`map_and_batch_with_legacy_function` cannot be used with "
                         "both `num_parallel_batches` and `num_parallel_calls`.")
    n = num_parallel_calls if num_parallel_calls is not None else \
        (num_parallel_batches or 1) * (batch_size if isinstance(batch_size, int) else 1)

    def apply(ds):
        return ds._function_op(
            "MapAndBatchDataset", map_func,
            [_i64(batch_size, "batch_size"), _i64(n, "num_parallel_calls"),
             convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")],
            attrs={"preserve_cardinality": True},
            out=lambda fg, spec: dataset.batched_spec(_dense(spec), batch_size,
                                                      drop_remainder))
    return apply


def _dense(spec):
    if dataset.functions.has_sparse(spec):
        raise NotImplementedError("map_and_batch of a function returning SparseTensors "
                                  "is not supported yet: use map, then batch")
    return spec


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """`shuffle(buffer_size, seed)` then `repeat(count)`."""
    def apply(ds):
        return ds.shuffle(buffer_size, seed).repeat(count)
    return apply


def ignore_errors(log_warning=False):
    """Drops the elements whose computation raises an error."""
    def apply(ds):
        return ds._unary("IgnoreErrorsDataset", [])
    return apply


def unbatch():
    """`Dataset.unbatch()` as a transformation."""
    return lambda ds: ds.unbatch()


def cardinality(dataset):
    """`dataset.cardinality()`: its number of elements as a scalar int64 tensor."""
    return dataset.cardinality()
