"""The symbolic backward pass: `tf.gradients` adds gradient ops to the graph.

TF's algorithm: find the ops between xs and ys, count each op's pending consumers, seed
the ys, pop ops whose count reaches zero, sum fan-in with one AddN, call the op's gradient
under `gradients/<op>_grad`, set the static shape of each result, and propagate."""
import collections
import contextlib
import contextvars

from flowgraph.framework import dtypes, registry
from flowgraph.framework.graph import Tensor, colocate_with, get_default_graph, name_scope
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.framework.op_builder import convert_to_tensor

__all__ = ["gradients", "hessians", "AggregationMethod"]

# (op, inputs needing a gradient, outputs with no incoming gradient) while `gradients`
# runs op's gradient function
_CONTEXT = contextvars.ContextVar("flowgraph_gradient_context", default=(None, (), ()))


def input_gradients_needed(op):
    """Which of `op`'s inputs the running `gradients` call needs a gradient for (those on a
    path from its xs), one bool per input; all True outside op's gradient function. A
    gradient function may skip work for the others (e.g. a While's backward loop stops
    accumulating the gradient of a captured sequence nobody differentiates) and return
    None for them."""
    current, needed, _ = _CONTEXT.get()
    return list(needed) if current is op else [True] * len(op._inputs)


def output_gradients_zero(op):
    """Which of `op`'s output gradients, as passed to its gradient function, are zeros that
    `gradients` made up because nothing flowed back into that output; all False outside
    op's gradient function."""
    current, _, zero = _CONTEXT.get()
    return list(zero) if current is op else [False] * len(op._outputs)


class AggregationMethod:
    """How fan-in gradients are summed; flowgraph always uses one AddN."""
    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


def _differentiable(t):
    d = t.dtype.base_dtype
    return d.is_floating or d.is_complex or d == dtypes.resource or d == dtypes.variant


def _as_tensors(xs, as_ref=False):
    if xs is None:
        return []
    if not isinstance(xs, (list, tuple)):
        xs = [xs]
    out = []
    for x in xs:
        if isinstance(x, (Tensor, IndexedSlices)):
            out.append(x)
        elif as_ref and hasattr(x, "_ref"):
            out.append(x._ref())
        else:
            out.append(convert_to_tensor(x))
    return out


def _between(from_ops, to_ops):
    """Ops on a path from `from_ops` to `to_ops` (both ends included)."""
    reached = set()
    stack = list(from_ops)
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        for t in op._outputs:
            stack.extend(t._consumers)
    between = set()
    stack = [op for op in to_ops if op in reached]
    while stack:
        op = stack.pop()
        if op in between:
            continue
        between.add(op)
        stack.extend(t.op for t in op._inputs if t.op in reached)
    return between


def _aggregate(grads, cache):
    """Sums the gradients reaching one tensor: AddN for dense, concatenation for sparse,
    or, when all come from ops of one type that says how (`sum_gradients`, e.g. many
    MatMuls sharing a weight), what that op type builds."""
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    from flowgraph.ops import math_ops, array_ops
    if all(isinstance(g, IndexedSlices) for g in grads):
        return IndexedSlices(array_ops.concat([g.values for g in grads], 0),
                             array_ops.concat([g.indices for g in grads], 0),
                             grads[0].dense_shape)
    grads = [convert_to_tensor(g) for g in grads]
    kinds = {g.op._op_def for g in grads}
    if len(grads) > 2 and len(kinds) == 1:
        kind = kinds.pop()
        total = kind.sum_gradients(grads, cache) if kind.sum_gradients else None
        if total is not None:
            return total
    return math_ops.add_n(grads)


def _grad_fn(op):
    override = op._attrs.get("_gradient_op_type")
    fn = registry.gradient_function(override or op.type)
    return fn


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Symbolic derivatives of the sum of `ys` with respect to each of `xs`.

    Returns a list with one entry per x: a Tensor, an IndexedSlices (for sparse
    gradients such as those of `gather`), or None when x does not affect ys
    (zeros with `unconnected_gradients=tf.UnconnectedGradients.ZERO` or `'zero'`)."""
    from flowgraph.framework.enums import unconnected_gradients_value
    unconnected_gradients = unconnected_gradients_value(unconnected_gradients)
    ys = _as_tensors(ys)
    xs = _as_tensors(xs, as_ref=True)
    stop = {t.op if isinstance(t, Tensor) else t for t in _as_tensors(stop_gradients)}
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    graph = (ys or xs)[0].graph
    default = get_default_graph()
    if default.building_function and default.reaches(graph):
        graph = default  # a function body differentiating values it captures or resolves
    with graph.as_default(), name_scope(name, "gradients", ys + xs):
        from flowgraph.ops import array_ops
        seeds = []
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None:
                if not _differentiable(y):
                    raise TypeError(f"Gradients of complex/integer tensors are not "
                                    f"supported: {y}")
                where = colocate_with(y.op) if colocate_gradients_with_ops else \
                    contextlib.nullcontext()
                with where:
                    gy = array_ops.fill(array_ops.shape(y),
                                        _const_one(y.dtype.base_dtype, f"grad_ys_{i}"))
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype.base_dtype)
            seeds.append(gy)

        between = _between([x.op for x in xs], [y.op for y in ys])
        pending = collections.Counter()
        for op in between:
            for t in op._inputs:
                if t.op in between:
                    pending[t.op] += 1
        grads = {}  # op -> [list of grads per output]
        cache = {}  # shared by the sums of this call (e.g. one concatenation per sequence)

        def add_grad(t, g):
            grads.setdefault(t.op, [[] for _ in t.op._outputs])[t.value_index].append(g)

        for y, gy in zip(ys, seeds):
            add_grad(y, gy)
        queue = collections.deque(sorted({y.op for y in ys if pending[y.op] == 0},
                                         key=lambda o: o._id))
        seen = set(queue)
        while queue:
            op = queue.popleft()
            out = [_aggregate(gs, cache)
                   for gs in grads.get(op, [[] for _ in op._outputs])]
            for i, g in enumerate(out):  # keep aggregated values for xs that are outputs
                if op in grads:
                    grads[op][i] = [g] if g is not None else []
            in_grads = [None] * len(op._inputs)
            # Like TF's stop ops: nothing flows past an op none of whose inputs lie
            # between xs and ys (e.g. the op producing an intermediate x).
            if op not in stop and any(g is not None for g in out) and \
                    any(t.op in between for t in op._inputs):
                fn = _grad_fn(op)
                if fn is None:
                    raise LookupError(f"No gradient defined for operation '{op.name}' "
                                      f"(op type: {op.type})")
                if fn != registry.NOT_DIFFERENTIABLE:
                    zero = tuple(g is None for g in out)
                    for i, g in enumerate(out):
                        if g is None and _differentiable(op._outputs[i]):
                            out[i] = array_ops.zeros_like(op._outputs[i])
                    where = colocate_with(op) if colocate_gradients_with_ops else \
                        contextlib.nullcontext()
                    token = _CONTEXT.set((op, tuple(t.op in between for t in op._inputs),
                                          zero))
                    try:
                        with name_scope(op.name + "_grad"), where:
                            in_grads = fn(op, *out)
                    finally:
                        _CONTEXT.reset(token)
                    in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) \
                        else [in_grads]
                    if len(in_grads) != len(op._inputs):
                        raise ValueError(f"Num gradients {len(in_grads)} generated for op "
                                         f"{op.name} do not match num inputs "
                                         f"{len(op._inputs)}")
            for t, g in zip(op._inputs, in_grads):
                if g is None or not _differentiable(t):
                    continue
                if isinstance(g, Tensor) and t.shape.ndims is not None:
                    g.set_shape(t.shape)
                add_grad(t, g)
            for t in op._inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0 and t.op not in seen:
                        seen.add(t.op)
                        queue.append(t.op)
        result = []
        for x in xs:
            gs = grads.get(x.op)
            g = _aggregate(gs[x.value_index], cache) if gs else None
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
        return result


def _const_one(dtype, name):
    from flowgraph.framework.op_builder import constant
    return constant(1, dtype=dtype, name=name)


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False,
             gate_gradients=False, aggregation_method=None):
    """The Hessian of sum(ys) with respect to each x, shaped `x.shape + x.shape`."""
    from flowgraph.ops import array_ops
    xs = _as_tensors(xs, as_ref=True)
    out = []
    with name_scope(name, "hessians", xs):
        for x, g in zip(xs, gradients(ys, xs)):
            if g is None:
                out.append(None)
                continue
            g = convert_to_tensor(g)
            n = x.shape.num_elements()
            if n is None:
                raise ValueError("hessians needs x with a fully defined shape")
            flat = array_ops.reshape(g, [-1])
            rows = []
            for j in range(n):
                r = gradients(flat[j], x)[0]
                rows.append(array_ops.zeros_like(x) if r is None else convert_to_tensor(r))
            out.append(array_ops.reshape(array_ops.stack(rows),
                                         x.shape.as_list() + x.shape.as_list()))
    return out
