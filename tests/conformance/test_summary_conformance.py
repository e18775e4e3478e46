"""Summary ops against real TensorFlow: the same builders give the same nodes (names, types,
inputs), and the same serialized Summary bytes (scalars, histograms, audio, text,
tensors); PNG images decode to the same pixels (the zlib streams differ)."""
import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402
from tests.summary.test_summary_ops import decode_png  # noqa: E402

R = np.random.RandomState(7)
FEEDS = {
    "x": R.randn(6, 5).astype(np.float32) * 3,
    "s": np.float32(R.randn()),
    "x64": np.concatenate([R.randn(50) * 1e4, R.randn(50) * 1e-9, [0.0, -0.0, 1e-12]]),
    "i": R.randint(-50, 50, size=40).astype(np.int32),
    "h16": (R.randn(30) * 10).astype(np.float16),
    "img": R.randn(4, 3, 5, 3).astype(np.float32),
    "img_pos": R.rand(2, 6, 4, 1).astype(np.float64) * 7,
    "img16": R.rand(2, 3, 3, 4).astype(np.float16),
    "img_u8": R.randint(0, 256, size=(3, 2, 4, 3)).astype(np.uint8),
    "aud": R.uniform(-1.2, 1.2, size=(3, 64)).astype(np.float32),
    "aud3": R.uniform(-1, 1, size=(2, 16, 2)).astype(np.float32),
}
FEEDS["img"][1, 1, 2, 0] = np.nan
FEEDS["img"][2, 0, 0, 1] = -np.inf


def _program(tf):
    ph = {k: tf.placeholder(tf.as_dtype(v.dtype), [None] * v.ndim, name=k)
          for k, v in FEEDS.items()}
    with tf.name_scope("train"):
        outs = [
            tf.summary.scalar("loss", ph["s"]),
            tf.summary.scalar("loss", tf.reduce_sum(ph["i"]), family="fam"),
            tf.summary.histogram("weights", ph["x"]),
            tf.summary.histogram("w64", ph["x64"]),
            tf.summary.histogram("ints", ph["i"]),
            tf.summary.histogram("halfs", ph["h16"]),
            tf.summary.image("pic", ph["img"], max_outputs=3),
            tf.summary.image("pos", ph["img_pos"], max_outputs=1),
            tf.summary.image("half", ph["img16"]),
            tf.summary.image("u8", ph["img_u8"], max_outputs=5),
            tf.summary.audio("snd", ph["aud"], 8000, max_outputs=2),
            tf.summary.audio("st", ph["aud3"], 22050.0, max_outputs=1),
            tf.summary.text("txt", tf.constant([["# hi", "there"]])),
            tf.summary.tensor_summary("tens", ph["x"], summary_description="d"),
            tf.summary.tensor_summary("tint", ph["i"], display_name="ints"),
        ]
    outs.append(tf.summary.merge(outs[:3]))
    outs.append(tf.summary.merge_all(scope="train/w"))
    return ph, outs


def _run(tf, graph):
    with graph.as_default():
        ph, outs = _program(tf)
        nodes = [(op.name, op.type, [t.name for t in op.inputs])
                 for op in graph.get_operations()]
        with tf.Session(graph=graph) as sess:
            got = sess.run(outs, {ph[k]: v for k, v in FEEDS.items()})
        coll = [t.name for t in graph.get_collection("summaries")]
    return nodes, got, coll


@pytest.fixture(scope="module")
def both():
    return _run(tf1, tf1.Graph()), _run(fg, fg.Graph())


def test_same_nodes_and_collection(both):
    (tf_nodes, _, tf_coll), (fg_nodes, _, fg_coll) = both
    # Constant ops may be created in another order; compare the sets and the summaries.
    assert sorted(fg_nodes) == sorted(tf_nodes)
    assert fg_coll == tf_coll


def _parse(b):
    s = tf1.Summary()
    s.ParseFromString(b)
    return s


def _assert_same(a, b, where=""):
    """Serialized summaries `a` (TF) and `b` (ours) hold the same values; images are
    compared as decoded pixels."""
    sa, sb = _parse(a), _parse(b)
    assert [v.tag for v in sa.value] == [v.tag for v in sb.value], where
    for va, vb in zip(sa.value, sb.value):
        if va.WhichOneof("value") == "image":
            pa, ca = decode_png(va.image.encoded_image_string)
            pb, cb = decode_png(vb.image.encoded_image_string)
            assert ca == cb and (va.image.height, va.image.width, va.image.colorspace) == \
                (vb.image.height, vb.image.width, vb.image.colorspace)
            np.testing.assert_array_equal(pb, pa, err_msg=va.tag)
        else:
            assert vb.SerializeToString() == va.SerializeToString(), va.tag


def test_same_summary_bytes(both):
    (_, tf_out, _), (_, fg_out, _) = both
    assert len(tf_out) == len(fg_out)
    for i, (a, b) in enumerate(zip(tf_out, fg_out)):
        _assert_same(a, b, i)


def test_graph_defs_run_in_the_other_framework(both):
    """TF runs our exported GraphDef, we run TF's: the summaries are the same."""
    (_, tf_out, _), (_, fg_out, _) = both
    feed = {f"{k}:0": v for k, v in FEEDS.items()}
    g = fg.Graph()
    with g.as_default():
        _, outs = _program(fg)
    names = [t.name for t in outs]
    tg = tf1.Graph()
    with tg.as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(g.as_graph_def().SerializeToString()),
                             name="")
        with tf1.Session(graph=tg) as sess:
            theirs = sess.run(names, feed)
    for i, (a, b) in enumerate(zip(tf_out, theirs)):
        _assert_same(a, b, f"TF running our graph, output {i}")
    tg = tf1.Graph()
    with tg.as_default():
        _program(tf1)
    g = fg.Graph()
    with g.as_default():
        fg.import_graph_def(tg.as_graph_def(), name="")
        with fg.Session(graph=g) as sess:
            ours = sess.run(names, feed)
    for i, (a, b) in enumerate(zip(tf_out, ours)):
        _assert_same(a, b, f"us running TF's graph, output {i}")


def test_fetched_summaries_feed_tf_file_writer(tmp_path, both):
    """Our serialized summaries are valid TF protos: TF's own FileWriter accepts them."""
    _, (_, fg_out, _) = both
    with tf1.Graph().as_default():
        w = tf1.summary.FileWriter(str(tmp_path))
        for i, b in enumerate(fg_out):
            w.add_summary(b, i)
        w.close()
    files = list(tmp_path.iterdir())
    tags = {v.tag for e in tf1.train.summary_iterator(str(files[0])) for v in e.summary.value}
    assert "train/loss" in tags and "train/pic/image/2" in tags
