"""Distributed data-parallel training (issue #19): aggregated steps per second of a TF1
between-graph program with 1 ps and 1 or 2 workers (one process each, one thread each),
flowgraph on Ray against TensorFlow 2.21's own gRPC runtime (`tf.train.Server` on
loopback), the same program for both (`tf.compat.v1`).

- `mlp`: an MLP 512-1024-1024-10 on batches of 256 per worker, plain SGD, variables on the
  ps by `replica_device_setter`: every step reads 1.6M floats of weights from the ps and
  sends as many gradients back (compute-bound on the workers).
- `tiny`: one scalar variable on the ps; a step is `assign_add(v, 1)` from the worker: the
  per-step overhead of a remote variable update.

Each worker warms up, waits for a common start instant, then runs for `--seconds`; steps
per second are summed over the workers (wall-clock: the workers run at the same time).

    python benchmarks/bench_distributed.py [--seconds 8] [--which fg tf] [--case mlp tiny]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

SIZES, BATCH = (512, 1024, 1024, 10), 256


def _ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _lib(which):
    if which == "fg":
        import flowgraph as tf
        return tf
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    return tf


def task(a):
    """One task process: a ps joins; a worker trains and writes its step count."""
    import numpy as np
    tf = _lib(a.which)
    cluster = tf.train.ClusterSpec(json.loads(a.cluster))
    config = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    server = tf.train.Server(cluster, job_name=a.job, task_index=a.index, config=config)
    if a.job == "ps":
        server.join()
        return
    with tf.device(tf.train.replica_device_setter(
            cluster=cluster, worker_device=f"/job:worker/task:{a.index}")):
        if a.case == "tiny":
            v = tf.Variable(0.0, name="v")
            step, feed = tf.assign_add(v, 1.0), {}
            init = v.initializer
        else:
            x = tf.placeholder(tf.float32, [None, SIZES[0]])
            y = tf.placeholder(tf.int32, [None])
            h = x
            for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
                w = tf.get_variable(f"w{i}", [n_in, n_out],
                                    initializer=tf.random_normal_initializer(0, 0.02))
                b = tf.get_variable(f"b{i}", [n_out], initializer=tf.zeros_initializer())
                h = tf.matmul(h, w) + b
                if i < len(SIZES) - 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=h))
            step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
            rng = np.random.RandomState(a.index)
            feed = {x: rng.randn(BATCH, SIZES[0]).astype(np.float32),
                    y: rng.randint(0, SIZES[-1], BATCH).astype(np.int32)}
            init = tf.global_variables_initializer()
    with tf.Session(server.target, config=config) as sess:
        if a.index == 0:
            sess.run(init)
        else:
            while True:  # the chief initializes the shared variables
                try:
                    if not len(sess.run(tf.report_uninitialized_variables())):
                        break
                except tf.errors.OpError:
                    pass
                time.sleep(0.2)
        for _ in range(5):
            sess.run(step, feed)
        while time.time() < a.start_at:
            time.sleep(0.01)
        n, t0 = 0, time.time()
        while time.time() - t0 < a.seconds:
            sess.run(step, feed)
            n += 1
        elapsed = time.time() - t0
    with open(a.out, "w") as f:
        json.dump({"steps": n, "seconds": elapsed}, f)


def run_cluster(which, case, workers, seconds, startup):
    """Starts 1 ps and `workers` workers; returns the aggregated steps per second."""
    ports = _ports(1 + workers)
    cluster = {"ps": [f"localhost:{ports[0]}"],
               "worker": [f"localhost:{p}" for p in ports[1:]]}
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    start_at = time.time() + startup
    outdir = tempfile.mkdtemp(prefix="fg_bench_dist_")
    procs, outs = [], []
    for job, i in [("ps", 0)] + [("worker", k) for k in range(workers)]:
        out = os.path.join(outdir, f"{job}{i}.json")
        outs.append(out if job == "worker" else None)
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--task", f"--which={which}", f"--case={case}",
             f"--job={job}", f"--index={i}", f"--cluster={json.dumps(cluster)}",
             f"--start_at={start_at}", f"--seconds={seconds}", f"--out={out}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for p, out in zip(procs[1:], outs[1:]):
            p.wait(startup + seconds + 120)
        rates = []
        for out in outs[1:]:
            r = json.load(open(out))
            rates.append(r["steps"] / r["seconds"])
        return sum(rates), rates
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", action="store_true")
    p.add_argument("--which", default="fg")
    p.add_argument("--case", default="mlp")
    p.add_argument("--job"), p.add_argument("--index", type=int, default=0)
    p.add_argument("--cluster"), p.add_argument("--out")
    p.add_argument("--start_at", type=float, default=0.0)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--systems", nargs="*", default=["fg", "tf"])
    p.add_argument("--cases", nargs="*", default=["mlp", "tiny"])
    a = p.parse_args()
    if a.task:
        return task(a)
    ray = None
    if "fg" in a.systems:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from flowgraph.distribute import ray_backend
        ray = ray_backend._ray()
        ray_backend.start_head()
    load0 = os.getloadavg()[0]
    results = {}
    try:
        for case in a.cases:
            for n in ((1, 2) if case == "mlp" else (1,)):
                for which in a.systems:  # interleaved: each system once per setting
                    startup = 40.0 if which == "fg" else 15.0
                    total, rates = run_cluster(which, case, n, a.seconds, startup)
                    results[(case, n, which)] = total
                    print(f"{case} workers={n} {which}: {total:.1f} steps/s "
                          f"(per worker {', '.join(f'{r:.1f}' for r in rates)})", flush=True)
    finally:
        if ray is not None:
            ray.shutdown()
    print(f"1-minute load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
    for which in a.systems:
        one, two = results.get(("mlp", 1, which)), results.get(("mlp", 2, which))
        if one and two:
            print(f"{which}: 2 workers / 1 worker = {two / one:.2f}x")
    if ("tiny", 1, "fg") in results and ("tiny", 1, "tf") in results:
        fg_ms = 1000 / results[("tiny", 1, "fg")]
        tf_ms = 1000 / results[("tiny", 1, "tf")]
        print(f"remote update per step: flowgraph {fg_ms:.2f} ms, TF gRPC {tf_ms:.2f} ms "
              f"({fg_ms / tf_ms:.1f}x)")


if __name__ == "__main__":
    main()
