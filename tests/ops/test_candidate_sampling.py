"""Candidate samplers and compute_accidental_hits: op-table cases on the deterministic
outputs, expected counts against TF's formulas and TF itself, sampled frequencies against
the base distributions, graph structure and attrs against TF's, seeds and errors.

Sampled values are random (and TF's Philox stream is not reproduced), so draws are checked
statistically; expected counts are exact functions of the classes and the number of draws."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import errors
from flowgraph.framework.op_builder import apply_op
from tests.optest import Case, run_case

R = tf.random
TC = np.array([[0, 3], [5, 9], [2, 2]], np.int64)


def _log_uniform_p(c, n):
    c = np.asarray(c, np.float64)
    return (np.log(c + 2) - np.log(c + 1)) / np.log(n + 1)


def _hits_by_loop(tc, sc):
    """compute_accidental_hits written as TF documents it: a map from each sampled value
    to its (last) position, looked up for every true class in row-major order."""
    pos = {}
    for i, v in enumerate(sc):
        pos[int(v)] = i
    idx, ids = [], []
    for r, row in enumerate(tc):
        for v in row:
            if int(v) in pos:
                idx.append(r)
                ids.append(pos[int(v)])
    return (np.array(idx, np.int32), np.array(ids, np.int64),
            np.full(len(idx), -np.finfo(np.float32).max, np.float32))


CASES = [
    Case("UniformCandidateSampler",
         lambda t: R.uniform_candidate_sampler(t, 2, 4, False, 10).true_expected_count,
         [TC], ref=lambda t: np.full(t.shape, 0.4, np.float32), grad=False),
    Case("LogUniformCandidateSampler",
         lambda t: R.log_uniform_candidate_sampler(t, 2, 5, False, 10).true_expected_count,
         [TC], ref=lambda t: (5 * _log_uniform_p(t, 10)).astype(np.float32), grad=False),
    Case("LearnedUnigramCandidateSampler",  # before any update every class has weight 1
         lambda t: R.learned_unigram_candidate_sampler(t, 2, 3, False, 12)
         .true_expected_count,
         [TC], ref=lambda t: np.full(t.shape, 0.25, np.float32), grad=False),
    Case("ThreadUnsafeUnigramCandidateSampler",  # TF's raw op (no Python wrapper)
         lambda t: apply_op("ThreadUnsafeUnigramCandidateSampler", [t],
                            {"num_true": 2, "num_sampled": 6, "unique": False,
                             "range_max": 12})[1],
         [TC], ref=lambda t: np.full(t.shape, 0.5, np.float32), grad=False),
    Case("FixedUnigramCandidateSampler",
         lambda t: R.fixed_unigram_candidate_sampler(
             t, 2, 4, False, 10, unigrams=np.arange(1.0, 11.0), distortion=0.5)
         .true_expected_count,
         [TC], ref=lambda t: (4 * np.sqrt(t + 1.0) / np.sum(np.sqrt(np.arange(1.0, 11.0))))
         .astype(np.float32), grad=False),
    Case("AllCandidateSampler", lambda t: R.all_candidate_sampler(t, 2, 10, True), [TC],
         ref=lambda t: (np.arange(10, dtype=np.int64), np.ones(t.shape, np.float32),
                        np.ones(10, np.float32)), grad=False),
    Case("ComputeAccidentalHits",
         lambda t, s: tf.nn.compute_accidental_hits(t, s, 2),
         [TC, np.array([3, 2, 7, 2, 0], np.int64)], ref=_hits_by_loop, grad=False),
    Case("ComputeAccidentalHits",
         lambda t, s: tf.nn.compute_accidental_hits(t, s, 2),
         [TC, np.array([4, 6], np.int64)], ref=_hits_by_loop, grad=False, name="no hits"),
]
EXEMPT = {}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def _run(outs, feed=None, n=1):
    with tf.Session() as s:
        return [s.run(outs, feed) for _ in range(n)]


def _tries(p, count, num_sampled):
    """The number of draws T implied by a unique sampler's expected count."""
    p, count = np.float64(p), np.float64(count)
    if np.isclose(count, p * num_sampled, rtol=1e-6):
        return num_sampled
    return int(round(np.log1p(-count) / np.log1p(-p)))


def _check_unique_counts(sampled, true_count, samp_count, p_true, p_samp, num_sampled):
    """Counts are -expm1(T * log1p(-p)) with one T >= num_sampled (float32 arithmetic)."""
    assert len(set(sampled.tolist())) == num_sampled
    t = _tries(p_samp[0], samp_count[0], num_sampled)
    assert t >= num_sampled
    if t == num_sampled:
        want_s, want_t = p_samp * num_sampled, p_true * num_sampled
    else:
        f = np.float32
        want_s = -np.expm1(f(t) * np.log1p(-p_samp.astype(f)))
        want_t = -np.expm1(f(t) * np.log1p(-p_true.astype(f)))
    np.testing.assert_allclose(samp_count, want_s, rtol=2e-6)
    np.testing.assert_allclose(true_count, want_t, rtol=2e-6)
    return t


# -- expected counts and draws ----------------------------------------------------------------
@pytest.mark.parametrize("unique", [False, True])
def test_log_uniform_counts_and_draws(unique):
    t = tf.constant(TC)
    out = R.log_uniform_candidate_sampler(t, 2, 6, unique, 10)
    for s, tc_, sc_ in _run(out, n=20):
        assert s.dtype == np.int64 and tc_.dtype == sc_.dtype == np.float32
        assert s.min() >= 0 and s.max() < 10
        p_t, p_s = _log_uniform_p(TC, 10), _log_uniform_p(s, 10)
        if unique:
            _check_unique_counts(s, tc_, sc_, p_t, p_s, 6)
        else:
            np.testing.assert_allclose(tc_, 6 * p_t, rtol=1e-6)
            np.testing.assert_allclose(sc_, 6 * p_s, rtol=1e-6)


def _frequencies(sampler_out, k, n_runs=1):
    draws = np.concatenate([r.sampled_candidates for r in _run(sampler_out, n=n_runs)])
    return np.bincount(draws, minlength=k) / len(draws), len(draws)


def _assert_matches(freq, p, n):
    se = np.sqrt(p * (1 - p) / n) + 1e-12
    assert np.all(np.abs(freq - p) < 5 * se + 1e-9), (freq, p)


def test_draw_frequencies_follow_the_base_distributions():
    tf.set_random_seed(1)  # reproducible draws: the 5-standard-error bounds never flake
    t = tf.constant(TC)
    n = 40000
    freq, m = _frequencies(R.log_uniform_candidate_sampler(t, 2, n, False, 10), 10)
    _assert_matches(freq, _log_uniform_p(np.arange(10), 10), m)
    freq, m = _frequencies(R.uniform_candidate_sampler(t, 2, n, False, 10), 10)
    _assert_matches(freq, np.full(10, 0.1), m)
    u = np.array([0.0, 1, 2, 3, 4, 0, 6, 7, 8, 9])
    freq, m = _frequencies(R.fixed_unigram_candidate_sampler(
        t, 2, n, False, 12, unigrams=u, distortion=2.0, num_reserved_ids=2), 12)
    p = np.concatenate([[0, 0], u ** 2]) / np.sum(u ** 2)
    _assert_matches(freq, p, m)
    assert freq[0] == freq[1] == freq[2] == freq[7] == 0  # reserved and zero-weight ids


def test_unique_draws_are_distinct_and_cover_small_ranges():
    t = tf.constant(TC)
    for out in (R.uniform_candidate_sampler(t, 2, 10, True, 10),
                R.log_uniform_candidate_sampler(t, 2, 10, True, 10),
                R.learned_unigram_candidate_sampler(t, 2, 10, True, 10)):
        for r in _run(out, n=3):
            assert sorted(r.sampled_candidates.tolist()) == list(range(10))
    # Unique draws from a skewed distribution: distinct, and count -expm1(T log1p(-p)).
    u = np.arange(1.0, 21.0) ** 2
    out = R.fixed_unigram_candidate_sampler(t, 2, 8, True, 20, unigrams=u)
    for s, tc_, sc_ in _run(out, n=10):
        _check_unique_counts(s, tc_, sc_, u[TC] / u.sum(), u[s] / u.sum(), 8)


def test_learned_unigram_counts_true_classes_after_each_draw():
    tc = tf.placeholder(tf.int64, [None, 2])
    out = R.learned_unigram_candidate_sampler(tc, 2, 4, False, 10)
    w = np.ones(10)
    with tf.Session() as s:
        for batch in (TC, TC, np.array([[7, 7]], np.int64)):
            got = s.run(out, {tc: batch})
            np.testing.assert_allclose(got.true_expected_count, 4 * w[batch] / w.sum(),
                                       rtol=1e-6)
            np.testing.assert_allclose(got.sampled_expected_count,
                                       4 * w[got.sampled_candidates] / w.sum(), rtol=1e-6)
            np.add.at(w, batch.reshape(-1), 1)
    with tf.Session() as s:  # a new session starts from uniform weights again
        got = s.run(out, {tc: TC})
        np.testing.assert_allclose(got.true_expected_count, np.full((3, 2), 0.4), rtol=1e-6)
    # The learned distribution shifts the draws toward the classes seen.
    many = R.learned_unigram_candidate_sampler(tc, 2, 20000, False, 10)
    with tf.Session() as s:
        for _ in range(5):
            s.run(many, {tc: np.full((1000, 2), 3, np.int64)})
        draws = s.run(many, {tc: TC}).sampled_candidates
    assert np.mean(draws == 3) > 0.9


def test_fixed_unigram_shards_reserved_ids_and_vocab_file(tmp_path):
    u = np.arange(1.0, 9.0)
    t = tf.constant(np.array([[0, 1], [2, 4]], np.int64))
    # As TF, a shard's unigram ids continue from the number of its reserved ids.
    out = R.fixed_unigram_candidate_sampler(t, 2, 2, False, 5, unigrams=u, num_reserved_ids=2,
                                            num_shards=2, shard=1)
    w = np.array([0, 1, 3, 5, 7.0])
    np.testing.assert_allclose(_run(out.true_expected_count)[0],
                               2 * w[[[0, 1], [2, 4]]] / w.sum(), rtol=1e-6)
    path = tmp_path / "vocab.csv"
    path.write_text("the,5\n\nof, 3\na b,c,2 \n")
    out = R.fixed_unigram_candidate_sampler([[0], [1], [2]], 1, 1, False, 4,
                                            vocab_file=str(path), num_reserved_ids=1)
    np.testing.assert_allclose(_run(out.true_expected_count)[0].ravel(), [0, 0.5, 0.3],
                               rtol=1e-6)


# -- against TensorFlow -----------------------------------------------------------------------
def _tf():
    return pytest.importorskip("tensorflow").compat.v1


def _sampler_calls(lib, t, vocab):
    r = lib.random
    return [
        r.uniform_candidate_sampler(t, 2, 4, False, 10),
        r.log_uniform_candidate_sampler(t, 2, 5, False, 12, seed=4),
        lib.nn.log_uniform_candidate_sampler(t, 2, 3, True, 10, name="lu"),
        r.learned_unigram_candidate_sampler(t, 2, 4, False, 10),
        r.fixed_unigram_candidate_sampler(t, 2, 3, False, 10, unigrams=list(range(1, 11)),
                                          distortion=0.75),
        r.fixed_unigram_candidate_sampler(t, 2, 3, False, 5, unigrams=[3, 1, 4, 1, 5, 9, 2],
                                          num_reserved_ids=3, num_shards=2, shard=1),
        r.fixed_unigram_candidate_sampler(t, 2, 2, False, 11, vocab_file=vocab,
                                          num_reserved_ids=2, distortion=0.5),
        r.all_candidate_sampler(t, 2, 10, True),
        lib.nn.compute_accidental_hits(t, lib.constant([9, 2, 4, 9], lib.int64), 2),
    ]


def _vocab(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("".join(f"w{i},{(i * 7) % 5 + 1}\n" for i in range(9)))
    return str(path)


def test_graph_and_expected_counts_match_tf(tmp_path):
    tf1 = _tf()
    vocab = _vocab(tmp_path)
    batches = [np.array([[0, 3], [4, 4]], np.int64), np.array([[1, 2], [4, 0]], np.int64)]
    got = {}
    for lib in (tf, tf1):
        g = lib.Graph()
        with g.as_default():
            lib.set_random_seed(5)
            t = lib.placeholder(lib.int64, [None, 2])
            outs = _sampler_calls(lib, t, vocab)
            keys = (lambda o: o._attrs) if lib is tf else (lambda o: o.node_def.attr)
            nodes = [(o.name, o.type, {k: o.get_attr(k) for k in keys(o)})
                     for o in g.get_operations() if o.type not in ("Const", "Placeholder")]
            shapes = [[x.shape.as_list() for x in o] for o in outs]
            with lib.Session(graph=g) as s:
                runs = [s.run(outs, {t: b}) for b in batches]
        got[lib] = nodes, shapes, runs
    ours, theirs = got[tf], got[tf1]
    for (n1, t1, a1), (n2, t2, a2) in zip(ours[0], theirs[0]):
        assert (n1, t1) == (n2, t2)
        assert set(a1) == set(a2), n1
        for k, v in a2.items():
            v = v.decode() if isinstance(v, bytes) else v
            assert a1[k] == v or np.allclose(a1[k], v), (n1, k, a1[k], v)
    assert len(ours[0]) == len(theirs[0])
    assert ours[1] == theirs[1]
    for r1, r2 in zip(ours[2], theirs[2]):
        for i, (o1, o2) in enumerate(zip(r1, r2)):
            if i == 8:  # compute_accidental_hits: exact
                for a, b in zip(o1, o2):
                    np.testing.assert_array_equal(a, b)
                    assert a.dtype == b.dtype
                continue
            if i == 7:
                np.testing.assert_array_equal(o1[0], o2[0])
            if i != 2:  # unique draws: counts depend on the number of tries
                np.testing.assert_allclose(o1[1], o2[1], rtol=1e-6)
            assert [x.dtype for x in o1] == [x.dtype for x in o2]


def test_unique_counts_follow_tfs_formula():
    """TF's own unique log-uniform outputs satisfy the check applied to ours."""
    tf1 = _tf()
    for lib in (tf, tf1):
        with lib.Graph().as_default():
            out = lib.random.log_uniform_candidate_sampler(TC, 2, 7, True, 10)
            with lib.Session() as s:
                for _ in range(5):
                    smp, tc_, sc_ = s.run(out)
                    _check_unique_counts(smp, tc_, sc_, _log_uniform_p(TC, 10),
                                         _log_uniform_p(smp, 10), 7)


def test_accidental_hits_random_inputs_match_tf():
    tf1 = _tf()
    rng = np.random.RandomState(3)
    for trial in range(5):
        tc = rng.randint(0, 8, (6, 3)).astype(np.int64)
        sc = rng.randint(0, 8, rng.randint(1, 10)).astype(np.int64)
        res = []
        for lib in (tf, tf1):
            with lib.Graph().as_default():
                h = lib.nn.compute_accidental_hits(tc, sc, 3)
                with lib.Session() as s:
                    res.append(s.run(h))
        for a, b in zip(*res):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype


def test_our_graph_def_runs_in_tf():
    tf1 = _tf()
    g = tf.Graph()
    with g.as_default():
        out = R.fixed_unigram_candidate_sampler(TC, 2, 3, False, 10, unigrams=[2.0] * 10,
                                                name="fixed")
        tf.nn.compute_accidental_hits(TC, out.sampled_candidates, 2, name="hits")
    gd = tf1.GraphDef.FromString(g.as_graph_def().SerializeToString())
    with tf1.Graph().as_default() as tg:
        tf1.import_graph_def(gd, name="")
        with tf1.Session(graph=tg) as s:
            cnt, ids = s.run(["fixed:1", "hits:1"])
    np.testing.assert_allclose(cnt, np.full((3, 2), 0.3), rtol=1e-6)
    assert ids.dtype == np.int64


def test_tf_graph_def_runs_here():
    tf1 = _tf()
    with tf1.Graph().as_default() as tg:
        tf1.random.fixed_unigram_candidate_sampler(TC, 2, 3, True, 10, unigrams=[1.0] * 10,
                                                   num_reserved_ids=0, name="fixed")
        tf1.random.learned_unigram_candidate_sampler(TC, 2, 4, False, 10, seed=3, name="lg")
    with tf.Graph().as_default() as g:
        tf.import_graph_def(tg.as_graph_def(), name="")
        op = g.get_operation_by_name("fixed")
        assert op.get_attr("unigrams") == [1.0] * 10 and op.get_attr("vocab_file") == ""
        assert g.get_operation_by_name("lg").get_attr("seed2") == 3
        with tf.Session() as s:
            smp, cnt = s.run(["fixed:0", "lg:1"])
    assert len(set(smp.tolist())) == 3
    np.testing.assert_allclose(cnt, np.full((3, 2), 0.4), rtol=1e-6)


def test_namespaces_as_tf():
    tf1 = _tf()
    for name in ("uniform_candidate_sampler", "log_uniform_candidate_sampler",
                 "learned_unigram_candidate_sampler", "fixed_unigram_candidate_sampler",
                 "all_candidate_sampler"):
        assert hasattr(tf1.random, name) and callable(getattr(tf.random, name))
        assert hasattr(tf1.nn, name) and callable(getattr(tf.nn, name))
    assert hasattr(tf1.nn, "compute_accidental_hits") and callable(tf.nn.compute_accidental_hits)
    assert not hasattr(tf1.random, "compute_accidental_hits")
    assert not hasattr(tf.random, "compute_accidental_hits")


# -- seeds ------------------------------------------------------------------------------------
def test_graph_seed_reproduces_draws_in_new_sessions():
    def draws():
        with tf.Graph().as_default():
            tf.set_random_seed(11)
            out = R.log_uniform_candidate_sampler(TC, 2, 6, True, 1000)
            return [r.sampled_candidates.tolist() for r in _run(out, n=3)]
    a, b = draws(), draws()
    assert a == b and a[0] != a[1]
    t = tf.constant(TC)
    x = R.uniform_candidate_sampler(t, 2, 3, True, 10)
    y = R.uniform_candidate_sampler(t, 2, 3, True, 10, seed=2)
    assert (x.sampled_candidates.op.get_attr("seed"), x.sampled_candidates.op.get_attr("seed2")) \
        == (0, 0)
    assert (y.sampled_candidates.op.get_attr("seed"), y.sampled_candidates.op.get_attr("seed2")) \
        == (87654321, 2)


# -- errors -----------------------------------------------------------------------------------
def test_build_errors():
    with pytest.raises(ValueError, match="must be rank 2"):
        R.log_uniform_candidate_sampler(tf.placeholder(tf.int64, [3]), 2, 5, True, 10)
    with pytest.raises(TypeError, match="int64"):
        R.log_uniform_candidate_sampler(tf.placeholder(tf.int32, [3, 2]), 2, 5, True, 10)
    for kw, attr in (({"num_sampled": 0}, "num_sampled"), ({"num_true": 0}, "num_true"),
                     ({"range_max": 0}, "range_max")):
        args = dict(true_classes=TC, num_true=2, num_sampled=5, unique=True, range_max=10)
        args.update(kw)
        with pytest.raises(ValueError, match=f"Attr '{attr}'.*less than minimum"):
            R.log_uniform_candidate_sampler(**args)
    with pytest.raises(ValueError, match="Attr 'num_shards'"):
        R.fixed_unigram_candidate_sampler(TC, 2, 2, True, 10, unigrams=[1] * 10, num_shards=0)
    with pytest.raises(ValueError, match="Attr 'shard'"):
        R.fixed_unigram_candidate_sampler(TC, 2, 2, True, 10, unigrams=[1] * 10, shard=-1)
    with pytest.raises(ValueError, match="too large"):
        R.learned_unigram_candidate_sampler(TC, 2, 2, True, 2 ** 31)
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2"):
        tf.nn.compute_accidental_hits(TC, [1, 2], 3)
    with pytest.raises(ValueError, match="must be rank 1"):
        tf.nn.compute_accidental_hits(TC, [[1, 2]], 2)


@pytest.mark.parametrize("build, feed, msg", [
    (lambda t: R.log_uniform_candidate_sampler(t, 2, 11, True, 10), TC, "range is too small"),
    (lambda t: R.log_uniform_candidate_sampler(t, 3, 5, True, 10), TC,
     "num_true columns, expected: 3 was: 2"),
    (lambda t: R.uniform_candidate_sampler(t, 2, 5, True, 10), np.array([1, 2]),
     "must be a matrix"),
    (lambda t: R.uniform_candidate_sampler(t, 2, 5, False, 10), np.array([[1, -2]]),
     r"out of range \[0, 10\), received -2"),
    (lambda t: R.learned_unigram_candidate_sampler(t, 2, 5, False, 9), TC,
     r"out of range \[0, 9\), received 9"),
    (lambda t: R.all_candidate_sampler(t, 2, 5, False), TC,
     r"out of range \[0, 5\), received 5"),
    (lambda t: R.fixed_unigram_candidate_sampler(t, 2, 5, True, 12, unigrams=[1.0] * 10), TC,
     "range is 12 must be equal to weights size  10"),
    (lambda t: R.fixed_unigram_candidate_sampler(t, 2, 5, True, 10), TC,
     "Must provide either vocab_file or unigrams"),
    (lambda t: R.fixed_unigram_candidate_sampler(t, 2, 5, True, 10, unigrams=[0, 0, 1.0]), TC,
     "equal to weights size"),
    (lambda t: R.fixed_unigram_candidate_sampler(t, 2, 3, True, 10,
                                                 unigrams=[1.0, 1] + [0.0] * 8), TC,
     "nonzero probability"),
    (lambda t: tf.nn.compute_accidental_hits(t, [1, 2], 3), np.array([[1, 2, 3]]), None),
])
def test_run_errors(build, feed, msg):
    t = tf.placeholder(tf.int64)
    out = build(t)
    with tf.Session() as s:
        if msg is None:  # a well-formed call: no error
            s.run(out, {t: feed})
            return
        with pytest.raises(errors.InvalidArgumentError, match=msg):
            s.run(out, {t: feed})


def test_vocab_file_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a,1\nb\tx\n")
    for path, cls, msg in ((str(bad), errors.InvalidArgumentError,
                            "Wrong vocabulary format at line: b\tx"),
                           (str(tmp_path / "missing.txt"), errors.NotFoundError,
                            "No such file")):
        with tf.Graph().as_default():
            out = R.fixed_unigram_candidate_sampler(TC, 2, 1, False, 2, vocab_file=path)
            with tf.Session() as s, pytest.raises(cls, match=msg):
                s.run(out)
    with tf.Graph().as_default():
        out = R.fixed_unigram_candidate_sampler(TC, 2, 1, False, 2, vocab_file=str(bad),
                                                unigrams=[1.0, 2.0])
        with tf.Session() as s, pytest.raises(errors.InvalidArgumentError,
                                              match="Must only provide one"):
            s.run(out)


def test_thread_unsafe_unigram_sampler_as_tf():
    """TF's raw ThreadUnsafeUnigramCandidateSampler, imported from TF's GraphDef, learns
    from the true classes as TF's does."""
    tf1 = _tf()
    batches = [TC, np.array([[2, 2], [2, 7]], np.int64), TC]
    with tf1.Graph().as_default() as tg:
        t = tf1.placeholder(tf1.int64, [None, 2], name="t")
        tf1.raw_ops.ThreadUnsafeUnigramCandidateSampler(
            true_classes=t, num_true=2, num_sampled=4, unique=False, range_max=10, name="tu")
        with tf1.Session() as s:
            want = [s.run("tu:1", {"t:0": b}) for b in batches]
    with tf.Graph().as_default():
        tf.import_graph_def(tg.as_graph_def(), name="")
        with tf.Session() as s:
            got = [s.run("tu:1", {"t:0": b}) for b in batches]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
