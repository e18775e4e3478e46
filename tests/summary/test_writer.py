"""tf.summary.FileWriter and the event reader: file naming, record framing and CRCs,
every kind of event, flushing, close/reopen, the writer cache, and corrupt files."""
import os
import re
import socket
import struct
import time

import numpy as np
import pytest
from tensorboardX.proto import summary_pb2

import flowgraph as tf
from flowgraph import summary
from flowgraph.proto import config_pb2, graph_pb2, meta_graph_pb2
from flowgraph.summary import event_reader


def events_of(logdir):
    return event_reader.read_events(logdir)


def test_file_name_and_first_event(tmp_path):
    w = summary.FileWriter(tmp_path / "logs")
    assert w.get_logdir() == str(tmp_path / "logs")
    w.close()
    name, = os.listdir(tmp_path / "logs")
    m = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)", name)
    assert m and m.group(2) == socket.gethostname()
    assert abs(int(m.group(1)) - time.time()) < 60
    first, = events_of(tmp_path / "logs")
    assert first.file_version == "brain.Event:2" and first.wall_time > 0
    w2 = summary.FileWriter(str(tmp_path / "logs"), filename_suffix=".v2")
    w3 = summary.FileWriter(str(tmp_path / "logs"))  # same second: a new file all the same
    w2.close()
    w3.close()
    names = os.listdir(tmp_path / "logs")
    assert len(names) == 3 and sum(n.endswith(".v2") for n in names) == 1


def test_add_summary_bytes_and_protos(tmp_path):
    x = tf.placeholder(tf.float32, [])
    merged = summary.merge([summary.scalar("loss", x),
                            summary.histogram("h", tf.stack([x, 2 * x]))])
    with tf.Session() as sess, summary.FileWriter(str(tmp_path)) as w:
        for step in range(3):
            w.add_summary(sess.run(merged, {x: float(step)}), global_step=step)
        w.add_summary(tf.summary.Summary(value=[tf.summary.Summary.Value(
            tag="manual", simple_value=7.0)]), 10)
        w.add_summary(sess.run(summary.scalar("no_step", 1.0)))
    evs = events_of(tmp_path)[1:]
    assert [e.step for e in evs] == [0, 1, 2, 10, 0]
    assert all(e.WhichOneof("what") == "summary" and e.wall_time > 0 for e in evs)
    assert [v.simple_value for e in evs[:3] for v in e.summary.value
            if v.tag == "loss"] == [0.0, 1.0, 2.0]
    assert evs[2].summary.value[1].histo.max == 4.0
    assert evs[3].summary.value[0].tag == "manual"
    with pytest.raises(TypeError):
        summary.FileWriter(str(tmp_path)).add_summary(42)


def test_plugin_metadata_only_on_first_value_of_a_tag(tmp_path):
    t = summary.text("notes", tf.constant("hi"))
    with tf.Session() as sess, summary.FileWriter(str(tmp_path)) as w:
        out = sess.run(t)
        w.add_summary(out, 1)
        w.add_summary(out, 2)
    a, b = [e.summary.value[0] for e in events_of(tmp_path)[1:]]
    assert a.metadata.plugin_data.plugin_name == "text"
    assert not b.HasField("metadata") and b.tensor.string_val == [b"hi"]
    s = summary_pb2.Summary()
    s.ParseFromString(out)
    assert s.value[0].HasField("metadata")  # the caller's summary is not modified


def test_graph_and_meta_graph_events(tmp_path):
    with tf.name_scope("layer"):
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.identity(x * 2.0, name="y")
    summary.scalar("m", tf.reduce_mean(y))
    g = tf.get_default_graph()
    summary.FileWriter(str(tmp_path), graph=g).close()
    evs = events_of(tmp_path)
    kinds = [e.WhichOneof("what") for e in evs]
    assert kinds == ["file_version", "graph_def", "meta_graph_def"]
    gd = graph_pb2.GraphDef.FromString(evs[1].graph_def)
    nodes = {n.name: n for n in gd.node}
    assert set(nodes) == {op.name for op in g.get_operations()}
    shape = nodes["layer/y"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [-1, 3]
    meta = meta_graph_pb2.MetaGraphDef.FromString(evs[2].meta_graph_def)
    assert len(meta.graph_def.node) == len(gd.node)
    assert "summaries" in meta.collection_def


def test_add_graph_forms(tmp_path):
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="c")
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_graph(g, global_step=4)
        w.add_graph(None, graph_def=g.as_graph_def())
        with pytest.raises(ValueError, match="only graph, or graph_def"):
            w.add_graph(g, graph_def=g.as_graph_def())
        with pytest.raises(TypeError, match="must be an instance of `Graph`"):
            w.add_graph("not a graph")
        with pytest.raises(TypeError, match="MetaGraphDef"):
            w.add_meta_graph(g.as_graph_def())
    evs = events_of(tmp_path)[1:]
    assert [(e.WhichOneof("what"), e.step) for e in evs] == [("graph_def", 4),
                                                            ("graph_def", 0)]
    assert [n.name for n in graph_pb2.GraphDef.FromString(evs[1].graph_def).node] == ["c"]


def test_run_metadata_and_session_log(tmp_path):
    x = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(x * x, name="y")
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(y, {x: [1.0, 2.0]}, run_metadata=md,
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_run_metadata(md, "step1", global_step=1)
        with pytest.raises(ValueError, match="already used"):
            w.add_run_metadata(md, "step1")
        w.add_session_log(tf.summary.SessionLog(status=tf.summary.SessionLog.START), 2)
    rm_event, log_event = events_of(tmp_path)[1:]
    assert rm_event.step == 1 and rm_event.tagged_run_metadata.tag == "step1"
    rm = config_pb2.RunMetadata.FromString(rm_event.tagged_run_metadata.run_metadata)
    names = [n.node_name for d in rm.step_stats.dev_stats for n in d.node_stats]
    assert "y" in names
    dev = rm.step_stats.dev_stats[0]
    assert dev.device == md.step_stats.dev_stats[0].device
    assert dev.node_stats[0].all_start_micros == \
        md.step_stats.dev_stats[0].node_stats[0].all_start_micros
    assert log_event.step == 2 and log_event.session_log.status == 1


def test_flush_writes_pending_events_and_close_reopen(tmp_path):
    w = summary.FileWriter(str(tmp_path), max_queue=1, flush_secs=1000)
    for i in range(20):
        w.add_summary(tf.summary.Summary(value=[tf.summary.Summary.Value(
            tag="s", simple_value=i)]), i)
    w.flush()
    assert [e.step for e in events_of(tmp_path)[1:]] == list(range(20))
    w.close()
    w.close()  # twice is fine
    with pytest.warns(UserWarning, match="closed FileWriter"):
        w.add_event(tf.summary.Event(step=99))
    w.reopen()
    w.add_event(tf.summary.Event(step=100, wall_time=5.0))
    w.close()
    files = event_reader.event_files(tmp_path)
    assert len(files) == 2
    second = list(event_reader.summary_iterator(files[1]))
    assert [e.step for e in second] == [0, 100] and second[1].wall_time == 5.0


def test_background_flush_every_flush_secs(tmp_path):
    w = summary.FileWriter(str(tmp_path), flush_secs=0.2)
    w.add_event(tf.summary.Event(step=3))
    deadline = time.time() + 10
    while time.time() < deadline and len(events_of(tmp_path)) < 2:
        time.sleep(0.05)
    assert [e.step for e in events_of(tmp_path)] == [0, 3]
    w.close()


def test_file_writer_cache(tmp_path):
    a = summary.FileWriterCache.get(str(tmp_path / "a"))
    assert summary.FileWriterCache.get(str(tmp_path / "a")) is a
    assert summary.FileWriterCache.get(str(tmp_path / "b")) is not a
    summary.FileWriterCache.clear()
    assert summary.FileWriterCache.get(str(tmp_path / "a")) is not a
    summary.FileWriterCache.clear()
    kinds = [e.WhichOneof("what") for e in events_of(tmp_path / "a")]
    assert kinds.count("graph_def") == 2  # each cached writer wrote the default graph


# -- the reader ------------------------------------------------------------------------------
def _write_two(tmp_path):
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_event(tf.summary.Event(step=1, file_version="x"))
    path, = event_reader.event_files(tmp_path)
    return path, open(path, "rb").read()


def test_records_are_tfrecord_framed(tmp_path):
    path, data = _write_two(tmp_path)
    n, = struct.unpack("<Q", data[:8])
    n2, = struct.unpack("<Q", data[16 + n:24 + n])
    assert len(data) == 16 + n + 16 + n2
    assert tf.summary.Event.FromString(data[12:12 + n]).file_version == "brain.Event:2"
    assert len(list(event_reader.tf_record_iterator(path))) == 2


@pytest.mark.parametrize("where", ["length_crc", "data", "data_crc", "truncate"])
def test_corrupt_file_is_data_loss(tmp_path, where):
    path, data = _write_two(tmp_path)
    data = bytearray(data)
    n, = struct.unpack("<Q", data[:8])
    if where == "length_crc":
        data[9] ^= 1
    elif where == "data":
        data[12 + n // 2] ^= 0x40
    elif where == "data_crc":
        data[12 + n] ^= 1
    else:
        data = data[:-3]
    open(path, "wb").write(bytes(data))
    with pytest.raises(tf.errors.DataLossError):
        list(event_reader.summary_iterator(path))


def test_tf_reads_our_event_file(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    x = tf.constant(np.arange(4.0, dtype=np.float32))
    with tf.Session() as sess, summary.FileWriter(str(tmp_path), graph=sess.graph) as w:
        w.add_summary(sess.run(summary.histogram("h", x)), 5)
    path, = event_reader.event_files(tmp_path)
    evs = list(tf_real.compat.v1.train.summary_iterator(path))
    assert evs[0].file_version == "brain.Event:2"
    gd = tf_real.compat.v1.GraphDef.FromString(evs[1].graph_def)
    assert [n.op for n in gd.node][:1] == ["Const"]
    assert evs[-1].step == 5 and evs[-1].summary.value[0].histo.num == 4


def test_unclosed_writer_is_flushed_at_exit(tmp_path):
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import flowgraph as tf\n"
            f"w = tf.summary.FileWriter({str(tmp_path)!r}, flush_secs=1000)\n"
            "w.add_event(tf.summary.Event(step=7))\n")
    env = dict(os.environ, PYTHONPATH=root)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    assert [e.step for e in events_of(tmp_path)] == [0, 7]


def test_collected_writer_is_closed(tmp_path):
    import gc
    w = summary.FileWriter(str(tmp_path), flush_secs=1000)
    w.add_event(tf.summary.Event(step=8))
    del w
    gc.collect()
    assert [e.step for e in events_of(tmp_path)] == [0, 8]
