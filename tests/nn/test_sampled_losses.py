"""tf.nn.nce_loss and tf.nn.sampled_softmax_loss against real TensorFlow: both get the same
`sampled_values`, so losses and gradients (weights and biases as IndexedSlices, inputs
dense) must agree; plus partitioned weights, accidental hits, the default sampler, errors
and a word2vec-style training run."""
import numpy as np
import pytest

import flowgraph as fg

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

RNG = np.random.RandomState(7)


def _dense(v, shape):
    """A fetched gradient (array or IndexedSlicesValue) as a dense array."""
    if hasattr(v, "indices"):
        out = np.zeros(shape, v.values.dtype)
        np.add.at(out, np.asarray(v.indices), v.values)
        return out
    return np.asarray(v)


def _problem(num_classes=10, dim=4, batch=3, num_true=1, num_sampled=5, shards=1,
             dtype=np.float32, seed=0):
    rng = np.random.RandomState(seed)
    w = rng.uniform(-1, 1, (num_classes, dim)).astype(dtype)
    if shards > 1:
        w = np.array_split(w, shards)  # shard sizes differ by at most one, as 'div' wants
    b = rng.uniform(-1, 1, num_classes).astype(dtype)
    x = rng.uniform(-1, 1, (batch, dim)).astype(dtype)
    labels = rng.randint(0, num_classes, (batch, num_true)).astype(np.int64)
    return w, b, x, labels


def _mod_shards(w, n):
    """The shards of table `w` under the 'mod' strategy: row r goes to shard r % n."""
    return [w[i::n] for i in range(n)]


def _run(lib, loss_fn, w, b, x, labels, sampled_values, **kw):
    """(loss, d/dweights per shard, d/dbiases, d/dinputs, gradient kinds) in `lib`."""
    g = lib.Graph()
    with g.as_default():
        shards = w if isinstance(w, list) else [w]
        wt = [lib.constant(s) for s in shards]
        bt, xt = lib.constant(b), lib.constant(x)
        sv = None if sampled_values is None else tuple(lib.constant(v) for v in sampled_values)
        loss = loss_fn(lib)(weights=wt if isinstance(w, list) else wt[0], biases=bt,
                            labels=lib.constant(labels), inputs=xt, sampled_values=sv, **kw)
        coef = np.linspace(0.5, 1.5, x.shape[0]).astype(x.dtype)
        grads = lib.gradients(lib.reduce_sum(loss * coef), wt + [bt, xt])
        kinds = ["IndexedSlices" if hasattr(gr, "indices") else "Tensor" for gr in grads]
        with lib.Session(graph=g) as s:
            out = s.run([loss] + grads)
    dense = [_dense(v, t.shape) for v, t in zip(out[1:], shards + [b, x])]
    return out[0], dense, kinds


def _compare(name, w, b, x, labels, sampled_values, rtol=1e-5, atol=1e-5, **kw):
    fn = lambda lib: getattr(lib.nn, name)  # noqa: E731
    ours = _run(fg, fn, w, b, x, labels, sampled_values, **kw)
    theirs = _run(tf1, fn, w, b, x, labels, sampled_values, **kw)
    assert ours[0].dtype == theirs[0].dtype and ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=atol)
    for a, t in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, t, rtol=rtol, atol=atol)
    assert ours[2] == theirs[2]  # IndexedSlices for weights and biases, Tensor for inputs
    return ours


def _values(sampled, true_shape, rng=RNG, unique=True):
    sampled = np.asarray(sampled, np.int64)
    tec = rng.uniform(0.05, 1.5, true_shape).astype(np.float32)
    sec = rng.uniform(0.05, 1.5, sampled.shape).astype(np.float32)
    return sampled, tec, sec


@pytest.mark.parametrize("name", ["nce_loss", "sampled_softmax_loss"])
@pytest.mark.parametrize("hits", [False, True])
def test_single_table_matches_tf(name, hits):
    w, b, x, labels = _problem()
    labels[:, 0] = [1, 4, 7]
    sv = _values([4, 0, 9, 7, 2], labels.shape)  # 4 and 7 are accidental hits
    ours = _compare(name, w, b, x, labels, sv, num_sampled=5, num_classes=10,
                    remove_accidental_hits=hits)
    assert ours[2] == ["IndexedSlices", "IndexedSlices", "Tensor"]


@pytest.mark.parametrize("name", ["nce_loss", "sampled_softmax_loss"])
def test_num_true_two_matches_tf(name):
    w, b, x, labels = _problem(num_true=2, batch=4, num_sampled=6)
    labels[0] = [3, 3]  # a repeated true class: two hits on one sampled position
    sv = _values([3, 5, 5, 0, 8, 1], labels.shape)  # repeated samples: TF masks the last
    for hits in (False, True):
        _compare(name, w, b, x, labels, sv, num_sampled=6, num_classes=10, num_true=2,
                 remove_accidental_hits=hits)


@pytest.mark.parametrize("strategy", ["mod", "div"])
@pytest.mark.parametrize("name", ["nce_loss", "sampled_softmax_loss"])
def test_partitioned_weights_match_tf(strategy, name):
    w, b, x, labels = _problem(num_classes=11, shards=3)
    if strategy == "mod":
        w = _mod_shards(np.concatenate(w), 3)
    sv = _values([10, 0, 5, 3, 6], labels.shape)
    ours = _compare(name, w, b, x, labels, sv, num_sampled=5, num_classes=11,
                    partition_strategy=strategy)
    assert ours[2] == ["IndexedSlices"] * 4 + ["Tensor"]


def _f64(sv):
    return tuple(v.astype(np.float64) if v.dtype.kind == "f" else v for v in sv)


def test_float64_inputs_and_int32_labels_match_tf():
    w, b, x, labels = _problem(dtype=np.float64)
    sv = _f64(_values([2, 6, 1, 8, 9], labels.shape))
    for name in ("nce_loss", "sampled_softmax_loss"):
        ours = _compare(name, w, b, x, labels.astype(np.int32), sv, num_sampled=5,
                        num_classes=10, remove_accidental_hits=True)
        assert ours[0].dtype == np.float64


def test_float32_table_float64_inputs_match_tf():
    w, b, x, labels = _problem()
    sv = _values([2, 6, 1, 8, 9], labels.shape)
    _compare("nce_loss", w, b, x.astype(np.float64), labels, _f64(sv), num_sampled=5,
             num_classes=10, remove_accidental_hits=True)
    for lib in (fg, tf1):  # float32 expected counts do not mix with float64 logits
        with lib.Graph().as_default(), pytest.raises(TypeError):
            lib.nn.nce_loss(lib.constant(w), lib.constant(b), labels,
                            lib.constant(x.astype(np.float64)), 5, 10, sampled_values=sv)


def test_losses_by_hand():
    """The sampled softmax and NCE formulas, evaluated with numpy."""
    w, b, x, labels = _problem(batch=2)
    labels[:, 0] = [1, 2]
    sampled, tec, sec = _values([2, 5, 0], labels.shape)
    true_logit = np.sum(x * w[labels[:, 0]], 1) + b[labels[:, 0]] - np.log(tec[:, 0])
    samp_logit = x @ w[sampled].T + b[sampled] - np.log(sec)
    samp_hit = samp_logit.copy()
    samp_hit[1, 0] = -np.finfo(np.float32).max  # row 1's true class 2 was sampled first
    all_logits = np.concatenate([true_logit[:, None], samp_hit], 1)
    want_softmax = -true_logit + np.log(np.sum(np.exp(all_logits), 1))
    sp = lambda z: np.log1p(np.exp(z))  # noqa: E731
    want_nce = sp(-true_logit) + np.sum(sp(samp_logit), 1)
    with fg.Graph().as_default():
        args = dict(weights=fg.constant(w), biases=fg.constant(b), labels=labels,
                    inputs=fg.constant(x), num_sampled=3, num_classes=10,
                    sampled_values=(sampled, tec, sec))
        s = fg.nn.sampled_softmax_loss(**args)
        n = fg.nn.nce_loss(**args)
        with fg.Session() as sess:
            got_s, got_n = sess.run([s, n])
    np.testing.assert_allclose(got_s, want_softmax, rtol=1e-5)
    np.testing.assert_allclose(got_n, want_nce, rtol=1e-5)


def test_default_sampler_as_tf():
    """Without sampled_values both draw with a unique log-uniform sampler over
    num_classes; sampled_softmax_loss passes its seed on."""
    w, b, x, labels = _problem(num_true=2)
    for lib in (fg, tf1):
        g = lib.Graph()
        with g.as_default():
            lib.set_random_seed(3)
            s = lib.nn.sampled_softmax_loss(lib.constant(w), lib.constant(b), labels,
                                            lib.constant(x), 4, 10, num_true=2, seed=9)
            n = lib.nn.nce_loss(lib.constant(w), lib.constant(b), labels, lib.constant(x),
                                4, 10, num_true=2)
            ops = [o for o in g.get_operations() if o.type == "LogUniformCandidateSampler"]
            got = [(o.name, o.get_attr("unique"), o.get_attr("range_max"),
                    o.get_attr("num_true"), o.get_attr("num_sampled"), o.get_attr("seed"),
                    o.get_attr("seed2")) for o in ops]
            if lib is fg:
                ours = got
                assert s.shape.as_list() == [3] and n.shape.as_list() == [3]
                with lib.Session(graph=g) as sess:
                    vs, vn = sess.run([s, n])
                assert np.all(np.isfinite(vs)) and np.all(vs > 0) and np.all(vn > 0)
            else:
                assert ours == got


def test_errors():
    w, b, x, labels = _problem()
    sv = _values([1, 2, 3, 4, 5], labels.shape)
    with pytest.raises(ValueError, match="Unrecognized partition strategy"):
        fg.nn.nce_loss([fg.constant(w[:5]), fg.constant(w[5:])], b, labels, x, 5, 10,
                       sampled_values=sv, partition_strategy="bad")
    with pytest.raises(ValueError):  # inputs' dim does not match the table's
        fg.nn.nce_loss(fg.constant(w), b, labels, fg.constant(x[:, :3]), 5, 10,
                       sampled_values=sv)


@pytest.mark.parametrize("name", ["nce_loss", "sampled_softmax_loss"])
@pytest.mark.parametrize("shards", [1, 3])
def test_numeric_gradients(name, shards):
    """Gradients against central differences, in float64, for weights (each shard),
    biases and inputs."""
    from flowgraph.test.gradient_checker import compute_gradient_error
    w, b, x, labels = _problem(num_true=2, shards=shards, dtype=np.float64)
    sv = _f64(_values([3, 8, 1, 0], labels.shape))
    g = fg.Graph()
    with g.as_default():
        shards_ = w if isinstance(w, list) else [w]
        phs = [fg.placeholder(fg.float64, s.shape) for s in shards_ + [b, x]]
        loss = getattr(fg.nn, name)(phs[:-2] if shards > 1 else phs[0], phs[-2], labels,
                                    phs[-1], 4, 10, num_true=2, sampled_values=sv,
                                    partition_strategy="div")
        vals = shards_ + [b, x]
        with fg.Session(graph=g) as s:
            for i, (p, v) in enumerate(zip(phs, vals)):
                others = {q: u for j, (q, u) in enumerate(zip(phs, vals)) if j != i}
                err = compute_gradient_error(p, v.shape, loss, [3], x_init_value=v,
                                             extra_feed_dict=others, session=s)
                assert err < 1e-6, (i, err)


@pytest.mark.parametrize("shards", [1, 2])
def test_word2vec_training_reduces_loss(shards):
    """Skip-gram with NCE (word2vec_basic's graph): the loss falls with plain SGD on sparse
    gradients (into one table or into each of its shards), drawing with the default
    sampler."""
    vocab, dim, batch = 50, 8, 32
    rng = np.random.RandomState(0)
    centers = rng.randint(0, vocab, 400)
    contexts = (centers * 7 + 3) % vocab  # each word has one context word
    g = fg.Graph()
    with g.as_default():
        fg.set_random_seed(1)
        inp = fg.placeholder(fg.int32, [batch])
        lab = fg.placeholder(fg.int32, [batch, 1])
        emb = fg.Variable(fg.random_uniform([vocab, dim], -1.0, 1.0))
        nce_w = [fg.Variable(fg.truncated_normal([vocab // shards, dim],
                                                 stddev=1.0 / np.sqrt(dim)))
                 for _ in range(shards)]
        nce_b = fg.Variable(fg.zeros([vocab]))
        embed = fg.nn.embedding_lookup(emb, inp)
        loss = fg.reduce_mean(fg.nn.nce_loss(nce_w if shards > 1 else nce_w[0], nce_b, lab, embed,
                                             num_sampled=8,
                                             num_classes=vocab))
        step = fg.train.GradientDescentOptimizer(1.0).minimize(loss)
        with fg.Session(graph=g) as s:
            s.run(fg.global_variables_initializer())
            losses = []
            for i in range(300):
                j = (i * batch) % (len(centers) - batch)
                feed = {inp: centers[j:j + batch], lab: contexts[j:j + batch, None]}
                losses.append(s.run([loss, step], feed)[0])
    first, last = np.mean(losses[:20]), np.mean(losses[-20:])
    assert last < 0.5 * first, (first, last)
