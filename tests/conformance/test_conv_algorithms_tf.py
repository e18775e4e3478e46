"""Each convolution formulation (forced) and the pooling kernels against TF 2.21's CPU
kernels: values and both gradients over shape classes (LeNet's, strides, SAME / VALID /
EXPLICIT padding, 1x1 and large kernels, NCHW, dilations), and max-pool gradients with
ties (ReLU zeros, repeated values) for disjoint and overlapping windows."""
import numpy as np
import pytest

from flowgraph.ops import conv_algorithms as CA
from tests.conformance.test_nn_tf import _dilated_filter, _run, both, close, fg, nchw, \
    tf1, with_grads
from tests.ops.test_conv_algorithms import force

RNG = np.random.RandomState(5)

# (x shape NHWC, (kh, kw, out), strides, padding)
SHAPE_CLASSES = [
    ((4, 12, 12, 1), (5, 5, 6), (1, 1), "SAME"),           # LeNet conv1 (small)
    ((4, 7, 7, 6), (5, 5, 16), (1, 1), "VALID"),           # LeNet conv2 (small)
    ((2, 9, 8, 3), (3, 3, 5), (2, 2), "SAME"),             # strided
    ((2, 9, 8, 5), (3, 2, 4), (3, 2), "VALID"),
    ((2, 6, 5, 4), (1, 1, 3), (1, 1), "VALID"),            # pointwise
    ((2, 6, 7, 4), (1, 1, 3), (2, 2), "SAME"),
    ((2, 12, 11, 2), (7, 7, 3), (1, 1), "SAME"),           # large kernel (FFT)
    ((2, 10, 10, 3), (3, 2, 4), (1, 2), [[0, 0], [2, 1], [0, 3], [0, 0]]),
]


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("algo", CA.FORMULATIONS)
@pytest.mark.parametrize("xs,ks,strides,padding", SHAPE_CLASSES, ids=str)
def test_formulation_vs_tf(monkeypatch, algo, xs, ks, strides, padding):
    force(monkeypatch, algo)
    x, w = rand(*xs), rand(ks[0], ks[1], xs[3], ks[2])
    s = [1, strides[0], strides[1], 1]
    ours, theirs = both(with_grads(lambda lib, a, b: lib.nn.conv2d(a, b, s, padding), 2),
                        [x, w])
    close(ours, theirs, rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("algo", CA.FORMULATIONS)
@pytest.mark.parametrize("xs,ks,strides,padding", SHAPE_CLASSES[:3] + SHAPE_CLASSES[6:7],
                         ids=str)
def test_formulation_nchw_vs_tf_nhwc(monkeypatch, algo, xs, ks, strides, padding):
    force(monkeypatch, algo)
    x, w = rand(*xs), rand(ks[0], ks[1], xs[3], ks[2])
    s = [1, strides[0], strides[1], 1]
    ours = _run(fg, with_grads(lambda lib, a, b: lib.nn.conv2d(
        a, b, [1, 1] + s[1:3], padding, data_format="NCHW"), 2, square=True), [nchw(x), w])
    theirs = _run(tf1, with_grads(lambda lib, a, b: lib.nn.conv2d(a, b, s, padding), 2,
                                  square=True), [x, w])
    close(ours, [nchw(theirs[0]), nchw(theirs[1]), theirs[2]], rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("algo", CA.FORMULATIONS)
@pytest.mark.parametrize("dil,padding", [((2, 2), "SAME"), ((2, 3), "VALID")], ids=str)
def test_formulation_dilated_vs_tf(monkeypatch, algo, dil, padding):
    """TF's CPU has no dilated backprops: TF convolves with the explicitly dilated filter."""
    force(monkeypatch, algo)
    x, w = rand(2, 11, 12, 3), rand(3, 2, 3, 4)
    p, eh, ew = _dilated_filter(w, *dil)

    def tf_build(lib, a, b):
        wd = lib.reshape(lib.matmul(p, lib.reshape(b, [6, -1])), [eh, ew, 3, 4])
        return lib.nn.conv2d(a, wd, [1, 1, 1, 1], padding)
    ours = _run(fg, with_grads(lambda lib, a, b: lib.nn.conv2d(
        a, b, [1, 1, 1, 1], padding, dilations=[1, dil[0], dil[1], 1]), 2), [x, w])
    theirs = _run(tf1, with_grads(tf_build, 2), [x, w])
    close(ours, theirs, rtol=2e-4, atol=2e-4)


# -- pooling with ties -----------------------------------------------------------------------
@pytest.mark.parametrize("k,s,padding", [((2, 2), (2, 2), "VALID"), ((2, 2), (2, 2), "SAME"),
                                         ((3, 3), (2, 2), "SAME"), ((3, 2), (1, 1), "VALID"),
                                         ((2, 3), (3, 3), "SAME")], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=str)
def test_max_pool_grad_with_ties(k, s, padding, dtype):
    """ReLU'd inputs (many zero ties) and small integers (repeated maxima): the gradient
    goes to the first maximum of each window, as TF's; MaxPoolGradGrad too."""
    relu = np.maximum(RNG.standard_normal((3, 9, 8, 4)), 0).astype(dtype)
    ints = RNG.randint(0, 3, (2, 7, 9, 3)).astype(dtype)
    ks, ss = [1, k[0], k[1], 1], [1, s[0], s[1], 1]

    def build(lib, a):
        y = lib.nn.max_pool(a, ks, ss, padding)
        gy = lib.constant(np.linspace(0.5, 1.5, int(np.prod(y.shape.as_list()))).reshape(
            y.shape.as_list()).astype(dtype))
        gx = lib.gradients(y, a, grad_ys=gy)[0]
        return [y, gx] + lib.gradients(lib.reduce_sum(gx * gx * 0.5 + gx), gy)
    for x in (relu, ints):
        ours, theirs = both(build, [x])
        close(ours, theirs)


@pytest.mark.parametrize("df", ["NHWC", "NCHW"])
def test_max_pool_lenet_shapes(df):
    """LeNet's 2x2/2 pools after ReLU, NHWC and NCHW (TF's CPU runs NHWC only)."""
    x = np.maximum(rand(8, 28, 28, 6), 0)
    theirs = _run(tf1, with_grads(lambda lib, a: lib.nn.max_pool(a, 2, 2, "VALID"), 1,
                                  square=True), [x])
    if df == "NHWC":
        close(_run(fg, with_grads(lambda lib, a: lib.nn.max_pool(a, 2, 2, "VALID"), 1,
                                  square=True), [x]), theirs)
        return
    ours = _run(fg, with_grads(lambda lib, a: lib.nn.max_pool(
        a, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", data_format="NCHW"), 1, square=True),
        [nchw(x)])
    close(ours, [nchw(theirs[0]), nchw(theirs[1])])
