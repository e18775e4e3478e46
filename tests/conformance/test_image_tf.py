"""tf.image against real TensorFlow: the same program built in both gives the same values
(JPEG within a tolerance), dtypes, static shapes and gradients."""

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(0)
IMG = RNG.uniform(0, 1, (5, 7, 3)).astype(np.float32)
BATCH = RNG.uniform(0, 1, (2, 6, 5, 3)).astype(np.float32)
U8 = RNG.randint(0, 256, (6, 8, 3)).astype(np.uint8)
U8B = RNG.randint(0, 256, (2, 6, 8, 3)).astype(np.uint8)

BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                  [0, 10.1, 1, 11.1], [0, 100, 1, 101]], np.float32)
SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)
DRAW_BOXES = np.array([[[0.1, 0.2, 0.6, 0.9], [-0.5, 0.3, 0.5, 1.5], [0.4, 0.0, 0.9, 0.5]],
                       [[0.0, 0.0, 1.0, 1.0], [0.7, 0.7, 0.2, 0.9], [1.2, 0.1, 1.5, 0.3]]],
                      np.float32)
CROP_BOXES = np.array([[0.1, 0.2, 0.7, 0.9], [-0.2, 0.3, 0.5, 1.3], [0.8, 0.9, 0.1, 0.0]],
                      np.float32)

PROGRAMS = {
    "flip_lr": lambda tf: tf.image.flip_left_right(IMG),
    "flip_ud_batch": lambda tf: tf.image.flip_up_down(BATCH),
    "rot90": lambda tf: tf.image.rot90(IMG),
    "rot90_2": lambda tf: tf.image.rot90(BATCH, 2),
    "rot90_3": lambda tf: tf.image.rot90(IMG, k=3),
    "transpose": lambda tf: tf.image.transpose_image(BATCH),
    "crop_box": lambda tf: tf.image.crop_to_bounding_box(IMG, 1, 2, 3, 4),
    "crop_box_batch": lambda tf: tf.image.crop_to_bounding_box(BATCH, 0, 1, 5, 3),
    "pad_box": lambda tf: tf.image.pad_to_bounding_box(IMG, 1, 2, 8, 10),
    "pad_box_batch": lambda tf: tf.image.pad_to_bounding_box(U8B, 0, 3, 7, 11),
    "central_crop": lambda tf: tf.image.central_crop(IMG, 0.5),
    "central_crop_batch": lambda tf: tf.image.central_crop(BATCH, 0.33),
    "crop_or_pad": lambda tf: tf.image.resize_image_with_crop_or_pad(IMG, 3, 10),
    "crop_or_pad2": lambda tf: tf.image.resize_with_crop_or_pad(BATCH, 9, 2),
    "with_pad": lambda tf: tf.image.resize_image_with_pad(IMG, 9, 8),
    "with_pad_nn": lambda tf: tf.image.resize_image_with_pad(
        U8, 5, 12, method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
    "resize_images": lambda tf: tf.image.resize_images(IMG, [9, 4]),
    "resize_images_u8": lambda tf: tf.image.resize_images(U8B, [3, 11], align_corners=True),
    "resize_nn": lambda tf: tf.image.resize_images(U8, [9, 13], method=1),
    "resize_bicubic": lambda tf: tf.image.resize_images(
        BATCH, [11, 3], method=tf.image.ResizeMethod.BICUBIC),
    "resize_area": lambda tf: tf.image.resize_images(
        U8, [4, 5], method=tf.image.ResizeMethod.AREA),
    "resize_same": lambda tf: tf.image.resize_images(IMG, [5, 7]),
    "resize_aspect": lambda tf: tf.image.resize_images(tf.constant(IMG), [10, 10],
                                                       preserve_aspect_ratio=True),
    "resize_v1": lambda tf: tf.image.resize(BATCH, [4, 9], method=2, align_corners=True),
    "resize_bilinear_hp": lambda tf: tf.image.resize_bilinear(BATCH, [9, 2],
                                                              half_pixel_centers=True),
    "resize_nn_hp": lambda tf: tf.image.resize_nearest_neighbor(U8B, [7, 3],
                                                                half_pixel_centers=True),
    "resize_bicubic_hp": lambda tf: tf.image.resize_bicubic(BATCH, [13, 8],
                                                            half_pixel_centers=True),
    "to_float": lambda tf: tf.image.convert_image_dtype(U8, tf.float32),
    "to_u8": lambda tf: tf.image.convert_image_dtype(IMG * 1.2 - 0.1, tf.uint8,
                                                     saturate=True),
    "u8_to_u16": lambda tf: tf.image.convert_image_dtype(U8, tf.uint16),
    "u8_to_i8": lambda tf: tf.image.convert_image_dtype(U8, tf.int8),
    "f_to_f64": lambda tf: tf.image.convert_image_dtype(IMG, tf.float64),
    "standardize": lambda tf: tf.image.per_image_standardization(U8B),
    "standardize_const": lambda tf: tf.image.per_image_standardization(np.ones((3, 3, 1))),
    "brightness": lambda tf: tf.image.adjust_brightness(U8, 0.2),
    "brightness_f": lambda tf: tf.image.adjust_brightness(IMG, -0.3),
    "contrast": lambda tf: tf.image.adjust_contrast(IMG, 1.7),
    "contrast_u8": lambda tf: tf.image.adjust_contrast(U8B, 0.4),
    "saturation": lambda tf: tf.image.adjust_saturation(IMG, 0.3),
    "saturation_up": lambda tf: tf.image.adjust_saturation(U8, 2.5),
    "hue": lambda tf: tf.image.adjust_hue(IMG, 0.2),
    "hue_neg": lambda tf: tf.image.adjust_hue(BATCH, -0.45),
    "hue_u8": lambda tf: tf.image.adjust_hue(U8, 0.7),
    "gamma": lambda tf: tf.image.adjust_gamma(IMG, 2.2, 0.9),
    "gamma_u8": lambda tf: tf.image.adjust_gamma(U8, 0.5),
    "rgb_to_hsv": lambda tf: tf.image.rgb_to_hsv(BATCH),
    "hsv_to_rgb": lambda tf: tf.image.hsv_to_rgb(IMG),
    "hsv_roundtrip": lambda tf: tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(IMG)),
    "grayscale": lambda tf: tf.image.rgb_to_grayscale(U8),
    "grayscale_f": lambda tf: tf.image.rgb_to_grayscale(BATCH),
    "gray_to_rgb": lambda tf: tf.image.grayscale_to_rgb(tf.constant(IMG[..., :1])),
    "yiq": lambda tf: tf.image.rgb_to_yiq(IMG),
    "yiq_back": lambda tf: tf.image.yiq_to_rgb(IMG),
    "yuv": lambda tf: tf.image.rgb_to_yuv(BATCH),
    "yuv_back": lambda tf: tf.image.yuv_to_rgb(IMG),
    "total_variation": lambda tf: tf.image.total_variation(tf.constant(IMG)),
    "total_variation_b": lambda tf: tf.image.total_variation(tf.constant(BATCH)),
    "nms": lambda tf: tf.image.non_max_suppression(BOXES, SCORES, 4, 0.3),
    "nms_score": lambda tf: tf.image.non_max_suppression(BOXES, SCORES, 10, 0.5,
                                                         score_threshold=0.35),
    "nms_overlaps": lambda tf: tf.image.non_max_suppression_overlaps(
        np.abs(np.sin(np.arange(36, dtype=np.float32))).reshape(6, 6), SCORES, 3, 0.6),
    "draw": lambda tf: tf.image.draw_bounding_boxes(BATCH, DRAW_BOXES),
    "draw_gray": lambda tf: tf.image.draw_bounding_boxes(BATCH[..., :1], DRAW_BOXES),
    "draw_colors": lambda tf: tf.image.draw_bounding_boxes(
        BATCH, DRAW_BOXES, colors=np.array([[0.2, 0.4, 0.6, 1.0], [0.9, 0.1, 0.3, 1]],
                                           np.float32)),
    "crop_and_resize": lambda tf: tf.image.crop_and_resize(BATCH, CROP_BOXES, [0, 1, 1],
                                                           [4, 3]),
    "crop_and_resize_nn": lambda tf: tf.image.crop_and_resize(
        U8B, CROP_BOXES, [1, 0, 1], [5, 2], method="nearest", extrapolation_value=7.0),
    "crop_and_resize_1": lambda tf: tf.image.crop_and_resize(BATCH, CROP_BOXES, [0, 0, 1],
                                                             [1, 1]),
    "image_gradients_dy": lambda tf: tf.image.image_gradients(tf.constant(BATCH))[0],
    "image_gradients_dx": lambda tf: tf.image.image_gradients(tf.constant(BATCH))[1],
    "sobel": lambda tf: tf.image.sobel_edges(tf.constant(BATCH)),
    "psnr": lambda tf: tf.image.psnr(BATCH, BATCH[::-1] * 0.9, 1.0),
    "psnr_u8": lambda tf: tf.image.psnr(U8B, U8B[:, ::-1], 255),
    "jpeg_shape": lambda tf: tf.image.extract_jpeg_shape(tf.image.encode_jpeg(U8)),
    "patches_valid": lambda tf: tf.image.extract_image_patches(
        BATCH, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], "VALID"),
    "patches_same": lambda tf: tf.extract_image_patches(
        U8B, ksizes=[1, 3, 2, 1], strides=[1, 2, 3, 1], rates=[1, 2, 1, 1],
        padding="SAME"),
}


def _run(tf, build):
    with tf.Graph().as_default():
        out = build(tf)
        shape = out.shape.as_list() if out.shape.ndims is not None else None
        with tf.Session() as s:
            return s.run(out), shape, out.dtype.name


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_as_tf(name):
    got, gshape, gdt = _run(fg, PROGRAMS[name])
    want, wshape, wdt = _run(tf1, PROGRAMS[name])
    assert gdt == wdt and got.dtype == want.dtype, (gdt, wdt)
    assert got.shape == want.shape
    # flowgraph may know more of the static shape than TF (rot90 with a Python k)
    assert fg.TensorShape(gshape).is_compatible_with(fg.TensorShape(wshape)), (gshape, wshape)
    if wshape is not None and None not in wshape:
        assert gshape == wshape, (gshape, wshape)
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
    else:
        np.testing.assert_array_equal(got, want)


XB = RNG.uniform(0.05, 0.95, (2, 5, 6, 3))
# (build(tf, x) -> float tensor): gradients w.r.t. x (and box gradients) against TF
GRADS = {
    "bilinear": lambda tf, x: tf.image.resize_bilinear(x, [7, 4]),
    "bilinear_ac": lambda tf, x: tf.image.resize_bilinear(x, [3, 9], align_corners=True),
    "bilinear_hp": lambda tf, x: tf.image.resize_bilinear(x, [8, 5],
                                                          half_pixel_centers=True),
    "nearest": lambda tf, x: tf.image.resize_nearest_neighbor(x, [9, 4]),
    "nearest_hp": lambda tf, x: tf.image.resize_nearest_neighbor(x, [3, 11],
                                                                 half_pixel_centers=True),
    "bicubic": lambda tf, x: tf.image.resize_bicubic(x, [7, 8]),
    "bicubic_hp": lambda tf, x: tf.image.resize_bicubic(x, [4, 9], half_pixel_centers=True),
    "crop_and_resize": lambda tf, x: tf.image.crop_and_resize(x, CROP_BOXES[:2], [1, 0],
                                                              [3, 4]),
    "crop_and_resize_nn": lambda tf, x: tf.image.crop_and_resize(
        x, CROP_BOXES[:2], [1, 0], [3, 4], method="nearest"),
    "rgb_to_hsv": lambda tf, x: tf.image.rgb_to_hsv(x),
    "patches": lambda tf, x: tf.image.extract_image_patches(
        x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 2, 1], "SAME"),
    "random_crop_grad": lambda tf, x: tf.image.total_variation(x),
}


def _grad(tf, build):
    with tf.Graph().as_default():
        x = tf.constant(XB if build is not GRADS["crop_and_resize"] else XB.astype(np.float32))
        y = build(tf, x)
        w = tf.constant(np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(
            y.shape.as_list()), y.dtype)
        g = tf.gradients(tf.reduce_sum(y * w), x)[0]
        with tf.Session() as s:
            return s.run(g)


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_as_tf(name):
    np.testing.assert_allclose(_grad(fg, GRADS[name]), _grad(tf1, GRADS[name]),
                               rtol=1e-4, atol=1e-5)


def test_crop_and_resize_box_gradients_as_tf():
    def run(tf):
        with tf.Graph().as_default():
            boxes = tf.constant(CROP_BOXES[:2] * 0.8 + 0.1)
            y = tf.image.crop_and_resize(BATCH, boxes, [1, 0], [3, 4])
            g = tf.gradients(tf.reduce_sum(y * y), boxes)[0]
            with tf.Session() as s:
                return s.run(g)
    np.testing.assert_allclose(run(fg), run(tf1), rtol=1e-4, atol=1e-5)


# Random transforms: flowgraph's generators are not TF's, so the draws differ; the graphs
# (op types and seed attrs) are TF's, and each result is one TF could give.
RANDOM = {
    "flip_lr": lambda tf: tf.image.random_flip_left_right(IMG, seed=3),
    "flip_ud_batch": lambda tf: tf.image.random_flip_up_down(BATCH, seed=5),
    "crop": lambda tf: tf.image.random_crop(U8, [3, 5, 3], seed=7),
    "crop_top": lambda tf: tf.random_crop(BATCH, [2, 4, 4, 2], seed=1),
    "brightness": lambda tf: tf.image.random_brightness(IMG, 0.3, seed=2),
    "contrast": lambda tf: tf.image.random_contrast(IMG, 0.2, 1.8, seed=4),
    "saturation": lambda tf: tf.image.random_saturation(U8, 0.5, 1.5, seed=6),
    "hue": lambda tf: tf.image.random_hue(IMG, 0.3, seed=8),
}


def _random_graph(tf, name):
    with tf.Graph().as_default() as g:
        tf.set_random_seed(11)
        out = RANDOM[name](tf)
        ops = sorted((op.type, op.get_attr("seed"), op.get_attr("seed2"))
                     for op in g.get_operations() if op.type.startswith("Random"))
        with tf.Session() as s:
            return ops, [s.run(out) for _ in range(4)], out.shape.as_list()


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_graphs_as_tf(name):
    got_ops, got, got_shape = _random_graph(fg, name)
    want_ops, want, want_shape = _random_graph(tf1, name)
    assert got_ops == want_ops
    assert got_shape == want_shape
    assert [v.shape for v in got] == [v.shape for v in want]
    again = _random_graph(fg, name)[1]
    for a, b in zip(got, again):   # seeded: the same draws on every run of the program
        np.testing.assert_array_equal(a, b)


def test_random_flips_give_flipped_or_original():
    with fg.Graph().as_default():
        one = fg.image.random_flip_left_right(IMG)
        many = fg.image.random_flip_up_down(BATCH)
        with fg.Session() as s:
            for _ in range(6):
                a, b = s.run([one, many])
                assert np.array_equal(a, IMG) or np.array_equal(a, IMG[:, ::-1])
                for k in range(2):
                    assert (np.array_equal(b[k], BATCH[k]) or
                            np.array_equal(b[k], BATCH[k, ::-1]))


def test_random_crop_is_a_window():
    with fg.Graph().as_default():
        out = fg.image.random_crop(U8, [3, 5, 3])
        with fg.Session() as s:
            for _ in range(5):
                c = s.run(out)
                hits = [(i, j) for i in range(4) for j in range(4)
                        if np.array_equal(U8[i:i + 3, j:j + 5], c)]
                assert hits


def test_decode_and_crop_jpeg_close_to_tf():
    def run(tf, **kw):
        with tf.Graph().as_default():
            data = tf.image.encode_jpeg(U8)
            out = tf.image.decode_and_crop_jpeg(data, [1, 2, 3, 4], **kw)
            full = tf.image.decode_jpeg(data, **kw)[1:4, 2:6]
            with tf.Session() as s:
                return s.run([out, full])
    got, got_full = run(fg)
    want, _ = run(tf1, dct_method="INTEGER_ACCURATE")
    # flowgraph decodes the whole image and crops it; TF decodes only the window, so
    # chroma upsampling differs next to the window's edges
    np.testing.assert_array_equal(got, got_full)
    assert got.shape == want.shape == (3, 4, 3)
    assert np.abs(got.astype(int) - want).max() <= 24


def test_sample_distorted_bounding_box_graph_as_tf():
    def build(tf):
        with tf.Graph().as_default():
            out = tf.image.sample_distorted_bounding_box(
                tf.constant([20, 30, 3]), [[[0.1, 0.1, 0.9, 0.9]]], seed=3, seed2=5,
                min_object_covered=0.2, area_range=[0.2, 0.9])
            op = out[0].op
            attrs = {k: op.get_attr(k) for k in ("seed", "seed2", "max_attempts",
                                                 "use_image_if_no_bounding_boxes")}
            attrs["area_range"] = list(np.round(op.get_attr("area_range"), 6))
            attrs["aspect"] = list(np.round(op.get_attr("aspect_ratio_range"), 6))
            shapes = [t.shape.as_list() for t in out]
            with tf.Session() as s:
                b, sz, _ = s.run(out)
            return op.type, attrs, shapes, [t.dtype.name for t in out], b.dtype, sz[2]
    assert build(fg) == build(tf1)
