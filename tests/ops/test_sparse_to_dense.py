"""SparseToDense against numpy, with numeric gradients for values and default_value."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

IDX = np.array([[0, 1], [1, 0], [2, 3]], np.int64)


def _dense(idx, shape, values, default):
    out = np.full(shape, default, dtype=np.asarray(values).dtype)
    for i, row in enumerate(np.asarray(idx).reshape(len(idx), -1)):
        out[tuple(row)] = values[i] if np.ndim(values) else values
    return out


CASES = [
    Case("SparseToDense", lambda v, d: tf.sparse_to_dense(IDX, [3, 4], v, d),
         [np.array([1.5, -2., 3.], np.float32), np.float32(0.25)],
         lambda v, d: _dense(IDX, (3, 4), v, d), name="SparseToDense-matrix"),
    Case("SparseToDense", lambda v: tf.sparse_to_dense([1, 3], [5], v),
         [np.float32(2.0)], lambda v: _dense([1, 3], (5,), v, 0), name="SparseToDense-scalar"),
    Case("SparseToDense", lambda v: tf.sparse_to_dense(np.array([0, 2], np.int32), [4], v, -1),
         [np.array([7, 8], np.int32)], lambda v: _dense([0, 2], (4,), v, -1),
         name="SparseToDense-int"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


@pytest.mark.parametrize("idx", [[[1, 0], [0, 1]], [[0, 1], [0, 1]], [[0, 5]]])
def test_validate_indices(idx):
    with tf.Graph().as_default():
        d = tf.sparse_to_dense(np.array(idx, np.int64), [2, 3], [1.0] * len(idx))
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(d)
        d2 = tf.sparse_to_dense(np.array([[1, 0], [0, 1]]), [2, 3], [1.0, 2.0],
                                validate_indices=False)
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(d2), [[0, 2, 0], [1, 0, 0]])
