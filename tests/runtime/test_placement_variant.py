"""TensorLists (variant tensors) stay on the host and pass through transfers unchanged."""
import numpy as np

import flowgraph as tf
from flowgraph.runtime.devices import Device


def test_variant_values_pass_through_copies():
    dev = Device("CPU", 1, np)
    marker = object()
    assert dev.copy_from(marker, None) is marker


def test_tensor_array_across_cpu_devices():
    with tf.device("/cpu:1"):
        ta = tf.TensorArray(tf.float32, size=2).write(0, [1.0]).write(1, [2.0])
    out = ta.stack()
    with tf.Session(config=tf.ConfigProto(device_count={"CPU": 2})) as s:
        np.testing.assert_array_equal(s.run(out), [[1.0], [2.0]])
