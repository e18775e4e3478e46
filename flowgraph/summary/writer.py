"""`tf.summary.FileWriter`: writes `Event` protobufs to an event file that TensorBoard
reads (`<logdir>/events.out.tfevents.<seconds>.<hostname><suffix>`).

The record layer (length, masked CRC-32C, data, masked CRC-32C) is our TFRecord writer
(`framework/tf_record.py`); events are queued and written by a background thread, which flushes the
file at least every `flush_secs` seconds and whenever `flush()` is called."""
import os
import queue
import socket
import threading
import time
import warnings
import weakref

from tensorboardX.proto import event_pb2, summary_pb2

from flowgraph.framework.graph import Graph, get_default_graph
from flowgraph.framework.tf_record import TFRecordWriter

__all__ = ["FileWriter", "FileWriterCache"]

_FLUSH = object()
_STOP = object()


def _event_file_name(logdir, suffix):
    base = os.path.join(logdir, f"events.out.tfevents.{int(time.time()):010d}."
                                f"{socket.gethostname()}")
    path, n = base + suffix, 0
    while os.path.exists(path):  # two writers in one second: never overwrite a file
        n += 1
        path = f"{base}.{n}{suffix}"
    return path


class _EventFile:
    """One event file and the thread writing the queued (serialized) events into it."""

    def __init__(self, logdir, max_queue, flush_secs, suffix):
        os.makedirs(logdir, exist_ok=True)
        self.path = _event_file_name(logdir, suffix)
        self._records = TFRecordWriter(self.path)
        first = event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        self._records.write(first.SerializeToString())
        self._records.flush()
        self._queue = queue.Queue(max(1, int(max_queue)))
        self._flush_secs = flush_secs
        self._error = None
        self._thread = threading.Thread(target=self._run, name="FileWriter", daemon=True)
        self._thread.start()

    def _run(self):
        next_flush = time.time() + self._flush_secs
        dirty = False
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_flush - time.time()))
            except queue.Empty:
                item = None
            try:
                if item is _STOP:
                    self._records.flush()
                    self._records.close()
                    return
                if item is not None and item is not _FLUSH:
                    self._records.write(item)
                    dirty = True
                if dirty and (item is _FLUSH or time.time() >= next_flush):
                    self._records.flush()
                    dirty = False
            except Exception as e:  # reported by the next flush() or close()
                self._error = e
            finally:
                if item is not None:
                    self._queue.task_done()
            if time.time() >= next_flush:
                next_flush = time.time() + self._flush_secs

    def _check(self):
        if self._error is not None:
            e, self._error = self._error, None
            raise e

    def add(self, data):
        self._check()
        self._queue.put(data)

    def flush(self):
        self._queue.put(_FLUSH)
        self._queue.join()
        self._check()

    def close(self):
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._queue.join()
        self._thread.join()
        self._thread = None
        self._check()


def _is_proto(obj, full_name):
    d = getattr(obj, "DESCRIPTOR", None)
    return d is not None and getattr(d, "full_name", None) == full_name


def _as_summary(summary):
    """A private `Summary` copy of bytes or any wire-compatible Summary message."""
    s = summary_pb2.Summary()
    if isinstance(summary, (bytes, bytearray)):
        s.ParseFromString(bytes(summary))
    elif hasattr(summary, "dtype") and hasattr(summary, "item"):  # a fetched string scalar
        s.ParseFromString(summary.item())
    elif isinstance(summary, summary_pb2.Summary):
        s.CopyFrom(summary)
    elif hasattr(summary, "SerializeToString"):
        s.ParseFromString(summary.SerializeToString())
    else:
        raise TypeError(f"add_summary expects a Summary protobuf or its serialized bytes, "
                        f"got {type(summary).__name__}")
    return s


def _run_metadata_bytes(run_metadata):
    if hasattr(run_metadata, "SerializeToString"):
        return run_metadata.SerializeToString()
    from flowgraph.summary import run_metadata as rm
    return rm.to_proto(run_metadata).SerializeToString()


class FileWriter:
    """Writes `Summary` protobufs, graphs and run metadata to an event file in `logdir`.

    `FileWriter(logdir, graph=sess.graph)` also writes the graph (with `_output_shapes`
    attrs) and its MetaGraphDef, so TensorBoard's Graphs tab shows it. Writes are queued
    (at most `max_queue` pending) and flushed at least every `flush_secs` seconds; a writer
    that is garbage-collected or still open at exit is flushed and closed. `session` is
    accepted for compatibility: the events are always written by this process."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = os.fspath(logdir)
        self._max_queue, self._flush_secs = max_queue, flush_secs
        self._suffix = filename_suffix or ""
        self._seen_summary_tags = set()
        self._seen_run_metadata_tags = set()
        self._lock = threading.Lock()
        self._closed = False
        self._open()
        if graph is not None or graph_def is not None:
            gd = self._add_graph(graph, None, graph_def)
            g = next((x for x in (graph, graph_def) if isinstance(x, Graph)), None)
            meta = _meta_graph_def(g, gd)
            if meta is not None:
                self.add_meta_graph(meta)

    # -- files ---------------------------------------------------------------------------
    def _open(self):
        self._file = _EventFile(self._logdir, self._max_queue, self._flush_secs,
                                self._suffix)
        # Close the file (writing what is queued) when the writer is collected or at exit.
        self._finalizer = weakref.finalize(self, self._file.close)

    def get_logdir(self):
        """The directory the event file is written in."""
        return self._logdir

    def _closed_warning(self):
        if self._closed:
            warnings.warn("Attempting to use a closed FileWriter. The operation will be a "
                          "noop unless the FileWriter is explicitly reopened.")
        return self._closed

    def add_event(self, event):
        """Adds an `Event` protobuf (written as given) to the event file."""
        if self._closed_warning():
            return
        data = event if isinstance(event, bytes) else event.SerializeToString()
        self._file.add(data)

    def _add_event(self, event, step):
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def flush(self):
        """Writes every pending event to disk."""
        if not self._closed:
            self._file.flush()

    def close(self):
        """Flushes and closes the event file; `reopen()` starts a new one."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._finalizer.detach()
                self._file.close()

    def reopen(self):
        """After `close()`, continues in a new event file in the same logdir."""
        with self._lock:
            if self._closed:
                self._open()
                self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- content -------------------------------------------------------------------------
    def add_summary(self, summary, global_step=None):
        """Adds a `Summary` protobuf, or the serialized bytes a summary op outputs.

        Each tag's `SummaryMetadata` (e.g. its plugin) is written only with its first
        value, as TensorBoard expects."""
        s = _as_summary(summary)
        for v in s.value:
            if not v.HasField("metadata"):
                continue
            if v.tag in self._seen_summary_tags:
                v.ClearField("metadata")
            else:
                self._seen_summary_tags.add(v.tag)
        self._add_event(event_pb2.Event(summary=s), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Adds a `SessionLog` protobuf (START, STOP or CHECKPOINT)."""
        log = event_pb2.SessionLog()
        log.ParseFromString(session_log.SerializeToString())
        self._add_event(event_pb2.Event(session_log=log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Adds a `Graph` (exported with `_output_shapes`) or a `GraphDef` protobuf."""
        self._add_graph(graph, global_step, graph_def)

    def _add_graph(self, graph, global_step, graph_def):
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        g = graph if graph is not None else graph_def
        if isinstance(g, Graph):
            gd = g.as_graph_def(add_shapes=True)
        elif _is_proto(g, "tensorflow.GraphDef"):
            gd = g
        else:
            raise TypeError("The passed graph must be an instance of `Graph` or the "
                            "deprecated `GraphDef`")
        self._add_event(event_pb2.Event(graph_def=gd.SerializeToString()), global_step)
        return gd

    def add_meta_graph(self, meta_graph_def, global_step=None):
        """Adds a `MetaGraphDef` protobuf."""
        if not _is_proto(meta_graph_def, "tensorflow.MetaGraphDef"):
            raise TypeError(f"meta_graph_def must be type MetaGraphDef, saw type: "
                            f"{type(meta_graph_def)}")
        self._add_event(event_pb2.Event(meta_graph_def=meta_graph_def.SerializeToString()),
                        global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Adds the `RunMetadata` of a traced `sess.run` under `tag` (unique per writer);
        TensorBoard's Graphs tab shows its compute times and devices."""
        if tag in self._seen_run_metadata_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._seen_run_metadata_tags.add(tag)
        tagged = event_pb2.TaggedRunMetadata(tag=tag,
                                             run_metadata=_run_metadata_bytes(run_metadata))
        self._add_event(event_pb2.Event(tagged_run_metadata=tagged), global_step)


def _meta_graph_def(graph, graph_def):
    """The MetaGraphDef written beside the graph, as TF's FileWriter does (collections come
    from `graph`, or the default graph when only a GraphDef was given)."""
    from flowgraph.framework import meta_graph
    try:
        return meta_graph.export_meta_graph(graph=graph, graph_def=graph_def)
    except Exception as e:  # the graph event is already written; say why this one is not
        warnings.warn(f"FileWriter: could not export the MetaGraphDef ({e}); only the "
                      "GraphDef was written")
        return None


class FileWriterCache:
    """One shared `FileWriter` per logdir (for the default graph)."""

    _cache = {}
    _lock = threading.RLock()

    @staticmethod
    def clear():
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            for w in FileWriterCache._cache.values():
                w.close()
            FileWriterCache._cache = {}

    @staticmethod
    def get(logdir):
        """The cached `FileWriter` of `logdir`, created on first use."""
        with FileWriterCache._lock:
            w = FileWriterCache._cache.get(logdir)
            if w is None:
                w = FileWriterCache._cache[logdir] = FileWriter(
                    logdir, graph=get_default_graph())
            return w
