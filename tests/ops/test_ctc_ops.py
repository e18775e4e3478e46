"""CTC ops against brute-force references written here: the loss sums the probability of
every frame-level path that collapses to the label (tiny T and C), greedy decoding takes
the per-frame argmax, beam search with a beam as wide as all prefixes equals the exact
most probable collapsed sequence. Numeric gradient checks of the loss."""
import itertools

import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

R = np.random.RandomState(3)


def log_softmax(x):
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def collapse(path, blank, merge=True):
    out, prev = [], None
    for k in path:
        if k != blank and not (merge and k == prev):
            out.append(k)
        prev = k
    return tuple(out)


def path_probs(x, blank, merge=True):
    """{collapsed sequence: probability} over every path of a [T, C] logit matrix."""
    ly = log_softmax(x.astype(np.float64))
    probs = {}
    for path in itertools.product(range(x.shape[1]), repeat=x.shape[0]):
        p = np.exp(sum(ly[t, k] for t, k in enumerate(path)))
        key = collapse(path, blank, merge)
        probs[key] = probs.get(key, 0.0) + p
    return probs


def ref_loss(x, labels, seq, merge=True):
    T, B, C = x.shape
    return np.array([-np.log(path_probs(x[:seq[b], b], C - 1, merge).get(tuple(labels[b]), 0))
                     for b in range(B)], x.dtype)


LABELS = [[1, 2], [2, 2], [0]]
SEQ = np.array([4, 4, 3], np.int32)


def sparse(labels):
    idx = np.array([[b, i] for b, l in enumerate(labels) for i in range(len(l))], np.int64)
    vals = np.array([v for l in labels for v in l], np.int32)
    return tf.SparseTensor(idx, vals, [len(labels), max(map(len, labels))])


X = R.standard_normal((4, 3, 4)).astype(np.float32)

CASES = [
    Case("CTCLoss", lambda x: tf.nn.ctc_loss(sparse(LABELS), x, SEQ), [X],
         lambda x: ref_loss(x, LABELS, SEQ), rtol=1e-4, atol=1e-5, grad_tol=1e-3,
         name="CTCLoss-merge"),
    Case("CTCLoss", lambda x: tf.nn.ctc_loss(sparse(LABELS), x, SEQ,
                                             ctc_merge_repeated=False), [X],
         lambda x: ref_loss(x, LABELS, SEQ, merge=False), rtol=1e-4, atol=1e-5,
         grad_tol=1e-3, name="CTCLoss-nomerge"),
    Case("CTCLoss", lambda x: tf.nn.ctc_loss(sparse(LABELS), x, SEQ, time_major=False),
         [np.ascontiguousarray(X.transpose(1, 0, 2))],
         lambda x: ref_loss(x.transpose(1, 0, 2), LABELS, SEQ), rtol=1e-4, atol=1e-5,
         grad_tol=1e-3, name="CTCLoss-batch-major"),
    Case("CTCGreedyDecoder", lambda x: tf.nn.ctc_greedy_decoder(x, SEQ)[1], [X],
         lambda x: np.array([[-x[:SEQ[b], b].max(-1).sum()] for b in range(3)], x.dtype),
         grad=False, name="CTCGreedyDecoder"),
    Case("CTCBeamSearchDecoder",
         lambda x: tf.nn.ctc_beam_search_decoder(x, SEQ, beam_width=64, top_paths=1)[1],
         [X], lambda x: np.array([[np.log(max(path_probs(x[:SEQ[b], b], 3).values()))]
                                  for b in range(3)], x.dtype),
         rtol=1e-4, grad=False, name="CTCBeamSearchDecoder"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_gradient_output_and_shapes():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [4, None, 4])
        loss = tf.nn.ctc_loss(sparse(LABELS), x, SEQ)
        assert loss.op.type == "CTCLoss" and loss.shape.as_list() == [None]
        assert loss.op.outputs[1].shape.as_list() == [4, None, 4]
        (dec,), lp = tf.nn.ctc_greedy_decoder(x, SEQ)
        assert isinstance(dec, tf.SparseTensor) and lp.shape.as_list() == [None, 1]
        decs, lp2 = tf.nn.ctc_beam_search_decoder(x, SEQ, beam_width=3, top_paths=2)
        assert len(decs) == 2 and lp2.shape.as_list() == [None, 2]
        g, = tf.gradients(tf.reduce_sum(loss), [x])
        with tf.Session() as s:
            got, grad, d = s.run([loss.op.outputs[1], g, dec], {x: X})
    np.testing.assert_allclose(got, grad, rtol=1e-6)
    assert np.allclose(grad.sum(-1), 0, atol=1e-5)  # softmax minus a distribution
    for b in range(3):
        want = collapse(X[:SEQ[b], b].argmax(-1), 3)
        assert tuple(d.values[d.indices[:, 0] == b]) == want


def test_beam_search_top_paths_are_the_most_probable():
    probs = path_probs(X[:, 0], 3)
    best = sorted(probs.items(), key=lambda kv: -kv[1])[:3]
    with tf.Graph().as_default():
        decs, lp = tf.nn.ctc_beam_search_decoder(tf.constant(X[:, :1]), [4], beam_width=64,
                                                 top_paths=3)
        with tf.Session() as s:
            got, lp = s.run([decs, lp])
    assert [tuple(d.values) for d in got] == [k for k, _ in best]
    np.testing.assert_allclose(np.exp(lp[0]), [p for _, p in best], rtol=1e-4)


def test_errors():
    with tf.Graph().as_default():
        x = tf.constant(X)
        too_long = tf.nn.ctc_loss(sparse([[1, 1, 1], [0], [0]]), x, [2, 4, 3])
        ignored = tf.nn.ctc_loss(sparse([[1, 1, 1], [0], [0]]), x, [2, 4, 3],
                                 ignore_longer_outputs_than_inputs=True)
        bad_label = tf.nn.ctc_loss(sparse([[3], [0], [0]]), x, SEQ)
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(too_long)
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(bad_label)
            assert s.run(ignored)[0] == 0
        with pytest.raises(TypeError):
            tf.nn.ctc_loss([[1]], x, SEQ)
