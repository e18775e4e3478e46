"""benchmarks/gpu.py runs end to end on the CuPy emulation (it measures; no times asserted)."""
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_gpu_benchmark_measures_and_renders(fake_gpu, monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(ROOT, "benchmarks"))
    spec = importlib.util.spec_from_file_location("flowgraph_bench_gpu",
                                                  os.path.join(ROOT, "benchmarks", "gpu.py"))
    gpu = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu)
    monkeypatch.setattr(gpu.runner, "_block_size", lambda fn, target_s: 1)
    results, missing = gpu.measure(reps=1, mlp_batch=32)
    for case in ("mlp_train_step_32", "lenet5_train_step"):
        assert results[case]["flowgraph /gpu:0"] > 0 and results[case]["flowgraph /cpu:0"] > 0
    if "torch" not in sys.modules:
        assert missing and results["lenet5_train_step"]["PyTorch cuda"] is None
    text = gpu.table(results, missing, "emulated")
    assert "| mlp_train_step_32 |" in text and "| lenet5_train_step |" in text
