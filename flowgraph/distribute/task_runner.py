"""What one task of a cluster runs: the parts (stages) of its clients' graphs.

Each client graph arrives once as a GraphDef; it is imported with the job and task left
out of its devices (they name this task) and run by a Session of its own, and all those
sessions share one store (variables, queues, generators), so every client graph that
names a variable `w` reads and writes the one `w` of this task, as TF's resource
containers share variables between the sessions of a server."""
import threading

from flowgraph.framework import errors
from flowgraph.framework.device import DeviceSpec
from flowgraph.framework.graph import Graph
from flowgraph.framework.importer import import_graph_def
from flowgraph.proto.graph_pb2 import GraphDef
from flowgraph.runtime.session import Session


def local_device(device):
    """A device string without its job, replica and task."""
    if not device:
        return device
    spec = DeviceSpec.from_string(device)
    return spec.replace(job=None, replica=None, task=None).to_string()


class TaskRunner:
    """Runs stages `(feeds, fetches, targets)` of client graphs on this task's store."""

    def __init__(self, job, task, cluster_def=b"", config=None):
        self.job, self.task, self._config = job, task, config
        self._cluster_def = cluster_def
        self._root = Session(graph=Graph(), config=config)  # owns the shared store
        self._sessions = {}  # graph key -> Session
        self._stages = {}  # (graph key, stage signature) -> callable
        self._lock = threading.Lock()

    def ping(self):
        return (self.job, self.task)

    def describe(self):
        """(serialized ClusterDef, job, task) of this task."""
        return self._cluster_def, self.job, self.task

    def has_graph(self, key):
        return key in self._sessions

    def add_graph(self, key, graph_def):
        """Imports a client graph (serialized GraphDef) under `key`."""
        with self._lock:
            if key in self._sessions:
                return
            gd = GraphDef.FromString(graph_def) if isinstance(graph_def, bytes) else graph_def
            for node in gd.node:
                node.device = local_device(node.device)
            g = Graph()
            with g.as_default():
                import_graph_def(gd, name="")
            sess = Session(graph=g, config=self._config)
            sess._share_state(self._root)
            self._sessions[key] = sess

    def drop_graph(self, key):
        with self._lock:
            sess = self._sessions.pop(key, None)
            for k in [k for k in self._stages if k[0] == key]:
                del self._stages[k]
        if sess is not None:
            sess.close()

    def run(self, key, feeds, fetches, targets, *values):
        """Runs one stage: feeds tensors named `feeds` with `values`, runs the ops named
        `targets` and returns the values of the tensors named `fetches` (the value for
        one, a tuple for several, None for none). Values after the feeds' are ordering
        tokens, ignored."""
        fn = self._stages.get((key, feeds, fetches, targets))
        if fn is None:
            sess = self._sessions.get(key)
            if sess is None:
                raise errors.AbortedError(
                    None, None, f"Graph handle is not found: {key}. Possibly, this "
                    f"task (/job:{self.job}/replica:0/task:{self.task}) restarted.")
            g = sess.graph
            fn = sess.make_callable([g.get_tensor_by_name(n) for n in fetches] +
                                    [g.get_operation_by_name(n) for n in targets],
                                    feed_list=[g.get_tensor_by_name(n) for n in feeds])
            self._stages[(key, feeds, fetches, targets)] = fn
        out = fn(*values[:len(feeds)])
        if len(fetches) == 1:
            return out[0]
        return tuple(out[:len(fetches)]) if fetches else None

    def close(self):
        for key in list(self._sessions):
            self.drop_graph(key)
        self._root.close()
