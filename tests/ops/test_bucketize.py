"""Bucketize: op-table cases against numpy, and the op against TF 2.21 where importable
(TF compares floats to the float32 boundaries; doubles to the widened boundaries)."""
import numpy as np
import pytest

import flowgraph as fg
from flowgraph.ops import bucketize_ops
from tests.optest import Case, run_case

B = [-1.0, 0.0, 2.5, 10.0]
X = np.array([[-3.0, -1.0, -0.5], [0.0, 2.5, 2.49], [9.99, 10.0, 1e9]], np.float32)


def _ref(x):
    return np.searchsorted(np.float32(B), x, side="right").astype(np.int32)


CASES = [
    Case("Bucketize", lambda x: bucketize_ops.bucketize(x, B), [X], ref=_ref, grad=False,
         name="Bucketize_float"),
    Case("Bucketize", lambda x: bucketize_ops.bucketize(x, [0, 5]),
         [np.array([-2, 0, 4, 5, 7], np.int64)],
         ref=lambda x: np.array([0, 1, 1, 2, 2], np.int32), name="Bucketize_int64"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_unsorted_boundaries_fail_at_run_time():
    with fg.Graph().as_default():
        y = bucketize_ops.bucketize(fg.constant([1.0]), [2.0, 1.0])
        with fg.Session() as s, pytest.raises(fg.errors.InvalidArgumentError,
                                              match="Expected sorted boundaries"):
            s.run(y)


def test_against_tf():
    tf = pytest.importorskip("tensorflow")
    x64 = np.array([0.1, 0.30000001192092896, 0.3, 2.0], np.float64)
    bounds = [0.1, 0.3, 1.0]
    for x in (X, x64, np.array([1, 2, 3, 16777217], np.int32)):
        with tf.Graph().as_default(), tf.compat.v1.Session() as ts:  # (eager may be off)
            want = ts.run(tf.raw_ops.Bucketize(input=x, boundaries=bounds))
        with fg.Graph().as_default():
            y = bucketize_ops.bucketize(fg.constant(x), bounds)
            assert y.op.type == "Bucketize" and y.dtype == fg.int32
            with fg.Session() as s:
                np.testing.assert_array_equal(s.run(y), want)
