"""`Sequential`: a linear stack of layers, built as soon as the input shape is known
(`input_shape=` on the first layer, an `InputLayer`, or the first call / `fit`)."""
import copy

from flowgraph.framework import nest, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.keras.engine import functional, training
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_layer import Input, InputLayer

__all__ = ["Sequential"]


class Sequential(training.Model):
    """`Sequential([Dense(512, activation='relu', input_shape=(784,)), Dense(10)])`."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name or self._unique_model_name("sequential"))
        self._is_graph_network = False
        self.supports_masking = True
        self._build_input_shape = None
        self._stack = []
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        # The InputLayer is not one of Sequential's layers.
        return [l for l in self._stack if not isinstance(l, InputLayer)]

    def add(self, layer):
        """Appends `layer` to the stack (and connects it when the model is built)."""
        if isinstance(layer, Tensor) and getattr(layer, "_keras_history", None):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. "
                            f"Received: layer={layer} of type {type(layer)}.")
        if any(l.name == layer.name for l in self._stack):
            raise ValueError(f'All layers added to a Sequential model should have unique '
                             f'names. Name "{layer.name}" is already the name of a layer '
                             "in this model. Update the `name` argument to pass a unique "
                             "name.")
        self.built = False
        if not self._stack:
            if isinstance(layer, InputLayer):
                self._stack.append(layer)
                self._layers.append(layer)
                self._set_graph_outputs(layer._inbound_nodes[-1].output_tensors[0],
                                        layer._inbound_nodes[-1].output_tensors[0])
                return
            batch_shape = getattr(layer, "_batch_input_shape", None)
            if batch_shape is not None:
                x = Input(batch_shape=batch_shape, dtype=layer._dtype or None,
                          name=layer.name + "_input")
                self._stack.append(x._keras_history[0])
                self._layers.append(x._keras_history[0])
                self._append(layer)
                self._set_graph_outputs(x, self._single_output(layer(x)))
                return
        elif self.outputs is not None:
            self._append(layer)
            self._set_graph_outputs(self.inputs[0], self._single_output(layer(self.outputs[0])))
            return
        self._append(layer)

    def _append(self, layer):
        self._stack.append(layer)
        if all(layer is not l for l in self._layers):
            self._layers.append(layer)

    @staticmethod
    def _single_output(out):
        if len(nest.flatten(out)) != 1:
            raise ValueError("All layers in a Sequential model should have a single output "
                             "tensor. For multi-output layers, use the functional API.")
        return nest.flatten(out)[0]

    def _set_graph_outputs(self, x, y):
        self.inputs, self.outputs = [x], [y]
        self._rebuild_graph_network()

    def _rebuild_graph_network(self):
        x, y = self.inputs[0], self.outputs[0]
        self._nested_inputs, self._nested_outputs = x, y
        self._input_layers = [x._keras_history[0]]
        self._output_layers = [y._keras_history[0]]
        (self._network_nodes, self._nodes_by_depth, _,
         self._layers_by_depth) = functional.map_graph_network([x], [y])
        self.input_names = [self._input_layers[0].name]
        self.output_names = [self._output_layers[0].name]
        self._feed_input_names = list(self.input_names)
        self._is_graph_network = True
        self.built = True

    def pop(self):
        """Removes the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._layers = [l for l in self._layers if l is not layer]
        if not self.layers:
            self.outputs, self.inputs, self.built = None, None, False
            self._is_graph_network = False
            self._stack = [l for l in self._stack if not isinstance(l, InputLayer)]
        elif self.outputs is not None:
            last = self.layers[-1]
            self.outputs = [nest.flatten(last._inbound_nodes[-1].output_tensors)[0]]
            self._rebuild_graph_network()

    def build(self, input_shape=None):
        """Builds the stack on an `Input` of `input_shape` (batch dimension included)."""
        if self._is_graph_network:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(tensor_shape.TensorShape(input_shape).as_list())
        self._build_input_shape = input_shape
        first = self._stack[0] if self._stack else None
        dtype = first._dtype if first is not None else None
        name = first.name + "_input" if first is not None else None
        x = Input(batch_shape=input_shape, dtype=dtype, name=name)
        y = x
        for layer in self._stack:
            y = self._single_output(layer(y))
        self._stack.insert(0, x._keras_history[0])
        self._layers.insert(0, x._keras_history[0])
        self._set_graph_outputs(x, y)

    def call(self, inputs, training=None, mask=None):
        if self._is_graph_network:
            return self._run_internal_graph(inputs, training=training, mask=mask)
        outputs = inputs
        for layer in self.layers:
            kwargs = {"training": training} if layer._expects_training_arg and \
                training is not None else {}
            outputs = layer(outputs, **kwargs)
        return outputs

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if not self._is_graph_network and self._stack and isinstance(inputs, Tensor) \
                and getattr(inputs, "_keras_history", None) is not None \
                and inputs.shape.ndims is not None and not self.built:
            self.build(tuple(inputs.shape.as_list()))
        return super().__call__(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        layer_configs = []
        for layer in self._stack:
            layer_configs.append({"class_name": type(layer).__name__,
                                  "config": copy.deepcopy(layer.get_config())})
        config = {"name": self.name, "layers": layer_configs}
        if not self._is_graph_network and self._build_input_shape is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "name" in config:
            name, layer_configs = config["name"], config["layers"]
        else:
            name, layer_configs = None, config
        model = cls(name=name)
        for lc in layer_configs:
            model.add(functional.deserialize_layer(lc, custom_objects))
        if not model.inputs and config.get("build_input_shape") if isinstance(config, dict) \
                else False:
            model.build(config["build_input_shape"])
        return model
