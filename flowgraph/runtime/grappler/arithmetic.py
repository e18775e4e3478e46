"""Algebraic simplification (TF's arithmetic optimizer), from OpDef flags: `x * 1`,
`x + 0`, `x - 0`, `x / 1` read x (when the constant cannot broadcast x larger);
`-(-x)` and other involutions read x; transposes fold into MatMul's transpose flags;
transposes that cancel, and ops that are a no-op for their static shapes (a Reshape to
the shape its input has), are read through."""
import numpy as np

from flowgraph.framework.registry import forwarded_input
from flowgraph.runtime.grappler.driver import Pass, register_pass


def _plain(view, node):
    """A producer the pass may read through: pure, no control inputs."""
    return node is not None and node in view.nodes and not view.is_fixed(node) and \
        not node._control_inputs


def _keeps_shape(x, out, c):
    """Whether broadcasting x with constant c gives x's shape."""
    if c.ndim == 0:
        return True
    s, o = x.shape, out.shape
    return s.is_fully_defined() and o.is_fully_defined() and s.as_list() == o.as_list()


def _perm(view, node):
    """The constant permutation of a `permutes` node (a Transpose), or None."""
    if node is None or not node._op_def.permutes:
        return None
    p = view.const_value(node._inputs[1])
    return None if p is None else [int(i) for i in np.asarray(p).reshape(-1)]


def simplify(view, node):
    """One rewrite of `node`, if any applies; True when it made one."""
    d, out = node._op_def, node._outputs[0] if node._outputs else None
    if d.neutral_element is not None:
        e, sides = d.neutral_element
        x, y = node._inputs
        for keep, other in ((x, y), (y, x)) if sides == "both" else ((x, y),):
            c = view.const_value(other)
            if c is not None and c.dtype.kind in "biuf" and c.size and np.all(c == e) and \
                    keep.dtype.base_dtype == out.dtype.base_dtype and \
                    _keeps_shape(keep, out, c):
                return view.bypass(node, keep)
    if d.involution:
        p = view.node_of(node._inputs[0])
        if _plain(view, p) and p._op_def is d:
            return view.bypass(node, p._inputs[0])
    if d.transpose_attrs and out.dtype.base_dtype.is_floating:
        for k, attr in enumerate(d.transpose_attrs):
            p = view.node_of(node._inputs[k])
            if _plain(view, p) and _perm(view, p) == [1, 0]:
                inputs = list(node._inputs)
                inputs[k] = p._inputs[0]
                attrs = dict(node._attrs)
                attrs[attr] = not attrs[attr]
                view.rewrite(node, inputs=inputs, attrs=attrs)
                return True
    perm = _perm(view, node)
    if perm is not None:
        if perm == sorted(perm):  # the identity permutation
            return view.bypass(node, node._inputs[0])
        p = view.node_of(node._inputs[0])
        inner = _perm(view, p) if _plain(view, p) else None
        if inner is not None and len(inner) == len(perm) and \
                [inner[i] for i in perm] == sorted(perm):
            return view.bypass(node, p._inputs[0])
    if callable(d.forwards_input):
        k = forwarded_input(node)
        if k is not None:
            return view.bypass(node, node._inputs[k])
    return False


@register_pass
class ArithmeticOptimizer(Pass):
    name = "arithmetic"
    toggle = "arithmetic_optimization"
    order = 30

    def run(self, view):
        done = 0
        for node in view.ordered():
            node = view.latest(node)
            if node in view.nodes and not view.is_fixed(node) and \
                    not node._control_inputs and node._outputs and simplify(view, node):
                done += 1
        return done
