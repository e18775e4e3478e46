"""A plan-local view of the pruned graph that optimizer passes rewrite. The user's Graph is
never touched: a rewritten op becomes a `Node` (a copy that keeps the original's name,
device and source line, so errors still name the user's op), new values are
`ViewTensor`s, and fetches of rewritten tensors are answered through `alias`."""
import numpy as np

from flowgraph.framework import registry


# Constants held as broadcast views (imported fills) over this many bytes are not folded.
LARGE_FILL = 10 * 1024 * 1024


class ViewTensor:
    """An output of a Node that the user's graph does not have (e.g. one of several
    constants folded from a multi-output op)."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape")

    def __init__(self, op, value_index, dtype, shape):
        self._op, self._value_index, self._dtype, self._shape = op, value_index, dtype, shape

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._op.graph)
    device = property(lambda self: self._op.device)
    name = property(lambda self: f"{self._op.name}:{self._value_index}")

    def get_shape(self):
        return self._shape


class Node:
    """A rewritten op: its own op def, inputs, attrs and control inputs; its name, device,
    source line and creation id are the original op's (`_origin`)."""

    def __init__(self, origin, op_def=None, inputs=None, attrs=None, control_inputs=None,
                 outputs=None, name=None, sub=0):
        self._origin = getattr(origin, "_origin", origin)
        self._op_def = op_def or origin._op_def
        self._inputs = tuple(origin._inputs if inputs is None else inputs)
        self._attrs = dict(origin._attrs if attrs is None else attrs)
        self._control_inputs = list(origin._control_inputs if control_inputs is None
                                    else control_inputs)
        self._outputs = tuple(origin._outputs if outputs is None else outputs)
        self._name = name or origin._name
        self._id = origin._id
        self._sub = sub  # orders nodes made from one origin after it (ties in _order)

    name = property(lambda self: self._name)
    type = property(lambda self: self._op_def.name)
    op_def = property(lambda self: self._op_def)
    inputs = property(lambda self: list(self._inputs))
    outputs = property(lambda self: list(self._outputs))
    control_inputs = property(lambda self: list(self._control_inputs))
    device = property(lambda self: self._origin.device)
    graph = property(lambda self: self._origin._graph)
    _graph = property(lambda self: self._origin._graph)
    _traceback = property(lambda self: self._origin._traceback)
    traceback = _traceback

    def __getattr__(self, name):  # what a binder or a library set on the original op
        if name.startswith("__") or name == "_origin":
            raise AttributeError(name)
        return getattr(self._origin, name)

    def get_attr(self, name):
        if name not in self._attrs:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.")
        return self._attrs[name]

    def values(self):
        return self._outputs

    def __repr__(self):
        return f"<Node {self._name!r} type={self.type}>"


class GraphView:
    """The ops a plan runs, as the passes see them: `nodes` (original ops or Nodes),
    `producer` of each tensor, `consumers` of each tensor, and `alias` (a fetched tensor
    whose value another tensor now gives). Fed tensors are opaque: never replaced, never
    treated as constants."""

    def __init__(self, ops, feeds, fetches, targets, by_reference, bind=None):
        self.nodes = set(ops)
        self.feeds = set(feeds)
        self.fetches = list(fetches)
        self._fetched = set(fetches)
        self.targets = list(targets)
        self.by_reference = lambda t: by_reference(t, self.feeds)
        self.alias = {}
        self.forwarded = {}  # tensor -> the tensor its readers were pointed at
        self.bind = bind  # plan.bind_kernel: constant folding runs kernels through it
        self.current = {}  # original op -> the node standing for it now
        self.producer = {t: op for op in ops for t in op._outputs}
        self.consumers = {}
        for op in ops:
            for t in op._inputs:
                self.consumers.setdefault(t, []).append(op)
        self._sub = 0
        self.const_def = registry.get("Const")
        self._fixed = {}

    # ---- questions passes ask
    def ordered(self):
        """The nodes in creation order (deterministic pass order)."""
        return sorted(self.nodes, key=lambda n: (n._id, getattr(n, "_sub", 0)))

    def latest(self, op):
        """The node standing now for `op` (itself, a rewrite of it, or what it merged
        into)."""
        cur = self.current
        while op in cur and cur[op] is not op:
            op = cur[op]
        return op

    def resolve(self, t):
        """The tensor now giving t's value (t itself unless t was forwarded)."""
        while t in self.forwarded:
            t = self.forwarded[t]
        return t

    def evaluate(self, node, values):
        """Runs `node`'s kernel on numpy `values` of its inputs (constant folding)."""
        fn, _ = self.bind(node, np, list(range(len(values))))
        return fn(*values)

    def node_of(self, t):
        """The node producing tensor t in this view, or None (fed or read by reference)."""
        if t in self.feeds:
            return None
        return self.producer.get(t)

    def const_value(self, t):
        """t's value if a constant node without control inputs produces it, else None."""
        n = self.node_of(t)
        if n is None or n._op_def is not self.const_def or n._control_inputs:
            return None
        v = n._attrs["value"]
        if v.size > 1 and not all(v.strides) and v.nbytes > LARGE_FILL:
            return None  # an imported fill too large to fold: the run decides if it fits
        return v

    def is_fixed(self, node):
        """Nodes passes leave alone: stateful ops, ops running sub-plans, ops with a fed
        output (they write a scratch slot), ops taking refs or variables by reference."""
        fixed = self._fixed.get(node)  # nodes never change: a rewrite makes a new one
        if fixed is None:
            d = node._op_def
            fixed = self._fixed[node] = (
                not d.foldable or any(t in self.feeds for t in node._outputs)
                or any(t.dtype.is_ref_dtype or self.by_reference(t) for t in node._inputs))
        return fixed

    def is_fetched(self, t):
        return t in self._fetched

    # ---- rewrites
    def replace(self, old, new):
        """Puts node `new` in place of `old` (same outputs, or outputs that `new` lists)."""
        self.nodes.discard(old)
        self.nodes.add(new)
        for t in old._inputs:
            users = self.consumers.get(t)
            if users and old in users:
                users.remove(old)
        for t in new._inputs:
            self.consumers.setdefault(t, []).append(new)
        for t in new._outputs:
            self.producer[t] = new
        self.current[getattr(old, "_origin", old)] = new
        self.current[old] = new
        return new

    def rewrite(self, node, **changes):
        """A Node like `node` with `changes` (op_def, inputs, attrs, control_inputs), put
        in its place."""
        return self.replace(node, Node(node, **changes))

    def forward(self, old, new):
        """Every consumer of tensor `old` reads `new` instead; a fetch of `old` returns
        `new`'s value. Ops running sub-plans (If, While) keep their inputs: they are keyed
        by identity (a While's record). Returns whether `old` has no reader left (False,
        changing nothing, when `old` is fed)."""
        new = self.resolve(new)
        if old in self.feeds or old is new:
            return False
        self.forwarded[old] = new
        kept = []
        for user in list(self.consumers.get(old, ())):
            if user not in self.nodes:
                continue
            if user._op_def.binder is not None:
                kept.append(user)
                continue
            self.rewrite(user, inputs=[new if t is old else t for t in user._inputs])
        if kept:
            self.consumers[old] = kept
        else:
            self.consumers.pop(old, None)
        for k, v in list(self.alias.items()):  # fetches answered by `old` so far
            if v is old:
                self.alias[k] = new
        if old in self._fetched:
            self.alias[old] = new
        return not kept

    def add(self, node):
        """Puts a new node (e.g. an op of an inlined function) in the view."""
        self.nodes.add(node)
        for t in node._inputs:
            self.consumers.setdefault(t, []).append(node)
        for t in node._outputs:
            self.producer[t] = node

    def next_sub(self):
        self._sub += 1
        return self._sub

    def bypass(self, node, tensor):
        """`node`'s one output is `tensor`'s value: its readers read `tensor` and the node
        goes, its control dependents waiting for `tensor`'s producer instead. True when
        the node is gone."""
        if not self.forward(node._outputs[0], tensor):
            return False
        self.remove(node, standing_for=self.node_of(tensor) or _SATISFIED)
        return True

    def new_const(self, origin, value, dtype, index=None):
        """A Const node standing for a value computed from `origin`: it takes origin's
        place when `index` is None, else it is a new node with a new output tensor."""
        from flowgraph.framework import tensor_shape
        value = np.asarray(value)
        value.setflags(write=False)  # fetches return copies
        attrs = {"value": value, "dtype": dtype}
        if index is None:
            return self.rewrite(origin, op_def=self.const_def, inputs=[], attrs=attrs,
                                control_inputs=[])
        node = Node(origin, op_def=self.const_def, inputs=[], attrs=attrs, control_inputs=[],
                    outputs=[], name=f"{origin.name}/ConstantFolding_{index}",
                    sub=self.next_sub())
        node._outputs = (ViewTensor(node, 0, dtype, tensor_shape.TensorShape(value.shape)),)
        self.nodes.add(node)
        self.producer[node._outputs[0]] = node
        return node

    # ---- the result
    def remove(self, node, standing_for=None):
        """Takes `node` out (its consumers were forwarded); control dependents wait for
        `standing_for` instead, if given."""
        self.nodes.discard(node)
        if standing_for is not None:
            self.current[getattr(node, "_origin", node)] = standing_for
            self.current[node] = standing_for

    def finish(self):
        """Drops nodes nothing needs any more and points control inputs at the nodes that
        now stand for them. Returns the nodes to compile."""
        now = self.latest
        changed = True
        while changed:  # a node rewritten here may be another's control input
            changed = False
            for n in list(self.nodes):
                ctl = [now(c) for c in n._control_inputs]
                if any(a is not b for a, b in zip(ctl, n._control_inputs)):
                    ctl = [c for c in dict.fromkeys(ctl) if c is not _SATISFIED]
                    self.replace(n, Node(n, control_inputs=ctl))
                    changed = True
        needed, stack = set(), []
        for t in self.fetches:
            t = self.alias.get(t, t)
            n = self.node_of(t)
            if n is not None:
                stack.append(n)
        stack.extend(now(op) for op in self.targets)
        while stack:
            n = stack.pop()
            if n in needed or n not in self.nodes:
                continue
            needed.add(n)
            for t in n._inputs:
                p = self.node_of(t)
                if p is not None and not self.by_reference(t):
                    stack.append(p)
            stack.extend(c for c in n._control_inputs if c in self.nodes)
        self.nodes = needed
        return needed


# What control dependents of a removed node wait for when nothing is left to wait for
# (its value was fed): no node.
_SATISFIED = object()
