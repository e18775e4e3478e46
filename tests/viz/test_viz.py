"""flowgraph.viz: DOT source of graphs (always), rendering (only where Graphviz's `dot`
is installed)."""
import re
import shutil

import pytest

import flowgraph as tf
from flowgraph import viz

graphviz = pytest.importorskip("graphviz")


def _model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.device("/cpu:0"):
        with tf.name_scope("layer1"):
            w = tf.Variable(tf.ones([3, 4]), name="w")
            y = tf.matmul(x, w)
            with tf.name_scope("inner"):
                z = tf.nn.relu(y)
    with tf.device("/cpu:1"):
        with tf.control_dependencies([z]):
            out = tf.identity(y, name="out")
        parts = tf.split(tf.ones([4, 2]), 2, axis=0, name="parts")
        tf.add(parts[1], 1.0, name="second")
    return out


def _clusters(source):
    return re.findall(r'subgraph "?(cluster_[^" {]+)"? \{', source)


def test_clusters_nest_by_name_scope():
    _model()
    src = viz.to_dot(tf.get_default_graph()).source
    assert isinstance(viz.to_dot(tf.get_default_graph()), graphviz.Digraph)
    assert set(_clusters(src)) >= {"cluster_layer1", "cluster_layer1/inner",
                                   "cluster_layer1/w", "cluster_devices"}
    # layer1/inner is drawn inside layer1: its block opens before layer1's closes.
    body = src[src.index('subgraph cluster_layer1 {'):]
    depth, inner_at = 0, None
    for i, line in enumerate(body.splitlines()):
        depth += line.count("{") - line.count("}")
        if "cluster_layer1/inner" in line:
            inner_at = depth
        if depth == 0:
            break
    assert inner_at == 2
    assert '"layer1/inner/Relu" [label="Relu\\nRelu"' in src


def test_edges_shapes_control_and_devices():
    _model()
    src = viz.to_dot(tf.get_default_graph()).source
    assert 'x -> "layer1/MatMul" [label="(?, 3)"]' in src
    assert '"layer1/MatMul" -> out [label="(?, 4)"]' in src
    assert '"layer1/inner/Relu" -> out [arrowhead=odot style=dashed]' in src
    assert 'parts -> second [label=":1 (2, 2)"]' in src  # output 1 of the Split
    # One colour per device, listed in the legend and used by the nodes.
    legend = dict(re.findall(r'label="(/device:CPU:\d)" fillcolor="(#[0-9a-f]+)"', src))
    assert set(legend) == {"/device:CPU:0", "/device:CPU:1"}
    assert legend["/device:CPU:0"] != legend["/device:CPU:1"]
    relu = re.search(r'"layer1/inner/Relu" \[.*fillcolor="(#[0-9a-f]+)"', src).group(1)
    assert relu == legend["/device:CPU:0"]
    assert re.search(r'\bx \[label="x\\nPlaceholder" shape=invhouse', src)  # no device


def test_collapsed_scopes():
    _model()
    src = viz.to_dot(tf.get_default_graph(), collapse_scopes=True).source
    assert 'layer1 [label="layer1\\n(6 ops)"' in src
    assert "cluster_layer1" not in src
    assert 'x -> layer1 [label="(?, 3)"]' in src
    assert 'layer1 -> out [label="(?, 4)"]' in src
    assert not re.search(r'"layer1/[^"]*" \[', src)  # no op inside layer1 drawn


def test_graph_def_input_uses_output_shapes():
    from flowgraph.proto import graph_pb2
    gd = graph_pb2.GraphDef()
    a = gd.node.add(name="scope/a", op="Placeholder")
    sh = a.attr["_output_shapes"].list.shape.add()
    sh.dim.add(size=-1)
    sh.dim.add(size=5)
    b = gd.node.add(name="b", op="Identity", device="/device:CPU:0")
    b.input.extend(["scope/a", "^scope/a"])
    src = viz.to_dot(gd).source
    assert '"scope/a" -> b [label="(?, 5)"]' in src
    assert '"scope/a" -> b [arrowhead=odot style=dashed]' in src
    assert "cluster_scope" in src
    with pytest.raises(TypeError):
        viz.to_dot(42)


def test_real_tf_graph_def():
    tf_real = pytest.importorskip("tensorflow")
    g = tf_real.Graph()
    with g.as_default():
        x = tf_real.compat.v1.placeholder(tf_real.float32, [2, 3], name="x")
        with tf_real.name_scope("s"):
            tf_real.identity(x, name="y")
    src = viz.to_dot(g.as_graph_def(add_shapes=True)).source
    assert 'x -> "s/y" [label="(2, 3)"]' in src


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@pytest.mark.parametrize("fmt,magic", [("svg", b"<svg"), ("png", b"\x89PNG")])
def test_render(tmp_path, fmt, magic):
    _model()
    path = viz.render(tf.get_default_graph(), str(tmp_path / f"g.{fmt}"), format=fmt)
    data = open(path, "rb").read()
    assert magic in data[:400]
    if fmt == "svg":
        assert b"layer1" in data and b"MatMul" in data


def test_render_without_dot_says_how_to_install(tmp_path, monkeypatch):
    _model()
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.render(tf.get_default_graph(), str(tmp_path / "g.svg"))
