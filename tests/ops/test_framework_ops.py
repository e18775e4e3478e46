"""tf.py_function (EagerPyFunc) and tf.user_ops.my_fact (Fact): values, names, types."""
import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

X = np.array([1.0, -2.0, 3.5], np.float32)

CASES = [
    Case("EagerPyFunc", lambda x: tf.py_function(lambda a: a.numpy() * 3, [x], tf.float32),
         [X], ref=lambda x: x * 3, grad=False),
    Case("EagerPyFunc", lambda x: tf.py_function(lambda a: (a + 1, np.int64(a.shape[0])),
                                                 [x], [tf.float32, tf.int64]),
         [X], ref=lambda x: [x + 1, np.int64(3)], grad=False, name="EagerPyFunc_list"),
    Case("Fact", lambda x: [tf.equal(tf.user_ops.my_fact(), "0! == 1"), tf.identity(x)],
         [X], ref=lambda x: [np.array(True), x], grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_py_function_builds_eager_py_func_with_unknown_shape():
    x = tf.placeholder(tf.float32, [3])
    y = tf.py_function(lambda a: a, [x], tf.float32)
    z = tf.py_function(lambda a: [a], [x], [tf.float32])
    assert (y.op.type, y.name) == ("EagerPyFunc", "EagerPyFunc:0")
    assert isinstance(z, list) and y.shape.ndims is None
    assert y.op.get_attr("Tout") == [tf.float32]


def test_py_function_errors_are_tf_errors():
    y = tf.py_function(lambda a: a.numpy().astype(np.float64), [tf.constant([1.0])],
                       tf.float32)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError):
        s.run(y)
    w = tf.py_function(lambda: (_ for _ in ()).throw(ValueError("bad")), [], tf.float32)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="bad"):
        s.run(w)


def test_my_fact_is_a_scalar_string():
    f = tf.user_ops.my_fact()
    assert (f.op.type, f.dtype, f.shape.as_list()) == ("Fact", tf.string, [])
