"""tf.image against real TensorFlow: the same program built in both gives the same values
(JPEG within a tolerance), dtypes, static shapes and gradients."""
import io

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
