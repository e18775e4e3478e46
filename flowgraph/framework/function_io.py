"""FuncGraph <-> FunctionDef: functional control flow (`If`, `While`) in GraphDefs.

Export: every branch, loop condition and loop body becomes one `FunctionDef` of the
GraphDef's `library`, and the op's func attrs name it (a `NameAttrList`). The functions
follow TF's calling convention, so real TF imports and runs them:

* an `If`'s branches both take all of the op's inputs (`Tin`), whichever they use;
* a `While`'s cond and body both take all loop inputs `T` (loop variables, then the
  captured tensors), and the body returns all of them (the captures unchanged).

Function bodies name their inputs TF's way: `"arg_name"` for an argument,
`"node:output_arg:index"` for a node's output. A tensor of an enclosing graph that a
function needs (beyond the captures the op already passes) becomes an extra argument,
threaded through every function op in between.

flowgraph's While gradients read the forward loop's per-iteration record through the
flowgraph-only ops `WhileTapeSize`/`WhileTapeRead`. On export that record becomes data,
as TF's own loops do it: the forward While gets one TensorList accumulator per recorded
body value (extra loop inputs and outputs appended after the others, filled by
`TensorListSetItem` in every iteration), `WhileTapeSize` becomes
`TensorListLength` and `WhileTapeRead` becomes `TensorListGetItem` of that list. Every op
of the exported graph is then one TF knows, and flowgraph runs it too.

Import: each function-holding node gets its own FuncGraph per function, built from the
FunctionDef (arguments become placeholders shaped as the op's inputs, or the While's
`output_shapes`); TF's `StatelessIf`/`StatelessWhile` are imported as `If`/`While`."""
import hashlib
import heapq
import re

import numpy as np

from flowgraph.framework import dtypes, tensor_shape, tensor_util
from flowgraph.framework import graph_io
from flowgraph.proto import function_pb2, graph_pb2, node_def_pb2

_FUNC_ATTRS = {"If": ("then_branch", "else_branch"), "While": ("cond", "body")}
_TAPE_OPS = ("WhileTapeSize", "WhileTapeRead")
_INDEX_ATTRS = ("_then_branch_inputs", "_else_branch_inputs", "_cond_inputs",
                "_body_inputs")
# Type-list attrs TF's If/While require even when empty (ours default them to []).
_REQUIRED = ("Tin", "Tout", "T")
FUNCTIONAL_TYPES = {"If": "If", "StatelessIf": "If", "While": "While",
                    "StatelessWhile": "While"}


def has_functions(graph):
    """Whether `graph` holds ops whose export needs a function library."""
    return any(op.type in _FUNC_ATTRS or op.type in _TAPE_OPS for op in graph._ops)


# -- names ----------------------------------------------------------------------------
def _arg_name(name):
    """A valid OpDef argument name (`[a-z][a-z0-9_]*`) made from an op or tensor name."""
    s = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return s if s[:1].isalpha() else "a_" + s


def _fresh(base, taken):
    name, i = base, 1
    while name in taken:
        name = f"{base}_{i}"
        i += 1
    taken.add(name)
    return name


def _out_args(op):
    """(name, length) of each output arg of `op`."""
    for arg in op._op_def.outputs:
        if arg.number_attr:
            yield arg.name, op._attrs[arg.number_attr]
        elif arg.type_list_attr:
            yield arg.name, len(op._attrs[arg.type_list_attr])
        else:
            yield arg.name, 1


def _out_arg(op, index):
    """(output arg name, index within that arg) of `op`'s flat output `index`."""
    if op.type in _TAPE_OPS:  # exported as TensorListLength / TensorListGetItem
        return ("length" if op.type == "WhileTapeSize" else "item"), 0
    if op.type == "While":
        return "output", index  # one list arg; indices past the outputs: accumulators
    pos = 0
    for name, n in _out_args(op):
        if index < pos + n:
            return name, index - pos
        pos += n
    raise ValueError(f"Op '{op.name}' has no output {index}")


# -- export ---------------------------------------------------------------------------
class _Scope:
    """One graph being written out: the top graph (plain node names) or a function body
    (TF's function-body input names; arguments for placeholders and extra captures)."""

    def __init__(self, graph, parent, args=None):
        self.graph, self.parent = graph, parent
        self.args = args if args is not None else {}  # placeholder op -> arg name
        self.extras = {}  # (op of an enclosing graph, output index) -> arg name
        self.nodes = []
        self.taken = {op.name for op in graph._ops if op not in self.args}
        self.taken.update(self.args.values())

    @property
    def is_function(self):
        return self.parent is not None

    def local(self, op, index):
        if not self.is_function:
            return op.name if index == 0 else f"{op.name}:{index}"
        if op in self.args:
            return self.args[op]
        arg, j = _out_arg(op, index)
        return f"{op.name}:{arg}:{j}"

    def ref(self, op, index):
        """The input string for output `index` of `op`, which may live in an enclosing
        graph (it then becomes an extra argument of this function)."""
        if op.graph is self.graph:
            return self.local(op, index)
        if not self.is_function:
            raise ValueError(f"Op '{op.name}' is not in the graph being exported")
        key = (op, index)
        if key not in self.extras:
            self.extras[key] = _fresh(_arg_name(op.name), self.taken)
        return self.extras[key]

    def synthetic(self, name, out_arg):
        """The input string for output 0 (arg `out_arg`) of a node this exporter adds."""
        return f"{name}:{out_arg}:0" if self.is_function else name


def _ref_dtype_shape(op, index):
    if index < len(op._outputs):
        t = op._outputs[index]
        return t.dtype.base_dtype, t.shape
    return dtypes.variant, tensor_shape.TensorShape([])  # a While's tape accumulator


class _Exporter:
    def __init__(self, graph):
        self.library = function_pb2.FunctionDefLibrary()
        self._by_content = {}
        self._names = set()
        self.tapes = {}  # forward While -> indices of the recorded body values it exports
        self._scan(graph)
        # (a loop whose gradient reads no value still counts its iterations: None
        # records its first loop variable)
        self.tapes = {op: sorted(ks) or [None] for op, ks in self.tapes.items()}

    def _scan(self, g):
        for op in g._ops:
            if op.type in _TAPE_OPS:
                ks = self.tapes.setdefault(op.get_attr("forward"), set())
                if op.type == "WhileTapeRead":
                    ks.add(op.get_attr("var"))
            for attr in _FUNC_ATTRS.get(op.type, ()):
                self._scan(op.get_attr(attr))

    def acc_index(self, fwd, var):
        """The flat output index of `fwd`'s accumulator of recorded value `var`."""
        return len(fwd._outputs) + self.tapes[fwd].index(var)

    # .. graphs ..
    def export_nodes(self, scope, add_shapes=False):
        for op in scope.graph._ops:
            if op in scope.args:
                continue
            if op.type == "If":
                self._export_if(op, scope, add_shapes)
            elif op.type == "While":
                self._export_while(op, scope, add_shapes)
            elif op.type in _TAPE_OPS:
                self._export_tape_op(op, scope)
            else:
                nd = graph_io.node_def(op, add_shapes and not scope.is_function,
                                       strip_defaults=not scope.is_function)
                self._set_inputs(nd, op, scope)
                scope.nodes.append(nd)

    def _set_inputs(self, nd, op, scope, extra=()):
        del nd.input[:]
        nd.input.extend(scope.ref(t.op, t.value_index) for t in op._inputs)
        nd.input.extend(extra)
        for c in op._control_inputs:  # in a function: only its own non-argument nodes
            if c.graph is scope.graph and c not in scope.args:
                nd.input.append("^" + c.name)

    def _node(self, scope, op, add_shapes, extra_inputs, func_attrs, extra_outputs=()):
        nd = node_def_pb2.NodeDef(name=op.name, op=op.type)
        if op.device:
            nd.device = op.device
        defaults = op._op_def.attrs
        for k in sorted(op._attrs):
            v = op._attrs[k]
            if v is None or k in func_attrs or k in _INDEX_ATTRS:
                continue
            if not scope.is_function and k not in _REQUIRED and k in defaults and \
                    defaults[k] is not None and graph_io._same_attr(v, defaults[k]):
                continue
            nd.attr[k].CopyFrom(graph_io.attr_value(v, defaults.get(k)))
        for k, name in func_attrs.items():
            nd.attr[k].func.name = name
        self._set_inputs(nd, op, scope, extra_inputs)
        if add_shapes and not scope.is_function:
            shapes = nd.attr["_output_shapes"].list
            nd.attr["_output_shapes"].list.SetInParent()
            for s in [t.shape for t in op._outputs] + list(extra_outputs):
                shapes.shape.add().CopyFrom(tensor_util.shape_to_proto(s))
        scope.nodes.append(nd)
        return nd

    def _body(self, fg, scope):
        """Exports the nodes of `fg` (a function called from `scope`'s graph), its input
        placeholders becoming arguments; returns the function's scope."""
        phs = {ph.op for ph in fg.inputs}
        taken = {op.name for op in fg._ops if op not in phs}
        args = {ph.op: _fresh(_arg_name(ph.op.name), taken) for ph in fg.inputs}
        sub = _Scope(fg, scope, args)
        self.export_nodes(sub)
        return sub

    def _function(self, fg, sub, in_args, out_rets, extra_nodes=()):
        """Finishes the FunctionDef of `fg`: `in_args` [(name, dtype)], `out_rets`
        [(base name, dtype, input string)]; returns its library name."""
        fd = function_pb2.FunctionDef()
        sig = fd.signature
        for name, dt in in_args:
            sig.input_arg.add(name=name, type=dt.as_datatype_enum)
        taken = set(sub.taken)
        for base, dt, src in out_rets:
            name = _fresh(_arg_name(base), taken)
            sig.output_arg.add(name=name, type=dt.as_datatype_enum)
            fd.ret[name] = src
        for nd in sub.nodes + list(extra_nodes):
            fd.node_def.add().CopyFrom(nd)
        key = fd.SerializeToString(deterministic=True)
        if key in self._by_content:
            return self._by_content[key]
        base = re.sub(r"_[0-9a-f]{8}$", "", fg.name)  # an imported function's name
        base = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_") or "function"
        base = base if base[:1].isalpha() else "f_" + base
        name = _fresh(f"{base}_{hashlib.sha1(key).hexdigest()[:8]}", self._names)
        sig.name = name
        self.library.function.add().CopyFrom(fd)
        self._by_content[key] = name
        return name

    @staticmethod
    def _union(subs):
        keys = {}
        for s in subs:
            for k in s.extras:
                keys.setdefault(k, None)
        return list(keys)

    def _arg_list(self, sub, fg, positions, n_ext, extras, prefix=()):
        """(name, dtype) of each argument: `prefix` (loop variables), then one per
        captured input position (unused ones named `unused_*`), then the extras."""
        by_pos = {p: ph for ph, p in positions}
        out = list(prefix)
        for p in range(n_ext):
            ph = by_pos.get(p)
            out.append(sub.args[ph.op] if ph is not None else
                       _fresh(f"unused_{p}", sub.taken))
        for k in extras:
            out.append(sub.extras[k] if k in sub.extras else
                       _fresh(_arg_name(k[0].name) + "_unused", sub.taken))
        return out

    def _export_if(self, op, scope, add_shapes):
        ext = op._inputs[1:]
        subs = []
        for attr in _FUNC_ATTRS["If"]:
            fg, idx = op.get_attr(attr), op.get_attr(f"_{attr}_inputs")
            sub = self._body(fg, scope)
            subs.append((attr, fg, idx, sub))
        extras = self._union([s for *_, s in subs])
        types = [t.dtype.base_dtype for t in ext] + [_ref_dtype_shape(*k)[0] for k in extras]
        names = {}
        for attr, fg, idx, sub in subs:
            arg_names = self._arg_list(sub, fg, list(zip(fg.inputs, idx)), len(ext), extras)
            names[attr] = self._function(fg, sub, list(zip(arg_names, types)),
                                         _rets(sub, fg))
        nd = self._node(scope, op, add_shapes, [scope.ref(*k) for k in extras], names)
        nd.attr["Tin"].CopyFrom(graph_io.attr_value(types))

    def _export_while(self, op, scope, add_shapes):
        cond_fg, body_fg = op.get_attr("cond"), op.get_attr("body")
        nv = len(body_fg.outputs)
        ext = op._inputs[nv:]
        tape = self.tapes.get(op, [])
        subs = {}
        for attr, fg in (("cond", cond_fg), ("body", body_fg)):
            subs[attr] = self._body(fg, scope)
        extras = self._union(subs.values())
        var_types = [t.dtype.base_dtype for t in op._inputs]
        types = var_types + [_ref_dtype_shape(*k)[0] for k in extras] + \
            [dtypes.variant] * len(tape)
        names = {}
        for attr, fg in (("cond", cond_fg), ("body", body_fg)):
            sub = subs[attr]
            idx = op.get_attr(f"_{attr}_inputs")
            var_args = [sub.args[ph.op] for ph in fg.inputs[:nv]]
            arg_names = self._arg_list(sub, fg, list(zip(fg.inputs[nv:], idx)), len(ext),
                                       extras, var_args)
            acc_args = [_fresh(_tape_name(k), sub.taken) for k in tape]
            arg_names += acc_args
            rets, push_nodes = _rets(sub, fg), []
            if attr == "body":  # captures pass through; the tapes grow by this iteration
                n_pass = len(ext) + len(extras)
                rets += [(a, dt, a) for a, dt in zip(arg_names[nv:nv + n_pass],
                                                     types[nv:nv + n_pass])]
            for k, acc in zip(tape, acc_args):
                if attr != "body":
                    break
                t = _taped(op, k)
                n_len = _fresh(f"{_tape_name(k)}/length", sub.taken)
                n_set = _fresh(f"{_tape_name(k)}/push", sub.taken)
                push_nodes.append(_nd(n_len, "TensorListLength", [acc]))
                push_nodes.append(_nd(n_set, "TensorListSetItem",
                                      [acc, f"{n_len}:length:0",
                                       sub.local(t.op, t.value_index)],
                                      element_dtype=t.dtype.base_dtype,
                                      resize_if_index_out_of_bounds=True))
                rets.append((_tape_name(k), dtypes.variant, f"{n_set}:output_handle:0"))
            names[attr] = self._function(fg, sub, list(zip(arg_names, types)), rets,
                                         push_nodes)
        acc_inputs = []
        for k in tape:  # empty accumulators, made beside the loop
            base = _fresh(f"{op.name}/{_tape_name(k)}", scope.taken)
            shape_n, count_n = base + "/element_shape", base + "/num_elements"
            scope.taken.update((shape_n, count_n))
            scope.nodes.append(_const(shape_n, -1))
            scope.nodes.append(_const(count_n, 0))
            scope.nodes.append(_nd(base, "TensorListReserve",
                                   [scope.synthetic(shape_n, "output"),
                                    scope.synthetic(count_n, "output")],
                                   element_dtype=_taped(op, k).dtype.base_dtype,
                                   shape_type=dtypes.int32))
            acc_inputs.append(scope.synthetic(base, "handle"))
        scalar = tensor_shape.TensorShape([])
        nd = self._node(scope, op, add_shapes, [scope.ref(*k) for k in extras] + acc_inputs,
                        names, [scalar] * (len(extras) + len(tape)))
        nd.attr["T"].CopyFrom(graph_io.attr_value(types))
        shapes = list(op.get_attr("output_shapes")) + \
            [_ref_dtype_shape(*k)[1] for k in extras] + [scalar] * len(tape)
        nd.attr["output_shapes"].CopyFrom(graph_io.attr_value(shapes))

    def _export_tape_op(self, op, scope):
        fwd = op.get_attr("forward")
        if op.type == "WhileTapeSize":
            acc = scope.ref(fwd, self.acc_index(fwd, self.tapes[fwd][0]))
            nd = _nd(op.name, "TensorListLength", [acc])
        else:
            acc = scope.ref(fwd, self.acc_index(fwd, op.get_attr("var")))
            shape = op.get_attr("shape")
            shape_n = _fresh(op.name + "/element_shape", scope.taken)
            es = -1 if shape is None or shape.ndims is None else \
                [-1 if d is None else d for d in shape.as_list()]
            scope.nodes.append(_const(shape_n, es))
            nd = _nd(op.name, "TensorListGetItem",
                     [acc, scope.ref(op._inputs[0].op, op._inputs[0].value_index),
                      scope.synthetic(shape_n, "output")],
                     element_dtype=op.get_attr("dtype"))
        for c in op._control_inputs:
            if c.graph is scope.graph and c not in scope.args:
                nd.input.append("^" + c.name)
        if op.device:
            nd.device = op.device
        scope.nodes.append(nd)


def _taped(op, k):
    """The body tensor behind While `op`'s recorded value `k` (None: its first input)."""
    return op.get_attr("body").inputs[0] if k is None else op._taped[k]


def _tape_name(k):
    return "tape" if k is None else f"tape_{k}"


def _rets(sub, fg):
    """(base name, dtype, input string) of each output of function `fg`."""
    return [(t.op.name, t.dtype.base_dtype, sub.local(t.op, t.value_index))
            for t in fg.outputs]


def _nd(name, op_type, inputs, **attrs):
    nd = node_def_pb2.NodeDef(name=name, op=op_type)
    nd.input.extend(inputs)
    for k, v in attrs.items():
        nd.attr[k].CopyFrom(graph_io.attr_value(v))
    return nd


def _const(name, value):
    return _nd(name, "Const", [], value=np.asarray(value, dtype=np.int32),
               dtype=dtypes.int32)


def graph_def_with_library(graph, add_shapes=False):
    """The GraphDef of `graph` with one FunctionDef per branch, condition and body."""
    exp = _Exporter(graph)
    scope = _Scope(graph, None)
    with graph._lock:
        exp.export_nodes(scope, add_shapes)
    gd = graph_pb2.GraphDef()
    gd.versions.producer = graph_io.GRAPH_DEF_VERSION
    gd.versions.min_consumer = graph_io.GRAPH_DEF_VERSION_MIN_CONSUMER
    gd.node.extend(scope.nodes)
    if exp.library.function:
        gd.library.CopyFrom(exp.library)
    return gd


def function_library(fg):
    """The FunctionDefLibrary of FuncGraph `fg` on its own: its FunctionDef first
    (arguments: its inputs, in order), then every function it calls."""
    exp = _Exporter(fg)
    sub = exp._body(fg, _Scope(fg.outer_graph, None))
    if sub.extras:
        raise ValueError(f"Function {fg.name} reads tensors of enclosing graphs that are "
                         "not among its inputs")
    args = [(sub.args[ph.op], ph.dtype.base_dtype) for ph in fg.inputs]
    name = exp._function(fg, sub, args, _rets(sub, fg))
    out = function_pb2.FunctionDefLibrary()
    funcs = sorted(exp.library.function, key=lambda f: f.signature.name != name)
    out.function.extend(funcs)
    return out


# -- import ---------------------------------------------------------------------------
def _func_names(n):
    for k, av in sorted(n.attr.items()):
        if av.WhichOneof("value") == "func":
            yield k, av.func.name
        for f in av.list.func:
            yield k, f.name


def check_library(library, nodes):
    """{name: FunctionDef} of `library`, after checking that every function the nodes
    call (and the functions those call) exists and uses only ops flowgraph has."""
    from flowgraph.framework.importer import _check_op_type
    functions = {}
    for fd in library.function:
        if fd.signature.name in functions:
            raise ValueError(f"Function '{fd.signature.name}' is defined twice in the "
                             "GraphDef's library")
        functions[fd.signature.name] = fd
    seen, stack = set(), [(n, "") for n in nodes]
    while stack:
        n, where = stack.pop()
        for attr, fname in _func_names(n):
            if n.op not in FUNCTIONAL_TYPES:
                continue  # refused with a clear error when the node is imported
            if fname not in functions:
                raise ValueError(f"Node '{n.name}'{where}: attr '{attr}' names function "
                                 f"'{fname}', which the GraphDef's library does not have")
            if fname in seen:
                continue
            seen.add(fname)
            for m in functions[fname].node_def:
                _check_op_type(m, f" of function '{fname}'")
                stack.append((m, f" of function '{fname}'"))
    _check_acyclic(functions, seen)
    return functions


def _check_acyclic(functions, used):
    """ValueError if a function in `used` calls itself, directly or through others (its
    import would never end)."""
    calls = {f: sorted({fn for m in functions[f].node_def if m.op in FUNCTIONAL_TYPES
                        for _, fn in _func_names(m) if fn in functions}) for f in used}
    state = {}  # absent: unvisited; 1: on the current path; 2: done
    for root in sorted(used):
        if root in state:
            continue
        path, stack = [root], [iter(calls[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise ValueError("The GraphDef's function library is recursive: "
                                 + " -> ".join(f"'{f}'" for f in cycle))
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(calls.get(nxt, ())))


def _func_attr(attrs, key, n):
    v = attrs.get(key)
    if not isinstance(v, str) or not v:
        raise ValueError(f"Node '{n.name}' ({n.op}) has no function in attr '{key}'")
    return v


def _order_body(fd):
    """The function's NodeDefs, each after the nodes it reads (ties in file order)."""
    nodes = list(fd.node_def)
    index = {}
    for i, m in enumerate(nodes):
        if m.name in index:
            raise ValueError(f"Function '{fd.signature.name}' has two nodes named "
                             f"'{m.name}'")
        index[m.name] = i
    users, count = [[] for _ in nodes], [0] * len(nodes)
    for i, m in enumerate(nodes):
        # "x" alone names an argument; "x:out:k" and "^x" name nodes.
        srcs = {s.lstrip("^").split(":")[0] for s in m.input
                if ":" in s or s.startswith("^")}
        for j in (index[x] for x in srcs if x in index):
            users[j].append(i)
            count[i] += 1
    ready = [i for i, c in enumerate(count) if c == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(nodes[i])
        for u in users[i]:
            count[u] -= 1
            if count[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        raise ValueError(f"Function '{fd.signature.name}' has a cycle")
    return order


def _output_of(op, out_arg, j, where):
    """Flat output of `op` for TF's (output arg name, index within that arg)."""
    pos = 0
    for name, n in _out_args(op):
        if name == out_arg and j < n:
            return op._outputs[pos + j]
        pos += n
    raise ValueError(f"{where}: op '{op.name}' ({op.type}) has no output {out_arg}:{j}")


def func_graph_from_library(library, name=None, outer_graph=None, shapes=None):
    """A FuncGraph built from function `name` (default: the first) of FunctionDefLibrary
    `library`, enclosed by `outer_graph` (default graph); arguments shaped by `shapes`
    (default: unknown)."""
    from flowgraph.framework.graph import get_default_graph
    if not library.function:
        raise ValueError("The function library is empty")
    name = name or library.function[0].signature.name
    probe = node_def_pb2.NodeDef(name="func_graph_from_library", op="If")
    probe.attr["f"].func.name = name  # checks `name` and what it calls, as an import does
    functions = check_library(library, [probe])
    n = len(functions[name].signature.input_arg)
    shapes = shapes or [tensor_shape.unknown_shape()] * n
    return build_func_graph(functions, name, outer_graph or get_default_graph(), shapes,
                            "func_graph_from_library")


def build_func_graph(functions, fname, outer, shapes, caller):
    """A FuncGraph (enclosed by `outer`) from FunctionDef `fname`, its arguments becoming
    placeholders of `shapes`; `caller` names the calling node in errors."""
    from flowgraph.framework.func_graph import FuncGraph, placeholder
    from flowgraph.framework.importer import make_op
    fd = functions[fname]
    sig = fd.signature
    where = f"Function '{fname}' (called by '{caller}')"
    if len(sig.input_arg) != len(shapes):
        raise ValueError(f"{where} takes {len(sig.input_arg)} arguments, but the node "
                         f"passes {len(shapes)}")
    fg = FuncGraph(fname, outer)
    args = {}
    node_names = {m.name for m in fd.node_def}
    with fg.as_default():
        for a, s in zip(sig.input_arg, shapes):
            if a.type_attr or a.number_attr or a.type_list_attr or not a.type:
                raise ValueError(f"{where}: argument '{a.name}' has no fixed type "
                                 "(polymorphic functions are not supported)")
            if a.name in args:
                raise ValueError(f"{where} has two arguments named '{a.name}'")
            # Arguments and nodes are different namespaces in a FunctionDef.
            ph_name = a.name if a.name not in node_names else _fresh(a.name + "_arg",
                                                                     set(node_names))
            args[a.name] = placeholder(dtypes.as_dtype(a.type), s, name=ph_name)
        fg.inputs.extend(args.values())
        created = {}

        def resolve(s):
            if s in args:
                return args[s]
            parts = s.split(":")
            op = created.get(parts[0])
            if op is None:
                raise ValueError(f"{where}: input '{s}' names no argument or node")
            if len(parts) == 3:
                return _output_of(op, parts[1], int(parts[2]), where)
            idx = int(parts[1]) if len(parts) == 2 else 0
            if idx >= len(op._outputs):
                raise ValueError(f"{where}: input '{s}' names a missing output")
            return op._outputs[idx]

        for m in _order_body(fd):
            flat, controls = [], []
            for s in m.input:
                if s.startswith("^"):
                    if s[1:] in created:
                        controls.append(created[s[1:]])
                    elif s[1:] not in args:
                        raise ValueError(f"{where}: control input '{s}' names no node")
                else:
                    flat.append(resolve(s))
            created[m.name] = make_op(fg, m, flat, controls, "", functions)
        outs = []
        for a in sig.output_arg:
            if a.name not in fd.ret:
                raise ValueError(f"{where}: output '{a.name}' has no ret entry")
            t = resolve(fd.ret[a.name])
            if a.type and t.dtype.base_dtype.as_datatype_enum != a.type:
                raise ValueError(f"{where}: output '{a.name}' is declared "
                                 f"{dtypes.as_dtype(a.type).name} but is "
                                 f"{t.dtype.base_dtype.name}")
            outs.append(t)
    fg.outputs = outs
    return fg


def import_functional(n, attrs, flat, name, functions):
    """Creates the If/While op of NodeDef `n` (also TF's StatelessIf/StatelessWhile) in
    the default graph, building its FuncGraphs from the library `functions`."""
    from flowgraph.framework.graph import get_default_graph
    from flowgraph.framework.op_builder import create_op
    g = get_default_graph()
    kind = FUNCTIONAL_TYPES[n.op]
    if kind == "If":
        if not flat:
            raise ValueError(f"Node '{n.name}' ({n.op}) has no cond input")
        pred, ext = flat[0], list(flat[1:])
        fgs = [build_func_graph(functions, _func_attr(attrs, a, n), g,
                                [t.shape for t in ext], n.name)
               for a in _FUNC_ATTRS["If"]]
        then_fg, else_fg = fgs
        if [t.dtype.base_dtype for t in then_fg.outputs] != \
                [t.dtype.base_dtype for t in else_fg.outputs]:
            raise ValueError(f"Node '{n.name}' ({n.op}): its branches return different "
                             "types")
        shapes = attrs.get("output_shapes") or []
        if len(shapes) != len(then_fg.outputs):
            shapes = [a.shape.most_specific_compatible_shape(b.shape)
                      for a, b in zip(then_fg.outputs, else_fg.outputs)]
        everything = list(range(len(ext)))
        return create_op("If", [pred, ext], {
            "Tcond": pred.dtype.base_dtype,
            "Tout": [t.dtype.base_dtype for t in then_fg.outputs],
            "then_branch": then_fg, "else_branch": else_fg, "output_shapes": shapes,
            "_then_branch_inputs": everything, "_else_branch_inputs": everything},
            name=name)
    shapes = attrs.get("output_shapes") or []
    if len(shapes) != len(flat):
        shapes = [tensor_shape.unknown_shape()] * len(flat)
    cond_fg = build_func_graph(functions, _func_attr(attrs, "cond", n), g, shapes, n.name)
    body_fg = build_func_graph(functions, _func_attr(attrs, "body", n), g, shapes, n.name)
    if len(cond_fg.outputs) != 1:
        raise ValueError(f"Node '{n.name}' ({n.op}): its cond returns "
                         f"{len(cond_fg.outputs)} values, not one")
    if [t.dtype.base_dtype for t in body_fg.outputs] != [t.dtype.base_dtype for t in flat]:
        raise ValueError(f"Node '{n.name}' ({n.op}): its body's outputs do not match the "
                         "loop inputs' types")
    # Trailing inputs the body returns unchanged are captures, not loop variables.
    nv = len(flat)
    while nv > 0 and body_fg.outputs[nv - 1] is body_fg.inputs[nv - 1]:
        nv -= 1
    body_fg.outputs = body_fg.outputs[:nv]
    rest = list(range(len(flat) - nv))
    return create_op("While", [list(flat)], {
        "T": [t.dtype.base_dtype for t in flat], "cond": cond_fg, "body": body_fg,
        "output_shapes": shapes,
        "parallel_iterations": attrs.get("parallel_iterations", 10),
        "_cond_inputs": rest, "_body_inputs": rest}, name=name)
