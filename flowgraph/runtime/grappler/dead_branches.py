"""Dead-branch removal: an op choosing among functions by a predicate that is constant in
this plan (an `If` over a `placeholder_with_default` left unfed, say; OpDef flag
`constant_branch`) is replaced by the ops of the branch taken, so the other is never
compiled and the taken one is optimized with the rest of the plan (the dead-branch part
of TF's loop optimizer). Branches holding stateful ops, variables or nested functions
stay behind their op, as do ops that others wait for through control edges."""
from flowgraph.runtime.grappler.driver import Pass, register_pass
from flowgraph.runtime.grappler.view import Node


def _branch_ops(fg):
    """The ops computing fg's outputs, in creation order; None if one may not be inlined."""
    ops, stack = set(), [t.op for t in fg.outputs]
    while stack:
        op = stack.pop()
        if op in ops:
            continue
        ops.add(op)
        stack.extend(t.op for t in op._inputs)
        stack.extend(op._control_inputs)
    inputs = set(fg.inputs)
    ops = [op for op in ops if not (op._outputs and all(t in inputs for t in op._outputs))]
    if fg.stateful_ops() or any(not op._op_def.foldable or
                                any(t.dtype.is_ref_dtype for t in op._inputs) for op in ops):
        return None
    return sorted(ops, key=lambda op: op._id)


def inline(view, node, waited_on):
    """Replaces `node` by its constant branch's ops; True when it did."""
    rule = node._op_def.constant_branch
    pred = view.const_value(node._inputs[0])
    if rule is None or pred is None or pred.size != 1 or node._control_inputs or \
            node in waited_on or any(t in view.feeds for t in node._outputs):
        return False
    fg, index = rule(node, bool(pred.reshape(())))
    ops = _branch_ops(fg)
    if ops is None or len(fg.outputs) != len(node._outputs):
        return False
    value = {p: view.resolve(node._inputs[i]) for p, i in zip(fg.inputs, index)}
    made = {}
    for op in ops:
        n = Node(op, inputs=[value.get(t, t) for t in op._inputs],
                 control_inputs=[made[c] for c in op._control_inputs if c in made],
                 name=f"{node.name}/{op.name}", sub=view.next_sub())
        n._id = node._id  # orders the branch where its op was
        made[op] = n
        view.add(n)
    for out, t in zip(node._outputs, fg.outputs):
        view.forward(out, value.get(t, t))
    if not any(view.consumers.get(t) for t in node._outputs):
        view.remove(node)
    return True


@register_pass
class DeadBranchRemoval(Pass):
    name = "loop"
    toggle = "loop_optimization"
    order = 25

    def run(self, view):
        done = 0
        candidates = [n for n in view.ordered() if n._op_def.constant_branch is not None]
        if not candidates:
            return 0
        waited_on = {c for n in view.nodes for c in n._control_inputs}
        for node in candidates:
            node = view.latest(node)
            if node in view.nodes and inline(view, node, waited_on):
                done += 1
        return done
