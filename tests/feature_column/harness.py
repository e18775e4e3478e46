"""One feature-column program built in real TF 2.21 (`tf.compat.v1`) and in flowgraph:
each variable is given the same values (derived from its name), then the fetches, the
variables' names and shapes and the model-variable collection are compared."""
import zlib

import numpy as np

import flowgraph as fg


def value_for(name, shape):
    """Deterministic float32 values for the variable `name` (the same in both)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    v = rng.standard_normal(shape).astype(np.float32)
    positive = name.endswith(("/Adagrad", "/Ftrl"))  # accumulators: > 0
    return np.abs(v) + 0.1 if positive else v


def _norm(v):
    if hasattr(v, "indices") and hasattr(v, "dense_shape"):
        return ("sparse", np.asarray(v.indices), np.asarray(v.values),
                np.asarray(v.dense_shape))
    return np.asarray(v)


def run(tf, build, feed=None):
    """(fetched values, [(variable name, shape)], [model variable names]) of
    `build(tf)` run in a new graph of module `tf` (TF's compat.v1 or flowgraph)."""
    g = tf.Graph()
    with g.as_default():
        fetches = build(tf)
        variables = tf.global_variables()
        names = [(v.name, tuple(v.shape.as_list())) for v in variables]
        model = [v.name for v in tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(tf.tables_initializer())
            for v in variables:
                v.load(value_for(v.op.name, v.shape.as_list()), sess)
            static = {}
            if not isinstance(fetches, dict):
                fetches = {"out": fetches}
            else:  # "static_*" entries are compared, not run
                static = {k: fetches.pop(k) for k in list(fetches) if k.startswith("static_")}
            fd = feed(tf, g) if feed else None
            if "train_op" in fetches:  # a training step first, then the fetches
                sess.run(fetches.pop("train_op"), fd)
            out = sess.run(fetches, fd)
    return (out, static), names, model


def _assert_same(a, b, path="out"):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
        return
    if isinstance(a, (list, tuple)) and not hasattr(a, "dense_shape"):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
        return
    x, y = _norm(a), _norm(b)
    if isinstance(x, tuple):
        assert isinstance(y, tuple), path
        for p, q in zip(x[1:], y[1:]):
            _assert_close(p, q, path)
        return
    _assert_close(x, y, path)


def _assert_close(x, y, path):
    x, y = np.asarray(x), np.asarray(y)
    assert x.shape == y.shape, f"{path}: {x.shape} vs {y.shape}"
    if x.dtype.kind in "fc":
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5, err_msg=path)
    else:
        np.testing.assert_array_equal(x, y, err_msg=path)
    assert x.dtype == y.dtype, f"{path}: {x.dtype} vs {y.dtype}"


def compare(tf1, build, feed=None):
    """Runs `build` in both frameworks and asserts the same results; returns flowgraph's."""
    want, want_vars, want_model = run(tf1, build, feed)
    got, got_vars, got_model = run(fg, build, feed)
    assert got_vars == want_vars
    assert got_model == want_model
    assert got[1] == want[1], (got[1], want[1])
    _assert_same(want[0], got[0])
    return got[0], got[1]
