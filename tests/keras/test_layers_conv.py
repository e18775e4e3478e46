"""Keras convolution, pooling, padding, cropping and upsampling layers against numpy
references written here (direct loops), plus names, shapes, configs and errors."""
import numpy as np
import pytest

from flowgraph.keras import Input, Model, Sequential
from flowgraph.keras import backend as K
from flowgraph.keras import layers as L


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    K.clear_session()


RNG = np.random.RandomState(0)


def apply(layer, x, weights=None):
    inp = Input(shape=x.shape[1:])
    out = layer(inp)
    model = Model(inp, out)
    if weights is not None:
        layer.set_weights(weights)
    return model.predict(x), model


def np_conv(x, k, stride=(1, 1), dilation=(1, 1), padding="valid"):
    """NHWC conv2d by loops (cross-correlation, as TF)."""
    n, h, w, _ = x.shape
    kh, kw, _, co = k.shape
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    if padding == "same":
        oh, ow = -(-h // stride[0]), -(-w // stride[1])
        ph = max((oh - 1) * stride[0] + eh - h, 0)
        pw = max((ow - 1) * stride[1] + ew - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    oh = (x.shape[1] - eh) // stride[0] + 1
    ow = (x.shape[2] - ew) // stride[1] + 1
    out = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride[0]:i * stride[0] + eh:dilation[0],
                      j * stride[1]:j * stride[1] + ew:dilation[1], :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_conv2d_matches_numpy_with_strides_padding_dilation_and_bias():
    x = RNG.randn(2, 7, 6, 3).astype("float32")
    k = RNG.randn(3, 2, 3, 4).astype("float32")
    b = RNG.randn(4).astype("float32")
    for kw in ({"strides": (2, 1), "padding": "same"}, {"dilation_rate": 2}):
        K.clear_session()
        layer = L.Conv2D(4, (3, 2), **kw)
        got, model = apply(layer, x, [k, b])
        want = np_conv(x, k, kw.get("strides", (1, 1)),
                       (kw.get("dilation_rate", 1),) * 2, kw.get("padding", "valid")) + b
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        assert model.output_shape == (None,) + want.shape[1:]
        assert [w.name for w in layer.weights] == ["conv2d/kernel:0", "conv2d/bias:0"]


def test_conv2d_groups_is_a_convolution_per_channel_group():
    x = RNG.randn(2, 5, 5, 4).astype("float32")
    k = RNG.randn(3, 3, 2, 6).astype("float32")
    got, _ = apply(L.Conv2D(6, 3, groups=2, use_bias=False), x, [k])
    want = np.concatenate([np_conv(x[..., :2], k[..., :3]), np_conv(x[..., 2:], k[..., 3:])],
                          -1)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_channels_first_is_the_transposed_channels_last():
    x = RNG.randn(2, 3, 6, 5).astype("float32")
    k = RNG.randn(3, 3, 3, 2).astype("float32")
    b = RNG.randn(2).astype("float32")
    got, model = apply(L.Conv2D(2, 3, data_format="channels_first", activation="relu"), x,
                       [k, b])
    want = np.maximum(np_conv(x.transpose(0, 2, 3, 1), k) + b, 0).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert model.output_shape == (None, 2, 4, 3)


def test_conv1d_causal_pads_on_the_left_only():
    x = RNG.randn(2, 6, 2).astype("float32")
    k = RNG.randn(3, 2, 3).astype("float32")
    got, _ = apply(L.Conv1D(3, 3, padding="causal", dilation_rate=2, use_bias=False), x, [k])
    xp = np.pad(x, ((0, 0), (4, 0), (0, 0)))
    want = np.stack([sum(xp[:, t + 2 * i] @ k[i] for i in range(3)) for t in range(6)], 1)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the output at step t depends on no input after t
    x2 = x.copy()
    x2[:, 4:] += 10
    got2, _ = apply(L.Conv1D(3, 3, padding="causal", dilation_rate=2, use_bias=False), x2,
                    [k])
    np.testing.assert_allclose(got2[:, :4], got[:, :4], rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    x = RNG.randn(1, 3, 3, 2).astype("float32")
    k = RNG.randn(3, 3, 4, 2).astype("float32")  # (kh, kw, filters, in)
    got, model = apply(L.Conv2DTranspose(4, 3, strides=2, use_bias=False), x, [k])
    want = np.zeros((1, 7, 7, 4))
    for i in range(3):
        for j in range(3):
            want[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :] += np.tensordot(x[0, i, j], k,
                                                                        axes=([0], [3]))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert model.output_shape == (None, 7, 7, 4)
    layer = L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)
    assert layer.compute_output_shape((None, 4, 5, 3)).as_list() == [None, 8, 10, 2]


def test_depthwise_and_separable_match_numpy():
    x = RNG.randn(2, 5, 5, 2).astype("float32")
    dk = RNG.randn(3, 3, 2, 2).astype("float32")
    pk = RNG.randn(1, 1, 4, 3).astype("float32")
    depth = np.concatenate([np_conv(x[..., c:c + 1], dk[:, :, c:c + 1, :])
                            for c in range(2)], -1)
    got, _ = apply(L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False), x, [dk])
    np.testing.assert_allclose(got, depth, rtol=1e-4, atol=1e-4)
    K.clear_session()
    layer = L.SeparableConv2D(3, 3, depth_multiplier=2, use_bias=False)
    got, _ = apply(layer, x, [dk, pk])
    np.testing.assert_allclose(got, depth @ pk[0, 0], rtol=1e-4, atol=1e-4)
    assert [w.name for w in layer.weights] == ["separable_conv2d/depthwise_kernel:0",
                                               "separable_conv2d/pointwise_kernel:0"]


def test_conv3d_matches_numpy():
    x = RNG.randn(1, 3, 4, 4, 2).astype("float32")
    k = RNG.randn(2, 2, 2, 2, 3).astype("float32")
    got, _ = apply(L.Conv3D(3, 2, use_bias=False), x, [k])
    want = np.zeros((1, 2, 3, 3, 3))
    for d in range(2):
        for i in range(3):
            for j in range(3):
                want[0, d, i, j] = np.tensordot(x[0, d:d + 2, i:i + 2, j:j + 2], k, 4)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv_gradient_matches_finite_differences():
    x = RNG.randn(1, 4, 4, 2).astype("float64")
    K.set_floatx("float64")
    try:
        inp = Input(shape=(4, 4, 2), dtype="float64")
        layer = L.Conv2D(2, 2, strides=1, padding="same", dtype="float64")
        out = layer(inp)
        loss = K.sum(K.square(out))
        grad_fn = K.function([inp], K.gradients(loss, [layer.kernel, inp]))
        loss_fn = K.function([inp], [loss])
        gk, gx = grad_fn([x])
        eps = 1e-6
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            num[idx] = (loss_fn([xp])[0] - loss_fn([xm])[0]) / (2 * eps)
        np.testing.assert_allclose(gx, num, rtol=1e-5, atol=1e-6)
        assert gk.shape == (2, 2, 2, 2)
    finally:
        K.set_floatx("float32")


def test_conv_errors_and_config_round_trip():
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="Causal padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="ndim=4"):
        L.Conv2D(2, 3)(Input(shape=(5, 3)))
    layer = L.Conv2D(3, (2, 3), strides=2, padding="same", activation="relu",
                     kernel_regularizer="l2")
    clone = L.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == dict(layer.get_config(), name=clone.name)
    assert clone.kernel_size == (2, 3) and clone.strides == (2, 2)
    assert [L.Conv1D(1, 1).name, L.Conv1D(1, 1).name] == ["conv1d", "conv1d_1"]


def np_pool(x, size, stride, mode, padding="valid"):
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // stride[0]), -(-w // stride[1])
        ph = max((oh - 1) * stride[0] + size[0] - h, 0)
        pw = max((ow - 1) * stride[1] + size[1] - w, 0)
        pads = ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0))
        x = np.pad(x, pads, constant_values=np.nan)
    oh = (x.shape[1] - size[0]) // stride[0] + 1
    ow = (x.shape[2] - size[1]) // stride[1] + 1
    out = np.zeros((n, oh, ow, c))
    f = np.nanmax if mode == "max" else np.nanmean
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * stride[0]:i * stride[0] + size[0], j * stride[1]:j * stride[1] +
                    size[1]]
            out[:, i, j] = f(win, axis=(1, 2))
    return out


@pytest.mark.parametrize("cls,mode", [(L.MaxPooling2D, "max"), (L.AveragePooling2D, "avg")])
def test_pooling2d_matches_numpy(cls, mode):
    x = RNG.randn(2, 5, 7, 3).astype("float32")
    got, _ = apply(cls((2, 3), padding="same"), x)
    np.testing.assert_allclose(got, np_pool(x, (2, 3), (2, 3), mode, "same"), rtol=1e-5,
                               atol=1e-5)
    K.clear_session()
    got, _ = apply(cls(2, strides=1), x)
    np.testing.assert_allclose(got, np_pool(x, (2, 2), (1, 1), mode), rtol=1e-5, atol=1e-5)


def test_pooling1d_and_global_pooling_match_numpy():
    x = RNG.randn(2, 6, 3).astype("float32")
    got, model = apply(L.MaxPooling1D(3, strides=2), x)
    want = np.stack([x[:, t:t + 3].max(1) for t in (0, 2)], 1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert model.output_shape == (None, 2, 3)
    K.clear_session()
    got, _ = apply(L.AveragePooling1D(), x)
    np.testing.assert_allclose(got, x.reshape(2, 3, 2, 3).mean(2), rtol=1e-6)
    for cls, f in ((L.GlobalMaxPooling1D, np.max), (L.GlobalAveragePooling1D, np.mean)):
        K.clear_session()
        got, _ = apply(cls(), x)
        np.testing.assert_allclose(got, f(x, axis=1), rtol=1e-6)
    im = RNG.randn(2, 4, 5, 3).astype("float32")
    K.clear_session()
    got, model = apply(L.GlobalAveragePooling2D(keepdims=True), im)
    np.testing.assert_allclose(got, im.mean((1, 2), keepdims=True), rtol=1e-5)
    assert model.output_shape == (None, 1, 1, 3)
    K.clear_session()
    got, _ = apply(L.GlobalMaxPooling2D(data_format="channels_first"), im)
    np.testing.assert_allclose(got, im.max((2, 3)), rtol=1e-6)


def test_global_average_pooling1d_leaves_masked_steps_out():
    x = np.array([[[1.0], [3.0], [0.0]], [[2.0], [0.0], [0.0]]], "float32")
    inp = Input(shape=(3, 1))
    out = L.GlobalAveragePooling1D()(L.Masking()(inp))
    np.testing.assert_allclose(Model(inp, out).predict(x), [[2.0], [2.0]])


def test_padding_cropping_upsampling_match_numpy():
    s = RNG.randn(2, 6, 3).astype("float32")
    im = RNG.randn(2, 5, 4, 2).astype("float32")
    cases = [
        (L.ZeroPadding1D((1, 2)), s, np.pad(s, ((0, 0), (1, 2), (0, 0)))),
        (L.Cropping1D((2, 1)), s, s[:, 2:-1]),
        (L.UpSampling1D(3), s, np.repeat(s, 3, axis=1)),
        (L.ZeroPadding2D(((1, 0), (2, 1))), im, np.pad(im, ((0, 0), (1, 0), (2, 1), (0, 0)))),
        (L.ZeroPadding2D(1, data_format="channels_first"), im,
         np.pad(im, ((0, 0), (0, 0), (1, 1), (1, 1)))),
        (L.Cropping2D(((1, 2), (0, 1))), im, im[:, 1:-2, :-1]),
        (L.UpSampling2D((2, 3)), im, np.repeat(np.repeat(im, 2, 1), 3, 2)),
    ]
    for layer, x, want in cases:
        K.clear_session()
        got, model = apply(layer, x)
        np.testing.assert_array_equal(got, want)
        assert model.output_shape == (None,) + want.shape[1:]
    with pytest.raises(NotImplementedError, match="bilinear"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic-ish")


def test_bilinear_upsampling_interpolates_between_half_pixel_centers():
    x = np.array([[[[0.0], [4.0]]]], "float32")  # (1, 1, 2, 1)
    got, model = apply(L.UpSampling2D((1, 2), interpolation="bilinear"), x)
    np.testing.assert_allclose(got[0, 0, :, 0], [0.0, 1.0, 3.0, 4.0], rtol=1e-6)
    assert model.output_shape == (None, 1, 4, 1)


def test_small_convnet_trains_in_sequential():
    x = RNG.rand(32, 8, 8, 1).astype("float32")
    y = (x.mean((1, 2, 3)) > 0.5).astype("float32")
    model = Sequential([L.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                        L.MaxPooling2D(), L.Flatten(), L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(hist.history["loss"]) == 3
    assert [l.name for l in model.layers] == ["conv2d", "max_pooling2d", "flatten", "dense"]
