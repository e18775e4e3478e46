"""tf.nn.raw_rnn against TensorFlow: the same loop_fn and cell weights give the same
variable names, emitted outputs, final states, loop states and gradients."""
import os

import numpy as np
import pytest

import flowgraph as fg

T, B, D = 5, 3, 4
SEQ = np.array([5, 2, 4], np.int32)


def _tf1():
    tf_real = pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    tf1 = tf_real.compat.v1
    old = os.environ.get("TF_USE_LEGACY_KERAS")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # TF's TF1 cells live in tf_keras
    try:
        tf1.nn.rnn_cell.BasicLSTMCell  # noqa: B018
    except AttributeError:
        pytest.skip("TensorFlow's TF1 RNN cells are unavailable")
    finally:
        if old is None:
            del os.environ["TF_USE_LEGACY_KERAS"]
        else:
            os.environ["TF_USE_LEGACY_KERAS"] = old
    return tf1


def _cell(tfm, kind):
    rc = tfm.nn.rnn_cell
    return {"lstm": lambda: rc.BasicLSTMCell(5), "gru": lambda: rc.GRUCell(3),
            "multi": lambda: rc.MultiRNNCell([rc.LSTMCell(4), rc.BasicRNNCell(2)])}[kind]()


def _build(tfm, x, kind, emit):
    """raw_rnn over x [T, B, D] with SEQ lengths; `emit`: 'default' (cell.output_size),
    'explicit' (a structure given at time 0) or 'nested' (output and its square)."""
    cell = _cell(tfm, kind)
    inputs_ta = tfm.TensorArray(tfm.float32, size=T).unstack(x)
    seq = tfm.constant(SEQ)

    def loop_fn(time, cell_output, cell_state, loop_state):
        finished = time >= seq
        if cell_output is None:
            state = cell.zero_state(B, tfm.float32)
            out_size = cell.output_size
            emit_out = {"default": None,
                        "explicit": tfm.zeros([out_size], tfm.float32),
                        "nested": (tfm.zeros([out_size]), tfm.zeros([out_size]))}[emit]
            loop_state = tfm.zeros([B])
        else:
            state = cell_state
            emit_out = (cell_output, tfm.square(cell_output)) if emit == "nested" \
                else cell_output
            loop_state = loop_state + tfm.reduce_sum(cell_output, axis=1)
        nxt = tfm.cond(tfm.reduce_all(finished), lambda: tfm.zeros([B, D], tfm.float32),
                       lambda: inputs_ta.read(tfm.minimum(time, T - 1)))
        return finished, nxt, state, emit_out, loop_state

    emit_ta, final_state, loop_state = tfm.nn.raw_rnn(cell, loop_fn)
    stacked = [ta.stack() for ta in (emit_ta if isinstance(emit_ta, tuple) else [emit_ta])]
    return stacked + list(_flat(final_state)) + [loop_state]


def _flat(s):
    if isinstance(s, (list, tuple)):
        for x in s:
            yield from _flat(x)
    else:
        yield s


def _run(tfm, kind, emit, xv, values=None):
    g = tfm.Graph()
    with g.as_default():
        x = tfm.placeholder(tfm.float32, [T, B, D])
        leaves = _build(tfm, x, kind, emit)
        variables = tfm.trainable_variables()
        rng = np.random.RandomState(3)
        loss = tfm.add_n([tfm.reduce_sum(t * rng.uniform(0.5, 1.5, [
            d for d in t.shape.as_list() if d is not None]).astype(np.float32))
            for t in leaves])  # emitted outputs have an unknown time dimension
        grads = tfm.gradients(loss, [x] + variables)
        with tfm.Session(graph=g) as s:
            s.run(tfm.global_variables_initializer())
            if values is not None:
                for v in variables:
                    v.load(values[v.op.name], s)
            vals = {v.op.name: s.run(v) for v in variables}
            got, got_g = s.run(leaves, {x: xv}), s.run(grads, {x: xv})
    return [v.op.name for v in variables], vals, got, got_g, \
        [t.shape.as_list() for t in leaves]


@pytest.mark.parametrize("kind,emit", [("lstm", "default"), ("gru", "explicit"),
                                       ("multi", "nested")])
def test_raw_rnn_vs_tf(kind, emit):
    tf1 = _tf1()
    xv = np.random.RandomState(0).randn(T, B, D).astype(np.float32)
    names, vals, theirs, theirs_g, their_shapes = _run(tf1, kind, emit, xv)
    our_names, _, ours, ours_g, our_shapes = _run(fg, kind, emit, xv, vals)
    assert our_names == names
    assert our_shapes == their_shapes
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-5)
    for o, t in zip(ours_g, theirs_g):
        np.testing.assert_allclose(o, t, rtol=1e-4, atol=1e-5)


def test_finished_rows_emit_zeros_and_keep_state():
    x = fg.placeholder(fg.float32, [T, B, D])
    leaves = _build(fg, x, "gru", "default")
    xv = np.random.RandomState(1).randn(T, B, D).astype(np.float32)
    with fg.Session() as s:
        s.run(fg.global_variables_initializer())
        out, state, _ = s.run(leaves, {x: xv})
    assert out.shape == (T, B, 3)
    for b, n in enumerate(SEQ):
        assert np.all(out[n:, b] == 0) and np.all(out[n - 1, b] != 0)
        np.testing.assert_allclose(state[b], out[n - 1, b], rtol=1e-6)


def test_loop_state_none_and_errors():
    cell = fg.nn.rnn_cell.BasicRNNCell(2)

    def loop_fn(time, cell_output, cell_state, loop_state):
        state = cell.zero_state(B, fg.float32) if cell_output is None else cell_state
        return time >= 2, fg.ones([B, D]), state, cell_output, None
    emit_ta, final_state, loop_state = fg.nn.raw_rnn(cell, loop_fn)
    assert loop_state is None and isinstance(emit_ta, fg.TensorArray)
    with fg.Session() as s:
        s.run(fg.global_variables_initializer())
        assert s.run(emit_ta.stack()).shape == (2, B, 2)
    with pytest.raises(TypeError, match="loop_fn must be a callable"):
        fg.nn.raw_rnn(cell, 3)


def _dynamic_batch(tfm, xv):
    """raw_rnn with an unknown batch size (from the input's dynamic shape) and a given
    scope; returns the emitted outputs, final state and their static shapes."""
    with tfm.Graph().as_default():
        x = tfm.placeholder(tfm.float32, [T, None, D])
        batch = tfm.shape(x)[1]
        cell = _cell(tfm, "gru")
        inputs_ta = tfm.TensorArray(tfm.float32, size=T).unstack(x)

        def loop_fn(time, cell_output, cell_state, loop_state):
            finished = tfm.fill([batch], time >= 3)
            state = cell.zero_state(batch, tfm.float32) if cell_output is None \
                else cell_state
            nxt = inputs_ta.read(tfm.minimum(time, T - 1))
            return finished, nxt, state, cell_output, None
        emit_ta, state, _ = tfm.nn.raw_rnn(cell, loop_fn, scope="decoder",
                                           parallel_iterations=4)
        out = emit_ta.stack()
        names = [v.op.name for v in tfm.trainable_variables()]
        with tfm.Session() as s:
            s.run(tfm.global_variables_initializer())
            for v in tfm.trainable_variables():  # equal weights in both
                shape = v.shape.as_list()
                v.load(np.linspace(-0.5, 0.5, int(np.prod(shape))).reshape(shape), s)
            return names, s.run([out, state], {x: xv}), [out.shape.as_list(),
                                                         state.shape.as_list()]


def test_raw_rnn_dynamic_batch_vs_tf():
    tf1 = _tf1()
    xv = np.random.RandomState(2).randn(T, B, D).astype(np.float32)
    ours, theirs = _dynamic_batch(fg, xv), _dynamic_batch(tf1, xv)
    assert ours[0] == theirs[0] and ours[2] == theirs[2]
    for o, t in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)
