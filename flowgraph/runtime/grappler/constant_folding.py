"""Constant folding: a pure op whose inputs are all constants is computed once, when the
plan is compiled, and becomes a constant (TF's constfold; results over 10 MiB, TF's
limit, are left to run). A kernel that fails is left in place, so the run raises its
error naming the op, as it would unoptimized."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.runtime.grappler.driver import Pass, register_pass

MAX_CONSTANT_BYTES = 10 * 1024 * 1024
_OPAQUE = (dtypes.variant, dtypes.resource)


def foldable(view, node):
    """Whether constant folding may compute `node` now (its inputs aside)."""
    d = node._op_def
    return (node._inputs and node._outputs and not node._control_inputs
            and not view.is_fixed(node) and not d.wants_ctx and d.kernel is not None
            and not any(t.dtype.base_dtype in _OPAQUE
                        for t in node._inputs + node._outputs))


def _too_large(node):
    """Whether an output's static shape already says it is over the limit."""
    for t in node._outputs:
        s = t.shape
        if s.is_fully_defined() and s.num_elements() * t.dtype.size > MAX_CONSTANT_BYTES:
            return True
    return False


def as_constant(view, node, values):
    """Puts constants with `values` (one per output of `node`) in its place; False if a
    value is too large or not of the output's dtype."""
    values = [np.asarray(v) for v in values]
    for t, v in zip(node._outputs, values):
        if v.nbytes > MAX_CONSTANT_BYTES or v.dtype != t.dtype.base_dtype.as_numpy_dtype:
            return False
    if len(values) == 1:
        view.new_const(node, values[0], node._outputs[0].dtype.base_dtype)
        return True
    done = [view.forward(t, view.new_const(node, v, t.dtype.base_dtype, index=i)._outputs[0])
            for i, (t, v) in enumerate(zip(node._outputs, values))]
    if all(done):
        view.remove(node)
    return True


@register_pass
class ConstantFolding(Pass):
    name = "constfold"
    toggle = "constant_folding"
    order = 20

    def run(self, view):
        folded = 0
        for node in view.ordered():  # creation order: folds cascade forward
            node = view.latest(node)
            if node not in view.nodes or node._op_def is view.const_def or \
                    not foldable(view, node):
                continue
            values = [view.const_value(t) for t in node._inputs]
            if any(v is None for v in values) or _too_large(node):
                continue
            try:
                out = view.evaluate(node, values)
            except Exception:  # the run will raise it, naming the op
                continue
            if len(node._outputs) == 1 and not isinstance(out, (list, tuple)):
                out = [out]
            if len(out) == len(node._outputs) and as_constant(view, node, out):
                folded += 1
        return folded
