"""DType and TensorShape behaviour against TF's documented semantics."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import _python_to_numpy


def test_as_dtype_and_properties():
    assert tf.as_dtype("float32") is tf.float32
    assert tf.as_dtype(np.float64) is tf.float64
    assert tf.as_dtype(np.dtype("int8")) is tf.int8
    assert tf.as_dtype(1) is tf.float32 and tf.as_dtype(9) is tf.int64
    assert tf.float32.as_datatype_enum == 1 and tf.as_dtype("float32_ref").as_datatype_enum == 101
    assert tf.as_dtype("float32_ref").base_dtype is tf.float32
    assert tf.float32.is_floating and not tf.int32.is_floating
    assert tf.int32.is_integer and tf.uint8.is_unsigned and tf.complex64.is_complex
    assert tf.float16.as_numpy_dtype is np.float16 and tf.bool.as_numpy_dtype is np.bool_
    assert tf.float32 == np.float32 and tf.float32 != tf.float64
    assert tf.float32.size == 4 and tf.int8.max == 127
    with pytest.raises(TypeError):
        tf.as_dtype("nope")


@pytest.mark.parametrize("value,dtype", [
    (1.5, np.float32), (3, np.int32), (2 ** 40, np.int64), (True, np.bool_),
    ([1, 2.5], np.float32), ([[1, 2]], np.int32), (np.float64(1.0), np.float64),
    (np.arange(3, dtype=np.int16), np.int16), (1j, np.complex128)])
def test_python_values_follow_tf_dtype_rules(value, dtype):
    assert _python_to_numpy(value, None).dtype == dtype
    assert tf.constant(value).dtype == tf.as_dtype(dtype)


def test_constant_conversion_errors():
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant("a", dtype=tf.float32)
    assert tf.constant(b"ab").dtype == tf.string
    assert tf.constant(["a", "b"]).shape.as_list() == [2]


def test_constant_shape_broadcast():
    c = tf.constant(7, shape=[2, 3])
    assert c.shape.as_list() == [2, 3]
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(c), np.full((2, 3), 7, np.int32))
        np.testing.assert_array_equal(s.run(tf.constant([1, 2, 3, 4], shape=[2, 2])),
                                      [[1, 2], [3, 4]])


def test_dimension():
    d = tf.Dimension(3)
    assert d.value == 3 and d == 3 and int(d) == 3 and d + 1 == tf.Dimension(4)
    u = tf.Dimension(None)
    assert (u == 3) is None and (u + 1).value is None and str(u) == "?"
    assert d.merge_with(None).value == 3
    with pytest.raises(ValueError):
        d.merge_with(4)


def test_tensor_shape():
    s = tf.TensorShape([None, 3])
    assert s.ndims == 2 and s.as_list() == [None, 3] and str(s) == "(?, 3)"
    assert not s.is_fully_defined() and s.num_elements() is None
    assert s.merge_with([2, None]).as_list() == [2, 3]
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert not s.is_compatible_with([1, 2, 3])
    assert s[1].value == 3 and s[0].value is None and s[1:].as_list() == [3]
    assert tf.TensorShape(None).ndims is None
    assert tf.TensorShape(None).merge_with([1]).as_list() == [1]
    assert tf.TensorShape([2]).concatenate([3]).as_list() == [2, 3]
    assert tf.TensorShape([2, 3]).num_elements() == 6
    assert str(tf.TensorShape([4])) == "(4,)" and str(tf.TensorShape(None)) == "<unknown>"
    with pytest.raises(ValueError):
        s.merge_with([1, 4])
    with pytest.raises(ValueError):
        tf.TensorShape(None).as_list()
    assert tf.TensorShape([1, 2]).most_specific_compatible_shape([1, 3]).as_list() == [1, None]


def test_type_attr_comes_from_the_first_argument_as_tf():
    t64 = tf.constant(2.0, tf.float64)
    with pytest.raises(TypeError, match="AddV2"):
        tf.add(1.0, t64)     # 1.0 becomes float32 first, as in TF
    assert tf.add(t64, 1.0).dtype == tf.float64
    assert (1.0 - t64).dtype == tf.float64 and (2.0 * t64).dtype == tf.float64
