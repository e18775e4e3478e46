"""SavedModel load benchmarks (issue #18): seconds to load a SavedModel into a fresh graph
and session with the TF1 loader (`tf.saved_model.loader.load`: parse `saved_model.pb`,
import the meta graph, restore the variables, run the main op), then run its serving
signature once on a batch of 64:

- `saved_model_load_mlp`: a 784-512-512-10 relu MLP (about 670k float32 weights, 2.7 MB of
  variables);
- `saved_model_load_ops`: a graph of `OPS` elementwise ops over 16 small variables (the
  import dominates).

Both SavedModels are written once per process by flowgraph's `SavedModelBuilder` and
loaded by both contenders (TensorFlow 2.21's `tf.compat.v1.saved_model.loader.load` in
graph mode, same process). The runner's `SAVED_MODEL_OPS`, if set, shrinks the second (its
test does). Run alone for CPU times (`time.process_time`, all threads; medians of
interleaved calls): `python benchmarks/bench_saved_model.py [--reps N] [--one-thread]`.
"""
import atexit
import os
import shutil
import sys
import tempfile

SIZES, BATCH, OPS, N_VARS = (784, 512, 512, 10), 64, 2000, 16
_DIRS = {}   # (kind, size) -> SavedModel directory written in this process


def _write(fg, np, kind, n_ops):
    key = (kind, n_ops)
    if key in _DIRS:
        return _DIRS[key]
    folder = tempfile.mkdtemp(prefix="fg_bench_sm_")
    atexit.register(shutil.rmtree, folder, True)
    d = os.path.join(folder, kind)
    rng = np.random.default_rng(0)
    with fg.Graph().as_default(), fg.Session() as sess:
        x = fg.placeholder(fg.float32, [None, SIZES[0]], name="x")
        if kind == "mlp":
            h = x
            for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
                w = fg.Variable(rng.standard_normal((n_in, n_out), np.float32) * 0.05,
                                name=f"dense_{i}/kernel")
                b = fg.Variable(np.zeros(n_out, np.float32), name=f"dense_{i}/bias")
                h = fg.matmul(h, w) + b
                if i < len(SIZES) - 2:
                    h = fg.nn.relu(h)
            y = fg.identity(h, name="y")
        else:
            vs = [fg.Variable(rng.standard_normal(SIZES[0], np.float32), name=f"v{i}")
                  for i in range(N_VARS)]
            h = x
            for i in range(n_ops):
                h = fg.tanh(h * 0.5 + vs[i % N_VARS]) if i % 2 else h + vs[i % N_VARS]
            y = fg.reduce_sum(h, axis=1, name="y")
        sess.run(fg.global_variables_initializer())
        fg.saved_model.simple_save(sess, d, {"x": x}, {"y": y})
    _DIRS[key] = d
    return d


def _load(lib, env, d):
    np = env.np
    feed = np.random.default_rng(1).standard_normal((BATCH, SIZES[0])).astype(np.float32)
    is_tf = lib is env.tf

    def load_and_run():
        g = lib.Graph()
        with g.as_default():
            sess = env.tf_session(g) if is_tf else lib.Session(graph=g)
            with sess:
                meta = lib.saved_model.loader.load(sess, ["serve"], d)
                sig = meta.signature_def["serving_default"]
                return sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: feed})
    out = load_and_run()
    if not np.all(np.isfinite(out)):
        raise AssertionError("the loaded model gave non-finite outputs")
    return load_and_run


def make_cases(runner):
    """Case factories for `runner` (the benchmarks/run.py module)."""
    Case, guard = runner.Case, runner._guard

    def pair(kind, n_ops):
        def build(lib, env):
            return _load(lib, env, _write(env.fg, env.np, kind, n_ops))
        return {"flowgraph": guard(lambda env: build(env.fg, env)),
                "tensorflow": guard(lambda env: build(env.need_tf(), env))}

    def case_mlp():
        c = Case("saved_model_load_mlp", "`tf.saved_model.loader.load` of a "
                 f"{'-'.join(map(str, SIZES))} relu MLP SavedModel (2.7 MB of variables) "
                 f"into a new graph and session, then one signature run on {BATCH} rows",
                 pair("mlp", 0))
        c.reps = 7
        return c

    def case_ops():
        n = getattr(runner, "SAVED_MODEL_OPS", OPS)
        c = Case("saved_model_load_ops", f"`tf.saved_model.loader.load` of a SavedModel "
                 f"whose graph has {n} elementwise ops over {N_VARS} variables, then one "
                 f"signature run on {BATCH} rows", pair("ops", n))
        c.reps = 7
        return c

    return [case_mlp, case_ops]


def _cpu_medians(fns, reps):
    """Median CPU seconds (`time.process_time`, all threads) per call, interleaved."""
    import time
    samples = {k: [] for k in fns}
    for r in range(reps):
        for k in list(fns)[r % len(fns):] + list(fns)[:r % len(fns)]:
            t0 = time.process_time()
            fns[k]()
            samples[k].append(time.process_time() - t0)
    return {k: sorted(v)[len(v) // 2] for k, v in samples.items()}


def main(argv):
    """Standalone: CPU time per load (the machine is shared, so wall time is noisy)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import run as runner
    reps = int(argv[argv.index("--reps") + 1]) if "--reps" in argv else 7
    env = runner.Env("1" if "--one-thread" in argv else "default")
    for make in make_cases(runner):
        case = make()
        fns = {k: setup(env) for k, setup in case.setups.items()}
        times = _cpu_medians(fns, reps)
        ratio = times["tensorflow"] / times["flowgraph"]
        print(f"{case.name}: " + ", ".join(f"{k}={v * 1e3:.1f} ms CPU" for k, v in
                                           times.items()) + f" (TF/flowgraph {ratio:.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
