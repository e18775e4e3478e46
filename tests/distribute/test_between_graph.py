"""TF1 between-graph programs across processes (tests/distribute/programs/): 1 ps and 2
workers started by the launcher, joined to this module's Ray head, on loopback only.
Answers are checked against the same model trained in one process."""
import io
import json
import os
import sys

import numpy as np

import flowgraph as tf

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "train_linear.py")
sys.path.insert(0, os.path.join(HERE, "programs"))
import train_linear  # noqa: E402


def _single_process(steps):
    """Full-batch gradient descent on all the data in one plain Session."""
    x_all, y_all = train_linear.data(0, 1)
    with tf.Graph().as_default():
        x, y, w, b, gs, loss, opt, train_op = train_linear.model(1, False)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train_op, {x: x_all, y: y_all})
            return sess.run([w, b])


def _launch(tmp_path, *flags):
    from flowgraph.distribute import launch
    out = io.StringIO()
    code = launch.launch(1, 2, PROGRAM, [f"--out={tmp_path}", *flags], grace=60, out=out)
    log = out.getvalue()
    assert code == 0, log[-4000:]
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
    results, _ = _launch(tmp_path, "--steps=40", "--sync", "--same_data")
    final = results[0]["global_step"]
    assert results[1]["global_step"] == final and final >= 40
    # every update is the mean of two gradients computed at the current weights (stale
    # ones are dropped) on the same data: the run equals `final` steps in one process
    w, b = _single_process(final)
    np.testing.assert_allclose(results[0]["w"], w.ravel(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[0]["b"], b.ravel(), rtol=1e-4, atol=1e-5)
    assert sum(r["local_steps"] for r in results) >= 2 * final  # two gradients a step
