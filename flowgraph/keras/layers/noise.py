"""Keras's regularization-by-noise layers, active only in the training phase:
GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D."""
import numpy as np

from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers import _conv_utils as cu
from flowgraph.keras.layers.core import Dropout
from flowgraph.ops import array_ops, join_ops, math_ops, unary_ops

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D"]


class _Noise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of `stddev` while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.seed = stddev, seed

    def call(self, inputs, training=None):
        def noised():
            return math_ops.add(inputs, K.random_normal(array_ops.shape(inputs), mean=0.0,
                                                        stddev=self.stddev,
                                                        dtype=inputs.dtype,
                                                        seed=self.seed))
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1, variance rate / (1 - rate), in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1:
            return inputs

        def noised():
            stddev = np.sqrt(self.rate / (1.0 - self.rate))
            return math_ops.multiply(inputs, K.random_normal(
                array_ops.shape(inputs), mean=1.0, stddev=stddev, dtype=inputs.dtype,
                seed=self.seed))
        return K.in_train_phase(noised, inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(_Noise):
    """Dropout that keeps the self-normalizing (SELU) mean and variance: dropped units
    are set to SELU's negative saturation, then an affine correction is applied."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1:
            return inputs
        noise_shape = self.noise_shape if self.noise_shape is not None else \
            array_ops.shape(inputs)

        def dropped():
            alpha = 1.6732632423543772848170429916717
            scale = 1.0507009873554804934193349852946
            alpha_p = -alpha * scale
            kept = unary_ops.cast(math_ops.greater_equal(
                K.random_uniform(noise_shape, seed=self.seed), self.rate), inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            x = math_ops.add(math_ops.multiply(inputs, kept),
                             math_ops.multiply(alpha_p, math_ops.subtract(1.0, kept)))
            return math_ops.add(math_ops.multiply(a, x), b)
        return K.in_train_phase(dropped, inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel)."""
    _rank = 1

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        if self._rank > 1:
            self.data_format = cu.normalize_data_format(data_format,
                                                        K.image_data_format())
        else:
            self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _get_noise_shape(self, inputs):
        shape = array_ops.shape(inputs)
        ones = [1] * self._rank
        if self.data_format == "channels_first":
            dims = [shape[0], shape[1]] + ones
        else:
            dims = [shape[0]] + ones + [shape[self._rank + 1]]
        return join_ops.stack(dims)

    def get_config(self):
        return Dropout.get_config(self)


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels)."""
    _rank = 1

    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2D feature maps."""
    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3D feature maps."""
    _rank = 3
