"""TF1's queue-based input pipeline: producers (`string_input_producer`,
`input_producer`, `range_input_producer`, `slice_input_producer`) fill a queue from a
tensor for `num_epochs` (a local variable counts them); the batchers (`batch`,
`shuffle_batch`, `batch_join`, `shuffle_batch_join`, `maybe_batch`) queue single
examples and dequeue batches. Each adds a `QueueRunner` to `QUEUE_RUNNERS`."""
from flowgraph.framework import dtypes, nest, tensor_shape
from flowgraph.framework.graph import GraphKeys, control_dependencies, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import (array_ops, core, counter_ops, creation_ops, debug_ops, file_ops,
                           gather_ops, math_ops, queue_ops, random_ops, unary_ops, variables)
from flowgraph.summary import summary
from flowgraph.train.queue_runner import QueueRunner, add_queue_runner

__all__ = ["limit_epochs", "input_producer", "string_input_producer", "range_input_producer",
           "slice_input_producer", "batch", "maybe_batch", "batch_join", "maybe_batch_join",
           "shuffle_batch", "maybe_shuffle_batch", "shuffle_batch_join",
           "maybe_shuffle_batch_join", "match_filenames_once"]


def limit_epochs(tensor, num_epochs=None, name=None):
    """Returns `tensor` `num_epochs` times, then raises OutOfRangeError."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        epochs = variables.Variable(creation_ops.zeros([], dtype=dtypes.int64), name="epochs",
                                    trainable=False,
                                    collections=[GraphKeys.LOCAL_VARIABLES])
        counter = counter_ops.count_up_to(epochs, num_epochs)
        with control_dependencies([counter]):
            return core.identity(tensor, name=scope)


def match_filenames_once(pattern, name=None):
    """A local variable holding the files matching `pattern` (set when initialised)."""
    with name_scope(name, "matching_filenames", [pattern]) as scope:
        return variables.Variable(file_ops.matching_files(pattern), name=scope,
                                  trainable=False, validate_shape=False,
                                  collections=[GraphKeys.LOCAL_VARIABLES])


def _fraction_summary(queue, size_fraction_name, capacity, offset=0):
    name = f"queue/{queue.name}/{size_fraction_name}"
    size = math_ops.maximum(0, math_ops.subtract(queue.size(), offset)) if offset else \
        queue.size()
    full = math_ops.multiply(unary_ops.cast(size, dtypes.float32), 1.0 / capacity)
    summary.scalar(name, full)


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True,
                   seed=None, capacity=32, shared_name=None, summary_name=None, name=None,
                   cancel_op=None):
    """A FIFO queue of the rows of `input_tensor`, enqueued (shuffled) each epoch."""
    with name_scope(name, "input_producer", [input_tensor]):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        element_shape = input_tensor.shape[1:].merge_with(
            tensor_shape.as_shape(element_shape) if element_shape is not None
            else tensor_shape.unknown_shape())
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or "
                             "`element_shape` must be specified")
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = queue_ops.FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype.base_dtype],
                                shapes=[element_shape], shared_name=shared_name, name=name)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        if summary_name is not None:
            _fraction_summary(q, summary_name, capacity)
        return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None,
                          capacity=32, shared_name=None, name=None, cancel_op=None):
    """A queue of the strings of `string_tensor` (e.g. filenames) for an input pipeline."""
    not_null_err = "string_input_producer requires a non-null input tensor"
    if isinstance(string_tensor, (list, tuple)) and not string_tensor:
        raise ValueError(not_null_err)
    with name_scope(name, "input_producer", [string_tensor]) as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        with control_dependencies([debug_ops.Assert(
                math_ops.greater(array_ops.size(string_tensor), 0), [not_null_err])]):
            string_tensor = core.identity(string_tensor)
        return input_producer(string_tensor, [], num_epochs, shuffle, seed, capacity,
                              shared_name, f"fraction_of_{capacity}_full", scope, cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """A queue of the integers 0 .. limit-1 (int32), for `num_epochs` epochs."""
    with name_scope(name, "input_producer", [limit]) as scope:
        range_tensor = creation_ops.range(limit)
        return input_producer(range_tensor, [], num_epochs, shuffle, seed, capacity,
                              shared_name, f"fraction_of_{capacity}_full", scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """One row of each tensor of `tensor_list` at a time (the same row index for all)."""
    with name_scope(name, "input_producer", tensor_list):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        range_size = array_ops.shape(tensor_list[0])[0] if \
            tensor_list[0].shape[0] is None or tensor_list[0].shape.ndims is None else \
            tensor_list[0].shape.as_list()[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle,
                                     seed=seed, capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [gather_ops.gather(t, index) for t in tensor_list]


# -- batching ---------------------------------------------------------------------------
def _flatten(tensors):
    if isinstance(tensors, dict) or isinstance(tensors, (list, tuple)):
        return nest.flatten(tensors)
    return [tensors]


def _restore(original, flat):
    if isinstance(original, dict) or isinstance(original, (list, tuple)):
        return nest.pack_sequence_as(original, list(flat))
    return flat[0]


def _queue_shapes(tensor_lists, shapes, enqueue_many, dynamic_pad):
    if shapes is not None:
        return [tensor_shape.as_shape(s) for s in shapes]
    merged = None
    for tl in tensor_lists:
        got = [t.shape[1:] if enqueue_many else t.shape for t in tl]
        if enqueue_many:
            for t in tl:
                t.shape.with_rank_at_least(1)
        merged = got if merged is None else [a.merge_with(b) for a, b in zip(merged, got)]
    if not dynamic_pad:
        for s in merged:
            if not s.is_fully_defined():
                raise ValueError(f"All shapes must be fully defined: {merged}")
    return merged


def _keep(tensors, keep_input, enqueue_many):
    """The tensors to enqueue_many, filtered by `keep_input` (None: all)."""
    keep = convert_to_tensor(keep_input, dtype=dtypes.bool, name="keep_input")
    if keep.shape.ndims not in (0, 1):
        raise ValueError("`keep_input` must be a scalar or a vector.")
    if keep.shape.ndims == 1 and not enqueue_many:
        raise ValueError("`keep_input` cannot be a vector when `enqueue_many=False`.")
    if not enqueue_many:
        tensors = [array_ops.expand_dims(t, 0) for t in tensors]
        keep = array_ops.expand_dims(keep, 0)
    elif keep.shape.ndims == 0:
        keep = creation_ops.fill(array_ops.shape(tensors[0])[:1], keep)
    return [gather_ops.boolean_mask(t, keep) for t in tensors]


def _batcher(tensor_lists, original, batch_size, capacity, enqueue_many, shapes,
             dynamic_pad, allow_smaller_final_batch, shared_name, name, default_name,
             shuffle_args=None, keep_input=True):
    flats = [_flatten(t) for t in tensor_lists]
    with name_scope(name, default_name, flats[0]) as scope:
        flats = [[convert_to_tensor(t) for t in f] for f in flats]
        types = [t.dtype.base_dtype for t in flats[0]]
        for f in flats[1:]:
            if [t.dtype.base_dtype for t in f] != types:
                raise TypeError("All tensor lists must have the same types")
        qshapes = _queue_shapes(flats, shapes, enqueue_many, dynamic_pad)
        if shuffle_args is not None:
            min_after_dequeue, seed = shuffle_args
            q = queue_ops.RandomShuffleQueue(capacity, min_after_dequeue, types, qshapes,
                                             seed=seed, shared_name=shared_name)
        elif dynamic_pad:
            q = queue_ops.PaddingFIFOQueue(capacity, types, qshapes, shared_name=shared_name)
        else:
            q = queue_ops.FIFOQueue(capacity, types, qshapes, shared_name=shared_name)
        enqueues = []
        for f in flats:
            if keep_input is True:
                enqueues.append(q.enqueue_many(f) if enqueue_many else q.enqueue(f))
            else:
                enqueues.append(q.enqueue_many(_keep(f, keep_input, enqueue_many)))
        add_queue_runner(QueueRunner(q, enqueues))
        if shuffle_args is not None:
            _fraction_summary(q, f"fraction_over_{shuffle_args[0]}_of_"
                                 f"{capacity - shuffle_args[0]}_full",
                              capacity - shuffle_args[0], shuffle_args[0])
        else:
            _fraction_summary(q, f"fraction_of_{capacity}_full", capacity)
        out = q.dequeue_up_to(batch_size, name=scope) if allow_smaller_final_batch else \
            q.dequeue_many(batch_size, name=scope)
        out = out if isinstance(out, list) else [out]
        return _restore(original, out)


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
          dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Creates batches of tensors in `tensors` (a list or dict of tensors)."""
    return _batcher([tensors] * num_threads, tensors, batch_size, capacity, enqueue_many,
                    shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name,
                    "batch")


def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32,
                enqueue_many=False, shapes=None, dynamic_pad=False,
                allow_smaller_final_batch=False, shared_name=None, name=None):
    """Like `batch`, enqueueing only the examples whose `keep_input` is True."""
    return _batcher([tensors] * num_threads, tensors, batch_size, capacity, enqueue_many,
                    shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name,
                    "batch", keep_input=keep_input)


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None,
               dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None,
               name=None):
    """Batches from several lists of tensors, one enqueueing thread per list."""
    return _batcher(list(tensors_list), tensors_list[0], batch_size, capacity, enqueue_many,
                    shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name,
                    "batch_join")


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None,
                  enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """Creates batches by randomly shuffling tensors through a RandomShuffleQueue."""
    return _batcher([tensors] * num_threads, tensors, batch_size, capacity, enqueue_many,
                    shapes, False, allow_smaller_final_batch, shared_name, name,
                    "shuffle_batch", shuffle_args=(min_after_dequeue, seed))


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None,
                       enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    """Shuffled batches from several lists of tensors, one enqueueing thread per list."""
    return _batcher(list(tensors_list), tensors_list[0], batch_size, capacity, enqueue_many,
                    shapes, False, allow_smaller_final_batch, shared_name, name,
                    "shuffle_batch_join", shuffle_args=(min_after_dequeue, seed))


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False,
                     shapes=None, dynamic_pad=False, allow_smaller_final_batch=False,
                     shared_name=None, name=None):
    """Like `batch_join`, enqueueing only the examples whose `keep_input` is True."""
    return _batcher(list(tensors_list), tensors_list[0], batch_size, capacity, enqueue_many,
                    shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name,
                    "batch_join", keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input,
                        num_threads=1, seed=None, enqueue_many=False, shapes=None,
                        allow_smaller_final_batch=False, shared_name=None, name=None):
    """Like `shuffle_batch`, enqueueing only the examples whose `keep_input` is True."""
    return _batcher([tensors] * num_threads, tensors, batch_size, capacity, enqueue_many,
                    shapes, False, allow_smaller_final_batch, shared_name, name,
                    "shuffle_batch", shuffle_args=(min_after_dequeue, seed),
                    keep_input=keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue,
                             keep_input, seed=None, enqueue_many=False, shapes=None,
                             allow_smaller_final_batch=False, shared_name=None, name=None):
    """Like `shuffle_batch_join`, enqueueing only the examples whose `keep_input` is True."""
    return _batcher(list(tensors_list), tensors_list[0], batch_size, capacity, enqueue_many,
                    shapes, False, allow_smaller_final_batch, shared_name, name,
                    "shuffle_batch_join", shuffle_args=(min_after_dequeue, seed),
                    keep_input=keep_input)
