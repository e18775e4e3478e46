"""Special functions, scatters, partition/histogram and batch<->space ops on /gpu:0 (real
CuPy, or the emulation that enforces CuPy's device/host rules) match the CPU."""
import numpy as np
import pytest

import flowgraph as tf


@pytest.fixture(autouse=True, params=[pytest.param("cupy", marks=pytest.mark.gpu),
                                      "emulated"])
def backend(request):
    if request.param == "emulated":
        return request.getfixturevalue("fake_gpu")
    import cupy
    return cupy


def _both(build):
    out = []
    for device in ("/cpu:0", "/gpu:0"):
        g = tf.Graph()
        with g.as_default(), tf.device(device):
            fetches = build()
            init = tf.global_variables_initializer()
        with tf.Session(graph=g, config=tf.ConfigProto(allow_soft_placement=True)) as s:
            s.run(init)
            out.append(s.run(fetches))
    return out


def _close(cpu, gpu):
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                   rtol=1e-5, atol=1e-6)


def test_special_functions_on_gpu():
    rng = np.random.RandomState(0)
    p = rng.uniform(0.3, 5, (3, 4)).astype(np.float32)
    u = rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32)
    x = rng.uniform(-40, 40, (3, 4)).astype(np.float32)

    def build():
        a, b, c = tf.constant(p), tf.constant(u), tf.constant(x)
        ys = [tf.lgamma(c), tf.digamma(a), tf.polygamma(tf.ones_like(a), a),
              tf.zeta(a + 1.0, a), tf.igamma(a, a[::-1]), tf.igammac(a, a[::-1]),
              tf.betainc(a, a[::-1], b), tf.math.erfinv(b * 2 - 1), tf.math.ndtri(b),
              tf.math.bessel_i0e(c), tf.math.bessel_i1e(c), tf.atan2(c, a),
              tf.math.xlogy(c, a), tf.math.xdivy(c, a), tf.math.xlog1py(c, a),
              tf.bitwise.left_shift(tf.constant([1, 2]), tf.constant([3, 40])),
              tf.bitwise.right_shift(tf.constant([-64, 64]), tf.constant([2, 1]))]
        return ys + tf.gradients(tf.reduce_sum(tf.igamma(a, a[::-1]) + tf.lgamma(a)), [a])
    _close(*_both(build))


def test_scatters_partitions_and_space_ops_on_gpu():
    rng = np.random.RandomState(1)
    img = rng.randn(2, 4, 6, 3).astype(np.float32)
    vol = rng.randn(1, 3, 4, 4, 2).astype(np.float32)

    def build():
        v = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3) + 1)
        t = tf.constant(img)
        d = tf.constant(np.arange(10, dtype=np.float32).reshape(5, 2))
        parts = tf.dynamic_partition(d, tf.constant([1, 0, 1, 2, 0]), 3)
        vc = tf.constant(vol)
        e = tf.extract_volume_patches(vc, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME")
        tmax = tf.tensor_scatter_nd_max(d, [[0], [0]], tf.ones([2, 2]) * 3)
        return [tf.scatter_mul(v, [1, 1], tf.fill([2, 3], 2.0)),
                tf.scatter_max(v, [0], tf.fill([1, 3], 50.0)),
                tf.scatter_nd_add(v, [[0, 1], [3, 2]], [1.0, 2.0]),
                tmax,
                tf.tensor_scatter_nd_update(d, [[4, 1]], [-1.0]),
                tf.dynamic_stitch([[0, 2], [1]], [parts[0], parts[2]])] + parts + [
                tf.bincount(tf.constant([1, 1, 4])),
                tf.histogram_fixed_width(d, [0.0, 10.0], nbins=3),
                tf.searchsorted(tf.constant([[1., 3., 5.]]), tf.constant([[2., 6.]])),
                tf.unravel_index(tf.constant([5, 7]), [3, 4]),
                tf.bitcast(tf.constant([1.0]), tf.int32),
                tf.batch_to_space_nd(tf.space_to_batch_nd(t, [2, 3], [[1, 1], [0, 3]]),
                                     [2, 3], [[1, 1], [0, 3]]),
                tf.space_to_batch(t, [[0, 0], [1, 1]], block_size=2), e,
                tf.gradients(tf.reduce_sum(e * e), vc)[0],
                tf.gradients(tf.reduce_sum(tmax * d), d)[0]]
    _close(*_both(build))
