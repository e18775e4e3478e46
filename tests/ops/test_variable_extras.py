"""tf.count_up_to (CountUpTo), tf.variable_creator_scope, VariableAggregation and
VariableSynchronization on tf.Variable/get_variable, against real TF where importable."""
import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {"CountUpTo": "tests/ops/test_variable_extras.py (stateful: needs a variable)"}


def _count_run(lib, graph, dtype):
    with graph.as_default():
        v = lib.Variable(np.array(1, dtype), name="c")
        c = lib.count_up_to(v, 3)
        c2 = v.count_up_to(3)
        out = [c.op.type, c.name, c2.name, c.dtype.name, c.shape.as_list()]
        with lib.Session(graph=graph) as s:
            s.run(v.initializer)
            vals = [s.run(c), s.run(c2)]
            out += [[np.asarray(x).dtype.name for x in vals], [int(x) for x in vals],
                    int(s.run(v))]
            with pytest.raises(lib.errors.OutOfRangeError, match="Reached limit of 3"):
                s.run(c)
            out.append(int(s.run(v)))
    return out


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_count_up_to_counts_and_stops(dtype):
    got = _count_run(tf, tf.Graph(), dtype)
    assert got[:5] == ["CountUpTo", "CountUpTo:0", "CountUpTo_1:0", np.dtype(dtype).name, []]
    assert got[5:] == [[np.dtype(dtype).name] * 2, [1, 2], 3, 3]
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    tf1.disable_resource_variables()
    try:
        assert got == _count_run(tf1, tf1.Graph(), dtype)
    finally:
        tf1.enable_resource_variables()


def test_count_up_to_colocates_and_rejects_floats():
    v = tf.Variable(0, name="n")
    assert tf.count_up_to(v, 2).op.get_attr("_class") == ["loc:@n"]
    with pytest.raises(TypeError, match="int32, int64"):
        tf.count_up_to(tf.Variable(1.0), 2)


def test_variable_creator_scope_chain_and_kwargs():
    log = []

    def inner(next_creator, **kwargs):
        log.append(("inner", kwargs["name"], kwargs["initial_value"]))
        kwargs["name"] = "renamed"
        return next_creator(**kwargs)

    def outer(next_creator, **kwargs):
        log.append(("outer", kwargs["name"], None))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(outer), tf.variable_creator_scope(inner):
        u = tf.Variable(2.0, name="orig")
    w = tf.Variable(1.0, name="orig")
    assert log == [("inner", "orig", 2.0), ("outer", "renamed", None)]
    assert (u.name, w.name) == ("renamed:0", "orig:0")
    assert isinstance(u, tf.Variable)


def test_variable_creator_scope_sees_get_variable_and_can_replace_it():
    made = []

    def creator(next_creator, **kwargs):
        v = next_creator(**kwargs)
        made.append(v)
        return v

    with tf.variable_creator_scope(creator):
        g = tf.get_variable("gv", [2])
    assert made == [g] and g.name == "gv:0"


def test_aggregation_and_synchronization():
    A, S = tf.VariableAggregation, tf.VariableSynchronization
    v = tf.Variable(1.0)
    assert (v.aggregation, v.synchronization, v.trainable) == (A.NONE, S.AUTO, True)
    r = tf.Variable(1.0, synchronization=S.ON_READ, aggregation=A.MEAN)
    assert (r.aggregation, r.synchronization, r.trainable) == (A.MEAN, S.ON_READ, False)
    assert tf.Variable(1.0, synchronization=3).synchronization is S.ON_READ
    assert r not in tf.trainable_variables()
    g = tf.get_variable("g", [1], aggregation=A.SUM, synchronization=S.ON_WRITE)
    assert (g.aggregation, g.synchronization) == (A.SUM, S.ON_WRITE)
    with pytest.raises(ValueError, match="Invalid variable aggregation mode: sum"):
        tf.Variable(1.0, aggregation="sum")
    assert A.ONLY_FIRST_TOWER is A.ONLY_FIRST_REPLICA
