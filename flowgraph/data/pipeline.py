"""What dataset kernels produce: `DatasetValue`s, each able to start Python iterators over
its elements (an element is a list of numpy arrays, the flat components). Sources read
tensors or files; transformations wrap their input's iterators."""
import collections
import concurrent.futures
import queue
import threading

import numpy as np

from flowgraph.data import cardinality, philox
from flowgraph.framework import errors


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


class DatasetValue:
    """A dataset as a run-time value: `iterate()` starts a fresh pass over its elements;
    `cardinality` is its number of elements as TF counts them (see cardinality.py)."""

    cardinality = cardinality.UNKNOWN

    def iterate(self):
        raise NotImplementedError


class Generated(DatasetValue):
    """A dataset whose passes are `make()`, a fresh Python iterator each time."""

    def __init__(self, make):
        self._make = make

    def iterate(self):
        return iter(self._make())


def source(fn):
    """Decorator: a generator function of the kernel's arguments becomes a function
    returning a DatasetValue that re-runs the generator on every pass."""
    def make(*args, **kw):
        return Generated(lambda: fn(*args, **kw))
    make.__name__ = fn.__name__
    return make


def sizes(rule):
    """Decorator: the DatasetValue a maker returns has cardinality `rule(*its args)`."""
    def wrap(make):
        def made(*args, **kw):
            return cardinality.sized(make(*args, **kw), rule(*args, **kw))
        made.__name__ = make.__name__
        return made
    return wrap


# -- sources ------------------------------------------------------------------------
def check_slices(components):
    n = {c.shape[0] if c.ndim else None for c in components}
    if None in n:
        raise _invalid("Cannot slice a scalar component")
    if len(n) != 1:
        raise _invalid("All components must have the same size in the 0th dimension")
    return n.pop()


class TensorSlices(DatasetValue):
    """The slices of `components` along dimension 0; batches of them are slices too."""

    def __init__(self, components):
        self.n = self.cardinality = check_slices(components)
        self.components = [frozen(c) for c in components]

    def iterate(self):
        comps = self.components
        if any(c.dtype.kind == "O" and c.ndim == 1 for c in comps):
            return ([item(c, i) for c in comps] for i in range(self.n))
        return ([c[i] for c in comps] for i in range(self.n))

    def batches(self, size, drop_remainder):
        comps, n = self.components, self.n
        stop = n - n % size if drop_remainder else n
        return ([c[i:i + size] for c in comps] for i in range(0, stop, size))


def tensor_slices(components):
    return TensorSlices(components)


def item(c, i):
    """Element `i` of array `c` along dimension 0, a string scalar staying a 0-d object
    array (numpy would turn bytes into a type that drops trailing NUL bytes)."""
    v = c[i]
    if c.dtype.kind == "O" and not isinstance(v, np.ndarray):
        a = np.empty((), dtype=object)
        a[()] = v
        return a
    return v


class GatheredSlices(DatasetValue):
    """Slices of `components` in the order of the positions `positions()` yields (a
    shuffle or repeat of tensor slices): batches are gathered with one fancy index
    per component instead of stacking element by element."""

    def __init__(self, components, positions):
        self.components, self.positions = components, positions

    def iterate(self):
        comps = self.components
        return ([item(c, i) for c in comps] for i in self.positions())

    def batches(self, size, drop_remainder):
        comps, chunk = self.components, []
        for i in self.positions():
            chunk.append(i)
            if len(chunk) == size:
                idx = np.array(chunk)
                yield [c[idx] for c in comps]
                chunk = []
        if chunk and not drop_remainder:
            idx = np.array(chunk)
            yield [c[idx] for c in comps]


def _positions(d):
    """A fresh iterator over the slice positions of a TensorSlices or GatheredSlices."""
    return iter(range(d.n)) if isinstance(d, TensorSlices) else d.positions()


def frozen(a):
    """`a` as an array nobody can change: a dataset keeps it beyond the run that made it
    (a fed array is copied, as TF copies feeds; constants are read-only already)."""
    a = np.asarray(a)
    if a.flags.writeable:
        a = a.copy()
        a.flags.writeable = False
    return a


def tensors(components):
    comps = [frozen(c) for c in components]
    return cardinality.sized(Generated(lambda: iter([comps])), 1)


@source
def from_list(elements):
    yield from elements


def range_(start, stop, step):
    if step == 0:
        raise _invalid("step must be a non-zero integer.")
    values = Generated(lambda: ([np.int64(v)] for v in range(start, stop, step)))
    return cardinality.sized(values, cardinality.range_(start, stop, step))


# -- element-wise -------------------------------------------------------------------
def map_(input, fn, captures, parallel=1):
    if parallel <= 1:
        out = Generated(lambda: _MapIter(input.iterate(), fn, captures))
    else:
        out = Generated(lambda: _ParallelMapIter(input.iterate(), fn, captures, parallel))
    return cardinality.sized(out, input.cardinality)


class _MapIter:
    """`fn` over the elements of `it`. An iterator object, not a generator, so that an
    element whose `fn` fails can be skipped (`ignore_errors`) and iteration goes on."""

    def __init__(self, it, fn, captures):
        self._it, self._fn, self._captures = it, fn, captures

    def __iter__(self):
        return self

    def __next__(self):
        return self._fn(*next(self._it), *self._captures)

    def close(self):
        _close(self._it)


class _ParallelMapIter:
    """`fn` over `it` on `n` threads, at most `n` calls in flight, results in order."""

    def __init__(self, it, fn, captures, n):
        self._it, self._n = it, n
        self._call = lambda e: fn(*e, *captures)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            n, thread_name_prefix="tf_data_map")
        self._pending = collections.deque()
        self._done = False

    def __iter__(self):
        return self

    def __next__(self):
        while not self._done and len(self._pending) < self._n:
            e = next(self._it, None)
            if e is None:
                self._done = True
            else:
                self._pending.append(self._pool.submit(self._call, e))
        if not self._pending:
            self.close()
            raise StopIteration
        return self._pending.popleft().result()

    def close(self):
        for f in self._pending:
            f.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=False)
        _close(self._it)

    def __del__(self):
        try:
            self._pool.shutdown(wait=False)
        except Exception:
            pass


def _close(it):
    close = getattr(it, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            pass


@source
def filter_(input, pred, captures):
    for e in input.iterate():
        keep = pred(*e, *captures)[0]
        if np.ndim(keep) != 0:
            raise _invalid("Filter predicate `predicate` must return a scalar bool.")
        if keep:
            yield e


@source
def flat_map(input, fn, captures):
    for e in input.iterate():
        yield from fn(*e, *captures)[0].iterate()


@source
def interleave(input, fn, captures, cycle_length, block_length, ahead=0):
    """Round-robin over `cycle_length` open datasets; with `ahead`, each open dataset is
    read by its own background thread, `ahead` elements in advance (same order)."""
    if cycle_length <= 0:
        raise _invalid("cycle_length must be greater than zero.")
    if block_length <= 0:
        raise _invalid("block_length must be greater than zero.")
    src = input.iterate()
    slots = [None] * cycle_length
    exhausted, i, in_block = False, 0, 0
    while True:
        if slots[i] is None and not exhausted:
            e = next(src, None)
            if e is None:
                exhausted = True
            else:
                ds = fn(*e, *captures)[0]
                slots[i] = (prefetch(ds, ahead) if ahead else ds).iterate()
        if slots[i] is None:
            if exhausted and all(s is None for s in slots):
                return
            i, in_block = (i + 1) % cycle_length, 0
            continue
        v = next(slots[i], None)
        if v is None:  # this slot is done: the next input element opens here next time
            slots[i] = None
            i, in_block = (i + 1) % cycle_length, 0
            continue
        yield v
        in_block += 1
        if in_block == block_length:
            i, in_block = (i + 1) % cycle_length, 0


# -- batching -----------------------------------------------------------------------
def _stack(elems, k):
    parts = [e[k] for e in elems]
    try:
        return np.stack(parts)
    except ValueError:
        pass
    shape = np.shape(parts[0])
    for j, p in enumerate(parts[1:], 1):
        if np.shape(p) != shape:
            raise _invalid(
                f"Cannot batch tensors with different shapes in component {k}. First "
                f"element had shape {list(shape)} and element {j} had shape "
                f"{list(np.shape(p))}.")
    return np.stack([np.asarray(p) for p in parts])


def batch(input, batch_size, drop_remainder, sparse=()):
    if batch_size <= 0:
        raise _invalid("Batch size must be greater than zero.")
    if isinstance(input, (TensorSlices, GatheredSlices)):  # no per-element stacking
        out = Generated(lambda: input.batches(batch_size, drop_remainder))
    else:
        out = Generated(lambda: _batch(input, batch_size, drop_remainder, sparse))
    return cardinality.sized(
        out, cardinality.batch(input.cardinality, batch_size, drop_remainder))


def _batch(input, batch_size, drop_remainder, sparse=()):
    buf = []
    for e in input.iterate():
        buf.append(e)
        if len(buf) == batch_size:
            yield _combine(buf, sparse)
            buf = []
    if buf and not drop_remainder:
        yield _combine(buf, sparse)


def _combine(elems, sparse):
    if not sparse:
        return [_stack(elems, k) for k in range(len(elems[0]))]
    out, k, n = [], 0, len(elems[0])
    while k < n:
        if k in sparse:
            out.extend(_batch_sparse(elems, k))
            k += 3
        else:
            out.append(_stack(elems, k))
            k += 1
    return out


def _batch_sparse(elems, k):
    """SparseTensors (indices, values, dense_shape at k, k+1, k+2) batched: indices gain
    the batch position in front, the dense shape is the largest of each dimension."""
    shapes = [np.asarray(e[k + 2], np.int64) for e in elems]
    if len({s.size for s in shapes}) != 1:
        raise _invalid("Cannot batch SparseTensors of different ranks")
    rank = shapes[0].size
    idx = [np.hstack([np.full((len(e[k]), 1), i, np.int64),
                      np.asarray(e[k], np.int64).reshape(len(e[k]), rank)])
           for i, e in enumerate(elems)]
    values = np.concatenate([np.asarray(e[k + 1]) for e in elems])
    dense = np.concatenate([[len(elems)], np.max(np.stack(shapes), axis=0)]).astype(
        np.int64)
    return [np.concatenate(idx).astype(np.int64), values, dense]


def _pad(parts, padded_shape, value, k):
    rank = len(padded_shape)
    shapes = [np.shape(p) for p in parts]
    if any(len(s) != rank for s in shapes):
        raise _invalid(f"Number of dimensions of component {k} does not match the "
                       "padded shape")
    full = []
    for d, want in enumerate(padded_shape):
        longest = max(s[d] for s in shapes)
        if want < 0:
            full.append(longest)
        elif longest > want:
            raise _invalid(f"Attempted to pad to a smaller size than the input element."
                           f" Component {k} has dimension {d} of size {longest} > "
                           f"{want}.")
        else:
            full.append(want)
    dtype = np.asarray(parts[0]).dtype
    out = np.full([len(parts)] + full, value, dtype=dtype)
    for i, p in enumerate(parts):
        out[(i,) + tuple(slice(0, n) for n in np.shape(p))] = p
    return out


@sizes(lambda d, size, shapes, values, drop: cardinality.batch(d.cardinality, size, drop))
@source
def padded_batch(input, batch_size, padded_shapes, padding_values, drop_remainder):
    if batch_size <= 0:
        raise _invalid("Batch size must be greater than zero.")
    buf = []

    def emit(b):
        n = len(b[0])
        return [_pad([e[k] for e in b], [int(x) for x in padded_shapes[k]],
                     padding_values[k], k) for k in range(n)]
    for e in input.iterate():
        buf.append(e)
        if len(buf) == batch_size:
            yield emit(buf)
            buf = []
    if buf and not drop_remainder:
        yield emit(buf)


@source
def unbatch(input):
    for e in input.iterate():
        e = [np.asarray(c) for c in e]
        n = check_slices(e)
        for i in range(n):
            yield [item(c, i) for c in e]


@sizes(lambda d, size, shift, stride, drop: cardinality.window(d.cardinality, size, shift,
                                                               stride, drop))
@source
def window(input, size, shift, stride, drop_remainder):
    if size <= 0 or shift <= 0 or stride <= 0:
        raise _invalid("Window size, shift and stride must be greater than zero.")
    buf, it, done = [], input.iterate(), False
    span = (size - 1) * stride + 1
    while True:
        while not done and len(buf) < span:
            e = next(it, None)
            if e is None:
                done = True
            else:
                buf.append(e)
        w = buf[0:span:stride]
        if not w or (drop_remainder and len(w) < size):
            return
        n = len(w[0])
        yield [from_list([[e[k]] for e in w]) for k in range(n)]
        drop = min(shift, len(buf))
        buf = buf[drop:]
        if shift > drop:  # skip elements past the buffer
            for _ in range(shift - drop):
                if next(it, None) is None:
                    done = True
                    break
        if done and not buf:
            return


# -- order and count ----------------------------------------------------------------
class SeedState:
    """A shuffle's seeds, as TF keeps them for one dataset (one initialization of an
    iterator): without reshuffling every pass uses (seed, seed2); with it, each pass (an
    epoch under `repeat`) takes its own pair of seeds from a Philox generator keyed by
    (seed, seed2). Both 0: random seeds."""

    def __init__(self, seed, seed2):
        seed, seed2 = int(seed), int(seed2)
        if seed == 0 and seed2 == 0:
            seed, seed2 = (int(x) for x in np.random.SeedSequence().generate_state(
                2, np.uint64))
        self.seeds = (seed, seed2)
        self._gen = philox.Philox(seed, seed2)
        self._lock = threading.Lock()

    def next_seeds(self, reshuffle):
        if not reshuffle:
            return self.seeds
        with self._lock:
            return self._gen(), self._gen()


def shuffle(input, buffer_size, seeds, reshuffle):
    """TF's buffer shuffle: the buffer is topped up to `buffer_size` before each draw,
    and the element at a Philox-drawn offset leaves it (its place taken by the oldest).
    Tensor slices are shuffled as positions (the same order), so batches gather."""
    if buffer_size <= 0:
        raise _invalid("buffer_size must be greater than zero.")
    if isinstance(input, (TensorSlices, GatheredSlices)):
        out = GatheredSlices(input.components, lambda: _shuffled(
            _positions(input), buffer_size, seeds, reshuffle))
    else:
        out = Generated(lambda: _shuffled(input.iterate(), buffer_size, seeds, reshuffle))
    return cardinality.sized(out, input.cardinality)


def _shuffled(it, buffer_size, seeds, reshuffle):
    draw = philox.Philox(*seeds.next_seeds(reshuffle)).stream().__next__
    size = buffer_size
    buf = [None] * size
    start = end = 0
    for e in it:  # steady state: one element in, then one drawn from a full buffer
        buf[end % size] = e
        end += 1
        if end - start == size:
            first = start % size
            i = (start + draw() % size) % size
            out, buf[i], buf[first] = buf[i], buf[first], None
            start += 1
            yield out
    while end > start:  # the input ended: draw the rest
        first = start % size
        i = (start + draw() % (end - start)) % size
        out, buf[i], buf[first] = buf[i], buf[first], None
        start += 1
        yield out


def repeat(input, count):
    if isinstance(input, (TensorSlices, GatheredSlices)):
        out = GatheredSlices(input.components,
                             lambda: _repeated(lambda: _positions(input), count))
    else:
        out = Generated(lambda: _repeated(input.iterate, count))
    return cardinality.sized(out, cardinality.repeat(input.cardinality, count))


def _repeated(start, count):
    n = 0
    while count < 0 or n < count:
        empty = True
        for e in start():
            empty = False
            yield e
        if empty:  # an empty input repeated forever is empty
            return
        n += 1


@sizes(lambda d, count: cardinality.take(d.cardinality, count))
@source
def take(input, count):
    if count == 0:
        return
    for i, e in enumerate(input.iterate()):
        yield e
        if count > 0 and i + 1 >= count:
            return


@sizes(lambda d, count: cardinality.skip(d.cardinality, count))
@source
def skip(input, count):
    if count < 0:  # skips everything
        return
    for i, e in enumerate(input.iterate()):
        if i >= count:
            yield e


@sizes(lambda inputs: cardinality.zip_([d.cardinality for d in inputs]))
@source
def zip_(inputs):
    its = [d.iterate() for d in inputs]
    while True:
        out = []
        for it in its:
            e = next(it, None)
            if e is None:
                return
            out.extend(e)
        yield out


@sizes(lambda a, b: cardinality.concatenate(a.cardinality, b.cardinality))
@source
def concatenate(a, b):
    yield from a.iterate()
    yield from b.iterate()


@source
def ignore_errors(input):
    it = input.iterate()
    while True:
        try:
            e = next(it)
        except StopIteration:
            return
        except errors.OpError:
            continue
        yield e


class MemoryCache(DatasetValue):
    """The first complete pass is recorded; later passes replay it."""

    def __init__(self, input):
        self._input, self._elements, self._lock = input, None, threading.Lock()
        self.cardinality = input.cardinality

    def iterate(self):
        if self._elements is not None:
            return iter(self._elements)
        return self._record()

    def _record(self):
        got = []
        for e in self._input.iterate():
            got.append(e)
            yield e
        with self._lock:
            if self._elements is None:
                self._elements = got


# -- prefetch -----------------------------------------------------------------------
_END = object()


@sizes(lambda d, buffer_size: d.cardinality)
@source
def prefetch(input, buffer_size):
    """Elements produced ahead by a background thread into a bounded queue."""
    size = 2 if buffer_size < 0 else max(int(buffer_size), 1)
    q = queue.Queue(size)
    stop = threading.Event()

    def produce():
        it = input.iterate()
        try:
            while not stop.is_set():
                try:
                    item = (next(it), None)
                except StopIteration:
                    item = (_END, None)
                except BaseException as e:  # handed to the consumer
                    item = (None, e)
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.05)
                        break
                    except queue.Full:
                        pass
                if item[0] is _END or item[1] is not None:
                    return
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass
    t = threading.Thread(target=produce, name="tf_data_prefetch", daemon=True)
    t.start()
    try:
        while True:
            e, err = q.get()
            if err is not None:
                raise err
            if e is _END:
                return
            yield e
    finally:
        stop.set()
