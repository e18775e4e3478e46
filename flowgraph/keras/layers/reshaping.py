"""Keras's spatial reshaping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D,
UpSampling1D/2D/3D (nearest neighbour; UpSampling2D also bilinear)."""
import numpy as np

from flowgraph.framework import tensor_shape
from flowgraph.framework.op_builder import constant
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers import _conv_utils as cu
from flowgraph.ops import array_ops, manip_ops, matmul_ops

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D"]


def _pairs(value, n, name):
    """`value` (int, n ints, or n pairs) as n (before, after) pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {value}.")
    out = []
    for i, v in enumerate(value):
        if isinstance(v, int):
            out.append((v, v))
        else:
            out.append(cu.normalize_tuple(v, 2, f"{i}th entry of {name}", allow_zero=True))
    return tuple(out)


def _dims(shape):
    return tensor_shape.TensorShape(shape).as_list()


class _Spatial(Layer):
    _rank = 2

    def _spatial_axes(self):
        first = getattr(self, "data_format", "channels_last") == "channels_first"
        start = 2 if first else 1
        return list(range(start, start + self._rank))


class _ZeroPadding(_Spatial):
    def call(self, inputs):
        pattern = [[0, 0]] * (self._rank + 2)
        for ax, p in zip(self._spatial_axes(), self.padding):
            pattern[ax] = list(p)
        return manip_ops.pad(inputs, pattern)

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        for ax, p in zip(self._spatial_axes(), self.padding):
            if dims[ax] is not None:
                dims[ax] += p[0] + p[1]
        return tensor_shape.TensorShape(dims)


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis of (batch, steps, features) with zeros."""
    _rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = cu.normalize_tuple(padding, 2, "padding", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return K.temporal_padding(inputs, padding=self.padding)

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        if dims[1] is not None:
            dims[1] += self.padding[0] + self.padding[1]
        return tensor_shape.TensorShape(dims)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


def _padding_class(name, rank, default):
    def __init__(self, padding=default, data_format=None, **kwargs):
        _ZeroPadding.__init__(self, **kwargs)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.padding = _pairs(padding, rank, "padding")
        self.input_spec = InputSpec(ndim=rank + 2)

    def get_config(self):
        config = _ZeroPadding.get_config(self)
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
    return type(name, (_ZeroPadding,), {
        "__init__": __init__, "get_config": get_config, "_rank": rank,
        "__module__": __name__, "__doc__": f"Pads the {rank} spatial axes with zeros."})


ZeroPadding2D = _padding_class("ZeroPadding2D", 2, (1, 1))
ZeroPadding3D = _padding_class("ZeroPadding3D", 3, (1, 1, 1))


class _Cropping(_Spatial):
    def call(self, inputs):
        index = [slice(None)] * (self._rank + 2)
        for ax, (a, b) in zip(self._spatial_axes(), self._crop_pairs()):
            index[ax] = slice(a, -b if b else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        for ax, (a, b) in zip(self._spatial_axes(), self._crop_pairs()):
            if dims[ax] is not None:
                dims[ax] -= a + b
        return tensor_shape.TensorShape(dims)


class Cropping1D(_Cropping):
    """Crops the steps axis of (batch, steps, features)."""
    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = cu.normalize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)

    def _crop_pairs(self):
        return (self.cropping,)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


def _cropping_class(name, rank, default):
    def __init__(self, cropping=default, data_format=None, **kwargs):
        _Cropping.__init__(self, **kwargs)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.cropping = _pairs(cropping, rank, "cropping")
        self.input_spec = InputSpec(ndim=rank + 2)

    def get_config(self):
        config = _Cropping.get_config(self)
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
    return type(name, (_Cropping,), {
        "__init__": __init__, "get_config": get_config, "_rank": rank,
        "_crop_pairs": lambda self: self.cropping, "__module__": __name__,
        "__doc__": f"Crops the {rank} spatial axes."})


Cropping2D = _cropping_class("Cropping2D", 2, ((0, 0), (0, 0)))
Cropping3D = _cropping_class("Cropping3D", 3, ((1, 1), (1, 1), (1, 1)))


class UpSampling1D(Layer):
    """Repeats each step `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        if dims[1] is not None:
            dims[1] *= self.size
        return tensor_shape.TensorShape(dims)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class _UpSampling(_Spatial):
    def call(self, inputs):
        out = inputs
        for ax, s in zip(self._spatial_axes(), self.size):
            out = K.repeat_elements(out, s, axis=ax)
        return out

    def compute_output_shape(self, input_shape):
        dims = _dims(input_shape)
        for ax, s in zip(self._spatial_axes(), self.size):
            if dims[ax] is not None:
                dims[ax] *= s
        return tensor_shape.TensorShape(dims)


def _bilinear_weights(n, scale):
    """The (n * scale, n) matrix of linear interpolation with half-pixel centers (as
    `tf.image.resize(..., 'bilinear')`)."""
    out = n * scale
    w = np.zeros((out, n), np.float64)
    for o in range(out):
        src = (o + 0.5) / scale - 0.5
        lo = int(np.floor(src))
        frac = src - lo
        w[o, min(max(lo, 0), n - 1)] += 1 - frac
        w[o, min(max(lo + 1, 0), n - 1)] += frac
    return w


def _bilinear_axis(x, axis, scale):
    """Linear upsampling of `x` by `scale` along `axis` (a matrix product)."""
    n = x.shape.as_list()[axis]
    if n is None:
        raise ValueError("Bilinear UpSampling2D needs the spatial dimensions of its input "
                         "to be known.")
    w = constant(_bilinear_weights(n, scale).astype(x.dtype.as_numpy_dtype))
    y = matmul_ops.tensordot(x, w, [[axis], [1]])
    rank = x.shape.ndims
    perm = list(range(axis)) + [rank - 1] + list(range(axis, rank - 1))
    return array_ops.transpose(y, perm)


class UpSampling2D(_UpSampling):
    """Repeats rows and columns `size` times (nearest-neighbour upsampling)."""
    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.size = cu.normalize_tuple(size, 2, "size")
        if interpolation not in ("nearest", "bilinear", "bicubic", "area", "lanczos3",
                                 "lanczos5", "gaussian", "mitchellcubic"):
            raise ValueError("`interpolation` argument should be one of: "
                             '"area", "bicubic", "bilinear", "gaussian", "lanczos3", '
                             '"lanczos5", "mitchellcubic", "nearest". '
                             f'Received: "{interpolation}".')
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError("flowgraph's UpSampling2D supports interpolation "
                                      f"'nearest' and 'bilinear', not '{interpolation}'.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        out = inputs
        for ax, s in zip(self._spatial_axes(), self.size):
            out = _bilinear_axis(out, ax, s)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


class UpSampling3D(_UpSampling):
    """Repeats the 3 spatial axes `size` times."""
    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = cu.normalize_data_format(data_format, K.image_data_format())
        self.size = cu.normalize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
