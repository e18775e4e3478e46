"""Convolution layers: `Conv1D`, `Conv2D`, `Conv2DTranspose` and their functional forms.

Kernels are `kernel_size + (in_channels, filters)` (transposed: `kernel_size +
(filters, in_channels)`), named `<scope>/kernel`, with a `<scope>/bias` of `[filters]`; the
ops are TF's (`conv2d/Conv2D`, `conv1d/Conv1D` as ExpandDims-Conv2D-Squeeze,
`conv2d_transpose/conv2d_transpose` a Conv2DBackpropInput), then BiasAdd and the
activation."""
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.layers import utils
from flowgraph.layers.base import InputSpec, Layer
from flowgraph.ops import array_ops, conv_ops, init_ops, join_ops, manip_ops, nn_ops

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "conv1d", "conv2d", "conv2d_transpose"]


class _Conv(Layer):
    """N-D convolution (N = `rank`) with TF1 layer semantics."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=utils.get_regularizer(activity_regularizer),
                         **kwargs)
        self.rank = rank
        if filters is not None and not isinstance(filters, int):
            filters = int(filters)
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        self.filters = filters
        self.kernel_size = utils.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = utils.normalize_tuple(strides, rank, "strides")
        self.padding = utils.normalize_padding(padding, allow_causal=rank == 1)
        self.data_format = utils.normalize_data_format(data_format)
        self.dilation_rate = utils.normalize_tuple(dilation_rate, rank, "dilation_rate")
        if self.padding == "causal" and not isinstance(self, Conv1D):
            raise ValueError("Causal padding is only supported for `Conv1D`.")
        if any(s > 1 for s in self.strides) and any(d > 1 for d in self.dilation_rate):
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = utils.get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = utils.get_initializer(kernel_initializer)
        self.bias_initializer = utils.get_initializer(bias_initializer)
        self.kernel_regularizer = utils.get_regularizer(kernel_regularizer)
        self.bias_regularizer = utils.get_regularizer(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=rank + 2)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        dims = input_shape.as_list() if input_shape.ndims is not None else None
        c = dims[self._channel_axis] if dims else None
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. The "
                             f"input_shape received is {input_shape}, where axis "
                             f"{self._channel_axis} (0-based) is the channel dimension, "
                             "which found to be `None`.")
        return c

    def _kernel_shape(self, in_channels):
        return list(self.kernel_size) + [in_channels, self.filters]

    def build(self, input_shape):
        c = self._input_channels(input_shape)
        dtype = dtypes.as_dtype(self._dtype or dtypes.float32)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis: c})
        self.kernel = self.add_weight("kernel", shape=self._kernel_shape(c),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True,
                                      dtype=dtype)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=[self.filters],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True,
                                        dtype=dtype)
        self.built = True

    def _convolve(self, inputs):
        df = utils.tf_data_format(self.data_format, self.rank + 2)
        padding = "VALID" if self.padding == "causal" else self.padding.upper()
        if self.rank == 1:
            return conv_ops.conv1d(inputs, self.kernel, stride=list(self.strides), padding=padding,
                                   data_format=df, dilations=list(self.dilation_rate),
                                   name="Conv1D")
        if self.rank == 2:
            return conv_ops.conv2d(inputs, self.kernel, strides=list(self.strides), padding=padding,
                                   data_format=df, dilations=list(self.dilation_rate),
                                   name="Conv2D")
        raise NotImplementedError(f"{self.rank}-D convolution layers")

    def _add_bias(self, outputs):
        if not self.use_bias:
            return outputs
        if self.data_format == "channels_first" and self.rank == 1:
            bias = array_ops.reshape(self.bias, (1, self.filters, 1))
            return outputs + bias
        return nn_ops.bias_add(outputs, self.bias,
                               data_format=utils.tf_data_format(self.data_format, self.rank + 2))

    def call(self, inputs):
        if self.padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = manip_ops.pad(inputs, [[0, 0], [left, 0], [0, 0]])
        outputs = self._add_bias(self._convolve(inputs))
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape).with_rank(self.rank + 2)
        dims = input_shape.as_list()
        spatial = dims[2:] if self.data_format == "channels_first" else dims[1:-1]
        out = [utils.conv_output_length(d, k, self.padding, s, dilation=r)
               for d, k, s, r in zip(spatial, self.kernel_size, self.strides,
                                     self.dilation_rate)]
        if self.data_format == "channels_first":
            return tensor_shape.TensorShape([dims[0], self.filters] + out)
        return tensor_shape.TensorShape([dims[0]] + out + [self.filters])

    def get_config(self):
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                   padding=self.padding, data_format=self.data_format,
                   dilation_rate=self.dilation_rate, use_bias=self.use_bias)
        return cfg


class Conv1D(_Conv):
    """1D convolution layer (e.g. temporal convolution) over `[batch, width, channels]`
    (or `[batch, channels, width]` with `data_format='channels_first'`); `padding` may also
    be 'causal'."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
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


class Conv2D(_Conv):
    """2D convolution layer (e.g. spatial convolution over images) over
    `[batch, height, width, channels]` (or channels first)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
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


class Conv2DTranspose(Conv2D):
    """Transposed 2D convolution layer (sometimes called deconvolution): the gradient of
    a convolution with respect to its input. The kernel is `[kh, kw, filters, in]`.
    Keyword arguments `output_padding` and `dilation_rate` are accepted as in Keras."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        output_padding = kwargs.pop("output_padding", None)
        dilation_rate = kwargs.pop("dilation_rate", (1, 1))
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
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
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = utils.normalize_tuple(output_padding, 2, "output_padding")
            for s, p in zip(self.strides, self.output_padding):
                if p >= s:
                    raise ValueError("Strides must be greater than output padding. "
                                     f"Received strides={self.strides}, "
                                     f"output_padding={self.output_padding}.")
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape)
        if input_shape.ndims is not None and input_shape.ndims != 4:
            raise ValueError("Inputs should have rank 4. Received input_shape="
                             f"{input_shape}.")
        super().build(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis:
                                                  self._input_channels(input_shape)})

    def _kernel_shape(self, in_channels):
        return list(self.kernel_size) + [self.filters, in_channels]

    def _out_dims(self, sizes):
        pads = self.output_padding or (None, None)
        return [utils.deconv_output_length(d, k, self.padding, output_padding=p, stride=s,
                                           dilation=r)
                for d, k, p, s, r in zip(sizes, self.kernel_size, pads, self.strides,
                                         self.dilation_rate)]

    def _convolve(self, inputs):
        shape = array_ops.shape(inputs)
        batch = shape[0]
        h_axis, w_axis = (2, 3) if self.data_format == "channels_first" else (1, 2)
        dims = inputs.shape.as_list() if inputs.shape.ndims is not None else [None] * 4
        sizes = [dims[h_axis] if dims[h_axis] is not None else shape[h_axis],
                 dims[w_axis] if dims[w_axis] is not None else shape[w_axis]]
        static = [s if isinstance(s, int) else None for s in sizes]
        out = self._out_dims(static)
        dyn = []
        for s, o, k, p, st, r in zip(sizes, out, self.kernel_size,
                                     self.output_padding or (None, None), self.strides,
                                     self.dilation_rate):
            dyn.append(o if o is not None else _deconv_length_tensor(s, k, self.padding, p,
                                                                     st, r))
        if self.data_format == "channels_first":
            output_shape = [batch, self.filters] + dyn
        else:
            output_shape = [batch] + dyn + [self.filters]
        df = utils.tf_data_format(self.data_format, 4)
        outputs = conv_ops.conv2d_transpose(inputs, self.kernel, join_ops.stack(output_shape),
                                            strides=list(self.strides),
                                            padding=self.padding.upper(), data_format=df,
                                            dilations=list(self.dilation_rate))
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def call(self, inputs):
        outputs = self._add_bias(self._convolve(inputs))
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.as_shape(input_shape).with_rank(4)
        dims = input_shape.as_list()
        if self.data_format == "channels_first":
            h, w = self._out_dims(dims[2:])
            return tensor_shape.TensorShape([dims[0], self.filters, h, w])
        h, w = self._out_dims(dims[1:3])
        return tensor_shape.TensorShape([dims[0], h, w, self.filters])


def _deconv_length_tensor(length, k, padding, output_padding, stride, dilation):
    """deconv_output_length for a run-time `length` tensor."""
    k = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(k - stride, 0)
        return length * stride
    pad = k // 2 if padding == "same" else 0
    return (length - 1) * stride + (k - 2 * pad + output_padding)


def _functional(cls, inputs, kw, name, reuse):
    layer = cls(name=name, _scope=name, _reuse=reuse, **kw)
    return layer.apply(inputs)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """Functional interface for 1D convolution (variables `<name>/kernel`, `/bias`;
    `name` default `conv1d`, `conv1d_1`, ...)."""
    kw = dict(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
              data_format=data_format, dilation_rate=dilation_rate, activation=activation,
              use_bias=use_bias, kernel_initializer=kernel_initializer,
              bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
              bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
              kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
              trainable=trainable)
    return _functional(Conv1D, inputs, kw, name, reuse)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None,
           use_bias=True, kernel_initializer=None,
           bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional interface for 2D convolution: `activation(conv2d(inputs, kernel) +
    bias)` with variables `<name>/kernel` `[kh, kw, in, filters]` and `<name>/bias`
    (`name` default `conv2d`, `conv2d_1`, ...)."""
    kw = dict(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
              data_format=data_format, dilation_rate=dilation_rate, activation=activation,
              use_bias=use_bias, kernel_initializer=kernel_initializer,
              bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
              bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
              kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
              trainable=trainable)
    return _functional(Conv2D, inputs, kw, name, reuse)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional interface for the transposed 2D convolution (kernel `[kh, kw, filters,
    in]`; `name` default `conv2d_transpose`, ...)."""
    kw = dict(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
              data_format=data_format, activation=activation, use_bias=use_bias,
              kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
              kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
              activity_regularizer=activity_regularizer,
              kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
              trainable=trainable)
    return _functional(Conv2DTranspose, inputs, kw, name, reuse)
