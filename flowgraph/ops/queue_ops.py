"""Queues (`tf.FIFOQueue`, `RandomShuffleQueue`, `PaddingFIFOQueue`, `PriorityQueue`) as
TF's V2 resource ops: a queue op yields a handle naming the session's queue, made on its
first run; enqueue/dequeue/close/size ops act on it. Blocking ops wait on the queue's
condition, so they honour `RunOptions.timeout_in_ms` and end when the session closes."""
import numpy as np

from flowgraph.framework import dtypes as _dtypes, errors, random_seed, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant_value, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, REQUIRED_LIST
from flowgraph.ops import queue_state

__all__ = ["QueueBase", "FIFOQueue", "RandomShuffleQueue", "PaddingFIFOQueue",
           "PriorityQueue"]
__namespaces__ = {"queue": ["QueueBase", "FIFOQueue", "RandomShuffleQueue",
                            "PaddingFIFOQueue", "PriorityQueue"]}

_QUEUE_ATTRS = {"component_types": REQUIRED_LIST, "shapes": [], "capacity": -1,
                "container": "", "shared_name": ""}


def _np(dt):
    dt = _dtypes.as_dtype(dt)
    return np.dtype(object) if dt == _dtypes.string else np.dtype(dt.as_numpy_dtype)


def _shapes(shapes):
    return [None if s.ndims is None else [None if d is None or d < 0 else int(d)
                                          for d in s.as_list()]
            for s in (tensor_shape.as_shape(x) for x in shapes)]


def _key(op_name, container, shared_name):
    return f"queue:{container}/{shared_name or op_name}"


def _handle(key):
    return np.asarray(key, dtype=object)


def _queue(ctx, handle):
    key = np.asarray(handle, dtype=object).item()
    table = queue_state._BY_SESSION.get(ctx.session, {})
    q = table.get(key)
    if q is None:
        raise errors.NotFoundError(None, None, f"Resource {key} does not exist.")
    return q


def _make(ctx, op_name, container, shared_name, make):
    key = _key(op_name, container, shared_name)
    queue_state.lookup_or_create(ctx.session, key, make)
    return _handle(key)


def _scalar(op):
    return tensor_shape.TensorShape([])


def _types(component_types):
    return [_np(t) for t in component_types]


def _known(shapes, n):
    return _shapes(shapes) or [None] * n


@defop("FIFOQueueV2", outputs=("handle: resource",), attrs=_QUEUE_ATTRS, stateful=True)
class FIFOQueueV2:
    """A queue that produces elements in first-in first-out order."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, component_types, shapes, capacity, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, lambda: queue_state.Queue(
            op_name, capacity, _types(component_types), _known(shapes, len(component_types))))


@defop("PaddingFIFOQueueV2", outputs=("handle: resource",), attrs=_QUEUE_ATTRS,
       stateful=True)
class PaddingFIFOQueueV2:
    """A FIFO queue whose dequeue_many pads each component to the longest element."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, component_types, shapes, capacity, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, lambda: queue_state.PaddingFIFOQueue(
            op_name, capacity, _types(component_types), _known(shapes, len(component_types))))


@defop("RandomShuffleQueueV2", outputs=("handle: resource",),
       attrs=dict(_QUEUE_ATTRS, min_after_dequeue=0, seed=0, seed2=0), stateful=True)
class RandomShuffleQueueV2:
    """A queue that dequeues its elements in a random order."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, component_types, shapes, capacity, container, shared_name,
               min_after_dequeue, seed, seed2, op_name):
        return _make(ctx, op_name, container, shared_name,
                     lambda: queue_state.RandomShuffleQueue(
                         op_name, capacity, _types(component_types),
                         _known(shapes, len(component_types)), min_after_dequeue,
                         ctx.rng(op_name, seed, seed2)))


@defop("PriorityQueueV2", outputs=("handle: resource",),
       attrs=dict(_QUEUE_ATTRS, component_types=[], shapes=REQUIRED_LIST), stateful=True)
class PriorityQueueV2:
    """A queue that dequeues the element of lowest (int64, first component) priority."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _scalar

    def kernel(ctx, component_types, shapes, capacity, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, lambda: queue_state.PriorityQueue(
            op_name, capacity, [np.dtype(np.int64)] + _types(component_types),
            [[]] + _known(shapes, len(component_types))))


@defop("QueueEnqueueV2", inputs=("handle: resource", "components: Tcomponents"),
       attrs={"Tcomponents": REQUIRED_LIST, "timeout_ms": -1}, stateful=True)
class QueueEnqueueV2:
    """Enqueues one element (a tuple of tensors), blocking while the queue is full."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, handle, components, Tcomponents, timeout_ms):
        q = _queue(ctx, handle)
        q.enqueue(q.check([np.asarray(c) for c in components], many=False))


@defop("QueueEnqueueManyV2", inputs=("handle: resource", "components: Tcomponents"),
       attrs={"Tcomponents": REQUIRED_LIST, "timeout_ms": -1}, stateful=True)
class QueueEnqueueManyV2:
    """Enqueues the slices along dimension 0 of each component as separate elements."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, handle, components, Tcomponents, timeout_ms):
        q = _queue(ctx, handle)
        q.enqueue(q.check([np.asarray(c) for c in components], many=True))


@defop("QueueDequeueV2", inputs=("handle: resource",), outputs=("components: component_types",),
       attrs={"component_types": REQUIRED_LIST, "timeout_ms": -1}, stateful=True)
class QueueDequeueV2:
    """Dequeues one element, blocking until there is one (OutOfRangeError once closed and
    empty)."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [None] * len(op.outputs)

    def kernel(ctx, handle, component_types, timeout_ms):
        return _queue(ctx, handle).dequeue(1, many=False)


def _need_shapes(q):
    if any(s is None for s in q.shapes) and q.kind != "PaddingFIFOQueue":
        raise errors.InvalidArgumentError(
            None, None, f"{q.kind}'s DequeueMany and DequeueUpTo require the components to "
                        f"have specified shapes.")


@defop("QueueDequeueManyV2", inputs=("handle: resource", "n: int32"),
       outputs=("components: component_types",),
       attrs={"component_types": REQUIRED_LIST, "timeout_ms": -1}, stateful=True)
class QueueDequeueManyV2:
    """Dequeues `n` elements, stacked along a new dimension 0."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [None] * len(op.outputs)

    def kernel(ctx, handle, n, component_types, timeout_ms):
        q = _queue(ctx, handle)
        _need_shapes(q)
        n = int(n)
        if n < 0:
            raise errors.InvalidArgumentError(None, None, f"Batch size must be "
                                                          f"non-negative, got {n}")
        return q.dequeue(n, many=True)


@defop("QueueDequeueUpToV2", inputs=("handle: resource", "n: int32"),
       outputs=("components: component_types",),
       attrs={"component_types": REQUIRED_LIST, "timeout_ms": -1}, stateful=True)
class QueueDequeueUpToV2:
    """Dequeues `n` elements, or fewer (at least one) once the queue is closed."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [None] * len(op.outputs)

    def kernel(ctx, handle, n, component_types, timeout_ms):
        q = _queue(ctx, handle)
        _need_shapes(q)
        return q.dequeue(int(n), many=True, allow_smaller=True)


@defop("QueueCloseV2", inputs=("handle: resource",), attrs={"cancel_pending_enqueues": False},
       stateful=True)
class QueueCloseV2:
    """Closes the queue: later enqueues fail, dequeues drain what is left."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, handle, cancel_pending_enqueues):
        _queue(ctx, handle).close(cancel_pending_enqueues)


@defop("QueueSizeV2", inputs=("handle: resource",), outputs=("size: int32",), stateful=True)
class QueueSizeV2:
    """The number of elements in the queue."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, handle):
        return np.int32(_queue(ctx, handle).size())


@defop("QueueIsClosedV2", inputs=("handle: resource",), outputs=("is_closed: bool",),
       stateful=True)
class QueueIsClosedV2:
    """Whether the queue is closed."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, handle):
        return np.bool_(_queue(ctx, handle).is_closed())


# -- the Python classes ----------------------------------------------------------------
def _as_shapes(shapes, n):
    if shapes is None:
        return [tensor_shape.unknown_shape() for _ in range(n)]
    shapes = [tensor_shape.as_shape(s) for s in shapes]
    if len(shapes) != n:
        raise ValueError("Queue shapes must have the same length as dtypes")
    return shapes


class QueueBase:
    """Base class for queues: enqueue and dequeue tuples (or dicts) of tensors."""

    def __init__(self, dtypes, shapes, names, queue_ref):
        self._dtypes = [_dtypes.as_dtype(d) for d in dtypes]
        self._shapes = shapes
        self._names = list(names) if names is not None else None
        if self._names is not None and len(self._names) != len(self._dtypes):
            raise ValueError("Queue names must have the same length as dtypes")
        self._queue_ref = queue_ref
        self._name = queue_ref.op.name.split("/")[-1]

    dtypes = property(lambda self: self._dtypes)
    shapes = property(lambda self: self._shapes)
    names = property(lambda self: self._names)
    queue_ref = property(lambda self: self._queue_ref)
    name = property(lambda self: self._queue_ref.op.name)

    def _check_enqueue_dtypes(self, vals):
        if isinstance(vals, dict):
            if self._names is None:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names) != sorted(vals):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of "
                                 f"Queue.  Dictionary: {sorted(vals)}, Queue: "
                                 f"{sorted(self._names)}")
            vals = [vals[k] for k in self._names]
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} tensors to enqueue, got "
                             f"{len(vals)}")
        return [convert_to_tensor(v, dtype=dt, name=f"component_{i}")
                for i, (v, dt) in enumerate(zip(vals, self._dtypes))]

    def _attrs(self):
        return {"component_types": self._queue_types()}

    def _queue_types(self):
        return self._dtypes

    def enqueue(self, vals, name=None):
        """Enqueues one element."""
        with name_scope(name, f"{self._name}_enqueue", [self._queue_ref]) as scope:
            vals = self._check_enqueue_dtypes(vals)
            for v, s in zip(vals, self._shapes):
                v.shape.assert_is_compatible_with(s)
            return apply_op("QueueEnqueueV2", [self._queue_ref, vals], {"timeout_ms": -1},
                            name=scope)

    def enqueue_many(self, vals, name=None):
        """Enqueues the slices along dimension 0 of each tensor as elements."""
        with name_scope(name, f"{self._name}_EnqueueMany", [self._queue_ref]) as scope:
            vals = self._check_enqueue_dtypes(vals)
            batch = tensor_shape.Dimension(None)
            for v, s in zip(vals, self._shapes):
                vs = v.shape.with_rank_at_least(1)
                batch = batch.merge_with(vs.as_list()[0])
                tensor_shape.TensorShape(vs.as_list()[1:]).assert_is_compatible_with(s)
            return apply_op("QueueEnqueueManyV2", [self._queue_ref, vals],
                            {"timeout_ms": -1}, name=scope)

    def _finish(self, outs, lead):
        outs = outs if isinstance(outs, list) else [outs]
        for t, s in zip(outs, self._shapes):
            t.set_shape(tensor_shape.TensorShape(lead).concatenate(s))
        if self._names is not None:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else outs

    def dequeue(self, name=None):
        """Dequeues one element."""
        with name_scope(name, f"{self._name}_Dequeue", [self._queue_ref]) as scope:
            outs = apply_op("QueueDequeueV2", [self._queue_ref],
                            {"component_types": self._dtypes, "timeout_ms": -1}, name=scope)
        return self._finish(outs, [])

    def dequeue_many(self, n, name=None):
        """Dequeues and concatenates `n` elements."""
        with name_scope(name, f"{self._name}_DequeueMany", [self._queue_ref, n]) as scope:
            n_t = convert_to_tensor(n, dtype=_dtypes.int32, name="n")
            outs = apply_op("QueueDequeueManyV2", [self._queue_ref, n_t],
                            {"component_types": self._dtypes, "timeout_ms": -1}, name=scope)
        v = constant_value(n_t)
        return self._finish(outs, [None if v is None else int(v)])

    def dequeue_up_to(self, n, name=None):
        """Dequeues up to `n` elements (fewer once the queue is closed)."""
        with name_scope(name, f"{self._name}_DequeueUpTo", [self._queue_ref, n]) as scope:
            n_t = convert_to_tensor(n, dtype=_dtypes.int32, name="n")
            outs = apply_op("QueueDequeueUpToV2", [self._queue_ref, n_t],
                            {"component_types": self._dtypes, "timeout_ms": -1}, name=scope)
        return self._finish(outs, [None])

    def close(self, cancel_pending_enqueues=False, name=None):
        """Closes the queue."""
        with name_scope(name, f"{self._name}_Close", [self._queue_ref]) as scope:
            return apply_op("QueueCloseV2", [self._queue_ref],
                            {"cancel_pending_enqueues": cancel_pending_enqueues}, name=scope)

    def is_closed(self, name=None):
        """A bool tensor: whether the queue is closed."""
        with name_scope(name, f"{self._name}_is_closed", [self._queue_ref]) as scope:
            return apply_op("QueueIsClosedV2", [self._queue_ref], name=scope)

    def size(self, name=None):
        """The number of elements in the queue (an int32 tensor)."""
        with name_scope(name, f"{self._name}_Size", [self._queue_ref]) as scope:
            return apply_op("QueueSizeV2", [self._queue_ref], name=scope)


def _shape_attr(shapes):
    return [s for s in shapes] if all(s.is_fully_defined() for s in shapes) else []


class FIFOQueue(QueueBase):
    """A queue that dequeues elements in first-in first-out order."""

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None,
                 name="fifo_queue"):
        shapes = _as_shapes(shapes, len(dtypes))
        ref = apply_op("FIFOQueueV2", [], {
            "component_types": [_dtypes.as_dtype(d) for d in dtypes],
            "shapes": _shape_attr(shapes), "capacity": capacity,
            "shared_name": shared_name or ""}, name=name)
        super().__init__(dtypes, shapes, names, ref)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose dequeue_many pads variable-size components with zeros."""

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None,
                 name="padding_fifo_queue"):
        shapes = _as_shapes(shapes, len(dtypes))
        if any(s.ndims is None for s in shapes):
            raise ValueError("PaddingFIFOQueue shapes must have known ranks")
        ref = apply_op("PaddingFIFOQueueV2", [], {
            "component_types": [_dtypes.as_dtype(d) for d in dtypes], "shapes": shapes,
            "capacity": capacity, "shared_name": shared_name or ""}, name=name)
        super().__init__(dtypes, shapes, names, ref)


class RandomShuffleQueue(QueueBase):
    """A queue that dequeues elements in a random order."""

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None,
                 seed=None, shared_name=None, name="random_shuffle_queue"):
        shapes = _as_shapes(shapes, len(dtypes))
        seed1, seed2 = random_seed.get_seed(seed)
        if seed1 is None and seed2 is None:
            seed1, seed2 = 0, 0
        elif seed is None and shared_name is not None:
            seed2 = 0  # as TF: a shared queue's seed does not depend on op creation order
        ref = apply_op("RandomShuffleQueueV2", [], {
            "component_types": [_dtypes.as_dtype(d) for d in dtypes],
            "shapes": _shape_attr(shapes), "capacity": capacity,
            "min_after_dequeue": min_after_dequeue, "seed": seed1, "seed2": seed2,
            "shared_name": shared_name or ""}, name=name)
        super().__init__(dtypes, shapes, names, ref)


class PriorityQueue(QueueBase):
    """A queue that dequeues the element with the smallest int64 priority first; each
    element's first component is its priority."""

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None,
                 name="priority_queue"):
        shapes = _as_shapes(shapes, len(types))
        ref = apply_op("PriorityQueueV2", [], {
            "component_types": [_dtypes.as_dtype(d) for d in types],
            "shapes": _shape_attr(shapes), "capacity": capacity,
            "shared_name": shared_name or ""}, name=name)
        super().__init__([_dtypes.int64] + list(types),
                         [tensor_shape.TensorShape([])] + shapes, names, ref)
