"""Dataset pipelines cross GraphDefs both ways with TF's op types: flowgraph's export
imports and runs in real TF, and a pipeline GraphDef made by live TF imports and runs in
flowgraph (initializable and one-shot iterators, map functions with captures)."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.proto import graph_pb2

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1


def _ours():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(10.0)
        ds = tf.data.Dataset.from_tensor_slices(
            (np.arange(5, dtype=np.float32), np.arange(5))).map(
            lambda x, y: (x * c, y + 1)).batch(2)
        it = tf.compat.v1.data.make_initializable_iterator(ds)
        it.get_next()
        tf.compat.v1.data.make_one_shot_iterator(
            tf.data.Dataset.range(3).map(lambda x: x * 2).prefetch(1)).get_next()
    return g


def test_export_has_tf_op_types_and_runs_in_tf():
    gd = _ours().as_graph_def()
    types = {n.op for n in gd.node}
    assert {"TensorSliceDataset", "MapDataset", "BatchDatasetV2", "IteratorV2",
            "MakeIterator", "IteratorGetNext", "RangeDataset", "PrefetchDataset",
            "OneShotIterator"} <= types
    assert len(gd.library.function) == 3
    with tf_real.Graph().as_default():
        tfv1.import_graph_def(tfv1.GraphDef.FromString(gd.SerializeToString()), name="")
        with tfv1.Session() as s:
            s.run("MakeIterator")
            got = [s.run(["IteratorGetNext:0", "IteratorGetNext:1"]) for _ in range(3)]
            with pytest.raises(tf_real.errors.OutOfRangeError):
                s.run("IteratorGetNext:0")
            assert [s.run("IteratorGetNext_1:0") for _ in range(3)] == [0, 2, 4]
    np.testing.assert_array_equal(np.concatenate([a for a, _ in got]),
                                  np.arange(5) * 10.0)
    np.testing.assert_array_equal(np.concatenate([b for _, b in got]), np.arange(5) + 1)


def _tf_fixture():
    """A GraphDef made by live TF: from_tensor_slices/map (with a capture)/batch with an
    initializable iterator, and a one-shot iterator over range/filter."""
    with tf_real.Graph().as_default() as g:
        c = tfv1.constant(3, tf_real.int32)
        ds = tfv1.data.Dataset.from_tensor_slices(([1., 2., 3.], [4, 5, 6])).map(
            lambda x, y: (x * 2, y + c)).batch(2)
        it = tfv1.data.make_initializable_iterator(ds)
        nx = it.get_next()
        n2 = tfv1.data.make_one_shot_iterator(
            tfv1.data.Dataset.range(6).filter(lambda x: x > 3)).get_next()
        gd = g.as_graph_def()
    return gd, it.initializer.name, [t.name for t in nx], n2.name


def test_tf_pipeline_graph_def_imports_and_runs():
    gd, init, nx, n2 = _tf_fixture()
    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_pb2.GraphDef.FromString(gd.SerializeToString()), name="")
        assert g.get_tensor_by_name(nx[0]).shape.as_list() == [None]
        with tf.Session() as s:
            s.run(g.get_operation_by_name(init))
            a = s.run(nx)
            b = s.run(nx)
            with pytest.raises(tf.errors.OutOfRangeError):
                s.run(nx)
            assert [s.run(n2), s.run(n2)] == [4, 5]
            with pytest.raises(tf.errors.OutOfRangeError):
                s.run(n2)
    np.testing.assert_array_equal(a[0], [2., 4.])
    np.testing.assert_array_equal(a[1], [7, 8])
    np.testing.assert_array_equal(b[0], [6.])
    assert a[1].dtype == np.int32


def test_round_trip_through_our_importer():
    gd = _ours().as_graph_def()
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        with tf.Session() as s:
            s.run(g.get_operation_by_name("MakeIterator"))
            x = g.get_tensor_by_name("IteratorGetNext:0")
            np.testing.assert_array_equal(s.run(x), [0., 10.])
            y = g.get_tensor_by_name("IteratorGetNext_1:0")
            assert [s.run(y) for _ in range(3)] == [0, 2, 4]


def test_nested_functions_export_and_run_in_tf():
    """A map nested in an interleave's function, capturing the outer element and an outer
    tensor: the library holds both functions and TF runs them."""
    g = tf.Graph()
    with g.as_default():
        k = tf.constant(100, tf.int64)
        ds = tf.data.Dataset.range(1, 4).interleave(
            lambda x: tf.data.Dataset.range(x).map(lambda v: v * k + x), cycle_length=2,
            block_length=1)
        it = tf.compat.v1.data.make_initializable_iterator(ds)
        x = it.get_next()
        with tf.Session() as s:
            s.run(it.initializer)
            ours = [s.run(x) for _ in range(6)]
    gd = g.as_graph_def()
    with tf_real.Graph().as_default():
        tfv1.import_graph_def(tfv1.GraphDef.FromString(gd.SerializeToString()), name="")
        with tfv1.Session() as s:
            s.run(it.initializer.name)
            theirs = [s.run(x.name) for _ in range(6)]
    assert ours == theirs == [1, 2, 102, 3, 103, 203]


def _v(x):
    return tf_real.data.Dataset.from_tensor_slices(x)


def test_tf_graph_def_with_many_dataset_ops_imports_and_runs():
    """TF's GraphDef of a long pipeline (parallel map, padded_batch, unbatch, filter,
    interleave, shuffle with TF's seed subgraph, repeat, take, prefetch, enumerate and
    TF's own RewriteDataset) runs here with the same elements."""
    def fill(x):
        return tf_real.fill([x], x)

    def big(v):
        return tf_real.reduce_sum(v) > 3
    with tf_real.Graph().as_default() as tg:
        ds = tfv1.data.Dataset.range(1, 7).map(fill, num_parallel_calls=2).padded_batch(
            2, padded_shapes=[None]).unbatch().filter(big).interleave(
            _v, cycle_length=2).shuffle(5, seed=3).repeat(2).take(50).prefetch(
            2).enumerate()
        nx = tfv1.data.make_one_shot_iterator(ds).get_next()
        theirs = []
        with tfv1.Session() as s:
            while True:
                try:
                    theirs.append(s.run(nx))
                except tf_real.errors.OutOfRangeError:
                    break
        gd = tg.as_graph_def()
    with tf.Graph().as_default():
        tf.import_graph_def(graph_pb2.GraphDef.FromString(gd.SerializeToString()), name="")
        ours = []
        with tf.Session() as s:
            while True:
                try:
                    ours.append(s.run([nx[0].name, nx[1].name]))
                except tf.errors.OutOfRangeError:
                    break
    assert [int(i) for i, _ in ours] == list(range(len(theirs)))
    half = len(theirs) // 2
    for part in (slice(0, half), slice(half, None)):
        assert sorted(int(v) for _, v in ours[part]) == \
            sorted(int(v) for _, v in theirs[part])
