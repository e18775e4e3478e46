"""Sessions on a server target, in one process: a ps task and a worker task, each a Ray
actor; the answers are those of a plain single-process Session."""
import numpy as np
import pytest

import flowgraph as tf
from tests.distribute.conftest import free_port


def _cluster(n_ps=1, n_workers=1):
    return tf.train.ClusterSpec({
        "ps": [f"localhost:{free_port()}" for _ in range(n_ps)],
        "worker": [f"localhost:{free_port()}" for _ in range(n_workers)]})


def _data():
    rng = np.random.RandomState(0)
    x = rng.randn(32, 3).astype(np.float32)
    return x, x @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.25


def _linear(device_fn):
    with tf.device(device_fn):
        gs = tf.train.get_or_create_global_step()
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    return x, y, w, b, gs, loss, train


def _train(target, device_fn, steps=30):
    X, Y = _data()
    with tf.Graph().as_default():
        x, y, w, b, gs, loss, train = _linear(device_fn)
        with tf.Session(target) as sess:
            sess.run(tf.global_variables_initializer())
            # a fetched variable shows the run's update (its read comes last), as in TF
            losses = [sess.run([loss, train, gs], {x: X, y: Y}) for _ in range(steps)]
            return [(v[0], v[2]) for v in losses], sess.run([w, b, gs]), \
                (w.device, gs.device, loss.device)


@pytest.fixture(scope="module")
def servers(ray_head):
    """One cluster for the module: 1 ps and 2 workers, each a Ray actor (the tests name
    their variables apart: the ps keeps them all)."""
    cluster = _cluster(1, 2)
    return cluster, [tf.train.Server(cluster, job_name="ps", task_index=0)] + \
        [tf.train.Server(cluster, job_name="worker", task_index=i) for i in range(2)]


def test_ps_and_worker_train_like_one_process(servers):
    cluster, (_, worker, _) = servers
    setter = tf.train.replica_device_setter(cluster=cluster,
                                            worker_device="/job:worker/task:0")
    losses, (w, b, gs), devices = _train(worker.target, setter)
    ref_losses, (rw, rb, rgs), _ = _train("", None)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    assert [s for _, s in losses] == list(range(1, 31))
    np.testing.assert_allclose(w, rw, rtol=1e-5)
    np.testing.assert_allclose(b, rb, rtol=1e-5)
    assert gs == rgs == 30
    assert devices == ("/job:ps/task:0", "/job:ps/task:0", "/job:worker/task:0")


def test_variables_live_on_the_ps_across_sessions_and_graphs(servers):
    _, (_, worker, _) = servers
    for step in range(2):
        with tf.Graph().as_default():
            with tf.device("/job:ps/task:0"):
                v = tf.Variable(5.0, name="v")
            inc = v.assign_add(1.0)  # no device: colocated with v, on the ps
            with tf.Session(worker.target) as sess:
                if step == 0:
                    sess.run(v.initializer)
                assert sess.run(inc) == 6.0 + step
    # a fresh graph and session see the value the ps keeps
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(0.0, name="v")
        with tf.Session(worker.target) as sess:
            assert sess.run(v) == 7.0


def test_in_graph_replication_two_worker_tasks(servers):
    _, servers = servers
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w_in_graph")
        parts = []
        for i in range(2):
            with tf.device(f"/job:worker/task:{i}"):
                x = tf.constant(np.eye(2, dtype=np.float32) * (i + 1))
                parts.append(tf.matmul(x, w))
        total = tf.add_n(parts)
        with tf.Session(servers[1].target) as sess:
            sess.run(w.initializer)
            np.testing.assert_allclose(sess.run(total), 3 * np.array([[1, 2], [3, 4]]))
            devices = [d.name for d in sess.list_devices()]
    assert "/job:worker/replica:0/task:1/device:CPU:0" in devices
    assert "/job:ps/replica:0/task:0/device:CPU:0" in devices


def test_local_server_and_errors(ray_head):
    server = tf.train.Server.create_local_server()
    assert server.target.startswith("grpc://localhost:")
    assert server.server_def.job_name == "localhost" and server.server_def.protocol == "grpc"
    with tf.Graph().as_default():
        a = tf.constant(2.0)
        x = tf.placeholder(tf.float32, [], name="x")
        with tf.Session(server.target) as sess:
            assert sess.run(a * 3.0) == 6.0
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="You must feed a value for placeholder tensor 'x'"):
                sess.run(x * 2.0)
            assert sess.run(x * 2.0, {x: 4.0}) == 8.0
            assert sess.run([]) == [] and sess.run({"x": x}, {x: 1.5}) == {"x": 1.5}
            double = sess.make_callable(x * 2.0, feed_list=[x])
            assert double(3.0) == 6.0
            with tf.device("/job:nowhere/task:0"):
                c = tf.constant(1.0) + 1.0
            with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device"):
                sess.run(c)
    # a task that never started: UnavailableError once the wait runs out
    cluster = _cluster()
    worker = tf.train.Server(cluster, job_name="worker", task_index=0)
    config = tf.ConfigProto(operation_timeout_in_ms=500)
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(1.0)
        with tf.Session(worker.target, config=config) as sess:
            with pytest.raises(tf.errors.UnavailableError, match="/job:ps/replica:0/task:0"):
                sess.run(v.initializer)
