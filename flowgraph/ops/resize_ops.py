"""Image resizing as TF computes it: `ResizeBilinear`, `ResizeNearestNeighbor`,
`ResizeBicubic` (Keys cubic from TF's 1024-entry table: a=-0.75 for the legacy sampling,
-0.5 renormalized at the borders for half-pixel centers) and `ResizeArea`, with their
gradient ops, and TF1's `tf.image.resize_images`. Every method is separable: each axis
has an [out, in] float32 weight matrix (sampling positions in float32, as TF's kernels
compute them), applied along height and then width."""
import enum

import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE, NO_GRADIENT
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import array_ops, math_ops, reduction_ops, unary_ops
from flowgraph.ops.array_ops import _host

__all__ = []
__namespaces__ = {"image": ["resize_bilinear", "resize_nearest_neighbor", "resize_bicubic",
                            "resize_area", "resize_images", "resize=resize_images",
                            "ResizeMethod"]}
_F32 = np.float32
_TABLE = 1024


class ResizeMethod(enum.IntEnum):
    """TF1's `tf.image.ResizeMethod` values (`ResizeMethodV1`)."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return _F32(in_size - 1) / _F32(out_size - 1)
    return _F32(in_size) / _F32(out_size)


def _positions(out_size, scale, half_pixel, minus_half=True):
    i = np.arange(out_size, dtype=_F32)
    if half_pixel:
        return (i + _F32(0.5)) * scale - (_F32(0.5) if minus_half else _F32(0))
    return i * scale


def nearest_index(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    x = _positions(out_size, scale, half_pixel, minus_half=False)
    # roundf rounds halves away from zero
    idx = np.floor(x + _F32(0.5)) if align_corners else np.floor(x)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half_pixel else idx


def _bilinear_weights(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    x = _positions(out_size, scale, half_pixel)
    fl = np.floor(x)
    lower = np.maximum(fl, 0).astype(np.int64)
    upper = np.minimum(np.ceil(x).astype(np.int64), in_size - 1)
    lerp = (x - fl).astype(_F32)
    w = np.zeros((out_size, in_size), _F32)
    rows = np.arange(out_size)
    np.add.at(w, (rows, lower), _F32(1) - lerp)
    np.add.at(w, (rows, upper), lerp)
    return w


def _coeffs(a):
    x = np.arange(_TABLE + 1, dtype=np.float64) / _TABLE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    y = x + 1
    far = ((a * y - 5 * a) * y + 8 * a) * y - 4 * a
    return near.astype(_F32), far.astype(_F32)


_LEGACY, _KEYS = _coeffs(-0.75), _coeffs(-0.5)


def _bicubic_weights(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    x = _positions(out_size, scale, half_pixel)
    base = np.floor(x).astype(np.int64)
    delta = (x - np.floor(x)).astype(_F32)
    offset = np.rint(delta * _F32(_TABLE)).astype(np.int64)
    near, far = _KEYS if half_pixel else _LEGACY
    taps = [far[offset], near[offset], near[_TABLE - offset], far[_TABLE - offset]]
    w = np.zeros((out_size, in_size), _F32)
    rows = np.arange(out_size)
    idx = [np.clip(base + k - 1, 0, in_size - 1) for k in range(4)]
    if half_pixel:  # taps outside the image get no weight; the rest are renormalized
        taps = [np.where(i == base + k - 1, t, _F32(0)) for k, (i, t) in
                enumerate(zip(idx, taps))]
        total = taps[0] + taps[1] + taps[2] + taps[3]
        ok = np.abs(total) >= 1000 * np.finfo(_F32).tiny
        taps = [np.where(ok, t * (_F32(1) / np.where(ok, total, 1)), t) for t in taps]
    for i, t in zip(idx, taps):
        np.add.at(w, (rows, i), t)
    return w


def _area_weights(in_size, out_size, align_corners):
    scale = _scale(in_size, out_size, align_corners)
    w = np.zeros((out_size, in_size), _F32)
    for o in range(out_size):
        lo, hi = _F32(o) * scale, _F32(o + 1) * scale
        for j in range(int(np.floor(lo)), int(np.ceil(hi))):
            share = min(_F32(j + 1), hi) - max(_F32(j), lo)
            w[o, min(max(j, 0), in_size - 1)] += share
    return w, scale


def _check_images(images, size=None):
    if images.ndim != 4:
        raise _invalid(f"input must be 4-dimensional{list(images.shape)}")
    if size is None:
        return None
    size = _host(size).reshape(-1)
    if size.shape != (2,):
        raise _invalid(f"shape_t must have two elements {list(size)}")
    h, w = int(size[0]), int(size[1])
    if h <= 0 or w <= 0:
        raise _invalid("output dimensions must be positive")
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise _invalid("input image must be of non-zero size")
    return h, w


def _check_flags(align_corners, half_pixel_centers):
    if align_corners and half_pixel_centers:
        raise _invalid("If half_pixel_centers is True, align_corners must be False.")


def _separable(img, wy, wx):
    t = np.einsum("yi,nijc->nyjc", wy, img, optimize=True)
    return np.einsum("xj,nyjc->nyxc", wx, t, optimize=True)


def _separable_t(g, wy, wx):
    t = np.einsum("yi,nyxc->nixc", wy, g, optimize=True)
    return np.einsum("xj,nixc->nijc", wx, t, optimize=True)


def _weights(kind, in_h, in_w, out_h, out_w, align_corners, half_pixel_centers):
    if kind == "bilinear":
        return (_bilinear_weights(in_h, out_h, align_corners, half_pixel_centers),
                _bilinear_weights(in_w, out_w, align_corners, half_pixel_centers))
    return (_bicubic_weights(in_h, out_h, align_corners, half_pixel_centers),
            _bicubic_weights(in_w, out_w, align_corners, half_pixel_centers))


def _resize_shape(op):
    images = op.inputs[0].shape.with_rank(4)
    size = get_static_value(op.inputs[1])
    op.inputs[1].shape.with_rank(1)
    h, w = (None, None) if size is None else (int(size[0]), int(size[1]))
    return TensorShape([images[0], h, w, images[3]])


def _grad_shape(op):
    return op.inputs[1].shape


def _float_kernel(kind):
    def kernel(xp, images, size, align_corners, half_pixel_centers):
        h, w = _check_images(images, size)
        _check_flags(align_corners, half_pixel_centers)
        wy, wx = _weights(kind, images.shape[1], images.shape[2], h, w, align_corners,
                          half_pixel_centers)
        return _separable(np.asarray(images, _F32), wy, wx).astype(_F32)
    return kernel


def _float_grad_kernel(kind):
    def kernel(xp, grads, original_image, align_corners, half_pixel_centers):
        _check_images(grads)
        _check_flags(align_corners, half_pixel_centers)
        in_h, in_w = original_image.shape[1:3]
        wy, wx = _weights(kind, in_h, in_w, grads.shape[1], grads.shape[2], align_corners,
                          half_pixel_centers)
        out = _separable_t(np.asarray(grads, _F32), wy, wx)
        return out.astype(original_image.dtype)
    return kernel


def _float_grad(grad_op, float_only):
    def grad(op, g):
        image = op.inputs[0]
        if float_only and image.dtype not in (dtypes.float32, dtypes.float64):
            return [None, None]
        return [apply_op(grad_op, [g, image], {
            "align_corners": op.get_attr("align_corners"),
            "half_pixel_centers": op.get_attr("half_pixel_centers")}), None]
    return grad


_RESIZE_ATTRS = {"align_corners": False, "half_pixel_centers": False}


@defop("ResizeBilinear", inputs=("images: T", "size: int32"),
       outputs=("resized_images: float",), attrs=_RESIZE_ATTRS)
class ResizeBilinear:
    """Resizes [batch, height, width, channels] images to `size` by bilinear
    interpolation (float32 result)."""
    devices = ("CPU",)
    shape = _resize_shape
    kernel = staticmethod(_float_kernel("bilinear"))
    grad = staticmethod(_float_grad("ResizeBilinearGrad", False))


@defop("ResizeBilinearGrad", inputs=("grads: float", "original_image: T"),
       outputs=("output: T",), attrs=_RESIZE_ATTRS)
class ResizeBilinearGrad:
    """The gradient of ResizeBilinear with respect to its images."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _grad_shape
    kernel = staticmethod(_float_grad_kernel("bilinear"))


@defop("ResizeBicubic", inputs=("images: T", "size: int32"),
       outputs=("resized_images: float",), attrs=_RESIZE_ATTRS)
class ResizeBicubic:
    """Resizes [batch, height, width, channels] images to `size` by bicubic (Keys)
    interpolation (float32 result)."""
    devices = ("CPU",)
    shape = _resize_shape
    kernel = staticmethod(_float_kernel("bicubic"))
    grad = staticmethod(_float_grad("ResizeBicubicGrad", True))


@defop("ResizeBicubicGrad", inputs=("grads: float", "original_image: T"),
       outputs=("output: T",), attrs=_RESIZE_ATTRS)
class ResizeBicubicGrad:
    """The gradient of ResizeBicubic with respect to its images."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _grad_shape
    kernel = staticmethod(_float_grad_kernel("bicubic"))


def _nn_grad(op, g):
    size = array_ops.shape(op.inputs[0])[1:3]
    return [apply_op("ResizeNearestNeighborGrad", [g, size], {
        "align_corners": op.get_attr("align_corners"),
        "half_pixel_centers": op.get_attr("half_pixel_centers")}), None]


@defop("ResizeNearestNeighbor", inputs=("images: T", "size: int32"),
       outputs=("resized_images: T",), attrs=_RESIZE_ATTRS)
class ResizeNearestNeighbor:
    """Resizes [batch, height, width, channels] images to `size`, each output pixel the
    nearest input pixel (dtype kept)."""
    devices = ("CPU",)
    shape = _resize_shape
    grad = _nn_grad

    def kernel(xp, images, size, align_corners, half_pixel_centers):
        h, w = _check_images(images, size)
        _check_flags(align_corners, half_pixel_centers)
        iy = nearest_index(images.shape[1], h, align_corners, half_pixel_centers)
        ix = nearest_index(images.shape[2], w, align_corners, half_pixel_centers)
        return np.ascontiguousarray(images[:, iy][:, :, ix])


@defop("ResizeNearestNeighborGrad", inputs=("grads: T", "size: int32"),
       outputs=("output: T",), attrs=_RESIZE_ATTRS)
class ResizeNearestNeighborGrad:
    """The gradient of ResizeNearestNeighbor: each output gradient added to the input
    pixel it was read from (`size`: the input's height and width)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        g = op.inputs[0].shape.with_rank(4)
        size = get_static_value(op.inputs[1])
        h, w = (None, None) if size is None else (int(size[0]), int(size[1]))
        return TensorShape([g[0], h, w, g[3]])

    def kernel(xp, grads, size, align_corners, half_pixel_centers):
        h, w = _check_images(grads, size)
        iy = nearest_index(h, grads.shape[1], align_corners, half_pixel_centers)
        ix = nearest_index(w, grads.shape[2], align_corners, half_pixel_centers)
        out = np.zeros((grads.shape[0], h, w, grads.shape[3]), grads.dtype)
        np.add.at(out, (slice(None), iy[:, None], ix[None, :]), grads)
        return out


@defop("ResizeArea", inputs=("images: T", "size: int32"),
       outputs=("resized_images: float",), attrs={"align_corners": False})
class ResizeArea:
    """Resizes images to `size`, each output pixel the area-weighted mean of the input
    pixels its footprint covers (float32 result)."""
    devices = ("CPU",)
    shape = _resize_shape
    grad = NO_GRADIENT

    def kernel(xp, images, size, align_corners):
        h, w = _check_images(images, size)
        wy, hs = _area_weights(images.shape[1], h, align_corners)
        wx, ws = _area_weights(images.shape[2], w, align_corners)
        out = _separable(np.asarray(images, _F32), wy, wx)
        return (out * _F32(1.0 / (hs * ws))).astype(_F32)


# -- builders ------------------------------------------------------------------------------
def _resize_builder(op_type, with_half=True):
    def build(images, size, align_corners=False, name=None, half_pixel_centers=False):
        with name_scope(name, op_type, [images, size]) as s:
            images = convert_to_tensor(images, name="images")
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
            attrs = {"align_corners": bool(align_corners)}
            if with_half:
                attrs["half_pixel_centers"] = bool(half_pixel_centers)
            return apply_op(op_type, [images, size], attrs, name=s)
    build.__doc__ = f"Resizes 4-D `images` to `size` (`{op_type}`)."
    return build


resize_bilinear = _resize_builder("ResizeBilinear")
resize_nearest_neighbor = _resize_builder("ResizeNearestNeighbor")
resize_bicubic = _resize_builder("ResizeBicubic")
_resize_area = _resize_builder("ResizeArea", with_half=False)


def resize_area(images, size, align_corners=False, name=None):
    """Resizes 4-D `images` to `size` by area averaging (`ResizeArea`)."""
    return _resize_area(images, size, align_corners, name)


_METHODS = {ResizeMethod.BILINEAR: resize_bilinear,
            ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor,
            ResizeMethod.BICUBIC: resize_bicubic, ResizeMethod.AREA: resize_area}
_NAMED = {"bilinear": 0, "nearest": 1, "bicubic": 2, "area": 3}


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None):
    """TF1's `tf.image.resize_images` (and `tf.compat.v1.image.resize`): 3-D or 4-D
    `images` resized to `size` by `method`; float32 except for NEAREST_NEIGHBOR."""
    with name_scope(name, "resize_images", [images, size]):
        images = convert_to_tensor(images, name="images")
        rank = images.shape.ndims
        if rank is None or rank not in (3, 4):
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        batch = rank == 4
        if not batch:
            images = array_ops.expand_dims(images, 0)
        _, height, width, _ = images.shape.as_list()
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        if not size.shape.is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, "
                             "new_width")
        static = get_static_value(size)
        if preserve_aspect_ratio:
            if static is not None and height is not None and width is not None:
                cur = np.array([height, width], np.float32)
                factor = np.min(np.asarray(static, np.float32) / cur)
                size = convert_to_tensor(np.round(cur * factor).astype(np.int32),
                                         name="size")
            else:
                cur = math_ops.cast(array_ops.shape(images)[1:3], dtypes.float32)
                factor = reduction_ops.reduce_min(math_ops.cast(size, dtypes.float32) / cur)
                size = math_ops.cast(unary_ops.round(cur * factor), dtypes.int32)
            static = get_static_value(size)
        if static is not None and [height, width] == [int(static[0]), int(static[1])]:
            return images if batch else array_ops.squeeze(images, axis=[0])
        method = _NAMED.get(method, method) if isinstance(method, str) else method
        if method not in _METHODS:
            raise ValueError("Resize method is not implemented: " + str(method))
        out = _METHODS[ResizeMethod(method)](images, size, align_corners=align_corners)
        return out if batch else array_ops.squeeze(out, axis=[0])
