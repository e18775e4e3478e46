"""Keras benchmark: one epoch of `model.fit` of the tutorials' MLP (784-512 relu-10 softmax,
RMSprop, categorical cross-entropy) on 60,000x784 synthetic float32 inputs, batch 128,
`verbose=0`: flowgraph.keras against tf_keras 2.21 in v1 graph mode (the runner's TF,
which has v2 behaviour disabled), against tf_keras under TF 2's defaults (eager
`tf.function` training, in a helper process since the runner's process is in v1 mode), and
against the same epoch by hand in numpy.

`make_cases(runner)` adds two cases to benchmarks/run.py; the runner's `KERAS_SAMPLES`, if
set, shrinks the data (the runner's own test does). Run alone:
`python benchmarks/bench_keras.py`."""
import os
import subprocess
import sys

SAMPLES, N_IN, N_HID, N_OUT, BATCH = 60000, 784, 512, 10, 128
LR, RHO, EPS = 0.001, 0.9, 1e-7
REPS = 3  # an epoch is seconds long: a few repetitions are enough


def _data(np, n):
    rng = np.random.default_rng(0)
    x = rng.random((n, N_IN), dtype=np.float32)
    y = np.eye(N_OUT, dtype=np.float32)[rng.integers(0, N_OUT, n)]
    return x, y


def _initial_weights(np):
    rng = np.random.default_rng(1)
    lim1, lim2 = np.sqrt(6 / (N_IN + N_HID)), np.sqrt(6 / (N_HID + N_OUT))
    return [rng.uniform(-lim1, lim1, (N_IN, N_HID)).astype(np.float32),
            np.zeros(N_HID, np.float32),
            rng.uniform(-lim2, lim2, (N_HID, N_OUT)).astype(np.float32),
            np.zeros(N_OUT, np.float32)]


def _keras_fit(keras, np, n, optimizer):
    """The tutorials' program; returns `fit` of one epoch as a callable."""
    layers = keras.layers
    network = keras.models.Sequential()
    network.add(layers.Dense(N_HID, activation="relu", input_shape=(N_IN,)))
    network.add(layers.Dense(N_OUT, activation="softmax"))
    network.set_weights(_initial_weights(np))
    network.compile(optimizer=optimizer, loss="categorical_crossentropy",
                    metrics=["accuracy"])
    x, y = _data(np, n)
    network.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, epochs=1, verbose=0)
    return lambda: network.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)


def _numpy_epoch(np, n):
    """The same epoch by hand: shuffled batches, forward, backward, Keras's RMSprop."""
    x, y = _data(np, n)
    params = _initial_weights(np)
    acc = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(2)
    rho, one_rho = np.float32(RHO), np.float32(1 - RHO)
    lr, eps = np.float32(LR), np.float32(EPS)

    def epoch():
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            ids = order[start:start + BATCH]
            xb, yb = x[ids], y[ids]
            w1, b1, w2, b2 = params
            a = xb @ w1 + b1
            h = np.maximum(a, 0)
            z = h @ w2 + b2
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            dz = (p - yb) / np.float32(len(ids))
            dh = dz @ w2.T
            dh[a <= 0] = 0
            grads = (xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0))
            for i, g in enumerate(grads):
                acc[i] *= rho
                acc[i] += one_rho * g * g
                params[i] -= lr * g / (np.sqrt(acc[i]) + eps)
    return epoch


class _TF2Worker:
    """tf_keras with TF 2's defaults in a helper process: `()` runs one epoch there."""

    def __init__(self, n, threads):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--tf2-worker", str(n), threads],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        ready = self.proc.stdout.readline().strip()
        if ready != "ready":
            self.proc.kill()
            raise RuntimeError(f"TF2 worker did not start: {ready!r}")

    def __call__(self):
        self.proc.stdin.write("fit\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "done":
            raise RuntimeError("TF2 worker failed")

    def __del__(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def _tf2_worker_main(n, threads):
    import numpy as np
    import tensorflow as tf
    if threads == "1":
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    import tf_keras as keras
    fit = _keras_fit(keras, np, n, keras.optimizers.RMSprop())
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "fit":
            fit()
            print("done", flush=True)


def make_cases(runner):
    Case, Unavailable, guard = runner.Case, runner.Unavailable, runner._guard

    def samples():
        return getattr(runner, "KERAS_SAMPLES", SAMPLES)

    def fg(env):
        from flowgraph import keras
        keras.backend.clear_session()
        return _keras_fit(keras, env.np, samples(), "rmsprop")

    def tf_v1(env):
        env.need_tf()
        import tf_keras as keras
        from tf_keras.src import backend as keras_backend  # v1 session control
        keras.backend.clear_session()
        keras_backend.set_session(env.tf_session(env.tf.get_default_graph()))
        return _keras_fit(keras, env.np, samples(), keras.optimizers.legacy.RMSprop())

    def tf2(env):
        env.need_tf()
        try:
            return _TF2Worker(samples(), env.threads)
        except Exception as e:  # noqa: BLE001
            raise Unavailable(str(e))

    def numpy(env):
        return _numpy_epoch(env.np, samples())

    what = (f"one epoch of `model.fit` (verbose=0) of the tutorials' {N_IN}-{N_HID}-{N_OUT} "
            f"relu/softmax MLP, RMSprop, categorical cross-entropy + accuracy, "
            f"{SAMPLES}x{N_IN} synthetic float32, batch {BATCH}")

    def case_v1():
        c = Case("keras_fit_epoch", what + "; TensorFlow = tf_keras in v1 graph mode",
                 {"flowgraph": guard(fg), "tensorflow": guard(tf_v1), "numpy": numpy})
        c.reps = REPS
        return c

    def case_tf2():
        c = Case("keras_fit_epoch_tf2", what + "; TensorFlow = tf_keras with TF 2's "
                 "defaults (tf.function), in a helper process",
                 {"flowgraph": guard(fg), "tensorflow": guard(tf2)})
        c.reps = REPS
        return c
    return [case_v1, case_tf2]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--tf2-worker":
        _tf2_worker_main(int(sys.argv[2]), sys.argv[3])
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import run as _runner
        _runner.standalone(make_cases, reps=REPS)
