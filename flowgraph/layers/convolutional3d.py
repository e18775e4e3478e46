"""3-D layers: `Conv3D`, `Conv3DTranspose`, `MaxPooling3D`, `AveragePooling3D` and their
functional forms. Variables are TF's (`conv3d/kernel` `[kd, kh, kw, in, filters]`,
`conv3d/bias`; transposed kernels `[kd, kh, kw, filters, in]`); the ops are
`conv3d/Conv3D`, `conv3d_transpose/conv3d_transpose` (a Conv3DBackpropInputV2),
`max_pooling3d/MaxPool3D` and `average_pooling3d/AvgPool3D`."""
from flowgraph.framework import tensor_shape
from flowgraph.layers import utils
from flowgraph.layers.base import InputSpec
from flowgraph.layers.convolutional import _Conv, _deconv_length_tensor, _functional
from flowgraph.layers.pooling import _Pooling
from flowgraph.ops import array_ops, conv3d_ops, init_ops, join_ops, pool3d_ops

__all__ = ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "conv3d",
           "conv3d_transpose", "max_pooling3d", "average_pooling3d"]


class Conv3D(_Conv):
    """3D convolution layer (e.g. spatial convolution over volumes) over
    `[batch, depth, height, width, channels]` (or channels first)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1, 1), activation=None,
                 use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, trainable=trainable, name=name,
                         **kwargs)

    def _convolve(self, inputs):
        df = utils.tf_data_format(self.data_format, 5)
        c = 1 if df == "NCDHW" else 4
        strides = [1] * 5
        dil = [1] * 5
        sp = [2, 3, 4] if c == 1 else [1, 2, 3]
        for i, s, d in zip(sp, self.strides, self.dilation_rate):
            strides[i], dil[i] = s, d
        return conv3d_ops.conv3d(inputs, self.kernel, strides, self.padding.upper(), data_format=df,
                                 dilations=dil, name="Conv3D")


class Conv3DTranspose(Conv3D):
    """Transposed 3D convolution layer (the gradient of a 3-D convolution with respect
    to its input); the kernel is `[kd, kh, kw, filters, in]`."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format="channels_last", activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        output_padding = kwargs.pop("output_padding", None)
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, trainable=trainable, name=name,
                         **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = utils.normalize_tuple(output_padding, 3, "output_padding")
            for s, p in zip(self.strides, self.output_padding):
                if p >= s:
                    raise ValueError("Strides must be greater than output padding. "
                                     f"Received strides={self.strides}, "
                                     f"output_padding={self.output_padding}.")
        self.input_spec = InputSpec(ndim=5)

    def build(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        if input_shape.ndims is not None and input_shape.ndims != 5:
            raise ValueError("Inputs should have rank 5, received input shape: "
                             f"{input_shape}")
        super().build(input_shape)
        self.input_spec = InputSpec(ndim=5, axes={self._channel_axis:
                                                  self._input_channels(input_shape)})

    def _kernel_shape(self, in_channels):
        return list(self.kernel_size) + [self.filters, in_channels]

    def _out_dims(self, sizes):
        pads = self.output_padding or (None,) * 3
        return [utils.deconv_output_length(d, k, self.padding, output_padding=p, stride=s)
                for d, k, p, s in zip(sizes, self.kernel_size, pads, self.strides)]

    def _spatial_axes(self):
        return (2, 3, 4) if self.data_format == "channels_first" else (1, 2, 3)

    def _convolve(self, inputs):
        shape = array_ops.shape(inputs)
        dims = inputs.shape.as_list() if inputs.shape.ndims is not None else [None] * 5
        sizes = [dims[a] if dims[a] is not None else shape[a] for a in self._spatial_axes()]
        static = [s if isinstance(s, int) else None for s in sizes]
        dyn = []
        for s, o, k, p, st in zip(sizes, self._out_dims(static), self.kernel_size,
                                  self.output_padding or (None,) * 3, self.strides):
            dyn.append(o if o is not None else
                       _deconv_length_tensor(s, k, self.padding, p, st, 1))
        first = self.data_format == "channels_first"
        out_shape = [shape[0], self.filters] + dyn if first else \
            [shape[0]] + dyn + [self.filters]
        strides = [1, 1] + list(self.strides) if first else [1] + list(self.strides) + [1]
        outputs = conv3d_ops.conv3d_transpose(inputs, self.kernel, join_ops.stack(out_shape),
                                              strides, padding=self.padding.upper(),
                                              data_format=utils.tf_data_format(self.data_format, 5))
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.as_shape(input_shape).with_rank(5).as_list()
        out = self._out_dims([dims[a] for a in self._spatial_axes()])
        if self.data_format == "channels_first":
            return tensor_shape.TensorShape([dims[0], self.filters] + out)
        return tensor_shape.TensorShape([dims[0]] + out + [self.filters])


class _Pooling3D(_Pooling):
    _rank = 3

    def call(self, inputs):
        first = self.data_format == "channels_first"
        wrap = (lambda v: [1, 1] + list(v)) if first else (lambda v: [1] + list(v) + [1])
        fn = pool3d_ops.max_pool3d if self._kind == "max" else pool3d_ops.avg_pool3d
        return fn(inputs, wrap(self.pool_size), wrap(self.strides), self.padding.upper(),
                  data_format="NCDHW" if first else "NDHWC")


class MaxPooling3D(_Pooling3D):
    """Max pooling over `[batch, depth, height, width, channels]` (or channels first)."""
    _kind = "max"


class AveragePooling3D(_Pooling3D):
    """Average pooling over `[batch, depth, height, width, channels]` (or channels
    first)."""
    _kind = "avg"


def conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1, 1), activation=None,
           use_bias=True, kernel_initializer=None,
           bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional interface for 3D convolution (variables `<name>/kernel`, `/bias`;
    `name` default `conv3d`, `conv3d_1`, ...)."""
    kw = dict(filters=filters, kernel_size=kernel_size, strides=strides,
                  padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                  activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable)
    return _functional(Conv3D, inputs, kw, name, reuse)


def conv3d_transpose(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional interface for the transposed 3D convolution (`name` default
    `conv3d_transpose`, ...)."""
    kw = dict(filters=filters, kernel_size=kernel_size, strides=strides,
                  padding=padding, data_format=data_format, activation=activation,
                  use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable)
    return _functional(Conv3DTranspose, inputs, kw, name, reuse)


def max_pooling3d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Max pooling layer for 3D inputs (functional interface)."""
    return MaxPooling3D(pool_size, strides, padding=padding, data_format=data_format,
                        name=name).apply(inputs)


def average_pooling3d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Average pooling layer for 3D inputs (functional interface)."""
    return AveragePooling3D(pool_size, strides, padding=padding, data_format=data_format,
                            name=name).apply(inputs)
