"""`tf.train.Server`: one task of a cluster. Starting it joins the Ray cluster and
starts the task's named actor on this node, which hosts the task's devices and variable
store for as long as this process lives (the actor shares its fate)."""
import socket
import threading
import time

from flowgraph.distribute import ray_backend
from flowgraph.distribute import session as _session  # noqa: F401  (registers grpc://)
from flowgraph.distribute.cluster import ClusterSpec
from flowgraph.framework import errors
from flowgraph.proto.tensorflow_server_pb2 import ServerDef

__all__ = ["Server"]

_LOCAL = {}  # address -> the started Server of this process at it
_LOCK = threading.Lock()


def local_server(address):
    return _LOCAL.get(address)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An in-process server for one task (`job_name`, `task_index`) of the cluster
    `server_or_cluster_def` (a ClusterSpec, a dict for one, or a ClusterDef). Sessions
    reach it at `target`."""

    def __init__(self, server_or_cluster_def, job_name=None, task_index=None, protocol=None,
                 config=None, start=True):
        if isinstance(server_or_cluster_def, ServerDef):
            d = server_or_cluster_def
            job_name = job_name if job_name is not None else (d.job_name or None)
            task_index = task_index if task_index is not None else d.task_index
            protocol = protocol or d.protocol or None
            if config is None and d.HasField("default_session_config"):
                config = d.default_session_config
            server_or_cluster_def = d.cluster
        cluster = ClusterSpec(server_or_cluster_def)
        if job_name is None:
            if len(cluster.jobs) != 1:
                raise ValueError("Must specify an explicit `job_name`.")
            job_name = cluster.jobs[0]
        if task_index is None:
            indices = cluster.task_indices(job_name)
            if len(indices) != 1:
                raise ValueError("Must specify an explicit `task_index`.")
            task_index = indices[0]
        self._cluster, self._job, self._task_index = cluster, job_name, int(task_index)
        self._address = cluster.task_address(job_name, self._task_index)
        if self._address.endswith(":0"):  # any free port, as TF picks one
            self._address = f"{self._address[:-2]}:{_free_port()}"
            jobs = cluster.as_dict()
            tasks = dict(enumerate(jobs[job_name])) if isinstance(jobs[job_name], list) \
                else dict(jobs[job_name])
            tasks[self._task_index] = self._address
            jobs[job_name] = tasks
            self._cluster = ClusterSpec(jobs)
        self._protocol = protocol or "grpc"
        self._config = config
        self._handle = None
        if start:
            self.start()

    @staticmethod
    def create_local_server(config=None, start=True):
        """A server of a one-task cluster on localhost, at a free port."""
        return Server({"localhost": ["localhost:0"]}, protocol="grpc", config=config,
                      start=start)

    @property
    def target(self):
        """The `grpc://host:port` string to pass to `tf.Session` for this server."""
        return f"grpc://{self._address}"

    @property
    def server_def(self):
        d = ServerDef(cluster=self._cluster.as_cluster_def(), job_name=self._job,
                      task_index=self._task_index, protocol=self._protocol)
        if self._config is not None:
            d.default_session_config.CopyFrom(self._config)
        return d

    def start(self):
        """Starts this task's actor (once)."""
        with _LOCK:
            if self._handle is not None:
                return
            self._handle = ray_backend.start_host(
                self._address, self._job, self._task_index,
                self._cluster.as_cluster_def().SerializeToString(), self._config)
            _LOCAL[self._address] = self

    def join(self):
        """Blocks while the server runs."""
        if self._handle is None:
            raise errors.FailedPreconditionError(None, None, "Server is not started")
        while True:
            try:
                ray_backend.get(self._handle.call.remote("ping"))
            except errors.OpError:
                return
            time.sleep(1.0)

    def _stop(self):
        """Stops the task's actor: its variables are gone; sessions using it fail."""
        with _LOCK:
            if self._handle is None:
                return
            ray = ray_backend.connect()
            ray.kill(self._handle)
            self._handle = None
            if _LOCAL.get(self._address) is self:
                del _LOCAL[self._address]
