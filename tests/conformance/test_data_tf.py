"""tf.data pipelines built the same way with flowgraph and with real TF 2.21's
`tf.compat.v1` in graph mode: the same elements in the same order (seeded shuffles
included), the same static shapes and dtypes, the same error classes."""
import numpy as np
import pytest

import flowgraph as tf

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1


def _drain(mod, build, graph, session_cls, limit=200):
    with graph.as_default():
        ds = build(mod)
        it = mod.data.make_one_shot_iterator(ds)
        nx = it.get_next()
        shapes = [s.as_list() if s.ndims is not None else None
                  for s in mod.nest.flatten(mod.data.get_output_shapes(ds))]
        types = [t.name for t in mod.nest.flatten(mod.data.get_output_types(ds))]
        out = []
        with session_cls() as s:
            for _ in range(limit):
                try:
                    out.append(s.run(nx))
                except mod.errors.OutOfRangeError:
                    break
    return out, shapes, types


def both(build):
    ours = _drain(tf, build, tf.Graph(), tf.Session)
    theirs = _drain(tfv1, build, tf_real.Graph(), tfv1.Session)
    return ours, theirs


def _same(a, b):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        x, y = np.asarray(a), np.asarray(b)
        assert x.shape == y.shape and x.dtype == y.dtype, (x, y)
        np.testing.assert_array_equal(x, y)


def _cast(tf, x):
    return tf.cast(x, tf.float32)


PIPELINES = {
    "slices_tuple_map_batch": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.arange(10, dtype=np.float32), np.arange(10))).map(
        lambda x, y: (x * 2, y + 1)).batch(3),
    "slices_dict": lambda tf: tf.data.Dataset.from_tensor_slices(
        {"a": np.arange(6).reshape(3, 2), "b": ["x", "y", "z"]}),
    "nested": lambda tf: tf.data.Dataset.from_tensor_slices(
        ((np.arange(4), np.ones((4, 2), np.float32)), {"c": np.arange(4) * 3})),
    "from_tensors_repeat": lambda tf: tf.data.Dataset.from_tensors(
        ([1, 2, 3], "s")).repeat(3),
    "range_args": lambda tf: tf.data.Dataset.range(3, 20, 4),
    "range_negative_step": lambda tf: tf.data.Dataset.range(10, 0, -3),
    "batch_drop_remainder": lambda tf: tf.data.Dataset.range(10).batch(
        4, drop_remainder=True),
    "take_skip": lambda tf: tf.data.Dataset.range(20).skip(3).take(5),
    "take_all_skip_none": lambda tf: tf.data.Dataset.range(5).take(-1).skip(0),
    "filter": lambda tf: tf.data.Dataset.range(20).filter(
        lambda x: tf.equal(x % 3, 0)),
    "parallel_map": lambda tf: tf.data.Dataset.range(50).map(
        lambda x: x * x, num_parallel_calls=4),
    "map_capture": lambda tf: tf.data.Dataset.range(5).map(
        lambda x: x + tf.constant(100, tf.int64)),
    "map_returns_list": lambda tf: tf.data.Dataset.range(3).map(lambda x: [x, x * 2]),
    "map_dict": lambda tf: tf.data.Dataset.range(4).map(
        lambda x: {"sq": x * x, "f": _cast(tf, x)}),
    "flat_map": lambda tf: tf.data.Dataset.range(4).flat_map(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x)),
    "interleave": lambda tf: tf.data.Dataset.range(8).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2,
        block_length=2),
    "parallel_interleave": lambda tf: tf.data.Dataset.range(1, 9).interleave(
        lambda x: tf.data.Dataset.range(x).map(lambda v: v * 10 + x), cycle_length=3,
        block_length=2, num_parallel_calls=3),
    "interleave_uneven": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x), cycle_length=3, block_length=1),
    "zip": lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(5),
                                           tf.data.Dataset.range(10, 13))),
    "zip_dict": lambda tf: tf.data.Dataset.zip({"a": tf.data.Dataset.range(3),
                                                "b": tf.data.Dataset.from_tensors(
                                                    1.5).repeat()}),
    "concatenate": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(10, 12)),
    "padded_batch": lambda tf: tf.data.Dataset.range(1, 6).map(
        lambda x: tf.fill([x], x)).padded_batch(2, padded_shapes=[None]),
    "padded_batch_fixed_value": lambda tf: tf.data.Dataset.range(1, 5).map(
        lambda x: (tf.fill([x], x), tf.fill([2, x], _cast(tf, x)))).padded_batch(
        3, padded_shapes=([6], [2, None]), padding_values=(np.int64(-1), 0.5),
        drop_remainder=True),
    "padded_batch_default": lambda tf: tf.data.Dataset.range(1, 4).map(
        lambda x: tf.fill([x, 2], _cast(tf, x))).padded_batch(2),
    "unbatch": lambda tf: tf.data.Dataset.range(7).batch(3).unbatch(),
    "slices_repeat_batch_across_epochs": lambda tf: tf.data.Dataset.from_tensor_slices(
        np.arange(5)).repeat(3).batch(4),
    "window_flat_map": lambda tf: tf.data.Dataset.range(10).window(
        3, shift=2, stride=2).flat_map(lambda w: w.batch(3)),
    "window_drop": lambda tf: tf.data.Dataset.range(7).window(
        3, drop_remainder=True).flat_map(lambda w: w.batch(5)),
    "enumerate": lambda tf: tf.data.Dataset.from_tensor_slices(["a", "b", "c"]).enumerate(
        start=5),
    "cache_repeat": lambda tf: tf.data.Dataset.range(4).map(lambda x: x + 1).cache(
        ).repeat(2),
    "prefetch": lambda tf: tf.data.Dataset.range(30).prefetch(3).map(
        lambda x: x * 2).prefetch(1),
    "repeat_empty": lambda tf: tf.data.Dataset.range(0).repeat(),
    "apply_unbatch": lambda tf: tf.data.Dataset.range(6).batch(4).apply(
        tf.data.experimental.unbatch()),
    "map_and_batch": lambda tf: tf.data.Dataset.range(10).apply(
        tf.data.experimental.map_and_batch(lambda x: x * 3, 4, drop_remainder=True)),
    "map_and_batch_remainder": lambda tf: tf.data.Dataset.range(10).apply(
        tf.data.experimental.map_and_batch(lambda x: (x, -x), 4)),
    "from_generator": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([[1, 2], [3], [4, 5, 6]]), tf.int64, tf.TensorShape([None])),
    "from_generator_tuple": lambda tf: tf.data.Dataset.from_generator(
        lambda: ((i, float(i) / 2) for i in range(4)), (tf.int32, tf.float32),
        ((), ())).batch(3),
    "from_generator_args": lambda tf: tf.data.Dataset.from_generator(
        lambda n: iter(range(n)), tf.int64, (), args=(4,)).repeat(2),
    "ignore_errors": lambda tf: tf.data.Dataset.from_tensor_slices(
        [1., 2., 0., 4.]).map(lambda x: tf.debugging.check_numerics(1. / x, "inf")).apply(
        tf.data.experimental.ignore_errors()),
    "bytes_with_nul": lambda tf: tf.data.Dataset.from_tensor_slices(
        [b"a\x00", b"\x00\x00", b"b"]).shuffle(3, seed=1).map(
        lambda s: tf.decode_raw(s, tf.uint8)),
    "strings_batch": lambda tf: tf.data.Dataset.from_tensor_slices(
        ["ab", "c", "def"]).batch(2),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_like_tf(name):
    (ours, our_shapes, our_types), (theirs, shapes, types) = both(PIPELINES[name])
    assert our_shapes == shapes
    assert our_types == types
    assert len(ours) == len(theirs)
    _same(ours, theirs)


SEEDED = {
    "shuffle": lambda tf: tf.data.Dataset.range(20).shuffle(5, seed=3).repeat(3),
    "shuffle_no_reshuffle": lambda tf: tf.data.Dataset.range(20).shuffle(
        5, seed=3, reshuffle_each_iteration=False).repeat(2),
    "shuffle_and_repeat": lambda tf: tf.data.Dataset.range(10).apply(
        tf.data.experimental.shuffle_and_repeat(4, count=2, seed=1)),
    "shuffle_big_buffer_batched": lambda tf: tf.data.Dataset.range(100).batch(3).shuffle(
        1000, seed=12345).unbatch(),
    "shuffle_graph_seed": lambda tf: (tf.set_random_seed(42), tf.data.Dataset.range(
        30).shuffle(7).shuffle(3).repeat(2))[1],
    "shuffle_op_and_graph_seed": lambda tf: (tf.set_random_seed(1), tf.data.Dataset.zip(
        (tf.data.Dataset.range(12).shuffle(12, seed=9),
         tf.data.Dataset.range(12).shuffle(2, seed=9))))[1],
    "slices_shuffle_repeat_batch": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.arange(30).reshape(10, 3), np.arange(10) * 1.5)).shuffle(7, seed=2).repeat(
        2).batch(4, drop_remainder=True),
    "slices_repeat_shuffle_batch": lambda tf: tf.data.Dataset.from_tensor_slices(
        ["a", "b", "c", "d", "e"]).repeat(3).shuffle(4, seed=8).batch(4),
    "slices_shuffle_elements": lambda tf: tf.data.Dataset.from_tensor_slices(
        {"k": np.arange(9)}).shuffle(3, seed=6).map(lambda d: d["k"] * 2),
    "list_files_shuffled": None,  # filled in by test_list_files_order_like_tf
}
SEEDED.pop("list_files_shuffled")


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_shuffled_pipeline_like_tf(name):
    """Shuffles draw from TF's Philox4x32-10 stream with TF's buffer algorithm and seed
    handling: the same orders as TF for the same seeds, epoch after epoch."""
    (ours, our_shapes, _), (theirs, shapes, _) = both(SEEDED[name])
    assert our_shapes == shapes
    _same(ours, theirs)


def _reinit_orders(mod, graph, session_cls):
    with graph.as_default():
        it = mod.data.make_initializable_iterator(
            mod.data.Dataset.range(8).shuffle(8, seed=4))
        x = it.get_next()
        with session_cls() as s:
            out = []
            for _ in range(3):
                s.run(it.initializer)
                out.append([int(s.run(x)) for _ in range(8)])
    return out


def test_reinitialized_shuffle_orders_like_tf():
    assert _reinit_orders(tf, tf.Graph(), tf.Session) == \
        _reinit_orders(tfv1, tf_real.Graph(), tfv1.Session)


def test_list_files_order_like_tf(tmp_path):
    for k in range(9):
        (tmp_path / f"f{k}.txt").write_bytes(b"")
    pattern = str(tmp_path / "*.txt")
    (ours, _, _), (theirs, _, _) = both(
        lambda tf: tf.data.Dataset.list_files(pattern, seed=11).repeat(2))
    assert ours == theirs


def _error(mod, build, graph, session_cls):
    try:
        _drain(mod, build, graph, session_cls)
    except Exception as e:  # noqa: BLE001 (the class is what is compared)
        return type(e).__name__
    return None


ERRORS = {
    "batch_shapes_differ": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([[1], [2, 3]]), tf.int64, [None]).batch(2),
    "generator_bad_shape": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([[1], [2, 3]]), tf.int64, [1]),
    "map_fails": lambda tf: tf.data.Dataset.from_tensor_slices([1., 0.]).map(
        lambda x: tf.debugging.check_numerics(1. / x, "bad")),
    "text_file_missing": lambda tf: tf.data.TextLineDataset("/nonexistent/file.txt"),
    "tfrecord_file_missing": lambda tf: tf.data.TFRecordDataset("/nonexistent/f.rec"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_run_errors_like_tf(name):
    ours = _error(tf, ERRORS[name], tf.Graph(), tf.Session)
    theirs = _error(tfv1, ERRORS[name], tf_real.Graph(), tfv1.Session)
    assert ours == theirs and ours is not None


BUILD_ERRORS = {
    "slices_dims": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2, 3], [1, 2])),
    "unbatch_scalar": lambda tf: tf.data.Dataset.range(3).unbatch(),
    "filter_not_bool": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x),
    "one_shot_placeholder": lambda tf: tf.data.Dataset.from_tensors(
        tf.placeholder(tf.float32)),
    "concatenate_types": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.from_tensors(1.0)),
}


@pytest.mark.parametrize("name", sorted(BUILD_ERRORS))
def test_build_errors_like_tf(name):
    ours = _error(tf, BUILD_ERRORS[name], tf.Graph(), tf.Session)
    theirs = _error(tfv1, BUILD_ERRORS[name], tf_real.Graph(), tfv1.Session)
    assert ours == theirs and ours is not None


def _shuffle_seeds(mod, graph, graph_seed, op_seed, random_op_first):
    from flowgraph.framework import constant_value
    with graph.as_default():
        if graph_seed is not None:
            mod.set_random_seed(graph_seed)
        if random_op_first:
            mod.random_uniform([1])
        dss = [mod.data.Dataset.range(5).shuffle(3, seed=op_seed) for _ in range(2)]
        ops = [d._variant_tensor.op for d in dss]
        if mod is tf:
            return [[int(constant_value.constant_value(o.inputs[i])) for i in (2, 3)]
                    for o in ops]
        with tfv1.Session() as s:
            return [[int(v) for v in s.run([o.inputs[2], o.inputs[3]])] for o in ops]


@pytest.mark.parametrize("graph_seed,op_seed,first", [
    (None, 3, False), (7, None, False), (7, 5, False), (None, None, False), (0, 0, False),
    (7, None, True)])
def test_shuffle_seeds_follow_tf_rules(graph_seed, op_seed, first):
    """The (seed, seed2) inputs of ShuffleDataset are TF's, graph-level seed included."""
    assert _shuffle_seeds(tf, tf.Graph(), graph_seed, op_seed, first) == \
        _shuffle_seeds(tfv1, tf_real.Graph(), graph_seed, op_seed, first)


@pytest.mark.parametrize("kind", ["", "GZIP", "ZLIB"])
def test_file_datasets_read_tf_written_files_like_tf(tmp_path, kind):
    rec = str(tmp_path / "r.tfrecord")
    with tfv1.io.TFRecordWriter(rec, tfv1.io.TFRecordOptions(kind)) as w:
        for r in (b"first", b"", bytes(range(256)) * 40):
            w.write(r)
    txt = tmp_path / "t.txt"
    txt.write_bytes(b"a,1\r\nb,2\n\nlast")
    fixed = tmp_path / "f.bin"
    fixed.write_bytes(bytes(range(49)))

    def build(mod):
        return mod.data.TFRecordDataset([rec], compression_type=kind).concatenate(
            mod.data.TextLineDataset(str(txt))).concatenate(
            mod.data.FixedLengthRecordDataset(str(fixed), 7, header_bytes=3,
                                              footer_bytes=4))
    (ours, our_shapes, _), (theirs, shapes, _) = both(build)
    assert our_shapes == shapes and ours == theirs


def test_tfrecords_through_list_files_and_window_zip(tmp_path):
    for k in range(3):
        with tfv1.io.TFRecordWriter(str(tmp_path / f"part{k}.rec")) as w:
            for i in range(4):
                w.write(f"{k}-{i}".encode())
    pattern = str(tmp_path / "part*.rec")

    def build(mod):
        files = mod.data.Dataset.list_files(pattern, shuffle=False)
        a = mod.data.TFRecordDataset(files)
        b = files.interleave(mod.data.TFRecordDataset, cycle_length=2, block_length=3)
        pairs = mod.data.Dataset.zip((a, b)).window(5, shift=3).flat_map(
            lambda x, y: mod.data.Dataset.zip((x.batch(5), y.batch(5))))
        return pairs
    (ours, our_shapes, _), (theirs, shapes, _) = both(build)
    assert our_shapes == shapes
    _same(ours, theirs)


def _examples(mod):
    out = []
    for i in range(5):
        out.append(mod.train.Example(features=mod.train.Features(feature={
            "v": mod.train.Feature(int64_list=mod.train.Int64List(value=list(range(i)))),
            "y": mod.train.Feature(float_list=mod.train.FloatList(value=[i * 0.5]))})
        ).SerializeToString())
    return out


def _sparse_run(mod, graph, session_cls):
    with graph.as_default():
        ds = mod.data.Dataset.from_tensor_slices(_examples(mod)).batch(2).map(
            lambda r: mod.parse_example(r, {"v": mod.VarLenFeature(mod.int64),
                                            "y": mod.FixedLenFeature([], mod.float32)}))
        ds = ds.map(lambda d: (d["v"], d["y"] * 2)).filter(
            lambda sp, y: mod.reduce_sum(y) > 0)
        sp, y = mod.data.make_one_shot_iterator(ds).get_next()
        classes = [c.__name__ for c in mod.data.get_output_classes(ds)]
        out = []
        with session_cls() as s:
            for _ in range(3):
                v, w = s.run([sp, y])
                out.append((v.indices.tolist(), v.values.tolist(), v.dense_shape.tolist(),
                            w.tolist()))
    return type(sp).__name__, classes, out


def test_sparse_components_flow_like_tf():
    """Parsed VarLenFeatures (SparseTensors) pass through map and filter and come out of
    get_next as SparseTensorValues, as in TF."""
    assert _sparse_run(tf, tf.Graph(), tf.Session) == \
        _sparse_run(tfv1, tf_real.Graph(), tfv1.Session)


def _sparse_batch_run(mod, graph, session_cls):
    with graph.as_default():
        ds = mod.data.Dataset.from_tensor_slices(_examples(mod)).map(
            lambda r: mod.parse_single_example(r, {
                "v": mod.VarLenFeature(mod.int64),
                "y": mod.FixedLenFeature([], mod.float32)})).batch(2)
        d = mod.data.make_one_shot_iterator(ds).get_next()
        shapes = (d["v"].shape.as_list(), d["y"].shape.as_list())
        out = []
        with session_cls() as s:
            for _ in range(3):
                v, w = s.run([d["v"], d["y"]])
                out.append((v.indices.tolist(), v.values.tolist(), v.dense_shape.tolist(),
                            w.tolist()))
    return shapes, out


def test_batched_sparse_components_like_tf():
    assert _sparse_batch_run(tf, tf.Graph(), tf.Session) == \
        _sparse_batch_run(tfv1, tf_real.Graph(), tfv1.Session)
