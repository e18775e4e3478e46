"""`InputLayer` and `Input`: the placeholder a functional model starts from."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.node import Node
from flowgraph.ops import core

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The entry of a model: holds a placeholder (or a given tensor) as its one output."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, ragged=False, batch_input_shape=None,
                 optional=False, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {list(kwargs)}")
        if sparse or ragged:
            raise ValueError("flowgraph's InputLayer does not support sparse or ragged "
                             "inputs")
        if input_shape is not None and batch_input_shape is not None:
            raise ValueError("Only provide the input_shape OR batch_input_shape argument "
                             "to InputLayer, not both at the same time.")
        if not name:
            name = f"input_{K.get_uid('input')}"
        if input_tensor is not None and dtype is None:
            dtype = input_tensor.dtype.base_dtype.name
        dtype = dtypes.as_dtype(dtype or K.floatx()).name
        super().__init__(dtype=dtype, name=name)
        self.built = True
        self.sparse, self.ragged = False, False
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        if input_tensor is None:
            shape = tuple(batch_input_shape) if batch_input_shape is not None else None
            input_tensor = core.placeholder(dtypes.as_dtype(dtype), shape=shape, name=name)
            self.is_placeholder = True
        else:
            self.is_placeholder = False
            if input_tensor.shape.ndims is not None:
                batch_input_shape = tuple(input_tensor.shape.as_list())
        self._batch_input_shape = tuple(batch_input_shape) if batch_input_shape is not None \
            else None
        input_tensor._keras_mask = None
        Node(self, [], [], [], [input_tensor], [input_tensor])
        input_tensor._keras_history = (self, 0, 0)

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          ragged=False, **kwargs):
    """`Input(shape=(784,))`: a Keras tensor (a placeholder with a batch dimension)."""
    batch_shape = kwargs.pop("batch_shape", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {list(kwargs)}")
    if shape is not None and batch_shape is not None:
        raise ValueError("Only provide the `shape` OR `batch_shape` argument to Input, "
                         "not both at the same time.")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input a `shape` or a `tensor` or a `type_spec` "
                         "argument. Note that `shape` does not include the batch "
                         "dimension.")
    if shape is not None and not isinstance(shape, (tuple, list, tensor_shape.TensorShape)):
        shape = (shape,)
    if shape is not None:
        shape = tuple(tensor_shape.TensorShape(shape).as_list())
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, input_tensor=tensor, ragged=ragged,
                       batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].output_tensors[0]
