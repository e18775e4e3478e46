"""Image codecs against real TensorFlow: files written by one are read by the other; PNG,
GIF and BMP pixels agree exactly, JPEG pixels within a small tolerance."""
import io

import numpy as np
import pytest
from PIL import Image

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

RNG = np.random.RandomState(1)


def _smooth(h, w, c):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 7 + y * 3 + 40 * k) % 256 for k in range(c)], -1)
    return np.clip(base + RNG.randint(-8, 8, base.shape), 0, 255).astype(np.uint8)


def _run(tf, build):
    with tf.Graph().as_default():
        out = build(tf)
        with tf.Session() as s:
            return s.run(out)


def _tf_png(img):
    return _run(tf1, lambda tf: tf.image.encode_png(img))


@pytest.mark.parametrize("c", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_decode_png_of_tf_png(c, channels):
    data = _tf_png(_smooth(9, 13, c))
    got = _run(fg, lambda tf: tf.image.decode_png(data, channels=channels))
    want = _run(tf1, lambda tf: tf.image.decode_png(data, channels=channels))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
@pytest.mark.parametrize("src", ["uint8", "uint16"])
def test_decode_png_bit_depths(dtype, src):
    img = _smooth(5, 6, 1).astype(src) * (257 if src == "uint16" else 1)
    data = _tf_png(img)
    got = _run(fg, lambda tf: tf.image.decode_png(data, dtype=getattr(tf, dtype)))
    want = _run(tf1, lambda tf: tf.image.decode_png(data, dtype=getattr(tf, dtype)))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_decode_palette_png():
    buf = io.BytesIO()
    Image.fromarray(_smooth(7, 5, 3)).convert("P", palette=Image.ADAPTIVE,
                                              colors=16).save(buf, "PNG")
    data = buf.getvalue()
    for ch in (0, 1, 3, 4):
        got = _run(fg, lambda tf: tf.image.decode_png(data, channels=ch))
        want = _run(tf1, lambda tf: tf.image.decode_png(data, channels=ch))
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("c,dtype", [(1, np.uint8), (3, np.uint8), (4, np.uint8),
                                     (2, np.uint16), (3, np.uint16)])
def test_our_png_read_by_tf(c, dtype):
    img = (_smooth(6, 11, c).astype(dtype) * (251 if dtype == np.uint16 else 1))
    data = _run(fg, lambda tf: tf.image.encode_png(img, compression=9))
    back = _run(tf1, lambda tf: tf.image.decode_png(data, dtype=tf.as_dtype(dtype)))
    np.testing.assert_array_equal(back, img)


def _tf_jpeg(img, **kw):
    return _run(tf1, lambda tf: tf.image.encode_jpeg(img, **kw))


@pytest.mark.parametrize("channels,ratio", [(0, 1), (3, 1), (1, 1), (0, 2), (3, 4)])
def test_decode_jpeg_as_tf(channels, ratio):
    data = _tf_jpeg(_smooth(32, 24, 3), quality=90)
    got = _run(fg, lambda tf: tf.image.decode_jpeg(data, channels=channels, ratio=ratio))
    # flowgraph's decoder always uses the accurate integer IDCT ...
    want = _run(tf1, lambda tf: tf.image.decode_jpeg(data, channels=channels, ratio=ratio,
                                                    dct_method="INTEGER_ACCURATE"))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # ... and TF's default is the fast one: a few levels apart
    fast = _run(tf1, lambda tf: tf.image.decode_jpeg(data, channels=channels, ratio=ratio))
    assert np.abs(got.astype(int) - fast.astype(int)).max() <= 6


def test_decode_gray_jpeg():
    data = _tf_jpeg(_smooth(16, 8, 1))
    got = _run(fg, lambda tf: tf.image.decode_jpeg(data))
    want = _run(tf1, lambda tf: tf.image.decode_jpeg(data))
    assert got.shape == want.shape == (16, 8, 1)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 6


@pytest.mark.parametrize("kw", [{}, {"quality": 50, "chroma_downsampling": False},
                                {"progressive": True, "optimize_size": True}])
def test_our_jpeg_read_by_tf(kw):
    img = _smooth(24, 40, 3)
    data = _run(fg, lambda tf: tf.image.encode_jpeg(img, **kw))
    back = _run(tf1, lambda tf: tf.image.decode_jpeg(data))
    ref = _run(tf1, lambda tf: tf.image.decode_jpeg(tf.image.encode_jpeg(img, **kw)))
    assert back.shape == img.shape
    # about as far from the original as TF's own encoding at these settings
    assert np.abs(back.astype(int) - img).mean() <= np.abs(ref.astype(int) - img).mean() + 1


def _gif():
    frames = [Image.fromarray(_smooth(10, 12, 3)).convert("P", palette=Image.ADAPTIVE),
              Image.fromarray(_smooth(10, 12, 3)[::-1]).convert("P", palette=Image.ADAPTIVE)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50)
    return buf.getvalue()


def test_decode_gif_as_tf():
    data = _gif()
    got = _run(fg, lambda tf: tf.image.decode_gif(data))
    want = _run(tf1, lambda tf: tf.image.decode_gif(data))
    assert got.shape == want.shape == (2, 10, 12, 3)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_decode_bmp_as_tf(mode):
    buf = io.BytesIO()
    Image.fromarray(_smooth(5, 7, len(mode)), mode).save(buf, "BMP")
    data = buf.getvalue()
    got = _run(fg, lambda tf: tf.image.decode_bmp(data))
    want = _run(tf1, lambda tf: tf.image.decode_bmp(data))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["png", "gif", "bmp", "jpeg"])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_decode_image_as_tf(kind, dtype):
    img = _smooth(8, 6, 3)
    if kind == "png":
        data = _tf_png(img)
    elif kind == "jpeg":
        data = _tf_jpeg(img)
    elif kind == "gif":
        data = _gif()
    else:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "BMP")
        data = buf.getvalue()
    for expand in (True, False):
        got = _run(fg, lambda tf: tf.image.decode_image(data, dtype=getattr(tf, dtype),
                                                        expand_animations=expand))
        want = _run(tf1, lambda tf: tf.image.decode_image(data, dtype=getattr(tf, dtype),
                                                          expand_animations=expand))
        assert got.shape == want.shape and got.dtype == want.dtype
        tol = (6 if dtype == "uint8" else 6 / 255) if kind == "jpeg" else 1e-7
        np.testing.assert_allclose(got.astype(float), want.astype(float), atol=tol)


def test_static_shapes_as_tf():
    def shapes(tf):
        c = tf.constant(b"")
        return [t.shape.as_list() if t.shape.ndims is not None else None for t in (
            tf.image.decode_png(c, channels=3), tf.image.decode_png(c),
            tf.image.decode_jpeg(c, channels=1), tf.image.decode_gif(c),
            tf.image.decode_bmp(c), tf.image.decode_image(c, channels=3),
            tf.image.decode_image(c, channels=3, expand_animations=False))]
    with fg.Graph().as_default():
        got = shapes(fg)
    with tf1.Graph().as_default():
        want = shapes(tf1)
    assert got == want


def test_corrupt_data_raises_invalid_argument():
    for tf in (fg, tf1):
        for fn in ("decode_png", "decode_jpeg", "decode_image"):
            with pytest.raises(tf.errors.InvalidArgumentError):
                _run(tf, lambda tf: getattr(tf.image, fn)(b"not an image at all"))
