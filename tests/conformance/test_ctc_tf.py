"""CTC against real TensorFlow on random inputs: losses and their gradients under every
flag combination, greedy and beam search decodes (SparseTensorValues) and their log
probabilities, op types and output names."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402

T, B, C = 12, 4, 6
RNG = np.random.RandomState(9)
X = (2 * RNG.standard_normal((T, B, C))).astype(np.float32)
SEQ = np.array([12, 9, 10, 7], np.int32)
LABELS = [[1, 2, 2, 4], [0, 3], [4, 4, 4], [2, 1, 0]]


def sparse(lib, labels):
    idx = np.array([[b, i] for b, l in enumerate(labels) for i in range(len(l))], np.int64)
    vals = np.array([v for l in labels for v in l], np.int32)
    return lib.SparseTensor(idx, vals, [len(labels), max(map(len, labels))])


def run(lib, build, x):
    g = lib.Graph()
    with g.as_default():
        ph = lib.placeholder(lib.as_dtype(x.dtype), [None, None, C])
        out = build(lib, ph)
        with lib.Session(graph=g) as sess:
            return sess.run(out, {ph: x})


def same(a, b, tol=1e-4):
    if isinstance(a, (list, tuple)) and not hasattr(a, "indices"):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y, tol)
    elif hasattr(a, "indices"):
        assert type(a).__name__ == type(b).__name__ == "SparseTensorValue"
        for x, y in zip(a, b):
            assert np.asarray(x).dtype == np.asarray(y).dtype
            np.testing.assert_array_equal(x, y)
    else:
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("merge", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_and_gradient(collapse, merge, dtype):
    w = RNG.uniform(0.5, 2, B).astype(dtype)

    def build(lib, x):
        loss = lib.nn.ctc_loss(sparse(lib, LABELS), x, SEQ,
                               preprocess_collapse_repeated=collapse,
                               ctc_merge_repeated=merge)
        return [loss, lib.gradients(lib.reduce_sum(loss * w), x)[0]]
    same(run(fg, build, X.astype(dtype)), run(tf1, build, X.astype(dtype)))


def test_batch_major_and_ignore_longer():
    labels = [[1, 2, 2, 4], [0, 1, 2, 3, 4, 0, 1, 2], [4, 4, 4], [2, 1, 0]]

    def build(lib, x):
        loss = lib.nn.ctc_loss(sparse(lib, labels), x, SEQ, time_major=False,
                               ignore_longer_outputs_than_inputs=True)
        return [loss, lib.gradients(lib.reduce_sum(loss), x)[0]]
    xb = np.ascontiguousarray(X.transpose(1, 0, 2))
    same(run(fg, build, xb), run(tf1, build, xb))


@pytest.mark.parametrize("labels,seq,match", [
    ([[1] * 8] * B, [7] * B, r"available: 7\)0You"),
    ([[1], [], [2], [3]], SEQ, "Labels length is zero in batch 1")])
def test_errors_in_both(labels, seq, match):
    def build(lib, x):
        idx = np.array([[b, i] for b, l in enumerate(labels) for i in range(len(l))],
                       np.int64)
        vals = np.array([v for l in labels for v in l], np.int32)
        return lib.nn.ctc_loss(lib.SparseTensor(idx, vals, [B, 8]), x, seq)
    for lib, err in ((fg, fg.errors.InvalidArgumentError),
                     (tf1, tf_real.errors.InvalidArgumentError)):
        with pytest.raises(err, match=match):
            run(lib, build, X)


@pytest.mark.parametrize("merge", [True, False])
def test_greedy_decoder(merge):
    def build(lib, x):
        (d,), lp = lib.nn.ctc_greedy_decoder(x, SEQ, merge_repeated=merge)
        return [d, lp]
    x = np.round(X)  # ties and repeats
    same(run(fg, build, x), run(tf1, build, x))


@pytest.mark.parametrize("width,top", [(1, 1), (3, 2), (8, 4), (20, 5)])
@pytest.mark.parametrize("merge", [True, False])
def test_beam_search_decoder(width, top, merge):
    def build(lib, x):
        decs, lp = lib.nn.ctc_beam_search_decoder(x, SEQ, beam_width=width, top_paths=top,
                                                  merge_repeated=merge)
        return [decs, lp]
    x = (X / 2).astype(np.float32)
    same(run(fg, build, x), run(tf1, build, x))


def test_op_types_and_names():
    def names(lib):
        g = lib.Graph()
        with g.as_default():
            x = lib.placeholder(lib.float32, [T, B, C])
            loss = lib.nn.ctc_loss(sparse(lib, LABELS), x, SEQ)
            (d,), lp = lib.nn.ctc_greedy_decoder(x, SEQ)
            decs, lp2 = lib.nn.ctc_beam_search_decoder(x, SEQ, beam_width=4, top_paths=2)
            ts = [loss, d.indices, d.values, d.dense_shape, lp, decs[1].values, lp2]
            return [(t.name, t.op.type, t.shape.as_list()) for t in ts]
    assert names(fg) == names(tf1)


def test_beam_search_decoder_v2():
    def build(lib, x):
        return list(lib.nn.ctc_beam_search_decoder_v2(x, SEQ, beam_width=5, top_paths=2))
    same(run(fg, build, X), run(tf1, build, X))
