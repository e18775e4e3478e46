"""Complex numbers and FFTs on /gpu:0 (real CuPy, or tests/gpu/fake_cupy.py) give what the
CPU gives, gradients included."""
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


def _both(build, feeds):
    out = []
    for device in ("/cpu:0", "/gpu:0"):
        g = tf.Graph()
        with g.as_default(), tf.device(device):
            fetches, phs = build()
            init = tf.global_variables_initializer()
        with tf.Session(graph=g) as s:
            s.run(init)
            out.append(s.run(fetches, dict(zip(phs, feeds))))
    return out


def test_complex_ops_and_ffts_with_gradients():
    rng = np.random.RandomState(0)
    a0, b0 = rng.randn(3, 8), rng.randn(3, 8)

    def build():
        a = tf.placeholder(tf.float64, [3, 8])
        b = tf.placeholder(tf.float64, [3, 8])
        z = tf.complex(a, b)
        w = tf.signal.fft(z * tf.conj(z[:, ::-1])) + tf.signal.ifft2d(tf.exp(z) / (z + 2.0))
        r = tf.signal.rfft(a, [10])
        back = tf.signal.irfft(r * tf.complex(b[:, :6], a[:, :6]), [7])
        loss = (tf.reduce_sum(tf.abs(w)) + tf.reduce_sum(tf.angle(w)) + tf.reduce_sum(back)
                + tf.reduce_sum(tf.signal.dct(a, norm="ortho")) +
                tf.reduce_sum(tf.real(tf.matmul(z, z, adjoint_b=True))))
        fetches = [w, r, back, tf.imag(tf.reduce_prod(z, 1)), loss] + tf.gradients(loss, [a, b])
        return fetches, [a, b]
    cpu, gpu = _both(build, [a0, b0])
    for x, y in zip(cpu, gpu):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)


def test_complex_variable_updates_stay_on_the_device():
    c0 = (np.linspace(-2, 1, 12) + 0.5j).astype(np.complex64).reshape(3, 4)

    def build():
        c = tf.placeholder(tf.complex64, [3, 4])
        z = tf.Variable(tf.zeros([3, 4], tf.complex64))
        steps = [z.assign(c)]
        for _ in range(4):
            with tf.control_dependencies([steps[-1]]):
                nz = z.read_value()
                steps.append(z.assign(tf.where(tf.abs(nz) < 2.0, nz * nz + c, nz)))
        return [steps[-1]], [c]
    cpu, gpu = _both(build, [c0])
    np.testing.assert_allclose(cpu[0], gpu[0], rtol=1e-6)
