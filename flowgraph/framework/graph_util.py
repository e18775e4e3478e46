"""`tf.graph_util`: GraphDef surgery: freezing variables into constants, pruning to the
nodes an output needs, and removing training-only nodes."""
import copy

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph_io import as_our_graph_def, attr_value
from flowgraph.framework.importer import import_graph_def
from flowgraph.proto import graph_pb2, node_def_pb2

__all__ = ["convert_variables_to_constants", "extract_sub_graph", "remove_training_nodes",
           "import_graph_def", "tensor_shape_from_node_def_name", "must_run_on_cpu"]

_VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")


def _node_name(s):
    s = s[1:] if s.startswith("^") else s
    return s.split(":")[0]


def extract_sub_graph(graph_def, dest_nodes):
    """The part of `graph_def` that `dest_nodes` (node names) depend on, in the original
    node order."""
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be a list.")
    gd = as_our_graph_def(graph_def)
    by_name = {n.name: n for n in gd.node}
    for d in dest_nodes:
        if d not in by_name:
            raise AssertionError(f"{d} is not in graph")
    keep, stack = set(), list(dest_nodes)
    while stack:
        n = stack.pop()
        if n in keep:
            continue
        keep.add(n)
        for s in by_name[n].input:
            src = _node_name(s)
            if src in by_name:
                stack.append(src)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.library.CopyFrom(gd.library)
    out.node.extend(copy.deepcopy(n) for n in gd.node if n.name in keep)
    return out


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """A copy of the part of `input_graph_def` that `output_node_names` need, with every
    variable replaced by a `Const` holding its current value in `sess`."""
    gd = extract_sub_graph(input_graph_def, output_node_names)
    names = [n.name for n in gd.node if n.op in _VARIABLE_OPS
             and (variable_names_whitelist is None or n.name in variable_names_whitelist)
             and (variable_names_blacklist is None or n.name not in variable_names_blacklist)]
    values = dict(zip(names, sess.run([n + ":0" for n in names]))) if names else {}
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.library.CopyFrom(gd.library)
    for n in gd.node:
        if n.name in values:
            c = node_def_pb2.NodeDef(name=n.name, op="Const", device=n.device)
            value = np.asarray(values[n.name])
            dt = n.attr["dtype"].type if "dtype" in n.attr else \
                dtypes.as_dtype(value.dtype).as_datatype_enum
            c.attr["dtype"].type = dt
            c.attr["value"].CopyFrom(attr_value(value))
            out.node.add().CopyFrom(c)
        else:
            out.node.add().CopyFrom(n)
    return out


def remove_training_nodes(input_graph, protected_nodes=None):
    """`input_graph` without `CheckNumerics` nodes and with pass-through `Identity` nodes
    spliced out (their consumers read the Identity's input instead). Nodes named in
    `protected_nodes` and Identities with control inputs are kept."""
    gd = as_our_graph_def(input_graph)
    protected = set(protected_nodes or ())
    by_name = {n.name: n for n in gd.node}
    control_targets = {_node_name(s) for n in gd.node for s in n.input if s.startswith("^")}
    bypass = {}
    for n in gd.node:
        if n.name in protected:
            continue
        if n.op == "CheckNumerics" or (n.op == "Identity" and n.input and
                                       not any(s.startswith("^") for s in n.input) and
                                       n.name not in control_targets):
            bypass[n.name] = n.input[0]

    def resolve(s):
        control = s.startswith("^")
        name, _, idx = (s[1:] if control else s).partition(":")
        seen = set()
        while name in bypass and (not idx or idx == "0") and name not in seen:
            seen.add(name)
            target = bypass[name]
            name, _, idx = target.partition(":")
        if control:
            return "^" + name
        return name + (":" + idx if idx and idx != "0" else "")

    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.library.CopyFrom(gd.library)
    for n in gd.node:
        if n.name in bypass:
            continue
        m = out.node.add()
        m.CopyFrom(n)
        del m.input[:]
        m.input.extend(resolve(s) for s in n.input)
    del by_name
    return out


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of tensor `input_name` ("x" means "x:0") in `graph`."""
    if ":" not in input_name:
        input_name += ":0"
    return graph.get_tensor_by_name(input_name).shape


def must_run_on_cpu(node, pin_variables_on_cpu=False):
    """Whether a node (NodeDef or Operation) has to run on the CPU (string outputs)."""
    op_type = node.type if hasattr(node, "type") else node.op
    if pin_variables_on_cpu and op_type in _VARIABLE_OPS:
        return True
    if op_type == "Const":
        dt = node.get_attr("dtype") if hasattr(node, "get_attr") else \
            dtypes.as_dtype(node.attr["dtype"].type)
        return dt == dtypes.string
    return False
