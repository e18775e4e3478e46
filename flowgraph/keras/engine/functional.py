"""`Network`: a layer made of layers. Built from `inputs`/`outputs` Keras tensors (the
functional API: the layer graph found by walking `_keras_history` back from the outputs)
or, in a subclass, from a user's `call`."""
import inspect
import json

import numpy as np

from flowgraph.framework import nest
from flowgraph.framework.graph import Tensor
from flowgraph.keras.engine import base_layer
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_layer import InputLayer
from flowgraph.keras.utils import generic_utils, layer_utils

__all__ = ["Network", "get_layer_class", "deserialize_layer"]


def get_layer_class(name, custom_objects=None):
    """The layer class serialized as `name`: custom objects first, then Keras's layers."""
    cls = generic_utils._lookup(name, base_layer.LAYER_CLASSES, custom_objects)
    if cls is None:
        raise ValueError(f"Unknown layer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope. See https://www.tensorflow.org/guide/"
                         "keras/save_and_serialize#registering_the_custom_object for "
                         "details.")
    return cls


def deserialize_layer(config, custom_objects=None):
    """A layer from `{'class_name': ..., 'config': ...}`."""
    cls = get_layer_class(config["class_name"], custom_objects)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config["config"], custom_objects=custom_objects)
    with generic_utils.CustomObjectScope(custom_objects or {}):
        return cls.from_config(config["config"])


def _skips_first_node(layer):
    """Keras gives a functional model an internal node 0 (inputs to outputs), so configs
    number its calls from 1; flowgraph's models have no such node."""
    return isinstance(layer, Network) and layer._is_graph_network


def _make_node_key(layer_name, node_index):
    return f"{layer_name}_ib-{node_index}"


def map_graph_network(inputs, outputs):
    """(network nodes, nodes by depth, layers in order, layers by depth) of the layer
    graph between `inputs` and `outputs`, ordered as Keras orders them."""
    nodes_in_order, layer_indices = [], {}
    finished, in_progress = set(), set()

    def build_map(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in in_progress:
            raise ValueError(f"The tensor {tensor} at layer {layer.name} is part of a "
                             "cycle.")
        if id(node) in finished:
            return
        if id(layer) not in layer_indices:
            layer_indices[id(layer)] = len(layer_indices)
        in_progress.add(id(node))
        for _, _, _, t in node.iterate_inbound():
            build_map(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_order.append(node)

    for t in outputs:
        build_map(t)
    node_depth, layer_depth = {}, {}
    layer_of = {}
    for node in reversed(nodes_in_order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layer_of[id(node.layer)] = node.layer
        node_depth[id(node)] = depth
        for layer, node_index, _, _ in node.iterate_inbound():
            inbound = layer._inbound_nodes[node_index]
            node_depth[id(inbound)] = max(depth + 1, node_depth.get(id(inbound), 0))
    nodes_by_depth = {}
    for node in nodes_in_order:
        nodes_by_depth.setdefault(node_depth[id(node)], []).append(node)
    layers_by_depth = {}
    for lid, depth in layer_depth.items():
        layers_by_depth.setdefault(depth, []).append(layer_of[lid])
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        group = sorted(layers_by_depth[depth], key=lambda l: layer_indices[id(l)])
        layers_by_depth[depth] = group
        layers.extend(group)
    computable = {id(t) for t in inputs}
    accessed = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if not node.inbound_layers:  # an input node: its tensor must be an input
                continue
            for _, _, _, t in node.iterate_inbound():
                if id(t) not in computable:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                     f"{t} at layer \"{t._keras_history[0].name}\". The "
                                     "following previous layers were accessed without "
                                     f"issue: {accessed}")
            for t in nest.flatten(node.output_tensors):
                computable.add(id(t))
            accessed.append(node.layer.name)
    names = [l.name for l in layers]
    for name in set(names):
        if names.count(name) != 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the '
                             "model. All layer names should be unique.")
    network_nodes = {id(n) for n in nodes_in_order}
    return network_nodes, nodes_by_depth, layers, layers_by_depth


class Network(Layer):
    """A model's layer graph: `Network(inputs, outputs)` or a subclass with `call`."""

    def __init__(self, *args, **kwargs):
        self._is_graph_network = False
        if (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
                or ("inputs" in kwargs and "outputs" in kwargs)):
            inputs = args[0] if args else kwargs.pop("inputs")
            outputs = args[1] if len(args) > 1 else kwargs.pop("outputs")
            self._init_graph_network(inputs, outputs, **kwargs)
        else:
            if args:
                raise TypeError(f"Model() takes inputs and outputs; got {args}")
            self._init_subclassed_network(**kwargs)

    def _base_init(self, name, **kwargs):
        if name is None:
            from_cls = "model" if type(self).__name__ in ("Model", "Functional", "Network") \
                else None
            super().__init__(name=from_cls and self._unique_model_name(from_cls), **kwargs)
        else:
            super().__init__(name=name, **kwargs)

    @staticmethod
    def _unique_model_name(base):
        uid = base_layer.K.get_uid(base)
        return base if uid == 1 else f"{base}_{uid - 1}"

    def _init_subclassed_network(self, name=None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        dynamic = kwargs.pop("dynamic", False)
        self._base_init(name, trainable=trainable, dtype=dtype, dynamic=dynamic, **kwargs)
        self.inputs, self.outputs = None, None
        self.input_names, self.output_names = None, None

    def _init_graph_network(self, inputs, outputs, name=None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {list(kwargs)}")
        self._nested_inputs, self._nested_outputs = inputs, outputs
        flat_in, flat_out = nest.flatten(inputs), nest.flatten(outputs)
        for x in flat_in + flat_out:
            if not isinstance(x, Tensor) or getattr(x, "_keras_history", None) is None:
                raise ValueError("Input tensors to a Functional must come from "
                                 f"`tf.keras.Input`. Received: {x} (missing previous layer "
                                 "metadata).")
        for x in flat_in:
            layer, node_index, _ = x._keras_history
            if layer._inbound_nodes[node_index].inbound_layers:
                raise ValueError("Input tensors to a Functional must come from "
                                 f"`tf.keras.Input`. Received: {x} (missing previous layer "
                                 "metadata).")
        self._base_init(name, trainable=trainable)
        self._is_graph_network = True
        self.inputs, self.outputs = list(flat_in), list(flat_out)
        self._input_layers = [x._keras_history[0] for x in self.inputs]
        self._output_layers = [x._keras_history[0] for x in self.outputs]
        self._output_coordinates = [x._keras_history for x in self.outputs]
        self._input_coordinates = [x._keras_history for x in self.inputs]
        (self._network_nodes, self._nodes_by_depth, layers,
         self._layers_by_depth) = map_graph_network(self.inputs, self.outputs)
        object.__setattr__(self, "_layers", list(layers))
        self.input_names = [l.name for l in self._input_layers]
        self.output_names = [l.name for l in self._output_layers]
        self._feed_input_names = list(self.input_names)
        self.built = True
        self.supports_masking = any(getattr(x, "_keras_mask", None) is not None
                                    for x in self.outputs)

    # -- layers --------------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """The layer called `name` (or at position `index`)."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[l.name for l in self.layers]}.")

    @property
    def weights(self):
        # As Keras's Model: each layer's weights in turn (trainable and not), then its own.
        ws = []
        for layer in self._layers:
            ws += layer.weights
        return self._dedup(ws + self._trainable_weights + self._non_trainable_weights)

    @property
    def input(self):
        if self._is_graph_network:
            return self._nested_inputs
        return super().input

    @property
    def output(self):
        if self._is_graph_network:
            return self._nested_outputs
        return super().output

    @property
    def input_shape(self):
        if self._is_graph_network:
            return nest.map_structure(lambda t: tuple(t.shape.as_list()), self._nested_inputs)
        return super().input_shape

    @property
    def output_shape(self):
        if self._is_graph_network:
            return nest.map_structure(lambda t: tuple(t.shape.as_list()),
                                      self._nested_outputs)
        return super().output_shape

    def reset_states(self):
        """Resets the states of the model's stateful layers."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    @property
    def state_updates(self):
        return [u for layer in self.layers if getattr(layer, "stateful", False)
                for u in layer.updates]

    # -- calling -------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError("When subclassing the `Model` class, you should "
                                      "implement a `call()` method.")
        return self._run_internal_graph(inputs, training=training, mask=mask)

    def _run_internal_graph(self, inputs, training=None, mask=None):
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), but '
                             f"it received {len(flat)} input tensors. Inputs received: "
                             f"{inputs}")
        computed = {}
        masks = nest.flatten(mask) if mask is not None else [None] * len(flat)
        for x, y, m in zip(self.inputs, flat, masks):
            if m is not None:
                y._keras_mask = m
            computed[id(x)] = y
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                layer = node.layer
                if isinstance(layer, InputLayer) and not node.inbound_layers:
                    continue
                ins = node.input_tensors
                if not all(id(t) in computed for t in nest.flatten(ins)):
                    continue
                args = nest.map_structure(lambda t: computed[id(t)], ins)
                kwargs = dict(node.arguments)
                if "training" in kwargs and kwargs["training"] is None or \
                        training is not None and layer._expects_training_arg \
                        and "training" not in kwargs:
                    kwargs["training"] = training
                outs = layer(args, **kwargs)
                for x, y in zip(nest.flatten(node.output_tensors), nest.flatten(outs)):
                    computed[id(x)] = y
        outputs = [computed[id(x)] for x in self.outputs]
        return nest.pack_sequence_as(self._nested_outputs, outputs)

    def compute_output_shape(self, input_shape):
        if not self._is_graph_network:
            return super().compute_output_shape(input_shape)
        shapes = [x.shape for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_mask(self, inputs, mask=None):
        if not self._is_graph_network:
            return None
        return None

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        if not self._is_graph_network:
            raise NotImplementedError("Subclassed models have no config: implement "
                                      "`get_config` to serialize this model.")
        node_map = {}
        for layer in self.layers:
            kept = 1 if _skips_first_node(layer) else 0
            for original, node in enumerate(layer._inbound_nodes):
                if id(node) in self._network_nodes:
                    node_map[_make_node_key(layer.name, original)] = kept
                    kept += 1
        layer_configs = []
        for layer in self.layers:
            filtered = []
            for original, node in enumerate(layer._inbound_nodes):
                if id(node) in self._network_nodes and node.inbound_layers:
                    filtered.append(node.serialize(_make_node_key, node_map))
            layer_configs.append({"class_name": generic_utils.get_registered_name(type(layer)),
                                  "config": layer.get_config(), "name": layer.name,
                                  "inbound_nodes": filtered})

        def coords(tensors):
            out = []
            for t in tensors:
                layer, node_index, tensor_index = t._keras_history
                key = _make_node_key(layer.name, node_index)
                out.append([layer.name, node_map.get(key, 0), tensor_index])
            return out
        ins, outs = coords(self.inputs), coords(self.outputs)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": ins, "output_layers": outs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        created, pending = {}, {}

        def process_node(layer, node_data):
            tensors = []
            kwargs = {}
            for name, node_index, tensor_index, *rest in node_data:
                inbound = created[name]
                node_index -= 1 if _skips_first_node(inbound) else 0
                if len(inbound._inbound_nodes) <= node_index:
                    return False
                node = inbound._inbound_nodes[node_index]
                tensors.append(nest.flatten(node.output_tensors)[tensor_index])
                kwargs = rest[0] if rest else {}
            layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)
            return True

        for lc in config["layers"]:
            layer = deserialize_layer(lc, custom_objects)
            created[lc["name"]] = layer
            pending[lc["name"]] = list(lc.get("inbound_nodes", []))
        while any(pending.values()):
            progressed = False
            for lc in config["layers"]:
                name = lc["name"]
                while pending[name] and process_node(created[name], pending[name][0]):
                    pending[name].pop(0)
                    progressed = True
            if not progressed:
                raise ValueError("The model's config has nodes whose inputs never appear.")

        def tensors(coords):
            if coords and not isinstance(coords[0], (list, tuple)):
                coords = [coords]
            return [nest.flatten(created[n]._inbound_nodes[
                i - (1 if _skips_first_node(created[n]) else 0)].output_tensors)[t]
                for n, i, t in coords]
        ins, outs = tensors(config["input_layers"]), tensors(config["output_layers"])
        return cls(inputs=ins[0] if len(ins) == 1 else ins,
                   outputs=outs[0] if len(outs) == 1 else outs, name=config.get("name"))

    def to_json(self, **kwargs):
        """The model's architecture as Keras's JSON (`model_from_json` reads it back)."""
        name = generic_utils.get_registered_name(type(self))
        data = {"class_name": "Functional" if name == "Model" else name,
                "config": self.get_config(),
                "keras_version": "2.21.0", "backend": "tensorflow"}
        return json.dumps(data, default=_json_default, **kwargs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints the model's layers in Keras's table."""
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by "
                             "calling `build()` or by calling the model on a batch of "
                             "data.")
        layer_utils.print_summary(self, line_length=line_length, positions=positions,
                                  print_fn=print_fn, expand_nested=expand_nested,
                                  show_trainable=show_trainable)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "as_list"):
        return obj.as_list()
    if hasattr(obj, "name") and hasattr(obj, "is_floating"):
        return obj.name
    raise TypeError(f"Not JSON Serializable: {obj}")
