"""MetaGraphDef export/import: graph, collections, variables, saver_def, scopes,
clear_devices, and meta graphs moving between flowgraph and TensorFlow."""
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import meta_graph
from flowgraph.proto import meta_graph_pb2, variable_pb2
from flowgraph.train.saver import Saver

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
TF_CKPT = os.path.join(FIXTURES, "tf_ckpt", "model-7")


def _model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.device("/cpu:0"):
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="layer/w")
    b = tf.Variable(np.zeros(2, np.float32), name="layer/b", trainable=False)
    y = tf.add(tf.matmul(x, w), b, name="y")
    train = tf.group(tf.assign_add(b, tf.ones([2])), name="train")
    tf.add_to_collection(tf.GraphKeys.TRAIN_OP, train)
    tf.add_to_collection("outputs", y)
    tf.add_to_collection("numbers", 3)
    tf.add_to_collection("ratios", 0.5)
    tf.add_to_collection("labels", "hello")
    return x, w, b, y, train


def test_export_contents(tmp_path):
    _model()
    s = Saver()
    meta = meta_graph.export_meta_graph(str(tmp_path / "m.meta"), saver_def=s.saver_def)
    assert isinstance(meta, meta_graph_pb2.MetaGraphDef)
    on_disk = meta_graph_pb2.MetaGraphDef.FromString(open(tmp_path / "m.meta", "rb").read())
    assert on_disk == meta
    cd = meta.collection_def
    assert cd["train_op"].node_list.value == ["train"]
    assert cd["outputs"].node_list.value == ["y:0"]
    assert list(cd["numbers"].int64_list.value) == [3]
    assert list(cd["ratios"].float_list.value) == [0.5]
    assert list(cd["labels"].bytes_list.value) == [b"hello"]
    vds = [variable_pb2.VariableDef.FromString(v) for v in cd["variables"].bytes_list.value]
    assert [(v.variable_name, v.initializer_name, v.snapshot_name, v.trainable) for v in vds] == \
        [("layer/w:0", "layer/w/Assign", "layer/w/read:0", True),
         ("layer/b:0", "layer/b/Assign", "layer/b/read:0", False)]
    assert len(cd["trainable_variables"].bytes_list.value) == 1
    assert meta.saver_def.restore_op_name == "save/restore_all"
    assert meta.meta_info_def.stripped_default_attrs
    y = next(n for n in meta.graph_def.node if n.name == "y")
    assert "_output_shapes" in y.attr
    text = meta_graph.export_meta_graph(str(tmp_path / "m.pbtxt"), as_text=True)
    assert meta_graph.read_meta_graph_file(str(tmp_path / "m.pbtxt")) == text


def test_round_trip_restores_collections_variables_and_saver(tmp_path):
    x, w, b, y, train = _model()
    s = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        p = s.save(sess, str(tmp_path / "model"), global_step=1)
        want = sess.run(y, {x: np.ones((1, 3))})
    tf.reset_default_graph()
    s2 = tf.train.import_meta_graph(p + ".meta")
    g = tf.get_default_graph()
    gv = tf.global_variables()
    assert [v.op.name for v in gv] == ["layer/w", "layer/b"]
    assert [v.op.name for v in tf.trainable_variables()] == ["layer/w"]
    assert tf.trainable_variables()[0] is gv[0]
    assert [op.name for op in tf.get_collection("train_op")] == ["train"]
    assert g.get_collection("numbers") == [3] and g.get_collection("labels") == [b"hello"]
    assert "CPU" in g.get_operation_by_name("layer/w").device.upper()
    with tf.Session() as sess:
        s2.restore(sess, p)
        got = sess.run("y:0", {"x:0": np.ones((1, 3))})
        np.testing.assert_allclose(got, want)
        sess.run("train")
        np.testing.assert_allclose(sess.run(gv[1]), [2.0, 2.0])
        s2.save(sess, str(tmp_path / "again"))
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "again") \
        if hasattr(tf.train, "latest_checkpoint") else True


def test_clear_devices_and_import_scope(tmp_path):
    _model()
    Saver()
    meta = meta_graph.export_meta_graph(clear_devices=True, saver_def=Saver(name="s").saver_def)
    assert all(not n.device for n in meta.graph_def.node)
    g = tf.Graph()
    with g.as_default():
        s = tf.train.import_meta_graph(meta, import_scope="imported")
        assert s.saver_def.restore_op_name == "imported/s/restore_all"
        assert [v.op.name for v in tf.global_variables()] == ["imported/layer/w",
                                                              "imported/layer/b"]
        assert g.get_operation_by_name("imported/layer/w/read").get_attr("_class") == \
            ["loc:@imported/layer/w"]


def test_scoped_export():
    with tf.name_scope("tower"):
        a = tf.Variable(1.0, name="a")
        tf.identity(a * 2.0, name="out")
    tf.Variable(5.0, name="outside")
    meta, var_map = meta_graph.export_scoped_meta_graph(export_scope="tower")
    assert sorted(var_map) == ["a"]
    names = {n.name for n in meta.graph_def.node}
    assert "out" in names and "a" in names and not any("outside" in n for n in names)
    vds = [variable_pb2.VariableDef.FromString(v)
           for v in meta.collection_def["variables"].bytes_list.value]
    assert [v.variable_name for v in vds] == ["a:0"]


def test_meta_graph_without_saver_def():
    _model()
    meta = meta_graph.export_meta_graph()
    g = tf.Graph()
    with g.as_default():
        s = tf.train.import_meta_graph(meta)
        assert isinstance(s, Saver)
        assert g.get_operation_by_name("save/restore_all").type == "NoOp"
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        empty = meta_graph.export_meta_graph()
    with tf.Graph().as_default():
        assert tf.train.import_meta_graph(empty) is None


def test_missing_meta_file():
    with pytest.raises(IOError, match="does not exist"):
        tf.train.import_meta_graph("/nonexistent/model.meta")


def test_imports_tensorflow_meta_graph_fixture():
    """TF1 Saver's .meta (fixture): graph, variables and saver restore in flowgraph."""
    s = tf.train.import_meta_graph(TF_CKPT + ".meta")
    names = sorted(v.op.name for v in tf.global_variables())
    assert names == ["big", "counter", "dense/bias", "dense/kernel", "empty", "mask", "names"]
    with tf.Session() as sess:
        s.restore(sess, TF_CKPT)
        y = sess.run("y:0", {"x:0": np.ones((1, 4), np.float32)})
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    np.testing.assert_allclose(y, kernel.sum(0, keepdims=True) + [0.5, -1.25, 3.0], rtol=1e-6)


# -- live interop with TensorFlow ---------------------------------------------------------
def test_tensorflow_imports_our_meta_graph_and_we_import_theirs(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    tfv1 = tf_real.compat.v1
    x, w, b, y, train = _model()
    s = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ours = s.save(sess, str(tmp_path / "ours"))
        want = sess.run(y, {x: np.ones((2, 3))})
    g = tf_real.Graph()
    with g.as_default():
        ts = tfv1.train.import_meta_graph(ours + ".meta")
        assert sorted(v.op.name for v in tfv1.global_variables()) == ["layer/b", "layer/w"]
        assert [v.op.name for v in tfv1.trainable_variables()] == ["layer/w"]
        assert [op.name for op in tfv1.get_collection("train_op")] == ["train"]
        with tfv1.Session(graph=g) as sess:
            ts.restore(sess, ours)
            np.testing.assert_allclose(sess.run("y:0", {"x:0": np.ones((2, 3))}), want)
            sess.run("train")
            theirs = ts.save(sess, str(tmp_path / "theirs"))
    tf.reset_default_graph()
    s2 = tf.train.import_meta_graph(theirs + ".meta")
    with tf.Session() as sess:
        s2.restore(sess, theirs)
        np.testing.assert_allclose(sess.run("y:0", {"x:0": np.ones((2, 3))}), want + 1)
