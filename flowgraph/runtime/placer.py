"""Placement: which device runs each op. First match wins: an explicit `tf.device`,
then colocation groups (`_class` attrs and ref edges: a variable with its reads, assigns
and optimizer updates), then kernel availability, then the default (GPU:0 if present)."""
from flowgraph.framework import dtypes, errors
from flowgraph.framework.device import DeviceSpec


def _matches(spec, d):
    return (spec.job in (None, "localhost") and spec.replica in (None, 0)
            and spec.task in (None, 0)
            and (spec.device_type is None or spec.device_type == d.device_type)
            and (spec.device_index is None or spec.device_index == d.index))


def _kernel_types(op):
    """Device types that have a kernel for `op`: string and variant (TensorList) tensors
    live on the host."""
    types = set(getattr(op._op_def, "device_kernels", ("CPU", "GPU")))
    if any(t.dtype.base_dtype in (dtypes.string, dtypes.variant)
           for t in list(op._inputs) + list(op._outputs)):
        types &= {"CPU"}
    return types


class _Groups:
    """Union-find over op names."""

    def __init__(self):
        self.parent = {}

    def find(self, x):
        p = self.parent.setdefault(x, x)
        if p != x:
            p = self.parent[x] = self.find(p)
        return p

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def colocation_groups(ops):
    """Union-find over the names of `ops`: an op is grouped with the ops its `_class`
    attr names and with the variables whose refs it takes."""
    groups = _Groups()
    for op in ops:
        groups.find(op.name)
        for loc in op._attrs.get("_class") or ():
            loc = loc.decode() if isinstance(loc, bytes) else loc
            if loc.startswith("loc:@"):
                groups.union(op.name, loc[5:])
        for t in op._inputs:
            if t.dtype.is_ref_dtype:  # ref edges keep a variable and its users together
                groups.union(op.name, t.op.name)
    return groups


def place(ops, devices, graph, soft=False):
    """{op: Device} for the ops of a plan."""
    groups = colocation_groups(ops)
    members = {}
    for name in list(groups.parent):
        members.setdefault(groups.find(name), []).append(name)
    chosen = {}
    for root, names in members.items():
        group_ops = [graph._ops_by_name[n] for n in names if n in graph._ops_by_name]
        chosen[root] = _choose(group_ops, devices, soft)
    return {op: chosen[groups.find(op.name)] for op in ops}


def _choose(group_ops, devices, soft):
    kinds = {"CPU", "GPU"}
    for op in group_ops:
        kinds &= _kernel_types(op)
    candidates = [d for d in devices if d.device_type in kinds] or devices[:1]
    pinned_by = None
    for op in group_ops:
        if not op.device:
            continue
        spec = DeviceSpec.from_string(op.device)
        fits = [d for d in candidates if _matches(spec, d)]
        if fits:
            candidates, pinned_by = fits, pinned_by or op
            continue
        if soft:
            continue
        if not any(_matches(spec, d) for d in devices):
            avail = ", ".join(d.name for d in devices)
            why = f"Operation was explicitly assigned to {op.device} but available devices " \
                  f"are [ {avail} ]. Make sure the device specification refers to a valid " \
                  "device."
        elif pinned_by is not None:
            why = f"Cannot colocate nodes '{pinned_by.name}' and '{op.name}': Cannot merge " \
                  f"devices with incompatible ids: '{pinned_by.device}' and '{op.device}'"
        else:
            why = f"Could not satisfy explicit device specification '{op.device}' because " \
                  f"no supported kernel for {spec.device_type} devices is available."
        f, line, _ = op._traceback
        raise errors.InvalidArgumentError(
            None, op, f"Cannot assign a device for operation {op.name}: {why}\n\t "
                      f"[[node {op.name} (defined at {f}:{line}) ]]")
    gpus = [d for d in candidates if d.device_type == "GPU"]
    return gpus[0] if gpus else candidates[0]
