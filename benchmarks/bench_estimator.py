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
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_canned  # noqa: E402  (the data and the numpy baseline are the same)

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
    return bench_canned.flowgraph_run(steps, _train_once)


def tf_run(steps):
    return bench_canned.tf_run(steps, "bench_estimator")


def _tf_child(steps):
    return bench_canned._tf_child(steps, _train_once)


def main(argv=None):
    args = bench_canned.parse_args(argv)
    runs = {"flowgraph": flowgraph_run, "tensorflow 2.15": tf_run,
            "numpy": bench_canned.numpy_run}
    return bench_canned.compare(
        runs, args, f"Estimator.train (custom model_fn), {args.steps} steps, batch {BATCH}, "
                    f"hidden {HIDDEN}")


if __name__ == "__main__":
    main()
