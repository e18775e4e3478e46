"""Image files and arrays through Pillow: load_img, img_to_array, array_to_img, save_img
(`tf.keras.utils` and `tf.keras.preprocessing.image`)."""

import io
import pathlib
import warnings

import numpy as np

try:
    from PIL import Image as pil_image
except ImportError:  # pragma: no cover - pillow is a dependency
    pil_image = None

from flowgraph.keras import backend

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img"]

_RESAMPLE = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _need_pil(what):
    if pil_image is None:
        raise ImportError("Could not import PIL.Image. The use of `%s` requires PIL." % what)


def _resample(name):
    methods = getattr(pil_image, "Resampling", pil_image)
    return getattr(methods, name.upper())


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from a rank-3 array (1, 3 or 4 channels); with `scale`, values are
    stretched to 0..255 first."""
    data_format = data_format or backend.image_data_format()
    _need_pil("array_to_img")
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array "
                         "with shape: %s" % (x.shape,))
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Invalid data_format: %s" % data_format)
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels in (3, 4):
        return pil_image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return pil_image.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError("Unsupported channel number: %s" % channels)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or array) as a rank-3 float array, channels placed by `data_format`."""
    data_format = data_format or backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format: %s" % data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError("Unsupported image shape: %s" % (x.shape,))


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes an image array to `path` (format from the name or `file_format`)."""
    img = array_to_img(x, data_format=data_format or backend.image_data_format(),
                       scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """A PIL image read from `path` (or a BytesIO) in `color_mode` ('grayscale', 'rgb',
    'rgba'), resized to `target_size` (height, width) when given; `keep_aspect_ratio`
    crops the centre to the target's aspect first."""
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    _need_pil("load_img")
    if isinstance(path, io.BytesIO):
        img = pil_image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(str(pathlib.Path(path).resolve()) if isinstance(path, pathlib.Path)
                  else path, "rb") as f:
            img = pil_image.open(io.BytesIO(f.read()))
    else:
        raise TypeError("path should be path-like or io.BytesIO, not %s" % type(path))
    wanted = {"grayscale": ("L", ("L", "I;16", "I")), "rgba": ("RGBA", ("RGBA",)),
              "rgb": ("RGB", ("RGB",))}
    if color_mode not in wanted:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    mode, keep = wanted[color_mode]
    if img.mode not in keep:
        img = img.convert(mode)
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    if interpolation not in _RESAMPLE:
        raise ValueError("Invalid interpolation method {} specified. Supported methods are "
                         "{}".format(interpolation, ", ".join(_RESAMPLE)))
    if not keep_aspect_ratio:
        return img.resize(size, _resample(interpolation))
    width, height = img.size
    crop_h = min(height, width * size[1] // size[0])
    crop_w = min(width, height * size[0] // size[1])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(size, _resample(interpolation),
                      box=[left, top, left + crop_w, top + crop_h])
