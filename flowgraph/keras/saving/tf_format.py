"""Keras weights in TF's checkpoint format (`save_weights('ckpt')` for a path not ending
in `.h5`): an object-based checkpoint, as tf_keras writes it.

Tensors are keyed by the path of attribute names from the model to each variable
(`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`; optimizer state as
`optimizer/iter/...` and slots as `<variable path>/.OPTIMIZER_SLOT/optimizer/m/...`),
and the `_CHECKPOINTABLE_OBJECT_GRAPH` string tensor holds the object graph (a
`TrackableObjectGraph` proto). Loading follows that graph; a checkpoint without one (a
`tf.train.Saver` checkpoint) is read by variable names instead.
"""

import os

import numpy as np

from flowgraph.framework import errors
from flowgraph.keras import backend
from flowgraph.ops import variables as variables_module
from flowgraph.proto import trackable_object_graph_pb2
from flowgraph.framework import tensor_bundle
from flowgraph.train import checkpoint_management

__all__ = ["save_weights_to_checkpoint", "load_weights_from_checkpoint",
           "OBJECT_GRAPH_KEY"]

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_VALUE = "VARIABLE_VALUE"


def _escape(local_name):
    return local_name.replace(".", "..").replace("/", ".S")


def _op_name(var):
    return var.name.split(":")[0]


def _weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


# Attributes through which Keras tracks a layer's sublayers, in the order tried.
_SUBLAYER_ATTRS = ("forward_layer", "backward_layer", "cell", "layer")


def _relative_path(layer, var):
    """The attribute path of `var` inside `layer`, as Keras tracks it: its name less the
    layer's scope (`dense/kernel:0` -> ['kernel']), each sublayer's scope replaced by the
    attribute holding it (an RNN's `lstm_cell` -> `cell`, a Bidirectional's
    `forward_lstm` -> `forward_layer`)."""
    name = _op_name(var)
    prefix = layer.name + "/"
    parts = (name[len(prefix):] if name.startswith(prefix) else name.split("/")[-1]).split("/")
    path, current = [], layer
    for part in parts[:-1]:
        for attr in _SUBLAYER_ATTRS:
            sub = getattr(current, attr, None) if current is not None else None
            if sub is not None and getattr(sub, "name", None) == part:
                path.append(attr)
                current = sub
                break
        else:
            path.append(part)
            current = None
    return path + parts[-1:]


class _GraphWriter:
    def __init__(self):
        self.proto = trackable_object_graph_pb2.TrackableObjectGraph()
        self.proto.nodes.add()  # the root
        self.tensors = {}
        self.var_nodes = {}  # id(variable) -> (node id, key prefix)

    def node(self):
        self.proto.nodes.add()
        return len(self.proto.nodes) - 1

    def child(self, parent, local_name, node_id):
        self.proto.nodes[parent].children.add(node_id=node_id, local_name=local_name)

    def variable(self, var, value, path, parent):
        prefix = "/".join(_escape(p) for p in path)
        node = self.node()
        self.child(parent, path[-1], node)
        key = prefix + "/.ATTRIBUTES/" + _VALUE
        self.proto.nodes[node].attributes.add(name=_VALUE, full_name=_op_name(var),
                                              checkpoint_key=key)
        self.tensors[key] = value
        self.var_nodes[id(var)] = (node, prefix)
        return node


def _optimizer_parts(optimizer, trainable):
    """(name, variable) of the optimizer's own variables and (var, slot, variable) of
    its slots."""
    own = []
    if getattr(optimizer, "_iterations", None) is not None:
        own.append(("iter", optimizer._iterations))
    for name, value in sorted(getattr(optimizer, "_hyper", {}).items()):
        if isinstance(value, variables_module.Variable):
            own.append((name, value))
    slots = []
    for slot in getattr(optimizer, "get_slot_names", lambda: [])():
        for var in trainable:
            try:
                slots.append((var, slot, optimizer.get_slot(var, slot)))
            except KeyError:
                continue
    return own, slots


def save_weights_to_checkpoint(model, filepath, optimizer=None):
    """Writes `model`'s weights (and `optimizer`'s state, when given) as an
    object-based checkpoint at prefix `filepath`, and updates the `checkpoint` file."""
    filepath = os.fspath(filepath)
    layers = list(model.layers)
    all_vars = [w for layer in layers for w in _weights(layer)]
    opt_own, opt_slots = (_optimizer_parts(optimizer, model.trainable_weights)
                          if optimizer is not None else ([], []))
    fetch = all_vars + [v for _, v in opt_own] + [v for _, _, v in opt_slots]
    values = dict(zip(map(id, fetch), backend.batch_get_value(fetch))) if fetch else {}

    g = _GraphWriter()
    layer_nodes = {}
    with_weights = 0
    for i, layer in enumerate(layers):
        weights = _weights(layer)
        node = layer_nodes.get(id(layer))
        if node is None:
            node = layer_nodes[id(layer)] = g.node()
            base = "layer_with_weights-%d" % with_weights if weights else "layer-%d" % i
            inner = {}
            for w in weights:
                rel = _relative_path(layer, w)
                parent = node
                for depth, part in enumerate(rel[:-1]):
                    key = tuple(rel[:depth + 1])
                    if key not in inner:
                        inner[key] = g.node()
                        g.child(parent, part, inner[key])
                    parent = inner[key]
                g.variable(w, values[id(w)], [base] + rel, parent)
        if weights:
            g.child(0, "layer_with_weights-%d" % with_weights, node)
            with_weights += 1
        g.child(0, "layer-%d" % i, node)
    if opt_own or opt_slots:
        opt_node = g.node()
        g.child(0, "optimizer", opt_node)
        for name, var in opt_own:
            g.variable(var, values[id(var)], ["optimizer", name], opt_node)
        for var, slot, slot_var in opt_slots:
            if id(var) not in g.var_nodes:
                continue
            original, prefix = g.var_nodes[id(var)]
            node = g.node()
            key = "%s/.OPTIMIZER_SLOT/optimizer/%s/.ATTRIBUTES/%s" % (prefix, slot, _VALUE)
            g.proto.nodes[node].attributes.add(name=_VALUE, full_name=_op_name(slot_var),
                                               checkpoint_key=key)
            g.tensors[key] = values[id(slot_var)]
            g.proto.nodes[opt_node].slot_variables.add(
                original_variable_node_id=original, slot_name=slot,
                slot_variable_node_id=node)
    g.child(0, "root", 0)

    writer = tensor_bundle.BundleWriter(filepath)
    try:
        writer.add(OBJECT_GRAPH_KEY, np.array(g.proto.SerializeToString(), dtype=object))
        for key, value in g.tensors.items():
            writer.add(key, np.asarray(value))
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    save_dir = os.path.dirname(filepath) or "."
    checkpoint_management.update_checkpoint_state(
        save_dir, filepath, all_model_checkpoint_paths=[filepath], save_relative_paths=True)


def _prefix(filepath):
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        latest = checkpoint_management.latest_checkpoint(filepath)
        if latest is None:
            raise errors.NotFoundError(None, None, "Failed to find any matching files for %s"
                                       % filepath)
        return latest
    return filepath


class _GraphReader:
    def __init__(self, proto):
        self.nodes = proto.nodes

    def child(self, node, name):
        for c in self.nodes[node].children:
            if c.local_name == name:
                return c.node_id
        return None

    def key(self, node):
        for a in self.nodes[node].attributes:
            if a.name == _VALUE:
                return a.checkpoint_key
        return None

    def variables_under(self, node, path=(), seen=None):
        seen = set() if seen is None else seen
        out = []
        for c in self.nodes[node].children:
            if c.node_id in seen or c.node_id == node:
                continue
            seen.add(c.node_id)
            p = path + (c.local_name,)
            if self.key(c.node_id) is not None:
                out.append((p, c.node_id))
            out += self.variables_under(c.node_id, p, seen)
        return out


def _match_layer(graph, layer_node, layer, weights):
    """(weight, checkpoint key) for each weight found under the saved layer's node."""
    saved = graph.variables_under(layer_node)
    pairs, used = [], set()
    for w in weights:
        rel = tuple(_relative_path(layer, w))
        found = [n for p, n in saved if p == rel and n not in used]
        if not found:
            found = [n for p, n in saved if p[-1] == rel[-1] and n not in used]
        if found:
            used.add(found[0])
            pairs.append((w, graph.key(found[0]), found[0]))
    return pairs


def load_weights_from_checkpoint(model, filepath, optimizer=None):
    """Restores `model`'s weights (and `optimizer`'s state when the checkpoint has it and
    `optimizer` is given) from a TF checkpoint; returns the number of values restored."""
    reader = tensor_bundle.BundleReader(_prefix(filepath))
    keys = set(reader.keys())
    pairs = []
    if OBJECT_GRAPH_KEY in keys:
        proto = trackable_object_graph_pb2.TrackableObjectGraph()
        raw = reader.read(OBJECT_GRAPH_KEY)
        proto.ParseFromString(raw.item() if hasattr(raw, "item") else raw)
        graph = _GraphReader(proto)
        node_of_var = {}
        for i, layer in enumerate(model.layers):
            node = graph.child(0, "layer-%d" % i)
            if node is None:
                continue
            for w, key, var_node in _match_layer(graph, node, layer, _weights(layer)):
                pairs.append((w, reader.read(key)))
                node_of_var[var_node] = w
        opt_node = graph.child(0, "optimizer")
        if optimizer is not None and opt_node is not None:
            optimizer._create_all_weights(model.trainable_weights)
            own, _ = _optimizer_parts(optimizer, model.trainable_weights)
            for name, var in own:
                node = graph.child(opt_node, name)
                if node is not None and graph.key(node) in keys:
                    pairs.append((var, reader.read(graph.key(node))))
            for ref in graph.nodes[opt_node].slot_variables:
                var = node_of_var.get(ref.original_variable_node_id)
                key = graph.key(ref.slot_variable_node_id)
                if var is None or key not in keys:
                    continue
                try:
                    slot_var = optimizer.get_slot(var, ref.slot_name)
                except KeyError:
                    continue
                pairs.append((slot_var, reader.read(key)))
    else:
        variables = [w for layer in model.layers for w in _weights(layer)]
        if optimizer is not None:
            variables += list(optimizer.weights)
        for w in variables:
            if _op_name(w) in keys:
                pairs.append((w, reader.read(_op_name(w))))
    if not pairs:
        raise errors.NotFoundError(None, None, "No weights of the model were found in the "
                                   "checkpoint %s" % (filepath,))
    for w, value in pairs:
        expected = tuple(backend.int_shape(w))
        if expected != tuple(np.shape(value)):
            raise ValueError("Received incompatible tensor with shape %s when attempting "
                             "to restore variable with shape %s and name %s."
                             % (np.shape(value), expected, w.name))
    backend.batch_set_value(pairs)
    return len(pairs)
