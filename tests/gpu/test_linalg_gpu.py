"""tf.linalg decompositions on /gpu:0 give the CPU's results: `[cupy]` on a real GPU,
`[emulated]` on tests/gpu/fake_cupy.py (CuPy's host/device rules, see test_gpu.py)."""
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


def _run(device, build, feed):
    g = tf.Graph()
    with g.as_default(), tf.device(device):
        x = tf.placeholder(tf.float64, feed.shape)
        outs = build(x)
        # The last output (minimum-norm lstsq) has no gradient, as in TF.
        grads = tf.gradients(tf.add_n([tf.reduce_sum(tf.sin(o)) for o in outs[:-1]]), x)
    with tf.Session(graph=g, config=tf.ConfigProto(allow_soft_placement=True)) as s:
        return s.run(outs + grads, {x: feed})


def test_decompositions_and_gradients_on_gpu_match_cpu():
    rng = np.random.RandomState(0)
    a = rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)

    def build(x):
        sym = tf.matmul(x, x, transpose_b=True)
        e, v = tf.linalg.eigh(sym)
        s, u, w = tf.svd(x[:, :, :2])
        lu, _ = tf.linalg.lu(x)
        return [tf.cholesky(sym), tf.matrix_determinant(x), tf.linalg.slogdet(x)[1],
                tf.matrix_solve(x, sym), e, v * v, s, tf.matmul(u, w, adjoint_b=True),
                tf.linalg.sqrtm(sym), tf.linalg.expm(x), tf.linalg.pinv(x), lu,
                tf.cross(x, sym), tf.norm(x, 2, axis=(-2, -1)),
                tf.linalg.tridiagonal_solve(x, tf.matrix_transpose(x)),
                tf.linalg.lstsq(x, sym, l2_regularizer=0.1),
                tf.matrix_solve_ls(x, sym, fast=False)]
    cpu = _run("/cpu:0", build, a)
    gpu = _run("/gpu:0", build, a)
    assert len(cpu) == len(gpu)
    for c, g in zip(cpu, gpu):
        assert type(g) is np.ndarray
        np.testing.assert_allclose(g, c, rtol=1e-7, atol=1e-9)
