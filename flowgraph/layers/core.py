"""Core layers: `Dense`, `Dropout`, `Flatten` and their functional forms."""
import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.layers import utils
from flowgraph.layers.base import InputSpec, Layer, smart_cond
from flowgraph.ops import array_ops, init_ops, join_ops, matmul_ops, nn_impl, nn_ops

__all__ = ["Dense", "Dropout", "Flatten", "dense", "dropout", "flatten"]


class Dense(Layer):
    """Densely-connected layer: `outputs = activation(inputs @ kernel + bias)`.

    The kernel is `[input_dim, units]` (made by `kernel_initializer`, default
    `glorot_uniform`), the bias `[units]` (`bias_initializer`, default zeros). Inputs of
    rank above 2 are contracted over their last axis (`tf.tensordot`)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=utils.get_regularizer(activity_regularizer),
                         **kwargs)
        self.units = int(units) if not isinstance(units, int) else units
        if self.units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.activation = utils.get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = utils.get_initializer(kernel_initializer)
        self.bias_initializer = utils.get_initializer(bias_initializer)
        self.kernel_regularizer = utils.get_regularizer(kernel_regularizer)
        self.bias_regularizer = utils.get_regularizer(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        dtype = dtypes.as_dtype(self._dtype or dtypes.float32)
        if not (dtype.is_floating or dtype.is_complex):
            raise TypeError("A Dense layer can only be built with a floating-point dtype. "
                            f"Received: dtype={dtype.name}")
        last = input_shape.dims[-1] if input_shape.ndims else None
        last = getattr(last, "value", last)
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.kernel = self.add_weight("kernel", shape=[last, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, dtype=dtype,
                                      trainable=True)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=[self.units],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, dtype=dtype,
                                        trainable=True)
        self.built = True

    def call(self, inputs):
        rank = inputs.shape.ndims
        if rank == 2 or rank is None:
            outputs = matmul_ops.matmul(inputs, self.kernel)
        else:
            outputs = matmul_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape).with_rank_at_least(2)
        return input_shape[:-1].concatenate(self.units)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, use_bias=self.use_bias)
        return cfg


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional interface for the densely-connected layer:
    `activation(inputs @ kernel + bias)` with variables `<name>/kernel`, `<name>/bias`
    (`name` default: `dense`, `dense_1`, ...). `reuse=True` reuses the variables of a
    layer of the same name."""
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Applies dropout: in training, each element is zeroed with probability `rate` and
    the rest scaled by `1 / (1 - rate)`; otherwise the input passes unchanged.

    `call(inputs, training=False)`: `training` is a Python bool or a bool tensor (then a
    `tf.cond` chooses at run time)."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        from flowgraph.ops import core
        if isinstance(self.rate, (int, float)) and self.rate == 0:
            return core.identity(inputs)
        if training is None:
            training = False

        def dropped():
            return nn_impl.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                                   seed=self.seed)
        return smart_cond(training, dropped, lambda: core.identity(inputs))

    def compute_output_shape(self, input_shape):
        return tensor_shape.as_shape(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return cfg


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Functional interface for dropout: with `training` (a Python bool or a bool tensor)
    true, zeroes each element with probability `rate` and scales the rest by
    `1 / (1 - rate)`; else returns `inputs` (through an Identity)."""
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)
    return layer.apply(inputs, training=training)


class Flatten(Layer):
    """Flattens an input to `[batch, -1]` (channels moved last first when
    `data_format='channels_first'`)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.shape.ndims
        if self.data_format == "channels_first" and rank is not None and rank > 1:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        if rank == 1:
            inputs = array_ops.expand_dims(inputs, 1)
        shape = inputs.shape
        if shape.ndims is not None and tensor_shape.TensorShape(shape.dims[1:])\
                .is_fully_defined():
            last = int(np.prod(shape.as_list()[1:], dtype=np.int64))
            target = convert_to_tensor(np.array([-1, last], np.int32))
        elif shape.ndims is not None and shape.as_list()[0] is not None:
            target = convert_to_tensor(np.array([shape.as_list()[0], -1], np.int32))
        else:
            target = join_ops.stack([array_ops.shape(inputs)[0], -1])
        outputs = array_ops.reshape(inputs, target)
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        if input_shape.ndims is None:
            return tensor_shape.TensorShape([None, None])
        dims = input_shape.as_list()
        if not dims:
            return tensor_shape.TensorShape([1])
        rest = dims[1:]
        flat = int(np.prod(rest, dtype=np.int64)) if all(d is not None for d in rest) \
            else None
        return tensor_shape.TensorShape([dims[0], flat if rest else 1])

    def get_config(self):
        cfg = super().get_config()
        cfg["data_format"] = self.data_format
        return cfg


def flatten(inputs, name=None, data_format="channels_last"):
    """Functional interface for Flatten: `inputs` reshaped to `[batch, -1]`."""
    return Flatten(name=name, data_format=data_format).apply(inputs)
