"""Drawing graphs with Graphviz.

    dot = flowgraph.viz.to_dot(tf.get_default_graph())   # a graphviz.Digraph
    print(dot.source)                                     # DOT text: needs nothing else
    flowgraph.viz.render(graph, "model.svg")              # needs Graphviz's `dot` program

Name scopes become nested clusters (or, with `collapse_scopes=True`, one box per top-level
scope); data edges are labelled with the tensor's static shape, control edges are dashed,
and nodes are coloured by device. Accepts a `Graph` or a `GraphDef` protobuf (flowgraph's
or TensorFlow's; shapes then come from the `_output_shapes` attrs when present)."""
import os
import shutil

__all__ = ["to_dot", "render", "GraphvizNotFoundError"]

_PALETTE = ("#cfe2f3", "#d9ead3", "#fce5cd", "#ead1dc", "#fff2cc", "#d0e0e3", "#f4cccc",
            "#d9d2e9")
_SOURCES = {"Const": "box", "Placeholder": "invhouse", "PlaceholderWithDefault": "invhouse",
            "VariableV2": "cylinder", "Variable": "cylinder", "VarHandleOp": "cylinder"}


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's `dot` executable."""


class _Node:
    __slots__ = ("name", "type", "device", "inputs", "controls", "shapes")

    def __init__(self, name, type_, device, inputs, controls, shapes):
        self.name, self.type, self.device = name, type_, device
        self.inputs = inputs      # [(producer name, output index)]
        self.controls = controls  # [producer name]
        self.shapes = shapes      # output index -> shape text


def _shape_text(dims):
    if dims is None:
        return "<unknown>"
    return "(" + ", ".join("?" if d is None or d < 0 else str(d) for d in dims) + \
        ("," if len(dims) == 1 else "") + ")"


def _from_graph(graph):
    nodes = []
    for op in graph.get_operations():
        shapes = {}
        for i, t in enumerate(op.outputs):
            s = t.shape
            shapes[i] = _shape_text(None if s.ndims is None else s.as_list())
        nodes.append(_Node(op.name, op.type, op.device or "",
                           [(t.op.name, t.value_index) for t in op.inputs],
                           [c.name for c in op.control_inputs], shapes))
    return nodes


def _from_graph_def(graph_def):
    nodes = []
    for nd in graph_def.node:
        inputs, controls = [], []
        for s in nd.input:
            if s.startswith("^"):
                controls.append(s[1:])
            else:
                name, _, idx = s.partition(":")
                inputs.append((name, int(idx) if idx else 0))
        shapes = {}
        if "_output_shapes" in nd.attr:
            for i, sp in enumerate(nd.attr["_output_shapes"].list.shape):
                shapes[i] = _shape_text(None if sp.unknown_rank else [d.size for d in sp.dim])
        nodes.append(_Node(nd.name, nd.op, nd.device, inputs, controls, shapes))
    return nodes


def _nodes(graph_or_graph_def):
    if hasattr(graph_or_graph_def, "get_operations"):
        return _from_graph(graph_or_graph_def)
    if hasattr(graph_or_graph_def, "node"):
        return _from_graph_def(graph_or_graph_def)
    raise TypeError(f"to_dot expects a Graph or a GraphDef, got "
                    f"{type(graph_or_graph_def).__name__}")


def _colors(nodes):
    devices = sorted({n.device for n in nodes if n.device})
    return {d: _PALETTE[i % len(_PALETTE)] for i, d in enumerate(devices)}


def _node_attrs(n, colors):
    attrs = {"label": f"{n.name.rsplit('/', 1)[-1]}\\n{n.type}",
             "shape": _SOURCES.get(n.type, "ellipse"), "tooltip": f"{n.name} ({n.type})"
             + (f" on {n.device}" if n.device else "")}
    if n.device:
        attrs.update(style="filled", fillcolor=colors[n.device])
    return attrs


def to_dot(graph_or_graph_def, collapse_scopes=False, name="graph"):
    """A `graphviz.Digraph` of the graph.

    Args:
      graph_or_graph_def: a `Graph`, or a `GraphDef` protobuf.
      collapse_scopes: False draws every op, with name scopes as nested clusters; True
        draws each top-level name scope as one box (an int N collapses at depth N).
      name: the DOT graph's name.
    """
    import graphviz
    nodes = _nodes(graph_or_graph_def)
    colors = _colors(nodes)
    dot = graphviz.Digraph(name=name, graph_attr={"rankdir": "TB", "compound": "true",
                                                  "fontname": "Helvetica"},
                           node_attr={"fontname": "Helvetica", "fontsize": "10"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    if colors:
        with dot.subgraph(name="cluster_devices") as legend:
            legend.attr(label="devices", style="dashed", color="#bbbbbb")
            for i, (dev, color) in enumerate(colors.items()):
                legend.node(f"__device_{i}", label=dev, shape="note", style="filled",
                            fillcolor=color)
    depth = int(collapse_scopes) if collapse_scopes is not False else 0
    if depth:
        _collapsed(dot, nodes, depth, colors)
    else:
        _clustered(dot, nodes, colors)
    return dot


def _clustered(dot, nodes, colors):
    import graphviz
    by_name = {n.name: n for n in nodes}
    tree = {}  # scope path -> list of node names directly inside
    for n in nodes:
        tree.setdefault(n.name.rpartition("/")[0], []).append(n.name)
    scopes = set()
    for s in list(tree):
        parts = s.split("/") if s else []
        for i in range(1, len(parts) + 1):
            scopes.add("/".join(parts[:i]))
    children = {}
    for s in scopes:
        children.setdefault(s.rpartition("/")[0], []).append(s)

    def fill(g, scope):
        for name in tree.get(scope, ()):
            g.node(name, **_node_attrs(by_name[name], colors))
        for sub in sorted(children.get(scope, ())):
            c = graphviz.Digraph(name=f"cluster_{sub}")
            c.attr(label=sub.rsplit("/", 1)[-1], style="rounded", color="#888888",
                   tooltip=sub)
            fill(c, sub)
            g.subgraph(c)
    fill(dot, "")
    for n in nodes:
        for src, idx in n.inputs:
            label = by_name[src].shapes.get(idx, "") if src in by_name else ""
            if idx:
                label = f":{idx} {label}".strip()
            dot.edge(src, n.name, label=label)
        for src in n.controls:
            dot.edge(src, n.name, style="dashed", arrowhead="odot")


def _collapsed(dot, nodes, depth, colors):
    by_name = {n.name: n for n in nodes}

    def box(name):  # an op named like a scope (`loss`, `loss/tags`) joins its box
        return "/".join(name.split("/")[:depth])
    members = {}
    for n in nodes:
        members.setdefault(box(n.name), []).append(n)
    for b, ns in members.items():
        if len(ns) == 1 and ns[0].name == b:
            dot.node(b, **_node_attrs(ns[0], colors))
        else:
            devs = {m.device for m in ns if m.device}
            attrs = {"label": f"{b}\\n({len(ns)} ops)", "shape": "box3d", "tooltip": b}
            if len(devs) == 1:
                attrs.update(style="filled", fillcolor=colors[devs.pop()])
            dot.node(b, **attrs)
    edges = {}  # (box, box) -> [set of (producer, output index), has control edges]
    for n in nodes:
        dst = box(n.name)
        for src, idx in n.inputs:
            if box(src) != dst:
                edges.setdefault((box(src), dst), [set(), False])[0].add((src, idx))
        for src in n.controls:
            if box(src) != dst:
                edges.setdefault((box(src), dst), [set(), False])[1] = True
    for (s, d), (tensors, _) in edges.items():
        if tensors:
            if len(tensors) == 1:
                src, idx = next(iter(tensors))
                label = by_name[src].shapes.get(idx, "") if src in by_name else ""
            else:
                label = f"{len(tensors)} tensors"
            dot.edge(s, d, label=label)
        else:
            dot.edge(s, d, style="dashed", arrowhead="odot")


def _check_dot():
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(
            "Rendering needs Graphviz's `dot` program, which was not found on PATH. "
            "Install Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: "
            "`brew install graphviz`; conda: `conda install graphviz`), or use "
            "`flowgraph.viz.to_dot(graph).source` to get the DOT text without it.")


def render(graph, path, format="svg", collapse_scopes=False):
    """Draws `graph` (a `Graph` or `GraphDef`) into the file `path` (`format`: 'svg', 'png',
    'pdf', ... anything `dot -T` accepts); returns `path`. Needs Graphviz's `dot`."""
    _check_dot()
    import graphviz
    dot = to_dot(graph, collapse_scopes=collapse_scopes)
    try:
        data = dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        _check_dot()
        raise
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path
