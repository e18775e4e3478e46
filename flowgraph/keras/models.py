"""`tf.keras.models`: Sequential, Model, model_from_json / model_from_config, clone_model
(and, with the saving module, save_model / load_model)."""
import json

from flowgraph.framework import nest
from flowgraph.keras.engine import functional
from flowgraph.keras.engine.input_layer import Input, InputLayer
from flowgraph.keras.engine.sequential import Sequential
from flowgraph.keras.engine.training import Model
from flowgraph.keras.saving.save import load_model, save_model

__all__ = ["Model", "Sequential", "model_from_config", "model_from_json",
           "model_from_yaml", "clone_model", "load_model", "save_model"]


def model_from_config(config, custom_objects=None):
    """A model (new weights) from `{'class_name': ..., 'config': ...}`."""
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Received: "
                        f"config={config}. Did you meant to use `Sequential.from_config"
                        "(config)`?")
    return functional.deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A model (new weights) from the JSON `model.to_json()` wrote."""
    return model_from_config(json.loads(json_string), custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    raise RuntimeError("Method `model_from_yaml()` has been removed due to security risk of "
                       "arbitrary code execution. Please use `Model.to_json()` and "
                       "`model_from_json()` instead.")


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def _clone_functional(model, input_tensors, clone_function):
    layer_map, tensor_map = {}, {}
    if input_tensors is None:
        new_inputs = []
        for x in model.inputs:
            layer = x._keras_history[0]
            new_inputs.append(Input(batch_shape=layer._batch_input_shape, dtype=layer.dtype,
                                    name=layer.name))
    else:
        new_inputs = []
        for x in nest.flatten(input_tensors):
            if getattr(x, "_keras_history", None) is None:
                x = Input(tensor=x)
            new_inputs.append(x)
    for x, y in zip(model.inputs, new_inputs):
        tensor_map[id(x)] = y
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.layer
            if isinstance(layer, InputLayer) and not node.inbound_layers:
                continue
            if id(layer) not in layer_map:
                layer_map[id(layer)] = clone_function(layer)
            new_layer = layer_map[id(layer)]
            ins = nest.flatten(node.input_tensors)
            if not all(id(t) in tensor_map for t in ins):
                continue
            args = [tensor_map[id(t)] for t in ins]
            outs = new_layer(args[0] if not isinstance(node.input_tensors, (list, tuple))
                             else args, **node.arguments)
            for a, b in zip(nest.flatten(node.output_tensors), nest.flatten(outs)):
                tensor_map[id(a)] = b
    outputs = [tensor_map[id(o)] for o in model.outputs]
    return Model(new_inputs[0] if len(new_inputs) == 1 else new_inputs,
                 outputs[0] if len(outputs) == 1 else outputs, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None):
    """A copy of `model`'s architecture with new layers (new weights, not copied)."""
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        new_layers = [clone_function(l) for l in model.layers]
        stack = model._stack
        if input_tensors is not None:
            x = nest.flatten(input_tensors)[0]
            if getattr(x, "_keras_history", None) is None:
                x = Input(tensor=x)
            return Sequential([x._keras_history[0]] + new_layers, name=model.name)
        if stack and isinstance(stack[0], InputLayer):
            first = stack[0]
            new_layers = [InputLayer(batch_input_shape=first._batch_input_shape,
                                     dtype=first.dtype, name=first.name)] + new_layers
        return Sequential(new_layers, name=model.name)
    if not getattr(model, "_is_graph_network", False):
        raise ValueError("Expected `model` argument to be a functional `Model` instance, "
                         f"but got a subclassed model instead: {model}")
    return _clone_functional(model, input_tensors, clone_function)
