"""Queues, readers and the queue-based input pipeline against real TF: the same records,
sequences, static shapes, error classes, and op types / attr names in the graph."""
import gzip

import numpy as np
import pytest

import flowgraph as tf

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1


def _both(build, steps=12):
    """Runs `build(lib)` -> (fetch, setup ops, info) in both; per library: the fetched
    values until an error, the error's class name, and the info."""
    out = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            fetch, setup, info = build(lib)
            vals, err = [], None
            try:
                for op in setup:
                    sess.run(op)
                for _ in range(steps):
                    vals.append(sess.run(fetch))
            except Exception as e:  # noqa: BLE001 - compared by class
                err = type(e).__name__
            out.append((vals, err, info))
    return out


def _same(a, b):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _same_op(info_tf, info_fg):
    """Equal infos; their last item, an Operation, has TF's attrs with TF's values."""
    assert info_tf[:-1] == info_fg[:-1]
    theirs, ours = info_tf[-1], info_fg[-1]
    def norm(x):
        if isinstance(x, list):
            return [norm(y) for y in x]
        if hasattr(x, "dim"):  # TF's TensorShapeProto
            return None if x.unknown_rank else [d.size for d in x.dim]
        if hasattr(x, "as_list"):
            return None if x.ndims is None else [-1 if d is None else d for d in x.as_list()]
        if hasattr(x, "as_numpy_dtype"):
            return x.name
        return x.decode() if isinstance(x, bytes) else x
    for k in theirs.node_def.attr:
        assert norm(theirs.get_attr(k)) == norm(ours.get_attr(k)), k


@pytest.fixture
def files(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(b"head\nl1\r\nl2\n\nl4")
    raw = tmp_path / "f.bin"
    raw.write_bytes(b"HHabcdefghijF")
    gz = tmp_path / "f.gz"
    gz.write_bytes(gzip.compress(b"HHabcdefghijF"))
    rec = tmp_path / "r.tfrecord"
    with tf.io.TFRecordWriter(str(rec), "GZIP") as w:
        for r in [b"", b"one", b"two" * 50]:
            w.write(r)
    return {"text": str(text), "raw": str(raw), "gz": str(gz), "rec": str(rec)}


READERS = {
    "text": (lambda lib: lib.TextLineReader(skip_header_lines=1), ["text", "text"]),
    "text_up_to": (lambda lib: lib.TextLineReader(), ["text"], 3),
    "tfrecord": (lambda lib: lib.TFRecordReader(options=lib.io.TFRecordOptions("GZIP")),
                 ["rec"]),
    "whole": (lambda lib: lib.WholeFileReader(), ["raw", "text"]),
    "fixed": (lambda lib: lib.FixedLengthRecordReader(3, header_bytes=2, footer_bytes=1),
              ["raw"]),
    "fixed_hop": (lambda lib: lib.FixedLengthRecordReader(2, header_bytes=2, hop_bytes=3),
                  ["raw"]),
    "fixed_gzip": (lambda lib: lib.FixedLengthRecordReader(4, header_bytes=2,
                                                           encoding="GZIP"), ["gz"]),
    "identity": (lambda lib: lib.IdentityReader(), ["raw", "x"]),
}


@pytest.mark.parametrize("kind", sorted(READERS))
def test_readers_match_tf(files, kind):
    make, names = READERS[kind][:2]
    n = READERS[kind][2] if len(READERS[kind]) > 2 else None

    def build(lib):
        reader = make(lib)
        q = lib.FIFOQueue(10, [lib.string])
        op = reader.read(q) if n is None else reader.read_up_to(q, n)
        info = (reader.reader_ref.op.type, op[0].op.type, reader.reader_ref.op)
        return list(op), [q.enqueue_many([[files.get(k, k) for k in names]]), q.close()], \
            info
    (theirs, e1, i1), (ours, e2, i2) = _both(build)
    _same_op(i1, i2)
    assert e1 == e2 == "OutOfRangeError"
    _same(theirs, ours)


def _queue_case(lib, kind):
    if kind == "fifo":
        q = lib.FIFOQueue(5, [lib.int32, lib.string], shapes=[[2], []])
        return q, [q.enqueue_many([[[1, 2], [3, 4], [5, 6]], ["a", "b", "c"]]), q.close()], \
            q.dequeue_many(2)
    if kind == "up_to":
        q = lib.FIFOQueue(5, [lib.int32], shapes=[[]])
        return q, [q.enqueue_many([[1, 2, 3]]), q.close()], q.dequeue_up_to(2)
    if kind == "padding":
        q = lib.PaddingFIFOQueue(5, [lib.int32], shapes=[[None]])
        return q, [q.enqueue([[1]]), q.enqueue([[1, 2, 3]]), q.enqueue([[4, 5]]),
                   q.close()], q.dequeue_many(2)
    if kind == "priority":
        q = lib.PriorityQueue(5, [lib.string], shapes=[[]])
        return q, [q.enqueue_many([[3, 1, 2], ["c", "a", "b"]]), q.close()], q.dequeue()
    if kind == "no_shapes":
        q = lib.FIFOQueue(5, [lib.float32])
        return q, [q.enqueue([1.0])], q.dequeue_many(1)
    if kind == "enqueue_closed":
        q = lib.FIFOQueue(5, [lib.float32], shapes=[[]])
        return q, [q.close()], q.enqueue([1.0])
    if kind == "runtime_shape":
        q = lib.FIFOQueue(5, [lib.float32], shapes=[[2]])
        p = lib.placeholder(lib.float32)
        return q, [], (q.enqueue([p]), p)
    raise KeyError(kind)


@pytest.mark.parametrize("kind", ["fifo", "up_to", "padding", "priority", "no_shapes",
                                  "enqueue_closed"])
def test_queues_match_tf(kind):
    def build(lib):
        q, setup, fetch = _queue_case(lib, kind)
        fetched = fetch if isinstance(fetch, list) else [fetch]
        shapes = [t.shape.ndims and t.shape.as_list() for t in fetched if hasattr(t, "shape")]
        return fetch, setup, (q.queue_ref.op.type, shapes, q.queue_ref.op)
    (theirs, e1, i1), (ours, e2, i2) = _both(build)
    _same_op(i1, i2)
    assert e1 == e2
    _same(theirs, ours)


@pytest.mark.parametrize("timeout_enqueue", [False, True])
def test_timeouts_match_tf(timeout_enqueue):
    classes = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            q = lib.FIFOQueue(1, [lib.float32], shapes=[[]])
            if timeout_enqueue:
                sess.run(q.enqueue([1.0]))
            op = q.enqueue([2.0]) if timeout_enqueue else q.dequeue()
            with pytest.raises(Exception) as e:
                sess.run(op, options=lib.RunOptions(timeout_in_ms=30))
            classes.append(type(e.value).__name__)
    assert classes == ["DeadlineExceededError"] * 2


def test_input_pipeline_matches_tf():
    def build(lib):
        names = lib.train.string_input_producer(["a", "b", "c"], num_epochs=2, shuffle=False)
        i = lib.train.range_input_producer(5, shuffle=False).dequeue()
        out = lib.train.batch([names.dequeue(), i], 2, allow_smaller_final_batch=True)
        build.shapes = [t.shape.as_list() for t in out]
        build.types = sorted({op.type for op in lib.get_default_graph().get_operations()
                              if "Queue" in op.type})
        return out, [lib.local_variables_initializer()]
    results = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            fetch, setup = build(lib)
            sess.run(setup)
            coord = lib.train.Coordinator()
            threads = lib.train.start_queue_runners(sess, coord)
            vals = []
            try:
                while True:
                    vals.append(sess.run(fetch))
            except lib.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
            results.append((vals, build.shapes, build.types))
    (v1, s1, t1), (v2, s2, t2) = results
    assert s1 == s2 and t1 == t2
    _same(v1, v2)


def _pipeline(lib):
    x = lib.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
    return lib.train.batch([x * 10], 2, name="out")


def _drain(lib, sess, fetch):
    sess.run(lib.local_variables_initializer())
    coord = lib.train.Coordinator()
    threads = lib.train.start_queue_runners(sess, coord)
    got = []
    try:
        while True:
            got.append(sess.run(fetch).tolist())
    except lib.errors.OutOfRangeError:
        pass
    coord.request_stop()
    coord.join(threads)
    return got


@pytest.mark.parametrize("writer", ["flowgraph", "tf"])
def test_queue_runners_cross_meta_graphs(tmp_path, writer):
    """A MetaGraphDef written by one side runs its input pipeline in the other."""
    src, dst = (tf, tfv1) if writer == "flowgraph" else (tfv1, tf)
    path = str(tmp_path / "pipe.meta")
    was = tfv1.resource_variables_enabled()
    tfv1.disable_resource_variables()  # TF1's ref variables, as flowgraph has
    try:
        with src.Graph().as_default():
            _pipeline(src)
            src.train.export_meta_graph(path)
    finally:
        if was:
            tfv1.enable_resource_variables()
    with dst.Graph().as_default() as g:
        dst.train.import_meta_graph(path)
        assert len(g.get_collection(dst.GraphKeys.QUEUE_RUNNERS)) == 2
        with dst.Session() as sess:
            got = _drain(dst, sess, g.get_tensor_by_name("out:0"))
    assert got == [[0, 10], [20, 30], [40, 50]]


@pytest.mark.parametrize("case", ["dynamic_pad", "enqueue_many", "dict", "batch_join"])
def test_batch_variants_match_tf(case):
    def build(lib):
        i = lib.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
        if case == "dynamic_pad":
            v = lib.range(i)  # a vector of length i
            return lib.train.batch([v, i], 4, dynamic_pad=True,
                                   allow_smaller_final_batch=True)
        if case == "enqueue_many":
            rows = lib.stack([i, i * 10])
            return lib.train.batch([rows], 3, enqueue_many=True,
                                   allow_smaller_final_batch=True)
        if case == "dict":
            out = lib.train.batch({"a": i, "b": lib.constant("s")}, 2)
            return [out["a"], out["b"]]
        return lib.train.batch_join([[i], [i]], 5, allow_smaller_final_batch=True)
    results = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            fetch = build(lib)
            fetch = fetch if isinstance(fetch, list) else [fetch]
            shapes = [t.shape.as_list() for t in fetch]
            sess.run(lib.local_variables_initializer())
            coord = lib.train.Coordinator()
            threads = lib.train.start_queue_runners(sess, coord)
            vals = []
            try:
                while True:
                    vals.append(sess.run(fetch))
            except lib.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
            results.append((shapes, vals))
    (s1, v1), (s2, v2) = results
    assert s1 == s2
    if case == "batch_join":  # two threads: the order between them may differ
        v1 = sorted(x for b in v1 for x in b[0].tolist())
        v2 = sorted(x for b in v2 for x in b[0].tolist())
    _same(v1, v2)
