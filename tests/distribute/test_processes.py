"""TF1 between-graph programs across processes (tests/distribute/programs/), on this
module's Ray head, loopback only: 1 ps and 2 workers started by the launcher train to the
single-process answer (async and with SyncReplicasOptimizer); then faults: a worker killed
mid-training (the chief finishes; the worker, restarted, rejoins) and the ps killed (the
chief sees UnavailableError and, once the ps is back, MonitoredTrainingSession resumes from
the last checkpoint). Every process a test starts is killed by the test; the Ray head goes
with its fixture."""
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import flowgraph as tf
from tests.distribute.conftest import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "train_linear.py")
sys.path.insert(0, os.path.join(HERE, "programs"))
import train_linear  # noqa: E402


def _single_process(steps, kind="linear"):
    """Full-batch gradient descent on all the data in one plain Session."""
    x_all, y_all = train_linear.data(0, 1)
    with tf.Graph().as_default():
        x, y, w, b, gs, loss, opt, train_op = train_linear.model(1, False, kind)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train_op, {x: x_all, y: y_all})
            return sess.run([w, b])


def _live_tasks():
    import ray
    from ray.util import list_named_actors
    return {a["name"] for a in list_named_actors(all_namespaces=True)
            if a["namespace"] == "flowgraph" and a["name"].startswith("task@") and
            _alive(ray, a)}


def _assert_no_task_left(before, timeout=30):
    """The launcher stopped every task it started: their actors left the Ray cluster."""
    deadline = time.monotonic() + timeout
    while True:
        new = _live_tasks() - before
        if not new or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not new, new


def _alive(ray, entry):
    try:
        handle = ray.get_actor(entry["name"], namespace=entry["namespace"])
        ray.get(handle.call.remote("ping"), timeout=5)
        return True
    except Exception:  # noqa: BLE001 - gone, dying or unreachable
        return False


def _launch(tmp_path, *flags):
    from flowgraph.distribute import launch
    out, before = io.StringIO(), _live_tasks()
    code = launch.launch(1, 2, PROGRAM, [f"--out={tmp_path}", *flags], grace=60, out=out)
    log = out.getvalue()
    assert code == 0, log[-4000:]
    _assert_no_task_left(before)
    return [json.load(open(tmp_path / f"worker{i}.json")) for i in range(2)], log


def test_async_between_graph_training(ray_head, tmp_path):
    results, log = _launch(tmp_path, "--steps=100")
    assert "[worker:1] done" in log and "[worker:0] done" in log
    w, b = _single_process(300)  # converged: the exact data's optimum
    final = max(r["global_step"] for r in results)
    # every worker's steps count: the global step is the sum of the local steps
    assert sum(r["local_steps"] for r in results) == final >= 100
    chief = results[0]
    np.testing.assert_allclose(chief["w"], w.ravel(), atol=2e-3)
    np.testing.assert_allclose(chief["b"], b.ravel(), atol=2e-3)
    assert [r["w_device"] for r in results] == ["/job:ps/task:0"] * 2
    assert [r["gs_device"] for r in results] == ["/job:ps/task:0"] * 2
    assert [r["loss_device"] for r in results] == ["/job:worker/task:0", "/job:worker/task:1"]


def test_sync_replicas_between_graph_training(ray_head, tmp_path):
    results, _ = _launch(tmp_path, "--steps=40", "--sync", "--same_data", "--model=mlp")
    final = results[0]["global_step"]
    assert results[1]["global_step"] == final and final >= 40
    # every update is the mean of two gradients computed at the current weights (stale
    # ones are dropped) on the same data: the run equals `final` steps in one process
    w, b = _single_process(final, "mlp")
    np.testing.assert_allclose(results[0]["w"], w.ravel(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[0]["b"], b.ravel(), rtol=1e-4, atol=1e-5)
    assert sum(r["local_steps"] for r in results) >= 2 * final  # two gradients a step


class _Task:
    """One task process with its output read on a thread."""

    def __init__(self, job, index, cluster, flags):
        cmd = [sys.executable, PROGRAM, f"--job_name={job}", f"--task_index={index}",
               f"--ps_hosts={','.join(cluster['ps'])}",
               f"--worker_hosts={','.join(cluster['worker'])}", *flags]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, PYTHONPATH=os.getcwd()))
        self.lines, self._q = [], queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            line = line.decode(errors="replace")
            self.lines.append(line)
            self._q.put(line)

    def wait_for(self, text, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            try:
                self._q.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None and not any(text in x for x in self.lines):
                    break
        raise AssertionError(f"no {text!r} in output:\n" + "".join(self.lines[-60:]))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def finish(self, timeout=180):
        try:
            assert self.proc.wait(timeout) == 0, "".join(self.lines[-60:])
        finally:
            self.kill()


@pytest.fixture
def tasks():
    started = []
    yield lambda *a: started.append(_Task(*a)) or started[-1]
    for t in started:
        t.kill()


def _cluster(workers):
    return {"ps": [f"localhost:{free_port()}"],
            "worker": [f"localhost:{free_port()}" for _ in range(workers)]}


def test_killed_worker_others_finish_and_it_rejoins(ray_head, tasks, tmp_path):
    cluster = _cluster(2)
    flags = [f"--out={tmp_path}", "--steps=150", "--step_delay=0.05"]
    tasks("ps", 0, cluster, flags)
    chief = tasks("worker", 0, cluster, flags)
    victim = tasks("worker", 1, cluster, flags)
    victim.wait_for("progress 10")
    victim.kill()
    chief.wait_for("progress 30")  # the chief goes on alone
    again = tasks("worker", 1, cluster, flags)
    chief.finish()
    again.finish()
    r0 = json.load(open(tmp_path / "worker0.json"))
    r1 = json.load(open(tmp_path / "worker1.json"))
    assert r0["global_step"] >= 150 and r1["global_step"] >= 150
    assert r1["session_starts"][0] > 10  # it rejoined the training under way


def test_killed_ps_recovers_from_last_checkpoint(ray_head, tasks, tmp_path):
    cluster = _cluster(1)
    ckpt = tmp_path / "ckpt"
    flags = [f"--out={tmp_path}", "--steps=150", "--step_delay=0.05",
             f"--checkpoint_dir={ckpt}", "--checkpoint_steps=10"]
    ps = tasks("ps", 0, cluster, flags)
    chief = tasks("worker", 0, cluster, flags)
    chief.wait_for("progress 30")
    ps.kill()
    chief.wait_for("UnavailableError")  # the chief's run failed with TF's class
    saved = tf.train.latest_checkpoint(str(ckpt))  # no save can succeed from here on
    tasks("ps", 0, cluster, flags)
    chief.wait_for("session at step", timeout=120)
    chief.finish()
    r = json.load(open(tmp_path / "worker0.json"))
    step = int(saved.rsplit("-", 1)[1])
    assert step >= 10
    assert r["session_starts"] == [0, step]  # resumed from the last checkpoint
    assert r["global_step"] >= 150
