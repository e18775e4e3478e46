"""Readers (TF's `ReaderV2` ops): a reader takes work (file names) from a queue and
produces (key, value) records: `TFRecordReader`, `TextLineReader`, `WholeFileReader`,
`FixedLengthRecordReader`, `IdentityReader`, with read / read_up_to /
num_records_produced / num_work_units_completed / reset."""
import threading
import zlib

import numpy as np

from flowgraph.framework import dtypes as _dtypes, errors, tensor_shape, tf_record
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import queue_ops, queue_state

__all__ = ["ReaderBase", "TFRecordReader", "TextLineReader", "WholeFileReader",
           "FixedLengthRecordReader", "IdentityReader"]


def _read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise tf_record._open_error(path, e) from None


class _Reader:
    """One reader's state: the current work unit's record iterator and the counters."""

    def __init__(self, records_of):
        self._records_of = records_of  # work (str) -> iterator of (key, value)
        self._lock = threading.Lock()
        self._work = None
        self.produced = self.completed = 0

    def reset(self):
        with self._lock:
            self._work, self.produced, self.completed = None, 0, 0

    def read(self, queue, n):
        """Up to `n` records of one work unit (at least one); OutOfRangeError when the
        queue is closed and empty."""
        with self._lock:
            out = []
            while not out:
                if self._work is None:
                    work = queue.dequeue(1, many=False)[0]
                    work = np.asarray(work, dtype=object).item()
                    work = work.decode() if isinstance(work, bytes) else str(work)
                    self._work = iter(self._records_of(work))
                for rec in self._work:
                    out.append(rec)
                    if len(out) >= n:
                        break
                else:
                    self._work = None
                    self.completed += 1
            self.produced += len(out)
            return out


def _make(ctx, op_name, container, shared_name, records_of):
    key = f"reader:{container}/{shared_name or op_name}"
    queue_state.lookup_or_create(ctx.session, key, lambda: _Reader(records_of))
    return np.asarray(key, dtype=object)


def _scalar(op):
    return tensor_shape.TensorShape([])


def _tfrecord_records(compression_type):
    def records(path):
        r = tf_record.RecordReader(path, compression_type or None)
        try:
            while True:
                offset = r.offset
                rec = r.read()
                if rec is None:
                    return
                yield f"{path}:{offset}".encode(), rec
        finally:
            r.close()
    return records


def _text_records(skip_header_lines):
    def records(path):
        data = _read_file(path)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for i, line in enumerate(lines):
            if i < skip_header_lines:
                continue
            yield f"{path}:{i + 1}".encode(), line[:-1] if line.endswith(b"\r") else line
    return records


def _whole_records():
    def records(path):
        yield path.encode(), _read_file(path)
    return records


def _fixed_records(header_bytes, record_bytes, footer_bytes, hop_bytes, enc):
    def records(path):
        data = _read_file(path)
        if enc:
            try:
                data = zlib.decompress(data, 31 if enc == "GZIP" else 15)
            except zlib.error as e:
                raise errors.DataLossError(None, None, f"{path}: {e}") from None
        size, hop = record_bytes, hop_bytes or record_bytes
        end = len(data) - footer_bytes
        pos, i = header_bytes, 0
        while pos + size <= end:
            yield f"{path}:{i}".encode(), data[pos:pos + size]
            pos += hop
            i += 1
    return records


def _identity_records():
    def records(work):
        yield work.encode(), work.encode()
    return records


@defop("TFRecordReaderV2", outputs=("reader_handle: resource",),
       attrs={"container": "", "shared_name": "", "compression_type": ""}, stateful=True)
class TFRecordReaderV2:
    """A reader of the records of TFRecord files."""
    devices, grad, shape = ("CPU",), NOT_DIFFERENTIABLE, _scalar

    def kernel(ctx, container, shared_name, compression_type, op_name):
        return _make(ctx, op_name, container, shared_name,
                     _tfrecord_records(compression_type))


@defop("TextLineReaderV2", outputs=("reader_handle: resource",),
       attrs={"skip_header_lines": 0, "container": "", "shared_name": ""}, stateful=True)
class TextLineReaderV2:
    """A reader of the lines of text files."""
    devices, grad, shape = ("CPU",), NOT_DIFFERENTIABLE, _scalar

    def kernel(ctx, skip_header_lines, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, _text_records(skip_header_lines))


@defop("WholeFileReaderV2", outputs=("reader_handle: resource",),
       attrs={"container": "", "shared_name": ""}, stateful=True)
class WholeFileReaderV2:
    """A reader of whole files (key: the file name)."""
    devices, grad, shape = ("CPU",), NOT_DIFFERENTIABLE, _scalar

    def kernel(ctx, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, _whole_records())


@defop("FixedLengthRecordReaderV2", outputs=("reader_handle: resource",),
       attrs={"header_bytes": 0, "record_bytes": None, "footer_bytes": 0, "hop_bytes": 0,
              "container": "", "shared_name": "", "encoding": ""}, stateful=True)
class FixedLengthRecordReaderV2:
    """A reader of fixed-length records of files."""
    devices, grad, shape = ("CPU",), NOT_DIFFERENTIABLE, _scalar

    def kernel(ctx, header_bytes, record_bytes, footer_bytes, hop_bytes, container,
               shared_name, encoding, op_name):
        return _make(ctx, op_name, container, shared_name, _fixed_records(
            header_bytes, record_bytes, footer_bytes, hop_bytes, encoding))


@defop("IdentityReaderV2", outputs=("reader_handle: resource",),
       attrs={"container": "", "shared_name": ""}, stateful=True)
class IdentityReaderV2:
    """A reader whose records are its work strings."""
    devices, grad, shape = ("CPU",), NOT_DIFFERENTIABLE, _scalar

    def kernel(ctx, container, shared_name, op_name):
        return _make(ctx, op_name, container, shared_name, _identity_records())


def _reader(ctx, handle):
    key = np.asarray(handle, dtype=object).item()
    r = queue_state._BY_SESSION.get(ctx.session, {}).get(key)
    if r is None:
        raise errors.NotFoundError(None, None, f"Resource {key} does not exist.")
    return r


@defop("ReaderReadV2", inputs=("reader_handle: resource", "queue_handle: resource"),
       outputs=("key: string", "value: string"), stateful=True)
class ReaderReadV2:
    """The next (key, value) record of a reader, taking work from the queue as needed."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.TensorShape([]), tensor_shape.TensorShape([])]

    def kernel(ctx, reader_handle, queue_handle):
        (k, v), = _reader(ctx, reader_handle).read(queue_ops._queue(ctx, queue_handle), 1)
        return np.asarray(k, dtype=object), np.asarray(v, dtype=object)


@defop("ReaderReadUpToV2", inputs=("reader_handle: resource", "queue_handle: resource",
                                   "num_records: int64"),
       outputs=("keys: string", "values: string"), stateful=True)
class ReaderReadUpToV2:
    """Up to `num_records` records of the reader's current work unit."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.TensorShape([None]), tensor_shape.TensorShape([None])]

    def kernel(ctx, reader_handle, queue_handle, num_records):
        n = int(num_records)
        if n <= 0:
            raise errors.InvalidArgumentError(None, None, f"num_records must be positive, "
                                                          f"got {n}")
        recs = _reader(ctx, reader_handle).read(queue_ops._queue(ctx, queue_handle), n)
        keys = np.empty(len(recs), dtype=object)
        vals = np.empty(len(recs), dtype=object)
        keys[:] = [k for k, _ in recs]
        vals[:] = [v for _, v in recs]
        return keys, vals


def _counter_op(name, doc, attr, output):
    def kernel(ctx, reader_handle):
        return np.int64(getattr(_reader(ctx, reader_handle), attr))
    cls = type(name, (), {"__doc__": doc, "devices": ("CPU",), "grad": NOT_DIFFERENTIABLE,
                          "shape": staticmethod(lambda op: tensor_shape.TensorShape([])),
                          "kernel": staticmethod(kernel)})
    return defop(name, inputs=("reader_handle: resource",), outputs=(f"{output}: int64",),
                 stateful=True)(cls)


_counter_op("ReaderNumRecordsProducedV2", "How many records the reader has produced.",
            "produced", "records_produced")
_counter_op("ReaderNumWorkUnitsCompletedV2", "How many work units the reader has finished.",
            "completed", "units_completed")


@defop("ReaderResetV2", inputs=("reader_handle: resource",), stateful=True)
class ReaderResetV2:
    """Restores the reader to its initial clean state."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, reader_handle):
        _reader(ctx, reader_handle).reset()


def _queue_ref(queue):
    return queue.queue_ref if isinstance(queue, queue_ops.QueueBase) else queue


class ReaderBase:
    """Base class for readers: records (key, value) from work taken off a queue."""

    def __init__(self, reader_ref, supports_serialize=False):
        self._reader_ref = reader_ref
        self._supports_serialize = supports_serialize

    reader_ref = property(lambda self: self._reader_ref)
    supports_serialize = property(lambda self: self._supports_serialize)

    def read(self, queue, name=None):
        """The next (key, value) record (scalar strings)."""
        return tuple(apply_op("ReaderReadV2", [self._reader_ref, _queue_ref(queue)],
                              name=name))

    def read_up_to(self, queue, num_records, name=None):
        """Up to `num_records` (keys, values) of the current work unit (string vectors)."""
        n = convert_to_tensor(num_records, dtype=_dtypes.int64)
        return tuple(apply_op("ReaderReadUpToV2", [self._reader_ref, _queue_ref(queue), n],
                              name=name))

    def num_records_produced(self, name=None):
        return apply_op("ReaderNumRecordsProducedV2", [self._reader_ref], name=name)

    def num_work_units_completed(self, name=None):
        return apply_op("ReaderNumWorkUnitsCompletedV2", [self._reader_ref], name=name)

    def reset(self, name=None):
        return apply_op("ReaderResetV2", [self._reader_ref], name=name)


class TFRecordReader(ReaderBase):
    """A reader that outputs the records of TFRecord files (key "file:offset")."""

    def __init__(self, name=None, options=None):
        kind = tf_record.TFRecordOptions.get_compression_type_string(options)
        super().__init__(apply_op("TFRecordReaderV2", [], {"compression_type": kind},
                                  name=name))


class TextLineReader(ReaderBase):
    """A reader that outputs the lines of files (key "file:line", 1-based)."""

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(apply_op("TextLineReaderV2", [],
                                  {"skip_header_lines": skip_header_lines or 0}, name=name))


class WholeFileReader(ReaderBase):
    """A reader that outputs each file whole (key: the file name)."""

    def __init__(self, name=None):
        super().__init__(apply_op("WholeFileReaderV2", [], name=name))


class FixedLengthRecordReader(ReaderBase):
    """A reader of fixed-length records after a header (key "file:index")."""

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None,
                 name=None, encoding=None):
        super().__init__(apply_op("FixedLengthRecordReaderV2", [], {
            "record_bytes": record_bytes, "header_bytes": header_bytes or 0,
            "footer_bytes": footer_bytes or 0, "hop_bytes": hop_bytes or 0,
            "encoding": encoding or ""}, name=name))


class IdentityReader(ReaderBase):
    """A reader whose records are the queued work strings (key and value alike)."""

    def __init__(self, name=None):
        super().__init__(apply_op("IdentityReaderV2", [], name=name))
