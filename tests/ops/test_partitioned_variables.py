"""Partitioned variables and partitioners: names, shapes, slice specs, values and errors
as real TF 2.21 (compat.v1, ref variables) gives them."""
import numpy as np
import pytest

import flowgraph as tf

W = np.arange(15, dtype=np.float32).reshape(5, 3)


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip("tensorflow")
    v1 = tf_real.compat.v1
    v1.disable_resource_variables()
    yield v1
    v1.enable_resource_variables()


def _build(lib):
    g = lib.Graph()
    def init(shape, dtype=None, partition_info=None):  # each part: its rows of W
        off = partition_info.var_offset[0]
        return lib.constant(W[off:off + shape[0]], dtype=dtype)

    with g.as_default():
        w = lib.get_variable("w", [5, 3], partitioner=lib.fixed_size_partitioner(2),
                             initializer=init)
        with lib.variable_scope("s", partitioner=lib.fixed_size_partitioner(3)):
            q = lib.get_variable("q", [7], initializer=lib.ones_initializer())
            scalar = lib.get_variable("k", [])
        cpv = lib.create_partitioned_variables([4, 2], [2, 1], lib.zeros_initializer(),
                                               name="cpv")
        t = lib.convert_to_tensor(w)
        y = lib.matmul(lib.ones([2, 5]), w)
        e = lib.nn.embedding_lookup(w, [0, 4, 2])
        facts = [type(w).__name__, w.name, w.get_shape().as_list(), w.dtype.name, len(w),
                 w._get_partitions(), [(v.name, v.shape.as_list()) for v in w],
                 [v._save_slice_info.spec for v in w],
                 [(v._save_slice_info.full_name, v._save_slice_info.var_offset)
                  for v in w],
                 [(v.name, v.shape.as_list()) for v in q], isinstance(scalar, lib.Variable),
                 [v.name for v in cpv], [v.shape.as_list() for v in cpv],
                 [v.name for v in lib.global_variables()],
                 [v.name for v in lib.trainable_variables()],
                 t.name, t.op.type, [i.name for i in t.op.inputs], y.shape.as_list(),
                 e.shape.as_list()]
        with lib.variable_scope("", reuse=True):
            facts.append(lib.get_variable("w", [5, 3],
                                          partitioner=lib.fixed_size_partitioner(2)) is w)
        errors = []
        for call in (lambda: lib.get_variable("w", [5, 3]),
                     lambda: lib.get_variable("w", [5, 3],
                                              partitioner=lib.fixed_size_partitioner(3))):
            with pytest.raises(ValueError) as info:
                call()
            errors.append(str(info.value).split(".")[0])
        with lib.Session(graph=g) as s:
            s.run(lib.global_variables_initializer())
            values = s.run([t, y, e, list(q)])
    return facts, errors, values


def test_partitioned_get_variable_values():
    facts, errors, (t, y, e, q) = _build(tf)
    np.testing.assert_array_equal(t, W)
    np.testing.assert_allclose(y, np.ones([2, 5]) @ W)
    # "mod" strategy: id i is row i // 2 of part i % 2 (part_0 = W[:3], part_1 = W[3:])
    np.testing.assert_array_equal(e, W[:3][[0, 2, 1]])
    assert [v.tolist() for v in q] == [[1, 1, 1], [1, 1], [1, 1]]
    assert facts[1] == "w" and facts[6] == [("w/part_0:0", [3, 3]), ("w/part_1:0", [2, 3])]


def test_partitioned_get_variable_matches_tf(tf1):
    ours, theirs = _build(tf), _build(tf1)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    for a, b in zip(ours[2][:3], theirs[2][:3]):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("make,shape,dtype", [
    (lambda lib: lib.fixed_size_partitioner(3, axis=1), [4, 7], "float32"),
    (lambda lib: lib.fixed_size_partitioner(5), [3, 2], "float32"),
    (lambda lib: lib.variable_axis_size_partitioner(40), [10, 3], "float32"),
    (lambda lib: lib.variable_axis_size_partitioner(40, max_shards=2), [10, 3], "float32"),
    (lambda lib: lib.variable_axis_size_partitioner(100, axis=1), [10, 30], "float64"),
    (lambda lib: lib.variable_axis_size_partitioner(64), [10, 2], "string"),
    (lambda lib: lib.min_max_variable_partitioner(4, min_slice_size=8), [10, 3], "float32"),
    (lambda lib: lib.min_max_variable_partitioner(2), [10, 3], "float32"),
    (lambda lib: lib.min_max_variable_partitioner(50, min_slice_size=64), [100, 4],
     "int64"),
])
def test_partitioners_match_tf(tf1, make, shape, dtype):
    ours = make(tf)(shape=tf.TensorShape(shape), dtype=tf.as_dtype(dtype))
    theirs = make(tf1)(shape=tf1.TensorShape(shape), dtype=tf1.as_dtype(dtype))
    assert list(ours) == list(theirs)


def test_partitioned_initializer_gets_partition_info():
    seen = []

    def init(shape, dtype=None, partition_info=None):
        seen.append((list(shape), partition_info.full_shape, partition_info.var_offset,
                     partition_info.single_offset(shape)))
        return tf.zeros(shape, dtype)

    tf.get_variable("v", [7, 2], partitioner=tf.fixed_size_partitioner(2), initializer=init)
    assert seen == [([4, 2], [7, 2], [0, 0], 0), ([3, 2], [7, 2], [4, 0], 4)]


def test_partitioned_variable_errors():
    with pytest.raises(ValueError, match="one dimension"):
        tf.get_variable("a", [4, 4], partitioner=lambda shape, dtype: [2, 2])
    with pytest.raises(ValueError, match="fully defined"):
        tf.get_variable("b", [None, 4], partitioner=tf.fixed_size_partitioner(2))
    tf.get_variable("c", [4])
    with pytest.raises(ValueError, match="unpartitioned version"):
        tf.get_variable("c", [4], partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(ValueError, match="does not exist"), \
            tf.variable_scope("", reuse=True):
        tf.get_variable("d", [4], partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(NotImplementedError):
        tf.convert_to_tensor(tf.get_variable("e", [4],
                                             partitioner=tf.fixed_size_partitioner(2)),
                             as_ref=True)


def _init_w(lib):
    def init(shape, dtype=None, partition_info=None):
        off = partition_info.var_offset[0]
        return lib.constant(W[off:off + shape[0]], dtype=dtype)
    return init


def test_saver_saves_one_full_tensor_and_restores_parts(tmp_path):
    _save_partitioned(tmp_path)


def _save_partitioned(tmp_path):
    g = tf.Graph()
    with g.as_default():
        w = tf.get_variable("w", [5, 3], partitioner=tf.fixed_size_partitioner(2),
                            initializer=_init_w(tf))
        b = tf.get_variable("b", [2], initializer=tf.ones_initializer())
        saver = tf.train.Saver()
        with tf.Session(graph=g) as s:
            s.run(tf.global_variables_initializer())
            path = saver.save(s, str(tmp_path / "m"))
            s.run([tf.assign(list(w)[0], tf.zeros([3, 3])), tf.assign(b, [5.0, 5.0])])
            saver.restore(s, path)
            np.testing.assert_array_equal(s.run(tf.convert_to_tensor(w)), W)
            assert s.run(b).tolist() == [1.0, 1.0]
        assert sorted(tf.train.list_variables(path)) == [("b", [2]), ("w", [5, 3])]
        with tf.Session(graph=g) as s:  # an explicit dict naming the PartitionedVariable
            s.run(tf.global_variables_initializer())
            p2 = tf.train.Saver({"whole": w}).save(s, str(tmp_path / "d"))
        assert tf.train.list_variables(p2) == [("whole", [5, 3])]
    return path


def test_tf_reads_our_partitioned_checkpoint(tmp_path, tf1):
    path = _save_partitioned(tmp_path)
    reader = tf1.train.NewCheckpointReader(path)
    assert reader.get_variable_to_shape_map() == {"w": [5, 3], "b": [2]}
    for parts in (3, None):  # TF restores it partitioned differently, or whole
        g = tf1.Graph()
        with g.as_default():
            pt = tf1.fixed_size_partitioner(parts) if parts else None
            tw = tf1.get_variable("w", [5, 3], partitioner=pt)
            tf1.get_variable("b", [2])
            with tf1.Session(graph=g) as s:
                tf1.train.Saver().restore(s, path)
                np.testing.assert_array_equal(s.run(tf1.convert_to_tensor(tw)), W)


def test_optimizer_trains_the_parts():
    w = tf.get_variable("w", [5, 3], partitioner=tf.fixed_size_partitioner(2),
                        initializer=tf.ones_initializer())
    x = tf.constant(np.ones([2, 5], np.float32))
    loss = tf.reduce_sum(tf.matmul(x, w)) + tf.reduce_sum(tf.nn.embedding_lookup(w, [1, 2]))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        got = s.run(tf.convert_to_tensor(w))
    # matmul: every entry gets 2; "mod" lookup of ids 1 and 2 hits rows 3 and 1 once more.
    want = np.full([5, 3], 1 - 0.2, np.float32)
    want[[1, 3]] -= 0.1
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_we_read_tf_partitioned_checkpoints(tmp_path, tf1):
    g = tf1.Graph()
    with g.as_default():
        tw = tf1.get_variable("w", [5, 3], partitioner=tf1.fixed_size_partitioner(3),
                              initializer=_init_w(tf1))
        with tf1.Session(graph=g) as s:
            s.run(tf1.global_variables_initializer())
            path = tf1.train.Saver().save(s, str(tmp_path / "tf"))
            assert len(list(tw)) == 3
    np.testing.assert_array_equal(tf.train.load_variable(path, "w"), W)
    for parts in (2, None):  # restored re-partitioned, or whole
        g = tf.Graph()
        with g.as_default():
            pt = tf.fixed_size_partitioner(parts) if parts else None
            w = tf.get_variable("w", [5, 3], partitioner=pt)
            with tf.Session(graph=g) as s:
                tf.train.Saver().restore(s, path)
                np.testing.assert_array_equal(s.run(tf.convert_to_tensor(w)), W)
