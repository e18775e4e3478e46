"""map_fn, scan, foldl, foldr: values against numpy, nested structures, static shapes,
errors and gradients (they are while loops over TensorArrays)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.test.gradient_checker import compute_gradient_error
from tests.optest import Case, run_case

X = (np.arange(15, dtype=np.float32).reshape(5, 3) - 7.0) / 5.0
W = np.array([0.5, -1.0, 2.0], np.float32)


def _np_scan(fn, xs, a=None, reverse=False):
    xs = list(xs)[::-1] if reverse else list(xs)
    out = []
    if a is None:
        a, xs = xs[0], xs[1:]
        out.append(a)
    for x in xs:
        a = fn(a, x)
        out.append(a)
    return np.array(out[::-1] if reverse else out)


CASES = [
    Case("While", lambda x: tf.map_fn(lambda r: tf.reduce_sum(r * r) * r, x), [X],
         ref=lambda x: (x * x).sum(1, keepdims=True) * x, name="map_fn"),
    Case("While", lambda x, w: tf.map_fn(lambda r: tf.tanh(r * w), x), [X, W],
         ref=lambda x, w: np.tanh(x * w), name="map_fn_captured"),
    Case("While", lambda x: tf.scan(lambda a, r: a * 0.5 + tf.sin(r), x), [X],
         ref=lambda x: _np_scan(lambda a, r: a * 0.5 + np.sin(r), x), name="scan"),
    Case("While", lambda x, w: tf.scan(lambda a, r: a * r + w, x, initializer=w,
                                       reverse=True), [X, W],
         ref=lambda x, w: _np_scan(lambda a, r: a * r + w, x, w, reverse=True),
         name="scan_reverse_initializer"),
    Case("While", lambda x: tf.foldl(lambda a, r: a * r + 1.0, x), [X],
         ref=lambda x: _np_scan(lambda a, r: a * r + 1.0, x)[-1], name="foldl"),
    Case("While", lambda x, w: tf.foldr(lambda a, r: tf.sin(a) + r, x, initializer=w),
         [X, W], ref=lambda x, w: _np_scan(lambda a, r: np.sin(a) + r, x, w,
                                           reverse=True)[0], name="foldr"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_map_fn_nested_elems_and_dtype():
    a = tf.constant(X)
    b = tf.constant(np.arange(5, dtype=np.int32))
    out = tf.map_fn(lambda t: {"s": tf.reduce_sum(t[0]), "k": t[1] * 2},
                    (a, b), dtype={"s": tf.float32, "k": tf.int32})
    assert out["s"].shape.as_list() == [5] and out["k"].dtype == tf.int32
    same = tf.map_fn(lambda t: (t[0] + 1.0, t[1] - 1), (a, b))
    with tf.Session() as s:
        r, r2 = s.run([out, same])
    np.testing.assert_allclose(r["s"], X.sum(1), rtol=1e-6)
    np.testing.assert_array_equal(r["k"], np.arange(5) * 2)
    np.testing.assert_allclose(r2[0], X + 1.0)
    np.testing.assert_array_equal(r2[1], np.arange(5) - 1)


def test_map_fn_unknown_length_and_graph():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.map_fn(lambda r: r * 2.0, x)
    assert y.shape.as_list() == [None, 3]
    assert y.op.type == "TensorListStack" and y.name.startswith("map/")
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y, {x: X}), X * 2.0)
        assert s.run(y, {x: np.zeros((0, 3), np.float32)}).shape == (0, 3)


def test_scan_nested_accumulator():
    x = tf.constant(X)
    out = tf.scan(lambda acc, r: (acc[0] + r, acc[1] * 2.0), x,
                  initializer=(tf.zeros([3]), tf.constant(1.0)))
    assert isinstance(out, tuple) and out[1].shape.as_list() == [5]
    with tf.Session() as s:
        cum, pw = s.run(out)
    np.testing.assert_allclose(cum, np.cumsum(X, 0), rtol=1e-6)
    np.testing.assert_allclose(pw, 2.0 ** np.arange(1, 6))


def test_fold_nested_elems():
    a, b = tf.constant(X), tf.constant(X * 2.0)
    s = tf.foldl(lambda acc, t: acc + t[0] * t[1], (a, b), initializer=tf.zeros([3]))
    r = tf.foldr(lambda acc, t: acc * 0.5 + t[0] - t[1], (a, b), initializer=tf.zeros([3]))
    with tf.Session() as sess:
        vs, vr = sess.run([s, r])
    np.testing.assert_allclose(vs, (X * X * 2).sum(0), rtol=1e-5)
    acc = np.zeros(3)
    for row in X[::-1]:
        acc = acc * 0.5 + row - 2 * row
    np.testing.assert_allclose(vr, acc, rtol=1e-5)


def test_gradients_for_captured_weights():
    x = tf.placeholder(tf.float64, [4, 3])
    w = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(tf.scan(lambda a, r: tf.tanh(a * w + r), x))
    y = y + tf.reduce_sum(tf.map_fn(lambda r: r * w * w, x))
    xv = np.random.RandomState(0).randn(4, 3)
    wv = np.array([0.3, -0.2, 0.9])
    with tf.Session():
        ex = compute_gradient_error(x, [4, 3], y, [], x_init_value=xv, extra_feed_dict={w: wv})
        ew = compute_gradient_error(w, [3], y, [], x_init_value=wv, extra_feed_dict={x: xv})
    assert ex < 1e-6 and ew < 1e-6


def test_errors():
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tf.map_fn(lambda r: r, tf.constant(1.0))
    with pytest.raises(ValueError, match="structure"):
        tf.map_fn(lambda r: (r, r), tf.constant(X))
    with pytest.raises(ValueError, match="same first dimension"):
        tf.map_fn(lambda t: t[0], (tf.zeros([3, 2]), tf.zeros([4, 2])))
    with pytest.raises(TypeError):
        tf.scan(None, tf.constant(X))
    with pytest.raises(ValueError, match="structure"):
        tf.scan(lambda a, r: (a, a), tf.constant(X))


def test_vectorized_map_against_tf():
    """vectorized_map: output structure and dtypes inferred from fn (unlike map_fn)."""
    def program(mod):
        with mod.Graph().as_default():
            x = mod.placeholder(mod.float32, [None, 3])
            k = mod.constant(2.0)
            a = mod.vectorized_map(lambda e: e * k, x)
            b = mod.vectorized_map(lambda e: (mod.reduce_sum(e), mod.cast(e > 0, mod.int32)),
                                   x)
            c = mod.vectorized_map(lambda p: p[0] + p[1], (x, x * 10.0))
            g = mod.gradients(mod.reduce_sum(a) + mod.reduce_sum(b[0]), x)[0]
            with mod.Session() as s:
                vals = s.run([a, b, c, g], {x: [[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]})
            return vals, [t.shape.as_list() for t in (a, b[0], b[1], c)], \
                [t.dtype.name for t in (a, b[0], b[1], c)]
    ours = program(tf)
    np.testing.assert_allclose(ours[0][0], [[2.0, -4.0, 6.0], [1.0, 0.0, -2.0]])
    np.testing.assert_array_equal(ours[0][1][1], [[1, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(ours[0][3], np.full((2, 3), 3.0))
    tft = pytest.importorskip("tensorflow").compat.v1
    theirs = program(tft)
    assert ours[1:] == theirs[1:]
    for p, q in zip(_flat(ours[0]), _flat(theirs[0])):
        np.testing.assert_allclose(p, q)


def _flat(vals):
    """Values as dense arrays (TF's pfor gives the gradient as IndexedSlices)."""
    a, (b0, b1), c, g = vals
    if hasattr(g, "indices"):
        dense = np.zeros(g.dense_shape, g.values.dtype)
        np.add.at(dense, g.indices, g.values)
        g = dense
    return [a, b0, b1, c, g]


def test_map_fn_gradient_unknown_length():
    """Regression: the gradient of a map_fn over an input of unknown length built."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.map_fn(lambda e: (tf.reduce_sum(e * e), e), x, dtype=(tf.float32, tf.float32))
        g = tf.gradients(tf.reduce_sum(y[0]), x)[0]
        with tf.Session() as s:
            v = np.float32([[1, 2, 3], [4, 5, 6]])
            np.testing.assert_allclose(s.run(g, {x: v}), 2 * v)
