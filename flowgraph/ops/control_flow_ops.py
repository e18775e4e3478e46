"""Functional control flow: `If` and `While` ops hold their branches and bodies as
FuncGraphs, each compiled once into a sub-plan; `tf.cond`, `tf.case`, `tf.while_loop`.

Gradients are graph ops too. An If's gradient is another If whose branches differentiate
the forward branches, reading the forward values they need as extra outputs of the forward
If. A While's gradient is a While running backwards over
the iterations; the forward loop records, every iteration, the body values that the
gradient ops read (only when a gradient exists), and the backward body reads them back."""
import numpy as np

from flowgraph.framework import dtypes, nest, tensor_shape
from flowgraph.framework import func_graph
from flowgraph.framework.graph import Operation, Tensor, get_default_graph, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, create_op
from flowgraph.framework.registry import defop, input_args, NOT_DIFFERENTIABLE

__all__ = ["cond", "case", "while_loop"]


# -- building function graphs --------------------------------------------------------------
def _trace(name, fn, specs):
    """FuncGraph of `fn` applied to placeholders for `specs` [(dtype, shape)]; returns
    (graph, structured result with tensors converted, flat output tensors)."""
    def traced(*args):
        fg = get_default_graph()
        return nest.map_structure(
            lambda x: x if x is None or isinstance(x, Operation) else
            fg.capture(convert_to_tensor(x)), fn(*args))  # an outer tensor returned as is
    fg, result = func_graph.trace(name, traced, specs, get_default_graph())
    fg.outputs = [t for t in nest.flatten(result) if isinstance(t, Tensor)]
    return fg, result


def _input_index(outer_inputs, fg):
    """Positions in `outer_inputs` of the tensors `fg` captured. Computed when the op is
    built and kept in an attr: a replayed copy of the op has other input tensors at the
    same positions."""
    pos = {t: i for i, t in enumerate(outer_inputs)}
    return [pos[t] for t in fg.captured_outer]


def _union_captures(*fgs):
    seen = {}
    for fg in fgs:
        for t in fg.captured_outer:
            seen.setdefault(t, None)
    return list(seen)


# -- If ----------------------------------------------------------------------------------
@defop("If", inputs=("cond: Tcond", "input: Tin"), outputs=("output: Tout",),
       attrs={"Tin": [], "Tout": [], "then_branch": None, "else_branch": None,
              "output_shapes": []}, stateful=True)
class If:
    """Runs `then_branch` or `else_branch` on `input`, as `cond` says; only that one runs."""

    def shape(op):
        return op.get_attr("output_shapes")

    def bind(op, ctx, compile_fn):
        branches = []
        for attr in ("then_branch", "else_branch"):
            branches.append((compile_fn(op.get_attr(attr)), op.get_attr(f"_{attr}_inputs")))
        (run_t, idx_t), (run_f, idx_f) = branches

        def run(cond, *inputs):
            if cond:
                return run_t(*[inputs[i] for i in idx_t])
            return run_f(*[inputs[i] for i in idx_f])
        return run

    def constant_branch(op, pred):
        attr = "then_branch" if pred else "else_branch"
        return op.get_attr(attr), [1 + i for i in op.get_attr(f"_{attr}_inputs")]

    def grad(op, *dys):
        return _if_grad(op, dys)


def _if_grad(op, dys):
    """An If over the same predicate whose branches differentiate the forward branches.
    Their gradient ops are built from the forward branch's own ops; every forward value
    they read becomes an output of the forward If (as TF's cond_v2 does), so nothing is
    recomputed and random or stateful ops in a branch run once."""
    from flowgraph.gradients import gradients
    from flowgraph.ops import array_ops
    pred, ext = op.inputs[0], list(op.inputs[1:])
    diff = [j for j, t in enumerate(ext) if _differentiable(t)]
    # Zero seeds the gradient pass made for unused outputs carry nothing: drop them.
    dys = [None if d is None or (isinstance(d, Tensor) and d.op.type == "ZerosLike" and
                                 d.op.inputs[0] is op.outputs[i]) else convert_to_tensor(d)
           for i, d in enumerate(dys)]
    if not diff:
        return [None] * len(op.inputs)
    if all(d is None for d in dys):  # only zeros flow back (as through tf.sign): zeros, as TF
        out = [None] * len(op.inputs)
        for j in diff:
            out[1 + j] = array_ops.zeros_like(ext[j])
        return out

    def branch_grad(attr):
        fg = op.get_attr(attr)
        caps = dict(zip(fg.inputs, op.get_attr(f"_{attr}_inputs")))  # placeholder -> j

        def fn():
            if _holds_while(fg):  # see _replays_branch
                return _replay_gradients(fg, [ext[j] for j in caps.values()],
                                         list(caps), dys, ext)
            g = get_default_graph()
            read = {}

            def resolve(t):  # a forward-branch value the gradient needs
                if t not in read:
                    with g.as_default():  # also when asked from a function nested in g
                        read[t] = g.capture(ext[caps[t]] if t in caps else
                                            _if_output(op, attr, t))
                return read[t]
            g.resolves = (fg, resolve)
            pairs = [(o, d) for o, d in zip(list(fg.outputs), dys)
                     if d is not None and _differentiable(o)]
            phs = {j: ph for ph, j in caps.items()}
            xs = [phs.get(j) for j in diff]
            wrt = [x for x in xs if x is not None]
            gs = iter(gradients([o for o, _ in pairs], wrt,
                                grad_ys=[g.capture(d) for _, d in pairs])
                      if pairs and wrt else [None] * len(wrt))
            out = []
            for j, x in zip(diff, xs):
                gr = next(gs) if x is not None else None
                out.append(array_ops.zeros_like(g.capture(ext[j])) if gr is None
                           else convert_to_tensor(gr))
            return out
        return fn

    grads = cond(pred, branch_grad("then_branch"), branch_grad("else_branch"),
                 name="If_grad")
    grads = grads if isinstance(grads, (list, tuple)) else [grads]
    out = [None] * len(op.inputs)
    for j, gr in zip(diff, grads):
        out[1 + j] = gr
    return out


def _if_output(op, attr, t):
    """The output of If `op` carrying tensor `t` of its branch `attr`: `t` becomes a new
    output of that branch, and the other branch returns a dummy of t's type there."""
    fg = op.get_attr(attr)
    first = len(fg.outputs) - fg.gradient_outputs  # a user output may be fed: never reuse it
    if t in fg.outputs[first:]:
        return op.outputs[first + fg.outputs[first:].index(t)]
    other = op.get_attr("else_branch" if attr == "then_branch" else "then_branch")
    dtype = t.dtype.base_dtype
    if dtype == dtypes.resource:
        raise NotImplementedError(
            f"The gradient of cond '{op.name}' needs {t.name} (resource) from its branch; "
            "resources cannot leave a cond branch yet.")
    with other.as_default(), name_scope(None):
        if dtype == dtypes.variant:  # a TensorList (a loop's accumulator): an empty one
            from flowgraph.ops import list_ops
            dummy = list_ops.tensor_list_reserve(None, 0, dtypes.float32)
        else:
            dims = t.shape.as_list() if t.shape.ndims is not None else []
            dummy = _zeros([d or 0 for d in dims], dtype)
    fg.outputs.append(t)
    other.outputs.append(dummy)
    fg.gradient_outputs += 1
    other.gradient_outputs += 1
    shape = t.shape.most_specific_compatible_shape(dummy.shape)
    new = Tensor(op, len(op._outputs), dtype, shape)
    op._outputs += (new,)
    op._attrs["Tout"] = list(op._attrs["Tout"]) + [dtype]
    op._attrs["output_shapes"] = list(op._attrs["output_shapes"]) + [shape]
    return new


# A branch holding a while loop is replayed for its gradient: reading the loop's record from
# the gradient If works when run, but a GraphDef cannot carry that record across the two
# Ifs yet (the exporter threads tensors only from enclosing graphs), and savers export the
# graph. So random ops in a loop in a cond draw again in the backward pass (a known
# difference from TF).
def _holds_while(fg):
    """Whether function `fg` runs a While, directly or in a nested function."""
    for o in fg._ops:
        if o.type == "While" or (o.type == "If" and any(
                _holds_while(o.get_attr(a)) for a in ("then_branch", "else_branch"))):
            return True
    return False


def _replay_gradients(fg, outer_inputs, fg_inputs, dys, wrt_outer):
    """Inside a new function graph: replays `fg` on captures of `outer_inputs`, and returns
    the gradients of its outputs (seeded with captured `dys`) for each of `wrt_outer`
    (zeros where `fg` does not depend on it); non-float entries are skipped."""
    from flowgraph.gradients import gradients
    from flowgraph.ops import array_ops
    g = get_default_graph()
    caps = [g.capture(t) for t in outer_inputs]
    m = _replay(fg, dict(zip(fg_inputs, caps)))
    outs = [m[t] for t in fg.outputs]
    seeds = [None if d is None else g.capture(d) for d in dys]
    pairs = [(o, s) for o, s in zip(outs, seeds) if s is not None and _differentiable(o)]
    xs = [g.capture(t) for t in wrt_outer if _differentiable(t)]
    gs = gradients([o for o, _ in pairs], xs, grad_ys=[s for _, s in pairs]) if pairs \
        else [None] * len(xs)
    return [array_ops.zeros_like(x) if gr is None else convert_to_tensor(gr)
            for x, gr in zip(xs, gs)]


def _zeros(shape, dtype):
    from flowgraph.ops import array_ops
    if dtype == dtypes.string:
        return array_ops.fill(shape, convert_to_tensor(b""))
    return array_ops.zeros(shape, dtype=dtype)


def _differentiable(t):
    d = t.dtype.base_dtype
    return d.is_floating or d.is_complex or d == dtypes.variant  # variant: TensorArrays


def _replay(fg, mapping):
    """Re-creates the ops of `fg` in the default graph, its inputs replaced by `mapping`
    (placeholder -> tensor); returns the mapping extended to every tensor of fg."""
    m = dict(mapping)
    for op in fg._ops:
        if all(t in m for t in op._outputs):
            continue
        flat = [m[t] for t in op._inputs]
        grouped, pos, args = [], 0, input_args(op)
        for arg in op._op_def.inputs:
            n = sum(1 for a in args if a is arg)
            if arg.number_attr or arg.type_list_attr:
                grouped.append(flat[pos:pos + n])
            else:
                grouped.append(flat[pos])
            pos += n
        attrs = {k: v for k, v in op._attrs.items()}
        new = create_op(op.type, grouped, attrs, name=op.name.split("/")[-1])
        for t, u in zip(op._outputs, new._outputs):
            m[t] = u
    return m


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`true_fn()` if `pred` else `false_fn()`; only the taken branch runs. Both must
    return the same structure of tensors with the same dtypes."""
    true_fn, false_fn = true_fn or fn1, false_fn or fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    with name_scope(name, "cond", [pred]) as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype.base_dtype != dtypes.bool:
            raise TypeError(f"pred must be a bool tensor, got {pred.dtype.name}")
        if pred.shape.ndims not in (None, 0):
            raise ValueError(f"pred must be a scalar, got shape {pred.shape}")
        then_fg, then_res = _trace(scope + "true", lambda: true_fn(), [])
        else_fg, else_res = _trace(scope + "false", lambda: false_fn(), [])
        try:
            nest.assert_same_structure(then_res, else_res)
        except ValueError as e:
            raise ValueError(f"true_fn and false_fn must return the same structure: {e}")
        for a, b in zip(then_fg.outputs, else_fg.outputs):
            if a.dtype.base_dtype != b.dtype.base_dtype:
                raise TypeError(f"Outputs of true_fn and false_fn must have the same type: "
                                f"{a.dtype.name}, {b.dtype.name}")
        ext = _union_captures(then_fg, else_fg)
        shapes = [a.shape.most_specific_compatible_shape(b.shape)
                  for a, b in zip(then_fg.outputs, else_fg.outputs)]
        op = create_op("If", [pred, ext], {
            "Tcond": dtypes.bool, "Tout": [t.dtype.base_dtype for t in then_fg.outputs],
            "then_branch": then_fg, "else_branch": else_fg, "output_shapes": shapes,
            "_then_branch_inputs": _input_index(ext, then_fg),
            "_else_branch_inputs": _input_index(ext, else_fg)}, name=scope)
    outs = iter(op._outputs)
    flat = [next(outs) if isinstance(x, Tensor) else (op if isinstance(x, Operation) else x)
            for x in nest.flatten(then_res)]
    return nest.pack_sequence_as(then_res, flat)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first true predicate in `pred_fn_pairs` (else `default`)."""
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    pairs = list(pred_fn_pairs)
    if default is None:
        if not pairs:
            raise ValueError("case needs at least one predicate or a default")
        pairs, default = pairs[:-1], pairs[-1][1]
    with name_scope(name, "case"):
        fn = default
        for p, f in reversed(pairs):
            fn = (lambda p, f, rest: lambda: cond(p, f, rest))(p, f, fn)
        return fn()


# -- While -------------------------------------------------------------------------------
@defop("While", inputs=("input: T",), outputs=("output: T",),
       attrs={"T": [], "cond": None, "body": None, "output_shapes": [],
              "parallel_iterations": 10}, stateful=True)
class While:
    """Runs `body` on the loop variables while `cond` holds; captured inputs pass through."""

    def shape(op):
        return op.get_attr("output_shapes")

    def bind(op, ctx, compile_fn):
        cond_fg, body_fg = op.get_attr("cond"), op.get_attr("body")
        nv = len(body_fg.outputs)
        taped = getattr(op, "_taped", None)  # body tensors a gradient reads, if any
        run_c, idx_c = compile_fn(cond_fg), op.get_attr("_cond_inputs")
        run_b, idx_b = compile_fn(body_fg, taped or ()), op.get_attr("_body_inputs")

        def run(*inputs):
            vs, ex = list(inputs[:nv]), inputs[nv:]
            ce, be = [ex[i] for i in idx_c], [ex[i] for i in idx_b]
            if taped is None:
                while run_c(*vs, *ce)[0]:
                    vs = run_b(*vs, *be)
                return vs + list(ex)
            tape = ctx.tapes[op] = []
            while run_c(*vs, *ce)[0]:
                out = run_b(*vs, *be)
                vs = out[:nv]
                tape.append(out[nv:])
            return vs + list(ex)
        return run

    def grad(op, *dys):
        return _while_grad(op, dys)


@defop("WhileTapeSize", inputs=("handle: T",), outputs=("size: int32",),
       attrs={"forward": None}, stateful=True)
class WhileTapeSize:
    """How many iterations the `forward` While ran in this run (`handle`: its output)."""
    shape = staticmethod(lambda op: tensor_shape.TensorShape([]))

    def bind(op, ctx, compile_fn):
        fwd, xp = op.get_attr("forward"), ctx.xp
        return lambda handle: xp.asarray(len(ctx.tapes[fwd]), dtype=np.int32)
    grad = NOT_DIFFERENTIABLE


@defop("WhileTapeRead", inputs=("index: int32",), outputs=("value: dtype",),
       attrs={"forward": None, "var": 0, "dtype": None, "shape": None}, stateful=True)
class WhileTapeRead:
    """The value that body tensor number `var` of the `forward` While's record had in
    iteration `index`."""
    shape = staticmethod(lambda op: op.get_attr("shape"))

    def bind(op, ctx, compile_fn):
        fwd, k, device = op.get_attr("forward"), op.get_attr("var"), ctx.device
        if device is None:  # a context without a device: values as recorded
            return lambda index: ctx.tapes[fwd][int(index)][k]
        # the loop may have recorded on another device (a loop over TensorLists runs on
        # the host)
        return lambda index: device.put(ctx.tapes[fwd][int(index)][k])
    grad = NOT_DIFFERENTIABLE


def _tape_read(op, t, i):
    """A read of forward-body tensor `t` of While `op` as it was in iteration `i`: `t`
    joins the tensors the forward loop records every iteration (`op._taped`)."""
    taped = op._taped
    if t not in taped:
        taped.append(t)
    return apply_op("WhileTapeRead", [i], {
        "forward": op, "var": taped.index(t), "dtype": t.dtype.base_dtype, "shape": t.shape})


def _always_zero(body_fg, diff_v, zero):
    """The loop variables among `zero` (no incoming gradient) whose gradient stays zero in
    every backward iteration: their body input reaches no body output whose gradient may
    be nonzero (e.g. a TensorArray of outputs the loss never reads). The backward loop
    carries no gradient for them, so it neither builds nor runs their zeros."""
    reach = {}
    for k in diff_v:
        seen, stack, hit = set(), [body_fg.inputs[k]], set()
        while stack:
            t = stack.pop()
            hit.add(t)
            for c in t._consumers:
                if c not in seen:
                    seen.add(c)
                    stack.extend(c._outputs)
        reach[k] = {i for i, o in enumerate(body_fg.outputs) if o in hit}
    zero = set(zero)
    while True:
        live = set(diff_v) - zero
        drop = {k for k in zero if reach[k] & live}
        if not drop:
            return zero
        zero -= drop


def _while_grad(op, dys):
    """Backward loop: i from n-1 down to 0 pulls the running gradients back through the
    body as it ran in iteration i. The gradient ops are built from the forward body; every
    forward value they read is recorded by the forward loop and read back from its tape
    (a body holding a While of its own is replayed instead: the inner loop's record is
    per run, so it must run again)."""
    from flowgraph.ops import array_ops, math_ops
    from flowgraph.gradients import gradients, input_gradients_needed, \
        output_gradients_zero
    body_fg = op.get_attr("body")
    nv = len(body_fg.outputs)
    ext = list(op.inputs[nv:])
    needed = input_gradients_needed(op)
    diff_v = [k for k in range(nv) if _differentiable(op.inputs[k])]
    made_up = output_gradients_zero(op)
    zero = _always_zero(body_fg, diff_v, {k for k in diff_v if dys[k] is None or made_up[k]})
    diff_v = [k for k in diff_v if k not in zero]
    # a captured input's gradient only accumulates; skip those nobody asked for
    diff_e = [j for j, t in enumerate(ext) if _differentiable(t) and needed[nv + j]]
    if not diff_v and not diff_e:
        return [None] * len(op.inputs)
    if getattr(op, "_taped", None) is None:
        op._taped = []
    caps = dict(zip(body_fg.inputs[nv:], op.get_attr("_body_inputs")))  # placeholder -> j
    cap_ph = {j: ph for ph, j in caps.items()}
    replay = _holds_while(body_fg)
    n = apply_op("WhileTapeSize", [op.outputs[0]], {"forward": op})
    init = [math_ops.subtract(n, 1)]
    init += [array_ops.zeros_like(op.outputs[k]) if dys[k] is None
             else convert_to_tensor(dys[k]) for k in diff_v]
    init += [array_ops.zeros_like(ext[j]) for j in diff_e]

    def body(i, *acc):
        dv, de = list(acc[:len(diff_v)]), list(acc[len(diff_v):])
        g = get_default_graph()
        read = {}

        def resolve(t):  # a forward-body value the gradient needs
            if t not in read:
                with g.as_default():  # also when asked from a function nested in g
                    read[t] = g.capture(ext[caps[t]]) if t in caps else _tape_read(op, t, i)
            return read[t]
        g.resolves = (body_fg, resolve)
        if replay:
            m = _replay(body_fg, {ph: resolve(ph) for ph in body_fg.inputs})
        else:
            m = {t: t for o in body_fg._ops for t in o._outputs}
        outs = [m[t] for t in body_fg.outputs]
        xs = [m[body_fg.inputs[k]] for k in diff_v] + \
            [m[cap_ph[j]] if j in cap_ph else g.capture(ext[j]) for j in diff_e]
        pairs = [(outs[k], d) for k, d in zip(diff_v, dv)]
        gs = gradients([o for o, _ in pairs], xs, grad_ys=[d for _, d in pairs]) \
            if pairs else [None] * len(xs)
        gs = [array_ops.zeros_like(x) if gr is None else convert_to_tensor(gr)
              for x, gr in zip(xs, gs)]
        new_dv = gs[:len(diff_v)]
        new_de = [math_ops.add_n([a, b]) for a, b in zip(de, gs[len(diff_v):])]
        return [i - 1] + new_dv + new_de

    # Gradients take their loop variables' shapes (a seed may be more specific than the
    # forward loop variable, e.g. after a bias_add fixed a dim).
    fwd = [body_fg.inputs[k].shape for k in diff_v] + [ext[j].shape for j in diff_e]
    invariants = [init[0].shape] + [t.shape.most_specific_compatible_shape(s)
                                    for t, s in zip(init[1:], fwd)]
    res = while_loop(lambda i, *acc: math_ops.greater_equal(i, 0), body, init,
                     shape_invariants=invariants, name="While_grad",
                     return_same_structure=True)
    res = list(res)
    out = [None] * len(op.inputs)
    for k in zero:
        out[k] = array_ops.zeros_like(op.inputs[k]) if needed[k] else None
    for k, r in zip(diff_v, res[1:1 + len(diff_v)]):
        out[k] = r
    for j, r in zip(diff_e, res[1 + len(diff_v):]):
        out[nv + j] = r
    return out


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """Repeats `body` on `loop_vars` while `cond` is true; returns the final loop vars."""
    with name_scope(name, "while", nest.flatten(loop_vars)) as scope:
        structure = loop_vars
        flat = [convert_to_tensor(v) for v in nest.flatten(loop_vars)]
        invariants = nest.flatten(shape_invariants) if shape_invariants is not None else \
            [t.shape for t in flat]
        invariants = [tensor_shape.as_shape(s) for s in invariants]
        user_cond, user_body = cond, body
        if maximum_iterations is not None:
            from flowgraph.ops import math_ops
            limit = convert_to_tensor(maximum_iterations, dtype=dtypes.int32)
            flat = [convert_to_tensor(0, dtype=dtypes.int32), limit] + flat
            invariants = [tensor_shape.TensorShape([])] * 2 + invariants

            def cond_fn(c, lim, *vs):
                return math_ops.logical_and(math_ops.less(c, lim), _call(user_cond, vs))

            def body_fn(c, lim, *vs):
                return [c + 1, lim] + nest.flatten(_call(user_body, vs))
        else:
            def cond_fn(*vs):
                return _call(user_cond, vs)

            def body_fn(*vs):
                return nest.flatten(_call(user_body, vs))

        def _call(fn, vs):
            return fn(*_as_args(nest.pack_sequence_as(structure, list(vs))))

        def _as_args(s):
            return s if isinstance(s, (list, tuple)) and not hasattr(s, "_fields") else [s]

        specs = [(t.dtype.base_dtype, s) for t, s in zip(flat, invariants)]
        cond_fg, c_out = _trace(scope + "cond", cond_fn, specs)
        if len(cond_fg.outputs) != 1 or cond_fg.outputs[0].dtype.base_dtype != dtypes.bool:
            raise TypeError("while_loop's cond must return one boolean tensor")
        body_fg, b_out = _trace(scope + "body", body_fn, specs)
        if len(body_fg.outputs) != len(flat):
            raise ValueError(f"body returned {len(body_fg.outputs)} tensors for "
                             f"{len(flat)} loop variables")
        for t, o, s in zip(flat, body_fg.outputs, invariants):
            if o.dtype.base_dtype != t.dtype.base_dtype:
                raise TypeError(f"Loop variable {t.name} enters the loop with type "
                                f"{t.dtype.name}, but has type {o.dtype.name} after one "
                                "iteration.")
            if not s.is_compatible_with(o.shape) or (s.ndims is not None and o.shape.ndims
                                                     is not None and not
                                                     o.shape.is_subtype_of(s)):
                raise ValueError(
                    f"Input tensor '{t.name}' enters the loop with shape {s}, but has shape "
                    f"{o.shape} after one iteration. To allow the shape to vary across "
                    "iterations, use the `shape_invariants` argument of tf.while_loop to "
                    "specify a less-specific shape.")
        ext = _union_captures(cond_fg, body_fg)
        op = create_op("While", [flat + ext], {
            "T": [t.dtype.base_dtype for t in flat + ext], "cond": cond_fg, "body": body_fg,
            "output_shapes": invariants + [t.shape for t in ext],
            "parallel_iterations": parallel_iterations,
            "_cond_inputs": _input_index(ext, cond_fg),
            "_body_inputs": _input_index(ext, body_fg)}, name=scope)
    outs = list(op._outputs[:len(flat)])
    if maximum_iterations is not None:
        outs = outs[2:]
    packed = nest.pack_sequence_as(structure, outs)
    if not return_same_structure and isinstance(packed, (list, tuple)) and \
            not hasattr(packed, "_fields") and len(packed) == 1:
        return packed[0]
    return packed
