"""Checkpoint ops: ShardedFilename and StringJoin in the op table; SaveV2, RestoreV2 and
MergeV2Checkpoints (stateful, file-writing) directly here and through the Saver in
tests/io/test_saver.py."""
import os

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.ops import io_ops
from tests.optest import Case, run_case


def _strs(*xs):
    out = np.empty(len(xs), dtype=object)
    out[:] = [x.encode() for x in xs]
    return out


CASES = [
    # (stacked into a vector: a fetched string scalar comes back as bytes, not an array)
    Case("ShardedFilename", lambda b, s, n: tf.stack([io_ops.sharded_filename(b, s, n)]),
         [np.array("ck/model"), np.int32(1), np.int32(12)],
         ref=lambda b, s, n: _strs("ck/model-00001-of-00012"), grad=False),
    Case("StringJoin", lambda a, b: tf.string_join([a, b, a], separator="-"),
         [np.array(["x", "yy"]), np.array("z")],
         ref=lambda a, b: _strs("x-z-x", "yy-z-yy"), grad=False),
]

EXEMPT = {"SaveV2": "tests/ops/test_io_ops.py, tests/io/test_saver.py",
          "RestoreV2": "tests/ops/test_io_ops.py, tests/io/test_saver.py",
          "MergeV2Checkpoints": "tests/ops/test_io_ops.py, tests/io/test_saver.py"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)


def test_save_restore_merge_ops(tmp_path):
    a = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    s = tf.constant(np.array([b"p", b"q"], dtype=object))
    prefix = tf.placeholder(tf.string, [])
    save = io_ops.save_v2(prefix, ["a", "s"], ["", ""], [a, s])
    assert save.type == "SaveV2" and save.outputs == []
    restored = io_ops.restore_v2(prefix, ["s", "a"], ["", ""], [tf.string, tf.float32])
    assert [t.dtype for t in restored] == [tf.string, tf.float32]
    one = io_ops.restore_v2(prefix, ["a"], [""], [tf.float32])
    parts = [str(tmp_path / "tmp" / f"part-{i}") for i in range(2)]
    merge = io_ops.merge_v2_checkpoints(parts, str(tmp_path / "merged"))
    with tf.Session() as sess:
        sess.run(save, {prefix: str(tmp_path / "m")})
        got_s, got_a = sess.run(restored, {prefix: str(tmp_path / "m")})
        assert got_s.tolist() == [b"p", b"q"]
        np.testing.assert_array_equal(got_a, np.arange(6).reshape(2, 3))
        assert sess.run(one, {prefix: str(tmp_path / "m")})[0].shape == (2, 3)
        for i, p in enumerate(parts):
            sess.run(save, {prefix: p}) if i == 0 else \
                sess.run(io_ops.save_v2(p, ["b"], [""], [tf.constant([1, 2])]))
        sess.run(merge)
        assert sorted(f for f in os.listdir(tmp_path) if f.startswith("merged")) == [
                "merged.data-00000-of-00002", "merged.data-00001-of-00002", "merged.index"]
        assert not os.path.exists(tmp_path / "tmp")
        r = io_ops.restore_v2(str(tmp_path / "merged"), ["b", "s"], ["", ""],
                              [tf.int32, tf.string])
        b, s2 = sess.run(r)
        assert b.tolist() == [1, 2] and s2.tolist() == [b"p", b"q"]
        with pytest.raises(tf.errors.InvalidArgumentError, match="expected dtype"):
            sess.run(io_ops.restore_v2(str(tmp_path / "m"), ["a"], [""], [tf.int32]))
        with pytest.raises(tf.errors.NotFoundError, match="Key nope not found"):
            sess.run(io_ops.restore_v2(str(tmp_path / "m"), ["nope"], [""], [tf.int32]))
        with pytest.raises(tf.errors.UnimplementedError):
            sess.run(io_ops.restore_v2(str(tmp_path / "m"), ["a"], ["2 3 0,1:-"], [tf.float32]))
        names = tf.placeholder(tf.string, [None])
        with pytest.raises(tf.errors.InvalidArgumentError, match="must agree"):
            sess.run(io_ops.save_v2(str(tmp_path / "x"), names, [""], [a]),
                     {names: ["a", "b"]})


def test_shape_errors_at_build_time():
    with pytest.raises(ValueError, match="SaveV2"):
        io_ops.save_v2("p", ["a", "b"], ["", ""], [tf.constant(1.0)])
    with pytest.raises(ValueError):
        io_ops.save_v2(tf.constant(["a", "b"]), ["a"], [""], [tf.constant(1.0)])
    with pytest.raises(ValueError):
        io_ops.restore_v2("p", ["a", "b"], [""], [tf.float32])
