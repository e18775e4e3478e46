"""Dependency optimization (TF's dependency optimizer): consumers of an Identity-like op
(OpDef flag `forwards_input`) read its input, so Identity chains cost nothing; control
edges that data edges already imply, or that point at constants, are dropped."""
from flowgraph.runtime.grappler.driver import Pass, register_pass

_SEARCH_LIMIT = 2000  # nodes visited looking for a control input among the ancestors


def _implied(view, node, wanted):
    """The control inputs in `wanted` that some data input of `node` already waits for."""
    found, seen = set(), set()
    stack = [view.node_of(t) for t in node._inputs]
    while stack and len(found) < len(wanted) and len(seen) < _SEARCH_LIMIT:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if n in wanted:
            found.add(n)
        stack.extend(view.node_of(t) for t in n._inputs)
        stack.extend(view.latest(c) for c in n._control_inputs)
    return found


@register_pass
class DependencyOptimizer(Pass):
    name = "dependency"
    toggle = "dependency_optimization"
    order = 50

    def run(self, view):
        done = 0
        for node in view.ordered():
            node = view.latest(node)
            if node not in view.nodes:
                continue
            f = node._op_def.forwards_input
            if isinstance(f, int) and not node._control_inputs and \
                    not view.is_fixed(node):
                if view.bypass(node, node._inputs[f]):
                    done += 1
                continue
            ctl = [view.latest(c) for c in node._control_inputs]
            if not ctl:
                continue
            drop = {c for c in ctl if c._op_def is view.const_def and not c._control_inputs}
            if node._inputs:
                drop |= _implied(view, node, set(ctl) - drop)
            if drop:
                view.rewrite(node, control_inputs=[c for c in ctl if c not in drop])
                done += 1
        return done
