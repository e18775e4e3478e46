"""keras.backend without TensorFlow: the Keras session and its variable initialization,
learning phase, settings, `function`, and math/rnn helpers against numpy."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K


@pytest.fixture(autouse=True)
def _fresh():
    K.clear_session()
    yield
    K.clear_session()


def test_get_session_default_and_owned():
    s1 = K.get_session()
    assert K.get_session() is s1 and s1.graph is tf.get_default_graph()
    with tf.Session() as mine:
        assert K.get_session() is mine
    g = tf.Graph()
    with g.as_default():
        s2 = K.get_session()
        assert s2 is not s1 and s2.graph is g
    K.set_session(s1)
    assert K.get_session() is s1


def test_get_session_initializes_only_tracked_variables():
    tracked = K.variable(np.ones(2), name="tracked")
    plain = tf.Variable([1.0], name="plain")
    sess = K.get_session()
    assert sess.run(tf.is_variable_initialized(tracked))
    assert not sess.run(tf.is_variable_initialized(plain))
    K.set_value(tracked, [3.0, 4.0])
    K.get_session()  # already initialized: not reset
    np.testing.assert_array_equal(K.get_value(tracked), [3.0, 4.0])


def test_manual_variable_initialization():
    K.manual_variable_initialization(True)
    try:
        v = K.variable(np.ones(2))
        assert not K.get_session().run(tf.is_variable_initialized(v))
    finally:
        K.manual_variable_initialization(False)


def test_learning_phase():
    lp = K.learning_phase()
    assert lp.name == "keras_learning_phase:0" and lp.op.type == "PlaceholderWithDefault"
    out = K.in_train_phase(lambda: tf.constant(1.0), lambda: tf.constant(0.0))
    sess = K.get_session()
    assert sess.run(out) == 0.0 and sess.run(out, {lp: True}) == 1.0
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
        assert K.in_train_phase(2.0, 3.0) == 2.0
    assert K.learning_phase() is lp
    K.set_learning_phase(0)
    assert K.in_test_phase(2.0, 3.0) == 2.0
    with tf.Graph().as_default():
        assert K.learning_phase() is not lp
    with pytest.raises(ValueError, match="Expected learning phase to be 0 or 1."):
        K.set_learning_phase(True + 1)


def test_settings():
    assert (K.floatx(), K.epsilon(), K.image_data_format()) == \
        ("float32", 1e-7, "channels_last")
    K.set_floatx("float64")
    try:
        assert K.placeholder(shape=(2,)).dtype == tf.float64
        assert K.cast_to_floatx([1]).dtype == np.float64
    finally:
        K.set_floatx("float32")
    K.set_epsilon(1e-5)
    assert K.epsilon() == 1e-5
    K.set_epsilon(1e-7)
    with pytest.raises(ValueError):
        K.set_floatx("int8")
    with pytest.raises(ValueError):
        K.set_image_data_format("channels_middle")


def test_uids_and_unique_names():
    assert [K.get_uid("dense"), K.get_uid("dense"), K.get_uid()] == [1, 2, 1]
    assert [K.unique_object_name("adam", zero_based=True) for _ in range(3)] == \
        ["adam", "adam_1", "adam_2"]
    K.reset_uids()
    assert K.get_uid("dense") == 1


def test_function_updates_and_feed_dict():
    x = K.placeholder(shape=(None, 2))
    scale = K.placeholder(shape=())
    v = K.variable(np.zeros(2), name="acc")
    f = K.function([x], [K.sum(x, axis=0) * scale], updates=[(v, v + K.sum(x, axis=0))],
                   feed_dict={scale: 2.0})
    out, = f([np.ones((3, 2))])
    np.testing.assert_array_equal(out, [6.0, 6.0])
    f([np.ones((1, 2))])
    np.testing.assert_array_equal(K.get_value(v), [4.0, 4.0])
    g = K.function([x], {"a": K.sum(x)})
    assert g([np.ones((2, 2))]) == {"a": 4.0}


def test_variable_helpers():
    v = K.variable([[1.0, 2.0]], name="w")
    assert K.int_shape(v) == (1, 2) and K.dtype(v) == "float32" and K.count_params(v) == 2
    z = K.zeros((2, 3))
    assert isinstance(z, tf.Variable) and K.eval(z).sum() == 0
    np.testing.assert_array_equal(K.eval(K.eye(2)), np.eye(2))
    assert K.ndim(K.placeholder(ndim=3)) == 3
    assert K.int_shape(tf.placeholder(tf.float32)) is None
    got = K.batch_get_value([v, K.constant(3)])
    np.testing.assert_array_equal(got[0], [[1, 2]])
    assert got[1] == 3


def test_math_against_numpy():
    a = np.random.RandomState(0).randn(2, 3, 4).astype("float32")
    x = K.constant(a)
    checks = [
        (K.batch_dot(x, K.constant(a), axes=[2, 2]), np.einsum("bij,bkj->bik", a, a)),
        (K.dot(x, K.constant(np.ones((4, 5), "f"))), a @ np.ones((4, 5))),
        (K.repeat_elements(x, 2, axis=2), np.repeat(a, 2, axis=2)),
        (K.batch_flatten(x), a.reshape(2, -1)),
        (K.logsumexp(x, axis=1), np.log(np.exp(a).sum(1))),
        (K.std(x, axis=-1), a.std(-1)), (K.var(x), a.var()),
        (K.sqrt(x), np.sqrt(np.maximum(a, 0))),
        (K.switch(x > 0, x, -x), np.abs(a)),
        (K.hard_sigmoid(x), np.clip(0.2 * a + 0.5, 0, 1)),
        (K.relu(x, alpha=0.5, max_value=1.0), np.where(a > 0, np.minimum(a, 1), 0.5 * a)),
    ]
    sess = K.get_session()
    for t, want in checks:
        np.testing.assert_allclose(sess.run(t), want, rtol=1e-5, atol=1e-6)


def test_repeat_elements_dynamic_axis():
    x = K.placeholder(shape=(None, 2))
    y = K.repeat_elements(x, 3, axis=0)
    out = K.get_session().run(y, {x: [[1, 2], [3, 4]]})
    np.testing.assert_array_equal(out, np.repeat([[1, 2], [3, 4]], 3, axis=0))


def _np_rnn(x, mask, w, backwards=False):
    h = np.zeros((x.shape[0], w.shape[1]), np.float32)
    outs = []
    steps = range(x.shape[1])[::-1] if backwards else range(x.shape[1])
    prev = np.zeros_like(h)
    for t in steps:
        new = np.tanh(x[:, t] @ w + h)
        m = mask[:, t:t + 1] if mask is not None else np.ones((x.shape[0], 1), bool)
        h = np.where(m, new, h)
        prev = np.where(m, new, prev)
        outs.append(prev)
    return prev, np.stack(outs, 1), h


@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn(unroll, backwards, masked):
    rng = np.random.RandomState(1)
    x = rng.randn(2, 5, 3).astype("float32")
    w = rng.randn(3, 4).astype("float32") * 0.5
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 1, 1]], bool) if masked else None

    def step(inp, states):
        h = K.tanh(K.dot(inp, K.constant(w)) + states[0])
        return h, [h]
    last, outs, states = K.rnn(step, K.constant(x), [K.constant(np.zeros((2, 4), "f"))],
                               go_backwards=backwards, unroll=unroll,
                               mask=None if mask is None else K.constant(mask, dtype="bool"))
    got = K.get_session().run([last, outs, states[0]])
    for a, b in zip(got, _np_rnn(x, mask, w, backwards)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradients_and_print_tensor(capfd):
    v = K.variable([1.0, 2.0])
    loss = K.sum(K.square(K.print_tensor(v, message="v=")))
    g, = K.gradients(loss, [v])
    np.testing.assert_allclose(K.get_session().run(g), [2.0, 4.0])
    assert "v=" in capfd.readouterr().out


def test_random_helpers():
    sess = K.get_session()
    b = sess.run(K.random_binomial((1000,), p=0.3, seed=1))
    assert set(np.unique(b)) <= {0.0, 1.0} and 0.25 < b.mean() < 0.35
    d = sess.run(K.dropout(K.ones_like(K.constant(np.ones(1000, "f"))), 0.5, seed=2))
    assert set(np.unique(d)) <= {0.0, 2.0}
    n = sess.run(K.random_normal((2000,), mean=1.0, stddev=2.0, seed=3))
    assert abs(n.mean() - 1) < 0.2 and abs(n.std() - 2) < 0.2
    t = sess.run(K.truncated_normal((2000,), stddev=1.0, seed=4))
    assert np.abs(t).max() <= 2.0


def test_sparse_categorical_crossentropy_sequences():
    probs = np.random.RandomState(2).rand(2, 3, 4).astype("float32")
    probs /= probs.sum(-1, keepdims=True)
    labels = np.array([[0, 1, 3], [2, 2, 1]])
    out = K.get_session().run(K.sparse_categorical_crossentropy(K.constant(labels, "int32"),
                                                                K.constant(probs)))
    want = -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0])
    np.testing.assert_allclose(out, want, rtol=1e-5)


def test_separable_conv1d_against_numpy():
    rng = np.random.RandomState(4)
    x = rng.randn(2, 7, 3).astype("float32")
    dk = rng.randn(3, 3, 2).astype("float32")   # width, in, multiplier
    pk = rng.randn(1, 6, 4).astype("float32")
    out = K.get_session().run(K.separable_conv1d(K.constant(x), K.constant(dk), K.constant(pk)))
    depth = np.stack([np.einsum("bwc,wcm->bcm", x[:, t:t + 3], dk).reshape(2, 6)
                      for t in range(5)], 1)
    np.testing.assert_allclose(out, depth @ pk[0], rtol=1e-4, atol=1e-5)
