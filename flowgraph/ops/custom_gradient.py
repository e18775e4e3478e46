"""`tf.custom_gradient`, `tf.grad_pass_through` and `tf.recompute_grad` in graph mode.

As in TF1: the forward outputs, the inputs and the variables the function read pass
through one `IdentityN` whose gradient is overridden by a per-call registered gradient, so
the user's `grad_fn` replaces the gradient of everything the function computed."""
import functools
import inspect
import itertools

from flowgraph.framework import registry
from flowgraph.framework.graph import GraphKeys, get_default_graph
from flowgraph.framework import nest
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import manip_ops

__all__ = ["custom_gradient", "grad_pass_through", "recompute_grad"]

_IDS = itertools.count()


def _variables_read(graph, n_before):
    """The graph's variables whose variable op feeds an op made after the first
    `n_before` ops."""
    by_op = {}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            by_op.setdefault(v.op, v)
            by_op.setdefault(v.value().op, v)  # reads through the `<name>/read` snapshot
    found = []
    for op in graph.get_operations()[n_before:]:
        for t in op.inputs:
            v = by_op.get(t.op)
            if v is not None and all(v is not e for e in found):
                found.append(v)
    return found


def _accepts_variables(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _graph_mode_call(f, args, kwargs):
    graph = get_default_graph()
    first = len(graph.get_operations())
    args = [convert_to_tensor(a) for a in args]
    result, grad_fn = f(*args, **kwargs)
    flat_result = [convert_to_tensor(t) for t in nest.flatten(result)]
    variables = _variables_read(graph, first)
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("If using @custom_gradient with a function that uses variables, "
                        "then grad_fn must accept a keyword argument 'variables'.")
    n_out, n_args = len(flat_result), len(args)
    grad_name = f"CustomGradient-{next(_IDS)}"

    def grad(op, *dys):
        dys = list(dys[:n_out])
        if variables:
            in_grads, var_grads = grad_fn(*dys, variables=variables)
            var_grads = list(var_grads)
            if len(var_grads) != len(variables):
                raise ValueError("Must return gradient for each variable from "
                                 "@custom_gradient grad_fn.")
        else:
            in_grads, var_grads = grad_fn(*dys), []
        in_grads = list(nest.flatten(in_grads)) if isinstance(in_grads, (list, tuple)) \
            else [in_grads]
        if len(in_grads) != n_args:
            raise ValueError(f"custom_gradient function expected to return {n_args} "
                             f"gradients but returned {len(in_grads)} instead.")
        return [None] * n_out + in_grads + var_grads

    registry.RegisterGradient(grad_name)(grad)
    tensors = flat_result + args + [v._ref() for v in variables]
    with graph.gradient_override_map({"IdentityN": grad_name}):
        outs = manip_ops.identity_n(tensors)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    for o, t in zip(outs, tensors):
        o.set_shape(t.shape)
    return nest.pack_sequence_as(result, list(outs[:n_out]))


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; `grad_fn(*dy)` (or
    `grad_fn(*dy, variables=...)` returning `(dx, dvariables)` when `f` read variables)
    becomes the gradient of `y` with respect to `x`."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return _graph_mode_call(f, args, kwargs)
    return decorated


def grad_pass_through(f):
    """Wraps `f` so its gradient is the identity: `dy` flows straight to the inputs."""
    @custom_gradient
    def passthrough(*args, **kwargs):
        def grad(*dys, variables=None):
            if variables:
                return list(dys), [None] * len(variables)
            return list(dys)
        return f(*args, **kwargs), grad
    return passthrough


def recompute_grad(f):
    """Wraps `f` so its gradient recomputes the forward pass instead of keeping it.

    The forward result is computed once; the gradient re-runs `f` on the inputs (after
    the incoming gradients exist) and differentiates that copy."""
    from flowgraph.gradients import gradients as _gradients_fn
    from flowgraph.framework.graph import control_dependencies

    @custom_gradient
    def inner(*args, **kwargs):
        result = f(*args, **kwargs)

        def grad(*dys, variables=None):
            with control_dependencies(list(dys)):
                again = nest.flatten(f(*args, **kwargs))
            wrt = list(args) + list(variables or [])
            gs = _gradients_fn(again, wrt, grad_ys=list(dys))
            if variables:
                return gs[:len(args)], gs[len(args):]
            return gs
        return result, grad
    return inner
