"""Cuts the ops one run needs into stages, each a run of ops on one task, and writes each
stage as a GraphDef of its own: tensors it takes from other stages (or from feeds)
become `Placeholder`s, control edges from other stages are dropped (the stages run in
order), and the variables it reads or updates by reference come along, so the task's
store resolves them by name."""
import hashlib
import heapq

from flowgraph.framework import errors
from flowgraph.framework.device import DeviceSpec
from flowgraph.proto.graph_pb2 import GraphDef
from flowgraph.runtime.placer import colocation_groups
from flowgraph.runtime.plan import VARIABLE_OPS, by_reference

# Ops that own state their colocated users reach by reference (variables, queues, ...).
_OWNERS = frozenset(VARIABLE_OPS) | {"FIFOQueueV2", "PaddingFIFOQueueV2",
                                     "RandomShuffleQueueV2", "PriorityQueueV2",
                                     "ResourceConditionalAccumulator", "VarHandleOp"}


class TaskAssignment:
    """The task `(job, index)` of every op of a graph: the job and task of its device,
    else of the device of an op it is colocated with, else the session's own task."""

    def __init__(self, graph, cluster, default, soft=False):
        self._graph, self._cluster, self._default = graph, cluster, default
        self._soft = soft
        self._seen, self._task = 0, {}

    def __call__(self, op):
        task = self._task.get(op)
        if task is None:
            self._refresh()
            task = self._task[op]
        return task

    def _refresh(self):
        ops = self._graph.get_operations()
        if len(ops) == self._seen:
            return
        self._seen = len(ops)
        groups = colocation_groups(ops)
        members = {}
        for op in ops:
            members.setdefault(groups.find(op.name), []).append(op)
        for group in members.values():
            task = self._group_task(group)
            for op in group:
                self._task[op] = task

    def _group_task(self, group):
        # The variables first: as in TF, a ref or resource edge from a variable keeps its
        # users on the variable's task, whatever device they asked for.
        group = sorted(group, key=lambda op: (op.type not in _OWNERS, op._id))
        pinned = None
        for op in group:
            spec = DeviceSpec.from_string(op.device) if op.device else None
            if spec is None or (spec.job is None and spec.task is None):
                continue
            task = (spec.job or self._default[0],
                    spec.task if spec.task is not None else 0)
            if pinned is not None and pinned[1] != task and not self._soft and \
                    pinned[0].type not in _OWNERS:
                raise _device_error(op, f"Cannot colocate nodes '{pinned[0].name}' and "
                                        f"'{op.name}': Cannot merge devices with "
                                        f"incompatible tasks: '{pinned[0].device}' and "
                                        f"'{op.device}'")
            pinned = pinned or (op, task)
        task = pinned[1] if pinned else self._default
        job, index = task
        if job not in self._cluster.jobs or index not in self._cluster.task_indices(job):
            op = pinned[0]
            raise _device_error(op, f"Operation was explicitly assigned to {op.device} but "
                                    f"the cluster has no task /job:{job}/replica:0/"
                                    f"task:{index}. Make sure the device specification "
                                    "refers to a valid device.")
        return task


def _device_error(op, why):
    return errors.InvalidArgumentError(
        None, op, f"Cannot assign a device for operation {op.name}: {why}")


class Stage:
    """One task's part of a run: its GraphDef (`key` is its digest), the tensors it is
    fed (each from a user feed `("feed", i)` or an earlier stage `("stage", s, j)`),
    the tensor names it returns and the ops it runs."""

    def __init__(self, task, graph_def, key, feed_names, sources, fetch_names, targets):
        self.task, self.graph_def, self.key = task, graph_def, key
        self.feed_names, self.sources = feed_names, sources
        self.fetch_names, self.targets = fetch_names, targets


def _resolved_locally(t, feeds, task_of, task):
    """True for an input its consumer's task resolves itself: a variable of that task
    read by reference, or the handle of a queue or accumulator of that task (the op
    making the handle comes into every stage that uses it; it finds the same state)."""
    if t in feeds:
        return False
    if by_reference(t, feeds):
        return task_of(_variable_of(t)) == task
    return t.op.type in _OWNERS and not t.op._inputs and task_of(t.op) == task


def _edges(op, feeds, task_of):
    """The data inputs an op waits for across the cut: all but the feeds and the
    inputs its own task resolves (`_resolved_locally`)."""
    task = None
    for t in op._inputs:
        if t in feeds:
            continue
        if task is None:
            task = task_of(op)
        if _resolved_locally(t, feeds, task_of, task):
            continue
        yield t


def _variable_of(t):
    op = t._op
    while op.type == "Identity":
        op = op._inputs[0]._op
    return op


def _prune(feeds, fetches, targets, task_of):
    needed, stack = set(), [t.op for t in fetches if t not in feeds] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        stack.extend(t.op for t in _edges(op, feeds, task_of))
        stack.extend(c for c in op._control_inputs
                     if not c._outputs or any(t not in feeds for t in c._outputs))
    return needed


def _cut(needed, feeds, task_of):
    """Stages as lists of ops: Kahn's order, taking every op of the current stage's task
    as soon as it is ready; a new stage starts on the task of the oldest ready op. A NoOp
    runs where its last input ran (it only orders)."""
    deps, users = {}, {op: [] for op in needed}
    for op in needed:
        ds = {t.op for t in _edges(op, feeds, task_of) if t.op in needed}
        ds.update(c for c in op._control_inputs if c in needed)
        deps[op] = len(ds)
        for d in ds:
            users[d].append(op)
    # A fetched variable (or snapshot) read by nothing else is read last on its task, so
    # the fetch shows the run's updates, as in one process.
    late = [op for op in needed if op._outputs and not users[op] and
            all(by_reference(t, feeds) for t in op._outputs)]
    ready = {}
    for op, n in deps.items():
        if n == 0 and op not in late:
            heapq.heappush(ready.setdefault(task_of(op), []), (op._id, op))
    stages = []
    while any(ready.values()):
        task = min((h[0][0], t) for t, h in ready.items() if h)[1]
        heap, ops = ready[task], []
        while heap:
            _, op = heapq.heappop(heap)
            ops.append(op)
            for u in users[op]:
                deps[u] -= 1
                if deps[u] == 0:  # a NoOp (a group) does nothing: it joins this stage
                    where = task if u.type == "NoOp" else task_of(u)
                    heapq.heappush(ready.setdefault(where, []), (u._id, u))
        stages.append((task, ops))
    for op in sorted(late, key=lambda o: o._id):
        last = [ops for task, ops in stages if task == task_of(op)]
        if last:
            last[-1].append(op)
        else:
            stages.append((task_of(op), [op]))
    if sum(len(ops) for _, ops in stages) != len(needed):
        raise errors.InvalidArgumentError(None, None, "Graph has a cycle")
    return stages


def _recv_name(t):
    return f"{t.op.name}/_recv_{t.value_index}"


def partition(graph, feeds, fetches, targets, task_of):
    """The stages of a run fetching `fetches` and running `targets` given `feeds`."""
    feed_set = set(feeds)
    needed = _prune(feed_set, fetches, targets, task_of)
    cut = _cut(needed, feed_set, task_of)
    stage_of = {op: i for i, (_, ops) in enumerate(cut) for op in ops}
    full = graph.as_graph_def()
    nodes = {n.name: n for n in full.node}
    fetch_set = set(fetches)
    outputs = [dict() for _ in cut]  # stage -> {tensor: index among its fetches}
    stages = []
    for i, (task, ops) in enumerate(cut):
        members = set(ops)
        recv, sources, extra = {}, [], []
        for op in ops:
            for t in op._inputs:
                if t in recv or (t.op in members and t not in feed_set):
                    continue
                if t in feed_set:
                    sources.append(("feed", feeds.index(t)))
                elif _resolved_locally(t, feed_set, task_of, task):
                    chain = t.op  # the task's own variable or handle: its ops come along
                    while chain not in members and chain.name not in extra:
                        extra.append(chain.name)
                        if chain.type != "Identity":
                            break
                        chain = chain._inputs[0].op
                    continue
                else:
                    s = stage_of[t.op]
                    j = outputs[s].setdefault(t, len(outputs[s]))
                    sources.append(("stage", s, j))
                recv[t] = _recv_name(t)
        stages.append([task, ops, recv, sources, extra])
    for t in fetches:
        if t not in feed_set:
            s = stage_of[t.op]
            outputs[s].setdefault(t, len(outputs[s]))
    result = []
    for i, (task, ops, recv, sources, extra) in enumerate(stages):
        members = set(ops)
        used = {t.op for op in ops for t in op._inputs if t.op in members}
        used.update(c for op in ops for c in op._control_inputs if c in members)
        sinks = [op.name for op in ops if op not in used]
        gd = _stage_graph_def(full, nodes, {op.name for op in ops} | set(extra), recv)
        data = gd.SerializeToString(deterministic=True)
        key = hashlib.sha1(data).hexdigest()
        fetch_names = tuple(t.name for t, _ in sorted(outputs[i].items(),
                                                      key=lambda kv: kv[1]))
        feed_names = tuple(r + ":0" for r in recv.values())
        result.append(Stage(task, data, key, feed_names, sources, fetch_names, tuple(sinks)))
    return result, {t: (stage_of[t.op], outputs[stage_of[t.op]][t])
                    for t in fetch_set if t not in feed_set}


def _stage_graph_def(full, nodes, names, recv):
    gd = GraphDef()
    gd.versions.CopyFrom(full.versions)
    gd.library.CopyFrom(full.library)
    by_input = {(t.op.name if t.value_index == 0 else t.name): r for t, r in recv.items()}
    by_input.update({t.name: r for t, r in recv.items()})
    for t, r in recv.items():
        n = gd.node.add(name=r, op="Placeholder")
        n.attr["dtype"].type = t.dtype.base_dtype.as_datatype_enum
        n.attr["shape"].shape.CopyFrom(t.shape.as_proto())
    for op in sorted((nodes[n] for n in names), key=lambda n: n.name):
        n = gd.node.add()
        n.CopyFrom(op)
        del n.input[:]
        for inp in op.input:
            if inp.startswith("^"):
                if inp[1:] in names:
                    n.input.append(inp)
            elif inp in by_input:
                n.input.append(by_input[inp])
            else:
                n.input.append(inp)
        cls = n.attr.get("_class")
        if cls is not None and cls.list.s:
            keep = [c for c in cls.list.s if c.decode()[5:] in names]
            del cls.list.s[:]
            cls.list.s.extend(keep)
            if not keep:
                del n.attr["_class"]
    return gd
