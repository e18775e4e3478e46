"""Runs a TF1 between-graph program as a local cluster:

    python -m flowgraph.distribute.launch --ps 1 --workers 2 train.py --flags...

starts one process per task with `--job_name`, `--task_index`, `--ps_hosts` and
`--worker_hosts` flags appended (and `TF_CONFIG` set, as TF's cluster resolvers read it),
all joined to one Ray cluster whose head this launcher starts on 127.0.0.1 (or the one
`FLOWGRAPH_RAY_ADDRESS` names). Each line a task prints is forwarded with a `[job:i]`
prefix. When the chief (worker 0) ends, the other workers get `--grace` seconds to end
too; then every task still running is stopped, and the Ray head with them. The exit code
is the chief's."""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from flowgraph.distribute import ray_backend


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _forward(stream, prefix, out):
    for line in iter(stream.readline, b""):
        out.write(f"{prefix} {line.decode(errors='replace')}")
        out.flush()
    stream.close()


def _stop(proc, timeout=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch(ps, workers, program, args, grace=30.0, out=sys.stdout):
    """Runs the cluster; returns the chief's exit code."""
    ray = None
    if not os.environ.get(ray_backend.ADDRESS_ENV):
        ray = ray_backend._ray()
        ray_backend.start_head()
    env = dict(os.environ)
    ports = _free_ports(ps + workers)
    cluster = {"ps": [f"localhost:{p}" for p in ports[:ps]],
               "worker": [f"localhost:{p}" for p in ports[ps:]]}
    procs, threads = {}, []
    try:
        for job, n in (("ps", ps), ("worker", workers)):
            for i in range(n):
                task_env = dict(env, TF_CONFIG=json.dumps(
                    {"cluster": cluster, "task": {"type": job, "index": i}}))
                cmd = [sys.executable, program, *args, f"--job_name={job}",
                       f"--task_index={i}", f"--ps_hosts={','.join(cluster['ps'])}",
                       f"--worker_hosts={','.join(cluster['worker'])}"]
                p = subprocess.Popen(cmd, env=task_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
                procs[(job, i)] = p
                t = threading.Thread(target=_forward, args=(p.stdout, f"[{job}:{i}]", out),
                                     daemon=True)
                t.start()
                threads.append(t)
        chief = procs[("worker", 0)]
        code = chief.wait()
        deadline = time.monotonic() + grace
        for (job, i), p in procs.items():
            if job == "worker" and p.poll() is None:
                try:
                    p.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        return code
    finally:
        for p in procs.values():
            _stop(p)
        for t in threads:
            t.join(2.0)
        if ray is not None:
            ray.shutdown()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m flowgraph.distribute.launch",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--ps", type=int, default=1, help="number of ps tasks")
    parser.add_argument("--workers", type=int, default=1, help="number of worker tasks")
    parser.add_argument("--grace", type=float, default=30.0,
                        help="seconds the other workers get after the chief ends")
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    a = parser.parse_args(argv)
    return launch(a.ps, a.workers, a.program, a.args, a.grace)


if __name__ == "__main__":
    sys.exit(main())
