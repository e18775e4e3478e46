"""tf.py_func / tf.numpy_function: values, types, errors (as real TF 2.21 reports them)."""
import sys

import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case

X = np.array([1.0, -2.0, 3.5], np.float32)

CASES = [
    Case("PyFunc", lambda x: tf.py_func(lambda a: np.tanh(a) * 2, [x], tf.float32), [X],
         ref=lambda x: np.tanh(x) * 2, grad=False),
    Case("PyFuncStateless",
         lambda x: tf.py_func(lambda a: (a + 1, np.int64(a.size)), [x],
                              [tf.float32, tf.int64], stateful=False), [X],
         ref=lambda x: [x + 1, np.int64(3)], grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_names_attrs_and_unknown_shapes_as_in_tensorflow():
    x = tf.placeholder(tf.float32, [3])
    y = tf.py_func(lambda a: a, [x], tf.float32)
    z = tf.numpy_function(lambda a: a, [x], [tf.float32])
    w = tf.py_func(lambda a: a, [x], [tf.float32], stateful=False)
    assert (y.op.type, y.name, w[0].op.type) == ("PyFunc", "PyFunc:0", "PyFuncStateless")
    assert isinstance(z, list) and z[0].op.type == "PyFunc"
    assert y.shape.ndims is None
    assert y.op.get_attr("Tin") == [tf.float32] and y.op.get_attr("Tout") == [tf.float32]
    t0, t1 = (int(t.op.get_attr("token").split("_")[1]) for t in (y, z[0]))
    assert y.op.get_attr("token").startswith("pyfunc_") and t1 == t0 + 1


def test_python_values_take_the_declared_type_and_strings_work():
    x = tf.placeholder(tf.float32, [3])
    a = tf.py_func(lambda v: 3.0, [x], tf.float64)
    b = tf.py_func(lambda v: b"hi", [x], tf.string)
    c = tf.py_func(lambda v: None, [x], [])
    with tf.Session() as s:
        got = s.run([a, b, c], {x: X})
    assert got[0] == 3.0 and got[0].dtype == np.float64 and got[1] == b"hi"
    assert got[2] is None  # no outputs: py_func returns the op


def test_side_effects_run_once_per_run_and_gradients_are_none():
    calls = []
    x = tf.placeholder(tf.float32, [3])
    y = tf.py_func(lambda a: calls.append(a.copy()) or a * 2, [x], tf.float32)
    assert tf.gradients(y, x) == [None]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y, {x: X}), X * 2)
        s.run(y, {x: X})
    assert len(calls) == 2 and calls[0].dtype == np.float32


@pytest.mark.parametrize("exc, cls", [
    (ValueError, tf.errors.InvalidArgumentError), (TypeError, tf.errors.InvalidArgumentError),
    (StopIteration, tf.errors.OutOfRangeError), (MemoryError, tf.errors.ResourceExhaustedError),
    (NotImplementedError, tf.errors.UnimplementedError), (KeyError, tf.errors.UnknownError),
    (RuntimeError, tf.errors.UnknownError)])
def test_exceptions_become_tensorflow_error_classes(exc, cls):
    def f(a):
        raise exc("broken")
    x = tf.placeholder(tf.float32, [3])
    line = sys._getframe().f_lineno + 1
    y = tf.py_func(f, [x], tf.float32, name="user_fn")
    with tf.Session() as s, pytest.raises(cls) as e:
        s.run(y, {x: X})
    assert "user_fn" in str(e.value) and f"test_script_ops.py:{line}" in str(e.value)
    assert "broken" in str(e.value)


def test_wrong_results_are_invalid_argument_naming_the_function():
    x = tf.placeholder(tf.float32, [3])
    two = tf.py_func(lambda a: (a, a), [x], tf.float32)
    one = tf.py_func(lambda a: a, [x], [tf.float32, tf.float32])
    typed = tf.py_func(lambda a: a.astype(np.float64), [x], tf.float32)
    with tf.Session() as s:
        for t, msg in ((two, "returns 2 values, but expects to see 1 values"),
                       (one, "returns 1 values, but expects to see 2 values"),
                       (typed, "0-th value returned by pyfunc_\\d+ is double, but expects "
                               "float")):
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
                s.run(t, {x: X})


def test_matches_tensorflow():
    tfv1 = pytest.importorskip("tensorflow").compat.v1
    tfv1.disable_eager_execution()
    out = []
    for lib in (tf, tfv1):
        g = lib.Graph()
        with g.as_default():
            x = lib.placeholder(lib.float32, [3])
            y = lib.py_func(lambda a: (np.cumsum(a), a.max()), [x], [lib.float32, lib.float32])
            z = lib.py_func(lambda a: a.astype(np.int32), [x], lib.int32)
        with lib.Session(graph=g) as s:
            out.append(s.run(y + [z], {x: X}))
    for a, b in zip(*out):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
