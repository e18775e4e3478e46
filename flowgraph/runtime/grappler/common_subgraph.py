"""Common-subexpression elimination: pure ops of one type, attrs, device and inputs
compute one value; consumers of the later ones read the first (TF's
common_subgraph_elimination)."""
import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.runtime.grappler.driver import Pass, register_pass


def attr_key(v):
    """A hashable stand-in for an attr value; None when it has none (never merged)."""
    if isinstance(v, (list, tuple)):
        items = [attr_key(x) for x in v]
        return None if any(x is None for x in items) else ("list",) + tuple(items)
    if isinstance(v, np.ndarray):
        if v.size > 4096:  # large constants: not worth hashing
            return None
        return ("array", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, tensor_shape.TensorShape):
        return ("shape", None if v.ndims is None else tuple(v.as_list()))
    if isinstance(v, (str, bytes, int, float, bool, dtypes.DType)) or v is None:
        return v
    return None


def node_key(view, node):
    """(type, device, inputs, control inputs, attrs), or None if `node` must stay."""
    if view.is_fixed(node) or not node._outputs:
        return None
    if not node._inputs and node._op_def is not view.const_def:
        return None  # e.g. a dataset source: nothing says two of them are one
    attrs = []
    for k in sorted(node._attrs):
        if k == "_class":
            continue
        a = attr_key(node._attrs[k])
        if a is None and node._attrs[k] is not None:
            return None
        attrs.append((k, a))
    return (node._op_def.name, node.device, tuple(map(id, node._inputs)),
            tuple(sorted(map(id, node._control_inputs))), tuple(attrs))


@register_pass
class CommonSubgraphElimination(Pass):
    name = "common_subgraph_elimination"
    toggle = "common_subgraph_elimination"
    order = 40

    def run(self, view):
        seen, merged = {}, 0
        for node in view.ordered():  # creation order: producers before consumers
            node = view.latest(node)
            if node not in view.nodes:
                continue
            key = node_key(view, node)
            if key is None:
                continue
            first = seen.setdefault(key, node)
            if first is node:
                continue
            if any(view.is_fetched(t) and t.dtype.is_ref_dtype for t in node._outputs):
                continue
            done = [view.forward(old, new) for old, new in zip(node._outputs, first._outputs)]
            if all(done):  # else it still feeds an If or While: it stays
                view.remove(node, standing_for=first)
                merged += 1
        return merged
