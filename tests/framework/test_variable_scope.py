"""tf.variable_scope and tf.get_variable: naming, sharing, defaults and TF's errors."""
import threading

import numpy as np
import pytest

import flowgraph as tf


def _ops():
    return [o.name for o in tf.get_default_graph().get_operations()]


def _run(*fetches):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(list(fetches))


# -- get_variable ----------------------------------------------------------------------------
def test_get_variable_default_glorot_uniform():
    w = tf.get_variable("w", [30, 50])
    assert w.name == "w:0" and w.shape.as_list() == [30, 50]
    assert w.dtype.base_dtype == tf.float32
    assert tf.global_variables() == [w] and tf.trainable_variables() == [w]
    names = _ops()
    assert names[:7] == ["w/Initializer/random_uniform/shape",
                         "w/Initializer/random_uniform/min",
                         "w/Initializer/random_uniform/max",
                         "w/Initializer/random_uniform/RandomUniform",
                         "w/Initializer/random_uniform/sub",
                         "w/Initializer/random_uniform/mul",
                         "w/Initializer/random_uniform"]
    assert names[7:] == ["w", "w/Assign", "w/read"]
    (val,) = _run(w)
    limit = np.sqrt(6.0 / 80)
    assert val.dtype == np.float32 and np.abs(val).max() <= limit
    assert np.abs(val).max() > 0.9 * limit  # really spans the range


@pytest.mark.parametrize("dtype,want", [(tf.int32, 0), (tf.int64, 0), (tf.bool, False),
                                        (tf.string, b"")])
def test_get_variable_default_zeros_for_non_floats(dtype, want):
    v = tf.get_variable("v", [2, 3], dtype=dtype)
    assert v.dtype.base_dtype == dtype
    assert "v/Initializer/zeros" in _ops()
    (val,) = _run(v)
    assert val.shape == (2, 3) and (val == want).all()


def test_get_variable_complex_needs_initializer():
    with pytest.raises(ValueError, match=r"An initializer for variable c of "
                                         r"<dtype: 'complex64'> is required"):
        tf.get_variable("c", [2], dtype=tf.complex64)


def test_initializer_kinds():
    a = tf.get_variable("a", initializer=tf.constant([1.0, 2.0]))
    b = tf.get_variable("b", initializer=[[1, 2, 3]])
    c = tf.get_variable("c", initializer=np.arange(4.0))
    d = tf.get_variable("d", initializer=lambda: tf.constant([1.0, 1.0]))
    e = tf.get_variable("e", [2, 2], initializer=tf.zeros_initializer)  # a class
    f = tf.get_variable("f", [3], initializer=tf.constant_initializer(7.0))
    g = tf.get_variable("g", [2], initializer=lambda shape, dtype=None, partition_info=None:
                        tf.constant(5.0, shape=shape, dtype=dtype))
    assert b.dtype.base_dtype == tf.int32 and b.shape.as_list() == [1, 3]
    assert c.dtype.base_dtype == tf.float64
    assert "b/initial_value" in _ops() and "Const" in _ops()
    va, vb, vc, vd, ve, vf, vg = _run(a, b, c, d, e, f, g)
    np.testing.assert_array_equal(va, [1, 2])
    np.testing.assert_array_equal(vb, [[1, 2, 3]])
    np.testing.assert_array_equal(vc, np.arange(4.0))
    np.testing.assert_array_equal(vd, [1, 1])
    np.testing.assert_array_equal(ve, np.zeros((2, 2)))
    np.testing.assert_array_equal(vf, [7, 7, 7])
    np.testing.assert_array_equal(vg, [5, 5])


def test_initializer_errors():
    with pytest.raises(ValueError, match="If initializer is a constant, do not specify shape."):
        tf.get_variable("a", [2], initializer=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"Variable b did not get an initializer, so its "
                                         r"`shape` argument must be specified."):
        tf.get_variable("b")
    with pytest.raises(ValueError, match=r"Initializer type '<dtype: 'int32'>' and explicit "
                                         r"dtype '<dtype: 'float32'>' don't match."):
        tf.get_variable("c", initializer=tf.constant(1), dtype=tf.float32)
    with pytest.raises(ValueError, match="The initializer passed is not valid"):
        tf.get_variable("d", [None, 2])
    with pytest.raises(ValueError, match="The initializer passed is not valid"):
        tf.get_variable("e", initializer=lambda shape: tf.ones(shape))
    with pytest.raises(ValueError, match="Passed a custom_getter which is not callable: 3"):
        tf.get_variable("f", [2], custom_getter=3)


def test_trainable_collections_and_local_variable():
    a = tf.get_variable("a", [1], trainable=False)
    b = tf.get_variable("b", [1], collections=["mine", tf.GraphKeys.GLOBAL_VARIABLES])
    c = tf.get_local_variable("c", [1])
    assert tf.trainable_variables() == [b]
    assert tf.global_variables() == [a, b] and tf.get_collection("mine") == [b]
    assert tf.local_variables() == [c] and not c.trainable


def test_scalar_and_empty_shapes():
    s = tf.get_variable("s", [])
    z = tf.get_variable("z", [0, 3])
    assert s.shape.as_list() == [] and z.shape.as_list() == [0, 3]
    vs, vz = _run(s, z)
    assert vs.shape == () and vz.shape == (0, 3)


# -- sharing ---------------------------------------------------------------------------------
def test_already_exists_error():
    tf.get_variable("v", [2])
    with pytest.raises(ValueError) as e:
        tf.get_variable("v", [2])
    msg = str(e.value)
    assert msg.startswith("Variable v already exists, disallowed. Did you mean to set "
                          "reuse=True or reuse=tf.AUTO_REUSE in VarScope? Originally "
                          "defined at:")
    assert "test_variable_scope.py" in msg  # the user's line that made it


def test_reuse_true_returns_the_same_variable():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v", [1])
        v2 = tf.get_variable("v")  # shape may be left out when reusing
        with pytest.raises(ValueError, match=r"Variable foo/w does not exist, or was not "
                                             r"created with tf.get_variable\(\). Did you mean "
                                             r"to set reuse=tf.AUTO_REUSE in VarScope\?"):
            tf.get_variable("w", [1])
    assert v1 is v and v2 is v and v.name == "foo/v:0"
    assert len(tf.global_variables()) == 1


def test_shared_shape_and_dtype_mismatch():
    tf.get_variable("v", [2, 3])
    with tf.variable_scope("", reuse=True):
        with pytest.raises(ValueError, match=r"Trying to share variable v, but specified "
                                             r"shape \(3, 2\) and found shape \(2, 3\)."):
            tf.get_variable("v", [3, 2])
        with pytest.raises(ValueError, match="Trying to share variable v, but specified dtype "
                                             "int32 and found dtype float32_ref."):
            tf.get_variable("v", [2, 3], dtype=tf.int32)
        assert tf.get_variable("v", [None, 3]).name == "v:0"  # compatible shape


def test_auto_reuse():
    def layer():
        with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
            return tf.get_variable("w", [2])
    assert layer() is layer()
    assert tf.AUTO_REUSE == "AUTO_REUSE" and len(tf.global_variables()) == 1
    with tf.variable_scope("s", reuse=tf.AUTO_REUSE) as s:
        assert s.reuse == tf.AUTO_REUSE
        with tf.variable_scope("inner") as inner:  # inherited
            assert inner.reuse == tf.AUTO_REUSE
            assert tf.get_variable("x", [1]) is tf.get_variable("x", [1])


def test_reuse_variables_and_inheritance():
    with tf.variable_scope("a") as scope:
        assert scope.reuse is False
        v = tf.get_variable("v", [1])
        scope.reuse_variables()
        assert tf.get_variable_scope().reuse is True
        assert tf.get_variable("v") is v
        with tf.variable_scope("b") as inner:
            assert inner.reuse is True  # sub-scopes inherit reuse
        with tf.variable_scope("b", reuse=False) as inner:
            assert inner.reuse is True  # False means "inherit", as in TF
    with tf.variable_scope("a") as again:
        assert again.reuse is False  # a new VariableScope object


def test_reuse_parameter_checked():
    with pytest.raises(ValueError, match="The reuse parameter must be True or False or None."):
        tf.variable_scope("x", reuse=1)
    with pytest.raises(TypeError, match="If default_name is None then name_or_scope is "
                                        "required"):
        tf.variable_scope(None)
    with pytest.raises(TypeError, match="The auxiliary_name_scope must be `True` or `False`, "
                                        "while get 1"):
        tf.variable_scope("x", auxiliary_name_scope=1)
    with pytest.raises(TypeError, match="VariableScope: name_or_scope must be a string or "
                                        "VariableScope."):
        with tf.variable_scope(3):
            pass
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="d", reuse=True):
            pass
    assert tf.get_variable_scope().name == "" and tf.get_default_graph().get_name_scope() == ""


# -- names -----------------------------------------------------------------------------------
def test_nested_scopes_name_variables_and_ops():
    with tf.variable_scope("foo") as foo:
        assert foo.name == "foo" and foo.original_name_scope == "foo/"
        with tf.variable_scope("bar") as bar:
            v = tf.get_variable("v", [1])
            x = tf.constant(1.0, name="x")
            assert bar.name == "foo/bar" and bar.original_name_scope == "foo/bar/"
            assert tf.get_variable_scope() is bar
    assert v.name == "foo/bar/v:0" and x.name == "foo/bar/x:0"
    assert tf.get_variable_scope().name == ""


def test_reentering_a_name_opens_a_new_name_scope_but_the_same_variable_scope():
    with tf.variable_scope("foo"):
        a = tf.constant(1.0, name="a")
    with tf.variable_scope("foo") as s:
        b = tf.constant(1.0, name="a")
        assert s.original_name_scope == "foo_1/"
        v = tf.get_variable("v", [1])
    assert a.name == "foo/a:0" and b.name == "foo_1/a:0" and v.name == "foo/v:0"


def test_reentering_a_scope_object():
    with tf.variable_scope("foo") as foo:
        pass
    with tf.variable_scope("other"):
        with tf.variable_scope(foo) as again:
            x = tf.constant(1.0, name="x")
            v = tf.get_variable("v", [1])
            with tf.variable_scope("in"):
                w = tf.get_variable("w", [1])
                y = tf.constant(1.0, name="y")
    assert again.name == "foo" and again.original_name_scope == "foo/"
    assert x.name == "other/foo/x:0"  # a new name scope, where it is entered
    assert v.name == "foo/v:0" and w.name == "foo/in/w:0" and y.name == "other/foo/in/y:0"
    with tf.variable_scope(foo, reuse=True):
        assert tf.get_variable("v") is v


def test_root_scope_reentry_with_reuse():
    v = tf.get_variable("v", [1])
    with tf.variable_scope(tf.get_variable_scope(), reuse=True) as root:
        assert root.name == "" and root.reuse is True
        assert tf.get_variable("v") is v
        c = tf.constant(0.0, name="c")
    assert c.name == "c:0"  # no name scope is opened for the root scope


def test_name_scope_is_ignored_by_get_variable():
    with tf.name_scope("ns"):
        with tf.variable_scope("vs"):
            v = tf.get_variable("v", [1])
            x = tf.constant(1.0, name="x")
        w = tf.get_variable("w", [1])
    assert v.name == "vs/v:0" and w.name == "w:0" and x.name == "ns/vs/x:0"
    assert "vs/v/Initializer/random_uniform" in _ops()


def test_default_name_uniquified():
    names = []
    for _ in range(3):
        with tf.variable_scope(None, default_name="dense") as s:
            names.append((s.name, s.original_name_scope, tf.get_variable("w", [1]).name))
    assert names == [("dense", "dense/", "dense/w:0"), ("dense_1", "dense_1/", "dense_1/w:0"),
                     ("dense_2", "dense_2/", "dense_2/w:0")]
    with tf.variable_scope("block"):
        with tf.variable_scope(None, default_name="dense") as s:
            assert s.name == "block/dense"
    with tf.variable_scope("block"):  # sub-scope counts reset when "block" closed
        with tf.variable_scope(None, default_name="dense") as s:
            assert s.name == "block/dense" and s.original_name_scope == "block_1/dense/"


def test_default_name_ignored_when_name_given():
    with tf.variable_scope("given", default_name="dflt") as s:
        assert s.name == "given"


def test_auxiliary_name_scope_false():
    with tf.variable_scope("outer") as outer:
        pass
    with tf.name_scope("ns"):
        with tf.variable_scope(outer, auxiliary_name_scope=False) as s:
            x = tf.constant(1.0, name="x")
            v = tf.get_variable("v", [1])
    assert s.original_name_scope == "outer/"
    assert x.name == "ns/x:0" and v.name == "outer/v:0"
    with tf.variable_scope("fresh", auxiliary_name_scope=False) as f:
        y = tf.constant(1.0, name="y")
    assert y.name == "y:0" and f.original_name_scope == "" and f.name == "fresh"
    with tf.name_scope("ns2"):
        with tf.variable_scope("fresh2", auxiliary_name_scope=False) as f:
            y = tf.constant(1.0, name="y")
    assert y.name == "ns2/y:0" and f.original_name_scope == "ns2/" and f.name == "fresh2"


def test_variable_op_scope_and_values_graph():
    g = tf.Graph()
    with g.as_default():
        t = tf.constant(1.0)
    with tf.variable_scope("s", values=[t]):
        assert tf.get_default_graph() is g
        v = tf.get_variable("v", [1])
    assert v.graph is g and tf.get_default_graph() is not g
    with tf.variable_op_scope([], None, default_name="op") as s:
        assert s.name == "op"


def test_improper_nesting_is_an_error():
    a = tf.variable_scope("a")
    b = tf.variable_scope("b")
    a.__enter__()
    b.__enter__()
    with pytest.raises(RuntimeError, match="Improper nesting of variable_scope."):
        a.__exit__(None, None, None)


# -- inherited defaults ----------------------------------------------------------------------
def test_scope_initializer_dtype_inherited():
    with tf.variable_scope("s", initializer=tf.constant_initializer(3.0), dtype=tf.float64):
        a = tf.get_variable("a", [2])
        with tf.variable_scope("t") as t:
            assert t.dtype == tf.float64
            b = tf.get_variable("b", [1])
            c = tf.get_variable("c", [1], initializer=tf.zeros_initializer())
            with pytest.raises(TypeError, match="Expected int32, but got 3.0 of type 'float'."):
                tf.get_variable("d", [1], dtype=tf.int32)  # the float initializer, as TF
    assert a.dtype.base_dtype == tf.float64 and b.dtype.base_dtype == tf.float64
    va, vb, vc = _run(a, b, c)
    np.testing.assert_array_equal(va, [3, 3])
    np.testing.assert_array_equal(vb, [3])
    np.testing.assert_array_equal(vc, [0])


def test_scope_object_carries_its_defaults():
    with tf.variable_scope("s", initializer=tf.ones_initializer()) as s:
        pass
    with tf.variable_scope(s):
        v = tf.get_variable("v", [2])
    with tf.variable_scope(s, initializer=tf.zeros_initializer()):
        w = tf.get_variable("w", [2])
    vv, vw = _run(v, w)
    np.testing.assert_array_equal(vv, [1, 1])
    np.testing.assert_array_equal(vw, [0, 0])


def test_scope_setters():
    with tf.variable_scope("s") as s:
        s.set_initializer(tf.ones_initializer())
        s.set_dtype(tf.float64)
        v = tf.get_variable("v", [1])
    assert s.initializer is not None and v.dtype.base_dtype == tf.float64
    assert s.global_variables() == [v] and s.trainable_variables() == [v]
    assert s.local_variables() == []


# -- regularizers ----------------------------------------------------------------------------
def test_regularizer_losses_collected_with_tf_names():
    from flowgraph.regularizers import l2_regularizer
    with tf.name_scope("outer"):
        with tf.variable_scope("vs", regularizer=l2_regularizer(0.1)):
            w = tf.get_variable("w", [2, 3])
            b = tf.get_variable("b", [3], regularizer=tf.no_regularizer)
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["vs/w/Regularizer/l2_regularizer:0"]
    assert losses[0].op.get_attr("_class") == ["loc:@vs/w"]
    # TF 2.x first probes the regularizer in the root scope; that op is in the graph too.
    assert "l2_regularizer" in _ops() and b.name == "vs/b:0"
    vw, vl = _run(w, losses[0])
    np.testing.assert_allclose(vl, 0.1 * np.sum(vw ** 2) / 2, rtol=1e-5)


def test_regularizer_returning_none_adds_nothing():
    tf.get_variable("w", [2], regularizer=lambda w: None)
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) == []


def test_regularizer_not_applied_on_reuse():
    from flowgraph.regularizers import l1_regularizer
    with tf.variable_scope("s", regularizer=l1_regularizer(0.5)):
        tf.get_variable("w", [2])
    with tf.variable_scope("s", reuse=True):
        tf.get_variable("w", [2])
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1


# -- custom getters, partitioners ------------------------------------------------------------
def test_custom_getter_renames_and_composes():
    calls = []

    def suffix(getter, name, *args, **kwargs):
        calls.append(("suffix", name))
        return getter(name + "_s", *args, **kwargs)

    def prefix(getter, name, *args, **kwargs):
        calls.append(("prefix", name))
        return getter(name + "_p", *args, **kwargs)

    with tf.variable_scope("a", custom_getter=suffix):
        with tf.variable_scope("b", custom_getter=prefix):
            v = tf.get_variable("v", [1])
    assert v.name == "a/b/v_p_s:0"
    assert calls == [("prefix", "a/b/v"), ("suffix", "a/b/v_p")]


def test_custom_getter_gets_constraint_only_if_it_takes_it():
    seen = {}

    def getter_kw(getter, name, shape=None, **kwargs):
        seen.update(kwargs)
        return getter(name, shape=shape, **kwargs)

    def getter_no_kw(getter, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, synchronization=None, aggregation=None):
        return getter(name, shape=shape, dtype=dtype, initializer=initializer, reuse=reuse)

    tf.get_variable("a", [1], custom_getter=getter_kw, constraint=abs)
    assert seen["constraint"] is abs
    assert tf.get_variable("b", [1], custom_getter=getter_no_kw).name == "b:0"


def test_partitioner_makes_parts_and_scalars_stay_whole():
    p = tf.get_variable("p", [4, 2], partitioner=lambda shape, dtype: [2, 1])
    assert [v.name for v in p] == ["p/part_0:0", "p/part_1:0"]
    assert tf.get_variable("q", [], partitioner=lambda shape, dtype: [1]).name == "q:0"


# -- per graph, per thread -------------------------------------------------------------------
def test_stores_are_per_graph():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        v1 = tf.get_variable("v", [1])
    with g2.as_default():
        v2 = tf.get_variable("v", [1])  # no "already exists": another graph
        with tf.variable_scope("s"):
            assert tf.get_variable_scope().name == "s"
            with g1.as_default():
                assert tf.get_variable_scope().name == ""
    assert v1 is not v2 and v1.graph is g1 and v2.graph is g2


def test_current_scope_is_per_thread():
    seen = []
    with tf.variable_scope("main"):
        t = threading.Thread(target=lambda: seen.append(tf.get_variable_scope().name))
        t.start()
        t.join()
        assert tf.get_variable_scope().name == "main"
    assert seen == [""]


def test_variables_ignore_enclosing_control_dependencies():
    c = tf.no_op(name="c")
    with tf.control_dependencies([c]):
        v = tf.get_variable("v", [2])
    assert all(not o.control_inputs for o in tf.get_default_graph().get_operations())
    assert v.initializer.control_inputs == []
