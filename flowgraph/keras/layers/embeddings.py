"""Keras's Embedding: integer ids -> rows of an (input_dim, output_dim) matrix, with
`mask_zero` marking id 0 as padding for the layers downstream."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.keras import backend as K
from flowgraph.keras import constraints, initializers, regularizers
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.layers.core import _ser
from flowgraph.ops import math_ops, nn_impl, unary_ops

__all__ = ["Embedding"]


class Embedding(Layer):
    """Looks up `embeddings[ids]`: (batch, steps) ints -> (batch, steps, output_dim)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None,
                 sparse=False, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if input_length else (None,)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError("Both `input_dim` and `output_dim` should be positive, "
                             f"Received input_dim = {input_dim} and output_dim = "
                             f"{output_dim}")
        if sparse:
            raise NotImplementedError("flowgraph's Embedding does not support sparse=True.")
        kwargs.setdefault("dtype", K.floatx())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length
        self.sparse = sparse

    def build(self, input_shape=None):
        self.embeddings = self.add_weight("embeddings",
                                          shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          dtype=self.dtype, trainable=True)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        if self.input_length is None:
            return tensor_shape.TensorShape(dims + [self.output_dim])
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else [self.input_length]
        if len(lengths) != len(dims) - 1:
            raise ValueError(f'"input_length" is {self.input_length}, but received input '
                             f"has shape {tuple(dims)}")
        for i, (given, actual) in enumerate(zip(lengths, dims[1:])):
            if given is not None and actual is not None and int(given) != int(actual):
                raise ValueError(f'"input_length" is {self.input_length}, but received '
                                 f"input has shape {tuple(dims)}")
            if given is None:
                lengths[i] = actual
        return tensor_shape.TensorShape([dims[0]] + lengths + [self.output_dim])

    def call(self, inputs):
        if inputs.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            inputs = unary_ops.cast(inputs, "int32")
        return nn_impl.embedding_lookup(self.embeddings, inputs)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": _ser(initializers, self.embeddings_initializer),
            "embeddings_regularizer": _ser(regularizers, self.embeddings_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "embeddings_constraint": _ser(constraints, self.embeddings_constraint),
            "mask_zero": self.mask_zero, "input_length": self.input_length})
        return config
