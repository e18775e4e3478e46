"""Keras's activation layers: LeakyReLU, PReLU (a learned slope), ELU, ReLU,
ThresholdedReLU, Softmax (with an optional mask)."""
import numpy as np

from flowgraph.framework import tensor_shape
from flowgraph.keras import backend as K
from flowgraph.keras import constraints, initializers, regularizers
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers.core import _ser
from flowgraph.ops import math_ops, nn_ops, reduction_ops, unary_ops

__all__ = ["LeakyReLU", "PReLU", "ELU", "ReLU", "ThresholdedReLU", "Softmax"]


def _f32(v):
    return float(np.float32(v))


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """`x` for x >= 0, `alpha * x` below."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError("The alpha value of a Leaky ReLU layer cannot be None. "
                             f"Expected a float. Received: alpha={alpha}")
        self.alpha = np.float32(alpha)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = float(self.alpha)
        return config


class PReLU(Layer):
    """LeakyReLU with a learned slope per input unit (shared along `shared_axes`)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        param_shape = list(dims[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight("alpha", shape=param_shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, dtype=self.dtype)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(dims)):
                if i not in self.shared_axes:
                    axes[i] = dims[i]
        self.input_spec = InputSpec(ndim=len(dims), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = nn_ops.relu(inputs)
        neg = math_ops.multiply(unary_ops.negative(self.alpha),
                                nn_ops.relu(unary_ops.negative(inputs)))
        return math_ops.add(pos, neg)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"alpha_initializer": _ser(initializers, self.alpha_initializer),
                       "alpha_regularizer": _ser(regularizers, self.alpha_regularizer),
                       "alpha_constraint": _ser(constraints, self.alpha_constraint),
                       "shared_axes": self.shared_axes})
        return config


class ELU(_Elementwise):
    """`x` for x > 0, `alpha * (exp(x) - 1)` below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError("Alpha of an ELU layer cannot be None, expecting a float. "
                             f"Received: {alpha}")
        self.alpha = np.float32(alpha)

    def call(self, inputs):
        return K.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = float(self.alpha)
        return config


class ReLU(_Elementwise):
    """max(x, 0) with a cap `max_value`, a `negative_slope` below `threshold`."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: {max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: {negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. "
                             f"Received: {threshold}")
        self.max_value = None if max_value is None else np.float32(max_value)
        self.negative_slope = np.float32(negative_slope)
        self.threshold = np.float32(threshold)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": None if self.max_value is None else
                       float(self.max_value),
                       "negative_slope": float(self.negative_slope),
                       "threshold": float(self.threshold)})
        return config


class ThresholdedReLU(_Elementwise):
    """`x` where x > theta, else 0."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError("Theta of a Thresholded ReLU layer cannot be None, expecting "
                             f"a float. Received: {theta}")
        if theta < 0:
            raise ValueError("The theta value of a Thresholded ReLU layer should be >=0. "
                             f"Received: {theta}")
        self.theta = np.float32(theta)

    def call(self, inputs):
        keep = unary_ops.cast(math_ops.greater(inputs, self.theta), inputs.dtype)
        return math_ops.multiply(inputs, keep)

    def get_config(self):
        config = super().get_config()
        config["theta"] = float(self.theta)
        return config


class Softmax(_Elementwise):
    """Softmax over `axis`; masked positions (mask False) get probability ~0."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            adder = math_ops.multiply(
                math_ops.subtract(1.0, unary_ops.cast(mask, inputs.dtype)),
                -1e9 if inputs.dtype.base_dtype.name != "float16" else -65500.0)
            inputs = math_ops.add(inputs, adder)
        if isinstance(self.axis, (tuple, list)):
            if len(self.axis) > 1:
                lse = reduction_ops.reduce_logsumexp(inputs, axis=list(self.axis),
                                                     keepdims=True)
                return unary_ops.exp(math_ops.subtract(inputs, lse))
            return K.softmax(inputs, axis=self.axis[0])
        return K.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
