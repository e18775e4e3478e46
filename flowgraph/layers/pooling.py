"""Pooling layers: `MaxPooling1D/2D`, `AveragePooling1D/2D` and their functional forms
(ops `max_pooling2d/MaxPool`, `average_pooling2d/AvgPool`; the 1-D forms pool a
`[batch, width, 1, channels]` view)."""
from flowgraph.framework import tensor_shape
from flowgraph.layers import utils
from flowgraph.layers.base import InputSpec, Layer
from flowgraph.ops import pool_ops

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "max_pooling1d", "max_pooling2d", "average_pooling1d", "average_pooling2d"]


class _Pooling(Layer):
    _rank = 2
    _kind = "max"

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        n = self._rank
        if strides is None:
            strides = pool_size
        self.pool_size = utils.normalize_tuple(pool_size, n, "pool_size")
        self.strides = utils.normalize_tuple(strides, n, "strides")
        self.padding = utils.normalize_padding(padding)
        self.data_format = utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)

    def _pool(self, inputs, ksize, strides, df):
        fn = pool_ops.max_pool if self._kind == "max" else pool_ops.avg_pool
        return fn(inputs, ksize=ksize, strides=strides, padding=self.padding.upper(),
                  data_format=df)

    def call(self, inputs):
        first = self.data_format == "channels_first"
        if self._rank == 2:
            if first:
                ksize, strides = (1, 1) + self.pool_size, (1, 1) + self.strides
            else:
                ksize, strides = (1,) + self.pool_size + (1,), (1,) + self.strides + (1,)
            outputs = self._pool(inputs, list(ksize), list(strides), "NCHW" if first
                                 else "NHWC")
            return outputs
        from flowgraph.ops import array_ops
        axis = 3 if first else 2
        x = array_ops.expand_dims(inputs, axis)
        if first:
            ksize = [1, 1, self.pool_size[0], 1]
            strides = [1, 1, self.strides[0], 1]
        else:
            ksize = [1, self.pool_size[0], 1, 1]
            strides = [1, self.strides[0], 1, 1]
        outputs = self._pool(x, ksize, strides, "NCHW" if first else "NHWC")
        return array_ops.squeeze(outputs, [axis])

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape).with_rank(self._rank + 2)
        dims = input_shape.as_list()
        first = self.data_format == "channels_first"
        spatial = dims[2:] if first else dims[1:-1]
        out = [utils.conv_output_length(d, k, self.padding, s)
               for d, k, s in zip(spatial, self.pool_size, self.strides)]
        if first:
            return tensor_shape.TensorShape(dims[:2] + out)
        return tensor_shape.TensorShape([dims[0]] + out + [dims[-1]])

    def get_config(self):
        cfg = super().get_config()
        cfg.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                   data_format=self.data_format)
        return cfg


class MaxPooling1D(_Pooling):
    """Max pooling over `[batch, steps, channels]` (or channels first)."""
    _rank, _kind = 1, "max"


class AveragePooling1D(_Pooling):
    """Average pooling over `[batch, steps, channels]` (or channels first)."""
    _rank, _kind = 1, "avg"


class MaxPooling2D(_Pooling):
    """Max pooling over `[batch, height, width, channels]` (or channels first)."""
    _rank, _kind = 2, "max"


class AveragePooling2D(_Pooling):
    """Average pooling over `[batch, height, width, channels]` (or channels first)."""
    _rank, _kind = 2, "avg"


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Max pooling layer for 1D inputs (functional interface)."""
    return MaxPooling1D(pool_size, strides, padding=padding, data_format=data_format,
                        name=name).apply(inputs)


def average_pooling1d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Average pooling layer for 1D inputs (functional interface)."""
    return AveragePooling1D(pool_size, strides, padding=padding, data_format=data_format,
                            name=name).apply(inputs)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Max pooling layer for 2D inputs (e.g. images), functional interface."""
    return MaxPooling2D(pool_size, strides, padding=padding, data_format=data_format,
                        name=name).apply(inputs)


def average_pooling2d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Average pooling layer for 2D inputs (e.g. images), functional interface."""
    return AveragePooling2D(pool_size, strides, padding=padding, data_format=data_format,
                            name=name).apply(inputs)
