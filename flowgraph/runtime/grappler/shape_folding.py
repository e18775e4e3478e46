"""Shape folding: ops whose output the static shapes of their inputs decide (`Shape`,
`Size`, `Rank` of known shapes; OpDef flag `static_value`) become constants, so the
shape arithmetic after them (`BroadcastGradientArgs`, `Reshape` targets) folds too
(TF's shape optimizer and the shape part of its constant folding)."""
from flowgraph.runtime.grappler.constant_folding import as_constant
from flowgraph.runtime.grappler.driver import Pass, register_pass


@register_pass
class ShapeFolding(Pass):
    name = "shape"
    toggle = "shape_optimization"
    order = 10

    def run(self, view):
        folded = 0
        for node in view.ordered():
            node = view.latest(node)
            rule = node._op_def.static_value
            if rule is None or node not in view.nodes or view.is_fixed(node) or \
                    node._control_inputs:
                continue
            value = rule(node)
            if value is not None and as_constant(view, node, [value]):
                folded += 1
        return folded
