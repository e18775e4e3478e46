"""TensorList ops and tf.TensorArray: values, static shapes, errors and gradients, also
inside while loops."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.ops import list_ops
from flowgraph.test.gradient_checker import compute_gradient_error
from tests.optest import Case, run_case

X = np.arange(12, dtype=np.float32).reshape(3, 4) / 7.0 - 0.5  # 3 elements of shape [4]
Y = np.array([[0.5, -1.5, 2.0, 0.25]], np.float32)
Z = np.linspace(-1, 1, 10).astype(np.float32).reshape(5, 2)


def _ta(n=3, like=None, **kw):
    """A TensorArray of the dtype of `like` (the checker runs cases in float64 too)."""
    return tf.TensorArray(like.dtype if like is not None else tf.float32, size=n, **kw)


def _set_get(x, y):
    ta = _ta(like=x, element_shape=[4]).unstack(x).write(1, y[0] * 2.0)
    return [ta.read(1), ta.read(2) * ta.read(1)]


def _reserve_stack(y):
    return _ta(4, like=y, element_shape=[4]).write(2, y[0]).stack()


def _concat_split(x):
    ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True, infer_shape=False)
    ta = ta.split(tf.reshape(x, [12]), [5, 3, 4])
    return ta.concat() * 2.0


def _split_read(x):
    ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True, infer_shape=False)
    return ta.split(tf.reshape(x, [12]), [5, 7]).read(1)


def _resize(x):
    ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True, element_shape=[4])
    ta = ta.write(0, x[0]).write(4, x[1] * x[2])
    return ta.stack()


def _scatter_gather(x, z):
    ta = _ta(6, like=z, element_shape=[2]).scatter([4, 0, 2], z[:3] * z[2:])
    ta = ta.write(1, tf.reduce_sum(x[:2], 0)[:2])
    return [ta.gather([0, 4, 4, 1]), ta.stack()]


def _length(x):
    ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True, element_shape=[None])
    ta = ta.write(6, x[0])
    return [ta.size(), list_ops.tensor_list_element_shape(ta.flow)]


CASES = [
    Case("TensorListFromTensor", lambda x: _ta(like=x).unstack(x).stack() * 3.0, [X],
         ref=lambda x: x * 3.0),
    Case("TensorListSetItem", _set_get, [X, Y],
         ref=lambda x, y: [y[0] * 2, x[2] * y[0] * 2]),
    Case("TensorListGetItem", lambda x: _ta(like=x).unstack(x).read(2) ** 2, [X],
         ref=lambda x: x[2] ** 2),
    Case("TensorListReserve", _reserve_stack, [Y],
         ref=lambda y: np.stack([np.zeros(4), np.zeros(4), y[0], np.zeros(4)])),
    Case("TensorListStack", lambda x: tf.sin(_ta(like=x).unstack(x * x).stack()), [X],
         ref=lambda x: np.sin(x * x)),
    Case("TensorListGather", lambda x: _ta(like=x).unstack(x).gather([2, 0, 2]), [X],
         ref=lambda x: x[[2, 0, 2]]),
    Case("TensorListScatterIntoExistingList", _scatter_gather, [X, Z],
         ref=lambda x, z: [np.stack([(z[:3] * z[2:])[1], (z[:3] * z[2:])[0],
                                     (z[:3] * z[2:])[0], x[:2].sum(0)[:2]]),
                           np.stack([(z[:3] * z[2:])[1], x[:2].sum(0)[:2],
                                     (z[:3] * z[2:])[2], np.zeros(2),
                                     (z[:3] * z[2:])[0], np.zeros(2)])],
         name="TensorListScatterIntoExistingList_and_gather"),
    Case("TensorListResize", _resize, [X],
         ref=lambda x: np.stack([x[0], np.zeros(4), np.zeros(4), np.zeros(4), x[1] * x[2]])),
    Case("TensorListConcatV2", _concat_split, [X], ref=lambda x: x.reshape(12) * 2.0),
    Case("TensorListSplit", _split_read, [X], ref=lambda x: x.reshape(12)[5:]),
    Case("TensorListLength", _length, [X],
         ref=lambda x: [np.int32(7), np.array([-1], np.int32)], grad=False),
    Case("TensorListElementShape", _length, [X],
         ref=lambda x: [np.int32(7), np.array([-1], np.int32)], grad=False),
]
EXEMPT = {}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_op_types_and_static_shapes():
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
    assert ta.flow.op.type == "TensorListReserve" and ta.flow.dtype == tf.variant
    w = ta.write(0, [1.0, 2.0])
    assert w.flow.op.type == "TensorListSetItem" and w.flow.op.name.startswith(
        "TensorArrayV2Write")
    assert w.read(0).op.type == "TensorListGetItem" and w.read(0).shape.as_list() == [2]
    s = w.stack()
    assert s.op.type == "TensorListStack" and s.shape.as_list() == [3, 2]
    assert s.op.get_attr("num_elements") == 3
    assert ta.unstack(np.zeros((3, 2), np.float32)).flow.op.type == "TensorListFromTensor"
    assert ta.gather([0, 1]).shape.as_list() == [2, 2]
    sc = ta.scatter([0], [[1.0, 2.0]])
    assert sc.flow.op.type == "TensorListScatterIntoExistingList"
    assert ta.size().op.type == "Const"
    d = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    assert d.size().op.type == "TensorListLength"
    assert d.write(3, 1.0).flow.op.get_attr("resize_if_index_out_of_bounds") is True


def test_element_shape_is_learned_and_shared():
    ta = tf.TensorArray(tf.float32, size=2)
    assert ta.element_shape.ndims is None
    w = ta.write(0, tf.zeros([3, 5]))
    assert ta.element_shape.as_list() == [3, 5] and w.read(1).shape.as_list() == [3, 5]
    with pytest.raises(ValueError, match="Inconsistent shapes"):
        w.write(1, tf.zeros([2, 5]))
    loose = tf.TensorArray(tf.float32, size=2, infer_shape=False)
    loose.write(0, tf.zeros([3]))
    assert loose.element_shape.ndims is None


def test_functional_writes_leave_old_versions_alone():
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[])
    a = ta.write(0, 1.0)
    b = a.write(0, 5.0).write(1, 7.0)
    with tf.Session() as s:
        va, vb = s.run([a.stack(), b.stack()])
    np.testing.assert_array_equal(va, [1.0, 0.0])
    np.testing.assert_array_equal(vb, [5.0, 7.0])


def test_dynamic_size_grows_and_identity_close():
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    ta = ta.write(0, [1, 2]).write(2, [5, 6]).identity()
    assert ta.flow.op.type == "Identity"
    close = ta.close()
    with tf.Session() as s:
        v, n, _ = s.run([ta.stack(), ta.size(), close])
    np.testing.assert_array_equal(v, [[1, 2], [0, 0], [5, 6]])
    assert v.dtype == np.int32 and n == 3


def test_constructor_errors():
    with pytest.raises(ValueError, match="size"):
        tf.TensorArray(tf.float32)
    with pytest.raises(TypeError, match="variant"):
        tf.TensorArray(tf.float32, flow=tf.constant(1.0))
    flow = tf.TensorArray(tf.float32, size=1).flow
    with pytest.raises(ValueError):
        tf.TensorArray(tf.float32, size=1, flow=flow)
    rebuilt = tf.TensorArray(tf.float32, flow=flow)
    assert rebuilt.flow is flow
    with pytest.raises(TypeError, match="dtype"):
        tf.TensorArray(tf.float32, size=1).write(0, tf.constant(1))
    with pytest.raises(ValueError, match="scalar"):
        tf.TensorArray(tf.float32, size=1).unstack(1.0)


def test_run_time_errors_name_the_op():
    i = tf.placeholder(tf.int32, [])
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[3]).write(0, tf.zeros([3]))
    r = ta.read(i)
    w = ta.write(i, tf.ones([3]))
    stacked = tf.TensorArray(tf.float32, size=2).write(0, tf.zeros([2])).write(
        1, tf.placeholder_with_default(tf.zeros([3]), [None])).stack()
    unknown = tf.TensorArray(tf.float32, size=2).read(0)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(r, {i: 1}), np.zeros(3))  # unwritten: zeros
        with pytest.raises(tf.errors.InvalidArgumentError, match="element 5 in a list "
                                                                  "with 2 elements"):
            s.run(r, {i: 5})
        with pytest.raises(tf.errors.InvalidArgumentError, match="TensorListSetItem"):
            s.run(w.stack(), {i: -1})
        with pytest.raises(tf.errors.InvalidArgumentError, match="different shapes"):
            s.run(stacked)
        with pytest.raises(tf.errors.InvalidArgumentError, match="not fully defined"):
            s.run(unknown)


def test_stack_of_an_empty_array():
    ta = tf.TensorArray(tf.float32, size=0, element_shape=[2, 3])
    with tf.Session() as s:
        v = s.run(ta.stack())
    assert v.shape == (0, 2, 3) and v.dtype == np.float32


def test_tensor_array_as_while_loop_variable_with_gradient():
    x = tf.placeholder(tf.float64, [5, 3])
    xs = tf.TensorArray(tf.float64, size=5).unstack(x)

    def body(i, acc, out):
        v = xs.read(i)
        acc = acc * 0.5 + tf.sin(v)
        return i + 1, acc, out.write(i, acc * v)
    _, acc, out = tf.while_loop(lambda i, a, o: i < 5, body,
                                [0, tf.zeros([3], tf.float64),
                                 tf.TensorArray(tf.float64, size=5)])
    assert isinstance(out, tf.TensorArray) and out.element_shape.as_list() == [3]
    y = out.stack()
    assert y.shape.as_list() == [5, 3]
    loss = tf.reduce_sum(y * y) + tf.reduce_sum(acc)
    xv = np.random.RandomState(3).randn(5, 3)
    with tf.Session() as s:
        got = s.run(y, {x: xv})
        err = compute_gradient_error(x, [5, 3], loss, [], x_init_value=xv)
    a, ref = np.zeros(3), []
    for r in xv:
        a = a * 0.5 + np.sin(r)
        ref.append(a * r)
    np.testing.assert_allclose(got, np.array(ref), rtol=1e-12)
    assert err < 1e-4


def test_dynamic_array_in_loop_and_cond():
    n = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float64, [])

    def body(i, ta):
        return i + 1, ta.write(i, tf.cast(i, tf.float64) * x)
    _, ta = tf.while_loop(lambda i, ta: i < n, body,
                          [0, tf.TensorArray(tf.float64, size=0, dynamic_size=True)])
    picked = tf.cond(n > 2, lambda: ta.write(0, x * x), lambda: ta)
    y = picked.stack()
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(y, {n: 4, x: 3.0}), [9.0, 3.0, 6.0, 9.0])
        np.testing.assert_allclose(s.run(y, {n: 2, x: 3.0}), [0.0, 3.0])
        err = compute_gradient_error(x, [], tf.reduce_sum(y), [], x_init_value=np.array(1.5),
                                     extra_feed_dict={n: 4})
    assert err < 1e-6


def test_gradient_of_repeated_gather_adds_up():
    x = tf.placeholder(tf.float64, [3, 2])
    g = tf.TensorArray(tf.float64, size=3).unstack(x).gather([1, 1, 2])
    dx = tf.gradients(tf.reduce_sum(g), x)[0]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(dx, {x: np.ones((3, 2))}),
                                      [[0, 0], [2, 2], [1, 1]])


_HANDLE_CASES = [
    ("no_flow", dict(handle=True)),
    ("size", dict(handle=True, flow=True, size=3)),
    ("element_shape", dict(handle=True, flow=True, element_shape=[2])),
    ("dynamic_size", dict(handle=True, flow=True, dynamic_size=True)),
    ("clear_after_read", dict(handle=True, flow=True, clear_after_read=False)),
    ("tensor_array_name", dict(handle=True, flow=True, tensor_array_name="x")),
    ("not_a_tensor", dict(handle=3, flow=True)),
    ("nothing", dict()),
]


def _handle_args(tfm, kw):
    ta = tfm.TensorArray(tfm.float32, size=3)
    out = dict(kw)
    if out.get("handle") is True:
        out["handle"] = ta.handle
    if out.get("flow") is True:
        out["flow"] = ta.flow
    return out


@pytest.mark.parametrize("name,kw", _HANDLE_CASES, ids=[c[0] for c in _HANDLE_CASES])
def test_handle_argument_errors_as_tf(name, kw):
    tf_real = pytest.importorskip("tensorflow")
    tf1 = tf_real.compat.v1
    from tensorflow.python.ops import control_flow_util
    with tf1.Graph().as_default():
        old = control_flow_util.ENABLE_CONTROL_FLOW_V2
        control_flow_util.ENABLE_CONTROL_FLOW_V2 = False  # TF1's graph TensorArray
        try:
            with pytest.raises(Exception) as theirs:
                tf1.TensorArray(tf1.float32, **_handle_args(tf1, kw))
        finally:
            control_flow_util.ENABLE_CONTROL_FLOW_V2 = old
    with pytest.raises(theirs.type) as ours:
        tf.TensorArray(tf.float32, **_handle_args(tf, kw))
    assert str(ours.value) == str(theirs.value)


def test_wrap_handle_and_flow():
    ta = tf.TensorArray(tf.float32, size=3)
    first = ta.write(0, [1.0, 2.0])
    wrapped = tf.TensorArray(tf.float32, handle=first.handle, flow=first.flow)
    assert wrapped.flow is first.flow and not wrapped.dynamic_size
    w = wrapped.write(1, [3.0, 4.0]).write(2, [5.0, 6.0])
    assert w.element_shape.as_list() == [2]
    with tf.Session() as s:
        v, n, r = s.run([w.stack(), w.size(), w.read(0)])
    np.testing.assert_array_equal(v, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(r, [1, 2])
    assert n == 3
    with pytest.raises(TypeError, match="variant"):
        tf.TensorArray(tf.float32, handle=tf.constant(1.0), flow=ta.flow)
