"""tf.layers: variable names and scopes, reuse, shapes, values against numpy, errors, and
the Layer object API (properties, collections, get/set_weights)."""
import numpy as np
import pytest

import flowgraph as tf

RNG = np.random.RandomState(0)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run(fetches, feed=None, init=True):
    with tf.Session() as sess:
        if init:
            sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def var_names(key=tf.GraphKeys.GLOBAL_VARIABLES):
    return [v.name for v in tf.get_collection(key)]


# -- names and reuse ---------------------------------------------------------------------
def test_default_names_are_uniquified_and_variables_named_as_tf():
    x = tf.placeholder(tf.float32, [None, 3])
    y1 = tf.layers.dense(x, 4)
    y2 = tf.layers.dense(y1, 2)
    img = tf.reshape(x, [-1, 1, 3, 1])
    tf.layers.conv2d(img, 2, 1)
    tf.layers.batch_normalization(img)
    assert var_names() == [
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0",
        "conv2d/kernel:0", "conv2d/bias:0", "batch_normalization/gamma:0",
        "batch_normalization/beta:0", "batch_normalization/moving_mean:0",
        "batch_normalization/moving_variance:0"]
    assert var_names(tf.GraphKeys.TRAINABLE_VARIABLES) == [
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0",
        "conv2d/kernel:0", "conv2d/bias:0", "batch_normalization/gamma:0",
        "batch_normalization/beta:0"]
    assert y1.name == "dense/BiasAdd:0" and y2.name == "dense_1/BiasAdd:0"
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []  # training=False: none


def test_reuse_by_name_shares_variables_and_keeps_ops_apart():
    x = tf.placeholder(tf.float32, [None, 3])
    a = tf.layers.dense(x, 4, name="fc")
    b = tf.layers.dense(x, 4, name="fc", reuse=True)
    assert var_names() == ["fc/kernel:0", "fc/bias:0"]
    assert a.name == "fc/BiasAdd:0" and b.name == "fc_1/BiasAdd:0"
    xv = rand(2, 3)
    va, vb = run([a, b], {x: xv})
    np.testing.assert_array_equal(va, vb)


def test_same_name_twice_without_reuse_is_an_error():
    x = tf.placeholder(tf.float32, [None, 3])
    tf.layers.dense(x, 4, name="fc")
    with pytest.raises(ValueError, match="fc/kernel already exists"):
        tf.layers.dense(x, 4, name="fc")


def test_reuse_of_missing_variables_is_an_error():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match="does not exist"):
        tf.layers.dense(x, 4, name="nothing", reuse=True)


def test_variable_scope_reuse_and_auto_reuse():
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("net"):
        tf.layers.dense(x, 2)
    with tf.variable_scope("net", reuse=True):
        tf.layers.dense(x, 2, name="dense")
    for _ in range(2):
        with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
            tf.layers.conv1d(tf.reshape(x, [-1, 3, 1]), 2, 2, name="c")
    assert var_names() == ["net/dense/kernel:0", "net/dense/bias:0", "auto/c/kernel:0",
                           "auto/c/bias:0"]


def test_layer_object_called_twice_shares_variables():
    x = tf.placeholder(tf.float32, [None, 3])
    layer = tf.layers.Dense(2, name="proj")
    y1, y2 = layer(x), layer.apply(x * 2.0)
    assert layer.built and layer.name == "proj" and layer.scope_name == "proj"
    assert [v.name for v in layer.variables] == ["proj/kernel:0", "proj/bias:0"]
    assert layer.trainable_weights == layer.trainable_variables == layer.weights
    assert layer.non_trainable_weights == []
    assert (y1.name, y2.name) == ("proj/BiasAdd:0", "proj/BiasAdd_1:0")
    assert var_names() == ["proj/kernel:0", "proj/bias:0"]
    assert layer.count_params() == 3 * 2 + 2


def test_scope_name_before_call_is_an_error():
    with pytest.raises(ValueError, match="has not been used yet"):
        tf.layers.Dense(2).scope_name


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="not understood"):
        tf.layers.Dense(2, bogus=1)


def test_layer_in_an_outer_variable_scope():
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("outer"):
        layer = tf.layers.Dense(2)
        y = layer(x)
    assert layer.scope_name == "outer/dense"
    assert y.name == "outer/dense/BiasAdd:0"


def test_trainable_false():
    x = tf.placeholder(tf.float32, [None, 3])
    layer = tf.layers.Dense(2, trainable=False)
    layer(x)
    assert tf.trainable_variables() == []
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2


# -- dense ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (2, 2, 2, 3)])
def test_dense_matches_numpy(shape):
    k, b = rand(3, 5), rand(5)
    x = tf.placeholder(tf.float32, [None] * (len(shape) - 1) + [3])
    y = tf.layers.dense(x, 5, activation=tf.nn.relu,
                        kernel_initializer=tf.constant_initializer(k),
                        bias_initializer=tf.constant_initializer(b))
    assert y.shape.as_list() == [None] * (len(shape) - 1) + [5]
    xv = rand(*shape)
    np.testing.assert_allclose(run(y, {x: xv}), np.maximum(xv @ k + b, 0), rtol=1e-5,
                               atol=1e-6)


def test_dense_no_bias_and_string_activation_and_initializer():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.layers.dense(x, 2, use_bias=False, activation="tanh", kernel_initializer="ones")
    assert var_names() == ["dense/kernel:0"]
    xv = rand(4, 3)
    np.testing.assert_allclose(run(y, {x: xv}), np.tanh(xv.sum(1, keepdims=True) *
                                                        np.ones((1, 2))), rtol=1e-5)


def test_dense_float64_inputs_make_float64_variables():
    x = tf.placeholder(tf.float64, [None, 3])
    layer = tf.layers.Dense(2)
    y = layer(x)
    assert y.dtype == tf.float64 and layer.dtype == "float64"
    assert layer.kernel.dtype.base_dtype == tf.float64


def test_dense_needs_a_known_last_dimension():
    with pytest.raises(ValueError, match="last dimension"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 2)


def test_dense_rejects_rank_1_and_wrong_width_on_second_call():
    with pytest.raises(ValueError, match="min_ndim=2"):
        tf.layers.dense(tf.placeholder(tf.float32, [3]), 2)
    layer = tf.layers.Dense(2)
    layer(tf.placeholder(tf.float32, [None, 3]))
    with pytest.raises(ValueError, match="axis -1"):
        layer(tf.placeholder(tf.float32, [None, 4]))


def test_dense_rejects_integer_inputs():
    with pytest.raises(TypeError, match="floating-point"):
        tf.layers.dense(tf.placeholder(tf.int32, [None, 3]), 2)


def test_dense_gradients_check():
    x = tf.placeholder(tf.float64, [2, 3])
    y = tf.layers.dense(x, 2, activation=tf.tanh)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with sess.as_default():
            err = tf.test.compute_gradient_error(x, [2, 3], y, [2, 2],
                                                 x_init_value=rand(2, 3).astype(np.float64))
    assert err < 1e-6


# -- regularizers --------------------------------------------------------------------------
def test_regularization_losses_are_collected_once():
    x = tf.placeholder(tf.float32, [None, 3])
    reg = tf.contrib.layers.l2_regularizer(0.5)
    layer = tf.layers.Dense(2, kernel_regularizer=reg, bias_regularizer=reg,
                            kernel_initializer=tf.constant_initializer(2.0),
                            bias_initializer=tf.constant_initializer(1.0))
    layer(x)
    layer(x)  # a second call adds no second weight penalty
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["dense/kernel/Regularizer/l2_regularizer:0",
                                        "dense/bias/Regularizer/l2_regularizer:0"]
    assert layer.losses == losses
    np.testing.assert_allclose(run(tf.losses.get_regularization_loss()),
                               0.5 * (6 * 4.0) / 2 + 0.5 * 2 / 2)


def test_activity_regularizer_divides_by_batch_size():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.layers.dense(x, 2, kernel_initializer="ones", activity_regularizer=tf.reduce_sum)
    (loss,) = tf.losses.get_regularization_losses()
    assert loss.name == "dense/ActivityRegularizer/truediv:0"
    xv = rand(5, 2)
    yv, lv = run([y, loss], {x: xv})
    np.testing.assert_allclose(lv, yv.sum() / 5, rtol=1e-5)


def test_scope_regularizer_applies_to_layer_variables():
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("s", regularizer=tf.contrib.layers.l1_regularizer(1.0)):
        tf.layers.dense(x, 2, use_bias=False)
    assert len(tf.losses.get_regularization_losses()) == 1


# -- convolution and pooling ---------------------------------------------------------------
def _conv2d_ref(x, k, stride, padding):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    if padding == "same":
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((n, oh, ow, f), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_matches_numpy(padding, stride):
    k, b = rand(3, 2, 2, 4), rand(4)
    x = tf.placeholder(tf.float32, [None, 7, 6, 2])
    y = tf.layers.conv2d(x, 4, (3, 2), strides=stride, padding=padding,
                         kernel_initializer=tf.constant_initializer(k),
                         bias_initializer=tf.constant_initializer(b))
    xv = rand(2, 7, 6, 2)
    ref = _conv2d_ref(xv, k, stride, padding) + b
    assert y.shape.as_list() == [None] + list(ref.shape[1:])
    np.testing.assert_allclose(run(y, {x: xv}), ref, rtol=1e-4, atol=1e-4)


def test_conv_layer_shapes_and_kernel_shapes():
    x = tf.placeholder(tf.float32, [None, 10, 3])
    c1 = tf.layers.Conv1D(4, 3, padding="causal", dilation_rate=2)
    assert c1(x).shape.as_list() == [None, 10, 4]
    assert c1.kernel.shape.as_list() == [3, 3, 4]
    img = tf.placeholder(tf.float32, [None, 5, 4, 3])
    ct = tf.layers.Conv2DTranspose(6, 3, strides=2, padding="valid")
    assert ct(img).shape.as_list() == [None, 11, 9, 6]
    assert ct.kernel.shape.as_list() == [3, 3, 6, 3]
    chw = tf.placeholder(tf.float32, [None, 3, 8, 8])
    cf = tf.layers.conv2d(chw, 5, 3, strides=2, padding="same", data_format="channels_first")
    assert cf.shape.as_list() == [None, 5, 4, 4]


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    """<conv2d_transpose(y, k), x> == <y, conv2d(x, k)> for the same kernel."""
    f = rand(3, 3, 4, 2)  # conv2d: 4 channels in, 2 out
    x = tf.constant(rand(1, 6, 6, 4))
    y = tf.constant(rand(1, 3, 3, 2))
    conv = tf.nn.conv2d(x, f, strides=[1, 2, 2, 1], padding="SAME")
    # the transposed layer maps 2 channels to 4 with a [kh, kw, filters=4, in=2] kernel: f
    tconv = tf.layers.conv2d_transpose(y, 4, 3, strides=2, padding="same", use_bias=False,
                                       kernel_initializer=tf.constant_initializer(f))
    lhs = tf.reduce_sum(tconv * x)
    rhs = tf.reduce_sum(conv * y)
    a, b = run([lhs, rhs])
    np.testing.assert_allclose(a, b, rtol=1e-4)


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="padding"):
        tf.layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="data_format"):
        tf.layers.Conv2D(2, 3, data_format="NHWC")
    with pytest.raises(ValueError, match="kernel_size"):
        tf.layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        tf.layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="channel dimension"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 4, 4, None]), 2, 3)
    with pytest.raises(ValueError, match="ndim"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 4, 4]), 2, 3)


@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling2d_matches_numpy(kind):
    x = tf.placeholder(tf.float32, [None, 6, 4, 3])
    fn = tf.layers.max_pooling2d if kind == "max" else tf.layers.average_pooling2d
    y = fn(x, 2, 2)
    xv = rand(2, 6, 4, 3)
    blocks = xv.reshape(2, 3, 2, 2, 2, 3)
    ref = blocks.max(axis=(2, 4)) if kind == "max" else blocks.mean(axis=(2, 4))
    assert y.name == ("max_pooling2d/MaxPool:0" if kind == "max" else
                      "average_pooling2d/AvgPool:0")
    np.testing.assert_allclose(run(y, {x: xv}, init=False), ref, rtol=1e-6)


def test_pooling1d_and_channels_first_shapes():
    x = tf.placeholder(tf.float32, [None, 9, 2])
    assert tf.layers.max_pooling1d(x, 3, 2).shape.as_list() == [None, 4, 2]
    assert tf.layers.average_pooling1d(x, 3, 2, padding="same").shape.as_list() == \
        [None, 5, 2]
    x4 = tf.placeholder(tf.float32, [None, 2, 9, 8])
    layer = tf.layers.MaxPooling2D(2, 2, data_format="channels_first")
    assert layer(x4).shape.as_list() == [None, 2, 4, 4]
    assert layer.compute_output_shape([None, 2, 9, 8]).as_list() == [None, 2, 4, 4]
    xv = rand(1, 9, 2)
    np.testing.assert_allclose(run(tf.layers.max_pooling1d(x, 3, 3), {x: xv}, init=False),
                               xv.reshape(1, 3, 3, 2).max(axis=2))


# -- flatten, dropout ----------------------------------------------------------------------
def test_flatten():
    x = tf.placeholder(tf.float32, [None, 2, 3, 4])
    y = tf.layers.flatten(x)
    assert y.shape.as_list() == [None, 24]
    xv = rand(5, 2, 3, 4)
    np.testing.assert_array_equal(run(y, {x: xv}, init=False), xv.reshape(5, 24))
    z = tf.layers.Flatten(data_format="channels_first")(x)
    np.testing.assert_array_equal(run(z, {x: xv}, init=False),
                                  xv.transpose(0, 2, 3, 1).reshape(5, 24))
    u = tf.layers.flatten(tf.placeholder(tf.float32, [None, None, 2]))
    assert u.shape.as_list() == [None, None]


def test_dropout_with_a_training_tensor():
    x = tf.placeholder(tf.float32, [200, 50])
    training = tf.placeholder_with_default(False, [])
    y = tf.layers.dropout(x, rate=0.25, training=training)
    xv = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(run(y, {x: xv}, init=False), xv)
    on = run(y, {x: xv, training: True}, init=False)
    assert set(np.unique(on)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.7 < (on != 0).mean() < 0.8


def test_dropout_gradient_through_the_cond():
    x = tf.placeholder(tf.float32, [4, 6])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.dropout(x, rate=0.5, training=training, seed=3)
    (dx,) = tf.gradients(tf.reduce_sum(y), [x])
    xv = np.ones((4, 6), np.float32)
    yv, dv = run([y, dx], {x: xv, training: True}, init=False)
    np.testing.assert_array_equal(dv, yv)  # d(sum(mask * x * 2))/dx = mask * 2 = y
    np.testing.assert_array_equal(run(dx, {x: xv, training: False}, init=False), xv)


def test_dropout_rate_validation_and_noise_shape():
    with pytest.raises(ValueError, match="rate"):
        tf.layers.Dropout(1.5)
    x = tf.placeholder(tf.float32, [30, 40])
    y = tf.layers.dropout(x, 0.5, noise_shape=[30, 1], training=True)
    v = run(y, {x: np.ones((30, 40), np.float32)}, init=False)
    assert all(len(set(row)) == 1 for row in v)  # one mask value per row


# -- batch normalization ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((8, 3), -1), ((4, 3, 3, 2), -1), ((4, 2, 3, 3), 1),
                                        ((5, 3, 2), 1)])
def test_batch_norm_training_step_and_moving_statistics(shape, axis):
    x = tf.placeholder(tf.float32, shape)
    layer = tf.layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-3)
    y = layer(x, training=True)
    assert len(layer.updates) == 2
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == layer.updates
    assert [v.name.split("/")[1] for v in layer.non_trainable_variables] == \
        ["moving_mean:0", "moving_variance:0"]
    xv = rand(*shape) * 3 + 2
    ax = axis % len(shape)
    red = tuple(i for i in range(len(shape)) if i != ax)
    mean, var = xv.mean(red), xv.var(red)
    bshape = [1] * len(shape)
    bshape[ax] = shape[ax]
    ref = (xv - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        yv, _ = sess.run([y, layer.updates], {x: xv})
        mm, mv = sess.run([layer.moving_mean, layer.moving_variance])
    np.testing.assert_allclose(yv, ref, rtol=1e-4, atol=1e-4)
    n = xv.size // shape[ax]
    # 4-D inputs take the fused kernel, whose batch variance is unbiased (as TF's)
    batch_var = var * n / (n - 1) if layer.fused else var
    np.testing.assert_allclose(mm, 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * batch_var, rtol=1e-5)


def test_batch_norm_inference_uses_moving_statistics():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.layers.batch_normalization(
        x, moving_mean_initializer=tf.constant_initializer(2.0),
        moving_variance_initializer=tf.constant_initializer(4.0),
        gamma_initializer=tf.constant_initializer(3.0),
        beta_initializer=tf.constant_initializer(1.0), epsilon=0.0)
    xv = rand(4, 3)
    np.testing.assert_allclose(run(y, {x: xv}), (xv - 2) / 2 * 3 + 1, rtol=1e-5)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []


def test_batch_norm_training_tensor_switches_statistics_and_updates():
    x = tf.placeholder(tf.float32, [6, 2])
    training = tf.placeholder(tf.bool, [])
    layer = tf.layers.BatchNormalization(momentum=0.5)
    y = layer(x, training=training)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        y = tf.identity(y)
    xv = rand(6, 2) + 5
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        off = sess.run(y, {x: xv, training: False})
        np.testing.assert_allclose(off, xv / np.sqrt(1 + 1e-3), rtol=1e-5)
        np.testing.assert_array_equal(sess.run(layer.moving_mean), [0, 0])  # no update
        sess.run(y, {x: xv, training: True})
        np.testing.assert_allclose(sess.run(layer.moving_mean), 0.5 * xv.mean(0), rtol=1e-5)


def test_batch_norm_variable_sharing_and_errors():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    tf.layers.batch_normalization(x, training=True, name="bn")
    tf.layers.batch_normalization(x, training=False, name="bn", reuse=True)
    assert len(tf.global_variables()) == 4
    with pytest.raises(ValueError, match="undefined `axis` dimension"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, None]))
    with pytest.raises(ValueError, match="axis"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, 3]), axis=4)
    with pytest.raises(NotImplementedError):
        tf.layers.BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="fused=True"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, 3]), fused=True)


def test_batch_norm_trains_with_update_ops_as_control_dependencies():
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.layers.batch_normalization(x, training=True)
    loss = tf.reduce_mean(tf.square(tf.layers.dense(y, 1) - 1.0))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    mm = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = rand(16, 4) + 3
        first = sess.run(loss, {x: xv})
        for _ in range(20):
            sess.run(train, {x: xv})
        assert sess.run(loss, {x: xv}) < first
        assert np.all(sess.run(mm) > 0.5)


# -- object API ------------------------------------------------------------------------------
def test_get_and_set_weights_in_the_default_session():
    x = tf.placeholder(tf.float32, [None, 3])
    layer = tf.layers.Dense(2)
    y = layer(x)
    k, b = rand(3, 2), rand(2)
    with tf.Session() as sess, sess.as_default():
        sess.run(tf.global_variables_initializer())
        layer.set_weights([k, b])
        got = layer.get_weights()
        np.testing.assert_array_equal(got[0], k)
        np.testing.assert_array_equal(got[1], b)
        xv = rand(2, 3)
        np.testing.assert_allclose(sess.run(y, {x: xv}), xv @ k + b, rtol=1e-5)
        with pytest.raises(ValueError, match="expecting 2 weights"):
            layer.set_weights([k])


def test_custom_layer_subclass():
    class Scale(tf.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", shape=[input_shape.as_list()[-1]],
                                     initializer=tf.ones_initializer())
            self.built = True

        def call(self, inputs):
            return inputs * self.w

    x = tf.placeholder(tf.float32, [None, 3])
    layer = Scale()
    y = layer(x)
    assert layer.scope_name == "scale" and var_names() == ["scale/w:0"]
    assert y.name.startswith("scale/")
    xv = rand(2, 3)
    np.testing.assert_allclose(run(y, {x: xv}), xv)
    assert isinstance(tf.layers.InputSpec(ndim=2), tf.layers.InputSpec)
