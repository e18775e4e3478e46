"""The profile mode of benchmarks/run.py and benchmarks/bench_compile.py run end to end on
small cases (they measure; nothing here asserts a time)."""
import importlib.util
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_profile_prints_op_types_and_optimizer_passes(capsys):
    bench = _load("flowgraph_bench_run", "benchmarks/run.py")
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import profiling
    case = next(c for c in bench.CASES if c.__name__ == "case_chain_100")()
    profiling.profile(case, bench.Env("default", with_tf=False), steps=2)
    out = capsys.readouterr().out
    assert "| AddV2 |" in out or "| Add |" in out
    assert "| constfold |" in out and "| common_subgraph_elimination |" in out


def test_bench_compile_first_run():
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    bench_compile = _load("flowgraph_bench_compile", "benchmarks/bench_compile.py")
    import flowgraph as tf

    def build(lib):
        x = lib.placeholder(lib.float32, [2, 3])
        v = lib.Variable(np.ones((3, 2), np.float32))
        loss = lib.reduce_sum(lib.matmul(x, v))
        return lib.train.GradientDescentOptimizer(0.1).minimize(loss), \
            {x: np.ones((2, 3), np.float32)}
    wall, cpu, opt, step = bench_compile.first_run(tf, build)
    assert wall > 0 and step > 0 and opt is not None
