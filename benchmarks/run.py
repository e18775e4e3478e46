"""flowgraph benchmarks: flowgraph vs real TensorFlow (tf.compat.v1 graph mode, when it can be
imported) vs hand-written numpy, in one process.

    python benchmarks/run.py                 # both thread settings, writes RESULTS.md
    python benchmarks/run.py --case tiny_run # some cases only
    python benchmarks/run.py --quick         # few repetitions (a smoke test)
    python benchmarks/run.py --profile mlp_train_step  # time per op type and optimizer pass

The parent process runs this script once per thread setting in a subprocess (`--worker`):
once with one BLAS/OpenMP thread (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1, MKL_NUM_THREADS=1
and TF intra/inter-op threads 1) and once with the libraries' defaults. The environment must
be set before numpy is imported, hence the subprocesses.

Timing cases are interleaved: every repetition times each contender once, in an order that
rotates, so slow drifts of the machine (other processes, CPU frequency) hit all contenders
alike. A sample is a block of calls long enough (about 20 ms) to be timed well; we report the
median time per call over the repetitions and the ratios of the medians.

To add a case, write a function returning a `Case` and append it to `CASES`.
"""
import argparse
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CONTENDERS = ("flowgraph", "tensorflow", "numpy")
_MARK = "BENCHMARK-RESULTS-JSON: "
ONE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}


class Case:
    """A benchmark: `setups[contender](env)` returns the callable to time (or, for a
    memory case, to measure), or raises `Unavailable`."""

    def __init__(self, name, what, setups, kind="time", note=""):
        self.name, self.what, self.setups = name, what, setups
        self.kind, self.note = kind, note


class Unavailable(Exception):
    """This contender cannot run this case here (not installed, op not implemented)."""


class Env:
    """What setups need: the libraries and the thread setting."""

    def __init__(self, threads, with_tf=True):
        self.threads = threads
        import numpy
        import flowgraph
        self.np, self.fg = numpy, flowgraph
        self.tf = None
        if not with_tf:
            return
        try:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            tf.logging.set_verbosity(tf.logging.ERROR)
            self.tf = tf
        except Exception:  # not installed, or broken: numbers without TF
            pass

    def tf_session(self, graph):
        tf = self.need_tf()
        cfg = tf.ConfigProto()
        if self.threads == "1":
            cfg.intra_op_parallelism_threads = 1
            cfg.inter_op_parallelism_threads = 1
        return tf.Session(graph=graph, config=cfg)

    def need_tf(self):
        if self.tf is None:
            raise Unavailable("tensorflow not importable")
        return self.tf


def _guard(fn):
    """Turns a missing op or library into `Unavailable` so one gap doesn't stop a run."""
    def setup(env):
        try:
            return fn(env)
        except (Unavailable, AssertionError):
            raise
        except Exception as e:  # e.g. an op flowgraph does not have yet
            raise Unavailable(f"{type(e).__name__}: {str(e).splitlines()[0][:120]}") from None
    return setup


# -- (a) sess.run overhead on a tiny graph -----------------------------------------------------
def _tiny(lib, env):
    tf = lib
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [], name="a")
        b = tf.constant(3.0)
        y = a * b + 1.0
    sess = env.tf_session(g) if lib is env.tf else tf.Session(graph=g)
    feed = {a: 2.0}
    if sess.run(y, feed) != 7.0:
        raise AssertionError("tiny graph gave a wrong value")
    return lambda: sess.run(y, feed)


def case_tiny_run():
    def numpy(env):
        a, b = env.np.float32(2.0), env.np.float32(3.0)
        return lambda: a * b + 1.0
    return Case("tiny_run", "`sess.run(a*b+1)`, one fed scalar: per-run overhead",
                {"flowgraph": _guard(lambda env: _tiny(env.fg, env)),
                 "tensorflow": _guard(lambda env: _tiny(env.need_tf(), env)),
                 "numpy": numpy})


# -- (b) a chain of 100 cheap elementwise ops --------------------------------------------------
CHAIN_OPS, CHAIN_SHAPE = 100, (8, 16)


def _chain_graph(tf):
    x = tf.placeholder(tf.float32, CHAIN_SHAPE, name="x")
    y = x
    for i in range(CHAIN_OPS // 2):
        y = y * 0.999 + 0.001   # Mul, AddV2: two ops per step
    return x, y


def _chain(lib, env):
    g = lib.Graph()
    with g.as_default():
        x, y = _chain_graph(lib)
    sess = env.tf_session(g) if lib is env.tf else lib.Session(graph=g)
    val = env.np.ones(CHAIN_SHAPE, env.np.float32)
    feed = {x: val}
    sess.run(y, feed)
    return lambda: sess.run(y, feed)


def case_chain_100():
    def numpy(env):
        val = env.np.ones(CHAIN_SHAPE, env.np.float32)
        c1, c2 = env.np.float32(0.999), env.np.float32(0.001)

        def run():
            y = val
            for _ in range(CHAIN_OPS // 2):
                y = y * c1 + c2
            return y
        return run
    return Case("chain_100", f"`sess.run` of a chain of {CHAIN_OPS} elementwise ops on a "
                f"{CHAIN_SHAPE[0]}x{CHAIN_SHAPE[1]} float32 tensor",
                {"flowgraph": _guard(lambda env: _chain(env.fg, env)),
                 "tensorflow": _guard(lambda env: _chain(env.need_tf(), env)),
                 "numpy": numpy})


# -- (c) building a 2,000-op graph -------------------------------------------------------------
BUILD_STEPS = 1000  # each step adds a Const and an AddV2


def _build(lib):
    def run():
        g = lib.Graph()
        with g.as_default():
            y = lib.placeholder(lib.float32, [4], name="x")
            for _ in range(BUILD_STEPS):
                y = y + 1.0
        return g
    n = len(run().get_operations())
    if n != 2 * BUILD_STEPS + 1:
        raise AssertionError(f"expected {2 * BUILD_STEPS + 1} ops, built {n}")
    return run


def case_build_2000():
    return Case("build_2000", f"building a graph of {2 * BUILD_STEPS} ops "
                "(`y = y + 1.0` x 1000, a Const and an AddV2 each)",
                {"flowgraph": _guard(lambda env: _build(env.fg)),
                 "tensorflow": _guard(lambda env: _build(env.need_tf()))},
                note="numpy builds no graph")


# -- (d) peak memory of fetching a deep MLP's output -------------------------------------------
MLP_LAYERS, MLP_BATCH, MLP_WIDTH = 20, 4096, 256


def _mlp_weights(np):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((MLP_WIDTH, MLP_WIDTH)).astype(np.float32) / 16,
             np.full(MLP_WIDTH, 0.01, np.float32)) for _ in range(MLP_LAYERS)]


def _mlp_flowgraph(env):
    tf, np = env.fg, env.np
    relu = getattr(getattr(tf, "nn", None), "relu", None) or (lambda h: tf.maximum(h, 0.0))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [MLP_BATCH, MLP_WIDTH], name="x")
        h = x
        for w, b in _mlp_weights(np):
            h = relu(tf.matmul(h, tf.constant(w)) + tf.constant(b))
    sess = tf.Session(graph=g)
    val = np.random.default_rng(1).standard_normal((MLP_BATCH, MLP_WIDTH)).astype(np.float32)
    sess.run(h, {x: val})  # compile the plan outside the measurement
    return lambda: sess.run(h, {x: val})


def _mlp_numpy(env):
    np = env.np
    weights = _mlp_weights(np)
    val = np.random.default_rng(1).standard_normal((MLP_BATCH, MLP_WIDTH)).astype(np.float32)

    def run():
        h = val
        for w, b in weights:
            h = np.maximum(h @ w + b, 0)
        return h
    return run


def case_mlp_memory():
    act = MLP_BATCH * MLP_WIDTH * 4
    return Case("mlp20_peak_memory", f"peak memory of `sess.run` fetching a {MLP_LAYERS}-layer "
                f"MLP's output (batch {MLP_BATCH}, width {MLP_WIDTH}, float32; one "
                f"activation = {act / 2**20:.0f} MiB; sum of all {3 * MLP_LAYERS} "
                f"intermediates = {3 * MLP_LAYERS * act / 2**20:.0f} MiB)",
                {"flowgraph": _guard(_mlp_flowgraph), "numpy": _mlp_numpy},
                kind="memory",
                note="tracemalloc; TF's C++ allocator is invisible to it, so no TF column")


CASES = [case_tiny_run, case_chain_100, case_build_2000, case_mlp_memory]


def _more_cases():
    """Cases from each `benchmarks/bench_*.py` that defines `make_cases(runner)`."""
    import glob
    import importlib
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    for path in sorted(glob.glob(os.path.join(here, "bench_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        if hasattr(mod, "make_cases"):
            CASES.extend(mod.make_cases(sys.modules[__name__]))


_more_cases()


def standalone(make_cases, reps=7):
    """Times one bench_*.py module's cases at default threads and prints them (for
    `python benchmarks/bench_x.py`); returns the Env."""
    env = Env("default")
    for make in make_cases(sys.modules[__name__]):
        case = make()
        fns = {}
        for k, setup in case.setups.items():
            try:
                fns[k] = setup(env)
            except Unavailable as e:
                print(f"{case.name}: {k} unavailable: {e}")
        times = time_interleaved(fns, reps)
        print(f"{case.name}: " + ", ".join(f"{k}={_fmt(v, 'time')}" for k, v in times.items()))
    return env


# -- measuring ---------------------------------------------------------------------------------
def _block_size(fn, target_s):
    """How many calls make a sample of about `target_s` seconds."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target_s / 4 or n >= 1 << 20:
            return max(1, int(n * target_s / max(dt, 1e-9)))
        n *= 4


def time_interleaved(fns, reps, target_s=0.02):
    """Median seconds per call of each callable, sampled alternately."""
    names = list(fns)
    sizes = {k: _block_size(fns[k], target_s) for k in names}
    samples = {k: [] for k in names}
    for r in range(reps):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            fn, n = fns[k], sizes[k]
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                for _ in range(n):
                    fn()
                samples[k].append((time.perf_counter() - t0) / n)
            finally:
                gc.enable()
    return {k: _median(v) for k, v in samples.items()}


def peak_memory(fns, reps=3):
    """Peak bytes allocated (tracemalloc) during one call, beyond what was live before."""
    out = {}
    for k, fn in fns.items():
        peaks = []
        for _ in range(reps):
            gc.collect()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            result = fn()
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
            tracemalloc.stop()
            del result
        out[k] = min(peaks)
    return out


def _median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def run_cases(env, names=None, reps=15):
    """Measures the cases named (all by default); one result dict per case."""
    results = []
    for make in CASES:
        case = make()
        if names and case.name not in names:
            continue
        fns, missing = {}, {}
        for k in CONTENDERS:
            if k not in case.setups:
                continue
            try:
                fns[k] = case.setups[k](env)
            except Unavailable as e:
                missing[k] = str(e)
        if case.kind == "memory":
            values = peak_memory(fns)
        else:
            case_reps = min(reps, getattr(case, "reps", reps))  # long cases: fewer
            values = time_interleaved(fns, case_reps) if fns else {}
        results.append({"name": case.name, "what": case.what, "kind": case.kind,
                        "note": case.note, "values": values, "missing": missing})
        print(f"[threads={env.threads}] {case.name}: " + ", ".join(
            f"{k}={_fmt(v, case.kind)}" for k, v in values.items()), file=sys.stderr)
    return results


def worker(args):
    env = Env(args.threads, with_tf=not args.no_tf)
    load_before = os.getloadavg()[0]
    results = run_cases(env, args.case, args.reps)
    versions = {"python": platform.python_version(), "numpy": env.np.__version__,
                "flowgraph": getattr(env.fg, "GIT_VERSION", "?"),
                "tensorflow": getattr(env.tf, "__version__", None) if env.tf else None}
    if env.tf is not None:
        import tensorflow
        versions["tensorflow"] = tensorflow.__version__
    load = (load_before, os.getloadavg()[0])
    sys.stdout.write(_MARK + json.dumps({"threads": args.threads, "results": results,
                                         "versions": versions, "load": load}) + "\n")


# -- reporting ---------------------------------------------------------------------------------
_VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16",
                 "amx_tile", "amx_bf16", "amx_int8")


def machine():
    """CPU model, its vector extensions (from /proc/cpuinfo) and numpy's BLAS: ratios
    depend on all three."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    blas = "unknown"
    try:
        import numpy
        info = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy: no dict form
        pass
    vector = " ".join(f for f in _VECTOR_FLAGS if f in flags) or "none listed"
    return model, vector, blas


def _fmt(v, kind):
    if v is None:
        return "—"
    if kind == "memory":
        return f"{v / 2**20:.1f} MiB"
    if v < 1e-3:
        return f"{v * 1e6:.1f} µs"
    if v < 1:
        return f"{v * 1e3:.2f} ms"
    return f"{v:.2f} s"


def _ratio(fg, other, kind):
    """flowgraph against another contender, in words: '12.3x faster', '1.5x less'."""
    if fg is None or other is None or not fg or not other:
        return "—"
    better = ("faster", "slower") if kind == "time" else ("less", "more")
    r = other / fg
    return f"{r:.1f}x {better[0]}" if r >= 1 else f"{1 / r:.1f}x {better[1]}"


def markdown(runs, command):
    first = runs[0]
    v = first["versions"]
    model, vector, blas = machine()
    lines = ["# flowgraph benchmarks", "",
             f"- date: {datetime.date.today().isoformat()}",
             f"- machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores "
             f"(shared with other work while measured: treat small differences as noise)",
             f"- CPU: {model}; vector extensions: {vector}; numpy's BLAS: {blas} (TensorFlow "
             "uses its own oneDNN/Eigen kernels)",
             f"- versions: Python {v['python']}, numpy {v['numpy']}, "
             f"{v['flowgraph']}, TensorFlow {v['tensorflow'] or 'not installed'}",
             f"- command: `{command}`",
             "- method: one process per thread setting; contenders interleaved each "
             "repetition; median time per call (peak bytes for memory cases); the last two "
             "columns say how flowgraph compares with TensorFlow and with plain numpy", ""]
    cases, missing = {}, {}
    for run in runs:
        title = ("1 thread (OPENBLAS/OMP/MKL_NUM_THREADS=1, TF intra/inter-op threads 1)"
                 if run["threads"] == "1" else "default threads")
        lines += [f"## {title}", "",
                  f"1-minute load average {run['load'][0]:.1f} before, {run['load'][1]:.1f} "
                  f"after (on {os.cpu_count()} cores; above about 1, other processes were "
                  "competing and the times, TensorFlow's most, are inflated).", "",
                  "| case | flowgraph | TensorFlow | numpy | flowgraph vs TF | "
                  "flowgraph vs numpy |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in run["results"]:
            vals = r["values"]
            fg, tf_, np_ = (vals.get(k) for k in CONTENDERS)
            lines.append(f"| {r['name']} | {_fmt(fg, r['kind'])} | {_fmt(tf_, r['kind'])} | "
                         f"{_fmt(np_, r['kind'])} | {_ratio(fg, tf_, r['kind'])} | "
                         f"{_ratio(fg, np_, r['kind'])} |")
            cases[r["name"]] = (r["what"], r["note"])
            for k, why in r["missing"].items():
                missing.setdefault(r["name"], {})[k] = why
        lines.append("")
    lines += ["## Cases", ""]
    for name, (what, note) in cases.items():
        extra = [note] if note else []
        extra += [f"{k} unavailable: {why}" for k, why in missing.get(name, {}).items()]
        lines.append(f"- **{name}**: {what}" + (f". {'; '.join(extra)}." if extra else ""))
    lines.append("")
    return "\n".join(lines)


def _kept_sections(path):
    """The hand-written sections of an existing RESULTS.md (from "## GPU" on: figures
    taken on other machines), kept when the CPU tables are rewritten."""
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        return ""
    at = old.find("\n## GPU")
    return "" if at < 0 else old[at:]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--threads", choices=["1", "default", "both"], default="both")
    p.add_argument("--case", action="append", help="run only this case (repeatable)")
    p.add_argument("--reps", type=int, default=15, help="repetitions per case")
    p.add_argument("--quick", action="store_true", help="3 repetitions, no RESULTS.md")
    p.add_argument("--no-tf", action="store_true", help="leave TensorFlow out")
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "RESULTS.md"))
    p.add_argument("--profile", metavar="CASE",
                   help="time per op type and per optimizer pass of one case's flowgraph step")
    args = p.parse_args()
    if args.profile:
        import profiling
        named = {c().name: c for c in CASES}
        if args.profile not in named:
            p.error(f"no case {args.profile!r}; cases: {', '.join(sorted(named))}")
        return profiling.profile(named[args.profile](), Env("default", with_tf=False))
    if args.quick:
        args.reps = 3
    if args.worker:
        return worker(args)
    runs = []
    for threads in (["1", "default"] if args.threads == "both" else [args.threads]):
        env = dict(os.environ)
        if threads == "1":
            env.update(ONE_THREAD_ENV)
        else:
            for k in ONE_THREAD_ENV:
                env.pop(k, None)
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", threads,
               "--reps", str(args.reps)] + sum((["--case", c] for c in args.case or []), []) \
            + (["--no-tf"] if args.no_tf else [])
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True, text=True)
        line = [x for x in out.stdout.splitlines() if x.startswith(_MARK)][-1]
        runs.append(json.loads(line[len(_MARK):]))
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    text = markdown(runs, command.strip())
    print(text)
    if not args.quick:
        kept = _kept_sections(args.out)
        with open(args.out, "w") as f:
            f.write(text + kept)
        print(f"\nwrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
