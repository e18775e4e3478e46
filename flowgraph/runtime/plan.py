"""Compiling (feeds, fetches, targets) into a flat plan: prune, order, bind kernels to slots,
and record when each intermediate can be freed."""
import functools
import heapq

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.registry import input_args
from flowgraph.runtime import in_place
from flowgraph.runtime.executor import failed_step, op_error, straight_line

VARIABLE_OPS = frozenset(("VariableV2", "Variable"))


class Plan:
    """A compiled run: `steps` of (fn, input slots, output slot(s), slots to free);
    `feed_slots` maps each fed tensor to its slot."""

    __slots__ = ("steps", "ops", "step_devices", "nslots", "feed_slots", "fetch_slots",
                 "has_state", "template", "_graph", "runner", "late", "fetch_wrapped",
                 "optimizer_stats")

    def __init__(self, steps, ops, step_devices, nslots, feed_slots, fetch_slots, has_state,
                 template):
        self.steps, self.ops, self.step_devices, self.nslots = steps, ops, step_devices, nslots
        self.feed_slots, self.fetch_slots, self.has_state = feed_slots, fetch_slots, has_state
        self.template = template  # the slots' values before a run: constants filled in
        self._graph = None
        self.fetch_wrapped = False  # some fetch's op declares `fetch_as` (Session.run)
        self.runner = None  # (function, feed order) once executor.straight_line compiles it
        self.late = 0  # the last `late` steps read fetched variables: they run after the rest
        self.optimizer_stats = None  # grappler.driver.Stats of the passes that made it

    def dependency_graph(self):
        """(users, in-degrees, readers per slot) of the steps, for the parallel executor:
        data edges through slots plus the ops' control edges."""
        if self._graph is None:
            producer = {}
            for i, (_, _, out, _) in enumerate(self.steps):
                for s in () if out is None else (out,) if out.__class__ is int else out:
                    producer[s] = i
            step_of = {op: i for i, op in enumerate(self.ops)}
            users = [set() for _ in self.steps]
            indeg = [0] * len(self.steps)
            readers = [0] * self.nslots
            for i, (op, (_, ins, _, _)) in enumerate(zip(self.ops, self.steps)):
                deps = {producer[s] for s in ins if s in producer}
                deps.update(step_of[t.op] for t in op._inputs
                            if t.op in step_of and not by_reference(t))  # as _order
                deps.update(step_of[c] for c in getattr(op, "_control_inputs", ())
                            if c in step_of)
                if i >= len(self.steps) - self.late:  # after every other step
                    deps.update(range(len(self.steps) - self.late))
                for d in deps:
                    users[d].add(i)
                indeg[i] = len(deps)
                for s in ins:
                    readers[s] += 1
            self._graph = ([tuple(sorted(u)) for u in users], indeg, readers)
        return self._graph


def ref_key(tensor):
    """The variable store key behind a ref-typed tensor."""
    op = tensor.op
    while op.type not in VARIABLE_OPS:
        if not (op._op_def.forwards_ref or op.type == "Identity"):
            raise errors.InvalidArgumentError(
                None, op, f"Cannot find the variable behind ref tensor {tensor.name}")
        op = op._inputs[0].op
    return op._attrs.get("shared_name") or op._name


class RefKey(str):
    """A variable's store key as a ref argument receives it, with the ref's static shape
    (so assignments can check the declared shape before the variable has a value)."""

    def __new__(cls, key, shape):
        k = super().__new__(cls, key)
        k.shape = shape
        return k


def by_reference(t, feeds=()):
    """Tensors that stand for a variable's current value: the variable's own output, or an
    Identity of one with no control inputs (a snapshot such as `v/read`, which in TF
    aliases the variable's buffer). Their consumers read the store when they run, so
    they see every update that ran before them, and the variable ops need no steps.
    A fed tensor on the way replaces the variable's value for the run, as in TF."""
    op = t._op
    while op._op_def.name == "Identity" and not op._control_inputs:
        if t in feeds:
            return False
        t = op._inputs[0]
        op = t._op
    return op._op_def.name in VARIABLE_OPS and t not in feeds


def _prune(feeds, fetches, targets):
    """The ops that must run, given that `feeds` are supplied."""
    needed = set()
    stack = [t.op for t in fetches if t not in feeds] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        for t in op._inputs:
            if t not in feeds and not by_reference(t, feeds):
                stack.append(t.op)
        # A control input whose outputs are all fed is satisfied by the feed.
        stack.extend(c for c in op._control_inputs
                     if not c._outputs or any(t not in feeds for t in c._outputs))
    return needed


def _order(needed, feeds, producer=None):
    """Kahn's algorithm over data and control edges; ties broken by creation id.
    `producer` maps tensors to the optimizer's nodes producing them."""
    deps = {}
    users = {op: [] for op in needed}
    for op in needed:
        ds = {t.op if producer is None else producer.get(t, t.op) for t in op._inputs
              if t not in feeds and not by_reference(t, feeds)}
        ds.intersection_update(needed)
        ds.update(c for c in op._control_inputs if c in needed)
        deps[op] = len(ds)
        for d in ds:
            users[d].append(op)
    heap = [(op._id, getattr(op, "_sub", 0), op) for op, n in deps.items() if n == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        op = heapq.heappop(heap)[2]
        order.append(op)
        for u in users[op]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(heap, (u._id, getattr(u, "_sub", 0), u))
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


def bind_kernel(op, first_arg, in_slots, ctx=None, compile_fn=None):
    """(fn, ins): a callable over the values of slots `ins` that runs op's kernel.

    `in_slots` has a slot per flat input, or None for an input read from a variable:
    a ref argument then receives the variable's store key, a value argument the
    variable's value read (through `ctx`) when the step runs."""
    d = op._op_def
    if d.binder is not None:  # control flow: the op runs compiled sub-plans
        fn = d.binder(op, first_arg, compile_fn)
        if None in in_slots:  # some inputs are variable reads: done when the op runs
            return _with_reads(fn, op, in_slots, ctx)
        return fn, tuple(in_slots)
    if d.kernel is None:
        raise errors.UnimplementedError(None, op, f"No kernel registered for op {op.type} "
                                                  f"('{op.name}')")
    bound = {p: (op._name if p == "op_name" else _kernel_attr(op._attrs[p]))
             for p in d.kernel_params}
    args = input_args(op)
    simple = None not in in_slots and \
        all(not (a.number_attr or a.type_list_attr or a.is_ref) for a in d.inputs)
    if simple and d.xp_function:
        return getattr(first_arg, d.xp_function), tuple(in_slots)
    if simple:
        return functools.partial(d.kernel, first_arg, **bound), tuple(in_slots)
    if op._attrs.get("use_locking") and ctx is not None:
        fn, ins = _unlocked_kernel(op, first_arg, in_slots, ctx, bound, args)
        keys = sorted({ref_key(t) for a, t in zip(args, op._inputs) if a.is_ref})
        return _locked(fn, [ctx.lock(k) for k in keys]), ins
    return _unlocked_kernel(op, first_arg, in_slots, ctx, bound, args)


def _locked(fn, locks):
    """`fn` run holding `locks` (the variables' own, taken in key order so that two
    updates of the same variables never wait on each other): a `use_locking` update's
    read, compute and write happen as one step for every other locked update."""
    if len(locks) == 1:
        lock = locks[0]

        def one(*vals):
            with lock:
                return fn(*vals)
        return one

    def many(*vals):
        for lk in locks:
            lk.acquire()
        try:
            return fn(*vals)
        finally:
            for lk in reversed(locks):
                lk.release()
    return many


def _unlocked_kernel(op, first_arg, in_slots, ctx, bound, args):
    """bind_kernel's general case: a kernel with list, ref or variable-read arguments."""
    d = op._op_def
    # Regroup flat input values into the kernel's list, ref and variable-read arguments.
    layout, ins, pos = [], [], 0

    def one(k):
        t, s = op._inputs[k], in_slots[k]
        if args[k].is_ref:
            return ("const", RefKey(ref_key(t), t.shape.as_tuple_or_none()))
        if s is None:
            return ("read", ref_key(t))
        ins.append(s)
        return ("one", len(ins) - 1)

    for arg in d.inputs:
        if arg.number_attr or arg.type_list_attr:
            n = sum(1 for a in args if a is arg)
            layout.append(("list", [one(k) for k in range(pos, pos + n)]))
            pos += n
        else:
            layout.append(one(pos))
            pos += 1
    kernel = d.kernel

    def get(e, vals):
        kind, v = e
        return vals[v] if kind == "one" else v if kind == "const" else ctx.read_local(v)

    def fn(*vals):
        a = [[get(e, vals) for e in x[1]] if x[0] == "list" else get(x, vals)
             for x in layout]
        return kernel(first_arg, *a, **bound)
    return fn, tuple(ins)


def _with_reads(fn, op, in_slots, ctx):
    """`fn` over all of op's inputs, called with slot values plus variables read at run."""
    keys = [None if s is not None else ref_key(t) for s, t in zip(in_slots, op._inputs)]

    def call(*vals):
        it = iter(vals)
        return fn(*[next(it) if k is None else ctx.read_local(k) for k in keys])
    return call, tuple(s for s in in_slots if s is not None)


def compile_plan(graph, feeds, fetches, targets, contexts, devices, soft_placement=False,
                 log=None, host=None, rewrite=None):
    """Builds the Plan for fetching `fetches` and running `targets` given `feeds`.

    `devices` are the session's devices and `contexts` their RunContexts; feeds arrive on
    and fetches return to `host` (default: the first device; for a sub-plan, the device of
    the op running it). Each op is placed; each (tensor, destination device) pair that
    crosses devices gets one transfer step. The graph optimizer (`runtime/grappler`)
    rewrites the pruned ops first, as `rewrite` (a RewriterConfig; None: TF's defaults)
    says; `False` compiles the ops as they are."""
    from flowgraph.runtime.placer import place
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
    alias, producer, stats = {}, None, None
    if rewrite is not False:
        needed, alias, producer, stats = _optimize(needed, feed_set, fetches, targets, rewrite)
    order = _order(needed, feed_set, producer)
    # A fetched variable (or a snapshot of one) is read after everything else, as TF's
    # fetch of it aliases the variable's buffer: it shows the run's updates.
    late = {op for op in order
            if op._outputs and all(by_reference(t, feed_set) for t in op._outputs)}
    order = [op for op in order if op not in late] + [op for op in order if op in late]
    host = host or devices[0]
    placement = place(order, devices, graph, soft_placement)
    slot, where = {}, {}  # tensor -> slot; slot -> device holding it
    for t in feeds:
        slot[t] = len(slot)
        where[slot[t]] = host
    shadow = {}  # a fed output of an op that runs anyway: the op writes a scratch slot
    for op in order:
        for t in op._outputs:
            key = (t, "fed") if t in feed_set else t
            if key not in slot:
                slot[key] = len(slot)
                where[slot[key]] = placement[op]
            if key is not t:
                shadow[t] = slot[key]
    steps, step_ops, step_devices, transfers = [], [], [], {}

    def compile_function(device, fg, extra=()):
        """A runner `run(*input values) -> outputs` for a FuncGraph's sub-plan, run by an
        op on `device` (where its inputs and outputs live); it returns the values of
        tensors `extra` of fg after the outputs. Sub-plans run inside a run that owns the
        variable journal (If and While are stateful)."""
        want = list(fg.outputs) + list(extra)
        outs = list(dict.fromkeys(want))
        sub = compile_plan(fg, list(fg.inputs), outs, fg.stateful_ops(), contexts, devices,
                           soft_placement, host=device, rewrite=rewrite)
        code, order = straight_line(sub)  # takes the inputs in fg.inputs order
        index = [outs.index(t) for t in want]
        same = index == list(range(len(outs)))

        def run(*values):
            try:
                got = code(*values)
            except Exception as e:
                raise op_error(e, sub.ops[failed_step(code, e)]) from e
            return got if same else [got[i] for i in index]
        return run

    def on(t, dev):
        """The slot holding tensor t on device dev, adding one transfer step if needed."""
        s0 = slot[t]
        if where[s0] is dev:
            return s0
        key = (s0, dev)
        if key not in transfers:
            s1 = len(slot) + len(transfers)
            transfers[key] = s1
            where[s1] = dev
            steps.append([functools.partial(_transfer, dev, where[s0]), (s0,), s1, ()])
            step_ops.append(_TransferOp(t, where[s0], dev))
            step_devices.append(dev.name)
        return transfers[key]

    consts = {}
    for op in order:
        dev = placement[op]
        for k, (a, t) in enumerate(zip(input_args(op), op._inputs)):
            if a.is_ref and t in feed_set:  # a fed value is no variable to write to
                dt = dtypes.type_string(t.dtype)
                raise errors.InvalidArgumentError(
                    None, op, f"Input {k} of node {op.name} was passed {dt} from {t.name} "
                              f"incompatible with expected {dt}_ref.")
        in_slots = [None if a.is_ref or by_reference(t, feed_set)
                    else on(t, dev) for a, t in zip(input_args(op), op._inputs)]
        first = contexts[dev] if op._op_def.wants_ctx else dev.xp
        fn, ins = bind_kernel(op, first, in_slots, contexts[dev],
                              functools.partial(compile_function, dev))
        if dev.device_type == "GPU" and dev.index:
            fn = _on_gpu(fn, dev)
        if op.type == "Const" and not op._control_inputs:
            try:  # a constant is put in place, not run
                consts[slot[op._outputs[0]]] = fn()
            except Exception as e:  # e.g. no room for it on a GPU
                raise op_error(e, op) from e
            if log is not None:
                log(op, dev)
            continue
        outs = [shadow.get(t, slot[t]) for t in op._outputs]
        listed = any(a.number_attr or a.type_list_attr for a in op._op_def.outputs)
        out = None if not outs else outs[0] if len(outs) == 1 and not listed else tuple(outs)
        steps.append([fn, ins, out, ()])
        step_ops.append(op)
        step_devices.append(dev.name)
        if log is not None:
            log(op, dev)
    fetched = [alias.get(t, t) for t in fetches]
    fetch_slots = [slot[t] if where[slot[t]] is host or where[slot[t]].device_type ==
                   host.device_type == "CPU" else on(t, host) for t in fetched]
    nslots = len(slot) + len(transfers)
    keep = {slot[t] for t in feeds} | set(fetch_slots)
    template = [None] * nslots
    for s, v in consts.items():
        template[s] = v
    last_use = {}
    for i, (fn, ins, out, _) in enumerate(steps):
        for s in ins:
            last_use[s] = i
    frees = [[] for _ in steps]
    for i, (fn, ins, out, _) in enumerate(steps):
        outs = () if out is None else (out,) if out.__class__ is int else out
        for s in outs:
            if s not in keep:
                frees[last_use.get(s, i)].append(s)
    for s in consts:  # a run's copy of a constant slot is dropped after its last reader
        if s not in keep and s in last_use:
            frees[last_use[s]].append(s)
    for step, fr in zip(steps, frees):
        step[3] = tuple(sorted(set(fr)))
    in_place.plan_steps(steps, step_ops, [s[0] if isinstance(s[0], np.ufunc) else None
                                          for s in steps], keep | set(consts))
    steps = [tuple(s) for s in steps]
    has_state = any(op._op_def.stateful for op in order)
    plan = Plan(steps, step_ops, step_devices, nslots, {t: slot[t] for t in feeds},
                fetch_slots, has_state, template)
    plan.late = sum(1 for op in step_ops if op in late)
    plan.optimizer_stats = stats
    return plan


def _optimize(needed, feeds, fetches, targets, rewrite):
    """(ops, fetch aliases, tensor producers, Stats) after the graph optimizer's passes."""
    from flowgraph.runtime import grappler
    view = grappler.GraphView(needed, feeds, fetches, targets, by_reference, bind_kernel)
    try:
        stats = grappler.optimize(view, rewrite or None)
        if not stats.passes:
            return needed, {}, None, stats
        return view.finish(), view.alias, view.producer, stats
    except Exception as e:  # a bug in a pass must not stop the run
        grappler.report_failure(e, rewrite or None)
        return needed, {}, None, None


def _on_gpu(fn, dev):
    """`fn` run with `dev` (a GPU other than 0) as CuPy's current device."""
    def run(*args):
        with dev.xp.cuda.Device(dev.index):
            return fn(*args)
    return run


def _transfer(dst, src, value):
    return dst.copy_from(value, src)


class _TransferOp:
    """Stands in for an Operation in a plan's `ops` list for a transfer step."""

    def __init__(self, tensor, src, dst):
        self.name = f"{tensor.op.name}/_send_{src.device_type}{src.index}" \
                    f"_to_{dst.device_type}{dst.index}"
        self.type = "_Transfer"
        self._inputs = (tensor,)
        self._traceback = tensor.op._traceback
        self._op_def = None
        self.device = dst.name
