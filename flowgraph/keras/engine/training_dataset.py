"""`fit`, `evaluate` and `predict` on a `tf.data` Dataset, as Keras's v1 loops take one:
the steps of an epoch from the dataset's cardinality, an initializable iterator in the
model's graph (re-initialized after each epoch when the steps were inferred), and one
batch read from it per step and fed to the model's function."""
from flowgraph import tf_logging
from flowgraph.data import dataset as dataset_lib
from flowgraph.keras import backend as K

__all__ = ["is_dataset", "check_dataset_args", "verify_shuffled", "infer_steps",
           "DatasetFeed"]

INFINITE = dataset_lib.INFINITE


def is_dataset(x):
    return isinstance(x, dataset_lib.DatasetV1)


def check_dataset_args(x, y=None, sample_weight=None, batch_size=None,
                       validation_split=None):
    """Keras's errors for arguments a dataset already provides."""
    if y is not None:
        raise ValueError("You passed a dataset or dataset iterator (%s) as input `x` to your "
                         "model. In that case, you should not specify a target (`y`) "
                         "argument, since the dataset or dataset iterator generates both "
                         "input data and target data. Received: %s" % (x, y))
    if sample_weight is not None:
        raise ValueError("`sample_weight` argument is not supported when input `x` is a "
                         f"dataset or a dataset iterator. Instead, youcan provide "
                         f"sample_weight as the third element  of yourdataset, i.e. (inputs, "
                         f"targets, sample_weight). Received: x={x}, "
                         f"sample_weight={sample_weight}")
    if validation_split:
        raise ValueError("`validation_split` argument is not supported when input `x` is a "
                         f"dataset or a dataset iterator. Received: x={x}, "
                         f"validation_split={validation_split:f}")
    if batch_size is not None:
        raise ValueError("The `batch_size` argument must not be specified for the given "
                         f"input type. Received input: {x}, batch_size: {batch_size}")


def _dataset_ops(ds):
    """The ops of the pipeline that makes `ds` (function bodies included)."""
    seen, todo = set(), [ds._variant_tensor.op]
    while todo:
        op = todo.pop()
        if op in seen:
            continue
        seen.add(op)
        todo.extend(t.op for t in op.inputs)
        yield op


def verify_shuffled(ds):
    """Warns, as Keras does, when a dataset given to `fit` holds no shuffle."""
    if any(op.type.startswith("ShuffleDataset") for op in _dataset_ops(ds)):
        return True
    tf_logging.warning("Expected a shuffled dataset but input dataset `x` is not shuffled. "
                       "Please invoke `shuffle()` on input dataset.")
    return False


def infer_steps(ds, steps, epochs=1, steps_name="steps"):
    """The steps of one pass over `ds` (None: unknown), checked against `steps`."""
    size = int(K.get_session().run(ds.cardinality()))
    if size == INFINITE and steps is None:
        raise ValueError("When passing an infinitely repeating dataset, you must specify the "
                         f"`{steps_name}` argument.")
    if size >= 0 and steps is not None and steps * epochs > size:
        if epochs > 1:
            raise ValueError(
                f"The dataset you passed contains {size} batches, but you passed "
                f"`epochs={epochs}` and `{steps_name}={steps}`, which is a total of "
                f"{steps * epochs} steps. We cannot draw that many steps from this dataset. "
                f"We suggest to set `{steps_name}={size // epochs}`.")
        raise ValueError(
            f"The dataset you passed contains {size} batches, but you passed "
            f"`{steps_name}={steps}`. We cannot draw that many steps from this dataset. "
            f"We suggest to set `{steps_name}={size}`.")
    if steps is None:
        return size if size >= 0 else None
    return steps


class DatasetFeed:
    """The batches of a dataset as the feed values of the model's functions, one list per
    `next_batch()` (OutOfRangeError at the end of the data)."""

    def __init__(self, model, ds, mode, steps=None, epochs=1, steps_name="steps"):
        self.model, self.mode = model, mode
        self.reset_each_epoch = steps is None
        self.steps = infer_steps(ds, steps, epochs, steps_name) if steps is None else steps
        with K.get_graph().as_default():
            self._iterator = ds.make_initializable_iterator()
            self._next = self._iterator.get_next()
        self._pending = None
        self.reset()
        if model.inputs is None:  # a model built from its first batch
            self._pending = self._read()

    def reset(self):
        K.get_session().run(self._iterator.initializer)

    def _read(self):
        element = K.get_session().run(self._next)
        if self.mode == "predict":
            x = element[0] if isinstance(element, tuple) else element
            return self.model._standardize_user_data(x)[0]
        if not isinstance(element, tuple) or len(element) not in (2, 3):
            raise ValueError("Please provide model inputs as a list or tuple of 2 or 3 "
                             "elements: (input, target) or (input, target, sample_weights) "
                             f"Received {self._next}")
        xs, ys, sws = self.model._standardize_user_data(*element)
        return list(xs) + list(ys) + list(sws)

    def next_batch(self):
        if self._pending is not None:
            batch, self._pending = self._pending, None
            return batch
        return self._read()
