"""tf.saved_model: SavedModelBuilder, loader.load, simple_save, main ops and assets. Values
are checked against numpy; the file layout and proto contents against what TF 2.21's
builder writes (facts taken from a SavedModel it wrote: a sharded saver, assets in the
`saved_model_assets` collection as Any-packed AssetFileDefs, the main op collection)."""
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.proto import meta_graph_pb2, saved_model_pb2

W = np.array([[1.0], [-2.0], [4.0]], np.float32)
B = np.array([0.5], np.float32)


def _model(vocab=None):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.get_variable("w", initializer=tf.constant(np.zeros((3, 1), np.float32)))
    b = tf.get_variable("b", initializer=tf.constant(B))
    y = tf.add(tf.matmul(x, w), b, name="y")
    if vocab:
        tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, tf.constant(vocab, name="vocab"))
    return x, w, y


def _write(export_dir, vocab=None, as_text=False, main_op=None, extra_tags=None):
    with tf.Graph().as_default(), tf.Session() as sess:
        x, w, y = _model(vocab)
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(W))
        op = main_op() if main_op else None
        b = tf.saved_model.builder.SavedModelBuilder(export_dir)
        sig = tf.saved_model.signature_def_utils.predict_signature_def({"x": x}, {"y": y})
        b.add_meta_graph_and_variables(
            sess, [tf.saved_model.tag_constants.SERVING], signature_def_map={
                tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: sig},
            assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS), main_op=op)
        if extra_tags:
            b.add_meta_graph(extra_tags, signature_def_map={"pred": sig})
        return b.save(as_text=as_text)


def _run_loaded(export_dir, tags=("serve",), key="serving_default"):
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, list(tags), export_dir)
        sig = meta.signature_def[key]
        x = tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["x"])
        y = tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs["y"])
        inp = np.arange(6, dtype=np.float32).reshape(2, 3)
        return sess.run(y, {x: inp}), inp @ W + B


def test_layout_and_proto(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    d = str(tmp_path / "m")
    path = _write(d, vocab=str(vocab), main_op=tf.no_op, extra_tags=["train"])
    assert path == os.path.join(d, "saved_model.pb").encode()
    files = sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d)
                   for f in fs)
    assert files == ["assets/vocab.txt", "saved_model.pb",
                     "variables/variables.data-00000-of-00001", "variables/variables.index"]
    assert (tmp_path / "m" / "assets" / "vocab.txt").read_text() == "a\nb\n"
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(d, "saved_model.pb"),
                                                    "rb").read())
    assert sm.saved_model_schema_version == 1
    assert [list(m.meta_info_def.tags) for m in sm.meta_graphs] == [["serve"], ["train"]]
    first, second = sm.meta_graphs
    assert first.saver_def.sharded and first.saver_def.restore_op_name == "save/restore_all"
    assert second.saver_def.restore_op_name == "save_1/restore_all"
    assets = first.collection_def["saved_model_assets"].any_list.value
    assert [a.type_url for a in assets] == ["type.googleapis.com/tensorflow.AssetFileDef"]
    asset = meta_graph_pb2.AssetFileDef.FromString(assets[0].value)
    assert (asset.filename, asset.tensor_info.name) == ("vocab.txt", "vocab:0")
    assert list(first.collection_def["saved_model_main_op"].node_list.value) == ["NoOp"]
    sig = first.signature_def["serving_default"]
    assert sig.method_name == "tensorflow/serving/predict"
    assert sig.inputs["x"].name == "x:0" and sig.outputs["y"].name == "y:0"
    assert [d.size for d in sig.inputs["x"].tensor_shape.dim] == [-1, 3]
    assert list(second.signature_def) == ["pred"]


@pytest.mark.parametrize("as_text", [False, True])
def test_round_trip(tmp_path, as_text):
    d = str(tmp_path / "m")
    _write(d, as_text=as_text, extra_tags=["train", "gpu"])
    assert os.path.exists(os.path.join(d, "saved_model.pbtxt" if as_text else
                                       "saved_model.pb"))
    got, want = _run_loaded(d)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got, want = _run_loaded(d, tags=("gpu", "train"), key="pred")  # a tag *set*
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_main_op_runs_after_restore_with_assets_fed(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("x")
    d = str(tmp_path / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        asset = tf.constant(str(vocab), name="asset")
        tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, asset)
        v = tf.get_variable("v", initializer=tf.constant(3.0))
        path = tf.Variable("", name="path", collections=[tf.GraphKeys.LOCAL_VARIABLES])
        sess.run(tf.global_variables_initializer())
        sess.run(v.assign(7.0))
        with tf.control_dependencies([tf.local_variables_initializer()]):
            main = tf.group(path.assign(asset), name="main")
        b = tf.saved_model.Builder(d)
        b.add_meta_graph_and_variables(sess, ["serve"], assets_collection=[asset],
                                       legacy_init_op=main)
        b.save()
    os.remove(vocab)  # the loader must use the copy under assets/
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.load(sess, ["serve"], d)
        assert sess.run("v:0") == 7.0  # restored, not re-initialized
        assert sess.run("path:0") == os.path.join(d, "assets", "vocab.txt").encode()


def test_main_op_module(tmp_path):
    d = str(tmp_path / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.get_variable("g", initializer=tf.constant(1.0))
        local = tf.Variable(5.0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
        sess.run(tf.global_variables_initializer())
        b = tf.saved_model.builder.SavedModelBuilder(d)
        b.add_meta_graph_and_variables(sess, ["serve"],
                                       main_op=tf.saved_model.main_op.main_op())
        b.save()
        assert local is not None
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["serve"], d)
        assert sess.run("local:0") == 5.0  # the main op initialized the local variable


def test_simple_save(tmp_path):
    d = str(tmp_path / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        with tf.device("/cpu:0"):
            x, w, y = _model()
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(W))
        tf.saved_model.simple_save(sess, d, {"x": x}, {"y": y})
    sm = tf.saved_model.loader.parse_saved_model(d)
    assert all(not n.device for n in sm.meta_graphs[0].graph_def.node)  # clear_devices
    got, want = _run_loaded(d)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_errors(tmp_path):
    d = str(tmp_path / "m")
    _write(d)
    with pytest.raises(AssertionError, match="already exists, and isn't empty"):
        tf.saved_model.builder.SavedModelBuilder(d)
    with tf.Graph().as_default(), tf.Session() as sess:
        with pytest.raises(RuntimeError, match=r"MetaGraphDef associated with tags 'train' "
                                               r"could not be found in SavedModel, with "
                                               r"available tags '\[\{'serve'\}\]'"):
            tf.saved_model.loader.load(sess, ["train"], d)
    with pytest.raises(OSError, match="SavedModel file does not exist at"):
        tf.saved_model.loader.load(None, ["serve"], str(tmp_path / "none"))
    with tf.Graph().as_default(), tf.Session() as sess:
        _model()
        b = tf.saved_model.builder.SavedModelBuilder(str(tmp_path / "m2"))
        with pytest.raises(AssertionError, match="has not been saved yet"):
            b.add_meta_graph(["serve"])
        sess.run(tf.global_variables_initializer())
        with pytest.raises(KeyError, match="__saved_model_init_op"):
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
                "__saved_model_init_op": meta_graph_pb2.SignatureDef()})
        with pytest.raises(AssertionError, match="must have the dtype field set"):
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
                "s": tf.saved_model.build_signature_def(
                    outputs={"o": meta_graph_pb2.TensorInfo(name="y:0")})})
        with pytest.raises(TypeError, match="must be of type constant"):
            b.add_meta_graph_and_variables(sess, ["serve"],
                                           assets_collection=[tf.identity("p")])
        b.add_meta_graph_and_variables(sess, ["serve"])
        with pytest.raises(AssertionError, match="already been saved"):
            b.add_meta_graph_and_variables(sess, ["serve"])
    with open(os.path.join(d, "saved_model.pb"), "wb") as f:
        f.write(b"\x0a\xff\xff\xff\xff\x0f")
    with pytest.raises(OSError, match="Cannot parse file"):
        tf.saved_model.loader.parse_saved_model(d)


def test_maybe_saved_model_directory(tmp_path):
    assert not tf.saved_model.loader.maybe_saved_model_directory(str(tmp_path))
    (tmp_path / "saved_model.pbtxt").write_text("")
    assert tf.saved_model.maybe_saved_model_directory(str(tmp_path))
    assert tf.saved_model.contains_saved_model(tmp_path)


def test_no_variables(tmp_path):
    d = str(tmp_path / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, [2], name="x")
        y = tf.multiply(x, 2.0, name="y")
        tf.saved_model.simple_save(sess, d, {"x": x}, {"y": y})
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], d)
        assert not meta.HasField("saver_def")
        np.testing.assert_array_equal(sess.run("y:0", {"x:0": [1.0, 3.0]}), [2.0, 6.0])


def test_import_scope_and_second_graph(tmp_path):
    """`import_scope` prefixes every loaded name (asset feeds too), the returned
    MetaGraphDef keeps the stored names; a later meta graph may come from a new graph
    (its variables restored from the first one's checkpoint)."""
    vocab = tmp_path / "v.txt"
    vocab.write_text("v")
    d = str(tmp_path / "m")
    _write(d, vocab=str(vocab), main_op=lambda: tf.group(tf.identity(
        tf.get_default_graph().get_tensor_by_name("vocab:0"))))
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], d, import_scope="imported")
        sig = meta.signature_def["serving_default"]
        assert sig.inputs["x"].name == "x:0"
        x = tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["x"],
                                                             import_scope="imported")
        y = tf.saved_model.get_tensor_from_tensor_info(sig.outputs["y"], sess.graph,
                                                       "imported")
        assert (x.name, y.name) == ("imported/x:0", "imported/y:0")
        inp = np.ones((1, 3), np.float32)
        np.testing.assert_allclose(sess.run(y, {x: inp}), inp @ W + B)
        assert tf.saved_model.loader.get_asset_tensors(d, meta, "imported") == {
            "imported/vocab:0": os.path.join(d, "assets", "v.txt").encode()}
    with pytest.raises(KeyError):
        tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["x"], tf.Graph())
    d2 = str(tmp_path / "m2")
    b = tf.saved_model.builder.SavedModelBuilder(d2)
    with tf.Graph().as_default(), tf.Session() as sess:
        _, w, _ = _model()
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(W))
        b.add_meta_graph_and_variables(sess, ["serve"])
    with tf.Graph().as_default():  # a second graph over the same variables
        x, _, y = _model()
        tf.multiply(y, 3.0, name="y3")
        b.add_meta_graph(["eval"], signature_def_map={
            "s": tf.saved_model.predict_signature_def({"x": x}, {"y": y})})
    b.save()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["eval"], d2)
        inp = np.ones((2, 3), np.float32)
        np.testing.assert_allclose(sess.run("y3:0", {"x:0": inp}), 3 * (inp @ W + B))
