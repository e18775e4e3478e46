"""Command-line tools over saved files: graph drawing (`flowgraph.tools.graph`)."""
import os
import shutil
import subprocess
import sys

import pytest

from flowgraph.tools import graph as graph_tool

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
ROOT = os.path.dirname(os.path.dirname(FIXTURES))


@pytest.mark.parametrize("name", ["tf_frozen_mlp.pb", "tf_frozen_mlp.pbtxt",
                                  "tf_ckpt/model-7.meta"])
def test_load_graph_def_from_any_saved_form(name):
    gd = graph_tool.load_graph_def(os.path.join(FIXTURES, name))
    assert any(n.op == "MatMul" for n in gd.node)


def test_load_rejects_other_files(tmp_path):
    p = tmp_path / "junk.pb"
    p.write_bytes(b"\xff\xfe not a proto")
    with pytest.raises(ValueError, match="no GraphDef"):
        graph_tool.load_graph_def(str(p))


def test_prints_dot_source():
    out = subprocess.run([sys.executable, "-m", "flowgraph.tools.graph",
                          os.path.join(FIXTURES, "tf_frozen_mlp.pb")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("digraph") and "MatMul" in out.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_renders_svg(tmp_path):
    target = str(tmp_path / "mlp.svg")
    out = subprocess.run([sys.executable, "-m", "flowgraph.tools.graph",
                          os.path.join(FIXTURES, "tf_ckpt", "model-7.meta"), "-o", target,
                          "--collapse"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert open(target).read().lstrip().startswith(("<?xml", "<svg"))
