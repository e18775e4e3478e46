"""Kills during `Saver.save`: at every file operation of one save (a forked child exits
right before its k-th call of os.replace/link/fsync/remove/open...), and SIGKILLs at random
instants of repeated saves. After each, `latest_checkpoint` must name a checkpoint that
restores, holding the previous or the new values; the next save removes the leftovers.
FLOWGRAPH_KILL_TRIALS sets the number of random kills (default 6)."""
import builtins
import os
import random
import shutil
import signal
import time

import pytest

import flowgraph as tf
from flowgraph.framework import durable

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

TRIALS = int(os.environ.get("FLOWGRAPH_KILL_TRIALS", "6"))
_FILE_OPS = [(os, "replace"), (os, "rename"), (os, "link"), (os, "fsync"), (os, "remove"),
             (os, "unlink"), (os, "rmdir"), (os, "open"), (shutil, "copyfile"),
             (shutil, "rmtree")]


class Model:
    def __init__(self, size=1000):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.a = tf.Variable(tf.zeros([size]))
            self.b = tf.Variable(0, dtype=tf.int64)
            self.step = tf.placeholder(tf.int64, [])
            self.set = tf.group(tf.assign(self.a, tf.fill([size], tf.cast(self.step, tf.float32))),
                                tf.assign(self.b, self.step))
            self.saver = tf.train.Saver(max_to_keep=2)
        self.sess = tf.Session(graph=self.graph)

    def put(self, step):
        self.sess.run(self.set, {self.step: step})

    def restored_step(self, directory):
        """Restores the latest checkpoint of `directory`; returns the step it holds."""
        latest = tf.train.latest_checkpoint(directory)
        assert latest is not None, os.listdir(directory)
        self.put(-1)
        self.saver.restore(self.sess, latest)
        a, b = self.sess.run([self.a, self.b])
        assert (a == b).all(), "a checkpoint mixing two saves"
        return int(b)


def _patch_file_ops(on_call):
    """Routes every file operation through `on_call(name)` first (in this process)."""
    def wrap(mod, name, fn):
        def call(*args, **kwargs):
            on_call(name)
            return fn(*args, **kwargs)
        setattr(mod, name, call)
    for mod, name in _FILE_OPS:
        wrap(mod, name, getattr(mod, name))
    real_open = builtins.open

    def opener(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            on_call("open")
        return real_open(file, mode, *args, **kwargs)
    builtins.open = opener


def _in_child(fn):
    """Runs fn() in a forked child; returns its exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def _save(m, d, global_step):
    m.saver.save(m.sess, os.path.join(d, "model"), global_step=global_step)


def _count_ops(m, d, global_step):
    """How many file operations one save makes (counted in a child)."""
    r, w = os.pipe()

    def child():
        n = [0]
        _patch_file_ops(lambda name: n.__setitem__(0, n[0] + 1))
        _save(m, d, global_step)
        os.write(w, str(n[0]).encode())
    _in_child(child)
    os.close(w)
    return int(os.read(r, 64).decode())


@pytest.mark.parametrize("with_step", [False, True], ids=["same-prefix", "global-step"])
def test_kill_at_every_file_operation(tmp_path, with_step):
    m = Model()
    steps = (lambda k: None) if not with_step else (lambda k: k)
    scratch = str(tmp_path / "count")
    m.put(1)
    _save(m, scratch, steps(1))
    m.put(2)
    total = _count_ops(m, scratch, steps(2))
    assert total > 5
    for k in range(1, total + 1):
        d = str(tmp_path / f"k{k}")
        m.put(1)
        _save(m, d, steps(1))
        m.put(2)

        def child():
            n = [0]

            def maybe_die(name):
                n[0] += 1
                if n[0] == k:
                    os._exit(3)
            _patch_file_ops(maybe_die)
            _save(m, d, steps(2))
        assert os.WEXITSTATUS(_in_child(child)) == 3
        assert m.restored_step(d) in (1, 2), k
        m.put(3)
        _save(m, d, steps(3))
        assert m.restored_step(d) == 3
        left = [f for f in os.listdir(d) if durable.is_temporary(f)]
        assert left == [], (k, left)


def test_sigkill_at_random_instants(tmp_path):
    m = Model(size=200_000)
    rnd = random.Random(14)
    for trial in range(TRIALS):
        d = str(tmp_path / f"t{trial}")
        m.put(1)
        _save(m, d, None)
        pid = os.fork()
        if pid == 0:
            try:
                for step in range(2, 10 ** 6):
                    m.put(step)
                    _save(m, d, None if trial % 2 == 0 else step)
            finally:
                os._exit(0)
        time.sleep(rnd.uniform(0.005, 0.2))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert m.restored_step(d) >= 1
        m.put(-7)
        _save(m, d, None)
        assert m.restored_step(d) == -7
        assert [f for f in os.listdir(d) if durable.is_temporary(f)] == []


def test_written_files_honour_the_umask(tmp_path):
    m = Model(size=3)
    m.put(5)
    old = os.umask(0o022)
    try:
        _save(m, str(tmp_path), None)
        tf.train.write_graph(m.graph, str(tmp_path), "g.pbtxt")
    finally:
        os.umask(old)
    for name in ("checkpoint", "model.meta", "g.pbtxt", "model.index",
                 "model.data-00000-of-00001"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o644, name
