"""`Dataset.cardinality()` / `tf.data.experimental.cardinality`: TF's counting rules per
transformation, against hand-computed values and (when importable) TF 2.21's answers."""
import numpy as np
import pytest

import flowgraph as fg

INF, UNK = -1, -2


def _cases(lib):
    D = lib.compat.v1.data.Dataset
    x = np.zeros((10, 2), np.float32)
    return [
        (D.range(10), 10), (D.range(10).batch(3), 4),
        (D.range(10).batch(3, drop_remainder=True), 3), (D.range(2, 11, 3), 3),
        (D.range(10, 0, -3), 4), (D.range(5).repeat(), INF), (D.range(5).repeat(3), 15),
        (D.range(0).repeat(), 0), (D.range(5).filter(lambda v: v > 2), UNK),
        (D.range(5).filter(lambda v: v > 2).repeat(), INF),
        (D.range(5).filter(lambda v: v > 2).repeat(2), UNK),
        (D.range(5).repeat().take(7), 7), (D.range(5).take(9), 5), (D.range(5).take(-1), 5),
        (D.range(5).skip(2), 3), (D.range(5).skip(-1), 0), (D.range(5).repeat().skip(3), INF),
        (D.from_tensor_slices(x).shuffle(4).batch(4), 3), (D.from_tensors(x), 1),
        (D.zip((D.range(3), D.range(5))), 3), (D.zip((D.range(3), D.range(5).repeat())), 3),
        (D.range(3).concatenate(D.range(4)), 7),
        (D.range(3).concatenate(D.range(4).repeat()), INF),
        (D.range(7).prefetch(2).cache(), 7), (D.range(7).map(lambda v: v * 2), UNK),
        (D.range(7).map(lambda v: v, num_parallel_calls=2), UNK),
        (D.range(7).padded_batch(2, padded_shapes=[]), 4),
        (D.range(7).filter(lambda v: v > 1).take(3), UNK), (D.range(7).batch(2).unbatch(), UNK),
        (D.range(5).enumerate(), 5), (D.range(7).window(2), 4),
        (D.range(7).window(3, 2, 1, True), 3), (D.range(7).window(3, 2, 2, True), 2),
        (D.range(7).window(3, 2, 2, False), 4),
        (D.range(7).apply(lib.data.experimental.map_and_batch(lambda v: v, 2)), 4),
        (D.range(7).with_options(lib.compat.v1.data.Options()), 7),
    ]


def _run(lib, cases):
    tensors = [lib.compat.v1.data.experimental.cardinality(d) for d, _ in cases]
    with lib.compat.v1.Session() as s:
        return [int(v) for v in s.run(tensors)]


def test_cardinality_rules():
    cases = _cases(fg)
    assert _run(fg, cases) == [n for _, n in cases]
    c = cases[1][0].cardinality()
    assert (c.op.type, c.dtype, c.shape.as_list()) == ("DatasetCardinality", fg.int64, [])
    assert fg.data.experimental.INFINITE_CARDINALITY == INF
    assert fg.data.experimental.UNKNOWN_CARDINALITY == UNK


def test_cardinality_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    with tf.Graph().as_default():
        theirs = _run(tf, _cases(tf))
    with fg.Graph().as_default():
        assert _run(fg, _cases(fg)) == theirs


def test_fed_counts_are_used_at_run_time():
    n = fg.compat.v1.placeholder(fg.int64, [])
    c = fg.data.Dataset.range(10).take(n).cardinality()
    with fg.Session() as s:
        assert [s.run(c, {n: k}) for k in (3, -1, 20)] == [3, 10, 10]
