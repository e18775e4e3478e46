"""Image codecs (`tf.image.decode_png`, `encode_png`, `decode_jpeg`, `encode_jpeg`,
`decode_gif`, `decode_bmp`, `decode_image`): host kernels. Decoding goes through Pillow;
channel conversions follow libpng's and libjpeg's (as TF's decoders use them), so PNG
values are exact; JPEG values come from Pillow's libjpeg(-turbo) and agree with TF's to
within a level or two. PNGs are written by our own small encoder (any bit depth and
channel count); 16-bit PNGs with colour are not read (Pillow reduces them to 8 bits)."""
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageSequence

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import math_ops, string_ops
from flowgraph.ops.array_ops import _host

__all__ = []
__namespaces__ = {"image": ["decode_png", "encode_png", "decode_jpeg", "encode_jpeg",
                            "decode_gif", "decode_bmp", "decode_image", "is_jpeg"]}


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _bytes(contents):
    v = _host(contents)
    if v.ndim != 0:
        raise _invalid(f"contents must be scalar, got shape {list(v.shape)}")
    v = v.item()
    return v if isinstance(v, bytes) else str(v).encode()


def _open(data, what):
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
        return img
    except Exception as e:  # Pillow raises many kinds for corrupt data
        raise _invalid(f"Invalid {what} data or size: {e}")


# -- channel conversions (libpng's) --------------------------------------------------------
def _to_gray(rgb):
    """libpng's rgb_to_gray as TF configures it (0.299, 0.587 in 1/32768 steps,
    truncated; 16-bit values rounded), grays left as they are."""
    r, g, b = (rgb[..., k].astype(np.int64) for k in range(3))
    rnd = 16384 if rgb.dtype == np.uint16 else 0
    gray = (9797 * r + 19234 * g + 3737 * b + rnd) >> 15
    return np.where((r == g) & (r == b), r, gray).astype(rgb.dtype)


def _convert_channels(a, channels, maxval):
    """`a` [h, w, c] with c in 1..4 converted to `channels` (0: unchanged)."""
    c = a.shape[-1]
    if channels in (0, c):
        return a
    color, alpha = a[..., :min(c, 3) if c >= 3 else 1], (a[..., -1:] if c in (2, 4)
                                                           else None)
    if channels in (1, 2):
        gray = color if color.shape[-1] == 1 else _to_gray(color)[..., None]
        if channels == 1:
            return gray
        return np.concatenate([gray, alpha if alpha is not None else
                               np.full_like(gray, maxval)], -1)
    rgb = color if color.shape[-1] == 3 else np.repeat(color, 3, -1)
    if channels == 3:
        return rgb
    return np.concatenate([rgb, alpha if alpha is not None else
                           np.full_like(rgb[..., :1], maxval)], -1)


def _pil_array(img):
    """(array [h, w, c], bits) of a Pillow image, palettes expanded."""
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    elif mode in ("1",):
        img = img.convert("L")
    elif mode == "CMYK":
        img = img.convert("RGB")
    elif mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img).astype(np.uint16)
        return a[..., None], 16
    a = np.asarray(img)
    return (a[..., None] if a.ndim == 2 else a), 8


def _png_16bit_color(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 26:
        return False
    return data[24] == 16 and data[25] in (2, 4, 6)


def decode_png_bytes(data, channels, dtype):
    if channels not in (0, 1, 3, 4):
        raise _invalid(f"`channels` must be 0, 1, 3 or 4 but got {channels}")
    if _png_16bit_color(data):
        raise errors.UnimplementedError(None, None, "16-bit PNGs with colour channels are "
                                                    "not supported by flowgraph's decoder")
    img = _open(data, "PNG")
    if img.format != "PNG":
        raise _invalid("Invalid PNG header, data size")
    a, bits = _pil_array(img)
    want16 = np.dtype(dtype) == np.uint16
    if bits == 16 and not want16:
        a = (a >> 8).astype(np.uint8)               # libpng's png_set_strip_16
    elif bits == 8 and want16:
        a = a.astype(np.uint16) * 257
    maxval = 65535 if want16 else 255
    if channels == 4 and a.shape[-1] == 3 and img.mode == "P" and data[24] < 8:
        maxval = (1 << data[24]) - 1   # libpng adds its alpha filler at the palette depth
    a = _convert_channels(a, channels, maxval)
    return np.ascontiguousarray(a, np.dtype(dtype))


def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode_png_bytes(image, compression):
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[-1] not in (1, 2, 3, 4):
        raise _invalid(f"image must be 3-dimensional with 1-4 channels, got "
                       f"{list(a.shape)}")
    h, w, c = a.shape
    bits = 16 if a.dtype == np.uint16 else 8
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = a.astype(">u2" if bits == 16 else np.uint8).reshape(h, -1).view(np.uint8)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows.reshape(h, -1)], 1).tobytes()
    level = 6 if compression == -1 else int(compression)
    return (b"\x89PNG\r\n\x1a\n" +
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, color, 0, 0, 0)) +
            _png_chunk(b"IDAT", zlib.compress(raw, level)) + _png_chunk(b"IEND", b""))


def decode_jpeg_bytes(data, channels, ratio=1, **_):
    if channels not in (0, 1, 3):
        raise _invalid(f"channels must be 0, 1, or 3, got {channels}")
    try:
        img = Image.open(io.BytesIO(data))
        if img.format != "JPEG":
            raise _invalid("Invalid JPEG data or crop window.")
        if channels == 1 and img.mode != "L":
            img.draft("L", img.size)
        if ratio != 1:
            img.draft(img.mode if channels != 1 else "L",
                      (-(-img.size[0] // ratio), -(-img.size[1] // ratio)))
        img.load()
    except errors.OpError:
        raise
    except Exception as e:
        raise _invalid(f"Invalid JPEG data or crop window, data size {len(data)}: {e}")
    if channels == 3 and img.mode != "RGB":
        img = img.convert("RGB")
    elif channels == 1 and img.mode != "L":
        img = img.convert("L")
    elif channels == 0 and img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    a = np.asarray(img)
    return np.ascontiguousarray(a[..., None] if a.ndim == 2 else a)


def encode_jpeg_bytes(image, format, quality, progressive, optimize_size,
                      chroma_downsampling, density_unit, x_density, y_density):
    a = np.asarray(image)
    if a.ndim != 3:
        raise _invalid(f"image must be 3-dimensional, got {list(a.shape)}")
    c = a.shape[-1]
    want = {"": c, "grayscale": 1, "rgb": 3}[format]
    if c != want or c not in (1, 3):
        raise _invalid(f"image must have 1 or 3 channels matching format {format!r}, got "
                       f"{c}")
    img = Image.fromarray(a[..., 0] if c == 1 else a, "L" if c == 1 else "RGB")
    out = io.BytesIO()
    dpi = (x_density, y_density) if density_unit == "in" else \
        (x_density * 2.54, y_density * 2.54)
    img.save(out, "JPEG", quality=int(quality), progressive=bool(progressive),
             optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
             dpi=dpi)
    return out.getvalue()


def decode_gif_bytes(data):
    img = _open(data, "GIF")
    if img.format != "GIF":
        raise _invalid("Invalid GIF data (size " + str(len(data)) + ")")
    frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(img)]
    return np.ascontiguousarray(np.stack(frames), np.uint8)


def decode_bmp_bytes(data, channels):
    """An uncompressed 8-, 24- or 32-bit BMP (BGR(A) rows, bottom-up unless the height is
    negative), read directly as TF's decoder reads it."""
    if channels not in (0, 1, 3, 4):
        raise _invalid(f"channels must be 0, 1, 3 or 4, got {channels}")
    if len(data) < 30 or data[:2] != b"BM":
        raise _invalid("Malformed BMP: header must start with 'BM'")
    offset, = struct.unpack_from("<I", data, 10)
    width, height, _, bpp = struct.unpack_from("<iiHH", data, 18)
    native = bpp // 8
    if native not in (1, 3, 4):
        raise _invalid(f"Number of channels inherent in the image must be 1, 3 or 4, was "
                       f"{native}")
    top_down, height = height < 0, abs(height)
    row = (native * width + 3) // 4 * 4
    if width <= 0 or offset + row * height > len(data):
        raise _invalid("Malformed BMP: image data is truncated or its size invalid")
    rows = np.frombuffer(data, np.uint8, row * height, offset).reshape(height, row)
    a = rows[:, :native * width].reshape(height, width, native)
    if not top_down:
        a = a[::-1]
    if native >= 3:
        a = a[..., [2, 1, 0] + ([3] if native == 4 else [])]
    return np.ascontiguousarray(_convert_channels(a, channels, 255), np.uint8)


def _format(data):
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"GIF":
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return None


def _scale_to(a, dtype):
    """uint8/uint16 image values as `dtype`, by convert_image_dtype's rules."""
    dtype = np.dtype(dtype)
    if a.dtype == dtype:
        return a
    src_max = float(np.iinfo(a.dtype).max)
    if dtype.kind == "f":
        return (a.astype(dtype) * dtype.type(1.0 / src_max)).astype(dtype)
    if dtype == np.uint16 and a.dtype == np.uint8:
        return a.astype(np.uint16) * 257
    return (a >> 8).astype(dtype)


# -- ops -----------------------------------------------------------------------------------
def _image_shape(rank, channels_attr="channels"):
    def shape(op):
        op.inputs[0].shape.with_rank(0)
        c = op.get_attr(channels_attr) if channels_attr else 0
        c = None if not c else c
        return TensorShape([None] * (rank - 1) + [c])
    return shape


@defop("DecodePng", inputs=("contents: string",), outputs=("image: dtype",),
       attrs={"channels": 0, "dtype": dtypes.uint8})
class DecodePng:
    """A PNG as a uint8 or uint16 [height, width, channels] tensor (`channels` 0: as
    stored)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _image_shape(3)

    def kernel(xp, contents, channels, dtype):
        return decode_png_bytes(_bytes(contents), channels, dtype)


@defop("EncodePng", inputs=("image: T",), outputs=("contents: string",),
       attrs={"compression": -1, "T": dtypes.uint8})
class EncodePng:
    """A uint8 or uint16 [height, width, 1-4] image as PNG bytes (`compression` 0-9,
    -1 for zlib's default)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(3)
        return TensorShape([])

    def kernel(xp, image, compression):
        return np.array(encode_png_bytes(_host(image), compression), object)


@defop("DecodeJpeg", inputs=("contents: string",), outputs=("image: uint8",),
       attrs={"channels": 0, "ratio": 1, "fancy_upscaling": True,
              "try_recover_truncated": False, "acceptable_fraction": 1.0, "dct_method": ""})
class DecodeJpeg:
    """A JPEG as a uint8 [height, width, channels] tensor (`ratio` 1, 2, 4 or 8 scales
    it down while decoding)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _image_shape(3)

    def kernel(xp, contents, channels, ratio, fancy_upscaling, try_recover_truncated,
               acceptable_fraction, dct_method):
        return decode_jpeg_bytes(_bytes(contents), channels, ratio)


@defop("EncodeJpeg", inputs=("image: uint8",), outputs=("contents: string",),
       attrs={"format": "", "quality": 95, "progressive": False, "optimize_size": False,
              "chroma_downsampling": True, "density_unit": "in", "x_density": 300,
              "y_density": 300, "xmp_metadata": ""})
class EncodeJpeg:
    """A uint8 [height, width, 1 or 3] image as JPEG bytes."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(3)
        return TensorShape([])

    def kernel(xp, image, format, quality, progressive, optimize_size, chroma_downsampling,
               density_unit, x_density, y_density, xmp_metadata):
        return np.array(encode_jpeg_bytes(_host(image), format, quality, progressive,
                                          optimize_size, chroma_downsampling, density_unit,
                                          x_density, y_density), object)


@defop("DecodeGif", inputs=("contents: string",), outputs=("image: uint8",))
class DecodeGif:
    """The frames of a GIF as a uint8 [num_frames, height, width, 3] tensor."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(0)
        return TensorShape([None, None, None, 3])

    def kernel(xp, contents):
        return decode_gif_bytes(_bytes(contents))


@defop("DecodeBmp", inputs=("contents: string",), outputs=("image: uint8",),
       attrs={"channels": 0})
class DecodeBmp:
    """A BMP as a uint8 [height, width, channels] tensor."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _image_shape(3)

    def kernel(xp, contents, channels):
        return decode_bmp_bytes(_bytes(contents), channels)


@defop("DecodeImage", inputs=("contents: string",), outputs=("image: dtype",),
       attrs={"channels": 0, "dtype": dtypes.uint8, "expand_animations": True})
class DecodeImage:
    """A BMP, GIF, JPEG or PNG, detected from its first bytes, as a tensor of `dtype`
    (floats scaled to [0, 1]); GIFs are 4-D unless `expand_animations` is False."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(0)
        if op.get_attr("expand_animations"):
            return TensorShape(None)
        c = op.get_attr("channels")
        return TensorShape([None, None, c or None])

    def kernel(xp, contents, channels, dtype, expand_animations):
        data = _bytes(contents)
        kind = _format(data)
        if kind is None:
            raise _invalid("Unknown image file format. One of JPEG, PNG, GIF, BMP "
                           "required.")
        if kind == "gif":
            if channels not in (0, 3):
                raise _invalid(f"channels must be 0 or 3 for GIF, got {channels}")
            a = decode_gif_bytes(data)
            a = a if expand_animations else a[0]
        elif kind == "png":
            native = np.uint16 if np.dtype(dtype) != np.uint8 else np.uint8
            a = decode_png_bytes(data, channels, native)
        elif kind == "jpeg":
            a = decode_jpeg_bytes(data, channels)
        else:
            a = decode_bmp_bytes(data, channels)
        return _scale_to(a, dtype)


# -- builders ------------------------------------------------------------------------------
def _contents(contents):
    return convert_to_tensor(contents, dtype=dtypes.string, name="contents")


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """Decodes a PNG to a uint8 or uint16 [height, width, channels] tensor."""
    return apply_op("DecodePng", [_contents(contents)],
                    {"channels": int(channels), "dtype": dtypes.as_dtype(dtype)}, name=name)


def encode_png(image, compression=-1, name=None):
    """PNG bytes of a uint8 or uint16 [height, width, channels] image."""
    image = convert_to_tensor(image, name="image")
    return apply_op("EncodePng", [image], {"compression": int(compression)}, name=name)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                name=None):
    """Decodes a JPEG to a uint8 [height, width, channels] tensor."""
    return apply_op("DecodeJpeg", [_contents(contents)], {
        "channels": int(channels), "ratio": int(ratio), "fancy_upscaling": fancy_upscaling,
        "try_recover_truncated": try_recover_truncated,
        "acceptable_fraction": float(acceptable_fraction), "dct_method": dct_method},
        name=name)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """JPEG bytes of a uint8 [height, width, 1 or 3] image."""
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"format must be '', 'grayscale' or 'rgb', got {format!r}")
    image = convert_to_tensor(image, dtype=dtypes.uint8, name="image")
    return apply_op("EncodeJpeg", [image], {
        "format": format, "quality": int(quality), "progressive": progressive,
        "optimize_size": optimize_size, "chroma_downsampling": chroma_downsampling,
        "density_unit": density_unit, "x_density": int(x_density),
        "y_density": int(y_density), "xmp_metadata": xmp_metadata}, name=name)


def decode_gif(contents, name=None):
    """Decodes the frames of a GIF to a uint8 [num_frames, height, width, 3] tensor."""
    return apply_op("DecodeGif", [_contents(contents)], name=name)


def decode_bmp(contents, channels=0, name=None):
    """Decodes a BMP to a uint8 [height, width, channels] tensor."""
    return apply_op("DecodeBmp", [_contents(contents)], {"channels": int(channels)},
                    name=name)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True):
    """Decodes a BMP, GIF, JPEG or PNG (detected from its bytes)."""
    with name_scope(name, "decode_image"):
        return apply_op("DecodeImage", [_contents(contents)], {
            "channels": int(channels or 0), "dtype": dtypes.as_dtype(dtype),
            "expand_animations": bool(expand_animations)})


def is_jpeg(contents, name=None):
    """Whether `contents` starts like a JPEG (`\\xff\\xd8\\xff`)."""
    with name_scope(name, "is_jpeg"):
        return math_ops.equal(string_ops.substr(contents, 0, 3), b"\xff\xd8\xff",
                              name=name)
