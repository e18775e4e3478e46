"""`benchmarks/run.py --profile CASE` reports op types and optimizer passes (no times are
asserted)."""
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_profile_lists_op_types_and_passes():
    runner = _load("flowgraph_bench_run", os.path.join(ROOT, "benchmarks", "run.py"))
    prof = _load("flowgraph_bench_profile", os.path.join(ROOT, "benchmarks", "profile.py"))
    text = prof.profile(runner, "chain_100", steps=2)
    rows = {line.split(" | ")[0].lstrip("| ") for line in text.splitlines()
            if line.startswith("| ")}
    assert {"Mul", "AddV2"} <= rows  # the chain's two op types
    assert "| session 0 plan 0" in text and "constfold" in text
