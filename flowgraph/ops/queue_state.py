"""The queues behind the queue ops: thread-safe, blocking on a `threading.Condition`
(which releases the GIL), woken by close, by their session's close, or by the run's
deadline. One element is a tuple of numpy arrays, one per component."""
import collections
import heapq
import itertools
import threading
import time
import weakref

import numpy as np

from flowgraph.framework import cancellation, errors

_BY_SESSION = weakref.WeakKeyDictionary()  # session -> {queue key: queue}
_REGISTRY_LOCK = threading.Lock()


def lookup_or_create(session, key, make):
    """The session's queue (or reader) named `key`, made by `make()` on first use."""
    q = _BY_SESSION.get(session, {}).get(key)  # the common case: made already
    if q is not None:
        return q
    with _REGISTRY_LOCK:
        table = _BY_SESSION.setdefault(session, {})
        q = table.get(key)
        if q is None:
            q = table[key] = make()
            manager = getattr(session, "_cancellation", None)
            if manager is not None and hasattr(q, "cancel"):
                if manager.register(q.cancel) is None:
                    q.cancel()
    return q


def _wait(cond, ready, what):
    """Waits on `cond` (held) until `ready()`; DeadlineExceededError past the run's
    deadline. `ready` raises when waiting is pointless (closed, cancelled)."""
    end = cancellation.deadline()
    while not ready():
        if end is None:
            cond.wait(0.5)  # wake now and then: cheap insurance against a lost notify
            continue
        left = end - time.monotonic()
        if left <= 0:
            raise errors.DeadlineExceededError(None, None, f"Timed out waiting for "
                                                           f"notification ({what})")
        cond.wait(min(left, 0.5))


class Queue:
    """A FIFO queue of tuples; subclasses change the order (shuffle, priority) or pad."""
    kind = "FIFOQueue"

    def __init__(self, name, capacity, dtypes, shapes):
        self.name, self.capacity = name, capacity
        self.dtypes, self.shapes = list(dtypes), list(shapes)
        self._cond = threading.Condition()
        self._closed = self._cancelled = False
        self._items = self._new_store()

    # -- storage (overridden by the ordered queues) -----------------------------------
    def _new_store(self):
        return collections.deque()

    def _put(self, element):
        self._items.append(element)

    def _take(self):
        return self._items.popleft()

    def _size(self):
        return len(self._items)

    def _enough(self, n):
        return self._size() >= n

    # -- state --------------------------------------------------------------------------
    def size(self):
        with self._cond:
            return self._size()

    def is_closed(self):
        with self._cond:
            return self._closed

    def close(self, cancel_pending_enqueues=False):
        with self._cond:
            self._closed = True
            if cancel_pending_enqueues:
                self._cancel_enqueues = True
            self._cond.notify_all()

    _cancel_enqueues = False

    def cancel(self):
        """The owning session closed: every blocked op ends with CancelledError."""
        with self._cond:
            self._cancelled = True
            self._closed = True
            self._cond.notify_all()

    def _check_open(self):
        if self._cancelled:
            raise errors.CancelledError(None, None, "Enqueue operation was cancelled")
        if self._closed:
            raise errors.CancelledError(None, None, f"{self.kind} '{self.name}' is closed.")

    # -- enqueue / dequeue ----------------------------------------------------------
    def check(self, components, many):
        """Checks component dtypes and shapes; returns the list of elements."""
        if len(components) != len(self.dtypes):
            raise errors.InvalidArgumentError(None, None, f"Expected {len(self.dtypes)} "
                                                          f"components, got {len(components)}")
        comps = [np.asarray(c) for c in components]
        n = None
        for i, (c, shape) in enumerate(zip(comps, self.shapes)):
            elem = c.shape[1:] if many else c.shape
            if many:
                if c.ndim == 0:
                    raise errors.InvalidArgumentError(
                        None, None, "Tensors passed to enqueue_many must have rank >= 1")
                if n is not None and c.shape[0] != n:
                    raise errors.InvalidArgumentError(
                        None, None, f"Expected batch size {n}, got {c.shape[0]} in tuple "
                                    f"component {i}")
                n = c.shape[0]
            if shape is not None and not _fits(shape, elem):
                raise errors.InvalidArgumentError(
                    None, None, f"Shape mismatch in tuple component {i}. Expected "
                                f"{_fmt(shape)}, got {list(elem)}")
        if not many:
            return [tuple(comps)]
        return [tuple(np.asarray(c[j], dtype=c.dtype) for c in comps) for j in range(n or 0)]

    def enqueue(self, elements):
        with self._cond:
            for e in elements:
                def room():
                    if self._cancelled or self._cancel_enqueues or self._closed:
                        self._check_open()
                    return self.capacity <= 0 or self._size() < self.capacity
                _wait(self._cond, room, "enqueue")
                self._put(e)
                self._cond.notify_all()

    def dequeue(self, n, many, allow_smaller=False):
        """`n` elements (as stacked components when `many`)."""
        with self._cond:
            def ready():
                if self._cancelled:
                    raise errors.CancelledError(None, None, "Dequeue operation was cancelled")
                if self._enough(n):
                    return True
                if self._closed:
                    size = self._size()
                    if allow_smaller and size > 0:
                        return True
                    raise errors.OutOfRangeError(
                        None, None, f"{self.kind} '{self.name}' is closed and has "
                                    f"insufficient elements (requested {n}, current size "
                                    f"{size})")
                return False
            _wait(self._cond, ready, "dequeue")
            k = min(n, self._size())
            taken = [self._take() for _ in range(k)]
            self._cond.notify_all()
        if not many:
            return list(taken[0])
        return self._stack(taken)

    def _stack(self, taken):
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [e[i] for e in taken]
            if parts:
                out.append(np.stack([np.asarray(p, dtype=dt) for p in parts]).astype(
                    dt, copy=False))
            else:
                shape = [d or 0 for d in (self.shapes[i] or [])]
                out.append(np.zeros([0] + shape, dtype=dt))
        return out


def _fits(shape, actual):
    return len(shape) == len(actual) and all(d is None or d == a
                                              for d, a in zip(shape, actual))


def _fmt(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class RandomShuffleQueue(Queue):
    """Dequeues a random element; keeps `min_after_dequeue` elements unless closed."""
    kind = "RandomShuffleQueue"

    def __init__(self, name, capacity, dtypes, shapes, min_after_dequeue, rng):
        self.min_after_dequeue, self._rng = min_after_dequeue, rng
        super().__init__(name, capacity, dtypes, shapes)

    def _new_store(self):
        return []

    def _take(self):
        i = int(self._rng.integers(len(self._items)))
        items = self._items
        items[i], items[-1] = items[-1], items[i]
        return items.pop()

    def _enough(self, n):
        need = n + (0 if self._closed else self.min_after_dequeue)
        return self._size() >= need


class PriorityQueue(Queue):
    """Dequeues the element with the smallest int64 priority (its first component)."""
    kind = "PriorityQueue"

    def _new_store(self):
        self._count = itertools.count()
        return []

    def _put(self, element):
        prio = np.asarray(element[0])
        if prio.shape != () or prio.dtype != np.int64:
            raise errors.InvalidArgumentError(None, None, "The priority of a PriorityQueue "
                                                          "element must be an int64 scalar")
        heapq.heappush(self._items, (int(prio), next(self._count), element))

    def _take(self):
        return heapq.heappop(self._items)[2]


class PaddingFIFOQueue(Queue):
    """A FIFO queue whose dequeue_many pads each component to the longest element."""
    kind = "PaddingFIFOQueue"

    def _stack(self, taken):
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [np.asarray(e[i]) for e in taken]
            shape = self.shapes[i] or []
            if not parts:
                out.append(np.zeros([0] + [d or 0 for d in shape], dtype=dt))
                continue
            dims = [max(p.shape[d] for p in parts) for d in range(parts[0].ndim)]
            pad = b"" if dt == np.dtype(object) else 0
            arr = np.full([len(parts)] + dims, pad, dtype=dt)
            for j, p in enumerate(parts):
                arr[(j,) + tuple(slice(0, s) for s in p.shape)] = p
            out.append(arr)
        return out
