"""Colour: the ops `RGBToHSV`, `HSVToRGB`, `AdjustContrastv2`, `AdjustSaturation`,
`AdjustHue` (float kernels computing what TF's do) and the composites
`rgb_to_grayscale`, `grayscale_to_rgb`, the YIQ/YUV conversions and the random
contrast/saturation/hue adjustments. Values are floats in [0, 1] (integer images are
converted with `convert_image_dtype` and back)."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import (array_ops, creation_ops, join_ops, manip_ops, math_ops,
                           matmul_ops, random_ops)
from flowgraph.ops.image_ops import convert_image_dtype, _as_float

__all__ = []
__namespaces__ = {"image": [
    "rgb_to_hsv", "hsv_to_rgb", "adjust_contrast", "adjust_saturation", "adjust_hue",
    "random_contrast", "random_saturation", "random_hue", "rgb_to_grayscale",
    "grayscale_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb"]}


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _check_rgb(images, what="images"):
    if images.ndim < 1 or images.shape[-1] != 3:
        raise _invalid(f"input must have 3 channels but input only has "
                       f"{images.shape[-1] if images.ndim else 0} channels.")


def rgb_to_hsv_array(rgb):
    r, g, b = (rgb[..., k] for k in range(3))
    v = np.maximum(np.maximum(r, g), b)
    rng = v - np.minimum(np.minimum(r, g), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(v > 0, rng / v, 0).astype(rgb.dtype)
        norm = rgb.dtype.type(1) / (rgb.dtype.type(6) * rng)
        h = np.where(r == v, norm * (g - b),
                     np.where(g == v, norm * (b - r) + rgb.dtype.type(2 / 6),
                              norm * (r - g) + rgb.dtype.type(4 / 6)))
    h = np.where(rng > 0, h, 0)
    h = np.where(h < 0, h + 1, h).astype(rgb.dtype)
    return np.stack([h, s, v], -1)


def hsv_to_rgb_array(hsv):
    h, s, v = (hsv[..., k] for k in range(3))
    c = s * v
    m = v - c
    dh = h * hsv.dtype.type(6)
    cat = np.trunc(dh).astype(np.int64)
    fm = np.fmod(dh, 2)
    x = c * (1 - np.abs(fm - 1))
    z = np.zeros_like(c)
    table = {0: (c, x, z), 1: (x, c, z), 2: (z, c, x), 3: (z, x, c), 4: (x, z, c),
             5: (c, z, x)}
    out = [np.copy(c), np.copy(z), np.copy(z)]    # other categories: (c, 0, 0)
    for k, chans in table.items():
        sel = cat == k
        for j in range(3):
            out[j] = np.where(sel, chans[j], out[j])
    return np.stack([o + m for o in out], -1).astype(hsv.dtype)


def _same(op):
    return op.inputs[0].shape


@defop("RGBToHSV", inputs=("images: T",), outputs=("output: T",),
       attrs={"T": dtypes.float32})
class RGBToHSV:
    """RGB in [0, 1] to hue, saturation, value in [0, 1] (last dimension 3)."""
    devices = ("CPU",)
    shape = _same

    def kernel(xp, images):
        _check_rgb(images)
        return rgb_to_hsv_array(np.asarray(images))

    def grad(op, g):
        return [_rgb_to_hsv_grad(op.inputs[0], g)]


@defop("HSVToRGB", inputs=("images: T",), outputs=("output: T",),
       attrs={"T": dtypes.float32})
class HSVToRGB:
    """Hue, saturation, value in [0, 1] to RGB (last dimension 3)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same

    def kernel(xp, images):
        _check_rgb(images)
        return hsv_to_rgb_array(np.asarray(images))


def _rgb_to_hsv_grad(rgb, g):
    """d(h, s, v)/d(r, g, b) contracted with `g`, as graph ops (TF's piecewise
    derivative: of v through the max channel, of s = 1 - min/max, of h per sector)."""
    r, gg, b = (rgb[..., k] for k in range(3))
    hsv = apply_op("RGBToHSV", [rgb])
    v = hsv[..., 2]
    dt = rgb.dtype
    one, zero = creation_ops.ones_like(r), creation_ops.zeros_like(r)
    mn = math_ops.minimum(math_ops.minimum(r, gg), b)
    rng = v - mn
    is_max = [math_ops.cast(math_ops.equal(c, v), dt) for c in (r, gg, b)]
    # one-hot of the first max channel (ties resolved r, g, b as the kernel does)
    first = [is_max[0], is_max[1] * (1 - is_max[0]),
             is_max[2] * (1 - is_max[0]) * (1 - is_max[1])]
    is_min = [math_ops.cast(math_ops.equal(c, mn), dt) for c in (r, gg, b)]
    low = [is_min[0], is_min[1] * (1 - is_min[0]),
           is_min[2] * (1 - is_min[0]) * (1 - is_min[1])]
    safe_v = math_ops.maximum(v, creation_ops.fill(array_ops.shape(v),
                                                   np.array(1e-30, dt.as_numpy_dtype)))
    pos_v = math_ops.cast(math_ops.greater(v, zero), dt)
    # s = (v - mn) / v: ds/dv = mn / v^2, ds/dmn = -1 / v
    ds_dv, ds_dmn = mn / (safe_v * safe_v) * pos_v, -one / safe_v * pos_v
    safe_r = math_ops.maximum(rng, creation_ops.fill(array_ops.shape(rng),
                                                     np.array(1e-30, dt.as_numpy_dtype)))
    pos_r = math_ops.cast(math_ops.greater(rng, zero), dt)
    # h = (a - c) / (6 rng) (+ offset) for the sector of the max channel
    chans = (r, gg, b)
    dh = [zero, zero, zero]
    for k in range(3):
        a, c = chans[(k + 1) % 3], chans[(k + 2) % 3]
        num = a - c
        inv = one / (6.0 * safe_r)
        # d/da, d/dc directly, and through rng (d rng = d v - d mn)
        d_num = [zero, zero, zero]
        d_num[(k + 1) % 3] = inv
        d_num[(k + 2) % 3] = -inv
        d_rng = -num / (6.0 * safe_r * safe_r)
        for j in range(3):
            through = d_rng * (first[j] - low[j])
            dh[j] = dh[j] + first[k] * pos_r * (d_num[j] + through)
    gh, gs, gv = g[..., 0], g[..., 1], g[..., 2]
    out = [gh * dh[j] + gs * (ds_dv * first[j] + ds_dmn * low[j]) + gv * first[j]
           for j in range(3)]
    return join_ops.stack(out, axis=-1)


@defop("AdjustContrastv2", inputs=("images: T", "contrast_factor: float"),
       outputs=("output: T",), attrs={"T": dtypes.float32})
class AdjustContrastv2:
    """`(x - mean) * contrast_factor + mean` per channel, the mean over each image's
    height and width (the last 3 dimensions are [height, width, channels])."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same

    def kernel(xp, images, contrast_factor):
        x = np.asarray(images)
        if x.ndim < 3:
            raise _invalid(f"input must be at least 3-D, got shape{list(x.shape)}")
        if np.ndim(contrast_factor) != 0:
            raise _invalid(f"contrast_factor must be scalar: {list(np.shape(contrast_factor))}")
        mean = x.astype(np.float32).mean(axis=(-3, -2), keepdims=True)
        f = np.float32(contrast_factor)
        return ((x.astype(np.float32) - mean) * f + mean).astype(x.dtype)


def _hsv_adjust_kernel(fn):
    def kernel(xp, images, amount):
        x = np.asarray(images)
        _check_rgb(x)
        if np.ndim(amount) != 0:
            raise _invalid(f"the adjustment must be scalar: {list(np.shape(amount))}")
        hsv = rgb_to_hsv_array(x.astype(np.float32))
        hsv = fn(hsv, np.float32(amount))
        return hsv_to_rgb_array(hsv).astype(x.dtype)
    return kernel


def _saturate(hsv, scale):
    hsv[..., 1] = np.clip(hsv[..., 1] * scale, 0, 1)
    return hsv


def _shift_hue(hsv, delta):
    h = hsv[..., 0] + delta
    hsv[..., 0] = h - np.floor(h)
    return hsv


_sat_kernel, _hue_kernel = _hsv_adjust_kernel(_saturate), _hsv_adjust_kernel(_shift_hue)


@defop("AdjustSaturation", inputs=("images: T", "scale: float"), outputs=("output: T",),
       attrs={"T": dtypes.float32})
class AdjustSaturation:
    """RGB images with their HSV saturation multiplied by `scale` (clipped to [0, 1])."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same

    def kernel(xp, images, scale):
        return _sat_kernel(xp, images, scale)


@defop("AdjustHue", inputs=("images: T", "delta: float"), outputs=("output: T",),
       attrs={"T": dtypes.float32})
class AdjustHue:
    """RGB images with `delta` added to their HSV hue (wrapped into [0, 1))."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _same

    def kernel(xp, images, delta):
        return _hue_kernel(xp, images, delta)


# -- builders ----------------------------------------------------------------------------
def rgb_to_hsv(images, name=None):
    """RGB images (floats in [0, 1]) to HSV."""
    return apply_op("RGBToHSV", [convert_to_tensor(images, name="images")], name=name)


def hsv_to_rgb(images, name=None):
    """HSV images to RGB."""
    return apply_op("HSVToRGB", [convert_to_tensor(images, name="images")], name=name)


def _float_op(op_type, scope, image, amount, amount_name):
    with name_scope(None, scope, [image, amount]) as name:
        flt, orig = _as_float(image)
        amount = convert_to_tensor(amount, dtype=dtypes.float32, name=amount_name)
        out = apply_op(op_type, [flt, amount], name=name)
        return convert_image_dtype(out, orig, saturate=True)


def adjust_contrast(images, contrast_factor):
    """Scales each channel's deviation from its mean by `contrast_factor`."""
    return _float_op("AdjustContrastv2", "adjust_contrast", images, contrast_factor,
                     "contrast_factor")


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the saturation of RGB images by `saturation_factor`."""
    return _float_op("AdjustSaturation", name or "adjust_saturation", image,
                     saturation_factor, "scale")


def adjust_hue(image, delta, name=None):
    """Rotates the hue of RGB images by `delta` (in [-1, 1]) turns."""
    return _float_op("AdjustHue", name or "adjust_hue", image, delta, "delta")


def _check_range(lower, upper):
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor uniform in [lower, upper)."""
    _check_range(lower, upper)
    factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor uniform in [lower, upper)."""
    _check_range(lower, upper)
    factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_saturation(image, factor)


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta uniform in [-max_delta, max_delta) (max_delta <= 0.5)."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_hue(image, delta)


def _tensordot3(images, kernel, name):
    k = convert_to_tensor(np.asarray(kernel, images.dtype.as_numpy_dtype), name="kernel")
    return matmul_ops.tensordot(images, k, axes=[[images.shape.ndims - 1], [0]],
                                name=name)


def rgb_to_grayscale(images, name=None):
    """The luma (0.2989 R + 0.5870 G + 0.1140 B) of RGB images, keeping a channel
    dimension of 1."""
    with name_scope(name, "rgb_to_grayscale", [images]) as name:
        images = convert_to_tensor(images, name="images")
        orig = images.dtype
        flt = convert_image_dtype(images, dtypes.float32)
        weights = convert_to_tensor([0.2989, 0.5870, 0.1140], dtype=flt.dtype)
        gray = matmul_ops.tensordot(flt, weights, [-1, -1])
        gray = array_ops.expand_dims(gray, -1)
        return convert_image_dtype(gray, orig, name=name)


def grayscale_to_rgb(images, name=None):
    """Grayscale images (last dimension 1) repeated into 3 channels."""
    with name_scope(name, "grayscale_to_rgb", [images]) as name:
        images = convert_to_tensor(images, name="images")
        rank = images.shape.ndims
        multiples = [1] * (rank - 1) + [3]
        rgb = manip_ops.tile(images, multiples, name=name)
        rgb.set_shape(images.shape[:-1].concatenate([3]))
        return rgb


_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
               [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
               [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _linear_color(kernel, scope):
    def convert(images):
        with name_scope(None, scope, [images]):
            images = convert_to_tensor(images, name="images")
            return _tensordot3(images, kernel, None)
    convert.__doc__ = f"Converts images by the 3x3 colour matrix of `{scope}`."
    return convert


rgb_to_yiq = _linear_color(_RGB_TO_YIQ, "rgb_to_yiq")
yiq_to_rgb = _linear_color(_YIQ_TO_RGB, "yiq_to_rgb")
rgb_to_yuv = _linear_color(_RGB_TO_YUV, "rgb_to_yuv")
yuv_to_rgb = _linear_color(_YUV_TO_RGB, "yuv_to_rgb")
