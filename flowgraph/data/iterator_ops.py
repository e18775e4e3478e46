"""Iterator ops: an iterator is a per-session resource (`IteratorV2`, `OneShotIterator`)
that `MakeIterator` points at a dataset and `IteratorGetNext` advances, raising
`OutOfRangeError` at the end. String handles name iterators for feedable iterators."""
import itertools
import threading

import numpy as np

from flowgraph.data import session_state
from flowgraph.framework import errors, shape_fns, tensor_shape
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

_HANDLES = itertools.count()


class IteratorResource:
    """One iterator's state in one session; `get_next` may be called from many threads."""

    def __init__(self, name, types=None, shapes=None):
        self.name = name
        self.handle = f"{name}_{next(_HANDLES)}".encode()
        self._it = None
        self._lock = threading.Lock()
        self.types, self.shapes = types, shapes

    def reset(self, dataset):
        with self._lock:
            old, self._it = self._it, dataset.iterate()
        _close(old)

    def close(self):
        """Drops the iterator (its session is closing): background threads stop."""
        it, self._it = self._it, None
        _close(it)

    @property
    def initialized(self):
        return self._it is not None

    def get_next(self):
        with self._lock:
            if self._it is None:
                raise errors.FailedPreconditionError(
                    None, None, "GetNext() failed because the iterator has not been "
                                "initialized. Ensure that you have run the initializer "
                                "operation for this iterator before getting the next "
                                "element.")
            try:
                return next(self._it)
            except StopIteration:
                raise errors.OutOfRangeError(None, None, "End of sequence") from None


def _close(it):
    close = getattr(it, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # an iterator being dropped has nothing left to report
            pass


def _register(ctx, res):
    session_state.put(ctx, ("handle", res.handle), res)
    return res


def _shapes_attr(op):
    return [tensor_shape.as_shape(s) if s is not None else tensor_shape.unknown_shape()
            for s in op.get_attr("output_shapes")]


class _HostOp:
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE


@defop("IteratorV2", outputs=("handle: resource",),
       attrs={"shared_name": "", "container": "", "output_types": None,
              "output_shapes": None}, stateful=True)
class IteratorV2(_HostOp):
    """A (not yet initialized) iterator over datasets of the given element types."""
    required_attrs = ("shared_name", "container")

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, shared_name, container, op_name):
        key = ("iterator", container, shared_name or op_name)
        return session_state.get(ctx, key, lambda: _register(
            ctx, IteratorResource(shared_name or op_name)))


@defop("OneShotIterator", outputs=("handle: resource",),
       attrs={"dataset_factory": None, "output_types": None, "output_shapes": None,
              "container": "", "shared_name": ""}, stateful=True)
class OneShotIterator(_HostOp):
    """An iterator initialized, on first use in a session, with the dataset that its
    `dataset_factory` function builds."""
    func_attrs = ("dataset_factory",)
    func_arg_shapes = staticmethod(lambda inputs, attrs, attr: [])

    def shape(op):
        return tensor_shape.TensorShape([])

    def bind(op, ctx, compile_fn):
        factory = compile_fn(op.get_attr("dataset_factory"))
        key = ("iterator", op.get_attr("container"), op.get_attr("shared_name") or op.name)
        lock = threading.Lock()

        def run():
            res = session_state.get(ctx, key, lambda: _register(ctx, IteratorResource(
                op.name)))
            if not res.initialized:
                with lock:
                    if not res.initialized:
                        res.reset(factory()[0])
            return res
        return run


@defop("MakeIterator", inputs=("dataset: variant", "iterator: resource"), stateful=True)
class MakeIterator(_HostOp):
    """(Re)starts `iterator` at the beginning of `dataset`."""

    shape = staticmethod(shape_fns.no_outputs)

    def kernel(ctx, dataset, iterator):
        iterator.reset(dataset)


@defop("IteratorGetNext", inputs=("iterator: resource",), outputs=("components: "
                                                                    "output_types",),
       attrs={"output_types": [], "output_shapes": None}, stateful=True)
class IteratorGetNext(_HostOp):
    """The iterator's next element; `OutOfRangeError` when there is none."""
    required_attrs = ("output_types",)
    shape = staticmethod(_shapes_attr)

    def kernel(ctx, iterator, output_types):
        e = iterator.get_next()
        return [np.asarray(v, dtype=t) if not isinstance(v, np.ndarray) or v.dtype != t
                else v for v, t in zip(e, output_types)]


@defop("IteratorToStringHandle", inputs=("resource_handle: resource",),
       outputs=("string_handle: string",), stateful=True)
class IteratorToStringHandle(_HostOp):
    """A string naming the iterator, for `Iterator.from_string_handle`."""

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, resource_handle):
        return np.array(resource_handle.handle, dtype=object)


@defop("IteratorFromStringHandleV2", inputs=("string_handle: string",),
       outputs=("resource_handle: resource",),
       attrs={"output_types": [], "output_shapes": []}, stateful=True)
class IteratorFromStringHandleV2(_HostOp):
    """The iterator named by a string handle made in this session."""

    def shape(op):
        return tensor_shape.TensorShape([])

    def kernel(ctx, string_handle):
        h = string_handle.item() if hasattr(string_handle, "item") else string_handle
        h = h.encode() if isinstance(h, str) else bytes(h)
        res = session_state.find(ctx, ("handle", h))
        if res is None:
            raise errors.InvalidArgumentError(
                None, None, f"Unable to find the iterator named by handle {h!r} in this "
                            "session")
        return res
