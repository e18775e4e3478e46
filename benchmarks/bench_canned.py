"""Canned estimator benchmark: `DNNClassifier.train` of 1,000 steps (10 numeric features,
hidden units [64, 32], binary labels, Adagrad, batch 32 from `numpy_input_fn` shuffled,
one intra/inter-op thread, the default checkpoint and summary saving) in flowgraph,
against TF 2.15.1's `tf.compat.v1.estimator.DNNClassifier` (a subprocess in the
reference venv /work/tf215, when present) and against the same 1,000 steps by hand in
numpy (forward, backward, Adagrad; no input pipeline, checkpoints or summaries).

Repetitions are interleaved (flowgraph, TF, numpy, then again); each times a whole
`train` call, from a fresh model_dir, with `time.perf_counter` and
`time.process_time`. We report medians as steps/s. Run: `python
benchmarks/bench_canned.py [--reps 3] [--steps 1000]`."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TF215 = "/work/tf215/bin/python"
N, FEATURES, HIDDEN, BATCH = 2048, 10, [64, 32], 32


def _data(np):
    rng = np.random.RandomState(0)
    x = rng.randn(N, FEATURES).astype(np.float32)
    y = (x @ rng.randn(FEATURES) > 0).astype(np.int64).reshape(N, 1)
    return x, y


def _train_once(tf, steps, tf1_session_config):
    """Builds the estimator in a fresh model_dir and times `train(steps)`."""
    import numpy as np
    x, y = _data(np)
    model_dir = tempfile.mkdtemp()
    try:
        config = tf.estimator.RunConfig(session_config=tf1_session_config, tf_random_seed=1)
        est = tf.compat.v1.estimator.DNNClassifier(
            hidden_units=HIDDEN,
            feature_columns=[tf.compat.v1.feature_column.numeric_column(
                "x", shape=(FEATURES,))],
            model_dir=model_dir, config=config)
        input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
            {"x": x}, y, batch_size=BATCH, num_epochs=None, shuffle=True)
        w0, c0 = time.perf_counter(), time.process_time()
        est.train(input_fn, steps=steps)
        return time.perf_counter() - w0, time.process_time() - c0
    finally:
        shutil.rmtree(model_dir, ignore_errors=True)


def flowgraph_run(steps, train_once=None):
    """Times `train_once(flowgraph, steps, config)` (this module's by default)."""
    sys.path.insert(0, ROOT)
    import flowgraph as tf
    cfg = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    return (train_once or _train_once)(tf, steps, cfg)


def tf_run(steps, module="bench_canned"):
    """TF 2.15 in a subprocess of the reference venv, running `module._tf_child(steps)`;
    None when the venv is absent."""
    if not os.path.exists(TF215):
        return None
    code = ("import sys, json; sys.path.insert(0, %r); import %s as b; "
            "print('RESULT', json.dumps(b._tf_child(%d)))" % (HERE, module, steps))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1",
               TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    out = subprocess.run([TF215, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    return tuple(json.loads(out.split("RESULT", 1)[1]))


def _tf_child(steps, train_once=None):
    """In the TF subprocess: graph mode, one thread, then `train_once` (default ours)."""
    import tensorflow as tf
    tf.compat.v1.disable_v2_behavior()
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    cfg = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1,
                                   inter_op_parallelism_threads=1)
    return (train_once or _train_once)(tf, steps, cfg)


def numpy_run(steps):
    """The same network and Adagrad updates by hand, on shuffled batches."""
    import numpy as np
    x, y = _data(np)
    y = y.astype(np.float32)
    rng = np.random.RandomState(1)
    sizes = [FEATURES] + HIDDEN + [1]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        lim = np.sqrt(6.0 / (a + b))
        params += [rng.uniform(-lim, lim, (a, b)).astype(np.float32), np.zeros(b, np.float32)]
    acc = [np.full_like(p, 0.1) for p in params]
    lr = np.float32(0.05)
    w0, c0 = time.perf_counter(), time.process_time()
    order = rng.permutation(N)
    for step in range(steps):
        i = order[(step * BATCH) % N:(step * BATCH) % N + BATCH]
        xb, yb = x[i], y[i]
        acts = [xb]
        for k in range(0, len(params) - 2, 2):
            acts.append(np.maximum(acts[-1] @ params[k] + params[k + 1], 0))
        logits = acts[-1] @ params[-2] + params[-1]
        d = 0.5 * (1 + np.tanh(0.5 * logits)) - yb  # d(sum sigmoid CE)/d logits
        grads = [None] * len(params)
        for k in range(len(params) - 2, -1, -2):
            grads[k], grads[k + 1] = acts[k // 2].T @ d, d.sum(0)
            if k:
                d = (d @ params[k].T) * (acts[k // 2] > 0)
        for p, a, g in zip(params, acc, grads):
            a += g * g
            p -= lr * g / np.sqrt(a)
    return time.perf_counter() - w0, time.process_time() - c0


def parse_args(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    return ap.parse_args(argv)


def compare(runs, args, title):
    """Runs each of `runs` (name -> fn(steps) giving (wall, cpu) or None) once per
    repetition, interleaved, and prints the median steps/s under `title`."""
    times = {k: [] for k in runs}
    for _ in range(args.reps):
        for name, fn in runs.items():
            t = fn(args.steps)
            if t is not None:
                times[name].append(t)
    print(f"{title}, median of {args.reps} (wall / process time):")
    for name, ts in times.items():
        if not ts:
            print(f"  {name:16s} unavailable")
            continue
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        print(f"  {name:16s} {args.steps / wall:8.0f} steps/s wall  "
              f"{args.steps / cpu:8.0f} steps/s cpu")
    return times


def main(argv=None):
    args = parse_args(argv)
    runs = {"flowgraph": flowgraph_run, "tensorflow 2.15": tf_run, "numpy": numpy_run}
    return compare(runs, args, f"DNNClassifier.train, {args.steps} steps, batch {BATCH}, "
                               f"hidden {HIDDEN}")


if __name__ == "__main__":
    main()
