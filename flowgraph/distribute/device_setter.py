"""`tf.train.replica_device_setter`: a device function placing variables on the ps tasks
(round robin, or by a strategy such as `GreedyLoadBalancingStrategy`) and every other op
on the worker device."""
from flowgraph import tf_logging
from flowgraph.distribute.cluster import ClusterSpec
from flowgraph.framework.device import DeviceSpec
from flowgraph.framework.tensor_shape import TensorShape

__all__ = ["replica_device_setter"]

# The op types TF places on parameter servers by default.
STANDARD_PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable",
                   "MutableHashTableV2", "MutableHashTableOfTensors",
                   "MutableHashTableOfTensorsV2", "MutableDenseHashTable",
                   "MutableDenseHashTableV2", "VarHandleOp",
                   "BoostedTreesEnsembleResourceHandleOp",
                   "BoostedTreesQuantileStreamResourceHandleOp",
                   "ResourceConditionalAccumulator", "DecisionTreeResource")


class _RoundRobinStrategy:
    """Each ps op goes to the next task in turn."""

    def __init__(self, num_tasks):
        self._num_tasks, self._next = num_tasks, 0

    def __call__(self, unused_op):
        task, self._next = self._next, (self._next + 1) % self._num_tasks
        return task


def byte_size_load_fn(op):
    """The bytes of the variable `op` makes: its load for GreedyLoadBalancingStrategy."""
    shape = op.outputs[0].get_shape()
    if not shape.is_fully_defined():
        shape = TensorShape(op.get_attr("shape"))
    shape.assert_is_fully_defined()
    return shape.num_elements() * op.outputs[0].dtype.base_dtype.size


class GreedyLoadBalancingStrategy:
    """Places each ps op on the task with the least load so far (`load_fn(op)` summed,
    by default the variable's byte size); ties go to the lowest task index."""

    def __init__(self, num_tasks, load_fn=byte_size_load_fn):
        self._load_fn = load_fn
        self._loads = [0] * num_tasks

    def __call__(self, op):
        task = min(range(len(self._loads)), key=lambda i: (self._loads[i], i))
        self._loads[task] += self._load_fn(op)
        return task


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks, ps_device, worker_device, ps_ops, ps_strategy):
        self._ps_tasks, self._ps_device = ps_tasks, ps_device
        self._worker_device, self._ps_ops, self._strategy = worker_device, ps_ops, ps_strategy

    def device_function(self, op):
        current = DeviceSpec.from_string(op.device or "")
        if self._ps_tasks and self._ps_device and op.type in self._ps_ops:
            ps = DeviceSpec.from_string(self._ps_device)
            if ps.job and (not current.job or current.job == ps.job):
                ps = ps.replace(task=self._strategy(op))
            return ps.make_merged_spec(current).to_string()
        worker = DeviceSpec.from_string(self._worker_device or "")
        return worker.make_merged_spec(current).to_string()


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker",
                          merge_devices=True, cluster=None, ps_ops=None, ps_strategy=None):
    """A device function for `tf.device`: ops of `ps_ops` types (variables) go to the ps
    tasks chosen by `ps_strategy` (round robin by default), the rest to `worker_device`.
    With `cluster`, the number of ps tasks is that of its ps job. None when there are no
    ps tasks."""
    if cluster is not None:
        cluster = ClusterSpec(cluster).as_dict()
        ps_job = DeviceSpec.from_string(ps_device).job or "ps"
        if not cluster.get(ps_job):
            return None
        ps_tasks = len(cluster[ps_job])
    if ps_tasks == 0:
        return None
    if ps_ops is None:
        ps_ops = list(STANDARD_PS_OPS)
    if not merge_devices:
        tf_logging.warning("DEPRECATION: It is recommended to set merge_devices=true in "
                           "replica_device_setter")
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    if not callable(ps_strategy):
        raise TypeError("ps_strategy must be callable")
    return _ReplicaDeviceChooser(ps_tasks, ps_device, worker_device, ps_ops,
                                 ps_strategy).device_function
