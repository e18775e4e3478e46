"""Keras's convolution layers: Conv1D, Conv2D, Conv3D, Conv2DTranspose, SeparableConv2D,
DepthwiseConv2D. Kernels are laid out as Keras does (`kernel_size + (in, filters)`), so
weights cross with real Keras; channels_first inputs are transposed to channels_last."""
from flowgraph.framework import tensor_shape
from flowgraph.keras import activations, constraints, initializers, regularizers
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers import _conv_utils as cu
from flowgraph.keras.layers.core import _ser
from flowgraph.ops import (array_ops, conv3d_ops, conv_ops, join_ops, manip_ops,
                           nn_ops)

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D",
           "DepthwiseConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution2DTranspose", "SeparableConvolution2D"]


def _dims(shape):
    return tensor_shape.TensorShape(shape).as_list()


class Conv(Layer):
    """The N-D convolution base: `activation(conv(inputs, kernel) + bias)`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, float):
            filters = int(filters)
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        self.filters = filters
        self.groups = groups or 1
        self.kernel_size = cu.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = cu.normalize_tuple(strides, rank, "strides")
        self.padding = cu.normalize_padding(padding)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.dilation_rate = cu.normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if filters is not None and filters % self.groups != 0:
            raise ValueError("The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={self.groups}, filters={filters}")
        if self.padding == "causal" and type(self).__name__ not in ("Conv1D",
                                                                    "SeparableConv1D"):
            raise ValueError("Causal padding is only supported for `Conv1D`and "
                             "`SeparableConv1D`.")

    def _channel_axis(self):
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _input_channel(self, input_shape):
        dims = _dims(input_shape)
        ch = dims[self._channel_axis()]
        if ch is None:
            raise ValueError("The channel dimension of the inputs should be defined. The "
                             f"input_shape received is {tuple(dims)}, where axis "
                             f"{self._channel_axis()} (0-based) is the channel dimension, "
                             "which found to be `None`.")
        return ch

    def build(self, input_shape):
        in_ch = self._input_channel(input_shape)
        if in_ch % self.groups != 0:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the "
                             f"input has {in_ch} channels (full input shape is "
                             f"{tuple(_dims(input_shape))}).")
        kernel_shape = self.kernel_size + (in_ch // self.groups, self.filters)
        self.kernel = self.add_weight("kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True,
                                      dtype=self.dtype)
        self.bias = self.add_weight("bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint, trainable=True,
                                    dtype=self.dtype) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={self._channel_axis(): in_ch})
        self.built = True

    def _conv(self, x, kernel, padding):
        """Channels-last convolution of `x` by `kernel`."""
        pad = padding.upper()
        if self.rank == 3:
            return conv3d_ops.conv3d(x, kernel, strides=(1,) + self.strides + (1,),
                                     padding=pad,
                                     dilations=(1,) + self.dilation_rate + (1,))
        fmt = "NWC" if self.rank == 1 else "NHWC"
        return conv_ops.convolution(x, kernel, padding=pad, strides=self.strides,
                                    dilation_rate=self.dilation_rate, data_format=fmt)

    def convolution_op(self, inputs, kernel):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = manip_ops.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "valid"
        if self.groups == 1:
            return self._conv(inputs, kernel, padding)
        xs = join_ops.split(inputs, self.groups, axis=-1)
        ks = join_ops.split(kernel, self.groups, axis=-1)
        return join_ops.concat([self._conv(x, k, padding) for x, k in zip(xs, ks)], -1)

    def call(self, inputs):
        nd = self.rank + 2
        first = self.data_format == "channels_first"
        if first:
            inputs = array_ops.transpose(inputs, cu.perm_to_last(nd))
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if first:
            outputs = array_ops.transpose(outputs, cu.perm_to_first(nd))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def _spatial_output_shape(self, spatial):
        return [cu.conv_output_length(d, self.kernel_size[i], self.padding, self.strides[i],
                                      self.dilation_rate[i]) for i, d in enumerate(spatial)]

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        if self.data_format == "channels_first":
            return tensor_shape.TensorShape(
                [dims[0], self.filters] + self._spatial_output_shape(dims[2:]))
        return tensor_shape.TensorShape(
            [dims[0]] + self._spatial_output_shape(dims[1:-1]) + [self.filters])

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, "activation": _ser(activations, self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _ser(initializers, self.kernel_initializer),
            "bias_initializer": _ser(initializers, self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint)})
        return config


class Conv1D(Conv):
    """1D convolution over (batch, steps, channels); `padding='causal'` pads on the
    left only."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def call(self, inputs):
        if self.padding == "causal" and self.data_format == "channels_first":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = manip_ops.pad(inputs, [[0, 0], [0, 0], [left, 0]])
            self.padding = "valid"
            try:
                return super().call(inputs)
            finally:
                self.padding = "causal"
        return super().call(inputs)


class Conv2D(Conv):
    """2D convolution over (batch, rows, cols, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3D(Conv):
    """3D convolution over (batch, depth, rows, cols, channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(Conv2D):
    """The transpose of Conv2D ("deconvolution"); kernel (kh, kw, filters, in)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        kwargs.pop("groups", None)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         1, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = cu.normalize_tuple(output_padding, 2, "output_padding",
                                                     allow_zero=True)
            for stride, pad in zip(self.strides, self.output_padding):
                if pad >= stride:
                    raise ValueError("Strides must be greater than output padding. "
                                     f"Received strides={self.strides}, "
                                     f"output_padding={self.output_padding}.")

    def build(self, input_shape):
        dims = _dims(input_shape)
        if len(dims) != 4:
            raise ValueError("Inputs should have rank 4. Received input_shape="
                             f"{tuple(dims)}.")
        in_ch = self._input_channel(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): in_ch})
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (self.filters, in_ch),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True,
                                      dtype=self.dtype)
        self.bias = self.add_weight("bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint, trainable=True,
                                    dtype=self.dtype) if self.use_bias else None
        self.built = True

    def _out_hw(self, h, w):
        op = self.output_padding or (None, None)
        return [cu.deconv_output_length(d, self.kernel_size[i], self.padding, op[i],
                                        self.strides[i], self.dilation_rate[i])
                for i, d in enumerate((h, w))]

    def call(self, inputs):
        first = self.data_format == "channels_first"
        if first:
            inputs = array_ops.transpose(inputs, cu.perm_to_last(4))
        static = inputs.shape.as_list()
        dyn = array_ops.shape(inputs)
        h = static[1] if static[1] is not None else None
        w = static[2] if static[2] is not None else None
        if h is None or w is None:
            raise ValueError("Conv2DTranspose needs the spatial dimensions of its input "
                             "to be known.")
        out_h, out_w = self._out_hw(h, w)
        output_shape = join_ops.stack([dyn[0], out_h, out_w, self.filters])
        outputs = K.conv2d_transpose(inputs, self.kernel, output_shape, self.strides,
                                     padding=self.padding, data_format="channels_last",
                                     dilation_rate=self.dilation_rate)
        outputs.set_shape([static[0], out_h, out_w, self.filters])
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if first:
            outputs = array_ops.transpose(outputs, cu.perm_to_first(4))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        if self.data_format == "channels_first":
            return tensor_shape.TensorShape([dims[0], self.filters] + self._out_hw(*dims[2:]))
        return tensor_shape.TensorShape([dims[0]] + self._out_hw(*dims[1:3]) +
                                        [self.filters])

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class SeparableConv2D(Conv2D):
    """Depthwise (per input channel) then pointwise (1x1) convolution."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("groups", None)
        for k in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            kwargs.pop(k, None)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         1, activation, use_bias, "glorot_uniform", bias_initializer, None,
                         bias_regularizer, activity_regularizer, None, bias_constraint,
                         **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        in_ch = self._input_channel(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): in_ch})
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (in_ch, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True, dtype=self.dtype)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", shape=(1, 1, in_ch * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, trainable=True, dtype=self.dtype)
        self.bias = self.add_weight("bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint, trainable=True,
                                    dtype=self.dtype) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        outputs = K.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                     strides=self.strides, padding=self.padding,
                                     data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _ser(initializers, self.depthwise_initializer),
            "pointwise_initializer": _ser(initializers, self.pointwise_initializer),
            "depthwise_regularizer": _ser(regularizers, self.depthwise_regularizer),
            "pointwise_regularizer": _ser(regularizers, self.pointwise_regularizer),
            "depthwise_constraint": _ser(constraints, self.depthwise_constraint),
            "pointwise_constraint": _ser(constraints, self.pointwise_constraint)})
        return config


class DepthwiseConv2D(Conv2D):
    """Convolves each input channel with its own `depth_multiplier` filters."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("groups", None)
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate,
                         1, activation, use_bias, None, bias_initializer, None,
                         bias_regularizer, activity_regularizer, None, bias_constraint,
                         **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        dims = _dims(input_shape)
        if len(dims) != 4:
            raise ValueError("Inputs to `DepthwiseConv2D` should have rank 4. Received "
                             f"input_shape={tuple(dims)}.")
        in_ch = self._input_channel(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): in_ch})
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (in_ch, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True, dtype=self.dtype)
        self.bias = self.add_weight("bias", shape=(in_ch * self.depth_multiplier,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint, trainable=True,
                                    dtype=self.dtype) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        outputs = K.depthwise_conv2d(inputs, self.depthwise_kernel, strides=self.strides,
                                     padding=self.padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        first = self.data_format == "channels_first"
        ch = dims[1] if first else dims[3]
        out_ch = None if ch is None else ch * self.depth_multiplier
        spatial = self._spatial_output_shape(dims[2:] if first else dims[1:3])
        return tensor_shape.TensorShape([dims[0], out_ch] + spatial if first else
                                        [dims[0]] + spatial + [out_ch])

    def get_config(self):
        config = super().get_config()
        for k in ("filters", "kernel_initializer", "kernel_regularizer",
                  "kernel_constraint"):
            config.pop(k)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _ser(initializers, self.depthwise_initializer),
            "depthwise_regularizer": _ser(regularizers, self.depthwise_regularizer),
            "depthwise_constraint": _ser(constraints, self.depthwise_constraint)})
        return config


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, SeparableConvolution2D = Conv2DTranspose, SeparableConv2D
