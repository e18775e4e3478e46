"""`Node`: one call of a layer on Keras tensors, the edge record of Keras's layer graph.

Calling a layer on tensors that carry `_keras_history` makes a Node holding the inbound
layers (with the node and tensor index each input came from), the input and output
tensors and their shapes. The node joins the layer's `_inbound_nodes` and each inbound
layer's `_outbound_nodes`; each output gets `_keras_history = (layer, node_index, i)`."""
from flowgraph.framework import nest


def _shape_tuple(t):
    s = t.shape
    return None if s.ndims is None else tuple(s.as_list())


class Node:
    """A connection between layers: `outbound_layer` called on `input_tensors`."""

    def __init__(self, outbound_layer, inbound_layers, node_indices, tensor_indices,
                 input_tensors, output_tensors, arguments=None):
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.arguments = dict(arguments or {})
        self.input_shapes = nest.map_structure(_shape_tuple, input_tensors)
        self.output_shapes = nest.map_structure(_shape_tuple, output_tensors)
        for layer in nest.flatten(inbound_layers):
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    @property
    def layer(self):
        return self.outbound_layer

    def iterate_inbound(self):
        """(layer, node_index, tensor_index, tensor) for each input."""
        return list(zip(nest.flatten(self.inbound_layers), nest.flatten(self.node_indices),
                        nest.flatten(self.tensor_indices), nest.flatten(self.input_tensors)))

    def serialize(self, make_node_key, node_conversion_map):
        """The `inbound_nodes` entry of a functional config: `[[name, node, tensor, kw]]`."""
        data = []
        for layer, node_index, tensor_index, _ in self.iterate_inbound():
            key = make_node_key(layer.name, node_index)
            new_index = node_conversion_map.get(key, 0)
            data.append([layer.name, new_index, tensor_index, dict(self.arguments)])
        return data
