"""More of `tf.image`: `extract_jpeg_shape` and `decode_and_crop_jpeg` (ops), and the
composites `image_gradients`, `sobel_edges` and `psnr`."""
import io

import numpy as np
from PIL import Image

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import (array_ops, conv_ops, creation_ops, join_ops, manip_ops, math_ops,
                           reduction_ops, unary_ops)
from flowgraph.ops.image_codec_ops import _bytes, decode_jpeg_bytes
from flowgraph.ops.image_ops import convert_image_dtype

__all__ = []
__namespaces__ = {"image": ["extract_jpeg_shape", "decode_and_crop_jpeg", "image_gradients",
                            "sobel_edges", "psnr", "sample_distorted_bounding_box"]}


@defop("ExtractJpegShape", inputs=("contents: string",), outputs=("image_shape: output_type",),
       attrs={"output_type": dtypes.int32})
class ExtractJpegShape:
    """[height, width, channels] of a JPEG, read from its header."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(0)
        return TensorShape([3])

    def kernel(xp, contents, output_type):
        data = _bytes(contents)
        try:
            img = Image.open(io.BytesIO(data))
        except Exception as e:
            raise errors.InvalidArgumentError(None, None, f"Invalid JPEG data, size "
                                                          f"{len(data)}: {e}")
        if img.format != "JPEG":
            raise errors.InvalidArgumentError(None, None, f"Invalid JPEG data, size "
                                                          f"{len(data)}")
        channels = {"L": 1, "RGB": 3, "CMYK": 4, "YCbCr": 3}.get(img.mode, 3)
        return np.array([img.size[1], img.size[0], channels], np.dtype(output_type))


@defop("DecodeAndCropJpeg", inputs=("contents: string", "crop_window: int32"),
       outputs=("image: uint8",),
       attrs={"channels": 0, "ratio": 1, "fancy_upscaling": True,
              "try_recover_truncated": False, "acceptable_fraction": 1.0, "dct_method": ""})
class DecodeAndCropJpeg:
    """The `crop_window` ([y, x, height, width]) of a decoded JPEG."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(0)
        c = op.get_attr("channels")
        return TensorShape([None, None, c or None])

    def kernel(xp, contents, crop_window, channels, ratio, fancy_upscaling,
               try_recover_truncated, acceptable_fraction, dct_method):
        img = decode_jpeg_bytes(_bytes(contents), channels, ratio)
        y, x, h, w = (int(v) for v in np.asarray(crop_window).reshape(-1))
        if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > img.shape[0] or \
                x + w > img.shape[1]:
            raise errors.InvalidArgumentError(None, None, "Invalid JPEG data or crop "
                                                          "window.")
        return np.ascontiguousarray(img[y:y + h, x:x + w])


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    """[height, width, channels] of a JPEG without decoding it."""
    return apply_op("ExtractJpegShape", [convert_to_tensor(contents, dtype=dtypes.string)],
                    {"output_type": dtypes.as_dtype(output_type)}, name=name)


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None):
    """Decodes the `crop_window` ([y, x, height, width]) of a JPEG."""
    return apply_op("DecodeAndCropJpeg", [
        convert_to_tensor(contents, dtype=dtypes.string),
        convert_to_tensor(crop_window, dtype=dtypes.int32)], {
            "channels": int(channels), "ratio": int(ratio),
            "fancy_upscaling": fancy_upscaling,
            "try_recover_truncated": try_recover_truncated,
            "acceptable_fraction": float(acceptable_fraction), "dct_method": dct_method},
        name=name)


def image_gradients(image):
    """(dy, dx): forward differences of 4-D images along height and width, zero in the
    last row / column."""
    image = convert_to_tensor(image, name="image")
    if image.shape.ndims != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{image.shape}.")
    shape = array_ops.shape(image)
    b, h, w, d = (shape[k] for k in range(4))
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = join_ops.concat([dy, creation_ops.zeros(join_ops.stack([b, 1, w, d]), image.dtype)], 1)
    dx = join_ops.concat([dx, creation_ops.zeros(join_ops.stack([b, h, 1, d]), image.dtype)], 2)
    return array_ops.reshape(dy, shape), array_ops.reshape(dx, shape)


def sobel_edges(image):
    """[batch, h, w, d, 2]: the vertical and horizontal Sobel responses of 4-D images
    (edges reflected)."""
    image = convert_to_tensor(image, name="image")
    kernels = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]])
    kernels = np.expand_dims(np.transpose(kernels, (1, 2, 0)), -2)
    filt = manip_ops.tile(convert_to_tensor(kernels.astype(image.dtype.as_numpy_dtype)),
                          [1, 1, image.shape[-1], 1], name="sobel_filters")
    padded = manip_ops.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = conv_ops.depthwise_conv2d(padded, filt, [1, 1, 1, 1], "VALID")
    out = array_ops.reshape(out, join_ops.concat([array_ops.shape(image), [2]], 0))
    out.set_shape(image.shape.concatenate([2]))
    return out


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio of images `a` and `b` (values up to `max_val`), per
    image."""
    with name_scope(name, "PSNR", [a, b]):
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        max_val = convert_image_dtype(math_ops.cast(max_val, a.dtype), dtypes.float32)
        a = convert_image_dtype(a, dtypes.float32)
        b = convert_image_dtype(b, dtypes.float32)
        mse = reduction_ops.reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])
        return math_ops.subtract(
            20 * unary_ops.log(max_val) / unary_ops.log(10.0),
            np.float32(10 / np.log(10)) * unary_ops.log(mse), name="psnr")


# -- SampleDistortedBoundingBoxV2 --------------------------------------------------------
def _random_crop_box(rng, h, w, aspect, min_area, max_area):
    """A (y, x, height, width) crop of aspect ratio ~`aspect` and area in the range, or
    None."""
    min_h = int(round(np.sqrt(min_area / aspect)))
    max_h = int(round(np.sqrt(max_area / aspect)))
    if round(max_h * aspect) > w:
        max_h = int((w + 0.5 - 1e-7) / aspect)
    max_h = min(max_h, h)
    min_h = min(min_h, max_h)
    ch = min_h + int(rng.integers(0, max_h - min_h + 1))
    cw = int(round(ch * aspect))
    area = ch * cw
    if area < min_area or area > max_area or cw > w or ch > h or ch <= 0 or cw <= 0:
        return None
    return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw


def _covered(crop, box, h, w):
    y, x, ch, cw = crop
    y0, x0, y1, x1 = box[0] * h, box[1] * w, box[2] * h, box[3] * w
    inter = max(min(y + ch, y1) - max(y, y0), 0) * max(min(x + cw, x1) - max(x, x0), 0)
    area = (y1 - y0) * (x1 - x0)
    return inter / area if area > 0 else 0.0


@defop("SampleDistortedBoundingBoxV2",
       inputs=("image_size: T", "bounding_boxes: float", "min_object_covered: float"),
       outputs=("begin: T", "size: T", "bboxes: float"),
       attrs={"seed": 0, "seed2": 0, "aspect_ratio_range": [0.75, 1.33],
              "area_range": [0.05, 1.0], "max_attempts": 100,
              "use_image_if_no_bounding_boxes": False}, stateful=True)
class SampleDistortedBoundingBoxV2:
    """A random crop of an image ([height, width, channels] `image_size`) with aspect
    ratio and area in the given ranges covering at least `min_object_covered` of one of
    `bounding_boxes`; the whole image when `max_attempts` tries fail. (flowgraph's
    generator is not TF's: the crops differ from TF's for a given seed.)"""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(1)
        op.inputs[1].shape.with_rank(3)
        return [TensorShape([3]), TensorShape([3]), TensorShape([1, 1, 4])]

    def kernel(ctx, image_size, bounding_boxes, min_object_covered, seed, seed2,
               aspect_ratio_range, area_range, max_attempts, use_image_if_no_bounding_boxes,
               op_name):
        size = np.asarray(image_size)
        if size.shape != (3,):
            raise errors.InvalidArgumentError(None, None, f"image_size must be 1-dimensional "
                                                          f"with 3 elements, got "
                                                          f"{list(size.shape)}")
        h, w = int(size[0]), int(size[1])
        boxes = np.asarray(bounding_boxes, np.float32).reshape(-1, 4)
        if not len(boxes):
            if not use_image_if_no_bounding_boxes:
                raise errors.InvalidArgumentError(
                    None, None, "No bounding boxes provided as input. One must enable "
                                "use_image_if_no_bounding_boxes if you wish to not provide "
                                "any bounding boxes.")
            boxes = np.array([[0, 0, 1, 1]], np.float32)
        rng = ctx.rng(op_name, seed, seed2)
        found = None
        for _ in range(max_attempts):
            box = boxes[int(rng.integers(0, len(boxes)))]
            aspect = rng.uniform(aspect_ratio_range[0], aspect_ratio_range[1])
            crop = _random_crop_box(rng, h, w, aspect, area_range[0] * h * w,
                                    area_range[1] * h * w)
            if crop is not None and _covered(crop, box, h, w) >= float(min_object_covered):
                found = crop
                break
        y, x, ch, cw = found or (0, 0, h, w)
        dt = size.dtype
        return (np.array([y, x, 0], dt), np.array([ch, cw, -1], dt),
                np.array([[[y / h, x / w, (y + ch) / h, (x + cw) / w]]], np.float32))


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None,
                                  min_object_covered=0.1, aspect_ratio_range=None,
                                  area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """(begin, size, bboxes) of a random crop for `tf.slice` (TF1's signature)."""
    with name_scope(name, "sample_distorted_bounding_box"):
        attrs = {"seed": int(seed or 0), "seed2": int(seed2 or 0)}
        for k, v in (("aspect_ratio_range", aspect_ratio_range), ("area_range", area_range),
                     ("max_attempts", max_attempts),
                     ("use_image_if_no_bounding_boxes", use_image_if_no_bounding_boxes)):
            if v is not None:
                attrs[k] = [float(a) for a in v] if isinstance(v, (list, tuple)) else v
        return apply_op("SampleDistortedBoundingBoxV2", [
            convert_to_tensor(image_size, name="image_size"),
            convert_to_tensor(bounding_boxes, dtype=dtypes.float32, name="bounding_boxes"),
            convert_to_tensor(min_object_covered, dtype=dtypes.float32,
                              name="min_object_covered")], attrs)
