"""A TF1 between-graph program (as TF1 users wrote them): one process per task, the
variables on the ps by replica_device_setter, MonitoredTrainingSession on each worker.
Linear regression (or `--model=mlp`) on exact data (every shard has the same optimum); `--sync` uses
SyncReplicasOptimizer. Each worker writes its results to `--out/worker<i>.json`."""
import json
import os
import time

import numpy as np

import flowgraph as tf

flags = tf.app.flags
flags.DEFINE_string("job_name", "", "ps or worker")
flags.DEFINE_integer("task_index", 0, "index of the task in its job")
flags.DEFINE_string("ps_hosts", "", "comma-separated host:port of the ps tasks")
flags.DEFINE_string("worker_hosts", "", "comma-separated host:port of the workers")
flags.DEFINE_integer("steps", 100, "global steps to train")
flags.DEFINE_boolean("sync", False, "use SyncReplicasOptimizer")
flags.DEFINE_string("out", "", "directory for the results")
flags.DEFINE_string("checkpoint_dir", "", "chief's checkpoint directory")
flags.DEFINE_integer("checkpoint_steps", 0, "save a checkpoint every n steps")
flags.DEFINE_float("step_delay", 0.0, "seconds to sleep after each step")
flags.DEFINE_boolean("same_data", False, "every worker trains on all the data")
flags.DEFINE_string("model", "linear", "linear or mlp (one tanh hidden layer of 16)")
FLAGS = flags.FLAGS
TRUE_W = np.array([[1.5], [-2.0], [0.5]], np.float32)


def data(task, num_tasks):
    rng = np.random.RandomState(0)
    x = rng.randn(64, 3).astype(np.float32)
    y = x @ TRUE_W + 0.25
    return x[task::num_tasks], y[task::num_tasks]


def model(num_workers, sync, kind="linear"):
    gs = tf.train.get_or_create_global_step()
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    h = x
    if kind == "mlp":
        w1 = tf.get_variable("w1", [3, 16], initializer=tf.glorot_uniform_initializer(seed=1))
        b1 = tf.get_variable("b1", [16], initializer=tf.zeros_initializer())
        h = tf.tanh(tf.matmul(x, w1) + b1)
    w = tf.get_variable("w", [h.shape[1], 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(h, w) + b - y), name="loss")
    opt = tf.train.GradientDescentOptimizer(0.1)
    if sync:
        opt = tf.train.SyncReplicasOptimizer(opt, replicas_to_aggregate=num_workers,
                                             total_num_replicas=num_workers)
    train_op = opt.minimize(loss, global_step=gs)
    return x, y, w, b, gs, loss, opt, train_op


class _SessionLog(tf.train.SessionRunHook):
    """Records the global step each new session (the first, and each recovery) starts at."""

    def __init__(self, gs):
        self.gs, self.starts = gs, []

    def after_create_session(self, session, coord):
        self.starts.append(int(session.run(self.gs)))
        print(f"session at step {self.starts[-1]}", flush=True)


def main(_):
    cluster = tf.train.ClusterSpec({"ps": FLAGS.ps_hosts.split(","),
                                    "worker": FLAGS.worker_hosts.split(",")})
    server = tf.train.Server(cluster, job_name=FLAGS.job_name, task_index=FLAGS.task_index)
    if FLAGS.job_name == "ps":
        server.join()
        return
    n = cluster.num_tasks("worker")
    is_chief = FLAGS.task_index == 0
    X, Y = data(0, 1) if FLAGS.same_data else data(FLAGS.task_index, n)
    with tf.device(tf.train.replica_device_setter(
            worker_device=f"/job:worker/task:{FLAGS.task_index}", cluster=cluster)):
        x, y, w, b, gs, loss, opt, train_op = model(n, FLAGS.sync, FLAGS.model)
    starts = _SessionLog(gs)
    hooks = [tf.train.StopAtStepHook(last_step=FLAGS.steps), starts]
    if FLAGS.sync:
        hooks.append(opt.make_session_run_hook(is_chief))
    local_steps = 0
    ckpt = dict(checkpoint_dir=FLAGS.checkpoint_dir or None, save_summaries_steps=None,
                save_summaries_secs=None, log_step_count_steps=None)
    if FLAGS.checkpoint_steps:
        ckpt["save_checkpoint_steps"] = FLAGS.checkpoint_steps
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=is_chief,
                                           hooks=hooks, stop_grace_period_secs=1,
                                           **ckpt) as sess:
        first = starts.starts[0]
        while not sess.should_stop():
            sess.run(train_op, {x: X, y: Y})
            local_steps += 1
            if local_steps % 10 == 0:
                print(f"progress {local_steps}", flush=True)
            if FLAGS.step_delay:
                time.sleep(FLAGS.step_delay)
    with tf.Session(server.target) as sess:
        wv, bv, gv = sess.run([w, b, gs])
    result = dict(task=FLAGS.task_index, local_steps=local_steps, first_step=int(first),
                  global_step=int(gv), w=wv.ravel().tolist(), b=bv.ravel().tolist(),
                  w_device=w.device, gs_device=gs.device, loss_device=loss.device,
                  session_starts=starts.starts)
    with open(os.path.join(FLAGS.out, f"worker{FLAGS.task_index}.json"), "w") as f:
        json.dump(result, f)
    print("done", json.dumps(result), flush=True)


if __name__ == "__main__":
    tf.app.run(main)
