"""Fused kernels and optimizer updates: the GEMM floors of the MLP cases, and the kernel
choices behind `flowgraph/ops/update_kernels.py` and `_FusedMatMul`.

`make_cases(runner)` adds to `benchmarks/run.py`'s tables the GEMM-only rows: each library
doing just the matrix products of `mlp_train_step` and `mlp_inference_1024` (flowgraph and
TF as a graph of MatMuls over variables), the floor a step can be read against.

Run alone, `python benchmarks/bench_fused.py [--reps N]` times, interleaved in this
process with the runner's timer, at the thread setting of the environment:
- one Adam update of a 784x512 float32 variable: numpy as it was (a fresh array per
  temporary), numpy `out=` into given buffers, numexpr, numba (each if importable);
- elementwise chains on 784x512: `max(x + b, 0)` and `tanh(x * a + b) * c`, numpy vs
  numexpr vs numba;
- the MLP Adam step in flowgraph with the remapper and the compiled updates on and off.
Times are CPU time (`time.process_time`), medians of interleaved samples. It prints a
markdown table (benchmarks/RESULTS.md, "Fused kernels")."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SHAPE = (784, 512)


def _train_operands(np):
    import bench_train as bt
    x, _, (w1, _, w2, _) = bt._data(np)
    h = np.maximum(x @ w1, 0)
    dz = np.random.default_rng(1).standard_normal((bt.BATCH, bt.N_OUT)).astype(np.float32)
    return x, w1, h, w2, dz


def _gemms_train(np):
    """The five matrix products of one step of bench_train's MLP, nothing else."""
    x, w1, h, w2, dz = _train_operands(np)

    def run():
        x @ w1
        h @ w2
        dh = dz @ w2.T
        h.T @ dz
        x.T @ dh
    return run


def _infer_operands(np):
    import bench_nn as bn
    w1, _, w2, _ = bn._mlp_params(np)
    x = bn._mlp_input(np)
    return x, w1, np.maximum(x @ w1, 0), w2


def _gemms_infer(np):
    x, w1, h, w2 = _infer_operands(np)

    def run():
        x @ w1
        h @ w2
    return run


def _gemm_graph(lib, env, train):
    """The same products as a graph of MatMul ops over variables (constants would be
    folded by the graph optimizers), all fetched."""
    np = env.np
    g = lib.Graph()
    with g.as_default():
        if train:
            x, w1, h, w2, dz = (lib.Variable(a) for a in _train_operands(np))
            dh = lib.matmul(dz, w2, transpose_b=True)
            prods = [lib.matmul(x, w1), lib.matmul(h, w2), dh,
                     lib.matmul(h, dz, transpose_a=True), lib.matmul(x, dh, transpose_a=True)]
        else:
            x, w1, h, w2 = (lib.Variable(a) for a in _infer_operands(np))
            prods = [lib.matmul(x, w1), lib.matmul(h, w2)]
        init = lib.global_variables_initializer()
    sess = env.tf_session(g) if lib is env.tf else lib.Session(graph=g)
    sess.run(init)
    sess.run(prods)  # fetched: an op run only for a group's control edge may be pruned
    return lambda: sess.run(prods)


def make_cases(runner):
    Case, guard = runner.Case, runner._guard

    def case(name, what, train, numpy):
        return Case(name, what, {
            "flowgraph": guard(lambda env: _gemm_graph(env.fg, env, train)),
            "tensorflow": guard(lambda env: _gemm_graph(env.need_tf(), env, train)),
            "numpy": lambda env: numpy(env.np)},
            note="each library's matrix products alone: the floor of the step above")

    def case_mlp_train_gemm_floor():
        return case("mlp_train_gemm_floor", "the five matrix products of `mlp_train_step` "
                    "alone (x@w1, h@w2, dz@w2.T, h.T@dz, x.T@dh)", True, _gemms_train)

    def case_mlp_inference_gemm_floor():
        return case("mlp_inference_gemm_floor", "the two matrix products of "
                    "`mlp_inference_1024` alone", False, _gemms_infer)
    return [case_mlp_train_gemm_floor, case_mlp_inference_gemm_floor]


# -- kernel choices (standalone) ------------------------------------------------------------
def _adam_variants(np):
    from flowgraph.ops import update_kernels as uk
    rng = np.random.default_rng(0)
    w, m, v, g = (rng.standard_normal(SHAPE).astype(np.float32) for _ in range(4))
    v = np.abs(v)
    for a in (w, m, v):
        a.flags.writeable = False
    f = np.float32
    alpha, b1, c1, c2, eps = f(1e-3 * np.sqrt(1 - .999 ** 3) / (1 - .9 ** 3)), f(.9), \
        f(.1), f(.001), f(1e-8)
    outs = [np.empty(SHAPE, np.float32) for _ in range(3)]

    def fresh():  # the kernel before: every temporary a new array
        new_m = np.subtract(g, m)
        new_m *= c1
        new_m += m
        new_v = np.multiply(g, g)
        new_v -= v
        new_v *= c2
        new_v += v
        upd = np.sqrt(new_v)
        upd += eps
        np.divide(new_m, upd, out=upd)
        upd *= alpha
        return np.subtract(w, upd, out=upd), new_m, new_v

    def numpy_out():
        uk._NUMPY["adam"](np, w, m, v, g, alpha, b1, c1, c2, eps, False, *outs)
    variants = {"numpy (fresh arrays)": fresh, "numpy out=": numpy_out}
    try:
        import numexpr as ne
        ow, om, ov = outs
        names = {"w": w, "m": m, "v": v, "g": g, "om": om, "ov": ov, "c1": c1, "c2": c2,
                 "eps": eps, "alpha": alpha}

        def numexpr():
            ne.evaluate("m + (g - m) * c1", local_dict=names, out=om)
            ne.evaluate("v + (g * g - v) * c2", local_dict=names, out=ov)
            ne.evaluate("w - om / (sqrt(ov) + eps) * alpha", local_dict=names, out=ow)
        variants["numexpr"] = numexpr
    except ImportError:
        pass
    loop = uk._loop("adam", np.dtype(np.float32))
    if loop is not None:
        flat = [a.reshape(-1) for a in (w, m, v, g)]
        oflat = [o.reshape(-1) for o in outs]

        def numba():
            loop(*flat, alpha, b1, c1, c2, eps, False, *oflat)
        numba()
        variants["numba"] = numba
    return variants


def _chain_variants(np, which):
    rng = np.random.default_rng(1)
    x, a, c = (rng.standard_normal(SHAPE).astype(np.float32) for _ in range(3))
    b = rng.standard_normal(SHAPE[1]).astype(np.float32)
    out = np.empty(SHAPE, np.float32)
    if which == "bias_relu":
        variants = {"numpy": lambda: np.maximum(x + b, 0),
                    "numpy out=": lambda: np.maximum(np.add(x, b, out=out), 0, out=out)}
        expr = "where(x + b > 0, x + b, 0)"
    else:
        variants = {"numpy": lambda: np.tanh(x * a + b) * c,
                    "numpy out=": lambda: np.multiply(np.tanh(np.add(np.multiply(
                        x, a, out=out), b, out=out), out=out), c, out=out)}
        expr = "tanh(x * a + b) * c"
    try:
        import numexpr as ne
        names = {"x": x, "a": a, "b": b, "c": c}
        variants["numexpr"] = lambda: ne.evaluate(expr, local_dict=names, out=out)
    except ImportError:
        pass
    try:
        import numba

        if which == "bias_relu":
            @numba.njit(error_model="numpy")
            def kern(x, b, out):
                for i in range(x.shape[0]):
                    for j in range(x.shape[1]):
                        out[i, j] = max(x[i, j] + b[j], np.float32(0))
            kern(x, b, out)
            variants["numba"] = lambda: kern(x, b, out)
        else:
            @numba.vectorize(["float32(float32, float32, float32, float32)"])
            def vec(x, a, b, c):
                return np.tanh(x * a + b) * c
            bb = np.broadcast_to(b, SHAPE)
            variants["numba"] = lambda: vec(x, a, bb, c, out=out)
    except ImportError:
        pass
    return variants


def _step_variants(np):
    """flowgraph's MLP Adam step: as shipped, without the remapper, without the loops."""
    import bench_train as bt
    import flowgraph as fg
    from flowgraph.ops import update_kernels as uk
    from flowgraph.proto.rewriter_config_pb2 import RewriterConfig

    class Env:
        pass
    env = Env()
    env.np = np
    shipped, _ = bt._mlp_step(fg, env, False)
    cfg = fg.ConfigProto(graph_options=fg.GraphOptions(rewrite_options=RewriterConfig(
        remapping=RewriterConfig.OFF)))
    orig_session = fg.Session
    fg.Session = lambda graph=None: orig_session(graph=graph, config=cfg)
    try:
        no_remap, _ = bt._mlp_step(fg, env, False)
    finally:
        fg.Session = orig_session
    plain, _ = bt._mlp_step(fg, env, False)

    def no_loops():
        with uk.loops_disabled():
            plain()
    return {"flowgraph": shipped, "no remapper": no_remap, "numpy updates": no_loops,
            "numpy step": bt._mlp_step_numpy(env), "GEMMs only": _gemms_train(np)}


def cpu_interleaved(fns, reps, target_s=0.05):
    """Median CPU seconds (time.process_time: this process's own time, which other
    processes on a busy machine inflate less than wall time) per call, interleaved."""
    import time
    sizes = {}
    for k, fn in fns.items():
        n, t = 1, 0.0
        while t < target_s / 4 and n < 1 << 16:
            t0 = time.process_time()
            for _ in range(n):
                fn()
            t = time.process_time() - t0
            n *= 2
        sizes[k] = max(1, int(n / 2 * target_s / max(t, 1e-6)))
    names, samples = list(fns), {k: [] for k in fns}
    for r in range(reps):
        for k in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.process_time()
            for _ in range(sizes[k]):
                fns[k]()
            samples[k].append((time.process_time() - t0) / sizes[k])
    return {k: sorted(v)[len(v) // 2] for k, v in samples.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=15)
    args = p.parse_args()
    import numpy as np
    import run as runner
    groups = [("Adam update, 784x512 float32", _adam_variants(np)),
              ("max(x + b, 0), 784x512", _chain_variants(np, "bias_relu")),
              ("tanh(x * a + b) * c, 784x512", _chain_variants(np, "tanh")),
              ("MLP 784-512-10 Adam step, batch 128", _step_variants(np))]
    print("| kernel | variant | median | vs first |\n| --- | --- | ---: | ---: |")
    for title, fns in groups:
        times = cpu_interleaved(fns, args.reps)
        first = next(iter(times.values()))
        for k, t in times.items():
            print(f"| {title} | {k} | {runner._fmt(t, 'time')} | {t / first:.2f} |")


if __name__ == "__main__":
    main()
