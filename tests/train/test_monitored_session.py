"""tf.train.MonitoredTrainingSession / MonitoredSession, Scaffold and the common hooks:
stopping, checkpoints and resuming, logging, NaN checks, summaries and hook order."""
import logging
import os
import subprocess
import sys

import pytest

import flowgraph as tf
from flowgraph.summary.event_reader import summary_iterator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A linear regression trained under a MonitoredTrainingSession, with a recording hook.
PROGRAM = r'''
def train(tf, ckpt_dir, last_step, calls):
    import numpy as np
    class Recorder(tf.train.SessionRunHook):
        def begin(self): calls.append("begin")
        def after_create_session(self, session, coord): calls.append("after_create_session")
        def before_run(self, run_context):
            calls.append("before_run")
            return tf.train.SessionRunArgs({"loss": loss})
        def after_run(self, run_context, run_values):
            calls.append("after_run" if "loss" in run_values.results else "after_run?")
        def end(self, session): calls.append("end")
    g = tf.Graph()
    with g.as_default():
        gs = tf.train.get_or_create_global_step()
        x = tf.placeholder(tf.float32, [None], name="x")
        y = tf.placeholder(tf.float32, [None], name="y")
        w = tf.Variable(0.0, name="w")
        b = tf.Variable(0.0, name="b")
        loss = tf.reduce_mean(tf.square(w * x + b - y), name="loss")
        tf.summary.scalar("mse", loss)
        train_op = tf.train.GradientDescentOptimizer(0.2).minimize(loss, global_step=gs)
        xs = np.linspace(-1, 1, 20).astype(np.float32)
        ys = 0.8 * xs + 0.7
        runs = 0
        final = tf.train.FinalOpsHook([gs, w, b])
        with tf.train.MonitoredTrainingSession(
                checkpoint_dir=ckpt_dir, save_summaries_steps=5,
                hooks=[Recorder(), tf.train.StopAtStepHook(last_step=last_step),
                       final]) as sess:
            first_step = int(sess.run(gs, {x: xs, y: ys}))
            while not sess.should_stop():
                sess.run(train_op, {x: xs, y: ys})
                runs += 1
        values = final.final_ops_values
    return first_step, runs, int(values[0]), float(values[1]), float(values[2])
'''


def _train(ckpt_dir, last_step, calls):
    scope = {}
    exec(PROGRAM, scope)
    return scope["train"](tf, ckpt_dir, last_step, calls)


def test_trains_stops_checkpoints_and_resumes(tmp_path):
    calls = []
    first, runs, step, w, b = _train(str(tmp_path), 30, calls)
    assert (first, runs, step) == (0, 30, 30)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-30")
    assert os.path.exists(tmp_path / "graph.pbtxt")
    reader = tf.train.NewCheckpointReader(tf.train.latest_checkpoint(str(tmp_path)))
    assert reader.get_tensor("global_step") == 30
    assert abs(reader.get_tensor("w") - w) < 1e-6
    # A second session on the same directory starts where the first stopped.
    first2, runs2, step2, w2, b2 = _train(str(tmp_path), 50, [])
    assert (first2, runs2, step2) == (30, 20, 50)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-50")
    assert abs(w2 - 0.8) < 1e-2 and abs(b2 - 0.7) < 1e-2
    # Summaries went into event files in the checkpoint dir, at the expected steps.
    steps = sorted(e.step for f in os.listdir(tmp_path) if f.startswith("events.")
                   for e in summary_iterator(str(tmp_path / f))
                   for v in e.summary.value if v.tag == "mse")
    # First run of each session (global step 0, then 30), then every 5 steps.
    assert steps[:4] == [0, 5, 10, 15] and steps.count(30) == 2 and 45 in steps


def test_hook_call_order_matches_tensorflow(tmp_path):
    calls = []
    _train(str(tmp_path / "fg"), 3, calls)
    pytest.importorskip("tensorflow")
    src = ("import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n" + PROGRAM +
           "\nimport sys\ncalls = []\ntrain(tf, sys.argv[1], 3, calls)\n"
           "print('CALLS ' + ' '.join(calls))\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    p = subprocess.run([sys.executable, "-c", src, str(tmp_path / "tf")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    theirs = [x for x in p.stdout.splitlines() if x.startswith("CALLS ")][-1].split()[1:]
    assert calls == theirs
    assert calls[:2] == ["begin", "after_create_session"] and calls[-1] == "end"
    assert calls.count("before_run") == 4  # the caller's other run calls run hooks too


def _graph_with_loss(value):
    gs = tf.train.get_or_create_global_step()
    v = tf.Variable(value, name="v")
    loss = tf.identity(v * 2.0, name="loss")
    step = tf.assign_add(gs, 1)
    return gs, v, loss, step


def test_logging_tensor_hook_logs_every_n_iterations(caplog):
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(1.5)
        hook = tf.train.LoggingTensorHook({"loss": loss, "step": gs}, every_n_iter=3)
        with caplog.at_level(logging.INFO, logger="flowgraph"):
            with tf.train.MonitoredSession(hooks=[hook]) as sess:
                for _ in range(7):
                    sess.run(step)
        lines = [r.getMessage() for r in caplog.records if "loss = " in r.getMessage()]
        # Iterations 0, 3 and 6 log; tags in sorted order.
        assert len(lines) == 3
        assert lines[0] == "loss = 3.0, step = 1"  # as TF: the step after the run
        assert lines[1].startswith("loss = 3.0, step = ") and lines[1].endswith(" sec)")
    with pytest.raises(ValueError):
        tf.train.LoggingTensorHook({"a": "x"})


def test_nan_tensor_hook_raises_on_nan_loss():
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(float("nan"))
        with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss"):
            with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
                sess.run(step)
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(float("nan"))
        hook = tf.train.NanTensorHook(loss, fail_on_nan_loss=False)
        with tf.train.MonitoredSession(hooks=[hook]) as sess:
            sess.run(step)
            assert sess.should_stop()
    with tf.Graph().as_default():  # a finite loss is left alone
        gs, v, loss, step = _graph_with_loss(2.0)
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
            sess.run(step)
            assert not sess.should_stop()


def test_summary_saver_hook_writes_readable_events(tmp_path):
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(4.0)
        summ = tf.summary.scalar("the_loss", loss)
        hook = tf.train.SummarySaverHook(save_steps=2, output_dir=str(tmp_path),
                                         summary_op=summ)
        with tf.train.SingularMonitoredSession(hooks=[hook]) as sess:
            for _ in range(5):
                sess.run(step)
    events = [e for f in sorted(os.listdir(tmp_path)) if f.startswith("events.")
              for e in summary_iterator(str(tmp_path / f))]
    got = [(e.step, v.tag, v.simple_value) for e in events for v in e.summary.value]
    assert got == [(1, "the_loss", 8.0), (3, "the_loss", 8.0), (5, "the_loss", 8.0)]
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op"):
        tf.train.SummarySaverHook(save_steps=1)


def test_final_ops_feed_fn_and_scaffold_init_fn():
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(1.0)
        p = tf.placeholder(tf.float32, [], name="p")
        doubled = p * 2.0
        seen = []
        scaffold = tf.train.Scaffold(init_fn=lambda sc, s: s.run(v.assign(5.0)))
        final = tf.train.FinalOpsHook(loss)
        feed = tf.train.FeedFnHook(lambda: {p: 21.0})
        with tf.train.MonitoredSession(
                session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold),
                hooks=[final, feed]) as sess:
            seen.append(sess.run(doubled))
        assert seen == [42.0]
        assert final.final_ops_values == 10.0
        assert scaffold.saver is not None and scaffold.ready_op is not None


def test_errors():
    with tf.Graph().as_default():
        tf.Variable(1.0)
        with pytest.raises(RuntimeError, match="Global step should be created"):
            tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(num_steps=1)])
        with pytest.raises(ValueError):
            tf.train.StopAtStepHook()
        with pytest.raises(ValueError):
            tf.train.StopAtStepHook(num_steps=1, last_step=2)


def test_out_of_range_ends_the_with_block_cleanly(tmp_path):
    with tf.Graph().as_default():
        gs, v, loss, step = _graph_with_loss(1.0)
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                               save_checkpoint_steps=100) as sess:
            sess.run(step)
            sess.run(step)
            raise tf.errors.OutOfRangeError(None, None, "input exhausted")
    # end() still ran: a final checkpoint at step 2.
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-2")
