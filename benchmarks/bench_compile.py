"""Plan compilation: the first `sess.run(train_op)` of a fresh session (prune, optimize,
place, bind, generate the run function, then one step) with flowgraph's graph optimizer
on and off, against TensorFlow's first `sess.run` of the same graph (Grappler, kernel
creation, one step), for the MLP (bench_train), LeNet-5 (bench_nn) and the unrolled
LSTM (bench_rnn, static_rnn); also flowgraph's optimizer time alone and a later step.

    python benchmarks/bench_compile.py [--reps N] [--threads 1|default] [--steady]

Each repetition builds a new graph and session for every contender, interleaved; the
medians of wall time (perf_counter) and of this process's CPU time (process_time: TF's
first run uses several threads) are printed in ms. `--steady` times later steps with the
optimizer on and off instead. One BLAS/TF thread by default (`--threads default`: the
libraries' own settings)."""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import bench_nn  # noqa: E402
import bench_rnn  # noqa: E402
import bench_train  # noqa: E402


def _workloads(np):
    """name -> (build(tf) -> (train, loss, {placeholder name: value}))."""
    x0, y0, params = bench_train._data(np)
    lx, ly = bench_nn._lenet_data(np)
    lp = bench_nn._lenet_params(np)
    rx, ry, _, _ = bench_rnn._data(np)

    def mlp(tf):
        x, y, loss, train = bench_train.mlp_graph(tf, params)
        return train, {x: x0, y: y0}

    def lenet(tf):
        x, y, loss, train = bench_nn.lenet_graph(tf, lp)
        return train, {x: lx, y: ly}

    def lstm(tf):
        x, y, loss, train = bench_rnn.lstm_graph(tf, True)
        return train, {x: rx, y: ry}
    return {"mlp": mlp, "lenet5": lenet, "lstm_static": lstm}


def first_run(tf, build, config=None):
    """(wall s, CPU s, optimizer CPU s or None, later step wall s) of a fresh session's
    first run of the train op (variables initialized beforehand, not counted)."""
    g = tf.Graph()
    with g.as_default():
        train, feed = build(tf)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, config=config)
    sess.run(init)
    w0, c0 = time.perf_counter(), time.process_time()
    sess.run(train, feed)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    w1 = time.perf_counter()
    sess.run(train, feed)
    step = time.perf_counter() - w1
    opt = None
    plans = getattr(sess, "_plans", None)
    if plans:
        stats = [p.optimizer_stats for p in plans.values() if p.optimizer_stats]
        opt = sum(s.total_seconds() for s in stats[-1:])
    sess.close()
    return wall, cpu, opt, step


def steady_steps(lib, build, configs, reps):
    """Median seconds per later step for each config (interleaved, benchmarks/run.py's
    timer), to check that the optimized plans are no slower than the plain ones."""
    import run
    fns = {}
    for name, cfg in configs.items():
        g = lib.Graph()
        with g.as_default():
            train, feed = build(lib)
            init = lib.global_variables_initializer()
        sess = lib.Session(graph=g, config=cfg)
        sess.run(init)
        sess.run(train, feed)
        fns[name] = (lambda s, t, f: lambda: s.run(t, f))(sess, train, feed)
    return run.time_interleaved(fns, reps)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--no-tf", action="store_true")
    p.add_argument("--steady", action="store_true",
                   help="instead: later steps with the optimizer on vs off")
    p.add_argument("--threads", choices=["1", "default"], default="1")
    args = p.parse_args()
    if args.threads == "1":  # before numpy is imported
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            os.environ[k] = "1"
    import numpy as np
    import flowgraph as fg
    from flowgraph.proto.rewriter_config_pb2 import RewriterConfig
    off = fg.ConfigProto(graph_options=fg.GraphOptions(
        rewrite_options=RewriterConfig(disable_meta_optimizer=True)))
    contenders = {"flowgraph": (fg, None), "flowgraph_no_opt": (fg, off)}
    if not args.no_tf:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF1 cells live in tf_keras
        import tensorflow.compat.v1 as tf1
        tf1.disable_v2_behavior()
        one = dict(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
        contenders["tensorflow"] = (tf1, tf1.ConfigProto(**one) if args.threads == "1"
                                    else None)
    rows = {}
    for name, build in _workloads(np).items():
        samples = {k: [] for k in contenders}
        for r in range(args.reps):
            names = list(contenders)
            for k in names[r % len(names):] + names[:r % len(names)]:
                lib, cfg = contenders[k]
                samples[k].append(first_run(lib, build, cfg))
        rows[name] = {k: [statistics.median(x[i] for x in v) if v[0][i] is not None else None
                          for i in range(4)] for k, v in samples.items()}
    if args.steady:
        print("| workload | flowgraph step ms | flowgraph, optimizer off, ms | on/off |")
        print("|---|---:|---:|---:|")
        for name, build in _workloads(np).items():
            t = steady_steps(fg, build, {"on": None, "off": off}, args.reps)
            print(f"| {name} | {t['on'] * 1e3:.2f} | {t['off'] * 1e3:.2f} | "
                  f"{t['on'] / t['off']:.2f} |")
        return None
    print("| workload | contender | first run wall ms | first run CPU ms | "
          "optimizer CPU ms | next step ms |")
    print("|---|---|---:|---:|---:|---:|")
    for name, per in rows.items():
        for k, (wall, cpu, opt, step) in per.items():
            o = "" if opt is None else f"{opt * 1e3:.1f}"
            print(f"| {name} | {k} | {wall * 1e3:.1f} | {cpu * 1e3:.1f} | {o} | "
                  f"{step * 1e3:.2f} |")
    return rows


if __name__ == "__main__":
    main()
