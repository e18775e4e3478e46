"""The benchmark runner works end to end on small sizes (it measures; it asserts no times)."""
import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "flowgraph_bench_run", os.path.join(ROOT, "benchmarks", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # bench_*.py cases receive the runner module itself
    spec.loader.exec_module(mod)
    return mod


def test_every_case_runs_and_renders(bench, monkeypatch):
    monkeypatch.setattr(bench, "MLP_BATCH", 64)
    monkeypatch.setattr(bench, "BUILD_STEPS", 50)
    monkeypatch.setattr(bench, "KERAS_SAMPLES", 512, raising=False)
    monkeypatch.setattr(bench, "INPUT_RECORDS", 128, raising=False)
    monkeypatch.setattr(bench, "SAVED_MODEL_OPS", 50, raising=False)
    env = bench.Env("default", with_tf=False)
    results = bench.run_cases(env, reps=1)
    names = [r["name"] for r in results]
    cases = [make() for make in bench.CASES]
    assert names == [c.name for c in cases]
    for r, case in zip(results, cases):
        for contender in {"flowgraph", "numpy"} & set(case.setups):  # (floors: numpy only)
            assert r["values"].get(contender), f"{r['name']}: {r['missing']}"
            assert r["values"][contender] > 0
        assert "flowgraph" in case.setups or case.note.startswith("numpy only")
    memory = next(r for r in results if r["kind"] == "memory")
    assert memory["values"]["numpy"] > 0
    run = {"threads": "1", "results": results, "load": (0.0, 0.0),
           "versions": {"python": "3", "numpy": "2", "flowgraph": "0.1.0",
                        "tensorflow": None}}
    text = bench.markdown([run], "python benchmarks/run.py")
    for name in names:
        assert f"| {name} |" in text
    assert "TensorFlow not installed" in text


def test_ratios_in_words(bench):
    assert bench._ratio(1.0, 10.0, "time") == "10.0x faster"
    assert bench._ratio(4.0, 2.0, "time") == "2.0x slower"
    assert bench._ratio(8.0, 12.0, "memory") == "1.5x less"
    assert bench._ratio(None, 1.0, "time") == "—"
