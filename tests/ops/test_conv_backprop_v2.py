"""Conv2DBackpropInputV2 / Conv2DBackpropFilterV2: the conv2d backprops whose sizes come
from a tensor's shape, against TF and against the gradients of conv2d."""
import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {"Conv2DBackpropInputV2": "test_conv_backprop_v2.py (vs TF; no gradient, as TF)",
          "Conv2DBackpropFilterV2": "test_conv_backprop_v2.py (vs TF; no gradient, as TF)"}
R = np.random.RandomState(3)
X = R.randn(2, 6, 5, 3).astype(np.float32)
W = R.randn(3, 2, 3, 4).astype(np.float32)

CONFIGS = [((1, 1), "VALID", "NHWC"), ((2, 2), "SAME", "NHWC"), ((1, 2), "SAME", "NCHW")]


def _program(mod, strides, padding, df, run=True):
    g = mod.Graph()
    with g.as_default():
        x_val = X if df == "NHWC" else X.transpose(0, 3, 1, 2)
        x = mod.placeholder(mod.float32, [None] + list(x_val.shape[1:]))
        w = mod.constant(W)
        st = [1, 1, *strides] if df == "NCHW" else [1, *strides, 1]
        y = mod.nn.conv2d(x, w, st, padding, data_format=df)
        dy = mod.ones_like(y) * mod.reshape(mod.range(mod.cast(mod.size(y), mod.float32)),
                                            mod.shape(y)) * 0.01
        a = mod.conv2d_backprop_input_v2(x, w, dy, st, padding, data_format=df)
        b = mod.conv2d_backprop_filter_v2(x, w, dy, st, padding, data_format=df)
        ga, gb = mod.gradients(y, [x, w], grad_ys=dy)
        vals = None
        if run:
            with mod.Session(graph=g) as s:
                vals = s.run([a, b, ga, gb], {x: x_val})
    return vals, [t.shape.as_list() for t in (a, b)], [t.op.type for t in (a, b)]


@pytest.mark.parametrize("strides,padding,df", CONFIGS)
def test_equal_conv2d_gradients(strides, padding, df):
    (a, b, ga, gb), shapes, types = _program(tf, strides, padding, df)
    np.testing.assert_allclose(a, ga, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b, gb, rtol=1e-5, atol=1e-5)
    assert types == ["Conv2DBackpropInputV2", "Conv2DBackpropFilterV2"]


@pytest.mark.parametrize("strides,padding,df", CONFIGS)
def test_same_graph_as_tensorflow(strides, padding, df):
    """TF 2.21's CPU build has no kernels for these ops (only GPU ones), so only the graph
    is compared; the values are checked against conv2d's gradients above."""
    tft = pytest.importorskip("tensorflow").compat.v1
    ours = _program(tf, strides, padding, df, run=False)
    assert ours[1:] == _program(tft, strides, padding, df, run=False)[1:]


def test_no_gradient_as_tf():
    with tf.Graph().as_default():
        x, w = tf.constant(X), tf.constant(W)
        dy = tf.ones([2, 4, 4, 4])
        a = tf.conv2d_backprop_input_v2(x, w, dy, [1, 1, 1, 1], "VALID")
        with pytest.raises(LookupError, match="No gradient defined"):
            tf.gradients(a, dy)
