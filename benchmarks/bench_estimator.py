"""Custom Estimator benchmark: `Estimator.train` of 1,000 steps of a small DNN written as
a `model_fn` (tf.layers, hidden [64, 32], one sigmoid logit, Adagrad 0.05, batch 32 from
`numpy_input_fn` shuffled, the default checkpoint and summary saving, one intra/inter-op
thread) in flowgraph, against the same program under TF 2.15.1 +
tensorflow-estimator 2.15.0 (a subprocess of the reference venv /work/tf215, when
present) and against the same steps by hand in numpy (bench_canned's numpy_run: forward,
backward, Adagrad; no input pipeline, checkpoints or summaries).

Repetitions are interleaved (flowgraph, TF, numpy, then again); each times a whole
`train` call from a fresh model_dir with `time.perf_counter` and `time.process_time`; we
report medians as steps/s. Run: `python benchmarks/bench_estimator.py [--reps 3]
[--steps 1000]`."""
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
sys.path.insert(0, HERE)
import bench_canned  # noqa: E402  (the data and the numpy baseline are the same)

TF215 = bench_canned.TF215
HIDDEN, BATCH = bench_canned.HIDDEN, bench_canned.BATCH


def _model_fn(tf):
    v1 = tf.compat.v1

    def model_fn(features, labels, mode):
        h = features["x"]
        for i, units in enumerate(HIDDEN):
            h = v1.layers.dense(h, units, activation=tf.nn.relu, name=f"hiddenlayer_{i}")
        logits = v1.layers.dense(h, 1, name="logits")
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = v1.losses.sigmoid_cross_entropy(labels, logits)
        train_op = v1.train.AdagradOptimizer(0.05).minimize(
            loss, global_step=v1.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return model_fn


def _train_once(tf, steps, session_config):
    import numpy as np
    x, y = bench_canned._data(np)
    model_dir = tempfile.mkdtemp()
    try:
        config = tf.estimator.RunConfig(session_config=session_config, tf_random_seed=1)
        est = tf.estimator.Estimator(_model_fn(tf), model_dir=model_dir, config=config)
        input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
            {"x": x}, y.astype(np.float32), batch_size=BATCH, num_epochs=None, shuffle=True)
        w0, c0 = time.perf_counter(), time.process_time()
        est.train(input_fn, steps=steps)
        return time.perf_counter() - w0, time.process_time() - c0
    finally:
        shutil.rmtree(model_dir, ignore_errors=True)


def flowgraph_run(steps):
    sys.path.insert(0, ROOT)
    import flowgraph as tf
    cfg = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    return _train_once(tf, steps, cfg)


def tf_run(steps):
    """TF 2.15 in a subprocess of the reference venv; None when it is absent."""
    if not os.path.exists(TF215):
        return None
    code = ("import sys, json; sys.path.insert(0, %r); import bench_estimator as b; "
            "print('RESULT', json.dumps(b._tf_child(%d)))" % (HERE, steps))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1",
               TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    out = subprocess.run([TF215, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    return tuple(json.loads(out.split("RESULT", 1)[1]))


def _tf_child(steps):
    import tensorflow as tf
    tf.compat.v1.disable_v2_behavior()
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    cfg = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1,
                                   inter_op_parallelism_threads=1)
    return _train_once(tf, steps, cfg)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    args = ap.parse_args(argv)
    runs = {"flowgraph": flowgraph_run, "tensorflow 2.15": tf_run,
            "numpy": bench_canned.numpy_run}
    times = {k: [] for k in runs}
    for _ in range(args.reps):
        for name, fn in runs.items():
            t = fn(args.steps)
            if t is not None:
                times[name].append(t)
    print(f"Estimator.train (custom model_fn), {args.steps} steps, batch {BATCH}, hidden "
          f"{HIDDEN}, median of {args.reps} (wall / process time):")
    for name, ts in times.items():
        if not ts:
            print(f"  {name:16s} unavailable")
            continue
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        print(f"  {name:16s} {args.steps / wall:8.0f} steps/s wall  "
              f"{args.steps / cpu:8.0f} steps/s cpu")
    return times


if __name__ == "__main__":
    main()
