"""ClusterSpec and replica_device_setter (no Ray needed): against TF 2.21 where it is
importable, and hand-computed placements."""
import pytest

import flowgraph as tf


def _tf():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    return tf1


SPECS = [{"ps": ["p0:1", "p1:1"], "worker": ["w0:2", "w1:2", "w2:2"]},
         {"worker": {0: "a:1", 2: "b:2"}, "ps": ["p:1"]},
         {"local": ["localhost:2222"]}]


@pytest.mark.parametrize("spec", SPECS)
def test_cluster_spec_matches_tf(spec):
    real = _tf().train.ClusterSpec(spec)
    ours = tf.train.ClusterSpec(spec)
    assert ours.as_dict() == real.as_dict()
    assert ours.jobs == real.jobs
    assert repr(ours) == repr(real)
    assert ours.as_cluster_def().SerializeToString(deterministic=True) == \
        real.as_cluster_def().SerializeToString(deterministic=True)
    for job in real.jobs:
        assert ours.num_tasks(job) == real.num_tasks(job)
        assert ours.task_indices(job) == real.task_indices(job)
        assert ours.job_tasks(job) == real.job_tasks(job)
        for i in real.task_indices(job):
            assert ours.task_address(job, i) == real.task_address(job, i)
    assert tf.train.ClusterSpec(ours.as_cluster_def()) == ours
    assert tf.train.ClusterSpec(ours) == ours


def test_cluster_spec_errors():
    c = tf.train.ClusterSpec(SPECS[1])
    with pytest.raises(ValueError, match="No task with index 1 in job 'worker'"):
        c.task_address("worker", 1)
    with pytest.raises(ValueError, match="No such job in cluster: 'x'"):
        c.num_tasks("x")
    with pytest.raises(TypeError, match="must be a dictionary mapping"):
        tf.train.ClusterSpec(3)
    with pytest.raises(TypeError, match="The tasks for job 'a' must be a list"):
        tf.train.ClusterSpec({"a": 3})
    assert not tf.train.ClusterSpec({}) and c


def _build(lib, **setter_kw):
    """A small model under replica_device_setter; {op name: device}."""
    g = lib.Graph()
    with g.as_default(), lib.device(lib.train.replica_device_setter(**setter_kw)):
        gs = lib.train.get_or_create_global_step()
        x = lib.placeholder(lib.float32, [None, 3], name="x")
        w1 = lib.get_variable("w1", [3, 4], initializer=lib.zeros_initializer())
        b1 = lib.get_variable("b1", [4], initializer=lib.zeros_initializer())
        w2 = lib.get_variable("w2", [4, 1], initializer=lib.zeros_initializer())
        with lib.device("/job:worker/task:1"):
            y = lib.matmul(lib.nn.relu(lib.matmul(x, w1) + b1), w2, name="y")
        loss = lib.reduce_mean(lib.square(y), name="loss")
        lib.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    return {op.name: op.device for op in g.get_operations()}


@pytest.mark.parametrize("kw", [
    dict(ps_tasks=2),
    dict(cluster={"ps": ["a:1", "b:1", "c:1"], "worker": ["w:1"]},
         worker_device="/job:worker/task:0"),
    dict(ps_tasks=2, ps_device="/job:ps/device:CPU:0", worker_device="/job:worker/cpu:0"),
])
def test_replica_device_setter_places_as_tf(kw):
    real, ours = _build(_tf(), **kw), _build(tf, **kw)
    common = sorted(set(real) & set(ours))
    assert len(common) > 20
    assert {n: ours[n] for n in common} == {n: real[n] for n in common}
    assert ours["global_step"] == real["global_step"]


def test_replica_device_setter_without_ps_is_none():
    assert tf.train.replica_device_setter() is None
    assert tf.train.replica_device_setter(cluster={"worker": ["w:1"]}) is None
    with pytest.raises(TypeError, match="ps_strategy must be callable"):
        tf.train.replica_device_setter(ps_tasks=1, ps_strategy=3)


def test_greedy_load_balancing_strategy():
    from flowgraph.distribute import GreedyLoadBalancingStrategy
    strategy = GreedyLoadBalancingStrategy(2)
    g = tf.Graph()
    with g.as_default(), tf.device(tf.train.replica_device_setter(ps_tasks=2,
                                                                  ps_strategy=strategy)):
        big = tf.Variable(tf.zeros([100, 10]), name="big")      # 4000 bytes -> ps 0
        small1 = tf.Variable(tf.zeros([10]), name="small1")     # 40 bytes   -> ps 1
        small2 = tf.Variable(tf.zeros([20], tf.float64), name="small2")  # 160 -> ps 1
        mid = tf.Variable(tf.zeros([1000]), name="mid")        # 4000       -> ps 1
        last = tf.Variable(tf.zeros([5]), name="last")         # 0:4000 < 1:4200 -> ps 0
    assert [v.device for v in (big, small1, small2, mid, last)] == [
        "/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:1", "/job:ps/task:1",
        "/job:ps/task:0"]


def test_a_training_step_is_cut_into_ps_worker_ps_stages():
    """The partitioner alone (no Ray): the stages of one SGD step under
    replica_device_setter, and each stage's GraphDef imports on its own."""
    from flowgraph.distribute import partition
    from flowgraph.framework.importer import import_graph_def
    from flowgraph.proto.graph_pb2 import GraphDef
    cluster = tf.train.ClusterSpec({"ps": ["p:1"], "worker": ["w:1"]})
    g = tf.Graph()
    with g.as_default():
        with tf.device(tf.train.replica_device_setter(cluster=cluster)):
            gs = tf.train.get_or_create_global_step()
            x = tf.placeholder(tf.float32, [None, 2], name="x")
            w = tf.get_variable("w", [2, 1], initializer=tf.zeros_initializer())
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
            train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
        task_of = partition.TaskAssignment(g, cluster, ("worker", 0))
        stages, where = partition.partition(g, [x], [loss, gs], [train], task_of)
    assert [s.task for s in stages] == [("ps", 0), ("worker", 0), ("ps", 0)]
    assert stages[0].fetch_names == ("w/read:0",)       # the weights go to the worker
    assert sorted(src[0] for src in stages[1].sources) == ["feed", "stage"]
    assert where[gs][0] == 2  # the fetched step is read after the update, on the ps
    for st in stages:
        with tf.Graph().as_default():
            import_graph_def(GraphDef.FromString(st.graph_def), name="")
