"""Op table for the tf.image ops: hand-computed values and numpy formulas, numeric
gradients; codecs by round trips and files Pillow writes."""
import io

import numpy as np
import pytest
from PIL import Image

import flowgraph as tf
from tests.optest import Case, run_case

R = np.random.RandomState(3)
X = R.uniform(0.1, 0.9, (1, 3, 4, 2))
SQ = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
U8 = R.randint(0, 256, (5, 6, 3)).astype(np.uint8)
W3 = np.array([[1, 0], [0.5, 0.5], [0, 1]])     # 2 -> 3 bilinear with align_corners


def _bytes(fmt, arr, **kw):
    buf = io.BytesIO()
    if fmt == "GIF":
        frames = [Image.fromarray(a) for a in arr]
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    else:
        Image.fromarray(arr).save(buf, fmt, **kw)
    return np.array(buf.getvalue(), object)


GIF_FRAMES = np.zeros((2, 4, 5, 3), np.uint8)
GIF_FRAMES[0, :, :2] = [255, 0, 0]
GIF_FRAMES[1, 1:] = [0, 0, 255]


def _patches(x, k, s):
    n, h, w, d = x.shape
    rows = [[x[:, i:i + k[0], j:j + k[1], :].reshape(n, -1)
             for j in range(0, w - k[1] + 1, s[1])] for i in range(0, h - k[0] + 1, s[0])]
    return np.stack([np.stack(r, 1) for r in rows], 1)


def _rect(h, w, color, box):
    img = np.zeros((1, h, w, len(color)), np.float32)
    y0, x0, y1, x1 = box
    img[0, y0, x0:x1 + 1] = img[0, y1, x0:x1 + 1] = color
    img[0, y0:y1 + 1, x0] = img[0, y0:y1 + 1, x1] = color
    return img


HSV_RGB = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [.5, .5, .5], [1, .5, 0]], np.float32)
HSV = np.array([[0, 1, 1], [1 / 3, 1, 1], [2 / 3, 1, 1], [0, 0, .5], [1 / 12, 1, 1]],
               np.float32)
BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 10, 1, 11]], np.float32)
SCORES = np.array([0.9, 0.8, 0.7], np.float32)

CASES = [
    Case("ResizeBilinear", lambda x: tf.image.resize_bilinear(x, [3, 3], align_corners=True),
         [SQ], lambda x: (W3 @ x[0, :, :, 0] @ W3.T)[None, :, :, None], grad=[0],
         grad_tol=5e-3),
    Case("ResizeBilinearGrad", lambda g, x: tf.raw_ops.ResizeBilinearGrad(
        grads=g, original_image=x, align_corners=True),
        [np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1), SQ],
        lambda g, x: (W3.T @ g[0, :, :, 0] @ W3)[None, :, :, None], grad=False),
    Case("ResizeNearestNeighbor", lambda x: tf.image.resize_nearest_neighbor(x, [4, 4]),
         [SQ], lambda x: x.repeat(2, 1).repeat(2, 2), grad=[0]),
    Case("ResizeNearestNeighborGrad", lambda g: tf.raw_ops.ResizeNearestNeighborGrad(
        grads=g, size=[2, 2]), [np.arange(16.0).reshape(1, 4, 4, 1)],
        lambda g: g.reshape(1, 2, 2, 2, 2, 1).sum((2, 4)), grad=False),
    Case("ResizeBicubic", lambda x: tf.image.resize_bicubic(x, [3, 4]), [X],
         lambda x: x.astype(np.float32), grad=False),
    Case("ResizeBicubic", lambda x: tf.image.resize_bicubic(x, [5, 3]), [X], None,
         grad=[0], grad_tol=5e-3, name="ResizeBicubic_grad"),
    Case("ResizeBicubicGrad", lambda g, x: tf.raw_ops.ResizeBicubicGrad(
        grads=g, original_image=x), [X.astype(np.float32), X], lambda g, x: g, grad=False),
    Case("ResizeArea", lambda x: tf.image.resize_area(x, [1, 2]), [X],
         lambda x: x.reshape(1, 1, 3, 2, 2, 2).mean((2, 4)).astype(np.float32),
         grad=False),
    Case("CropAndResize", lambda x: tf.image.crop_and_resize(x, [[0, 0, 1, 1]], [0], [3, 4]),
         [X], lambda x: x.astype(np.float32), grad=[0], grad_tol=5e-3),
    Case("CropAndResizeGradImage", lambda g: tf.raw_ops.CropAndResizeGradImage(
        grads=g, boxes=[[0.0, 0, 1, 1]], box_ind=[0], image_size=[1, 3, 4, 2],
        T=tf.float64), [X.astype(np.float32)], lambda g: g.astype(np.float64), grad=False),
    Case("CropAndResizeGradBoxes", lambda g, im, b: tf.raw_ops.CropAndResizeGradBoxes(
        grads=g, image=im, boxes=b, box_ind=[0]),
        [np.ones((1, 2, 1, 1), np.float32),
         np.arange(3.0, dtype=np.float32).reshape(1, 3, 1, 1).repeat(2, 2),
         np.array([[0.2, 0.0, 0.7, 1.0]], np.float32)],
        lambda g, im, b: np.array([[2.0, 0.0, 2.0, 0.0]], np.float32), grad=False),
    Case("RGBToHSV", lambda x: tf.image.rgb_to_hsv(x), [HSV_RGB], lambda x: HSV,
         grad=False),
    Case("RGBToHSV", lambda x: tf.image.rgb_to_hsv(x),
         [np.array([[0.2, 0.5, 0.9], [0.8, 0.3, 0.1], [0.4, 0.9, 0.6]])], None,
         grad=[0], name="RGBToHSV_grad"),
    Case("HSVToRGB", lambda x: tf.image.hsv_to_rgb(x), [HSV], lambda x: HSV_RGB,
         grad=False),
    Case("AdjustContrastv2", lambda x: tf.image.adjust_contrast(x, 2.0),
         [X[0].astype(np.float32)], lambda x: (x - x.mean((0, 1))) * 2 + x.mean((0, 1)),
         grad=False),
    Case("AdjustSaturation", lambda x: tf.image.adjust_saturation(x, 0.0),
         [np.array([[[0.2, 0.5, 0.9], [0.8, 0.3, 0.1]]], np.float32)],
         lambda x: np.repeat(x.max(-1, keepdims=True), 3, -1), grad=False),
    Case("AdjustHue", lambda x: tf.image.adjust_hue(x, 1 / 3),
         [np.array([[[1, 0, 0], [0, 0, 1]]], np.float32)],
         lambda x: np.array([[[0, 1, 0], [1, 0, 0]]], np.float32), grad=False, atol=1e-5),
    Case("EncodePng", lambda x: tf.image.decode_png(tf.image.encode_png(x)), [U8],
         lambda x: x, feed=False),
    Case("DecodePng", lambda s: tf.image.decode_png(s, channels=4),
         [_bytes("PNG", U8)], lambda s: np.concatenate(
             [U8, np.full(U8.shape[:2] + (1,), 255, np.uint8)], -1), feed=False),
    Case("EncodeJpeg", lambda x: tf.image.decode_jpeg(tf.image.encode_jpeg(x)),
         [np.full((16, 8, 3), 128, np.uint8)], lambda x: x, feed=False),
    Case("DecodeJpeg", lambda s: tf.image.decode_jpeg(s, channels=1),
         [_bytes("JPEG", np.full((8, 16, 3), 200, np.uint8))],
         lambda s: np.full((8, 16, 1), 200, np.uint8), feed=False),
    Case("ExtractJpegShape", lambda s: tf.image.extract_jpeg_shape(s, tf.int64),
         [_bytes("JPEG", np.full((8, 16, 3), 200, np.uint8))],
         lambda s: np.array([8, 16, 3], np.int64), feed=False),
    Case("DecodeAndCropJpeg", lambda s: tf.image.decode_and_crop_jpeg(s, [2, 3, 4, 5]),
         [_bytes("JPEG", np.full((8, 16, 3), 200, np.uint8))],
         lambda s: np.full((4, 5, 3), 200, np.uint8), feed=False),
    Case("DecodeGif", lambda s: tf.image.decode_gif(s), [_bytes("GIF", GIF_FRAMES)],
         lambda s: GIF_FRAMES, feed=False),
    Case("DecodeBmp", lambda s: tf.image.decode_bmp(s), [_bytes("BMP", U8)],
         lambda s: U8, feed=False),
    Case("DecodeImage", lambda s: tf.image.decode_image(s, dtype=tf.float32),
         [_bytes("PNG", U8)], lambda s: U8 / np.float32(255), feed=False),
    Case("DrawBoundingBoxes", lambda x: tf.image.draw_bounding_boxes(
        x, [[[0.0, 0.0, 1.0, 1.0]]]), [np.zeros((1, 4, 5, 3), np.float32)],
        lambda x: _rect(4, 5, [1, 1, 0], (0, 0, 3, 4)), grad=False),
    Case("DrawBoundingBoxesV2", lambda x: tf.image.draw_bounding_boxes(
        x, [[[0.34, 0.25, 1.0, 0.75]]], colors=[[0.5, 0.25, 1.0, 1.0]]),
        [np.zeros((1, 4, 5, 3), np.float32)],
        lambda x: _rect(4, 5, [0.5, 0.25, 1.0], (1, 1, 3, 3)), grad=False),
    Case("NonMaxSuppressionV2", lambda b, s: tf.raw_ops.NonMaxSuppressionV2(
        boxes=b, scores=s, max_output_size=3, iou_threshold=0.5), [BOXES, SCORES],
        lambda b, s: np.array([0, 2], np.int32), grad=False),
    Case("NonMaxSuppressionV3", lambda b, s: tf.image.non_max_suppression(b, s, 3, 0.9),
         [BOXES, SCORES], lambda b, s: np.array([0, 1, 2], np.int32), grad=False),
    Case("NonMaxSuppressionV4", lambda b, s: list(tf.raw_ops.NonMaxSuppressionV4(
        boxes=b, scores=s, max_output_size=4, iou_threshold=0.5, score_threshold=0.75,
        pad_to_max_output_size=True)), [BOXES, SCORES],
        lambda b, s: [np.array([0, 0, 0, 0], np.int32), np.array(1, np.int32)], grad=False),
    Case("NonMaxSuppressionWithOverlaps", lambda o, s: tf.image.non_max_suppression_overlaps(
        o, s, 3, 0.5), [np.array([[1, .6, 0], [.6, 1, .2], [0, .2, 1]], np.float32), SCORES],
        lambda o, s: np.array([0, 2], np.int32), grad=False),
    Case("ExtractImagePatches", lambda x: tf.image.extract_image_patches(
        x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "VALID"), [X],
        lambda x: _patches(x, (2, 2), (1, 2)), grad=[0]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(out):
    with tf.Session() as s:
        return s.run(out)


def test_user_errors():
    with tf.Graph().as_default():
        with pytest.raises(tf.errors.InvalidArgumentError, match="half_pixel_centers"):
            _run(tf.image.resize_bilinear(SQ, [3, 3], align_corners=True,
                                          half_pixel_centers=True))
        with pytest.raises(tf.errors.InvalidArgumentError, match="positive"):
            _run(tf.image.resize_nearest_neighbor(SQ, tf.constant([0, 2])))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image"):
            _run(tf.image.decode_image(b"hello"))
        with pytest.raises(tf.errors.InvalidArgumentError):
            _run(tf.image.decode_png(b"\x89PNG\r\n\x1a\n broken"))
        with pytest.raises(tf.errors.InvalidArgumentError, match="3 channels"):
            _run(tf.image.rgb_to_hsv(np.ones((2, 2), np.float32)))
        with pytest.raises(ValueError, match="central_fraction"):
            tf.image.central_crop(U8, 1.5)
        with pytest.raises(ValueError, match="3 or 4"):
            tf.image.flip_left_right(np.ones((2, 2)))
        with pytest.raises(ValueError, match="max_delta"):
            tf.image.random_hue(U8, 0.7)
        with pytest.raises(ValueError, match="upper must be > lower"):
            tf.image.random_contrast(U8, 0.5, 0.2)
        sq = tf.constant(SQ)
        with pytest.raises(LookupError):
            tf.gradients(tf.image.resize_area(sq, [3, 3]), sq)


def test_resize_images_methods_and_dtypes():
    with tf.Graph().as_default():
        outs = [tf.image.resize_images(U8, [10, 12], method=m) for m in range(4)]
        outs.append(tf.image.resize_images(U8, [5, 6]))
        vals = _run(outs)
    assert [v.dtype for v in vals] == [np.float32, np.uint8, np.float32, np.float32, np.uint8]
    assert all(v.shape == (10, 12, 3) for v in vals[:4])
    np.testing.assert_array_equal(vals[1], U8.repeat(2, 0).repeat(2, 1))
    np.testing.assert_array_equal(vals[4], U8)     # same size: the image itself


EXEMPT = {"SampleDistortedBoundingBoxV2": "test_sample_distorted_bounding_box (random)"}


def test_sample_distorted_bounding_box():
    box = np.array([[[0.2, 0.3, 0.7, 0.9]]], np.float32)
    with tf.Graph().as_default():
        begin, size, bboxes = tf.image.sample_distorted_bounding_box(
            [60, 80, 3], box, seed=4, min_object_covered=0.4,
            aspect_ratio_range=[0.5, 2.0], area_range=[0.1, 0.8])
        assert [t.shape.as_list() for t in (begin, size, bboxes)] == [[3], [3], [1, 1, 4]]
        crop = tf.slice(tf.zeros([60, 80, 3]), begin, size)
        with tf.Session() as s:
            draws = [s.run([begin, size, bboxes, crop]) for _ in range(20)]
        with tf.Session() as s:   # seeded: a new session draws the same sequence
            again = [s.run([begin, size]) for _ in range(20)]
    for (b, sz, bb, c), (b2, sz2) in zip(draws, again):
        np.testing.assert_array_equal(b, b2)
        np.testing.assert_array_equal(sz, sz2)
        y, x, h, w = b[0], b[1], sz[0], sz[1]
        assert b[2] == 0 and sz[2] == -1 and c.shape == (h, w, 3)
        assert 0 <= y and y + h <= 60 and 0 <= x and x + w <= 80
        if (h, w) != (60, 80):
            assert 0.1 * 4800 <= h * w <= 0.8 * 4800
            ih = max(min(y + h, 42) - max(y, 12), 0)
            iw = max(min(x + w, 72) - max(x, 24), 0)
            assert ih * iw >= 0.4 * 30 * 48 - 1e-6
        np.testing.assert_allclose(bb[0, 0], [y / 60, x / 80, (y + h) / 60, (x + w) / 80],
                                   rtol=1e-6)
    assert len({tuple(d[0]) for d in draws}) > 1
    with tf.Graph().as_default():
        out = tf.image.sample_distorted_bounding_box([4, 4, 1], np.zeros((1, 0, 4)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="No bounding boxes"):
            _run(out[0])
