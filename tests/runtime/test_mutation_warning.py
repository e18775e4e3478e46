"""An op changed after a session ran it: the session keeps its plan (the change has no
effect there, as in TF) and warns once, with TF's message; a new session sees the change."""
import logging

import flowgraph as tf


def _setup():
    v = tf.Variable(0)
    inc = tf.assign_add(v, 1)
    y = tf.identity(tf.constant(3), name="y")
    return v, inc, y


def test_control_edge_added_after_a_run_warns_and_has_no_effect(caplog):
    v, inc, y = _setup()
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(y) == 3
        y.op._add_control_input(inc.op)
        with caplog.at_level(logging.WARNING, logger="flowgraph"):
            assert s.run(y) == 3 and s.run(v) == 0  # the plan kept the op as it was
            s.run(y)
        msgs = [r.getMessage() for r in caplog.records if "was changed" in r.getMessage()]
        assert msgs == ["Operation 'y' was changed by adding control edge after it was run "
                        "by a session. This mutation will have no effect, and will trigger "
                        "an error in the future. Either don't modify nodes after running "
                        "them or create a new session."]
    with tf.Session() as s:  # a new session compiles the changed op
        s.run(v.initializer)
        s.run(y)
        assert s.run(v) == 1


def test_changes_before_any_run_and_to_unrun_ops_are_silent(caplog):
    v, inc, y = _setup()
    z = tf.identity(y, name="z")
    y.op._add_control_input(inc.op)  # not run by anyone yet
    with caplog.at_level(logging.WARNING, logger="flowgraph"), tf.Session() as s:
        s.run(v.initializer)
        s.run(v)
        z.op._add_control_input(inc.op)  # this session never ran z
        s.run(y)
        assert s.run(v) == 1
    assert not [r for r in caplog.records if "was changed" in r.getMessage()]
