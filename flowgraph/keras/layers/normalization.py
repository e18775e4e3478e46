"""Keras's BatchNormalization: batch statistics while training (the learning phase),
moving averages at inference; the moving-average assignments are the layer's `updates`.
4-D/5-D inputs normalized on the channel axis use the fused kernel, as Keras does."""
from flowgraph.framework import tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import constant, constant_value, convert_to_tensor
from flowgraph.keras import backend as K
from flowgraph.keras import constraints, initializers, regularizers
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers.core import _ser, smart_cond
from flowgraph.ops import array_ops, math_ops, nn_impl, norm_ops, state_ops, unary_ops

__all__ = ["BatchNormalization"]

_FUSED_FORMATS = {(4, 1): "NCHW", (4, 3): "NHWC", (5, 1): "NCDHW", (5, 4): "NDHWC"}


class BatchNormalization(Layer):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta`, with batch moments in
    training and `moving_mean`/`moving_variance` at inference."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("flowgraph's BatchNormalization does not support "
                                      "renorm, virtual_batch_size or adjustment.")
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis}")
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        self.fused = fused
        self.supports_masking = True

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        rank = len(dims)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        axes = sorted(a + rank if a < 0 else a for a in axes)
        for a in axes:
            if a < 0 or a >= rank:
                raise ValueError(f"Invalid axis. Expected 0 <= axis < inputs.rank (with "
                                 f"inputs.rank={rank}). Received: layer.axis={self.axis}")
        if len(set(axes)) != len(axes):
            raise ValueError(f"Duplicate axis: {self.axis}")
        self.axis = axes
        fmt = _FUSED_FORMATS.get((rank, axes[0])) if len(axes) == 1 else None
        if self.fused is None:
            self.fused = fmt is not None
        elif self.fused and fmt is None:
            raise ValueError("Batch normalization layers with `fused=True` only support 4D "
                             "or 5D input tensors. Received tensor with shape: "
                             f"{tuple(dims)}")
        self._data_format = fmt
        axis_to_dim = {a: dims[a] for a in axes}
        for a, d in axis_to_dim.items():
            if d is None:
                raise ValueError("Input has undefined `axis` dimension. Received input "
                                 f"with shape {tuple(dims)} and axis={self.axis}")
        self.input_spec = InputSpec(ndim=rank, axes=axis_to_dim)
        if len(axes) == 1:
            param_shape = (axis_to_dim[axes[0]],)
        else:
            param_shape = tuple(axis_to_dim[i] if i in axis_to_dim else 1
                                for i in range(rank))
        self._param_shape = param_shape
        self.gamma = self.add_weight("gamma", shape=param_shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint, trainable=True,
                                     dtype=self.dtype) if self.scale else None
        self.beta = self.add_weight("beta", shape=param_shape,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint, trainable=True,
                                    dtype=self.dtype) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape=param_shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, dtype=self.dtype)
        self.moving_variance = self.add_weight("moving_variance", shape=param_shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, dtype=self.dtype)
        self.built = True

    def _training_value(self, training):
        if training is None:
            training = K.learning_phase()
        if isinstance(training, int):
            training = bool(training)
        if not self.trainable:
            training = False
        return training

    def _assign_moving_average(self, variable, value, momentum):
        with name_scope("AssignMovingAvg") as scope:
            decay = math_ops.subtract(constant(1.0, dtype=variable.dtype.base_dtype),
                                      momentum)
            delta = math_ops.multiply(math_ops.subtract(variable, value), decay)
            return state_ops.assign_sub(variable, delta, name=scope)

    def _add_updates(self, training, mean, variance):
        value = training if isinstance(training, bool) else constant_value(training)
        if value is not None and not value:
            return
        if value is None:
            momentum = smart_cond(training, lambda: constant(self.momentum, dtype="float32"),
                                  lambda: constant(1.0, dtype="float32"))
        else:
            momentum = constant(self.momentum, dtype="float32")
        if momentum.dtype != self.moving_mean.dtype.base_dtype:
            momentum = unary_ops.cast(momentum, self.moving_mean.dtype.base_dtype)
        self.add_update(self._assign_moving_average(self.moving_mean, mean, momentum))
        self.add_update(self._assign_moving_average(self.moving_variance, variance,
                                                    momentum))

    def _params(self, dtype):
        gamma = self.gamma if self.scale else constant(1.0, dtype=dtype,
                                                       shape=self._param_shape)
        beta = self.beta if self.center else constant(0.0, dtype=dtype,
                                                      shape=self._param_shape)
        return gamma, beta

    def call(self, inputs, training=None, mask=None):
        training = self._training_value(training)
        if self.fused:
            return self._fused(inputs, training)
        rank = inputs.shape.ndims
        reduction_axes = [i for i in range(rank) if i not in self.axis]
        keep_dims = len(self.axis) > 1
        mean, variance = nn_impl.moments(inputs, reduction_axes, keepdims=keep_dims)
        moving_mean = convert_to_tensor(self.moving_mean)
        moving_var = convert_to_tensor(self.moving_variance)
        mean = smart_cond(training, lambda: mean, lambda: moving_mean)
        variance = smart_cond(training, lambda: variance, lambda: moving_var)
        self._add_updates(training, mean, variance)
        broadcast = None
        if len(self.axis) == 1 and self.axis[0] != rank - 1:
            broadcast = [1] * rank
            broadcast[self.axis[0]] = self._param_shape[0]

        def bc(t):
            return t if t is None or broadcast is None else array_ops.reshape(t, broadcast)
        return nn_impl.batch_normalization(inputs, bc(mean), bc(variance), bc(self.beta),
                                           bc(self.gamma), self.epsilon)

    def _fused(self, inputs, training):
        gamma, beta = self._params(inputs.dtype)

        def train():
            return norm_ops.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon,
                                             is_training=True,
                                             data_format=self._data_format)

        def infer():
            return norm_ops.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                             variance=self.moving_variance,
                                             epsilon=self.epsilon, is_training=False,
                                             data_format=self._data_format)
        output, mean, variance = _smart_cond3(training, train, infer)
        self._add_updates(training, mean, variance)
        return output

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        axis = self.axis
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        config.update({
            "axis": axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": _ser(initializers, self.beta_initializer),
            "gamma_initializer": _ser(initializers, self.gamma_initializer),
            "moving_mean_initializer": _ser(initializers, self.moving_mean_initializer),
            "moving_variance_initializer": _ser(initializers,
                                                self.moving_variance_initializer),
            "beta_regularizer": _ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": _ser(regularizers, self.gamma_regularizer),
            "beta_constraint": _ser(constraints, self.beta_constraint),
            "gamma_constraint": _ser(constraints, self.gamma_constraint)})
        return config


def _smart_cond3(pred, true_fn, false_fn):
    """`smart_cond` for functions returning 3 tensors."""
    return smart_cond(pred, lambda: list(true_fn()), lambda: list(false_fn()))
