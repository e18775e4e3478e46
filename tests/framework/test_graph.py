"""Graph building: names, scopes, collections, dependencies, devices, lookup."""
import sys

import pytest

import flowgraph as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_unique_names_as_tf():
    a, b = tf.constant(1.0), tf.constant(2.0)
    assert (a.name, b.name) == ("Const:0", "Const_1:0")
    with tf.name_scope("scope"):
        c = tf.constant(3.0)
        d = tf.constant(3.0, name="foo")
        e = tf.constant(3.0, name="foo")
    assert (c.name, d.name, e.name) == ("scope/Const:0", "scope/foo:0", "scope/foo_1:0")
    with tf.name_scope("scope"):  # re-opening a scope name makes a new, unique scope
        assert tf.constant(0).name == "scope_1/Const:0"


def test_names_are_case_insensitive_and_skip_taken_suffixes():
    tf.constant(1, name="foo")
    tf.constant(1, name="foo_1")
    assert tf.constant(1, name="Foo").name == "Foo_2:0"


def test_name_scope_reentry_and_none():
    with tf.name_scope("outer") as scope:
        assert scope == "outer/"
    with tf.name_scope(scope):
        assert tf.constant(1).name == "outer/Const:0"
    with tf.name_scope("a"):
        with tf.name_scope(None):
            assert tf.constant(1).name == "Const:0"
        with tf.name_scope("b") as s:
            assert s == "a/b/"
    with tf.name_scope(None, "default") as s:
        assert s == "default/"


def test_invalid_name_raises():
    with pytest.raises(ValueError):
        with tf.name_scope("-bad"):
            pass


def test_default_graph_and_nested_as_default():
    g0 = tf.get_default_graph()
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        assert tf.get_default_graph() is g1
        with g2.as_default():
            assert tf.constant(1).graph is g2
        assert tf.get_default_graph() is g1
        with pytest.raises(AssertionError):
            tf.reset_default_graph()
    assert tf.get_default_graph() is g0
    tf.reset_default_graph()
    assert tf.get_default_graph() is not g0


def test_lookup_by_name():
    c = tf.constant([1, 2], name="c")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("c:0") is c
    assert g.get_operation_by_name("c") is c.op
    assert g.as_graph_element("c:0") is c
    assert g.get_operations() == [c.op]
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError):
        g.get_tensor_by_name("c:3")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("c")
    with pytest.raises(ValueError):
        g.get_operation_by_name("c:0")


def test_tensor_and_operation_attributes():
    c = tf.constant([[1.0, 2.0, 3.0]], name="k")
    i = tf.identity(c, name="i")
    assert c.dtype == tf.float32 and c.shape.as_list() == [1, 3]
    assert c.get_shape() == tf.TensorShape([1, 3])
    assert c.value_index == 0 and c.op.type == "Const" and c.op.name == "k"
    assert c.consumers() == [i.op]
    assert list(i.op.inputs) == [c] and i.op.outputs == [i]
    assert i.op.get_attr("T") == tf.float32
    assert repr(c) == "<tf.Tensor 'k:0' shape=(1, 3) dtype=float32>"
    assert str(c) == 'Tensor("k:0", shape=(1, 3), dtype=float32)'
    with pytest.raises(TypeError):
        bool(c)
    with pytest.raises(ValueError):
        i.op.get_attr("nope")


def test_set_shape_merges_and_rejects():
    p = tf.placeholder(tf.float32, [None, 3])
    p.set_shape([2, None])
    assert p.shape.as_list() == [2, 3]
    with pytest.raises(ValueError):
        p.set_shape([3, 3])


def test_source_line_is_recorded():
    line = sys._getframe().f_lineno + 1
    c = tf.constant(1.0)
    f, lineno, _ = c.op.traceback
    assert f == __file__ and lineno == line


def test_collections_with_scope_filter():
    a = tf.Variable(1.0, name="a")
    with tf.name_scope("s"):
        b = tf.Variable(2.0, name="b")
    tf.add_to_collection("mine", a)
    assert tf.get_collection("mine") == [a]
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [a, b]
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="s") == [b]
    assert tf.GraphKeys.GLOBAL_VARIABLES == "variables"
    assert tf.GraphKeys.TRAINABLE_VARIABLES == "trainable_variables"
    ref = tf.get_collection_ref("other")
    ref.append(1)
    assert tf.get_collection("other") == [1]


def test_control_dependencies():
    a = tf.constant(1)
    b = tf.constant(2)
    with tf.control_dependencies([a]):
        c = tf.constant(3)
        d = tf.identity(a)  # a is already an input: no extra control edge
        with tf.control_dependencies([b.op]):
            e = tf.constant(4)
        with tf.control_dependencies(None):
            f = tf.constant(5)
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == []
    assert e.op.control_inputs == [a.op, b.op]
    assert f.op.control_inputs == []


def test_device_scopes_merge_like_tf():
    with tf.device("/cpu:0"):
        a = tf.constant(1)
    with tf.device("/job:worker/task:1"):
        with tf.device("/device:GPU:2"):
            b = tf.constant(1)
    with tf.device(lambda op: "/device:CPU:3" if op.type == "Const" else ""):
        c = tf.constant(1)
    assert a.device == "/device:CPU:0"
    assert b.device == "/job:worker/task:1/device:GPU:2"
    assert c.device == "/device:CPU:3"


def test_colocate_with_sets_class():
    a = tf.constant(1, name="a")
    with tf.colocate_with(a):
        b = tf.constant(2)
    assert b.op.get_attr("_class") == ["loc:@a"]
    assert b.op.colocation_groups() == [b"loc:@a"]


def test_finalize():
    g = tf.Graph()
    g.finalize()
    with g.as_default():
        with pytest.raises(RuntimeError):
            tf.constant(1)


def test_mixing_graphs_in_one_op_is_an_error():
    g = tf.Graph()
    with g.as_default():
        other = tf.constant(1.0)
    with pytest.raises(ValueError):
        with tf.control_dependencies([other]):
            pass
