"""LeNet-5 and LSTM(128)x20 training steps, flowgraph vs TF 2.21 vs hand-written numpy,
interleaved in one process and timed in process CPU time (medians), for machines shared
with other work where wall-clock time is not usable.

    python benchmarks/steps_process_time.py [--default] [lenet] [lstm_static] [lstm_dynamic]

Without --default, BLAS/OpenMP run one thread and TF one intra/inter-op thread. With
--default, process time sums every thread's CPU time (spinning BLAS threads included), so
it measures work, not latency. Defines no `make_cases`: run.py does not pick it up."""
import os
import sys
import time

if "--default" not in sys.argv:
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[k] = "1"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bench_nn  # noqa: E402
import bench_rnn  # noqa: E402
import run as runner  # noqa: E402


def main():
    env = runner.Env("default" if "--default" in sys.argv else "1")
    which = [a for a in sys.argv[1:] if not a.startswith("--")] or \
        ["lenet", "lstm_static", "lstm_dynamic"]
    reps = int(os.environ.get("REPS", 15))
    for w in which:
        if w == "lenet":
            fns = {"fg": bench_nn._lenet_step(env.fg, env, False)[0],
                   "tf": bench_nn._lenet_step(env.need_tf(), env, True)[0],
                   "np": bench_nn.lenet_numpy(np)[0]}
        else:
            u = w == "lstm_static"
            fns = {"fg": bench_rnn._lstm_step(env.fg, env, False, u)[0],
                   "tf": bench_rnn._lstm_step(env.need_tf(), env, True, u)[0],
                   "np": bench_rnn._lstm_step_numpy(env)}
        s = {k: [] for k in fns}
        for r in range(reps):
            ks = list(fns)
            for k in ks[r % 3:] + ks[:r % 3]:
                t0 = time.process_time()
                for _ in range(5):
                    fns[k]()
                s[k].append((time.process_time() - t0) / 5)
        m = {k: float(np.median(v)) * 1e3 for k, v in s.items()}
        print(f"{w:14s} flowgraph {m['fg']:7.2f} ms  tensorflow {m['tf']:7.2f} ms  "
              f"numpy {m['np']:7.2f} ms  fg/tf {m['fg'] / m['tf']:.2f}  "
              f"fg/numpy {m['fg'] / m['np']:.2f}", flush=True)


if __name__ == "__main__":
    main()
