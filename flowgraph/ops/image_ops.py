"""`tf.image` geometry and value transforms built from core ops as TF builds them: flips
(`ReverseV2`) and their random versions, `rot90`, `transpose`, crops and pads to bounding
boxes (`Slice`, `Pad`), `central_crop`, `resize_image_with_crop_or_pad`,
`resize_image_with_pad`, `random_crop`, `convert_image_dtype`,
`per_image_standardization`, brightness and gamma, `total_variation`. Images are 3-D
[height, width, channels] or 4-D [batch, height, width, channels]."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import (array_ops, control_flow_ops, core, join_ops, manip_ops,
                           math_ops, random_ops, reduction_ops, slicing_ops, unary_ops)
from flowgraph.ops import resize_ops

__all__ = ["random_crop"]
__namespaces__ = {"image": [
    "flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down",
    "rot90", "transpose", "transpose_image=transpose", "crop_to_bounding_box",
    "pad_to_bounding_box", "central_crop", "resize_image_with_crop_or_pad",
    "resize_with_crop_or_pad=resize_image_with_crop_or_pad", "resize_image_with_pad",
    "random_crop", "convert_image_dtype", "per_image_standardization", "adjust_brightness",
    "random_brightness", "adjust_gamma", "total_variation"]}


def _image(image, name="image"):
    image = convert_to_tensor(image, name=name)
    rank = image.shape.ndims
    if rank is None:
        raise ValueError(f"'{name}' must be fully defined.")
    if rank not in (3, 4):
        raise ValueError(f"'{name}' (shape {image.shape}) must have either 3 or 4 "
                         f"dimensions.")
    return image


def _dims(image):
    """[h, w] of each image: Python ints where static, else scalar tensors."""
    off = image.shape.ndims - 3
    static = image.shape.as_list()
    dyn = array_ops.shape(image) if None in static[off:off + 2] else None
    return [static[off + k] if static[off + k] is not None else dyn[off + k]
            for k in range(2)]


def _int(x):
    v = get_static_value(x) if not isinstance(x, (int, np.integer)) else x
    return None if v is None else int(v)


# -- flips, rotations -------------------------------------------------------------------
def _flip(image, axis3, name, scope):
    with name_scope(None, scope, [image]):
        image = _image(image)
        axis = axis3 + (image.shape.ndims - 3)
        return manip_ops.reverse_v2(image, [axis], name=name)


def flip_left_right(image):
    """Flips images horizontally (width axis)."""
    return _flip(image, 1, None, "flip_left_right")


def flip_up_down(image):
    """Flips images vertically (height axis)."""
    return _flip(image, 0, None, "flip_up_down")


def _random_flip(image, axis3, seed, scope):
    with name_scope(None, scope, [image]) as s:
        image = _image(image)
        if image.shape.ndims == 3:
            u = random_ops.random_uniform([], 0, 1.0, seed=seed)
            mirror = math_ops.less(u, 0.5)
            result = control_flow_ops.cond(
                mirror, lambda: manip_ops.reverse_v2(image, [axis3]), lambda: image,
                name=s)
            result.set_shape(image.shape)
            return result
        batch = array_ops.shape(image)[0]
        u = random_ops.random_uniform([batch], 0, 1.0, seed=seed)
        flips = math_ops.cast(unary_ops.round(array_ops.reshape(u, [batch, 1, 1, 1])),
                              image.dtype)
        flipped = manip_ops.reverse_v2(image, [axis3 + 1])
        return flips * flipped + (1 - flips) * image


def random_flip_left_right(image, seed=None):
    """Flips each image horizontally with probability 1/2."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Flips each image vertically with probability 1/2."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def rot90(image, k=1, name=None):
    """Rotates images counter-clockwise by `k` quarter turns (`k` a Python int or a
    constant)."""
    with name_scope(name, "rot90", [image, k]):
        image = _image(image)
        k = _int(k)
        if k is None:
            raise NotImplementedError("rot90 needs k known when the graph is built")
        k %= 4
        off = image.shape.ndims - 3
        perm = list(range(off)) + [off + 1, off, off + 2]
        if k == 0:
            return image
        if k == 1:
            return array_ops.transpose(manip_ops.reverse_v2(image, [off + 1]), perm)
        if k == 2:
            return manip_ops.reverse_v2(image, [off, off + 1])
        return manip_ops.reverse_v2(array_ops.transpose(image, perm), [off + 1])


def transpose(image, name=None):
    """Swaps the height and width of images."""
    with name_scope(name, "transpose", [image]):
        image = _image(image)
        perm = [1, 0, 2] if image.shape.ndims == 3 else [0, 2, 1, 3]
        return array_ops.transpose(image, perm, name=name)


# -- crops and pads ----------------------------------------------------------------------
def _check_box(what, **vals):
    for k, v in vals.items():
        v = _int(v)
        if v is not None and v < 0 and k.startswith("offset"):
            raise ValueError(f"{k} must be >= 0.")
        if v is not None and v <= 0 and k.startswith("target"):
            raise ValueError(f"{k} must be > 0.")


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The box of `target_height` x `target_width` at (`offset_height`, `offset_width`)."""
    with name_scope(None, "crop_to_bounding_box", [image]):
        image = _image(image)
        batch = image.shape.ndims == 4
        _check_box("crop", offset_height=offset_height, offset_width=offset_width,
                   target_height=target_height, target_width=target_width)
        h, w = _dims(image)
        for off, size, dim, what in ((offset_width, target_width, w, "width"),
                                     (offset_height, target_height, h, "height")):
            o, s, d = _int(off), _int(size), _int(dim)
            if None not in (o, s, d) and o + s > d:
                raise ValueError(f"{what} must be >= target + offset.")
        begin = [offset_height, offset_width, 0]
        size = [target_height, target_width, -1]
        if batch:
            begin, size = [0] + begin, [-1] + size
        out = slicing_ops.slice(image, join_ops.stack(begin), join_ops.stack(size))
        dims = [_int(target_height), _int(target_width), image.shape[-1]]
        out.set_shape(([image.shape[0]] if batch else []) + dims)
        return out


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`image` placed at (`offset_height`, `offset_width`) on a zero canvas of
    `target_height` x `target_width`."""
    with name_scope(None, "pad_to_bounding_box", [image]):
        image = _image(image)
        batch = image.shape.ndims == 4
        _check_box("pad", offset_height=offset_height, offset_width=offset_width)
        h, w = _dims(image)
        after_w = target_width - offset_width - w
        after_h = target_height - offset_height - h
        for v, what in ((after_h, "height"), (after_w, "width")):
            if _int(v) is not None and _int(v) < 0:
                raise ValueError(f"{what} must be <= target - offset")
        pads = [[offset_height, after_h], [offset_width, after_w], [0, 0]]
        if batch:
            pads = [[0, 0]] + pads
        paddings = join_ops.stack([join_ops.stack(p) for p in pads])
        out = manip_ops.pad(image, paddings)
        dims = [_int(target_height), _int(target_width), image.shape[-1]]
        out.set_shape(([image.shape[0]] if batch else []) + dims)
        return out


def central_crop(image, central_fraction):
    """The central `central_fraction` (in (0, 1]) of each image's height and width."""
    with name_scope(None, "central_crop", [image]):
        image = convert_to_tensor(image, name="image")
        frac = get_static_value(central_fraction) \
            if not isinstance(central_fraction, (int, float)) else central_fraction
        if frac is None:
            raise NotImplementedError("central_crop needs central_fraction known when "
                                      "the graph is built")
        frac = float(frac)
        if frac <= 0.0 or frac > 1.0:
            raise ValueError("central_fraction must be within (0, 1]")
        if frac == 1.0:
            return image
        rank = image.shape.ndims
        if rank not in (3, 4):
            raise ValueError(f"`image` should either be a Tensor with rank = 3 or rank = "
                             f"4. Had rank = {rank}.")
        h, w = _dims(image)
        starts = []
        for d in (h, w):
            if isinstance(d, int):
                starts.append(int((float(d) - float(d) * frac) / 2))
            else:
                df = math_ops.cast(d, dtypes.float64)
                starts.append(math_ops.cast((df - df * frac) / 2, dtypes.int32))
        sizes = [h - 2 * starts[0], w - 2 * starts[1]]
        begin, size = [starts[0], starts[1], 0], [sizes[0], sizes[1], -1]
        if rank == 4:
            begin, size = [0] + begin, [-1] + size
        out = slicing_ops.slice(image, join_ops.stack(begin), join_ops.stack(size))
        dims = [s if isinstance(s, int) else None for s in sizes] + [image.shape[-1]]
        out.set_shape(([image.shape[0]] if rank == 4 else []) + dims)
        return out


def _max(x, y):
    return max(x, y) if isinstance(x, int) and isinstance(y, int) else math_ops.maximum(x, y)


def _min(x, y):
    return min(x, y) if isinstance(x, int) and isinstance(y, int) else math_ops.minimum(x, y)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Crops (centrally) or zero-pads images to `target_height` x `target_width`."""
    with name_scope(None, "resize_image_with_crop_or_pad", [image]):
        image = _image(image)
        _check_box("crop_or_pad", target_height=target_height, target_width=target_width)
        h, w = _dims(image)
        th, tw = (_int(t) if _int(t) is not None else t for t in (target_height,
                                                                  target_width))
        width_diff, height_diff = tw - w, th - h
        crop_w, pad_w = _max(-width_diff // 2, 0), _max(width_diff // 2, 0)
        crop_h, pad_h = _max(-height_diff // 2, 0), _max(height_diff // 2, 0)
        cropped = crop_to_bounding_box(image, crop_h, crop_w, _min(th, h), _min(tw, w))
        return pad_to_bounding_box(cropped, pad_h, pad_w, th, tw)


def resize_image_with_pad(image, target_height, target_width,
                          method=resize_ops.ResizeMethod.BILINEAR, align_corners=False):
    """Resizes images to fit `target_height` x `target_width` keeping their aspect
    ratio, then zero-pads them to it."""
    with name_scope(None, "resize_image_with_pad", [image]):
        image = _image(image)
        batch = image.shape.ndims == 4
        if not batch:
            image = array_ops.expand_dims(image, 0)
        h, w = _dims(image)
        f32 = dtypes.float32
        fh, fw = math_ops.cast(h, f32), math_ops.cast(w, f32)
        fth, ftw = math_ops.cast(target_height, f32), math_ops.cast(target_width, f32)
        ratio = math_ops.maximum(fw / ftw, fh / fth)
        rh, rw = fh / ratio, fw / ratio
        new_h = math_ops.cast(unary_ops.floor(rh), dtypes.int32)
        new_w = math_ops.cast(unary_ops.floor(rw), dtypes.int32)
        p_h = math_ops.maximum(0, math_ops.cast(unary_ops.floor((fth - rh) / 2),
                                                dtypes.int32))
        p_w = math_ops.maximum(0, math_ops.cast(unary_ops.floor((ftw - rw) / 2),
                                                dtypes.int32))
        resized = resize_ops.resize_images(image, join_ops.stack([new_h, new_w]),
                                           method=method, align_corners=align_corners)
        padded = pad_to_bounding_box(resized, p_h, p_w, target_height, target_width)
        return padded if batch else array_ops.squeeze(padded, axis=[0])


def random_crop(value, size, seed=None, name=None):
    """A random `size` slice of `value` (offsets uniform over the valid positions)."""
    with name_scope(name, "random_crop", [value, size]) as s:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        shape = array_ops.shape(value)
        limit = shape - size + 1
        offset = math_ops.floormod(random_ops.random_uniform(
            array_ops.shape(shape), dtype=size.dtype, maxval=size.dtype.max, seed=seed),
            limit)
        out = slicing_ops.slice(value, offset, size, name=s)
        static = get_static_value(size)
        if static is not None:
            out.set_shape([int(d) for d in static])
        return out


# -- values ------------------------------------------------------------------------------
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts images between dtypes, rescaling: floats span [0, 1], integers
    [0, dtype.max]."""
    image = convert_to_tensor(image, name="image")
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise AttributeError("dtype must be either floating point or integer")
    if not (image.dtype.is_floating or image.dtype.is_integer):
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == image.dtype:
        return core.identity(image, name=name)
    cast = unary_ops.saturate_cast if saturate else math_ops.cast
    with name_scope(name, "convert_image", [image]) as name:
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = image.dtype.max, dtype.max
            if scale_in > scale_out:
                scale = (scale_in + 1) // (scale_out + 1)
                return cast(math_ops.floordiv(image, scale), dtype, name=name)
            scale = (scale_out + 1) // (scale_in + 1)
            return math_ops.multiply(cast(image, dtype), scale, name=name)
        if image.dtype.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype, name=name)
        if image.dtype.is_integer:
            return math_ops.multiply(math_ops.cast(image, dtype), 1. / image.dtype.max,
                                     name=name)
        scaled = math_ops.multiply(image, dtype.max + 0.5)
        return cast(scaled, dtype, name=name)


def per_image_standardization(image):
    """Each image scaled to zero mean and unit variance (float32; the deviation is at
    least 1/sqrt(pixels))."""
    with name_scope(None, "per_image_standardization", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        if image.shape.ndims is not None and image.shape.ndims < 3:
            raise ValueError(f"'image' (shape {image.shape}) must be at least three-"
                             f"dimensional.")
        image = math_ops.cast(image, dtypes.float32)
        num_pixels = reduction_ops.reduce_prod(array_ops.shape(image)[-3:])
        mean = reduction_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = reduction_ops.reduce_std(image, axis=[-1, -2, -3], keepdims=True)
        min_stddev = unary_ops.rsqrt(math_ops.cast(num_pixels, dtypes.float32))
        adjusted = math_ops.maximum(stddev, min_stddev)
        return math_ops.divide(image - mean, adjusted, name=scope)


def _as_float(image):
    image = convert_to_tensor(image, name="image")
    if image.dtype in (dtypes.float16, dtypes.float32):
        return image, image.dtype
    return convert_image_dtype(image, dtypes.float32), image.dtype


def adjust_brightness(image, delta):
    """Adds `delta` to images (as floats in [0, 1] for integer images)."""
    with name_scope(None, "adjust_brightness", [image, delta]) as name:
        flt, orig = _as_float(image)
        adjusted = math_ops.add(flt, math_ops.cast(delta, flt.dtype), name=name)
        return convert_image_dtype(adjusted, orig, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta uniform in [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def adjust_gamma(image, gamma=1, gain=1):
    """`gain * image ** gamma` (on floats in [0, 1] for integer images)."""
    with name_scope(None, "adjust_gamma", [image, gamma, gain]) as name:
        flt, orig = _as_float(image)
        g = _int(gamma) if not isinstance(gamma, float) else gamma
        if isinstance(g, (int, float)) and g < 0:
            raise ValueError("Gamma should be a non-negative real number.")
        gamma = convert_to_tensor(gamma, dtype=flt.dtype, name="gamma")
        gain = convert_to_tensor(gain, dtype=flt.dtype, name="gain")
        adjusted = math_ops.multiply(gain, math_ops.pow(flt, gamma), name=name)
        return convert_image_dtype(adjusted, orig, saturate=True)


def total_variation(images, name=None):
    """The sum of absolute differences of neighbouring pixels, per image."""
    with name_scope(name, "total_variation"):
        images = _image(images, "images")
        if images.shape.ndims == 3:
            d1 = images[1:, :, :] - images[:-1, :, :]
            d2 = images[:, 1:, :] - images[:, :-1, :]
            axis = None
        else:
            d1 = images[:, 1:, :, :] - images[:, :-1, :, :]
            d2 = images[:, :, 1:, :] - images[:, :, :-1, :]
            axis = [1, 2, 3]
        return (reduction_ops.reduce_sum(unary_ops.abs(d1), axis=axis) +
                reduction_ops.reduce_sum(unary_ops.abs(d2), axis=axis))
