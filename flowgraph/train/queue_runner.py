"""`tf.train.QueueRunner`: threads that run a queue's enqueue ops until the input ends
(then they close the queue) or a coordinator stops them (then they cancel it);
`add_queue_runner` and `start_queue_runners` over the `QUEUE_RUNNERS` collection."""
import logging
import threading
import weakref

from flowgraph.framework import errors, graph_io, meta_graph
from flowgraph.framework.graph import GraphKeys, add_to_collection, get_default_graph
from flowgraph.proto import queue_runner_pb2
from flowgraph.runtime.session import get_default_session

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]

_log = logging.getLogger("flowgraph")


class QueueRunner:
    """Holds a queue and its enqueue ops, and makes one thread per enqueue op."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None,
                 import_scope=None):
        self._lock = threading.Lock()
        self._runs_per_session = weakref.WeakKeyDictionary()
        self._exceptions_raised = []
        if queue_runner_def is not None:
            if queue or enqueue_ops:
                raise ValueError("queue_runner_def and queue are mutually exclusive.")
            self._init_from_proto(queue_runner_def, import_scope)
            return
        if queue is None or not enqueue_ops:
            raise ValueError("Queue and enqueue_ops must be given.")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else \
            queue.close(cancel_pending_enqueues=True)
        self._queue_closed_exception_types = tuple(
            queue_closed_exception_types or (errors.OutOfRangeError,))

    def _init_from_proto(self, qr_def, import_scope):
        g = get_default_graph()

        def element(name):
            return g.as_graph_element(graph_io.prepend_name_scope(name, import_scope))
        self._queue = element(qr_def.queue_name)  # the queue's Operation, as in TF
        self._enqueue_ops = [element(n) for n in qr_def.enqueue_op_name]
        self._close_op = element(qr_def.close_op_name)
        self._cancel_op = element(qr_def.cancel_op_name)
        self._queue_closed_exception_types = tuple(
            errors.exception_type_from_error_code(c)
            for c in qr_def.queue_closed_exception_types) or (errors.OutOfRangeError,)

    def to_proto(self, export_scope=None):
        """This runner as a `QueueRunnerDef` (None if outside `export_scope`)."""
        names = [self._queue.name, self._close_op.name, self._cancel_op.name] + \
            [op.name for op in self._enqueue_ops]
        if export_scope and not all(n.startswith(export_scope) for n in names):
            return None

        def strip(name):
            return graph_io.strip_name_scope(name, export_scope)
        return queue_runner_pb2.QueueRunnerDef(
            queue_name=strip(self._queue.name),
            enqueue_op_name=[strip(op.name) for op in self._enqueue_ops],
            close_op_name=strip(self._close_op.name),
            cancel_op_name=strip(self._cancel_op.name),
            queue_closed_exception_types=[errors.error_code_from_exception_type(c)
                                          for c in self._queue_closed_exception_types])

    @staticmethod
    def from_proto(queue_runner_def, import_scope=None):
        """The QueueRunner a `QueueRunnerDef` describes, in the default graph."""
        return QueueRunner(queue_runner_def=queue_runner_def, import_scope=import_scope)

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: self._enqueue_ops)
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    queue_closed_exception_types = property(lambda self: self._queue_closed_exception_types)
    exceptions_raised = property(lambda self: self._exceptions_raised)
    name = property(lambda self: self._queue.name)

    def _run(self, sess, enqueue_op, coord):
        decremented = False
        try:
            while not (coord and coord.should_stop()):
                try:
                    sess.run(enqueue_op)
                except self._queue_closed_exception_types:
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception as e:  # noqa: BLE001 (as TF: ignored)
                                _log.debug("Ignored exception: %s", e)
                    return
        except Exception as e:  # noqa: BLE001 - handed to the coordinator
            if coord:
                coord.request_stop(e)
            else:
                _log.error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, coord):
        coord.wait_for_stop()
        try:
            sess.run(self._cancel_op)
        except Exception as e:  # noqa: BLE001 (the session may be closed already)
            _log.debug("Ignored exception: %s", e)

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """Threads running the enqueue ops in `sess` (plus one that cancels the queue when
        `coord` stops); none if they already run for this session."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord),
                                    name=f"QueueRunnerThread-{self.name}-{op.name}")
                   for op in self._enqueue_ops]
        if coord:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord),
                                            name=f"QueueRunnerThread-{self.name}-close"))
        for t in threads:
            t.daemon = daemon
            if coord:
                coord.register_thread(t)
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Adds `qr` to the graph's `collection` (default `QUEUE_RUNNERS`)."""
    add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection=GraphKeys.QUEUE_RUNNERS):
    """Starts the threads of every queue runner in `collection`; returns them."""
    sess = sess if sess is not None else get_default_session()
    if sess is None:
        raise ValueError("Cannot start queue runners: No default session is registered. "
                         "Use `with sess.as_default()` or pass an explicit session to "
                         "tf.start_queue_runners(sess=sess)")
    graph = getattr(sess, "graph", None) or get_default_graph()
    threads = []
    for qr in graph.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads


meta_graph.register_proto_function(
    GraphKeys.QUEUE_RUNNERS, lambda data, scope, memo: QueueRunner.from_proto(
        queue_runner_pb2.QueueRunnerDef.FromString(data), import_scope=scope))
