"""`tf.import_graph_def`: rebuilds the ops of a GraphDef in the default graph.

Each node becomes an op through the same builder as user code (`op_builder.create_op`),
so inputs are type-checked and shapes inferred; attrs missing from the NodeDef take the
op's defaults; internal attrs other than `_class` are dropped (and `_output_shapes` is
recomputed). Nodes may come in any order. Loading never runs code.

`If`/`While` nodes (and TF's `StatelessIf`/`StatelessWhile`) get their branches and
bodies from the GraphDef's function library, rebuilt as FuncGraphs (`function_io`); every
function they call is checked before the graph is touched."""
import re

from flowgraph.framework import errors, function_io, op_builder, registry
from flowgraph.framework.graph import Tensor, Operation, get_default_graph
from flowgraph.framework.graph_io import as_our_graph_def, attr_value_to_python

__all__ = ["import_graph_def"]

_INPUT_RE = re.compile(r"^(\^)?([^:^]+)(?::(\d+))?$")
_KEEP_INTERNAL = ("_class", "_gradient_op_type")


def _parse_input(s):
    m = _INPUT_RE.match(s)
    if not m:
        raise ValueError(f"Malformed input name {s!r}")
    return bool(m.group(1)), m.group(2), int(m.group(3) or 0)


def _canonical(name):
    """'x' -> 'x:0'; '^x' and 'x:k' are kept."""
    if name.startswith("^") or ":" in name:
        return name
    return name + ":0"


def _order(nodes):
    """Node names in an order where every node comes after its inputs (Kahn's algorithm,
    ties in GraphDef order); ValueError on a cycle or a missing input."""
    index = {}
    for i, n in enumerate(nodes):
        if n.name in index:
            raise ValueError(f"Duplicate node name in graph: '{n.name}'")
        index[n.name] = i
    deps, users = [], [[] for _ in nodes]
    for i, n in enumerate(nodes):
        seen_control, ds = False, set()
        for s in n.input:
            control, src, _ = _parse_input(s)
            if control:
                seen_control = True
            elif seen_control:
                raise ValueError(f"Node '{n.name}': Control dependencies must come after "
                                 "regular dependencies")
            if src not in index:
                ds.add(-1)  # an input from outside the GraphDef (input_map) or missing
                continue
            ds.add(index[src])
        ds.discard(-1)
        deps.append(len(ds))
        for d in ds:
            users[d].append(i)
    ready = [i for i, d in enumerate(deps) if d == 0]
    order = []
    import heapq
    heapq.heapify(ready)
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        stuck = sorted(nodes[i].name for i, d in enumerate(deps) if d > 0)
        raise ValueError(f"GraphDef has a cycle through nodes: {stuck[:10]}")
    return order


def _group_inputs(op_def, flat, attrs, node):
    """Splits a node's flat input tensors into the op's arguments (lists for N*T)."""
    out, pos = [], 0
    for arg in op_def.inputs:
        if arg.number_attr:
            n = attrs.get(arg.number_attr)
            if n is None:  # infer from the count that is left
                fixed = sum(1 for a in op_def.inputs if not (a.number_attr or
                                                             a.type_list_attr))
                n = len(flat) - fixed
            out.append(list(flat[pos:pos + n]))
            pos += n
        elif arg.type_list_attr:
            types = attrs.get(arg.type_list_attr)
            n = len(types) if types is not None else len(flat) - pos
            out.append(list(flat[pos:pos + n]))
            pos += n
        else:
            out.append(flat[pos] if pos < len(flat) else None)
            pos += 1
    if pos != len(flat) or any(x is None for x in out):
        raise ValueError(f"NodeDef '{node.name}' ({node.op}) has {len(flat)} inputs, which "
                         "does not match its op's signature")
    return out


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """Imports the ops of `graph_def` into the default graph under the name scope `name`
    (default "import"). `input_map` maps names in `graph_def` ("x:0", "x", or "^x") to
    existing tensors (or ops, for "^x"); `return_elements` lists names ("x:0" for a
    Tensor, "x" for an Operation) to return from the imported graph."""
    gd = as_our_graph_def(graph_def)
    g = get_default_graph()
    input_map = {_canonical(k): v for k, v in (input_map or {}).items()}
    for k, v in input_map.items():
        if k.startswith("^"):
            if not isinstance(v, Operation):
                raise ValueError(f"input_map entry {k!r} must map to an Operation")
        else:
            v = op_builder.convert_to_tensor(v)
            if v.graph is not g:
                raise ValueError(f"input_map value for {k!r} is not in the default graph")
            input_map[k] = v
    if return_elements is not None and (isinstance(return_elements, str) or
                                        not all(isinstance(r, str) for r in return_elements)):
        raise TypeError("return_elements must be a list of strings.")
    nodes = list(gd.node)
    by_name = {n.name: n for n in nodes}
    for n in nodes:  # check names and op types before touching the graph
        _check_op_type(n)
    functions = function_io.check_library(gd.library, nodes)
    order = _order(nodes)
    for n in nodes:
        for s in n.input:
            control, src, _ = _parse_input(s)
            key = ("^" + src) if control else f"{src}:{_parse_input(s)[2]}"
            if src not in by_name and key not in input_map:
                raise ValueError(f"Node '{n.name}': Unknown input node '{s}'")
    used = set()
    created = {}
    scope_name = "import" if name is None else name
    with g.name_scope(scope_name or None) as scope:
        for i in order:
            n = nodes[i]
            created[n.name] = _import_node(g, n, created, input_map, used, scope, functions)
    unused = sorted(k for k in input_map if k not in used)
    if unused:
        raise ValueError(f"Attempted to map inputs that were not found in graph_def: "
                         f"[{', '.join(unused)}]")
    if return_elements is None:
        return None
    out = []
    for r in return_elements:
        control, src, idx = _parse_input(r)
        if src not in created:
            raise ValueError(f"Requested return_element {r!r} not found in graph_def.")
        op = created[src]
        if ":" in r:
            if idx >= len(op.outputs):
                raise ValueError(f"Requested return_element {r!r} not found in graph_def.")
            out.append(op.outputs[idx])
        else:
            out.append(op)
    return out


def _check_op_type(n, where=""):
    if not n.op:
        raise ValueError(f"NodeDef '{n.name}'{where} has no op type")
    if n.op not in registry.registered() and n.op not in function_io.FUNCTIONAL_TYPES:
        raise errors.NotFoundError(
            None, None, f"Op type not registered '{n.op}' in flowgraph (node "
                        f"'{n.name}'{where}); the GraphDef cannot be imported.")


def node_attrs(n, op_def, scope=""):
    """The Python attrs of NodeDef `n` (func attrs: the function's name)."""
    attrs = {}
    functional = n.op in function_io.FUNCTIONAL_TYPES
    for k, av in n.attr.items():
        if k.startswith("_") and k not in _KEEP_INTERNAL:
            continue
        if not k.startswith("_") and k not in op_def.attrs:
            continue  # an attr newer than this op's definition: ignored, as TF 2.x does
        if (av.WhichOneof("value") == "func" or len(av.list.func)) and not functional:
            raise errors.UnimplementedError(
                None, None, f"Node '{n.name}' ({n.op}) calls a graph function through attr "
                            f"'{k}'; only If/While function attrs can be imported")
        try:
            v = attr_value_to_python(av)
        except (ValueError, TypeError) as e:
            raise ValueError(f"NodeDef '{n.name}': attr '{k}': {e}") from None
        if k == "_class":
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                of = f" of {type(v[0]).__name__}" if isinstance(v, list) and v else ""
                raise ValueError(f"NodeDef '{n.name}': attr '_class' must be a list of "
                                 f"UTF-8 strings, not {av.WhichOneof('value') or 'empty'}{of}")
            v = [_remap_loc(s, scope) for s in v]
        attrs[k] = v
    return attrs


def make_op(g, n, flat, controls, scope, functions):
    """Creates the op of NodeDef `n` in `g` (the default graph, inside name scope
    `scope`) from its flat input tensors and control inputs (ops)."""
    op_def = registry.get(function_io.FUNCTIONAL_TYPES.get(n.op, n.op))
    attrs = node_attrs(n, op_def, scope)
    cls = attrs.pop("_class", None)
    gradient_type = attrs.pop("_gradient_op_type", None)
    full = scope + n.name
    if full in g._ops_by_name:
        raise ValueError(f"Cannot import node '{n.name}': an op named '{full}' already "
                         "exists in the graph")
    g.unique_name(n.name)  # marks the name used, so later ops get other names
    try:
        # A name ending in "/" is taken as is by the builder (no uniquifying).
        if n.op in function_io.FUNCTIONAL_TYPES:
            op = function_io.import_functional(n, attrs, flat, full + "/", functions)
        else:
            grouped = _group_inputs(op_def, flat, attrs, n)
            op = op_builder.create_op(n.op, grouped, attrs, name=full + "/")
    except (TypeError, AttributeError, KeyError, IndexError, OverflowError) as e:
        # attrs of the wrong kind (a list where a tensor belongs, ...) reach shape rules
        raise ValueError(f"Node '{n.name}' ({n.op}): {type(e).__name__}: {e}") from None
    if cls:
        op._attrs["_class"] = cls
    if gradient_type:
        op._attrs["_gradient_op_type"] = gradient_type
    if controls:
        op._add_control_inputs([c.op if isinstance(c, Tensor) else c for c in controls])
    if n.device:
        op._set_device(n.device)
    return op


def _import_node(g, n, created, input_map, used, scope, functions):
    flat, controls = [], []
    for s in n.input:
        control, src, idx = _parse_input(s)
        if control:
            key = "^" + src
            if key in input_map:
                used.add(key)
                controls.append(input_map[key])
            else:
                controls.append(created[src])
            continue
        key = f"{src}:{idx}"
        if key in input_map:
            used.add(key)
            flat.append(input_map[key])
        else:
            op = created[src]
            if idx >= len(op.outputs):
                raise ValueError(f"Node '{n.name}': input '{s}' names output {idx} of "
                                 f"'{src}', which has {len(op.outputs)} outputs")
            flat.append(op.outputs[idx])
    return make_op(g, n, flat, controls, scope, functions)


def _remap_loc(s, scope):
    if isinstance(s, bytes):
        s = s.decode()
    if s.startswith("loc:@") and scope:
        return "loc:@" + scope + s[len("loc:@"):]
    return s
