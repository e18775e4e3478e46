"""SparseSegment{Sum,Mean,SqrtN}GradV2 (the IndexedSlices gradient TF 2.21 gives a sparse
segment reduction made with `sparse_gradient=True`, as embedding lookups make them):
op-table cases against numpy, and gradients against TF where importable."""
import numpy as np
import pytest

import flowgraph as fg
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

G = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 0.25]], np.float32)
IDX = np.array([4, 1, 4, 0], np.int32)
SEG = np.array([0, 0, 1, 2], np.int32)


def _ref(norm):
    def ref(g, idx, seg):
        count = np.bincount(seg, minlength=g.shape[0]).astype(np.float32)
        scale = {"sum": np.ones_like(count), "mean": np.maximum(count, 1),
                 "sqrtn": np.sqrt(np.maximum(count, 1))}[norm]
        rows = np.unique(idx)
        out = np.zeros((len(rows), g.shape[1]), np.float32)
        for i, s in zip(idx, seg):
            out[np.searchsorted(rows, i)] += g[s] / scale[s]
        return out, rows.astype(np.int32)
    return ref


CASES = [Case(f"SparseSegment{op}GradV2", lambda g, i, s, op=op: apply_op(
    f"SparseSegment{op}GradV2", [g, i, s, fg.constant(5)]), [G, IDX, SEG], ref=_ref(norm),
    grad=False) for op, norm in (("Sum", "sum"), ("Mean", "mean"), ("SqrtN", "sqrtn"))]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookup_sparse_gradient_is_sparse_as_tf(combiner):
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    params = np.arange(12, dtype=np.float32).reshape(6, 2)
    results = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            p = tf.Variable(params)
            sp = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([4, 1, 4], tf.int64),
                                 [3, 2])
            y = tf.nn.safe_embedding_lookup_sparse(p, sp, combiner=combiner)
            g = tf.gradients(tf.reduce_sum(y * y), [p])[0]
            assert type(g).__name__ == "IndexedSlices"
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                r = s.run(g)
                order = np.argsort(r.indices, kind="stable")  # rows in any order
                results.append((np.asarray(r.indices)[order], np.asarray(r.values)[order]))
    for w, x in zip(*results):
        np.testing.assert_allclose(x, w, rtol=1e-6)
