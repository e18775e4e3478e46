"""Faults across processes: a worker killed mid-training (the chief finishes; the worker,
restarted, rejoins), the ps killed (the chief sees UnavailableError and, once the ps is
back, MonitoredTrainingSession resumes from the last checkpoint). Every process a test
starts is killed by the test; the module's Ray head goes with its fixture."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

import flowgraph as tf
from tests.distribute.conftest import free_port

PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs",
                       "train_linear.py")


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
