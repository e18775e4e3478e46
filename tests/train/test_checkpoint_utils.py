"""tf.train.init_from_checkpoint and the checkpoint reader functions, against TensorFlow:
the same assignment maps load the same values (or raise the same errors) from checkpoints
written by TF and by flowgraph."""
import numpy as np
import pytest

import flowgraph as fg

SAVED = {"old/w": np.arange(6, dtype=np.float32).reshape(2, 3),
         "old/b": np.array([7.0, 8.0, 9.0], np.float32),
         "old/inner/u": np.array([[1.5]], np.float32),
         "top": np.array(4.0, np.float32)}


def _write(tfm, directory):
    """A checkpoint of SAVED's variables, written by the module `tfm`; returns its prefix."""
    with tfm.Graph().as_default():
        vs = [tfm.Variable(v, name=k) for k, v in SAVED.items()]
        with tfm.Session() as s:
            s.run(tfm.global_variables_initializer())
            return tfm.train.Saver(vs).save(s, str(directory / "model.ckpt"))


def _build(tfm):
    """The current model: get_variable vars under new/ (and root ones), zeros-initialized,
    and one tf.Variable."""
    z = tfm.zeros_initializer()
    with tfm.variable_scope("new"):
        w = tfm.get_variable("w", [2, 3], initializer=z)
        b = tfm.get_variable("b", [3], initializer=z)
        with tfm.variable_scope("inner"):
            u = tfm.get_variable("u", [1, 1], initializer=z)
    top = tfm.get_variable("top", [], initializer=z)
    plain = tfm.Variable(tfm.zeros([3]), name="plain")
    return {"new/w": w, "new/b": b, "new/inner/u": u, "top": top, "plain": plain}


MAPS = {
    "scope": lambda v: {"old/": "new/"},
    "names": lambda v: {"old/w": "new/w", "top": "top"},
    "variable_object": lambda v: {"old/b": v["plain"], "old/inner/u": v["new/inner/u"]},
    "subscope": lambda v: {"old/inner/": "new/inner/"},
    "missing_name": lambda v: {"old/nope": "new/w"},
    "missing_in_scope": lambda v: {"old/inner/": "new/"},
    "shape_mismatch": lambda v: {"old/b": "new/w"},
    "scope_to_name": lambda v: {"old/w": "new/"},
    "root_to_root": lambda v: {"/": "/"},
    "list_of_pairs": lambda v: [("old/w", "new/w"), ("old/b", "new/b")],
}


def _play(tfm, prefix, name):
    with tfm.Graph().as_default():
        v = _build(tfm)
        try:
            tfm.train.init_from_checkpoint(prefix, MAPS[name](v))
        except ValueError as e:
            return "ValueError", str(e).split(" checkpoint")[0]
        with tfm.Session() as s:
            s.run(tfm.global_variables_initializer())
            return s.run(v)


@pytest.fixture(scope="module", params=["tf", "fg"])
def prefix(request, tmp_path_factory):
    tf_real = pytest.importorskip("tensorflow")
    tfm = tf_real.compat.v1 if request.param == "tf" else fg
    return _write(tfm, tmp_path_factory.mktemp(request.param))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_init_from_checkpoint_vs_tf(prefix, name):
    tf_real = pytest.importorskip("tensorflow")
    ours, theirs = _play(fg, prefix, name), _play(tf_real.compat.v1, prefix, name)
    if isinstance(theirs, tuple):
        assert ours == theirs
        return
    assert set(ours) == set(theirs)
    for k in theirs:
        np.testing.assert_array_equal(ours[k], theirs[k], err_msg=k)


def test_initializer_is_a_restore(tmp_path):
    prefix = _write(fg, tmp_path)
    with fg.Graph().as_default():
        v = _build(fg)
        fg.train.init_from_checkpoint(str(tmp_path), {"old/w": "new/w"})  # a directory
        w = v["new/w"]
        assert w.initial_value.op.type == "RestoreV2"
        assert w.initial_value.op.name == "checkpoint_initializer"
        assert w.initial_value.shape.as_list() == [2, 3]
        with fg.Session() as s:
            s.run(w.initializer)
            np.testing.assert_array_equal(s.run(w), SAVED["old/w"])
    assert prefix.startswith(str(tmp_path))


def test_reader_functions(prefix):
    reader = fg.train.load_checkpoint(prefix)
    assert reader.has_tensor("old/w") and not reader.has_tensor("old/x")
    np.testing.assert_array_equal(reader.get_tensor("old/b"), SAVED["old/b"])
    assert reader.get_variable_to_shape_map()["old/w"] == [2, 3]
    assert reader.get_variable_to_dtype_map()["top"] == fg.float32
    np.testing.assert_array_equal(fg.train.load_variable(prefix, "old/inner/u"),
                                  SAVED["old/inner/u"])
    names = [n for n, _ in fg.train.list_variables(prefix)]
    assert names == sorted(SAVED)
