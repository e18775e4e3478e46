"""tf.distributions against TensorFlow's (tf.compat.v1.distributions): the same values of
log_prob, prob, cdf, entropy, moments and KL divergences, the same gradients of log_prob
with respect to the parameters, the same static shapes and names; samples have the right
shapes and moments."""
import numpy as np
import pytest

import flowgraph as fg

X = np.array([[-0.7, 0.3, 1.9], [0.2, 2.5, -1.1]], np.float32)
LOC = np.array([0.1, -0.5, 1.0], np.float32)
SCALE = np.array([0.7, 1.3, 2.0], np.float32)
LOGITS = np.array([0.4, -1.2, 2.0], np.float32)
CAT_LOGITS = np.array([[0.2, 1.0, -0.5, 0.3], [1.5, -0.3, 0.0, 0.7]], np.float32)


# name: (class, parameter names, parameter values, x, methods of x, statistics)
DISTS = {
    "normal": ("Normal", ["loc", "scale"], [LOC, SCALE], X,
               ["log_prob", "prob", "cdf", "log_cdf", "survival_function",
                "log_survival_function"], ["entropy", "mean", "mode", "stddev", "variance"]),
    "bernoulli": ("Bernoulli", ["logits"], [LOGITS], np.array([[1, 0, 1], [0, 0, 1]]),
                  ["log_prob", "prob"], ["entropy", "mean", "mode", "stddev", "variance"]),
    "bernoulli_probs": ("Bernoulli", ["probs"], [np.float32([0.2, 0.6, 0.9])],
                        np.array([1, 0, 0]), ["log_prob", "prob"], ["entropy", "mean"]),
    "categorical": ("Categorical", ["logits"], [CAT_LOGITS],
                    np.array([[3, 0], [1, 2], [2, 2]]), ["log_prob", "prob", "cdf"],
                    ["entropy", "mode"]),
    "categorical_probs": ("Categorical", ["probs"], [np.float32([0.1, 0.2, 0.7])],
                          np.array([0, 2, 1, 1]), ["log_prob", "cdf"],
                          ["entropy", "mode"]),
    "uniform": ("Uniform", ["low", "high"], [np.float32([0., -1., 0.5]),
                                             np.float32([1., 2., 0.75])], X,
                ["prob", "cdf"], ["entropy", "mean", "stddev", "variance"]),
}


def test_categorical_cdf_outside_the_classes_vs_tf():
    tf1 = _tf1()
    k = np.array([-1, 0, 3, 5])
    got = []
    for tfm in (fg, tf1):
        with tfm.Graph().as_default():
            c = tfm.distributions.Categorical(probs=[0.1, 0.2, 0.7])
            with tfm.Session() as s:
                got.append(s.run(c.cdf(k)))
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6)


def _quantiles(tfm):
    p = np.array([1e-6, 0.001, 0.02, 0.1, 0.3, 0.5, 0.77, 0.98, 0.9999, 0., 1.], np.float32)
    with tfm.Graph().as_default():
        loc, scale = tfm.constant(LOC[:1]), tfm.constant(SCALE[:1])
        q = tfm.distributions.Normal(loc, scale).quantile(p)
        grads = tfm.gradients(tfm.reduce_sum(q[:-2]), [loc, scale])
        with tfm.Session() as s:
            return s.run([q] + grads)


def test_normal_quantile_vs_tf():
    tf1 = _tf1()
    for o, t in zip(_quantiles(fg), _quantiles(tf1)):
        np.testing.assert_allclose(o, t, rtol=2e-5, atol=2e-6)


def _tf1():
    return pytest.importorskip("tensorflow").compat.v1


def _evaluate(tfm, name):
    cls, names, values, x, methods, stats = DISTS[name]
    with tfm.Graph().as_default():
        params = [tfm.constant(v) for v in values]
        dist = getattr(tfm.distributions, cls)(**dict(zip(names, params)))
        outs = [getattr(dist, m)(x) for m in methods] + [getattr(dist, s)() for s in stats]
        diff = [o for o in outs if o.dtype.is_floating]
        grads = tfm.gradients(tfm.add_n([tfm.reduce_sum(o * (i + 1.0))
                                         for i, o in enumerate(diff[:1])]), params)
        info = (dist.name, dist.batch_shape.as_list(), dist.event_shape.as_list(),
                dist.dtype.name, repr(dist.reparameterization_type),
                [o.shape.as_list() for o in outs], [o.name for o in outs])
        with tfm.Session() as s:
            return info, s.run(outs), s.run([g for g in grads if g is not None])


@pytest.mark.parametrize("name", sorted(DISTS))
def test_values_shapes_and_gradients_vs_tf(name):
    tf1 = _tf1()
    (info, ours, ours_g), (tinfo, theirs, theirs_g) = _evaluate(fg, name), \
        _evaluate(tf1, name)
    assert info[:6] == tinfo[:6]
    assert [n.split("/")[:2] for n in info[6]] == [n.split("/")[:2] for n in tinfo[6]]
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=2e-5, atol=1e-6)
    assert len(ours_g) == len(theirs_g)
    for o, t in zip(ours_g, theirs_g):
        np.testing.assert_allclose(o, t, rtol=2e-5, atol=1e-6)


def _kl_values(tfm):
    d = tfm.distributions
    with tfm.Graph().as_default():
        a_loc, a_scale = tfm.constant(LOC), tfm.constant(SCALE)
        a = d.Normal(a_loc, a_scale)
        kls = [d.kl_divergence(a, d.Normal(0.3, 1.5)),
               a.kl_divergence(d.Normal(LOC[::-1], SCALE[::-1])),
               a.cross_entropy(d.Normal(1.0, 0.5)),
               d.kl_divergence(d.Bernoulli(logits=LOGITS), d.Bernoulli(probs=0.3)),
               d.kl_divergence(d.Categorical(logits=CAT_LOGITS),
                               d.Categorical(logits=CAT_LOGITS[::-1]))]
        grads = tfm.gradients(kls[0], [a_loc, a_scale])
        with tfm.Session() as s:
            return kls[0].name, s.run(kls), s.run(grads)


def test_kl_divergence_vs_tf():
    tf1 = _tf1()
    (name, ours, ours_g), (tname, theirs, theirs_g) = _kl_values(fg), _kl_values(tf1)
    assert name.split("/")[:2] == tname.split("/")[:2] == ["KullbackLeibler",
                                                           "kl_normal_normal"]
    for o, t in zip(ours + ours_g, theirs + theirs_g):
        np.testing.assert_allclose(o, t, rtol=2e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="No KL"):
        fg.distributions.kl_divergence(fg.distributions.Bernoulli(logits=0.),
                                       fg.distributions.Normal(0., 1.))


@pytest.mark.parametrize("shape", [(), 5, [4, 3]])
def test_sample_shapes_and_moments(shape):
    d = fg.distributions
    dists = [d.Normal(LOC, SCALE), d.Bernoulli(logits=LOGITS), d.Uniform([0., 1.], 3.),
             d.Categorical(logits=CAT_LOGITS)]
    samples = [x.sample(shape, seed=11) for x in dists]
    big = [x.sample(20000, seed=5) for x in dists]
    prefix = list(np.atleast_1d(shape)) if np.ndim(shape) or shape != () else []
    with fg.Session() as s:
        small, large = s.run(samples), s.run(big)
        again = s.run(samples[0])
    for x, v in zip(dists, small):
        assert list(v.shape) == prefix + x.batch_shape.as_list()
        assert v.dtype == x.dtype.as_numpy_dtype
    assert samples[0].shape.as_list() == prefix + [3]
    assert not np.array_equal(small[0], again)  # a fresh draw per run
    np.testing.assert_allclose(large[0].mean(0), LOC, atol=0.05)
    np.testing.assert_allclose(large[0].std(0), SCALE, rtol=0.03)
    np.testing.assert_allclose(large[1].mean(0), 1 / (1 + np.exp(-LOGITS)), atol=0.02)
    assert set(np.unique(large[1])) <= {0, 1}
    np.testing.assert_allclose(large[2].mean(0), [1.5, 2.0], atol=0.03)
    assert large[2].min() >= 0 and large[2].max() < 3
    freq = np.stack([(large[3] == k).mean(0) for k in range(4)], -1)
    p = np.exp(CAT_LOGITS) / np.exp(CAT_LOGITS).sum(-1, keepdims=True)
    np.testing.assert_allclose(freq, p, atol=0.02)


def test_reparameterized_sample_gradient():
    loc = fg.constant(LOC)
    s = fg.distributions.Normal(loc, SCALE).sample(7, seed=1)
    g = fg.gradients(fg.reduce_sum(s), loc)[0]
    with fg.Session() as sess:
        np.testing.assert_allclose(sess.run(g), np.full(3, 7.0))


def test_base_class_api():
    d = fg.distributions
    n = d.Normal(loc=0., scale=1., name="foo")
    assert n.name == "foo/" and n.log_prob(1.).name.startswith("foo/log_prob/")
    assert d.Normal(0., 1., name="foo").name == "foo_1/"
    assert n.reparameterization_type is d.FULLY_REPARAMETERIZED
    assert d.Bernoulli(probs=0.5).reparameterization_type == d.NOT_REPARAMETERIZED
    assert set(n.parameters) == {"loc", "scale", "validate_args", "allow_nan_stats", "name"}
    assert isinstance(n, d.Distribution)
    copy = n.copy(scale=2.0)
    with fg.Session() as s:
        assert s.run(copy.stddev()) == 2.0
        assert s.run([n.is_scalar_batch(), n.is_scalar_event()]) == [True, True]
        np.testing.assert_array_equal(s.run(d.Normal(LOC, 1.).batch_shape_tensor()), [3])
    with pytest.raises(NotImplementedError, match="covariance is not implemented: Normal"):
        n.covariance()
    with pytest.raises(ValueError, match="Must pass probs or logits, but not both."):
        d.Bernoulli(probs=0.3, logits=0.2)
    assert d.Categorical(logits=CAT_LOGITS).event_size.name == "Categorical/event_size:0"

    class Mine(d.Normal):
        pass
    assert d.kl_divergence(Mine(0., 1.), d.Normal(0., 2.)).dtype == fg.float32
    with pytest.raises(ValueError, match="already been registered"):
        d.RegisterKL(d.Normal, d.Normal)(lambda a, b, name=None: None)
