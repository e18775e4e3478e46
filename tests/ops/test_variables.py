"""tf.Variable and the state ops: names, collections, initialization, assignment."""

import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {op: "tests/ops/test_variables.py" for op in (
    "VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized",
    "Placeholder", "NoOp")}


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_variable_ops_and_names_as_tf():
    v = tf.Variable([1.0, 2.0])
    w = tf.Variable(3, name="w")
    names = [(o.name, o.type) for o in tf.get_default_graph().get_operations()]
    assert names[:4] == [("Variable/initial_value", "Const"), ("Variable", "VariableV2"),
                         ("Variable/Assign", "Assign"), ("Variable/read", "Identity")]
    assert v.name == "Variable:0" and w.name == "w:0" and v.op.name == "Variable"
    assert v.dtype == tf.as_dtype("float32_ref") and v.dtype.base_dtype == tf.float32
    assert v.shape.as_list() == [2] and w.dtype.base_dtype == tf.int32
    assert v.value().name == "Variable/read:0"
    assert v.initializer.name == "Variable/Assign"
    assert v.initializer.get_attr("_class") == ["loc:@Variable"]
    assert tf.global_variables() == [v, w] and tf.trainable_variables() == [v, w]


def test_collections_and_trainable():
    a = tf.Variable(1.0, trainable=False)
    b = tf.Variable(1.0, collections=[tf.GraphKeys.LOCAL_VARIABLES])
    assert tf.global_variables() == [a] and tf.trainable_variables() == [b]
    assert tf.local_variables() == [b]


def test_initialize_assign_and_read():
    v = tf.Variable([1.0, 2.0], name="v")
    add = v.assign_add([1.0, 1.0])
    sub = tf.assign_sub(v, [0.5, 0.5])
    setv = tf.assign(v, [7.0, 8.0])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(add), [2.0, 3.0])
        np.testing.assert_array_equal(s.run(sub), [1.5, 2.5])
        np.testing.assert_array_equal(s.run(v), [1.5, 2.5])
        np.testing.assert_array_equal(s.run(setv), [7.0, 8.0])
        v.load([0.0, 1.0], s)
        np.testing.assert_array_equal(v.eval(s), [0.0, 1.0])
        np.testing.assert_array_equal(s.run(v.read_value()), [0.0, 1.0])


def test_uninitialized_read_names_variable():
    v = tf.Variable(1.0, name="weights")
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="weights"):
            s.run(v)
        assert not s.run(tf.is_variable_initialized(v))
        assert list(s.run(tf.report_uninitialized_variables())) == [b"weights"]
        s.run(v.initializer)
        assert s.run(tf.is_variable_initialized(v))
        assert len(s.run(tf.report_uninitialized_variables())) == 0


def test_two_sessions_are_independent():
    v = tf.Variable(1.0)
    inc = v.assign_add(1.0)
    with tf.Session() as s1, tf.Session() as s2:
        s1.run(v.initializer)
        s2.run(v.initializer)
        s1.run(inc)
        s1.run(inc)
        assert s1.run(v) == 3.0 and s2.run(v) == 1.0


def test_failed_run_leaves_variables_untouched():
    v = tf.Variable([1.0, 2.0])
    assign = tf.assign(v, [5.0, 6.0])
    w = tf.Variable(0.0, name="never_initialized")  # created after: runs after the assign
    with tf.control_dependencies([assign]):
        out = tf.identity(w)
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError):
            s.run(out)
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
        s.run(assign)  # the same assign on its own does land
        np.testing.assert_array_equal(s.run(v), [5.0, 6.0])


def test_assign_shape_mismatch():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError):
        tf.assign(v, [1.0, 2.0, 3.0])
    p = tf.placeholder(tf.float32)
    a = tf.assign(v, p)
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match="shapes"):
            s.run(a, {p: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])


def test_assign_requires_a_variable():
    with pytest.raises(TypeError, match="mutable"):
        tf.assign(tf.constant(1.0), 2.0)


def test_initialized_value_and_callable_initial_value():
    a = tf.Variable(2.0)
    b = tf.Variable(a.initialized_value() * 3.0)
    c = tf.Variable(lambda: tf.constant([1, 2]), name="c")
    assert c.op.name == "c" and c.initial_value.op.name.startswith("c/Initializer")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(b) == 6.0
        np.testing.assert_array_equal(s.run(c), [1, 2])


def test_variable_operators_and_conversion():
    v = tf.Variable([1.0, 2.0])
    y = v * 2.0 + 1.0
    z = tf.identity(v)
    with tf.Session() as s:
        s.run(tf.variables_initializer([v]))
        np.testing.assert_array_equal(s.run(y), [3.0, 5.0])
        np.testing.assert_array_equal(s.run(z), [1.0, 2.0])
        np.testing.assert_array_equal(s.run(v[1]), 2.0)


def test_validate_shape_false():
    p = tf.placeholder(tf.float32)
    v = tf.Variable(p, validate_shape=False)
    assert v.shape.ndims is None
    with tf.Session() as s:
        s.run(v.initializer, {p: [1.0, 2.0, 3.0]})
        assert s.run(v).shape == (3,)


def test_local_variables_initializer_and_empty():
    tf.Variable(1.0, collections=[tf.GraphKeys.LOCAL_VARIABLES], name="loc")
    init = tf.local_variables_initializer()
    empty = tf.variables_initializer([])
    assert init.type == "NoOp" and empty.type == "NoOp"
    with tf.Session() as s:
        s.run([init, empty])
    with tf.Session() as s:
        s.run([init, empty])


def test_read_under_control_dependency_sees_the_assign():
    v = tf.Variable(1.0)
    assign = tf.assign(v, 5.0)
    with tf.control_dependencies([assign]):
        after = v.read_value()
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(after) == 5.0


def test_variables_ignore_enclosing_control_dependencies():
    c = tf.constant(1.0)
    with tf.control_dependencies([c]):
        v = tf.Variable(2.0)
        w = tf.Variable(lambda: tf.constant(3.0), name="w")
    assert v.initializer.control_inputs == [] and v.op.control_inputs == []
    init_op = w.initial_value.op
    assert init_op.control_inputs == [] and init_op.get_attr("_class") == ["loc:@w"]


def test_assign_checks_the_declared_shape_before_initialization():
    v = tf.Variable(tf.zeros([2, 3]), name="declared")
    p = tf.placeholder(tf.float32)
    a = tf.assign(v, p)
    loose = tf.assign(v, p, validate_shape=False)
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"lhs shape= \[2, 3\]"):
            s.run(a, {p: np.ones(4, np.float32)})
        assert not s.run(tf.is_variable_initialized(v))
        s.run(loose, {p: np.ones(4, np.float32)})
        assert s.run(v).shape == (4,)


def test_snapshot_reads_alias_the_variable_as_in_tf():
    # `tf.identity(v)` goes through the `v/read` snapshot; in TF that aliases the
    # variable's buffer, so a read made after an update sees the new value.
    v = tf.Variable(1.0)
    update = tf.assign_add(v, 10.0)
    with tf.control_dependencies([update]):
        after = tf.identity(v)
        doubled = v * 2.0
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(after) == 11.0
        assert s.run(doubled) == 42.0
        assert s.run(v.value()) == 21.0
        # Feeding the snapshot replaces the variable's value for that run only.
        assert s.run(doubled, {v.value(): 0.5}) == 1.0
