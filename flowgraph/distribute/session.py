"""Sessions on a server target (`tf.Session(server.target)`): each run is cut into
stages, one per stretch of ops on one task (`partition.py`); every stage runs on its
task's actor, the tensors one stage takes from another passing through Ray's object
store as references (the client only submits; it waits once, for the fetches)."""
import os
import uuid

from flowgraph.distribute import partition, ray_backend
from flowgraph.distribute.cluster import ClusterSpec
from flowgraph.framework import errors
from flowgraph.framework.graph import Operation
from flowgraph.proto.cluster_pb2 import ClusterDef
from flowgraph.runtime import fetch as fetch_lib
from flowgraph.runtime import session as session_lib

PREFIX = "grpc://"
# How long a session waits for a task's server to join before UnavailableError.
CONNECT_TIMEOUT_ENV = "FLOWGRAPH_CONNECT_TIMEOUT_SECS"


def _connect_timeout(config):
    ms = getattr(config, "operation_timeout_in_ms", 0) if config is not None else 0
    return ms / 1000 if ms and ms > 0 else float(os.environ.get(CONNECT_TIMEOUT_ENV, "30"))


class _RunPlan:
    def __init__(self, stages, where, feeds):
        self.stages, self.where, self.feeds = stages, where, feeds


class DistributedSession(session_lib.Session):
    """A Session whose master is the task server at `target` (`grpc://host:port`): ops
    run on the tasks their devices name (`/job:ps/task:0`), ops without a job on the
    master's task."""

    def __init__(self, target="", graph=None, config=None):
        target = target.decode() if isinstance(target, bytes) else target
        super().__init__(target, graph, config)
        self._address = target[len(PREFIX):] if target.startswith(PREFIX) else target
        self._timeout = _connect_timeout(config)
        self._cluster = self._task = None
        self._actors, self._shipped, self._run_plans = {}, set(), {}
        self._methods = {}  # (task, number of outputs) -> the actor's run method
        self._task_of = None
        self._id = uuid.uuid4().hex

    def _describe(self):
        if self._cluster is None:
            from flowgraph.distribute import server as server_lib
            local = server_lib.local_server(self._address)
            if local is not None:
                cluster, job, task = local._cluster, local._job, local._task_index
            else:
                actor = ray_backend.lookup(self._address, f"master {self._address}",
                                           self._timeout)
                cdef, job, task = ray_backend.get(actor.call.remote("describe"))
                cluster = ClusterSpec(ClusterDef.FromString(cdef))
            self._cluster, self._task = cluster, (job, task)
            self._task_of = partition.TaskAssignment(self._graph, cluster, self._task,
                                                     self._config.allow_soft_placement)
        return self._cluster

    def _actor(self, task):
        actor = self._actors.get(task)
        if actor is None:
            job, index = task
            address = self._cluster.task_address(job, index)
            actor = ray_backend.lookup(address, f"/job:{job}/replica:0/task:{index}",
                                       self._timeout)
            self._actors[task] = actor
        return actor

    def list_devices(self):
        from flowgraph.runtime.devices import DeviceAttributes
        cluster = self._describe()
        out = []
        for job in sorted(cluster.jobs):
            for i in cluster.task_indices(job):
                for d in self._devices:
                    a = DeviceAttributes(d)
                    a.name = f"/job:{job}/replica:0/task:{i}/device:{d.device_type}:{d.index}"
                    out.append(a)
        return out

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        elements, rebuild = fetch_lib.flatten(fetches, self._graph)
        feeds, values = self._convert_feeds(feed_dict)
        tensors = tuple(dict.fromkeys(e for e in elements if e.__class__ is not Operation))
        targets = tuple(e for e in elements if e.__class__ is Operation)
        plan = self._run_plan(tuple(feeds), tensors, targets)
        fed = dict(zip(feeds, values))
        got = self._execute_stages(plan, values)
        results = {t: fed[t] if t in fed else got[plan.where[t]] for t in tensors}
        flat = [None if e.__class__ is Operation else session_lib._owned(results[e])
                for e in elements]
        return rebuild(flat)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function of the `feed_list` values that runs `fetches` (through `run`)."""
        feed_list = list(feed_list or ())

        def call(*args, **kwargs):
            return self.run(fetches, dict(zip(feed_list, args)),
                            options=kwargs.get("options"),
                            run_metadata=kwargs.get("run_metadata"))
        return call

    def _run_plan(self, feeds, tensors, targets):
        key = (frozenset(feeds), tensors, targets)
        plan = self._run_plans.get(key)
        if plan is None:
            self._describe()
            for t in tensors:
                if not self._graph.is_fetchable(t):
                    raise errors.InvalidArgumentError(None, t.op, f"Tensor {t.name} may not "
                                                                  "be fetched.")
            stages, where = partition.partition(self._graph, list(feeds), list(tensors),
                                                list(targets), self._task_of)
            plan = self._run_plans[key] = _RunPlan(stages, where, feeds)
            self._graph._ran.update(op for st in stages for op in self._ops_of(st))
        return plan

    def _ops_of(self, stage):
        return [self._graph._ops_by_name[n] for n in stage.targets
                if n in self._graph._ops_by_name]

    def _execute_stages(self, plan, values):
        """Submits every stage (each waits for the one before it: stages run in order),
        then waits for the last and the fetched outputs."""
        if not plan.stages:
            return {}
        outs, token = [], None
        for st in plan.stages:
            actor = self._actor(st.task)
            if (st.task, st.key) not in self._shipped:
                ray_backend.get(actor.call.remote("add_graph", st.key, st.graph_def))
                self._shipped.add((st.task, st.key))
            args = [values[src[1]] if src[0] == "feed" else outs[src[1]][src[2]]
                    for src in st.sources]
            if token is not None:
                args.append(token)
            n = max(1, len(st.fetch_names))
            method = self._methods.get((st.task, n))
            if method is None:
                method = self._methods[(st.task, n)] = actor.run.options(num_returns=n)
            refs = method.remote(st.key, st.feed_names, st.fetch_names, st.targets, *args)
            refs = [refs] if n == 1 else list(refs)
            outs.append(refs)
            token = refs[0]
        wanted = sorted(set(plan.where.values()))
        got = ray_backend.get([token] + [outs[s][j] for s, j in wanted],
                              cancelled=lambda: self._closed)
        return dict(zip(wanted, got[1:]))

    def close(self):
        if not self._closed:
            self._run_plans.clear()
        super().close()


def _is_remote_target(target):
    if isinstance(target, bytes):
        target = target.decode(errors="replace")
    return isinstance(target, str) and target.startswith(PREFIX)


session_lib.register_target(_is_remote_target, DistributedSession)
