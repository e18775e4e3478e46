"""The host allocator tuning applies once and can be switched off."""
import subprocess
import sys

from flowgraph.runtime import host_memory


def test_tune_applies_once():
    host_memory.tune()
    host_memory.tune()
    assert host_memory._done == [True]  # Linux without FLOWGRAPH_TUNE_MALLOC=0


def test_opt_out():
    code = ("import flowgraph as tf; from flowgraph.runtime import host_memory as h; "
            "tf.Session(); print(h._done)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"FLOWGRAPH_TUNE_MALLOC": "0", "PATH": ""}, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr
