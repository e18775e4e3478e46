"""Session.partial_run_setup / partial_run: values and error classes as TensorFlow's."""
import numpy as np
import pytest

import flowgraph as fg


def _graph(tf):
    a = tf.placeholder(tf.float32, shape=[], name="a")
    b = tf.placeholder(tf.float32, shape=[], name="b")
    c = tf.placeholder(tf.float32, shape=[], name="c")
    r1 = tf.add(a, b, name="r1")
    r2 = tf.multiply(r1, c, name="r2")
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 1.0)
    r3 = inc + r1
    r4 = inc * 2.0
    return dict(a=a, b=b, c=c, r1=r1, r2=r2, v=v, r3=r3, r4=r4, inc=inc)


# Each scenario: setup (fetches, feeds), then calls (fetches, feeds); names refer to _graph.
SCENARIOS = {
    "pieces": ((["r1", "r2", "r3", "r4"], ["a", "b", "c"]),
               [(["r1"], {"a": 1, "b": 2}), (["r2"], {"c": 17}), (["r3"], {}), (["r4"], {})]),
    "together": ((["r1", "r2"], ["a", "b", "c"]), [(["r1", "r2"], {"a": 1, "b": 2, "c": 3})]),
    "unfed": ((["r1", "r2"], ["a", "b", "c"]), [(["r2"], {"a": 1, "b": 2})]),
    "refeed": ((["r1", "r2"], ["a", "b", "c"]),
               [(["r1"], {"a": 1, "b": 2}), (["r2"], {"a": 1, "c": 2})]),
    "refetch": ((["r1", "r2"], ["a", "b", "c"]),
                [(["r1"], {"a": 1, "b": 2}), (["r1"], {"c": 2})]),
    "undeclared_feed": ((["r1"], ["a", "b"]), [(["r1"], {"a": 1, "b": 2, "c": 3})]),
    "undeclared_fetch": ((["r1"], ["a", "b"]), [(["r2"], {"a": 1, "b": 2})]),
    "intermediate_fetched_later": ((["r1", "r2"], ["a", "b", "c"]),
                                   [(["r2"], {"a": 1, "b": 2, "c": 4}), (["r1"], {})]),
    "empty": ((["r1"], ["a", "b"]), [([], {"a": 1}), (["r1"], {"b": 5})]),
}


def _play(tf, name):
    (fetches, feeds), calls = SCENARIOS[name]
    with tf.Graph().as_default():
        g = _graph(tf)
        with tf.Session() as sess:
            sess.run(g["v"].initializer)
            h = sess.partial_run_setup([g[f] for f in fetches], [g[f] for f in feeds])
            out = []
            for fs, fd in calls:
                try:
                    out.append(sess.partial_run(h, [g[f] for f in fs],
                                                {g[k]: v for k, v in fd.items()}))
                except Exception as e:  # noqa: BLE001 (compared with TF's below)
                    out.append(type(e).__name__)
                    break
            out.append(("v", sess.run(g["v"])))
            return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_partial_run_vs_tf(name):
    tf_real = pytest.importorskip("tensorflow")
    ours, theirs = _play(fg, name), _play(tf_real.compat.v1, name)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if isinstance(t, str):
            assert o == t
        else:
            np.testing.assert_allclose(np.asarray(o[1] if isinstance(o, tuple) else o,
                                                  np.float64),
                                       np.asarray(t[1] if isinstance(t, tuple) else t,
                                                  np.float64))


def test_stateful_op_runs_once_per_handle():
    g = _graph(fg)
    with fg.Session() as sess:
        sess.run(g["v"].initializer)
        h = sess.partial_run_setup([g["r3"], g["r4"], g["r1"]], [g["a"], g["b"]])
        assert sess.partial_run(h, g["r4"]) == 2.0
        assert sess.partial_run(h, g["r3"], {g["a"]: 1.0, g["b"]: 2.0}) == 4.0
        assert sess.partial_run(h, g["r1"]) == 3.0
        assert sess.run(g["v"]) == 1.0
        h2 = sess.partial_run_setup([g["r4"]])  # a new handle runs the step again
        assert sess.partial_run(h2, g["r4"]) == 4.0


def test_messages_and_structures():
    g = _graph(fg)
    with fg.Session() as sess:
        h = sess.partial_run_setup({"x": g["r1"], "y": [g["r2"]]}, [g["a"], g["b"], g["c"]])
        with pytest.raises(fg.errors.InvalidArgumentError,
                           match="Fetch c:0 can't be computed from the feeds"):
            sess.partial_run(h, g["r2"], {g["a"]: 1, g["b"]: 2})
        assert sess.partial_run(h, {"x": g["r1"]}, {g["a"]: 1, g["b"]: 2}) == {"x": 3.0}
        assert sess.partial_run(h, (g["r2"],), {g["c"]: 2}) == (6.0,)
        with pytest.raises(fg.errors.InvalidArgumentError, match="already been fed"):
            sess.partial_run(h, [], {g["a"]: 1})
        with pytest.raises(fg.errors.InvalidArgumentError, match="Must run 'setup'"):
            sess.partial_run("nope", g["r1"])
        with pytest.raises(fg.errors.InvalidArgumentError, match="not specified in"):
            sess.partial_run(sess.partial_run_setup([g["r1"]]), g["r1"], {g["a"]: 1})
        with pytest.raises(RuntimeError, match="requires empty `target_list`"):
            sess.partial_run(sess.partial_run_setup([g["inc"].op]), g["inc"].op)
