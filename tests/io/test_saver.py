"""tf.train.Saver: the save/ subgraph, save/restore, the checkpoint state file, keeping
the last checkpoints, errors, atomicity, sharding, and checkpoints moving between
flowgraph and TensorFlow."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.framework import tensor_bundle
from flowgraph.train import checkpoint, checkpoint_management as cm
from flowgraph.train.saver import Saver

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
TF_CKPT = os.path.join(FIXTURES, "tf_ckpt", "model-7")


def _vars():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    b = tf.Variable(np.array([1.0, 2.0, 3.0]), name="layer/b")
    n = tf.Variable(5, name="n")
    return w, b, n


def test_saver_graph_matches_tensorflow_layout():
    _vars()
    s = Saver()
    ops = {op.name: op for op in tf.get_default_graph().get_operations()
           if op.name.startswith("save/")}
    assert {n: ops[n].type for n in ("save/filename/input", "save/filename", "save/Const",
                                     "save/SaveV2", "save/control_dependency",
                                     "save/RestoreV2", "save/Assign", "save/Assign_2",
                                     "save/restore_all")} == {
        "save/filename/input": "Const", "save/filename": "PlaceholderWithDefault",
        "save/Const": "PlaceholderWithDefault", "save/SaveV2": "SaveV2",
        "save/control_dependency": "Identity", "save/RestoreV2": "RestoreV2",
        "save/Assign": "Assign", "save/Assign_2": "Assign", "save/restore_all": "NoOp"}
    assert [t.name for t in ops["save/SaveV2"].inputs[3:]] == ["layer/b:0", "n:0", "w:0"]
    assert ops["save/RestoreV2"].get_attr("dtypes") == [tf.float64, tf.int32, tf.float32]
    assert ops["save/Assign"].get_attr("_class") == ["loc:@layer/b"]
    sd = s.saver_def
    assert (sd.filename_tensor_name, sd.save_tensor_name, sd.restore_op_name) == \
        ("save/Const:0", "save/control_dependency:0", "save/restore_all")
    assert (sd.max_to_keep, sd.keep_checkpoint_every_n_hours, sd.version) == (5, 10000.0, 2)
    Saver(name="other")
    assert tf.get_default_graph().get_operation_by_name("other/SaveV2").type == "SaveV2"


def test_save_restore_round_trip(tmp_path):
    w, b, n = _vars()
    s = Saver()
    prefix = str(tmp_path / "model")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert s.save(sess, prefix) == prefix
        sess.run([tf.assign(w, tf.zeros([2, 3])), tf.assign(n, 9)])
        s.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(w), np.arange(6).reshape(2, 3))
        assert sess.run(n) == 5
    with tf.Session() as fresh:  # restoring initializes
        s.restore(fresh, prefix)
        np.testing.assert_array_equal(fresh.run(b), [1, 2, 3])
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.data-00000-of-00001",
                                            "model.index", "model.meta"]


def test_global_step_state_file_and_max_to_keep(tmp_path):
    w, b, n = _vars()
    step = tf.Variable(0, name="global_step", trainable=False)
    s = Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = [s.save(sess, str(tmp_path / "m"), global_step=i) for i in range(4)]
        assert paths[-1] == str(tmp_path / "m-3")
        assert s.last_checkpoints == paths[2:]
        sess.run(tf.assign(step, 11))
        assert s.save(sess, str(tmp_path / "m"), global_step=step).endswith("m-11")
    assert not cm.checkpoint_exists(paths[0]) and not os.path.exists(paths[1] + ".meta")
    assert cm.checkpoint_exists(paths[3])
    st = cm.get_checkpoint_state(str(tmp_path))
    assert st.model_checkpoint_path == str(tmp_path / "m-11")
    assert list(st.all_model_checkpoint_paths) == [paths[3], str(tmp_path / "m-11")]
    assert cm.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m-11")
    text = open(tmp_path / "checkpoint").read()
    assert text.startswith('model_checkpoint_path: "')


def test_relative_save_dir_writes_relative_state(tmp_path, monkeypatch):
    _vars()
    monkeypatch.chdir(tmp_path)
    s = Saver(pad_step_number=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p = s.save(sess, "ck/model", global_step=3)
    assert p == "ck/model-00000003"
    assert 'model_checkpoint_path: "model-00000003"' in open("ck/checkpoint").read()
    assert cm.latest_checkpoint("ck") == os.path.join("ck", "model-00000003")


def test_save_relative_paths(tmp_path):
    _vars()
    s = Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        s.save(sess, str(tmp_path / "m"), global_step=1)
    assert 'model_checkpoint_path: "m-1"' in open(tmp_path / "checkpoint").read()
    moved = tmp_path.parent / (tmp_path.name + "_moved")
    shutil.move(str(tmp_path), str(moved))
    assert tf.train.latest_checkpoint(str(moved)) == str(moved / "m-1") \
        if hasattr(tf.train, "latest_checkpoint") else True
    assert cm.latest_checkpoint(str(moved)) == str(moved / "m-1")


def test_var_list_dict_and_list(tmp_path):
    w, b, n = _vars()
    s1 = Saver({"renamed/w": w, "count": n})
    s2 = Saver([b])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        s1.save(sess, str(tmp_path / "a"), write_meta_graph=False)
        s2.save(sess, str(tmp_path / "b"), write_state=False)
    r = checkpoint.NewCheckpointReader(str(tmp_path / "a"))
    assert r.get_variable_to_shape_map() == {"renamed/w": [2, 3], "count": []}
    assert checkpoint.list_variables(str(tmp_path / "b")) == [("layer/b", [3])]
    assert not os.path.exists(tmp_path / "a.meta")
    with pytest.raises(ValueError, match="same name"):
        Saver([w, w])
    with pytest.raises(TypeError):
        Saver([tf.constant(1.0)])


def test_empty_saver():
    with pytest.raises(ValueError, match="No variables to save"):
        Saver()
    s = Saver(allow_empty=True)
    with tf.Session() as sess:
        assert s.save(sess, "/nonexistent/never", write_meta_graph=False) is None
        s.restore(sess, "/nonexistent/never")


def test_restore_errors_name_the_problem(tmp_path):
    w, b, n = _vars()
    s = Saver()
    prefix = str(tmp_path / "m")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        s.save(sess, prefix)
        with pytest.raises(ValueError, match="not a valid checkpoint"):
            s.restore(sess, str(tmp_path / "nothere"))
        with pytest.raises(ValueError, match="None"):
            s.restore(sess, None)
    # shape mismatch names the variable
    g = tf.Graph()
    with g.as_default():
        tf.Variable(np.zeros((3, 3), np.float32), name="w")
        s2 = Saver()
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="'w'") as e:
                s2.restore(sess, prefix)
            assert "shape" in str(e.value)
    # dtype mismatch
    g = tf.Graph()
    with g.as_default():
        tf.Variable(np.zeros(3, np.float32), name="layer/b")
        s3 = Saver()
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="layer/b; expected dtype float32 does not equal "
                                     "original dtype float64"):
                s3.restore(sess, prefix)
    # missing key
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.0, name="not_saved")
        s4 = Saver()
        with tf.Session() as sess:
            with pytest.raises(tf.errors.NotFoundError, match="Key not_saved not found"):
                s4.restore(sess, prefix)


def test_corrupt_checkpoint_restore_is_data_loss(tmp_path):
    w, b, n = _vars()
    s = Saver()
    prefix = str(tmp_path / "m")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        s.save(sess, prefix)
        data = prefix + ".data-00000-of-00001"
        raw = bytearray(open(data, "rb").read())
        raw[3] ^= 0xFF
        open(data, "wb").write(bytes(raw))
        with pytest.raises(tf.errors.DataLossError, match="m.data-00000-of-00001"):
            s.restore(sess, prefix)


def test_failed_save_leaves_previous_checkpoint_and_state(tmp_path, monkeypatch):
    w, b, n = _vars()
    s = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        good = s.save(sess, str(tmp_path / "m"), global_step=1)
        state_before = open(tmp_path / "checkpoint").read()
        files_before = sorted(os.listdir(tmp_path))

        def boom(self, name, value):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(tensor_bundle.BundleWriter, "add", boom)
        with pytest.raises(tf.errors.OpError):
            s.save(sess, str(tmp_path / "m"), global_step=2)
        with pytest.raises(tf.errors.OpError):
            s.save(sess, str(tmp_path / "m"), global_step=1)  # overwriting the same prefix
        monkeypatch.undo()
        assert open(tmp_path / "checkpoint").read() == state_before
        assert sorted(os.listdir(tmp_path)) == files_before  # no temp files left behind
        sess.run(tf.assign(w, tf.zeros([2, 3])))
        s.restore(sess, good)
        assert sess.run(w)[1, 2] == 5
    assert s.last_checkpoints == [good]


def test_recover_last_checkpoints(tmp_path):
    _vars()
    s = Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(2):
            s.save(sess, str(tmp_path / "m"), global_step=i)
        st = cm.get_checkpoint_state(str(tmp_path))
        s2 = Saver(max_to_keep=2)
        s2.recover_last_checkpoints(list(st.all_model_checkpoint_paths) + [str(tmp_path / "gone")])
        assert s2.last_checkpoints == [str(tmp_path / "m-0"), str(tmp_path / "m-1")]
        s2.save(sess, str(tmp_path / "m"), global_step=2)
    assert not cm.checkpoint_exists(str(tmp_path / "m-0"))


def test_sharded_and_sequential_savers(tmp_path):
    w, b, n = _vars()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for kw in ({"sharded": True}, {"restore_sequentially": True}):
            s = Saver(**kw)
            p = s.save(sess, str(tmp_path / ("sh" if kw.get("sharded") else "seq")))
            sess.run(tf.assign(n, 0))
            s.restore(sess, p)
            assert sess.run(n) == 5
    assert s.saver_def.sharded is False
    assert sorted(checkpoint.NewCheckpointReader(str(tmp_path / "sh"))
                  .get_variable_to_shape_map()) == ["layer/b", "n", "w"]
    assert not [f for f in os.listdir(tmp_path) if "temp" in f]


def test_sharded_saver_with_two_devices(tmp_path):
    with tf.device("/cpu:0"):
        a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    s = Saver(sharded=True)
    assert s.saver_def.sharded and s.saver_def.save_tensor_name == "save/Identity:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p = s.save(sess, str(tmp_path / "m"))
        files = sorted(os.listdir(tmp_path))
        assert "m.data-00000-of-00002" in files and "m.data-00001-of-00002" in files
        sess.run([tf.assign(a, 0.0), tf.assign(b, 0.0)])
        s.restore(sess, p)
        assert sess.run([a, b]) == [1.0, 2.0]


def test_restores_tensorflow_checkpoint_fixture():
    with open(os.path.join(FIXTURES, "tf_ckpt.json")) as f:
        want = json.load(f)
    vs = {}
    for k, v in want.items():
        if v["dtype"] == "string":
            init = np.array([b"?"] * v["shape"][0], dtype=object)
        else:
            init = np.zeros(v["shape"], dtype=getattr(np, v["dtype"]) if v["dtype"] != "bool"
                            else np.bool_)
        vs[k] = tf.Variable(init, name=k)
    s = Saver()
    with tf.Session() as sess:
        s.restore(sess, TF_CKPT)
        for k, v in want.items():
            got = sess.run(vs[k])
            if v["dtype"] == "string":
                assert [x.decode() for x in got] == v["value"]
            else:
                np.testing.assert_array_equal(got, np.array(v["value"]).reshape(v["shape"]))
    assert tf.train.latest_checkpoint(os.path.dirname(TF_CKPT)) == TF_CKPT \
        if hasattr(tf.train, "latest_checkpoint") else True
    assert cm.latest_checkpoint(os.path.dirname(TF_CKPT)) == TF_CKPT


def test_inspect_checkpoint_cli(capsys):
    from flowgraph.tools import inspect_checkpoint
    assert inspect_checkpoint.main([f"--file_name={TF_CKPT}"]) == 0
    out = capsys.readouterr().out
    assert "dense/kernel (DT_FLOAT) [4,3]\n" in out  # TF's tool prints the same lines
    assert out.endswith("# Total number of params: 25\n")
    assert inspect_checkpoint.main([f"--file_name={TF_CKPT}", "--tensor_name=counter"]) == 0
    assert "tensor: counter (int32) []\n41\n" in capsys.readouterr().out
    assert inspect_checkpoint.main([f"--file_name={TF_CKPT}", "--all_tensor_names"]) == 0
    assert "tensor: names (string) [3]\n" in capsys.readouterr().out
    bad = subprocess.run([sys.executable, "-m", "flowgraph.tools.inspect_checkpoint",
                          "--file_name=/nonexistent/x"], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(FIXTURES)))
    assert bad.returncode == 1 and "NotFoundError" in bad.stderr


# -- live interop with TensorFlow --------------------------------------------------------
def test_tensorflow_restores_our_checkpoint_and_we_restore_theirs(tmp_path):
    tf_real = pytest.importorskip("tensorflow")
    tfv1 = tf_real.compat.v1
    w, b, n = _vars()
    s = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ours = s.save(sess, str(tmp_path / "ours"), global_step=2)
    g = tf_real.Graph()
    with g.as_default():
        tw = tfv1.Variable(np.zeros((2, 3), np.float32), name="w")
        tb = tfv1.Variable(np.zeros(3), name="layer/b")
        tn = tfv1.Variable(0, name="n")
        ts = tfv1.train.Saver()
        with tfv1.Session(graph=g) as sess:
            ts.restore(sess, ours)
            got = sess.run([tw, tb, tn])
            sess.run([tw.assign(tw * 2), tn.assign(7)])
            theirs = ts.save(sess, str(tmp_path / "theirs"))
    np.testing.assert_array_equal(got[0], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(got[1], [1, 2, 3])
    assert got[2] == 5
    assert tfv1.train.latest_checkpoint(str(tmp_path)) == theirs
    with tf.Session() as sess:
        s.restore(sess, theirs)
        assert sess.run(n) == 7
        np.testing.assert_array_equal(sess.run(w), 2 * np.arange(6).reshape(2, 3))
    assert cm.latest_checkpoint(str(tmp_path)) == theirs


def test_imported_saver_checks_shapes_before_restoring(tmp_path):
    from flowgraph.framework import meta_graph
    _vars()
    s = Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p = s.save(sess, str(tmp_path / "m"))
    g = tf.Graph()
    with g.as_default():
        tf.Variable(np.zeros((4, 4), np.float32), name="w")
        tf.Variable(np.zeros(3), name="layer/b")
        tf.Variable(0, name="n")
        meta = meta_graph.export_meta_graph(saver_def=Saver().saver_def)
    with tf.Graph().as_default():
        s2 = tf.train.import_meta_graph(meta)
        assert [k for k, _ in s2._discover_items()] == ["layer/b", "n", "w"]
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="'w'"):
                s2.restore(sess, p)
