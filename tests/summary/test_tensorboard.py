"""What real TensorBoard reads from our event files: its EventAccumulator, and a real
`tensorboard` server answering its HTTP data API (skipped where TensorBoard is absent)."""
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import wave

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import summary
from tests.summary.test_summary_ops import decode_png

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402

W = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.25]], np.float32)


def _write_run(logdir):
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    with tf.name_scope("model"):
        w = tf.Variable(W, name="w")
        y = tf.multiply(x, w, name="y")
    with tf.name_scope("train"):
        loss = tf.reduce_sum(y, name="loss_value")
        summary.scalar("loss", loss)
        summary.histogram("weights", w)
        summary.image("pic", tf.reshape(y, [2, 1, 3, 1]), max_outputs=2)
        summary.audio("snd", y / 10.0, 8000, max_outputs=1)
        summary.text("notes", tf.constant("loss is *falling*"))
    merged = summary.merge_all()
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(w.initializer)
        with summary.FileWriter(logdir, sess.graph) as writer:
            for step in range(3):
                feed = {x: np.full([2, 3], step + 1.0, np.float32)}
                writer.add_summary(sess.run(merged, feed), step * 10)
            sess.run(loss, feed, run_metadata=md,
                     options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
            writer.add_run_metadata(md, "traced", 30)
    return [float((W * (s + 1)).sum()) for s in range(3)]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tb")
    tf.reset_default_graph()
    losses = _write_run(str(d))
    return str(d), losses


@pytest.fixture(scope="module")
def acc(run_dir):
    a = ea.EventAccumulator(run_dir[0], size_guidance={ea.IMAGES: 0, ea.AUDIO: 0,
                                                       ea.HISTOGRAMS: 0, ea.SCALARS: 0,
                                                       ea.TENSORS: 0})
    a.Reload()
    return a


def test_tags(acc):
    tags = acc.Tags()
    assert tags["scalars"] == ["train/loss"]
    assert tags["histograms"] == ["train/weights"]
    assert sorted(tags["images"]) == ["train/pic/image/0", "train/pic/image/1"]
    assert tags["audio"] == ["train/snd/audio"]
    assert tags["tensors"] == ["train/notes"]
    assert tags["graph"] and tags["meta_graph"] and tags["run_metadata"] == ["traced"]


def test_scalars_and_histograms(acc, run_dir):
    ev = acc.Scalars("train/loss")
    assert [e.step for e in ev] == [0, 10, 20]
    np.testing.assert_allclose([e.value for e in ev], run_dir[1], rtol=1e-6)
    hs = acc.Histograms("train/weights")
    assert [e.step for e in hs] == [0, 10, 20]
    h = hs[0].histogram_value
    assert (h.min, h.max, h.num, h.sum) == (-1.0, 3.0, 6, float(W.sum()))
    assert sum(h.bucket) == 6 and h.bucket_limit[-1] == np.finfo(np.float64).max


def test_images_audio_text(acc):
    img = acc.Images("train/pic/image/1")[0]
    assert (img.width, img.height, img.step) == (3, 1, 0)
    px, _ = decode_png(img.encoded_image_string)
    row = W[1]  # negative values: 0 -> 128, largest magnitude -> 127 away
    want = (row * np.float32(127 / np.abs(row).max()) + 128).astype(np.uint8)
    np.testing.assert_array_equal(px.reshape(-1), want)
    a = acc.Audio("train/snd/audio")[0]
    assert a.content_type == "audio/wav" and a.sample_rate == 8000 and a.length_frames == 3
    assert wave.open(io.BytesIO(a.encoded_audio_string)).getnframes() == 3
    assert acc.PluginTagToContent("text") == {"train/notes": b""}
    t = acc.Tensors("train/notes")[-1]
    assert t.step == 20 and t.tensor_proto.string_val == [b"loss is *falling*"]


def test_graph_run_metadata_and_meta_graph(acc):
    g = acc.Graph()
    nodes = {n.name: n for n in g.node}
    assert {"x", "model/w", "model/y", "train/loss_value", "train/loss"} <= set(nodes)
    # Name scopes are the hierarchy TensorBoard draws: every op of model/ sits under it.
    assert {n.split("/")[0] for n in nodes} >= {"model", "train"}
    assert nodes["model/y"].op == "Mul" and list(nodes["model/y"].input) == ["x",
                                                                             "model/w/read"]
    shape = nodes["model/y"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [2, 3]
    rm = acc.RunMetadata("traced")
    assert "train/loss_value" in [n.node_name for d in rm.step_stats.dev_stats
                                  for n in d.node_stats]
    assert len(acc.MetaGraph().graph_def.node) == len(g.node)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path, **query):
    url = f"http://127.0.0.1:{port}{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def test_tensorboard_server_serves_scalars_and_graph(run_dir):
    port = _free_port()
    cmd = [sys.executable, "-m", "tensorboard.main", "--logdir", run_dir[0], "--port",
           str(port), "--host", "127.0.0.1", "--load_fast=false", "--reload_interval", "1"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    try:
        deadline, scalars = time.time() + 90, None
        while time.time() < deadline and proc.poll() is None:
            try:
                scalars = json.loads(_get(port, "/data/plugin/scalars/scalars", run=".",
                                          tag="train/loss"))
                if len(scalars) == 3:
                    break
            except Exception:  # not listening or not loaded yet
                pass
            time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert scalars is not None and len(scalars) == 3, "TensorBoard did not load the run"
        assert [s[1] for s in scalars] == [0, 10, 20]
        np.testing.assert_allclose([s[2] for s in scalars], run_dir[1], rtol=1e-6)
        from google.protobuf import text_format
        from tensorboard.compat.proto import graph_pb2
        gd = text_format.Parse(_get(port, "/data/plugin/graphs/graph", run=".").decode(),
                               graph_pb2.GraphDef())
        names = {n.name for n in gd.node}
        assert {"x", "model/w", "model/y", "train/loss"} <= names
        info = json.loads(_get(port, "/data/plugin/graphs/info"))
        assert info["."]["run_graph"] and "traced" in info["."]["tags"]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        proc.stderr.close()
