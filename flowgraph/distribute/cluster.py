"""`tf.train.ClusterSpec`: the jobs of a cluster and the addresses of their tasks."""
from flowgraph.proto.cluster_pb2 import ClusterDef

__all__ = ["ClusterSpec"]


def _tasks_of(job, tasks):
    if isinstance(tasks, (list, tuple)):
        return dict(enumerate(tasks))
    if isinstance(tasks, dict):
        return {int(i): a for i, a in tasks.items()}
    raise TypeError(f"The tasks for job {job!r} must be a list or a dictionary from "
                    "integers to strings.")


class ClusterSpec:
    """A cluster as a set of jobs, each a set of tasks with network addresses. Built from
    a dict (job -> list of addresses, or job -> {task index: address}), a `ClusterDef`
    or another ClusterSpec."""

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_cluster_def()
        if isinstance(cluster, dict):
            self._jobs = {job: _tasks_of(job, tasks) for job, tasks in cluster.items()}
        elif isinstance(cluster, ClusterDef):
            self._jobs = {j.name: dict(j.tasks) for j in cluster.job}
        else:
            raise TypeError("`cluster` must be a dictionary mapping one or more job names "
                            "to lists of network addresses, or a `ClusterDef` protocol "
                            "buffer")
        self._def = ClusterDef()
        for job in sorted(self._jobs):
            jd = self._def.job.add(name=job)
            for i, address in self._jobs[job].items():
                if not isinstance(address, str):
                    raise TypeError(f"Task address {address!r} must be bytes or unicode")
                jd.tasks[i] = address

    def __bool__(self):
        return bool(self._jobs)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self._def == other._def

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._def.SerializeToString(deterministic=True))

    def __repr__(self):
        body = ", ".join(f"{job!r}: {tasks!r}" for job, tasks in sorted(self.as_dict().items()))
        return "ClusterSpec({" + body + "})"

    __str__ = __repr__

    def as_dict(self):
        """job -> list of addresses when its task indices are 0..n-1, else a dict."""
        out = {}
        for job, tasks in self._jobs.items():
            idx = sorted(tasks)
            out[job] = [tasks[i] for i in idx] if idx == list(range(len(idx))) else \
                {i: tasks[i] for i in idx}
        return out

    def as_cluster_def(self):
        return self._def

    @property
    def jobs(self):
        return list(self._jobs)

    def _job(self, job_name):
        try:
            return self._jobs[job_name]
        except KeyError:
            raise ValueError(f"No such job in cluster: {job_name!r}") from None

    def num_tasks(self, job_name):
        return len(self._job(job_name))

    def task_indices(self, job_name):
        return sorted(self._job(job_name))

    def task_address(self, job_name, task_index):
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError(f"No task with index {task_index} in job {job_name!r}")
        return tasks[task_index]

    def job_tasks(self, job_name):
        """The job's addresses by task index, None where an index has no task."""
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []
