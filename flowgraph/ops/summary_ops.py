"""Summary ops: each outputs a string scalar holding a serialized `Summary` protobuf, as
TF's do (`ScalarSummary`, `HistogramSummary`, `ImageSummary`, `AudioSummaryV2`,
`TensorSummaryV2`, `MergeSummary`). The public builders live in `flowgraph.summary`.

The kernels encode on the host (histogram buckets, PNG, WAV, TensorProto), so the ops are
CPU-only. The protobuf classes are tensorboardX's generated ones (wire-compatible with TF's
`Summary`), imported on first use."""
import struct
import zlib

import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = []

_REAL = ("float32", "float64", "int32", "uint8", "int16", "int8", "int64", "bfloat16",
         "uint16", "float16", "uint32", "uint64")
_IMAGE_TYPES = ("uint8", "float32", "float16", "float64")
_DBL_MAX = float(np.finfo(np.float64).max)


def _pb():
    """tensorboardX's summary_pb2 (imported lazily: it pulls in tensorboardX)."""
    from tensorboardX.proto import summary_pb2
    return summary_pb2


def _check_type(op, allowed, arg, attr="T"):
    dt = dtypes.as_dtype(op.get_attr(attr)).base_dtype
    if dt.name not in allowed:
        raise TypeError(f"Value passed to parameter '{arg}' has DataType {dt.name} not in "
                        f"list of allowed values: {', '.join(allowed)} "
                        f"(op '{op.name}' of type {op.type})")


def _typed_scalar(allowed, arg):
    def shape(op):
        _check_type(op, allowed, arg)
        return shape_fns.scalar(op)
    return shape


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _dims(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _text(v):
    """A tag value (bytes, str or a 0-d array of either) as str."""
    v = np.asarray(v)
    if v.ndim:
        raise _invalid(f"tag must be a scalar, got shape {_dims(v.shape)}")
    v = v.item()
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _string_scalar(b):
    out = np.empty((), dtype=object)
    out[()] = b
    return out


# -- histograms ----------------------------------------------------------------------------
_LIMITS = []


def default_bucket_limits():
    """TF's default histogram bucket limits: 1e-12 growing by 1.1 to 1e20, mirrored for
    negatives, with 0 and +-DBL_MAX at the ends."""
    if not _LIMITS:
        pos, v = [], 1.0e-12
        while v < 1.0e20:
            pos.append(v)
            v *= 1.1
        pos.append(_DBL_MAX)
        _LIMITS.append(np.array([-p for p in reversed(pos)] + [0.0] + pos))
    return _LIMITS[0]


def histogram_proto(values, tag="histogram"):
    """A `HistogramProto` of `values` with TF's buckets; runs of empty buckets are merged."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    finite = np.isfinite(v)
    if not finite.all():
        bad = v[~finite][0]
        raise _invalid(f"Nan in summary histogram for: {tag}" if np.isnan(bad) else
                       f"Infinity in Histogram for: {tag}")
    limits = default_bucket_limits()
    idx = np.minimum(np.searchsorted(limits, v, side="right"), len(limits) - 1)
    counts = np.bincount(idx, minlength=len(limits)).astype(np.float64)
    # Keep every non-empty bucket and the last bucket of each run of empty ones.
    keep = counts > 0
    keep[:-1] |= keep[1:]
    keep[-1] = True
    h = _pb().HistogramProto()
    if v.size:
        h.min, h.max = float(v.min()), float(v.max())
        h.num = float(v.size)
        with np.errstate(over="ignore", invalid="ignore"):
            h.sum = float(np.cumsum(v)[-1])  # sequential, as TF accumulates
            h.sum_squares = float(np.cumsum(v * v)[-1])
    else:
        h.min, h.max = _DBL_MAX, -_DBL_MAX
    h.bucket_limit.extend(limits[keep].tolist())
    h.bucket.extend(counts[keep].tolist())
    return h


# -- images --------------------------------------------------------------------------------
def encode_png(pixels):
    """PNG bytes of a [height, width, channels] uint8 array (1, 2, 3 or 4 channels)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w, c = pixels.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = np.zeros((h, 1 + w * c), dtype=np.uint8)  # filter byte 0 (None) per row
    rows[:, 1:] = pixels.reshape(h, w * c)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def _normalize_float_image(img, bad_color):
    """TF's float image normalization: all >= 0 -> scaled so the max is 255; any < 0 ->
    0 maps to 128 and the largest magnitude to 127 away. Pixels with a non-finite
    channel are excluded from the range and painted `bad_color`. As TF does, the range
    and the affine map are found in float32, then applied in the image's own precision."""
    good = np.isfinite(img).all(axis=-1)
    vals = img[good].astype(np.float32)
    lo = vals.min() if vals.size else np.float32(0)
    hi = vals.max() if vals.size else np.float32(0)
    zero = np.float32(1e-6)
    if lo < 0:
        m = max(abs(lo), abs(hi))
        scale, offset = (np.float32(0) if m < zero else np.float32(127) / m), 128.0
    else:
        scale, offset = (np.float32(0) if hi < zero else np.float32(255) / hi), 0.0
    t = img.dtype.type
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(good[..., None], img * t(scale) + t(offset), 0).astype(np.uint8)
    out[~good] = bad_color[:img.shape[-1]]
    return out


def image_values(tag, tensor, max_images, bad_color):
    """The `Summary.Value`s of an image batch [n, h, w, c]."""
    t = np.asarray(tensor)
    if t.ndim != 4 or t.shape[-1] not in (1, 3, 4):
        raise _invalid(f"Tensor must be 4-D with last dim 1, 3, or 4, not {_dims(t.shape)}")
    pb = _pb()
    bad = np.asarray(bad_color, dtype=np.uint8).reshape(-1)
    if bad.size < t.shape[-1]:
        raise _invalid(f"bad_color must have at least {t.shape[-1]} channels, got "
                       f"{bad.size}")
    n = min(t.shape[0], max_images)
    out = []
    for i in range(n):
        img = t[i] if t.dtype == np.uint8 else _normalize_float_image(t[i], bad)
        v = pb.Summary.Value(tag=f"{tag}/image" if max_images == 1 else f"{tag}/image/{i}")
        v.image.height, v.image.width, v.image.colorspace = t.shape[1], t.shape[2], t.shape[3]
        v.image.encoded_image_string = encode_png(img)
        out.append(v)
    return out


# -- audio ---------------------------------------------------------------------------------
def encode_wav(samples, sample_rate):
    """16-bit PCM WAV bytes of float `samples` [frames, channels] in [-1, 1]."""
    x = np.asarray(samples, dtype=np.float32)
    frames, channels = x.shape
    s = x.astype(np.float64) * 32768.0  # exact: float32 times a power of two
    s = np.nan_to_num(np.sign(s) * np.floor(np.abs(s) + 0.5), nan=0.0)  # round half away
    pcm = np.clip(s, -32768, 32767).astype("<i2").tobytes()
    rate = int(sample_rate)
    header = (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " +
              struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2,
                          channels * 2, 16) + b"data" + struct.pack("<I", len(pcm)))
    return header + pcm


def audio_values(tag, tensor, sample_rate, max_outputs):
    t = np.asarray(tensor, dtype=np.float32)
    if t.ndim not in (2, 3):
        raise _invalid(f"Tensor must be 3-D or 2-D, got: {_dims(t.shape)}")
    if t.ndim == 2:
        t = t[:, :, None]
    pb = _pb()
    out = []
    for i in range(min(t.shape[0], max_outputs)):
        v = pb.Summary.Value(tag=f"{tag}/audio" if max_outputs == 1 else f"{tag}/audio/{i}")
        a = v.audio
        a.sample_rate = float(sample_rate)
        a.num_channels, a.length_frames = t.shape[2], t.shape[1]
        a.encoded_audio_string = encode_wav(t[i], sample_rate)
        a.content_type = "audio/wav"
        out.append(v)
    return out


# -- tensors -------------------------------------------------------------------------------
def tensor_proto(value, dtype=None):
    """A tensorboardX `TensorProto` of a numpy value (strings in string_val, numbers as
    little-endian tensor_content), as TF's tensor summaries store them."""
    from tensorboardX.proto import tensor_pb2
    arr = np.asarray(value)
    dt = dtypes.string if arr.dtype.kind in "OSU" else dtypes.as_dtype(dtype or arr.dtype)
    p = tensor_pb2.TensorProto(dtype=dt.as_datatype_enum)
    p.tensor_shape.SetInParent()  # present even for a scalar, as TF writes it
    for d in arr.shape:
        p.tensor_shape.dim.add(size=d)
    if dt == dtypes.string:
        p.string_val.extend(x.encode() if isinstance(x, str) else bytes(x)
                            for x in arr.reshape(-1).tolist())
    else:
        np_type = np.dtype(dt.as_numpy_dtype).newbyteorder("<")
        p.tensor_content = np.ascontiguousarray(arr, dtype=np_type).tobytes()
    return p


# -- op blocks -----------------------------------------------------------------------------
@defop("ScalarSummary", inputs=("tags: string", "values: T"), outputs=("summary: string",))
class ScalarSummary:
    """A `Summary` with one simple_value per (tag, value) pair."""
    shape = _typed_scalar(_REAL, "values")
    devices = ("CPU",)

    def kernel(xp, tags, values):
        tags, values = np.asarray(tags), np.asarray(values)
        if tags.shape != values.shape:
            first = f" (tag '{_text(tags.reshape(-1)[0])}')" if tags.size else ""
            raise _invalid(f"tags and values are not the same shape: {_dims(tags.shape)} "
                           f"!= {_dims(values.shape)}{first}")
        s = _pb().Summary()
        for t, v in zip(tags.reshape(-1), values.reshape(-1)):
            s.value.add(tag=_text(t), simple_value=float(v))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


@defop("HistogramSummary", inputs=("tag: string", "values: T"), outputs=("summary: string",),
       attrs={"T": dtypes.float32})
class HistogramSummary:
    """A `Summary` with a histogram of `values` (TF's exponential buckets)."""
    shape = _typed_scalar(_REAL, "values")
    devices = ("CPU",)

    def kernel(xp, tag, values):
        tag = _text(tag)
        s = _pb().Summary()
        s.value.add(tag=tag).histo.CopyFrom(histogram_proto(values, tag))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


def _image_shape(op):
    _check_type(op, _IMAGE_TYPES, "tensor")
    if op.get_attr("max_images") < 1:
        raise ValueError(f"Attr 'max_images' of 'ImageSummary' Op passed "
                         f"{op.get_attr('max_images')} less than minimum 1.")
    return shape_fns.scalar(op)


@defop("ImageSummary", inputs=("tag: string", "tensor: T"), outputs=("summary: string",),
       attrs={"max_images": 3, "T": dtypes.float32,
              "bad_color": np.array([255, 0, 0, 255], dtype=np.uint8)})
class ImageSummary:
    """A `Summary` with up to `max_images` PNG-encoded images of a [n, h, w, c] batch."""
    shape = _image_shape
    devices = ("CPU",)

    def kernel(xp, tag, tensor, max_images, bad_color):
        s = _pb().Summary()
        s.value.extend(image_values(_text(tag), tensor, max_images, bad_color))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


def _audio_shape(op):
    if op.get_attr("max_outputs") < 1:
        raise ValueError(f"Attr 'max_outputs' of '{op.type}' Op passed "
                         f"{op.get_attr('max_outputs')} less than minimum 1.")
    return shape_fns.scalar(op)


@defop("AudioSummaryV2", inputs=("tag: string", "tensor: float32", "sample_rate: float32"),
       outputs=("summary: string",), attrs={"max_outputs": 3})
class AudioSummaryV2:
    """A `Summary` with up to `max_outputs` WAV clips of a [n, frames(, channels)] batch."""
    shape = _audio_shape
    devices = ("CPU",)

    def kernel(xp, tag, tensor, sample_rate, max_outputs):
        rate = np.asarray(sample_rate)
        if rate.size != 1:
            raise _invalid("sample_rate must be rank-0 or contain a single value")
        s = _pb().Summary()
        s.value.extend(audio_values(_text(tag), tensor, float(rate.reshape(-1)[0]),
                                    max_outputs))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


@defop("AudioSummary", inputs=("tag: string", "tensor: float32"),
       outputs=("summary: string",), attrs={"sample_rate": None, "max_outputs": 3})
class AudioSummary:
    """The deprecated form of `AudioSummaryV2`, with `sample_rate` as an attr."""
    shape = _audio_shape
    devices = ("CPU",)

    def kernel(xp, tag, tensor, sample_rate, max_outputs):
        s = _pb().Summary()
        s.value.extend(audio_values(_text(tag), tensor, sample_rate, max_outputs))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


@defop("TensorSummaryV2", inputs=("tag: string", "tensor: T",
                                  "serialized_summary_metadata: string"),
       outputs=("summary: string",))
class TensorSummaryV2:
    """A `Summary` holding the whole tensor and its (plugin) metadata."""
    shape = shape_fns.scalar
    devices = ("CPU",)

    def kernel(xp, tag, tensor, serialized_summary_metadata, T):
        s = _pb().Summary()
        v = s.value.add(tag=_text(tag))
        meta = np.asarray(serialized_summary_metadata).item()
        v.metadata.ParseFromString(meta.encode() if isinstance(meta, str) else bytes(meta))
        v.tensor.CopyFrom(tensor_proto(tensor, None if T.kind == "O" else T))
        return _string_scalar(s.SerializeToString())
    grad = NOT_DIFFERENTIABLE


@defop("MergeSummary", inputs=("inputs: N * string",), outputs=("summary: string",))
class MergeSummary:
    """One `Summary` with the values of every input summary; tags must be unique."""
    shape = shape_fns.scalar
    devices = ("CPU",)

    def kernel(xp, inputs):
        pb = _pb()
        out, seen, part = pb.Summary(), set(), pb.Summary()
        for t in inputs:
            for b in np.asarray(t).reshape(-1).tolist():
                try:
                    part.ParseFromString(b.encode() if isinstance(b, str) else bytes(b))
                except Exception:
                    raise _invalid("Could not parse one of the summary inputs") from None
                for v in part.value:
                    if v.tag in seen:
                        raise _invalid(f"Duplicate tag {v.tag} found in summary inputs ")
                    seen.add(v.tag)
                    out.value.add().CopyFrom(v)
        return _string_scalar(out.SerializeToString())
    grad = NOT_DIFFERENTIABLE
