"""The GPU suite: the same graphs on /gpu:0 (CuPy) and on the CPU give the same results.

Each test runs twice: `[cupy]` on a real GPU (marked `gpu`, skipped by tests/conftest.py
where CuPy or a CUDA GPU is absent) and `[emulated]` on tests/gpu/fake_cupy.py, which is
not a GPU but enforces CuPy's device/host rules, so every CI run checks that the GPU code
path keeps device arrays on the device and converts at the host boundary only."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op

GPU = "/job:localhost/replica:0/task:0/device:GPU:0"


@pytest.fixture(autouse=True, params=[pytest.param("cupy", marks=pytest.mark.gpu),
                                      "emulated"])
def backend(request):
    """Which GPU array module the test runs on: real CuPy, or the emulation."""
    if request.param == "emulated":
        return request.getfixturevalue("fake_gpu")
    import cupy
    return cupy


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
    w0 = rng.randn(3, 3, 3, 4).astype(np.float32) * 0.1  # the same weights on both devices

    def build():
        x = tf.placeholder(tf.float32, [2, 8, 8, 3])
        w = tf.Variable(w0)
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


def test_string_ops_stay_on_the_cpu(capfd):
    # As in TF, there is no GPU kernel for string tensors: pinned to a GPU, they need soft
    # placement (without it, placement fails naming the op), which keeps them on the host.
    with tf.device("/gpu:0"):
        s_t = tf.constant(["a", "b"])
        n = tf.constant(1.0) + 1.0
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="no supported kernel"):
            s.run(s_t)
    config = tf.ConfigProto(log_device_placement=True, allow_soft_placement=True)
    with tf.Session(config=config) as s:
        assert list(s.run(s_t)) == [b"a", b"b"] and s.run(n) == 2.0
    log = capfd.readouterr().err
    assert f"{s_t.op.name}: (Const): /job:localhost/replica:0/task:0/device:CPU:0" in log
    assert f"{n.op.name}: (AddV2): {GPU}" in log


def test_gpu_out_of_memory_names_the_op_and_the_size():
    with tf.device("/gpu:0"):
        big = tf.zeros([1 << 20, 1 << 20], name="big")  # 4 TiB of float32
    with tf.Session() as s:
        with pytest.raises(tf.errors.ResourceExhaustedError) as e:
            s.run(big)
    assert e.value.op is big.op
    assert "[[node big " in e.value.message and "Fill" in e.value.message
    assert f"{(1 << 40) * 4:,} bytes" in e.value.message


def _per_device_runs(build, runs=2, device="/gpu:0"):
    """`runs` runs of `build()`'s fetches in each of two fresh sessions on `device`."""
    g = tf.Graph()
    with g.as_default(), tf.device(device):
        tf.set_random_seed(7)
        fetches = build()
    out = []
    for _ in range(2):
        with tf.Session(graph=g) as s:
            out.append([s.run(fetches) for _ in range(runs)])
    return out


def test_random_ops_on_gpu_follow_the_seed_rules():
    def build():
        x = tf.reshape(tf.range(12.0), [3, 4])
        return [tf.random_normal([3, 4]), tf.random_uniform([5], seed=3),
                tf.truncated_normal([2, 2], seed=4),
                tf.random_uniform([4], maxval=10, dtype=tf.int32),
                tf.random_shuffle(x), tf.multinomial(tf.zeros([2, 5]), 3),
                tf.nn.dropout(tf.ones([8]), rate=0.5)]
    (gpu_a, gpu_b), (cpu_a, _) = _per_device_runs(build), _per_device_runs(build, 2, "/cpu:0")
    for first, second, again, on_cpu in zip(gpu_a[0], gpu_a[1], gpu_b[0], cpu_a[0]):
        assert isinstance(first, np.ndarray)
        np.testing.assert_array_equal(first, again)  # graph seed: each session repeats
        np.testing.assert_array_equal(first, on_cpu)  # the same draws as on the CPU
    for first, second in list(zip(gpu_a[0], gpu_a[1]))[:4]:
        assert not np.array_equal(first, second)  # each run draws anew


def _counting_transfers(monkeypatch):
    """Counts the session's transfer steps (Device.copy_from calls), by destination."""
    from flowgraph.runtime import devices
    counts = {"GPU": 0, "CPU": 0}
    copy_from = devices.Device.copy_from

    def counted(self, value, src):
        counts[self.device_type] += 1
        return copy_from(self, value, src)
    monkeypatch.setattr(devices.Device, "copy_from", counted)
    return counts


def test_training_on_gpu_moves_only_feeds_and_fetches(monkeypatch, backend):
    counts = _counting_transfers(monkeypatch)
    rng = np.random.RandomState(0)
    x0, y0 = rng.rand(16, 10).astype(np.float32), rng.randint(0, 3, 16)
    x = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.int64, [None])
    h = tf.layers.dense(x, 64, tf.nn.relu)  # any variable moved would be > 256 bytes
    logits = tf.layers.dense(tf.concat([h, x], 1), 3)  # x feeds two GPU ops
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run([train, loss], {x: x0, y: y0})
        counts.update(GPU=0, CPU=0)
        emulated = hasattr(backend, "transfers")
        if emulated:
            backend.transfers.update({k: 0 for k in backend.transfers})
        for _ in range(3):
            s.run([train, loss], {x: x0, y: y0})
        # per step: each feed uploaded once (x has two GPU readers), the loss fetched once
        assert counts == {"GPU": 2 * 3, "CPU": 1 * 3}
        if emulated:  # all else that crosses: shape vectors (see fake_cupy.transfers)
            t, feeds = backend.transfers, x0.nbytes + y0.nbytes
            assert 3 * feeds <= t["bytes_to_device"] < 3 * (feeds + 256), t
            assert 3 * 4 <= t["bytes_to_host"] < 3 * (4 + 256), t
        for v in tf.global_variables():
            assert hasattr(s._ctx.vars[v.op.name], "__cuda_array_interface__"), v.name


def test_fetches_come_back_as_numpy():
    with tf.device("/gpu:0"):
        v = tf.Variable([[1.0, 2.0]], name="v")
        total = tf.reduce_sum(v)
        big = tf.matmul(v, v, transpose_b=True)
        flag = tf.is_variable_initialized(v)
    with tf.Session() as s:
        s.run(v.initializer)
        got = s.run({"v": v, "parts": (total, [big, flag])})
        assert isinstance(got["v"], np.ndarray) and got["v"].tolist() == [[1.0, 2.0]]
        assert isinstance(got["parts"][0], np.float32) and got["parts"][0] == 3.0
        assert isinstance(got["parts"][1][0], np.ndarray)
        assert isinstance(got["parts"][1][1], np.bool_) and got["parts"][1][1]
        assert isinstance(total.eval(), np.float32)
        run = s.make_callable([v, total])
        a, b = run()
        assert isinstance(a, np.ndarray) and isinstance(b, np.float32)
        a[0, 0] = 9.0  # a copy: the stored value is untouched
        np.testing.assert_array_equal(s.run(v), [[1.0, 2.0]])


def test_scatter_gather_and_segment_ops_on_gpu():
    """Repeated indices accumulate on the GPU too (CuPy has no `ufunc.at`; CUDA atomics
    cover a few dtypes only)."""
    dtypes_ = [tf.float32, tf.float64, tf.int32, tf.int64, tf.int8, tf.complex64]
    idx0 = np.array([[1], [3], [1], [0]], np.int64)

    def build():
        outs = []
        for dt in dtypes_:
            upd = tf.cast(tf.constant([1, 2, 3, 4]), dt)
            outs.append(tf.scatter_nd(idx0, upd, [5]))
            outs.append(tf.unsorted_segment_sum(tf.cast(tf.reshape(tf.range(12), [4, 3]), dt),
                                                [2, 0, 2, -1], 3))
        v = tf.Variable(tf.zeros([4, 2], tf.int64))
        w = tf.Variable(tf.ones([4], tf.float32))
        with tf.control_dependencies([v.initializer, w.initializer]):
            added = tf.scatter_add(v, [1, 1, 3], tf.ones([3, 2], tf.int64))
            subbed = tf.scatter_sub(w, [0, 0], [0.5, 0.25])
        params = tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2))
        dparams = tf.gradients(tf.reduce_sum(tf.gather(params, [5, 0, 5]) ** 2), params)[0]
        return outs + [added, subbed, tf.convert_to_tensor(dparams)], None
    cpu, gpu = _both(build, lambda _: None)
    for a, b in zip(cpu, gpu):
        assert type(a) is type(b) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert gpu[0].tolist() == [4, 4, 0, 2, 0]


def test_comparisons_qr_and_initialization_checks_on_gpu():
    def build():
        a = tf.constant([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
        q, r = tf.linalg.qr(a)
        x, y = tf.constant([1, 2, 3]), tf.constant([1, 2])
        v = tf.Variable(1.0)
        loose = {"incompatible_shape_error": False}
        return [tf.matmul(q, r), apply_op("Equal", [x, y], loose),
                apply_op("NotEqual", [x, y], loose), tf.equal(x, x[::-1]),
                tf.is_variable_initialized(v), tf.reduce_max(a, 1)], None
    cpu, gpu = _both(build, lambda _: None)
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_while_loop_on_gpu():
    def build():
        i = tf.constant(0)
        x = tf.placeholder(tf.float32, [3])
        _, out = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0 + x), [i, x])
        return out * 1.0, x
    cpu, gpu = _both(build, lambda x: {x: np.ones(3, np.float32)})
    np.testing.assert_array_equal(cpu, gpu)


def test_map_fn_gradient_on_gpu():
    def build():
        x = tf.placeholder(tf.float32, [3, 2])
        y = tf.map_fn(lambda r: r * r * 2.0, x)
        return [y, tf.gradients(tf.reduce_sum(y), x)[0]], x
    x0 = np.arange(6, dtype=np.float32).reshape(3, 2)
    cpu, gpu = _both(build, lambda x: {x: x0})
    for a, b in zip(cpu, gpu):
        np.testing.assert_array_equal(a, b)


def test_ops_on_a_second_gpu(backend, monkeypatch):
    if hasattr(backend, "DEVICE_COUNT"):
        monkeypatch.setattr(backend, "DEVICE_COUNT", 2)
    elif backend.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two GPUs")
    x = tf.placeholder(tf.float32, [3])
    with tf.device("/gpu:0"):
        a = x * 2.0
    with tf.device("/gpu:1"):
        b = a + 1.0
        c = tf.reduce_sum(b * b)
    with tf.Session() as s:
        got_b, got_c = s.run([b, c], {x: np.ones(3, np.float32)})
    np.testing.assert_array_equal(got_b, [3.0, 3.0, 3.0])
    assert got_c == 27.0


def test_constant_too_big_for_the_gpu_is_resource_exhausted(backend, monkeypatch):
    if not hasattr(backend, "MEMORY"):
        pytest.skip("needs a GPU smaller than a host array: the emulation's")
    monkeypatch.setattr(backend, "MEMORY", 1 << 12)  # a 4 KiB emulated GPU
    with tf.device("/gpu:0"):
        c = tf.constant(np.ones(2048, np.float32), name="weights")  # 8 KiB
    with tf.Session() as s:
        with pytest.raises(tf.errors.ResourceExhaustedError) as e:
            s.run(c)
    assert "weights" in str(e.value) and "8,192 bytes" in str(e.value)
