"""tf.make_template: variables shared across calls, names as TF 2.21's tf.compat.v1 gives."""
import numpy as np
import pytest

import flowgraph as tf


def _lin(x, n):
    w = tf.get_variable("w", [x.shape[1], n], initializer=tf.ones_initializer())
    return tf.matmul(x, w, name="mm")


def test_calls_share_the_first_calls_variables_with_tensorflows_names():
    t = tf.make_template("lin", _lin, n=2)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    a, b = t(x), t(x)
    c = tf.make_template("lin", _lin, n=4)(x)
    with tf.variable_scope("outer"):
        t3 = tf.make_template("inner", _lin, create_scope_now_=True, n=1)
    d = t3(x)
    # names as TF 2.21 gives them for the same program
    assert [v.name for v in tf.global_variables()] == ["lin/w:0", "lin_1/w:0",
                                                      "outer/inner/w:0"]
    assert [a.name, b.name, c.name, d.name] == ["lin/mm:0", "lin_1/mm:0", "lin_2/mm:0",
                                                "inner/mm:0"]
    assert [v.name for v in t.trainable_variables] == ["lin/w:0"] and t.variables_created
    assert (t.name, t.variable_scope.name, t3.variable_scope_name) == \
        ("lin", "lin", "outer/inner/")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(tf.assign(t.trainable_variables[0], np.full((3, 2), 2.0, np.float32)))
        av, bv = s.run([a, b], {x: np.ones((1, 3))})
    np.testing.assert_array_equal(av, [[6.0, 6.0]])
    np.testing.assert_array_equal(bv, av)  # the second call uses the same variable


def test_a_new_trainable_variable_in_a_later_call_is_an_error():
    t = tf.make_template("bad", lambda x: tf.Variable(1.0) * x)
    t(1.0)
    with pytest.raises(ValueError, match="Trainable variable created when calling a "
                                         "template after the first time"):
        t(2.0)
