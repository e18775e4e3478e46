"""tf.gfile / tf.io.gfile file helpers raise TF's error classes."""
import os

import pytest

import flowgraph as tf
from flowgraph import gfile


def test_files_and_directories(tmp_path):
    d = str(tmp_path / "a" / "b")
    gfile.MakeDirs(d)
    gfile.MakeDirs(d)
    assert gfile.IsDirectory(d) and gfile.isdir(d)
    p = os.path.join(d, "f.txt")
    with gfile.GFile(p, "w") as f:
        f.write("one\ntwo\n")
    with gfile.GFile(p) as f:
        assert f.read() == "one\ntwo\n"
    with gfile.Open(p, "rb") as f:
        assert f.readline() == b"one\n"
    assert gfile.Exists(p) and gfile.Stat(p).length == 8 and not gfile.Stat(p).is_directory
    assert gfile.ListDirectory(d) == ["f.txt"]
    assert gfile.Glob(os.path.join(d, "*.txt")) == [p]
    gfile.Copy(p, p + ".bak")
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.Copy(p, p + ".bak")
    gfile.Rename(p + ".bak", p, overwrite=True)
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.Rename(p, p)
    assert [w[0] for w in gfile.Walk(str(tmp_path))] == [str(tmp_path), str(tmp_path / "a"), d]
    gfile.Remove(p)
    assert not gfile.exists(p)
    gfile.DeleteRecursively(str(tmp_path / "a"))
    assert not gfile.Exists(str(tmp_path / "a"))


def test_missing_files_are_not_found(tmp_path):
    missing = str(tmp_path / "nope")
    f = gfile.GFile(missing)  # opened lazily, as TF does
    with pytest.raises(tf.errors.NotFoundError, match="nope"):
        f.read()
    for fn in (gfile.Remove, gfile.ListDirectory, gfile.Stat, gfile.DeleteRecursively):
        with pytest.raises(tf.errors.NotFoundError):
            fn(missing)
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.Mkdir(str(tmp_path))
