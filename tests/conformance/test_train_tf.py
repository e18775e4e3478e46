"""Training against real TensorFlow: the same model, initial values, feeds and optimizer,
5 steps; every variable and slot must agree after every step. Also the update ops (types,
names, slot names and ref inputs), the raw Apply*/SparseApply* kernels one by one, the
learning-rate schedules and the clip ops."""
import re

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402
from flowgraph.framework import registry  # noqa: E402


@pytest.fixture(autouse=True)
def _tf_ref_variables():
    """TF1 optimizers on ref variables, as flowgraph has them."""
    tf1.disable_resource_variables()
    yield
    tf1.enable_resource_variables()


OPTIMIZERS = {
    "gd": lambda tf: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda tf: tf.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda tf: tf.train.MomentumOptimizer(0.05, 0.8, use_nesterov=True),
    "adagrad": lambda tf: tf.train.AdagradOptimizer(0.2, initial_accumulator_value=0.3),
    "adadelta": lambda tf: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6),
    "rmsprop": lambda tf: tf.train.RMSPropOptimizer(0.01),
    "rmsprop_centered": lambda tf: tf.train.RMSPropOptimizer(0.02, decay=0.8, momentum=0.5,
                                                             epsilon=1e-6, centered=True),
    "adam": lambda tf: tf.train.AdamOptimizer(0.01),
    "adam_named": lambda tf: tf.train.AdamOptimizer(0.05, beta1=0.8, beta2=0.99,
                                                    epsilon=1e-4, name="MyAdam"),
    "ftrl": lambda tf: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                              l2_regularization_strength=0.02),
    "ftrl_power": lambda tf: tf.train.FtrlOptimizer(0.2, learning_rate_power=-0.7,
                                                    initial_accumulator_value=0.5),
    "ftrl_shrinkage": lambda tf: tf.train.FtrlOptimizer(
        0.1, l1_regularization_strength=0.001, l2_shrinkage_regularization_strength=0.1),
    "ftrl_beta": lambda tf: tf.train.FtrlOptimizer(0.1, l2_regularization_strength=0.01,
                                                   beta=0.5),
    "ftrl_shrinkage_l2_power": lambda tf: tf.train.FtrlOptimizer(
        0.15, learning_rate_power=-0.6, l1_regularization_strength=0.02,
        l2_regularization_strength=0.03, l2_shrinkage_regularization_strength=0.2),
    "proximal_gd": lambda tf: tf.train.ProximalGradientDescentOptimizer(0.1),
    "proximal_gd_l1_l2": lambda tf: tf.train.ProximalGradientDescentOptimizer(
        0.2, l1_regularization_strength=0.05, l2_regularization_strength=0.1),
    "proximal_adagrad": lambda tf: tf.train.ProximalAdagradOptimizer(0.3),
    "proximal_adagrad_l1_l2": lambda tf: tf.train.ProximalAdagradOptimizer(
        0.2, initial_accumulator_value=0.4, l1_regularization_strength=0.03,
        l2_regularization_strength=0.2, name="MyProx"),
    "adagrad_da": lambda tf: tf.train.AdagradDAOptimizer(
        0.1, tf.train.get_or_create_global_step()),
    "adagrad_da_l1_l2": lambda tf: tf.train.AdagradDAOptimizer(
        0.2, tf.train.get_or_create_global_step(),
        initial_gradient_squared_accumulator_value=0.3, l1_regularization_strength=0.01,
        l2_regularization_strength=0.05),
}
# TF1 passes these optimizers' float32 hyperparameters uncast: float64 variables fail.
UNCAST = ("proximal_gd", "proximal_adagrad")

RNG = np.random.RandomState(7)
W0, B0, E0 = RNG.randn(3, 4), RNG.randn(4), RNG.randn(6, 4)
FEEDS = [(RNG.randn(5, 3), np.array([1, 3, 1, 0, 5], np.int32), RNG.randn(5, 4))
         for _ in range(5)]


def _build(tf, make_opt, dtype, decay_lr=False):
    """A model with dense (w, b), sparse (emb, fed as IndexedSlices) and frozen variables."""
    w = tf.Variable(W0.astype(dtype), name="w")
    b = tf.Variable(B0.astype(dtype), name="b")
    emb = tf.Variable(E0.astype(dtype), name="emb")
    frozen = tf.Variable(np.ones(4, dtype), name="frozen", trainable=False)
    x = tf.placeholder(dtype, [5, 3], name="x")
    ids = tf.placeholder(tf.int32, [5], name="ids")
    rows = tf.placeholder(dtype, [5, 4], name="rows")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b * frozen - 0.5)) + \
        tf.reduce_sum(tf.sin(b))
    step = tf.train.get_or_create_global_step()
    opt = make_opt(tf)
    gv = opt.compute_gradients(loss)
    assert [v.op.name for _, v in gv] == ["w", "b", "emb"]
    assert gv[2][0] is None  # emb does not reach the loss
    sparse = tf.IndexedSlices(rows, ids, tf.constant([6, 4]))
    train = opt.apply_gradients(gv[:2] + [(sparse, emb)], global_step=step)
    return opt, train, (x, ids, rows)


def _run(tf, make_opt, dtype):
    g = tf.Graph()
    with g.as_default():
        opt, train, phs = _build(tf, make_opt, dtype)
        names = sorted(v.op.name for v in tf.global_variables())
        slots = {(n, v.op.name): opt.get_slot(v, n).op.name
                 for n in opt.get_slot_names()
                 for v in tf.trainable_variables() if opt.get_slot(v, n) is not None}
        by_name = {v.op.name: v for v in tf.global_variables()}
        out = []
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for x, ids, rows in FEEDS:
                s.run(train, {phs[0]: x.astype(dtype), phs[1]: ids,
                              phs[2]: rows.astype(dtype)})
                out.append(s.run({n: by_name[n] for n in names}))
        info = dict(names=names, slots=slots, slot_names=opt.get_slot_names(),
                    variables=[v.op.name for v in opt.variables()], train=(train.name,
                                                                           train.type))
        return out, info, _update_ops(g)


def _update_ops(g):
    """(name, type, ref inputs, hyperparameter inputs) of the apply and scatter ops."""
    out = []
    for op in g.get_operations():
        if re.match(r"(Sparse)?Apply|Scatter", op.type):
            args = list(zip(op.inputs, registry.get(op.type).inputs))
            refs = [t.name for t, a in args if a.is_ref]
            hyper = [t.name for t, a in args if not a.is_ref and
                     a.name not in ("grad", "indices", "delta", "updates")]
            out.append((op.name, op.type, refs, hyper))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("which", sorted(OPTIMIZERS))
def test_optimizer_steps_match_tensorflow(which, dtype):
    if dtype == np.float64 and which.startswith(UNCAST):
        with pytest.raises(TypeError):
            _run(tf1, OPTIMIZERS[which], dtype)
        with pytest.raises(TypeError):
            _run(fg, OPTIMIZERS[which], dtype)
        return
    theirs, t_info, t_ops = _run(tf1, OPTIMIZERS[which], dtype)
    ours, o_info, o_ops = _run(fg, OPTIMIZERS[which], dtype)
    assert o_info == t_info
    if dtype == np.float64 and not which.startswith("adagrad_da"):
        # TF casts the float32 hyperparameters once per variable; we cast once per dtype
        # (Adagrad DA casts per variable, as TF).
        hypers = {tuple(x[3]) for x in o_ops}
        assert len(hypers) <= 2 and all(h.startswith(o_ops[0][0].split("/")[0] + "/Cast")
                                        for x in hypers for h in x if "Cast" in h)
        o_ops, t_ops = ([x[:3] for x in ops] for ops in (o_ops, t_ops))
    elif which.startswith("ftrl"):
        # TF builds l2 + beta / (2 * max(lr, 1e-36)) even when beta is 0; we skip that
        # arithmetic then, so the l2 input is a plain constant.
        o_ops, t_ops = ([x[:3] for x in ops] for ops in (o_ops, t_ops))
    if not which.startswith("adam"):
        # TF's sparse Adam is a composite of assigns and scatters; ours matches its values.
        assert o_ops == t_ops
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert sorted(a) == sorted(b)
        for name in a:
            np.testing.assert_allclose(a[name], b[name], err_msg=f"{which} step {step}: {name}",
                                       **tol)
    np.testing.assert_array_equal(ours[-1]["frozen"], np.ones(4))
    assert ours[-1]["global_step"] == 5


def _minimize_graph(tf, make_opt):
    x = tf.constant(RNG.randn(4, 3).astype(np.float32))
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    b = tf.Variable(np.zeros(2, np.float32), name="b")
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b))
    n0 = len(tf.get_default_graph().get_operations())
    make_opt(tf).minimize(loss)
    return tf.get_default_graph().get_operations()[n0:]


@pytest.mark.parametrize("which", ["gd", "momentum", "adam", "rmsprop", "ftrl", "proximal_gd_l1_l2",
                                   "proximal_adagrad", "adagrad_da"])
def test_minimize_graph_is_no_bigger_than_tensorflows(which):
    with tf1.Graph().as_default():
        theirs = _minimize_graph(tf1, OPTIMIZERS[which])
    with fg.Graph().as_default():
        ours = _minimize_graph(fg, OPTIMIZERS[which])
    assert len(ours) <= len(theirs), ([o.name for o in ours], [o.name for o in theirs])
    # Outside the gradients, the same ops with the same names.
    mine = [(o.name, o.type) for o in ours if not o.name.startswith("gradients")]
    want = [(o.name, o.type) for o in theirs if not o.name.startswith("gradients")]
    assert len(mine) <= len(want)
    extra = set(mine) - set(want) - {("Ftrl/l2_regularization_strength", "Const")}
    assert not extra, sorted(extra)


def test_sparse_minimize_through_gather_matches_tensorflow(monkeypatch):
    from flowgraph.ops import gather_ops
    monkeypatch.setattr(gather_ops, "SPARSE_GATHER_GRAD", True, raising=False)

    def run(tf):
        with tf.Graph().as_default():
            emb = tf.Variable(E0.astype(np.float32), name="emb")
            ids = tf.constant([2, 0, 2, 5], dtype=tf.int32)
            loss = tf.reduce_sum(tf.square(tf.gather(emb, ids) - 1.0))
            train = tf.train.AdamOptimizer(0.1).minimize(loss)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                for _ in range(5):
                    s.run(train)
                return s.run(emb)
    np.testing.assert_allclose(run(fg), run(tf1), rtol=2e-6, atol=2e-6)


SCHEDULES = [
    lambda tf, s: tf.train.exponential_decay(0.1, s, 7, 0.9),
    lambda tf, s: tf.train.exponential_decay(0.1, s, 7, 0.9, staircase=True),
    lambda tf, s: tf.train.inverse_time_decay(0.5, s, 5, 0.3),
    lambda tf, s: tf.train.inverse_time_decay(0.5, s, 5, 0.3, staircase=True),
    lambda tf, s: tf.train.natural_exp_decay(0.2, s, 4, 0.25),
    lambda tf, s: tf.train.natural_exp_decay(0.2, s, 4, 0.25, staircase=True),
    lambda tf, s: tf.train.piecewise_constant(s, [3, 10], [1.0, 0.5, 0.1]),
    lambda tf, s: tf.train.polynomial_decay(0.1, s, 12, 0.01, power=0.5),
    lambda tf, s: tf.train.polynomial_decay(0.1, s, 12, power=2.0, cycle=True),
    lambda tf, s: tf.train.cosine_decay(0.1, s, 15),
    lambda tf, s: tf.train.cosine_decay(0.3, s, 15, alpha=0.1),
]


def _schedule_values(tf, make):
    with tf.Graph().as_default():
        step = tf.train.get_or_create_global_step()
        lr = make(tf, step)
        out = []
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for k in (0, 1, 3, 4, 7, 10, 11, 14, 15, 20, 30):
                s.run(step.assign(k))
                out.append(s.run(lr))
        return np.array(out), lr.dtype.base_dtype.name, lr.shape.as_list()


@pytest.mark.parametrize("i", range(len(SCHEDULES)))
def test_schedules_match_tensorflow(i):
    ours, o_dtype, o_shape = _schedule_values(fg, SCHEDULES[i])
    theirs, t_dtype, t_shape = _schedule_values(tf1, SCHEDULES[i])
    assert (o_dtype, o_shape) == (t_dtype, t_shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)


CLIPS = [
    lambda tf, a, b: tf.clip_by_norm(a, 1.5),
    lambda tf, a, b: tf.clip_by_norm(a, 100.0),
    lambda tf, a, b: tf.clip_by_norm(a, 0.5, axes=[1]),
    lambda tf, a, b: tf.clip_by_norm(tf.zeros([2, 3]), 1.0),
    lambda tf, a, b: tf.clip_by_average_norm(a, 0.1),
    lambda tf, a, b: tf.global_norm([a, None, b]),
    lambda tf, a, b: tf.clip_by_global_norm([a, b], 2.0),
    lambda tf, a, b: tf.clip_by_global_norm([a, None, b], 50.0),
    lambda tf, a, b: tf.clip_by_global_norm([a, b], 1.0, use_norm=tf.constant(4.0)),
    lambda tf, a, b: tf.clip_by_global_norm([a, b], 1.0, use_norm=tf.constant(np.inf)),
]


def _clip_values(tf, make):
    a0 = np.array([[3.0, -4.0, 1.0], [0.5, 2.0, -1.0]], np.float32)
    b0 = np.array([1.0, -2.0, 0.25, 7.0], np.float32)
    with tf.Graph().as_default():
        out = _flat(make(tf, tf.constant(a0), tf.constant(b0)))
        with tf.Session() as s:
            got = s.run([t for t in out if t is not None])
        return [None if t is None else got.pop(0) for t in out]


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flat(v)]
    return [x]


@pytest.mark.parametrize("i", range(len(CLIPS)))
def test_clip_ops_match_tensorflow(i):
    ours, theirs = _clip_values(fg, CLIPS[i]), _clip_values(tf1, CLIPS[i])
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
            continue
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_clip_by_global_norm_keeps_indexed_slices_sparse():
    def run(tf):
        with tf.Graph().as_default():
            s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]),
                                 tf.constant([3, 2]))
            (c, d), n = tf.clip_by_global_norm([s, tf.constant([12.0])], 6.5)
            assert isinstance(c, tf.IndexedSlices)
            with tf.Session() as sess:
                return sess.run([c.values, c.indices, d, n])
    for a, b in zip(run(fg), run(tf1)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("batch", [None, 16])
def test_mlp_training_graph_is_leaner_than_tensorflows(batch):
    def build(tf):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [batch, 20])
            y = tf.placeholder(tf.float32, [batch, 3])
            w1 = tf.Variable(np.zeros((20, 8), np.float32))
            b1 = tf.Variable(np.zeros(8, np.float32))
            w2 = tf.Variable(np.zeros((8, 3), np.float32))
            b2 = tf.Variable(np.zeros(3, np.float32))
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
            logits = tf.matmul(h, w2) + b2
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                             logits=logits))
            tf.train.AdamOptimizer().minimize(loss)
        return len(g.get_operations())
    assert build(fg) <= build(tf1)
