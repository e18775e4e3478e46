"""Linear algebra ops against numpy, with numeric gradients."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

rng = np.random.RandomState(3)
A = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
SQ = (rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
B = rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32)


def _band(x, lo, up):
    m, n = x.shape[-2:]
    i, j = np.arange(m)[:, None], np.arange(n)[None, :]
    keep = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
    return np.where(keep, x, 0)


def _qr_sum(x):
    q, r = tf.qr(x)
    return q * 1.5 + tf.reduce_sum(r, axis=-2, keepdims=True)


def _np_qr_sum(x):
    q, r = np.linalg.qr(x.astype(np.float64))
    return (q * 1.5 + r.sum(-2, keepdims=True)).astype(x.dtype)


CASES = [
    Case("MatrixBandPart", lambda x: tf.matrix_band_part(x, 1, 0), [A],
         ref=lambda x: _band(x, 1, 0)),
    Case("MatrixBandPart", lambda x: tf.linalg.band_part(x, -1, 1), [A],
         ref=lambda x: _band(x, -1, 1), name="band_part_all_lower"),
    Case("MatrixTriangularSolve", lambda a, b: tf.matrix_triangular_solve(a, b), [SQ, B],
         ref=lambda a, b: np.linalg.solve(np.tril(a), b), rtol=1e-4, atol=1e-5),
    Case("MatrixTriangularSolve",
         lambda a, b: tf.matrix_triangular_solve(a, b, lower=False, adjoint=True), [SQ, B],
         ref=lambda a, b: np.linalg.solve(np.swapaxes(np.triu(a), -1, -2), b), rtol=1e-4,
         atol=1e-5, name="triangular_solve_upper_adjoint"),
    Case("MatrixInverse", tf.matrix_inverse, [SQ], ref=np.linalg.inv, rtol=1e-4, atol=1e-5),
    Case("Qr", _qr_sum, [A], ref=_np_qr_sum, rtol=1e-4, atol=1e-5),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_qr_reconstructs_and_static_shapes():
    x = tf.constant(A)
    q, r = tf.qr(x)
    qf, rf = tf.qr(x, full_matrices=True)
    assert q.shape.as_list() == [2, 4, 3] and r.shape.as_list() == [2, 3, 3]
    assert qf.shape.as_list() == [2, 4, 4] and rf.shape.as_list() == [2, 4, 3]
    with tf.Session() as s:
        qv, rv = s.run([q, r])
    np.testing.assert_allclose(qv @ rv, A, atol=1e-5)
    np.testing.assert_allclose(np.tril(rv[0], -1), 0, atol=1e-7)


def test_inverse_of_non_square_is_a_build_error():
    with pytest.raises(ValueError, match="square"):
        tf.matrix_inverse(tf.constant(A))


def _np_qr_sum_full(x):
    q, r = np.linalg.qr(x.astype(np.float64), mode="complete")
    return (q * 1.5 + r.sum(-2, keepdims=True)).astype(x.dtype)


def _qr_sum_full(x):
    q, r = tf.qr(x, full_matrices=True)
    return q * 1.5 + tf.reduce_sum(r, axis=-2, keepdims=True)


CASES += [
    Case("Qr", lambda x: list(tf.qr(x)), [np.swapaxes(A, -1, -2).copy()],
         ref=lambda x: [y.astype(x.dtype) for y in np.linalg.qr(x.astype(np.float64))],
         rtol=1e-4, atol=1e-5, name="qr_wide"),
    Case("Qr", _qr_sum_full, [SQ], ref=_np_qr_sum_full, rtol=1e-4, atol=1e-5,
         name="qr_square_full"),
    Case("Qr", lambda x: tf.qr(x)[1], [np.swapaxes(A, -1, -2).copy()],
         ref=lambda x: np.linalg.qr(x.astype(np.float64))[1].astype(x.dtype), rtol=1e-4,
         atol=1e-5, name="qr_wide_r_only"),
]


def test_qr_gradient_of_full_deep_matrices_is_not_implemented():
    x = tf.constant(A.astype(np.float64))
    q, _ = tf.qr(x, full_matrices=True)
    with pytest.raises(NotImplementedError):
        tf.gradients(q, x)
