"""Keras's pooling layers: Max/AveragePooling1D/2D/3D and the global poolings."""
from flowgraph.framework import tensor_shape
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers import _conv_utils as cu
from flowgraph.ops import array_ops, math_ops, reduction_ops, unary_ops

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D",
           "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D",
           "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "GlobalAvgPool3D"]


class _Pooling(Layer):
    """N-D pooling with a window `pool_size` moved by `strides` (default: pool_size)."""
    _rank = 2
    _mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        n = self._rank
        if data_format is None:
            data_format = K.image_data_format()
        if strides is None:
            strides = pool_size
        self.pool_size = cu.normalize_tuple(pool_size, n, "pool_size")
        self.strides = cu.normalize_tuple(strides, n, "strides")
        self.padding = cu.normalize_padding(padding)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        if self._rank == 1:
            axis = 3 if self.data_format == "channels_first" else 2
            x = array_ops.expand_dims(inputs, axis)
            out = K.pool2d(x, self.pool_size + (1,), strides=self.strides + (1,),
                           padding=self.padding, data_format=self.data_format,
                           pool_mode=self._mode)
            return array_ops.squeeze(out, [axis])
        pool = K.pool2d if self._rank == 2 else K.pool3d
        return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                    data_format=self.data_format, pool_mode=self._mode)

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        first = self.data_format == "channels_first"
        spatial = dims[2:] if first else dims[1:-1]
        out = [cu.conv_output_length(d, self.pool_size[i], self.padding, self.strides[i])
               for i, d in enumerate(spatial)]
        return tensor_shape.TensorShape([dims[0], dims[1]] + out if first else
                                        [dims[0]] + out + [dims[-1]])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


def _pool_class(name, rank, mode, doc, default_pool):
    def __init__(self, pool_size=default_pool, strides=None, padding="valid",
                 data_format="channels_last" if rank == 1 else None, **kwargs):
        _Pooling.__init__(self, pool_size, strides, padding, data_format, **kwargs)
    return type(name, (_Pooling,), {"__init__": __init__, "_rank": rank, "_mode": mode,
                                    "__doc__": doc, "__module__": __name__})


MaxPooling1D = _pool_class("MaxPooling1D", 1, "max", "Max pooling over steps.", 2)
MaxPooling2D = _pool_class("MaxPooling2D", 2, "max", "2D max pooling.", (2, 2))
MaxPooling3D = _pool_class("MaxPooling3D", 3, "max", "3D max pooling.", (2, 2, 2))
AveragePooling1D = _pool_class("AveragePooling1D", 1, "avg", "Average pooling over steps.",
                               2)
AveragePooling2D = _pool_class("AveragePooling2D", 2, "avg", "2D average pooling.", (2, 2))
AveragePooling3D = _pool_class("AveragePooling3D", 3, "avg", "3D average pooling.",
                               (2, 2, 2))


class _GlobalPooling(Layer):
    """Reduces the spatial axes by max or mean (kept as 1s with `keepdims`)."""
    _rank = 2
    _mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        default = "channels_last" if self._rank == 1 else K.image_data_format()
        self.data_format = cu.normalize_data_format(data_format, default)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self._rank))

    def call(self, inputs, mask=None):
        axes = self._axes()
        if self._mode == "max":
            return reduction_ops.reduce_max(inputs, axis=axes, keepdims=self.keepdims)
        if mask is not None and self._rank == 1:
            steps_axis = axes[0]
            m = unary_ops.cast(mask, inputs.dtype)
            m = array_ops.expand_dims(m, 2 if steps_axis == 1 else 1)
            total = reduction_ops.reduce_sum(math_ops.multiply(inputs, m), axis=steps_axis,
                                             keepdims=self.keepdims)
            count = reduction_ops.reduce_sum(m, axis=steps_axis, keepdims=self.keepdims)
            return math_ops.truediv(total, count)
        return reduction_ops.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        axes = self._axes()
        if self.keepdims:
            return tensor_shape.TensorShape([1 if i in axes else d for i, d in
                                             enumerate(dims)])
        return tensor_shape.TensorShape([d for i, d in enumerate(dims) if i not in axes])

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def _global_class(name, rank, mode, doc):
    attrs = {"_rank": rank, "_mode": mode, "__doc__": doc, "__module__": __name__}
    return type(name, (_GlobalPooling,), attrs)


GlobalMaxPooling1D = _global_class("GlobalMaxPooling1D", 1, "max", "Max over steps.")
GlobalMaxPooling2D = _global_class("GlobalMaxPooling2D", 2, "max", "Max over rows, cols.")
GlobalMaxPooling3D = _global_class("GlobalMaxPooling3D", 3, "max", "Max over 3 axes.")
GlobalAveragePooling1D = _global_class("GlobalAveragePooling1D", 1, "avg",
                                       "Mean over steps (masked steps left out).")
GlobalAveragePooling2D = _global_class("GlobalAveragePooling2D", 2, "avg",
                                       "Mean over rows, cols.")
GlobalAveragePooling3D = _global_class("GlobalAveragePooling3D", 3, "avg",
                                       "Mean over 3 axes.")


def _gap1d_init(self, data_format="channels_last", **kwargs):
    _GlobalPooling.__init__(self, data_format=data_format, **kwargs)
    self.supports_masking = True


GlobalAveragePooling1D.__init__ = _gap1d_init

MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
