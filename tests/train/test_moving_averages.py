"""tf.train.ExponentialMovingAverage and moving_averages.assign_moving_average: shadow
variables, their names and collections, the values after several updates (by hand and
against real TensorFlow), variables_to_restore and a Saver round trip."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.train import moving_averages

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One program, run by flowgraph here and by TensorFlow (TF1 mode) in a subprocess.
PROGRAM = r'''
def build_and_run(tf):
    import numpy as np
    out = {}
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0], name="v")
        with tf.variable_scope("foo"):
            w = tf.Variable(3.0, name="w")
        t = tf.identity(v * 2, name="t")
        step = tf.Variable(0, name="step", trainable=False)
        ema = tf.train.ExponentialMovingAverage(0.9, num_updates=step, zero_debias=True)
        with tf.variable_scope("outer"), tf.name_scope("ns"):
            op = ema.apply([v, w, t])
        ema2 = tf.train.ExponentialMovingAverage(0.5)
        op2 = ema2.apply([v])
        ema3 = tf.train.ExponentialMovingAverage(0.25)
        op3 = ema3.apply([v])
        out["apply_ops"] = [op.name, op2.name, op3.name]
        out["globals"] = [x.op.name for x in tf.global_variables()]
        out["trainable"] = [x.op.name for x in tf.trainable_variables()]
        out["moving"] = [x.op.name for x in tf.moving_average_variables()]
        out["averages"] = [ema.average(v).name, ema.average(t).name, ema3.average(v).name]
        out["average_names"] = [ema.average_name(v), ema.average_name(t),
                                ema2.average_name(w), ema3.average_name(v)]
        out["restore"] = sorted((k, x.op.name) for k, x in ema.variables_to_restore().items())
        out["restore_w"] = sorted((k, x.op.name)
                                  for k, x in ema2.variables_to_restore([w]).items())
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            vals = []
            for i in range(4):
                s.run([op, op2, op3])
                s.run(step.assign_add(1))
                s.run(v.assign_add([1.0, -0.5]))
                vals.append([np.asarray(x).tolist() for x in s.run(
                    [ema.average(v), ema.average(w), ema.average(t), ema2.average(v),
                     ema3.average(v)])])
            out["values"] = vals
    return out
'''


def _flowgraph_result():
    scope = {}
    exec(PROGRAM, scope)
    return scope["build_and_run"](tf)


def _tensorflow_result():
    pytest.importorskip("tensorflow")
    src = ("import json, tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n" + PROGRAM +
           "\nprint('RESULT ' + json.dumps(build_and_run(tf)))\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    p = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True,
                       env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def test_same_graph_as_tensorflow_names_collections_and_values():
    mine = json.loads(json.dumps(_flowgraph_result()))  # tuples -> lists, as TF's
    theirs = _tensorflow_result()
    for key in ("apply_ops", "globals", "trainable", "moving", "averages", "average_names",
                "restore", "restore_w"):
        assert mine[key] == theirs[key], key
    np.testing.assert_allclose(_flat(mine["values"]), _flat(theirs["values"]),
                               rtol=1e-6, atol=0)


def _flat(x):
    if isinstance(x, list):
        return [y for e in x for y in _flat(e)]
    return [float(x)]


def test_names_and_collections_as_tf1():
    r = _flowgraph_result()
    # Shadows are named in the variable scope (not the name scope) and made unique.
    assert "outer/v/ExponentialMovingAverage" in r["globals"]
    assert "v/ExponentialMovingAverage" in r["globals"]
    assert "v/ExponentialMovingAverage_1" in r["globals"]
    assert r["trainable"] == ["v", "foo/w"]
    # The *averaged variables* join MOVING_AVERAGE_VARIABLES, once per apply.
    assert r["moving"] == ["v", "foo/w", "v", "v"]
    assert r["apply_ops"] == ["outer/ns/ExponentialMovingAverage", "ExponentialMovingAverage",
                              "ExponentialMovingAverage_1"]
    # A variable the EMA has not seen: the name apply would give it.
    assert r["average_names"][2] == "foo/w/ExponentialMovingAverage"


def test_values_equal_a_hand_computation_with_num_updates():
    v = tf.Variable([1.0, -2.0], name="v")
    step = tf.Variable(0, name="step", trainable=False)
    ema = tf.train.ExponentialMovingAverage(0.99, num_updates=step)
    op = ema.apply([v])
    plain = tf.train.ExponentialMovingAverage(0.7, name="plain")
    op2 = plain.apply([v])
    shadow = ema.average(v)
    assert shadow.op.name == "v/ExponentialMovingAverage"
    assert plain.average(v).op.name == "v/plain"
    assert shadow not in tf.trainable_variables()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        x = np.array([1.0, -2.0], np.float32)
        avg, avg2 = x.copy(), x.copy()
        for n in range(6):
            s.run([op, op2])
            d = np.float32(min(0.99, (1.0 + n) / (10.0 + n)))
            avg = avg - (avg - x) * (np.float32(1) - d)
            avg2 = avg2 - (avg2 - x) * np.float32(1 - np.float32(0.7))
            np.testing.assert_allclose(s.run(shadow), avg, rtol=1e-6)
            np.testing.assert_allclose(s.run(plain.average(v)), avg2, rtol=1e-6)
            x = x * np.float32(1.5) + np.float32(1.0)
            s.run([v.assign(x), step.assign_add(1)])
        # The decay really is capped by num_updates: without the cap avg would barely move.
        assert abs(s.run(shadow)[0] - 1.0) > 1.0


def test_zero_debias_for_tensors():
    x = tf.placeholder(tf.float32, [2])
    ema = tf.train.ExponentialMovingAverage(0.8, zero_debias=True)
    op = ema.apply([x])
    avg = ema.average(x)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        biased = np.zeros(2)
        for t, val in enumerate([[1.0, 2.0], [3.0, 4.0], [5.0, -6.0]], start=1):
            s.run(op, {x: val})
            biased = biased * 0.8 + np.array(val) * 0.2
            np.testing.assert_allclose(s.run(avg), biased / (1 - 0.8 ** t), rtol=1e-5)


def test_assign_moving_average_helper():
    var = tf.Variable([0.0, 10.0], name="mean")
    upd = moving_averages.assign_moving_average(var, tf.constant([2.0, 0.0]), 0.75,
                                                zero_debias=False)
    assert upd.op.name == "AssignMovingAvg"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(upd)
        np.testing.assert_allclose(s.run(var), [0.5, 7.5])
        s.run(upd)
        np.testing.assert_allclose(s.run(var), [0.875, 5.625])


def test_rejects_integer_variables():
    i = tf.Variable(3, name="i")
    with pytest.raises(TypeError, match="half, float, or double"):
        tf.train.ExponentialMovingAverage(0.9).apply([i])


def test_saver_round_trip_restores_averages_into_variables(tmp_path):
    path = str(tmp_path / "model.ckpt")
    g1 = tf.Graph()
    with g1.as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        other = tf.Variable(7.0, name="other", trainable=False)
        ema = tf.train.ExponentialMovingAverage(0.5)
        op = ema.apply([w])
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(w.assign([3.0, 6.0]))
            s.run(op)      # shadow = [2, 4]
            s.run(w.assign([5.0, 10.0]))
            s.run(op)      # shadow = [3.5, 7]
            expected = s.run(ema.average(w))
            tf.train.Saver().save(s, path)
    np.testing.assert_allclose(expected, [3.5, 7.0])
    g2 = tf.Graph()
    with g2.as_default():
        w = tf.Variable([0.0, 0.0], name="w")
        other = tf.Variable(0.0, name="other", trainable=False)
        ema = tf.train.ExponentialMovingAverage(0.5)
        to_restore = ema.variables_to_restore()
        assert set(to_restore) == {"w/ExponentialMovingAverage", "other"}
        assert to_restore["w/ExponentialMovingAverage"] is w
        with tf.Session() as s:
            tf.train.Saver(to_restore).restore(s, path)
            np.testing.assert_allclose(s.run(w), [3.5, 7.0])
            assert s.run(other) == 7.0
