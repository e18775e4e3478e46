"""The Ray side: joining (or starting) the Ray cluster, the named actor that hosts one
task's TaskRunner, and TF's error classes for what Ray reports.

The Ray address comes from `FLOWGRAPH_RAY_ADDRESS` (else Ray's own `RAY_ADDRESS`). With
neither, a process joins the Ray cluster already running on this machine, or (the first
one) starts a local head bound to 127.0.0.1, which lives as long as that process."""
import os
import tempfile
import time

from flowgraph.framework import errors

NAMESPACE = "flowgraph"
ADDRESS_ENV = "FLOWGRAPH_RAY_ADDRESS"
_ACTOR_CLASS = None


def _ray():
    try:
        import ray
    except ImportError:
        raise ImportError("Distributed sessions and tf.train.Server run on Ray: "
                          "pip install 'flowgraph[distributed]' (or pip install ray)") from None
    return ray


def start_head(**kwargs):
    """Starts a Ray head in this process, bound to 127.0.0.1; returns its address. The
    processes this one starts join it through FLOWGRAPH_RAY_ADDRESS, set in os.environ
    (with RAY_AUTH_MODE, which Ray sets there: its token is in ~/.ray/auth_token)."""
    ray = _ray()
    info = ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False,
                    namespace=NAMESPACE, log_to_driver=False, configure_logging=False,
                    **kwargs)
    address = info.address_info["gcs_address"]
    os.environ[ADDRESS_ENV] = address
    return address


def connect():
    """Joins the Ray cluster (once per process); returns the ray module."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    address = os.environ.get(ADDRESS_ENV) or os.environ.get("RAY_ADDRESS")
    kwargs = dict(namespace=NAMESPACE, log_to_driver=False, configure_logging=False)
    if address:
        ray.init(address=address, **kwargs)
        return ray
    from filelock import FileLock  # a dependency of ray
    with FileLock(os.path.join(tempfile.gettempdir(), "flowgraph-ray-head.lock")):
        try:
            ray.init(address="auto", **kwargs)
        except ConnectionError:
            start_head()
    return ray


def actor_name(address):
    return f"task@{address}"


class RemoteOpError(Exception):
    """An OpError raised on a task, in a form that crosses processes."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code, self.message = code, message

    def to_op_error(self):
        return errors.exception_type_from_error_code(self.code)(None, None, self.message)


class _Host:
    """The actor body: a TaskRunner whose OpErrors cross as RemoteOpError."""

    def __init__(self, job, task, cluster_def, config_bytes):
        from flowgraph.distribute.task_runner import TaskRunner
        from flowgraph.runtime.config import ConfigProto
        config = ConfigProto.FromString(config_bytes) if config_bytes else None
        self._runner = TaskRunner(job, task, cluster_def, config)

    def call(self, method, *args):
        try:
            return getattr(self._runner, method)(*args)
        except errors.OpError as e:
            raise RemoteOpError(e.error_code, e.message) from None

    def run(self, *args):
        try:
            return self._runner.run(*args)
        except errors.OpError as e:
            raise RemoteOpError(e.error_code, e.message) from None


def start_host(address, job, task, cluster_def, config=None):
    """Starts the named actor for task `job:task` at `address` on this node."""
    global _ACTOR_CLASS
    ray = connect()
    if _ACTOR_CLASS is None:
        _ACTOR_CLASS = ray.remote(_Host)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    name = actor_name(address)
    deadline = time.monotonic() + 30
    while True:
        try:
            handle = _ACTOR_CLASS.options(
                name=name, namespace=NAMESPACE, num_cpus=0, max_concurrency=64,
                scheduling_strategy=here).remote(
                    job, task, cluster_def,
                    config.SerializeToString() if config is not None else b"")
            break
        except ValueError:  # the name is taken: by a live server, or one dying
            if time.monotonic() > deadline:
                raise errors.UnknownError(None, None, f"Could not start server for "
                                          f"/job:{job}/task:{task}: address {address} "
                                          "is in use") from None
            time.sleep(0.2)
    ray.get(handle.call.remote("ping"))
    return handle


def lookup(address, task_name, timeout):
    """The actor of the task at `address`; UnavailableError when none appears in time."""
    ray = connect()
    deadline = time.monotonic() + timeout
    while True:
        try:
            return ray.get_actor(actor_name(address), namespace=NAMESPACE)
        except ValueError:
            if time.monotonic() >= deadline:
                raise errors.UnavailableError(
                    None, None, f"{task_name} at {address} is unavailable: no server "
                    "for it has joined the cluster") from None
            time.sleep(0.1)


def get(refs, cancelled=None):
    """ray.get with Ray's failures as TF's errors: an OpError raised on a task as itself,
    a task lost mid-run (its process died) as UnavailableError; CancelledError once
    `cancelled()` is true (the session closed while its run waits on a task)."""
    ray = _ray()
    try:
        if cancelled is None:
            return ray.get(refs)
        while True:
            try:
                return ray.get(refs, timeout=0.5)
            except ray.exceptions.GetTimeoutError:
                if cancelled():
                    raise errors.CancelledError(None, None, "Session was closed while "
                                                "its run waited on a task") from None
    except RemoteOpError as e:
        raise e.to_op_error() from None
    except ray.exceptions.RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, RemoteOpError):
            raise cause.to_op_error() from None
        raise errors.InternalError(None, None, str(e)) from None
    except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError) as e:
        raise errors.UnavailableError(None, None, f"A task of the cluster was lost: "
                                      f"{type(e).__name__}: {e}") from None
