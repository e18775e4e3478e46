"""`tf.Session`: runs fetches of a graph given feeds, through cached compiled plans."""
import contextlib
import sys

import numpy as np

from flowgraph import tf_logging
from flowgraph.framework import cancellation, default_stack, dtypes, errors
from flowgraph.framework.default_stack import get_default_session  # noqa: F401
from flowgraph.framework.graph import Tensor, Operation, get_default_graph
from flowgraph.runtime import fetch as fetch_lib
from flowgraph.runtime.config import ConfigProto
from flowgraph.runtime.executor import execute, execute_parallel, execute_traced
from flowgraph.runtime.plan import compile_plan
from flowgraph.runtime.resources import RunContext

class BaseSession:
    """Shared implementation of Session and InteractiveSession."""

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._config = config if config is not None else ConfigProto()
        self._target = target
        self._closed = False
        from flowgraph.runtime import host_memory
        from flowgraph.runtime.devices import local_devices
        host_memory.tune()
        self._devices = local_devices(self._config)
        self._ctx = RunContext(self, self._devices[0].xp, self._devices[0])
        self._contexts = {d: (self._ctx if i == 0 else self._ctx.for_device(d))
                          for i, d in enumerate(self._devices)}
        self._plans = {}
        self._blocking_plans = set()  # plans holding ops that may wait (queues)
        self._cancellation = cancellation.CancellationManager()  # close() wakes blocked ops
        self._mutations_seen = len(self._graph._mutations)
        self._partial_runs = {}  # handle -> partial_run._PartialRun
        self._default_ctx = None
        from flowgraph.runtime import threads as threads_lib
        self._blas_threads = threads_lib.limiter(self._config)  # None: library default
        threads = self._config.inter_op_parallelism_threads
        self._pool = None
        if threads and threads > 1:
            from concurrent.futures import ThreadPoolExecutor
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="flowgraph-inter-op")

    graph = property(lambda self: self._graph)
    sess_str = property(lambda self: self._target)

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    def _share_state(self, owner):
        """Uses `owner`'s variables, generators and session resources (queues, iterators)
        instead of this session's own: the sessions a task server runs for several client
        graphs share its state, as TF's resource containers do."""
        self._ctx = RunContext(owner, owner._ctx.xp, owner._devices[0], share=owner._ctx)
        self._contexts = {d: (self._ctx if i == 0 else self._ctx.for_device(d))
                          for i, d in enumerate(self._devices)}

    def list_devices(self):
        from flowgraph.runtime.devices import DeviceAttributes
        return [DeviceAttributes(d) for d in self._devices]

    def close(self):
        self._closed = True
        self._cancellation.start_cancel()
        self._plans.clear()
        self._partial_runs.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._graph_ctx.__exit__(*exc)
        self._default_ctx.__exit__(*exc)
        self.close()
        return False

    @contextlib.contextmanager
    def as_default(self):
        """Makes this the default session for `Tensor.eval()` and `Operation.run()`."""
        with default_stack.sessions.push(self):
            yield self

    # -- running -----------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops needed for `fetches` (any nesting) and returns their values."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if fetches.__class__ is Tensor and fetches.graph is self._graph:
            elements, rebuild = [fetches], None
        else:
            elements, rebuild = fetch_lib.flatten(fetches, self._graph)
        feeds, values = self._convert_feeds(feed_dict)
        tensors, targets, seen = [], [], set()
        for e in elements:
            if e.__class__ is Operation:
                targets.append(e)
            elif e not in seen:
                seen.add(e)
                tensors.append(e)
        plan = self._plan(feeds, tuple(tensors), tuple(targets))
        slots = [plan.feed_slots[t] for t in feeds]
        pool = self._pool if len(plan.steps) > 1 and plan not in self._blocking_plans \
            else None
        timeout = (options.timeout_in_ms if options is not None else 0) or \
            self._config.operation_timeout_in_ms
        if timeout:
            with cancellation.run_scope(timeout):  # blocking kernels (queues) read it
                out = self._execute(plan, slots, values, options, run_metadata, pool)
        else:
            out = self._execute(plan, slots, values, options, run_metadata, pool)
        results = dict(zip(tensors, out))
        flat = [None if e.__class__ is Operation else _owned(results[e]) for e in elements]
        if plan.fetch_wrapped:
            flat = [e._op._op_def.fetch_as(v, e, self)
                    if e.__class__ is not Operation and e._op._op_def.fetch_as else v
                    for e, v in zip(elements, flat)]
        return flat[0] if rebuild is None else rebuild(flat)

    def _execute(self, plan, slots, values, options, run_metadata, pool):
        if self._blas_threads is not None:
            with self._blas_threads:
                return self._execute_plan(plan, slots, values, options, run_metadata, pool)
        return self._execute_plan(plan, slots, values, options, run_metadata, pool)

    def _execute_plan(self, plan, slots, values, options, run_metadata, pool):
        if options is not None and options.trace_level and run_metadata is not None:
            return execute_traced(plan, slots, values, self._ctx, run_metadata.step_stats,
                                  pool)
        if pool is not None:
            return execute_parallel(plan, slots, values, self._ctx, pool)
        return execute(plan, slots, values, self._ctx)

    def _plan(self, feeds, tensors, targets):
        if len(self._graph._mutations) > self._mutations_seen:
            self._warn_mutations()
        key = (frozenset(feeds), tensors, targets)
        plan = self._plans.get(key)
        if plan is None:
            for t in tensors:
                if not self._graph.is_fetchable(t):
                    raise errors.InvalidArgumentError(None, t.op, f"Tensor {t.name} may not "
                                                                  "be fetched.")
            log = _log_placement if self._config.log_device_placement else None
            plan = compile_plan(self._graph, list(feeds), list(tensors), list(targets),
                                self._contexts, self._devices,
                                self._config.allow_soft_placement, log=log,
                                rewrite=self._config.graph_options.rewrite_options)
            plan.fetch_wrapped = any(t._op._op_def.fetch_as for t in tensors)
            if any(getattr(getattr(op, "_op_def", None), "blocking", False) for op in plan.ops):
                self._blocking_plans.add(plan)
            self._plans[key] = plan
            self._graph._ran.update(op for op in (getattr(op, "_origin", op) for op in plan.ops)
                                    if op.__class__ is Operation)
        return plan

    def _warn_mutations(self):
        """TF's warning for ops changed after this session ran them: its plans keep the op
        as it was."""
        ran = {op for plan in self._plans.values() for op in plan.ops}
        for op, what in self._graph._mutations[self._mutations_seen:]:
            if op in ran:
                tf_logging.warning(
                    f"Operation '{op.name}' was changed by {what} after it was run by a "
                    "session. This mutation will have no effect, and will trigger an error in "
                    "the future. Either don't modify nodes after running them or create a new "
                    "session.")
        self._mutations_seen = len(self._graph._mutations)

    def _convert_feeds(self, feed_dict):
        if not feed_dict:
            return (), ()
        feeds, values = [], []
        for key, value in _expand_sparse(feed_dict.items()):
            if isinstance(key, tuple) and not isinstance(key, Tensor):
                raise TypeError(f"Cannot interpret feed_dict key {key!r} as Tensor")
            try:
                t = self._graph.as_graph_element(key, allow_tensor=True,
                                                 allow_operation=False)
            except (KeyError, ValueError, TypeError) as e:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
            feeds.append(t)
            values.append(_feed_value(t, value, self._graph))
        return feeds, values

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function of the `feed_list` values that runs `fetches`, compiled once."""
        elements, rebuild = fetch_lib.flatten(fetches, self._graph)
        feeds = [self._graph.as_graph_element(f, allow_tensor=True, allow_operation=False)
                 for f in (feed_list or ())]
        tensors = tuple(dict.fromkeys(e for e in elements if e.__class__ is not Operation))
        targets = tuple(e for e in elements if e.__class__ is Operation)
        plan = self._plan(feeds, tensors, targets)
        slots = [plan.feed_slots[t] for t in feeds]
        graph = self._graph
        single = not isinstance(fetches, (list, tuple, dict))
        index = {t: i for i, t in enumerate(tensors)}

        def call(*args, **kwargs):
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            vals = [_feed_value(t, v, graph) for t, v in zip(feeds, args)]
            out = self._execute(plan, slots, vals, None, None, None)
            flat = [None if e.__class__ is Operation else _owned(out[index[e]])
                    for e in elements]
            return flat[0] if single and len(flat) == 1 else rebuild(flat)
        return call

    def partial_run_setup(self, fetches, feeds=None):
        """Declares the fetches and feeds of a step run in pieces; returns its handle."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        from flowgraph.runtime import partial_run
        return partial_run.setup(self, fetches, feeds)

    def partial_run(self, handle, fetches, feed_dict=None):
        """Continues the step `handle`: feeds `feed_dict`, returns `fetches`' values."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        from flowgraph.runtime import partial_run
        return partial_run.run(self, handle, fetches, feed_dict)


def _owned(v):
    """Fetched values as TF returns them: numpy scalars for rank 0, and copies of arrays
    that the variable store or a constant owns."""
    if v.__class__ is np.ndarray:
        if v.ndim == 0:
            return v[()]
        if not v.flags.writeable:
            return v.copy()
    elif hasattr(v, "__cuda_array_interface__"):  # a CuPy array: fetches come back as numpy
        return _owned(v.get())
    return v


def _expand_sparse(items):
    """Feed items with each SparseTensor key replaced by its three component tensors."""
    from flowgraph.framework.sparse_tensor import SparseTensor, feed_parts
    for key, value in items:
        if isinstance(key, SparseTensor):
            yield from feed_parts(key, value)
        else:
            yield key, value


def _feed_value(t, value, graph):
    """The fed value as an array of t's dtype; ValueError if its shape does not fit."""
    if isinstance(value, (Tensor, Operation)):
        raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable feed "
                        "values include Python scalars, strings, lists, numpy ndarrays, or "
                        "TensorHandles.")
    if t in graph._unfeedable:
        raise ValueError(f"Tensor {t.name} may not be fed.")
    dt = t._dtype.base_dtype
    if value.__class__ is np.ndarray and value.dtype == dt._np:
        arr = value
    else:
        if isinstance(value, int):
            _check_int_feed(value, dt)
        arr = _string_feed(value) if dt is dtypes.string else _feed_array(value, dt._np)
    dims = t._shape._dims
    if dims is not None and dims != arr.shape and (
            len(dims) != arr.ndim or any(d is not None and d != a
                                         for d, a in zip(dims, arr.shape))):
        raise ValueError(f"Cannot feed value of shape {arr.shape} for Tensor '{t.name}', "
                         f"which has shape '{t._shape}'")
    return arr


def _check_int_feed(value, dt):
    """TF's check of a Python int feed: it must survive conversion to the dtype."""
    np_type = dt.as_numpy_dtype
    if dt is dtypes.string or np_type(np.array(value).astype(np_type)) != value:
        raise TypeError(f"Type of feed value {value} with type {type(value)} is not "
                        f"compatible with Tensor type {np_type}. Try explicitly setting the "
                        "type of the feed tensor to a larger type (e.g. int64).")


_NUMERIC = frozenset(t for t in np.sctypeDict.values() if np.dtype(t).kind in "iufc")
_INEXACT = frozenset(t for t in _NUMERIC if np.dtype(t).kind in "fc")


def _feed_array(value, np_dt):
    """A feed as TF converts it: numbers through numpy's casts (wrapping out-of-range
    list elements, dropping imaginary parts), other dtypes converted directly. (A Python
    float to a float dtype, or a checked int, converts the same either way: the direct
    call is faster.)"""
    if np_dt in _NUMERIC and value.__class__ is not int and not (
            value.__class__ is float and np_dt in _INEXACT):
        return np.asarray(value).astype(np_dt, copy=False)
    return np.asarray(value, dtype=np_dt)


def _string_feed(value):
    """A string feed as an object array of bytes; other elements are TF's InternalError."""
    arr = np.asarray(value, dtype=object)
    flat = arr.reshape(-1)
    out = np.empty(flat.size, dtype=object)
    for i, v in enumerate(flat):
        if isinstance(v, bytes):
            out[i] = bytes(v)
        elif isinstance(v, str):
            out[i] = v.encode()
        else:
            kind = type(v)
            name = kind.__name__ if kind.__module__ == "builtins" else \
                f"{kind.__module__.split('.')[0]}.{kind.__name__}"
            raise errors.InternalError(None, None, f"Unsupported object type {name}")
    return out.reshape(arr.shape)


def _log_placement(op, device):
    print(f"{op.name}: ({op.type}): {device.name}", file=sys.stderr)


_TARGETS = []  # (predicate of a target string, Session subclass that runs it)


def register_target(claims, session_class):
    """Sessions whose target satisfies `claims(target)` are made as `session_class`
    (distributed sessions register `grpc://` targets this way)."""
    _TARGETS.append((claims, session_class))


class Session(BaseSession):
    """A class for running TensorFlow operations."""

    def __new__(cls, target="", graph=None, config=None):
        if target and cls is Session:
            for claims, session_class in _TARGETS:
                if claims(target):
                    return super().__new__(session_class)
        return super().__new__(cls)


class InteractiveSession(BaseSession):
    """A Session that installs itself as the default on construction (for shells)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()

    def close(self):
        if not self._closed:
            try:
                self._graph_ctx.__exit__(None, None, None)
                self._default_ctx.__exit__(None, None, None)
            except (IndexError, ValueError):
                pass
        super().close()
