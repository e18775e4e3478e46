"""SparseCross against TF 2.21 (`tf.sparse.cross` / `cross_hashed`, where importable) and
against a hand-computed FingerprintCat64 chain: same crosses, order and bucket ids."""
import numpy as np
import pytest

import flowgraph as fg
from flowgraph.ops import sparse_cross_ops
from flowgraph.ops.fingerprint_ops import fingerprint64

EXEMPT = {"SparseCross": "tests/ops/test_sparse_cross.py"}


def _inputs(tf):
    a = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant(["x", "y", "z"]), [3, 2])
    b = tf.SparseTensor([[0, 0], [1, 0], [2, 0], [2, 1]],
                        tf.constant([7, 8, -3, 2 ** 40], tf.int64), [3, 2])
    d = tf.constant([["p", "q"], ["r", "s"], ["t", "u"]])
    di = tf.constant([[1], [2], [3]], tf.int32)
    return a, b, d, di


def _programs(tf):
    a, b, d, di = _inputs(tf)
    sp = tf.sparse
    return [sp.cross([a, d]), sp.cross([a, b, di]), sp.cross_hashed([a, d]),
            sp.cross_hashed([a, b, d], num_buckets=1000),
            sp.cross_hashed([d, a, di], num_buckets=17, hash_key=123),
            sp.cross_hashed([b, di], num_buckets=0)]


def test_against_tf():
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    results = []
    for tf in (tf1, fg):
        with tf.Graph().as_default():
            out = _programs(tf)
            with tf.Session() as s:
                results.append(s.run(out))
    for want, got in zip(*results):
        for w, g in zip(want, got):
            np.testing.assert_array_equal(g, w)
            assert np.asarray(g).dtype == np.asarray(w).dtype


def test_hand_hash_and_op():
    with fg.Graph().as_default():
        a = fg.SparseTensor([[0, 0], [0, 1]], fg.constant(["x", "y"]), [2, 2])
        ids = fg.constant([[5], [6]], fg.int64)
        out = sparse_cross_ops.sparse_cross_hashed([a, ids], num_buckets=97)
        assert out.values.op.type == "SparseCross"
        assert out.values.op.get_attr("hash_key") == 0xDECAFCAFFE
        with fg.Session() as s:
            got = s.run(out)
    cat = sparse_cross_ops.fingerprint_cat64
    want = [cat(cat(0xDECAFCAFFE, fingerprint64(w)), 5) % 97 for w in (b"x", b"y")]
    np.testing.assert_array_equal(got.indices, [[0, 0], [0, 1]])  # row 1: no "a" feature
    np.testing.assert_array_equal(got.values, want)
    np.testing.assert_array_equal(got.dense_shape, [2, 2])


def test_batch_mismatch():
    with fg.Graph().as_default():
        a = fg.SparseTensor([[0, 0]], fg.constant(["x"]), [2, 1])
        out = fg.sparse.cross([a, fg.constant([["p"]])])
        with fg.Session() as s, pytest.raises(fg.errors.InvalidArgumentError,
                                              match="Expected batch size"):
            s.run(out)
