"""Recurrent networks against TensorFlow: the same cells with the same weights on the same
inputs give the same variable names, outputs, final states and gradients (with respect to
the inputs and every variable); map_fn/scan/fold values too.

TF 2.x keeps its TF1 cells in the `tf_keras` package (TF_USE_LEGACY_KERAS=1)."""
import os

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")

import flowgraph as fg  # noqa: E402

tf1 = tf_real.compat.v1


def _route_rnn_cell_to_tf_keras():
    """tf.nn.rnn_cell resolves its Keras on first use, from TF_USE_LEGACY_KERAS: set it for
    that moment only, so the rest of the suite keeps its tf.keras."""
    old = os.environ.get("TF_USE_LEGACY_KERAS")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    try:
        tf1.nn.rnn_cell.BasicLSTMCell  # noqa: B018
    except AttributeError:
        pytest.skip("TensorFlow's TF1 RNN cells are unavailable", allow_module_level=True)
    finally:
        if old is None:
            del os.environ["TF_USE_LEGACY_KERAS"]
        else:
            os.environ["TF_USE_LEGACY_KERAS"] = old


_route_rnn_cell_to_tf_keras()

B, T, D = 3, 5, 4
SEQ = [5, 2, 4]


def _cells(tfm, kind):
    rc = tfm.nn.rnn_cell
    return {
        "basic_rnn": lambda: rc.BasicRNNCell(5),
        "basic_lstm": lambda: rc.BasicLSTMCell(5, forget_bias=0.5),
        "basic_lstm_concat": lambda: rc.BasicLSTMCell(3, state_is_tuple=False),
        "lstm_peep_proj": lambda: rc.LSTMCell(6, use_peepholes=True, num_proj=3,
                                              cell_clip=0.8, proj_clip=0.5),
        "lstm_concat": lambda: rc.LSTMCell(4, num_proj=2, state_is_tuple=False),
        "gru": lambda: rc.GRUCell(5),
        "multi": lambda: rc.MultiRNNCell([rc.BasicLSTMCell(4), rc.GRUCell(3),
                                          rc.BasicRNNCell(2)]),
        "residual": lambda: rc.ResidualWrapper(rc.LSTMCell(4)),
    }[kind]()


def _dynamic(tfm, x, kind, seq):
    return tfm.nn.dynamic_rnn(_cells(tfm, kind), x, sequence_length=seq, dtype=tfm.float32)


def _time_major(tfm, x, kind, seq):
    return tfm.nn.dynamic_rnn(_cells(tfm, kind), tfm.transpose(x, [1, 0, 2]),
                              sequence_length=seq, dtype=tfm.float32, time_major=True,
                              scope="tm")


def _static(tfm, x, kind, seq):
    outs, st = tfm.nn.static_rnn(_cells(tfm, kind), tfm.unstack(x, axis=1),
                                 sequence_length=seq, dtype=tfm.float32)
    return tfm.stack(outs, axis=1), st


def _bidi(tfm, x, kind, seq):
    return tfm.nn.bidirectional_dynamic_rnn(_cells(tfm, kind), _cells(tfm, "gru"), x,
                                            sequence_length=seq, dtype=tfm.float32)


def _static_bidi(tfm, x, kind, seq):
    outs, fw, bw = tfm.nn.static_bidirectional_rnn(
        _cells(tfm, kind), _cells(tfm, "basic_rnn"), tfm.unstack(x, axis=1),
        sequence_length=seq, dtype=tfm.float32)
    return tfm.stack(outs, axis=1), (fw, bw)


def _one_cell_twice(tfm, x, kind, seq):
    """The second call, in another scope, reuses the variables of the first."""
    cell = _cells(tfm, kind)
    o1, s1 = tfm.nn.dynamic_rnn(cell, x, dtype=tfm.float32)
    o2, s2 = tfm.nn.dynamic_rnn(cell, x * 2.0, dtype=tfm.float32, scope="again")
    return o1 + o2, (s1, s2)


def _run(tfm, build, kind, seq, xv, values=None):
    """Builds in `tfm` (TF or flowgraph); returns (variable names, variable values,
    [outputs, *state leaves], gradients of a weighted sum w.r.t. [x, *variables])."""
    g = tfm.Graph()
    with g.as_default():
        if tfm is tf1:
            tf1.set_random_seed(7)
        x = tfm.placeholder(tfm.float32, [B, T, D])
        out, state = build(tfm, x, kind, None if seq is None else np.array(seq, np.int32))
        leaves = [out[0], out[1]] if isinstance(out, tuple) else [out]
        leaves += list(_flat(state))
        variables = tfm.trainable_variables()
        rng = np.random.RandomState(1)
        loss = tfm.add_n([tfm.reduce_sum(t * rng.uniform(0.5, 1.5, t.shape.as_list())
                                         .astype(np.float32)) for t in leaves])
        grads = tfm.gradients(loss, [x] + variables)
        with tfm.Session(graph=g) as s:
            s.run(tfm.global_variables_initializer())
            if values is not None:
                for v in variables:
                    v.load(values[v.op.name], s)
            vals = {v.op.name: s.run(v) for v in variables}
            got = s.run(leaves, {x: xv})
            got_g = s.run(grads, {x: xv})
    return [v.op.name for v in variables], vals, got, got_g


def _flat(s):
    if isinstance(s, (list, tuple)):
        for x in s:
            yield from _flat(x)
    else:
        yield s


_KINDS = ["basic_rnn", "basic_lstm", "basic_lstm_concat", "lstm_peep_proj", "lstm_concat",
          "gru", "multi", "residual"]
_FEW = ["basic_lstm", "lstm_peep_proj", "multi"]
# Every cell with dynamic_rnn; the other loops with a few cells (the suite's time).
_COMBOS = ([(_dynamic, k, s) for k in _KINDS for s in (None, SEQ)] +
           [(b, k, s) for b in (_static, _bidi, _static_bidi) for k in _FEW
            for s in (None, SEQ)] +
           [(_time_major, k, SEQ) for k in _FEW] +
           [(_one_cell_twice, k, None) for k in _FEW])


@pytest.mark.parametrize("build,kind,seq", _COMBOS, ids=[
    f"{b.__name__.strip('_')}-{k}-{'seqlen' if s else 'full'}" for b, k, s in _COMBOS])
def test_rnn_matches_tensorflow(build, kind, seq):
    xv = np.random.RandomState(2).uniform(-1, 1, (B, T, D)).astype(np.float32)
    names, values, want, want_g = _run(tf1, build, kind, seq, xv)
    fg_names, _, got, got_g = _run(fg, build, kind, seq, xv, values)
    assert fg_names == names
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    for a, b in zip(got_g, want_g):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_two_cells_in_one_scope_clash_as_in_tensorflow():
    for tfm in (tf1, fg):
        with tfm.Graph().as_default():
            x = tfm.placeholder(tfm.float32, [2, 3, 4])
            tfm.nn.dynamic_rnn(tfm.nn.rnn_cell.BasicRNNCell(3), x, dtype=tfm.float32)
            with pytest.raises(ValueError, match="rnn/basic_rnn_cell/kernel already exists"):
                tfm.nn.dynamic_rnn(tfm.nn.rnn_cell.BasicRNNCell(3), x, dtype=tfm.float32)


def test_variable_shapes_and_initial_values_follow_tensorflow():
    """Kernels take the scope's initializer (glorot by default), biases TF's constants."""
    def build(tfm):
        g = tfm.Graph()
        with g.as_default():
            x = tfm.placeholder(tfm.float32, [2, 3, 4])
            with tfm.variable_scope("m", initializer=tfm.constant_initializer(0.25)):
                tfm.nn.dynamic_rnn(_cells(tfm, "multi"), x, dtype=tfm.float32)
                tfm.nn.dynamic_rnn(tfm.nn.rnn_cell.LSTMCell(
                    3, use_peepholes=True, initializer=tfm.constant_initializer(-0.5)),
                    x, dtype=tfm.float32, scope="peep")
            with tfm.Session() as s:
                s.run(tfm.global_variables_initializer())
                return {v.op.name: s.run(v) for v in tfm.global_variables()}
    want, got = build(tf1), build(fg)
    assert list(got) == list(want)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


@pytest.mark.parametrize("which", ["map_fn", "scan", "scan_reverse", "foldl", "foldr"])
def test_functional_ops_match_tensorflow(which):
    xv = np.random.RandomState(4).randn(6, 3).astype(np.float32)

    def build(tfm):
        x = tfm.constant(xv)
        return {
            "map_fn": lambda: tfm.map_fn(lambda r: (tfm.reduce_sum(r), r * 2.0), x,
                                         dtype=(tfm.float32, tfm.float32)),
            "scan": lambda: tfm.scan(lambda a, r: a * 0.5 + r, x),
            "scan_reverse": lambda: tfm.scan(lambda a, r: (a[0] + r, a[1] * r), x,
                                             initializer=(tfm.zeros([3]), tfm.ones([3])),
                                             reverse=True),
            "foldl": lambda: tfm.foldl(lambda a, r: a * r + 1.0, x),
            "foldr": lambda: tfm.foldr(lambda a, r: tfm.sin(a) + r, x,
                                       initializer=tfm.zeros([3])),
        }[which]()
    with tf1.Graph().as_default():
        want = tf1.Session().run(build(tf1))
    with fg.Graph().as_default():
        got = fg.Session().run(build(fg))
    for a, b in zip(_flat(got), _flat(want)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dynamic_rnn_in_cond_matches_tensorflow():
    """A loop carrying TensorLists inside a branch: its gradient needs the lists from the
    forward branch (the other branch returns an empty list there)."""
    x0 = np.random.RandomState(1).rand(2, 5, 3)

    def run(m):
        with m.Graph().as_default():
            x = m.placeholder(m.float64, [None, 5, 3])
            t = m.placeholder(m.bool, [])
            def init(shape, dtype=None, partition_info=None):
                n = int(np.prod(shape))
                return m.constant(np.linspace(-0.5, 0.5, n).reshape(shape), m.float64)
            with m.variable_scope("s", initializer=init):
                cell = m.nn.rnn_cell.GRUCell(4, kernel_initializer=init,
                                             bias_initializer=m.constant_initializer(0.1))

                def branch():
                    return m.nn.dynamic_rnn(cell, x * 2.0, dtype=m.float64)[0]
                y = m.cond(t, branch, lambda: m.zeros_like(x[:, :, :1]) + m.reduce_sum(x))
            gs = m.gradients(m.reduce_sum(y * y), [x] + m.trainable_variables())
            with m.Session() as s:
                s.run(m.global_variables_initializer())
                return [s.run(gs, {x: x0, t: v}) for v in (True, False)]
    ours, theirs = run(fg), run(tf1)
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-8, atol=1e-10)
