"""Compiling (feeds, fetches, targets) into a flat plan: prune, order, bind kernels to slots,
and record when each intermediate can be freed."""
import functools
import heapq

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape

VARIABLE_OPS = frozenset(("VariableV2", "Variable"))


class Plan:
    """A compiled run: `steps` of (fn, input slots, output slot(s), slots to free);
    `feed_slots` maps each fed tensor to its slot."""

    __slots__ = ("steps", "ops", "nslots", "feed_slots", "fetch_slots", "has_state")

    def __init__(self, steps, ops, nslots, feed_slots, fetch_slots, has_state):
        self.steps, self.ops, self.nslots = steps, ops, nslots
        self.feed_slots, self.fetch_slots, self.has_state = feed_slots, fetch_slots, has_state


def input_args(op):
    """The ArgDef of each flat input of `op` (list arguments expanded)."""
    out = []
    for arg in op._op_def.inputs:
        if arg.number_attr:
            out.extend([arg] * op._attrs[arg.number_attr])
        elif arg.type_list_attr:
            out.extend([arg] * len(op._attrs[arg.type_list_attr]))
        else:
            out.append(arg)
    return out


def ref_key(tensor):
    """The variable store key behind a ref-typed tensor."""
    op = tensor.op
    while op.type not in VARIABLE_OPS:
        if not op._op_def.forwards_ref:
            raise errors.InvalidArgumentError(
                None, op, f"Cannot find the variable behind ref tensor {tensor.name}")
        op = op._inputs[0].op
    return op._attrs.get("shared_name") or op._name


def _prune(feeds, fetches, targets):
    """The ops that must run, given that `feeds` are supplied."""
    needed = set()
    stack = [t.op for t in fetches if t not in feeds] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        for arg, t in zip(input_args(op), op._inputs):
            if not arg.is_ref and t not in feeds:
                stack.append(t.op)
        stack.extend(op._control_inputs)
    return needed


def _order(needed, feeds):
    """Kahn's algorithm over data and control edges; ties broken by creation id."""
    deps = {}
    users = {op: [] for op in needed}
    for op in needed:
        ds = {t.op for a, t in zip(input_args(op), op._inputs)
              if not a.is_ref and t not in feeds and t.op in needed}
        ds.update(c for c in op._control_inputs if c in needed)
        deps[op] = len(ds)
        for d in ds:
            users[d].append(op)
    heap = [(op._id, op) for op, n in deps.items() if n == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, op = heapq.heappop(heap)
        order.append(op)
        for u in users[op]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(heap, (u._id, u))
    if len(order) != len(needed):
        raise errors.InvalidArgumentError(None, None, "Graph has a cycle")
    return order


def _kernel_attr(v):
    """Attr values as kernels want them: numpy dtypes and tuple shapes."""
    if isinstance(v, dtypes.DType):
        return np.dtype(v.as_numpy_dtype)
    if isinstance(v, tensor_shape.TensorShape):
        return v.as_tuple_or_none()
    if isinstance(v, list) and v and isinstance(v[0], dtypes.DType):
        return [np.dtype(x.as_numpy_dtype) for x in v]
    return v


def bind_kernel(op, first_arg, in_slots):
    """(fn, ins): a callable over the values of `ins` that runs op's kernel."""
    d = op._op_def
    if d.kernel is None:
        raise errors.UnimplementedError(None, op, f"No kernel registered for op {op.type} "
                                                  f"('{op.name}')")
    bound = {p: (op._name if p == "op_name" else _kernel_attr(op._attrs[p]))
             for p in d.kernel_params}
    args = input_args(op)
    simple = all(not (a.number_attr or a.type_list_attr or a.is_ref) for a in d.inputs)
    if simple:
        fn = functools.partial(d.kernel, first_arg, **bound)
        return fn, tuple(in_slots)
    # Regroup flat input values into the kernel's list and ref arguments.
    layout, ins, pos = [], [], 0
    for arg in d.inputs:
        if arg.number_attr or arg.type_list_attr:
            n = sum(1 for a in args if a is arg)
            layout.append(("list", len(ins), len(ins) + n))
            ins.extend(in_slots[pos:pos + n])
            pos += n
        elif arg.is_ref:
            layout.append(("const", ref_key(op._inputs[pos])))
            pos += 1
        else:
            layout.append(("one", len(ins)))
            ins.append(in_slots[pos])
            pos += 1
    kernel = d.kernel

    def fn(*vals):
        a = [vals[e[1]] if e[0] == "one" else e[1] if e[0] == "const"
             else list(vals[e[1]:e[2]]) for e in layout]
        return kernel(first_arg, *a, **bound)
    return fn, tuple(ins)


def compile_plan(graph, feeds, fetches, targets, ctx, xp=np, log=None):
    """Builds the Plan for fetching `fetches` and running `targets` given `feeds`."""
    feed_set = set(feeds)
    needed = _prune(feed_set, fetches, targets)
    for op in needed:
        if op.type == "Placeholder" and op._outputs[0] not in feed_set:
            shape = op._outputs[0].shape
            shape_s = "<unknown>" if shape.ndims is None else \
                "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"
            f, line, _ = op._traceback
            raise errors.InvalidArgumentError(
                None, op, f"You must feed a value for placeholder tensor '{op.name}' with "
                          f"dtype {op._outputs[0].dtype.name} and shape {shape_s}\n\t "
                          f"[[node {op.name} (defined at {f}:{line}) ]]")
    order = _order(needed, feed_set)
    slot = {}
    for t in feeds:
        slot[t] = len(slot)
    for op in order:
        for t in op._outputs:
            if t not in slot:
                slot[t] = len(slot)
    steps, last_use = [], {}
    for i, op in enumerate(order):
        in_slots = [slot[t] if not a.is_ref else None
                    for a, t in zip(input_args(op), op._inputs)]
        first = ctx if op._op_def.wants_ctx else xp
        fn, ins = bind_kernel(op, first, in_slots)
        for s in ins:
            last_use[s] = i
        outs = [slot[t] for t in op._outputs]
        out = outs[0] if len(outs) == 1 else (tuple(outs) if outs else None)
        steps.append([fn, ins, out, ()])
        if log is not None:
            log(op)
    keep = {slot[t] for t in feeds} | {slot[t] for t in fetches}
    frees = [[] for _ in steps]
    for i, op in enumerate(order):
        for t in op._outputs:
            s = slot[t]
            if s not in keep:
                frees[last_use.get(s, i)].append(s)
    for step, fr in zip(steps, frees):
        step[3] = tuple(sorted(set(fr)))
    steps = [tuple(s) for s in steps]
    has_state = any(op._op_def.stateful for op in order)
    return Plan(steps, order, len(slot), {t: slot[t] for t in feeds},
                [slot[t] for t in fetches], has_state)
