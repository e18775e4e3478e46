"""The GPU suite: the same graphs on /gpu:0 (CuPy) and on the CPU give the same results.
Skipped (by tests/conftest.py) where CuPy or a CUDA GPU is absent."""
import numpy as np
import pytest

import flowgraph as tf

pytestmark = pytest.mark.gpu
GPU = "/job:localhost/replica:0/task:0/device:GPU:0"


def _both(build, feed_fn, fetch_names=None):
    """Runs `build()` placed on the CPU and on the GPU; returns both results."""
    out = []
    for device in ("/cpu:0", "/gpu:0"):
        g = tf.Graph()
        with g.as_default(), tf.device(device):
            tf.set_random_seed(1)
            fetches, feeds = build()
            init = tf.global_variables_initializer()
        with tf.Session(graph=g, config=tf.ConfigProto(allow_soft_placement=True)) as s:
            s.run(init)
            out.append(s.run(fetches, feed_fn(feeds)))
    return out


def test_gpu_is_listed_and_default():
    assert tf.test.is_gpu_available() and tf.test.gpu_device_name() == "/device:GPU:0"
    with tf.Session() as s:
        assert GPU in [d.name for d in s.list_devices()]


def test_core_math_and_array_ops():
    rng = np.random.RandomState(0)
    x0 = rng.randn(4, 6).astype(np.float32)

    def build():
        x = tf.placeholder(tf.float32, [4, 6])
        y = tf.reduce_sum(tf.nn.relu(tf.matmul(x, tf.transpose(x)) - 1.0), axis=1)
        z = tf.concat([tf.gather(x, [3, 0]), tf.reverse(x[:2], [1])], 0)
        return [y, z, tf.argmax(x, 1)], x
    cpu, gpu = _both(build, lambda x: {x: x0})
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_training_step_on_gpu_matches_cpu():
    rng = np.random.RandomState(0)
    x0 = rng.rand(32, 20).astype(np.float32)
    y0 = rng.randint(0, 5, 32)

    def build():
        x = tf.placeholder(tf.float32, [None, 20])
        y = tf.placeholder(tf.int64, [None])
        h = tf.layers.dense(x, 16, tf.nn.relu,
                            kernel_initializer=tf.constant_initializer(0.05))
        logits = tf.layers.dense(h, 5, kernel_initializer=tf.constant_initializer(-0.03))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.control_dependencies([train]):
            after = tf.identity(loss)
        return [after, tf.trainable_variables()], (x, y)
    cpu, gpu = _both(build, lambda xy: {xy[0]: x0, xy[1]: y0})
    np.testing.assert_allclose(cpu[0], gpu[0], rtol=1e-4)
    for a, b in zip(cpu[1], gpu[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_conv_pool_and_gradients_on_gpu():
    rng = np.random.RandomState(1)
    x0 = rng.randn(2, 8, 8, 3).astype(np.float32)

    def build():
        x = tf.placeholder(tf.float32, [2, 8, 8, 3])
        w = tf.Variable(rng.randn(3, 3, 3, 4).astype(np.float32) * 0.1)
        y = tf.nn.max_pool(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), [1, 2, 2, 1],
                           [1, 2, 2, 1], "VALID")
        return [y] + tf.gradients(tf.reduce_sum(y * y), [x, w]), x
    cpu, gpu = _both(build, lambda x: {x: x0})
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_variables_stay_on_the_gpu_and_fetches_are_numpy():
    with tf.device("/gpu:0"):
        v = tf.Variable(np.ones(3, np.float32))
        inc = tf.assign_add(v, [1.0, 2.0, 3.0])
    with tf.Session() as s:
        s.run(v.initializer)
        s.run(inc)
        got = s.run(v)
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, [2.0, 3.0, 4.0])
        stored = s._ctx.vars[v.op.name]
        assert hasattr(stored, "__cuda_array_interface__")


def test_string_ops_stay_on_the_cpu():
    with tf.device("/gpu:0"):
        s_t = tf.constant(["a", "b"])
        n = tf.constant(1.0) + 1.0
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as s:
        assert list(s.run(s_t)) == [b"a", b"b"] and s.run(n) == 2.0


def test_gpu_out_of_memory_is_resource_exhausted():
    with tf.device("/gpu:0"):
        big = tf.zeros([1 << 20, 1 << 20])  # 4 TiB
    with tf.Session() as s:
        with pytest.raises(tf.errors.ResourceExhaustedError):
            s.run(big)
