"""RNN cells and loops: one step of each cell against numpy, sequence-length masking,
static vs dynamic, bidirectional, wrappers, numeric gradients, errors, and restoring a
TensorFlow checkpoint (tests/fixtures/lstm, made by scripts/make_lstm_fixture.py)."""
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.test.gradient_checker import compute_gradient_error

rc = tf.nn.rnn_cell
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "lstm")


def sig(x):
    return 1 / (1 + np.exp(-x))


def _step(cell, x, state, seed=0):
    """Runs one step of `cell` with random weights; returns (output, state, weights)."""
    xs = tf.constant(x)
    st = _map(tf.constant, state)
    out, new = cell(xs, st)
    rng = np.random.RandomState(seed)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w = {}
        for v in tf.global_variables():
            val = rng.uniform(-1, 1, v.shape.as_list()).astype(np.float32)
            v.load(val, s)
            w[v.op.name] = val
        o, n = s.run([out, new])
    return o, n, w


def _map(fn, s):
    if isinstance(s, tuple) and hasattr(s, "_fields"):
        return type(s)(*[_map(fn, x) for x in s])
    if isinstance(s, (list, tuple)):
        return type(s)(_map(fn, x) for x in s)
    return fn(s)


X = np.random.RandomState(5).uniform(-1, 1, (3, 4)).astype(np.float32)
H = np.random.RandomState(6).uniform(-1, 1, (3, 5)).astype(np.float32)
C = np.random.RandomState(7).uniform(-1, 1, (3, 5)).astype(np.float32)


def test_basic_rnn_cell_step():
    cell = rc.BasicRNNCell(5)
    o, n, w = _step(cell, X, H)
    want = np.tanh(np.concatenate([X, H], 1) @ w["basic_rnn_cell/kernel"] +
                   w["basic_rnn_cell/bias"])
    np.testing.assert_allclose(o, want, rtol=1e-5)
    np.testing.assert_allclose(n, want, rtol=1e-5)
    assert cell.state_size == 5 and cell.output_size == 5
    assert [v.name for v in cell.trainable_weights] == ["basic_rnn_cell/kernel:0",
                                                        "basic_rnn_cell/bias:0"]


@pytest.mark.parametrize("tuple_state", [True, False])
def test_basic_lstm_cell_step(tuple_state):
    cell = rc.BasicLSTMCell(5, forget_bias=0.7, state_is_tuple=tuple_state)
    state = rc.LSTMStateTuple(C, H) if tuple_state else np.concatenate([C, H], 1)
    o, n, w = _step(cell, X, state)
    z = np.concatenate([X, H], 1) @ w["basic_lstm_cell/kernel"] + w["basic_lstm_cell/bias"]
    i, j, f, og = np.split(z, 4, axis=1)
    c = C * sig(f + 0.7) + sig(i) * np.tanh(j)
    h = np.tanh(c) * sig(og)
    np.testing.assert_allclose(o, h, rtol=1e-5, atol=1e-6)
    if tuple_state:
        assert isinstance(n, rc.LSTMStateTuple)
        np.testing.assert_allclose(n.c, c, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(n, np.concatenate([c, h], 1), rtol=1e-5, atol=1e-6)


def test_lstm_cell_peepholes_projection_and_clipping():
    cell = rc.LSTMCell(5, use_peepholes=True, num_proj=2, cell_clip=0.3, proj_clip=0.2,
                       forget_bias=1.0)
    h2 = H[:, :2]
    o, n, w = _step(cell, X, rc.LSTMStateTuple(C, h2))
    p = "lstm_cell/"
    z = np.concatenate([X, h2], 1) @ w[p + "kernel"] + w[p + "bias"]
    i, j, f, og = np.split(z, 4, axis=1)
    c = sig(f + 1.0 + w[p + "w_f_diag"] * C) * C + sig(i + w[p + "w_i_diag"] * C) * np.tanh(j)
    c = np.clip(c, -0.3, 0.3)
    m = sig(og + w[p + "w_o_diag"] * c) * np.tanh(c)
    m = np.clip(m @ w[p + "projection/kernel"], -0.2, 0.2)
    np.testing.assert_allclose(o, m, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(n.c, c, rtol=1e-5, atol=1e-6)
    assert cell.state_size == (5, 2) and cell.output_size == 2


def test_gru_cell_step():
    cell = rc.GRUCell(5)
    o, n, w = _step(cell, X, H)
    xh = np.concatenate([X, H], 1)
    r, u = np.split(sig(xh @ w["gru_cell/gates/kernel"] + w["gru_cell/gates/bias"]), 2, 1)
    cand = np.tanh(np.concatenate([X, r * H], 1) @ w["gru_cell/candidate/kernel"] +
                   w["gru_cell/candidate/bias"])
    np.testing.assert_allclose(o, u * H + (1 - u) * cand, rtol=1e-5, atol=1e-6)


def test_default_biases_and_zero_state():
    x = tf.placeholder(tf.float32, [None, 4])
    gru, lstm = rc.GRUCell(3), rc.BasicLSTMCell(2)
    z = lstm.zero_state(tf.shape(x)[0], tf.float32)
    assert isinstance(z, rc.LSTMStateTuple) and z.c.shape.as_list() == [None, 2]
    gru(x, gru.zero_state(7, tf.float32))
    lstm(x, z)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        vals = {v.op.name: s.run(v) for v in tf.global_variables()}
        zc = s.run(z.c, {x: np.zeros((6, 4))})
    np.testing.assert_array_equal(vals["gru_cell/gates/bias"], np.ones(6))
    np.testing.assert_array_equal(vals["gru_cell/candidate/bias"], np.zeros(3))
    np.testing.assert_array_equal(vals["basic_lstm_cell/bias"], np.zeros(8))
    assert zc.shape == (6, 2) and not zc.any()


def test_cell_scope_argument_and_reuse():
    cell = rc.BasicRNNCell(3)
    x = tf.zeros([2, 4])
    cell(x, tf.zeros([2, 3]), scope="custom")
    cell(x, tf.zeros([2, 3]))  # later calls reuse the first call's variables
    assert [v.op.name for v in tf.global_variables()] == ["custom/kernel", "custom/bias"]
    assert len(cell.trainable_weights) == 2


def _rnn_inputs(b=3, t=6, d=4, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (b, t, d)).astype(np.float32)


def test_dynamic_rnn_masks_past_sequence_length():
    xv = _rnn_inputs()
    seq = np.array([6, 3, 0], np.int32)
    x = tf.placeholder(tf.float32, [None, None, 4])
    cell = rc.BasicLSTMCell(5)
    out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float32)
    full, fst = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, scope="rnn")
    assert out.shape.as_list() == [None, None, 5]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        o, c, h, fo = s.run([out, st.c, st.h, full], {x: xv})
    assert not o[1, 3:].any() and not o[2].any()
    np.testing.assert_allclose(o[1, :3], fo[1, :3], rtol=1e-6)
    np.testing.assert_allclose(h[1], fo[1, 2], rtol=1e-6)  # state frozen at the end
    np.testing.assert_allclose(h[0], fo[0, 5], rtol=1e-6)
    assert not c[2].any() and not h[2].any()


def test_static_and_dynamic_agree_and_share_weights():
    xv = _rnn_inputs()
    x = tf.constant(xv)
    cell = rc.MultiRNNCell([rc.GRUCell(4), rc.LSTMCell(3)])
    seq = [6, 2, 4]
    dyn, dst = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float32)
    outs, sst = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), sequence_length=seq,
                                 dtype=tf.float32)
    assert len(tf.global_variables()) == 6 and len(outs) == 6
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, b, sa, sb = s.run([dyn, tf.stack(outs, 1), dst, sst])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sa[1].h, sb[1].h, rtol=1e-5, atol=1e-6)


def test_bidirectional_dynamic_rnn_reverses_per_sequence():
    xv = _rnn_inputs(b=2, t=5)
    seq = np.array([5, 3], np.int32)
    x = tf.constant(xv)
    fw, bw = rc.BasicRNNCell(3), rc.BasicRNNCell(3)
    (of, ob), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=seq,
                                                         dtype=tf.float32)
    names = sorted(v.op.name for v in tf.global_variables())
    assert names == ["bidirectional_rnn/bw/basic_rnn_cell/bias",
                     "bidirectional_rnn/bw/basic_rnn_cell/kernel",
                     "bidirectional_rnn/fw/basic_rnn_cell/bias",
                     "bidirectional_rnn/fw/basic_rnn_cell/kernel"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        vals = {v.op.name: s.run(v) for v in tf.global_variables()}
        ob_v, sb_v = s.run([ob, sb])
    k, b = vals["bidirectional_rnn/bw/basic_rnn_cell/kernel"], \
        vals["bidirectional_rnn/bw/basic_rnn_cell/bias"]
    for i, n in enumerate(seq):
        h, outs = np.zeros(3), []
        for t in reversed(range(n)):
            h = np.tanh(np.concatenate([xv[i, t], h]) @ k + b)
            outs.append(h)
        np.testing.assert_allclose(ob_v[i, :n], np.array(outs[::-1]), rtol=1e-5, atol=1e-6)
        assert not ob_v[i, n:].any()
        np.testing.assert_allclose(sb_v[i], h, rtol=1e-5, atol=1e-6)


def test_wrappers():
    x = tf.constant(X)
    base = rc.BasicRNNCell(4)
    res_out, _ = rc.ResidualWrapper(base)(x, tf.zeros([3, 4]))
    plain, _ = base(x, tf.zeros([3, 4]))
    drop = rc.DropoutWrapper(base, output_keep_prob=0.5, seed=3)
    d_out, _ = drop(x, tf.zeros([3, 4]))
    var = rc.DropoutWrapper(base, state_keep_prob=0.5, variational_recurrent=True,
                            dtype=tf.float32)
    _, v1 = var(x, tf.zeros([3, 4]))
    _, v2 = var(x, tf.zeros([3, 4]))
    with pytest.raises(ValueError, match="between 0 and 1"):
        rc.DropoutWrapper(base, input_keep_prob=1.5)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r, p, d, a, b = s.run([res_out, plain, d_out, v1, v2])
    assert len(tf.trainable_variables()) == 2
    np.testing.assert_allclose(r, p + X, rtol=1e-6)
    kept = d != 0
    np.testing.assert_allclose(d[kept], 2 * p[kept], rtol=1e-6)
    np.testing.assert_array_equal(a == 0, b == 0)  # one mask per run, every step


def test_lstm_state_dropout_keeps_c_by_default():
    cell = rc.DropoutWrapper(rc.BasicLSTMCell(20), state_keep_prob=0.3, seed=1)
    _, st = cell(tf.constant(X), cell.zero_state(3, tf.float32))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        c, h = s.run(st)
    assert (c != 0).all() and (h == 0).any()


def test_gradients_through_dynamic_rnn_numerically():
    """Inputs, initial state and (through a custom getter feeding placeholders) the
    weights of an LSTM and a GRU in a dynamic_rnn with sequence lengths."""
    rng = np.random.RandomState(0)
    xv = rng.uniform(-1, 1, (2, 4, 3))
    ws = {}

    def getter(getter, name, shape=None, **kw):
        with x.graph.as_default():  # the cell is built in the loop body: feed from outside
            ph = tf.placeholder(tf.float64, shape, name=name.replace("/", "_"))
        ws[ph] = rng.uniform(-0.8, 0.8, shape)
        return ph
    x = tf.placeholder(tf.float64, [2, 4, 3])
    h0 = tf.placeholder(tf.float64, [2, 3])
    cell = rc.MultiRNNCell([rc.LSTMCell(3, use_peepholes=True), rc.GRUCell(2)])
    with tf.variable_scope("net", custom_getter=getter):
        out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=[4, 2],
                                    initial_state=(rc.LSTMStateTuple(h0 * 0.5, h0),
                                                   tf.zeros([2, 2], tf.float64)))
    y = tf.reduce_sum(out * out) + tf.reduce_sum(st[0].c)
    h0v = rng.uniform(-1, 1, (2, 3))
    feed = dict(ws)
    feed[x], feed[h0] = xv, h0v
    with tf.Session():
        for p in [x, h0] + list(ws):
            others = {k: v for k, v in feed.items() if k is not p}
            err = compute_gradient_error(p, p.shape.as_list(), y, [], x_init_value=feed[p],
                                         extra_feed_dict=others)
            assert err < 1e-5, (p.name, err)


def test_errors():
    cell = rc.BasicRNNCell(3)
    x = tf.zeros([2, 5, 4])
    with pytest.raises(ValueError, match="dtype"):
        tf.nn.dynamic_rnn(cell, x)
    with pytest.raises(ValueError, match="dtype"):
        tf.nn.static_rnn(cell, [x[:, 0]])
    with pytest.raises(TypeError, match="sequence"):
        tf.nn.static_rnn(cell, x[:, 0], dtype=tf.float32)
    with pytest.raises(ValueError, match="depth of inputs"):
        tf.nn.dynamic_rnn(cell, tf.placeholder(tf.float32, [2, 5, None]), dtype=tf.float32)
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(cell, x, sequence_length=[[1, 2]], dtype=tf.float32)
    with pytest.raises(TypeError, match="RNNCell"):
        tf.nn.dynamic_rnn(lambda a, b: a, x, dtype=tf.float32)
    with pytest.raises(ValueError, match="at least one cell"):
        rc.MultiRNNCell([])
    with pytest.raises(ValueError, match=r"inputs.shape\[-1\]"):
        rc.GRUCell(2)(tf.placeholder(tf.float32, [2, None]), tf.zeros([2, 2]))


def _fixture_models(x, seq):
    with tf.variable_scope("lstm"):
        out1, st1 = tf.nn.dynamic_rnn(rc.BasicLSTMCell(5), x, sequence_length=seq,
                                      dtype=tf.float32)
    with tf.variable_scope("stack"):
        cell = rc.MultiRNNCell([rc.LSTMCell(6, use_peepholes=True, num_proj=4, cell_clip=2.0),
                                rc.GRUCell(3)])
        out2, st2 = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float32)
    return {"lstm_outputs": out1, "lstm_c": st1.c, "lstm_h": st1.h,
            "stack_outputs": out2, "stack_c": st2[0].c, "stack_h": st2[0].h,
            "stack_gru": st2[1]}


@pytest.mark.parametrize("how", ["checkpoint", "load"])
def test_tensorflow_checkpoint_restores_and_gives_tf_outputs(how):
    want = np.load(os.path.join(FIXTURE, "expected.npz"))
    x = tf.placeholder(tf.float32, [4, 6, 3])
    fetches = _fixture_models(x, want["sequence_length"])
    with tf.Session() as s:
        if how == "checkpoint":
            saver_cls = getattr(tf.train, "Saver", None)
            if saver_cls is None:
                from flowgraph.train.saver import Saver as saver_cls
            saver_cls().restore(s, os.path.join(FIXTURE, "model.ckpt"))
        else:
            for v in tf.global_variables():
                v.load(want["var:" + v.op.name], s)
        got = s.run(fetches, {x: want["inputs"]})
    for k, v in got.items():
        np.testing.assert_allclose(v, want[k], rtol=1e-5, atol=1e-6, err_msg=k)
