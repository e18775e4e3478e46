"""GraphDef export (`as_graph_def`, `node_def`, `write_graph`), `import_graph_def`,
`graph_util`, and GraphDefs moving between flowgraph and TensorFlow."""
import json
import os

import numpy as np
import pytest
from google.protobuf import text_format

import flowgraph as tf
from flowgraph.framework import graph_io, graph_util
from flowgraph.proto import graph_pb2

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")


def _mlp():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 5, name="w")
    b = tf.Variable([0.5, -0.5], name="b")
    y = tf.add(tf.matmul(x, w), b, name="y")
    z = tf.reduce_sum(y * 2.0, axis=1, name="z")
    return x, w, b, y, z


def _node(gd, name):
    return next(n for n in gd.node if n.name == name)


# -- export ------------------------------------------------------------------------------
def test_graph_def_nodes_inputs_and_versions():
    x, w, b, y, z = _mlp()
    with tf.control_dependencies([y]):
        tf.identity(z, name="after")
    gd = tf.get_default_graph().as_graph_def()
    assert isinstance(gd, graph_pb2.GraphDef)
    assert gd.versions.producer >= 22
    assert [n.name for n in gd.node] == [op.name for op in tf.get_default_graph().get_operations()]
    assert list(_node(gd, "y").input) == ["MatMul", "b/read"]
    assert list(_node(gd, "after").input) == ["z", "^y"]
    assert _node(gd, "w").op == "VariableV2"
    assert list(_node(gd, "w/read").attr["_class"].list.s) == [b"loc:@w"]
    assert _node(gd, "x").attr["shape"].shape.dim[0].size == -1


def test_attrs_equal_to_defaults_are_left_out():
    a = tf.placeholder(tf.float32, [2, 3])
    tf.matmul(a, a, transpose_b=True, name="mm")
    tf.matmul(a, tf.ones([3, 2]), name="plain")
    gd = tf.get_default_graph().as_graph_def()
    assert set(_node(gd, "mm").attr) == {"T", "transpose_b"}
    assert set(_node(gd, "plain").attr) == {"T"}
    assert _node(gd, "mm").attr["transpose_b"].b is True


def test_add_shapes_writes_output_shapes():
    x, w, b, y, z = _mlp()
    gd = tf.get_default_graph().as_graph_def(add_shapes=True)
    shapes = _node(gd, "y").attr["_output_shapes"].list.shape
    assert [d.size for d in shapes[0].dim] == [-1, 2]
    assert "_output_shapes" not in _node(tf.get_default_graph().as_graph_def(), "y").attr
    assert len(_node(gd, "w/Assign").attr["_output_shapes"].list.shape) == 1
    p = tf.placeholder(tf.float32)
    nd = graph_io.node_def(p.op, add_shapes=True)
    assert nd.attr["_output_shapes"].list.shape[0].unknown_rank


def test_operation_node_def():
    c = tf.constant([[1, 2], [3, 4]], name="c")
    nd = c.op.node_def
    assert nd.name == "c" and nd.op == "Const"
    np.testing.assert_array_equal(tf.make_ndarray(nd.attr["value"].tensor), [[1, 2], [3, 4]])
    with tf.device("/cpu:0"):
        d = tf.identity(c, name="d")
    assert "CPU" in d.op.node_def.device.upper()


def test_attr_values_round_trip():
    cases = [True, 3, 2.5, "SAME", b"\xff\x00", tf.float64, tf.TensorShape([None, 4]),
             tf.TensorShape(None), [1, 2, 3], [1.5, 2], ["a", "b"], [tf.int32, tf.bool], [],
             [tf.TensorShape([1]), tf.TensorShape(None)]]
    for v in cases:
        back = graph_io.attr_value_to_python(graph_io.attr_value(v))
        if isinstance(v, tf.TensorShape):
            assert back.as_tuple_or_none() == v.as_tuple_or_none()
        elif isinstance(v, list) and v and isinstance(v[0], tf.TensorShape):
            assert [s.as_tuple_or_none() for s in back] == [s.as_tuple_or_none() for s in v]
        elif isinstance(v, bytes):
            assert back == v
        else:
            assert back == v, v
    assert graph_io.attr_value(1, hint=0.5).WhichOneof("value") == "f"
    assert graph_io.attr_value([]).SerializeToString() == b"\x0a\x00"
    with pytest.raises(TypeError):
        graph_io.attr_value(object())


def test_write_graph_text_and_binary(tmp_path):
    _mlp()
    g = tf.get_default_graph()
    write = tf.train.write_graph if hasattr(tf.train, "write_graph") else graph_io.write_graph
    p = write(g, str(tmp_path / "sub"), "g.pbtxt")
    assert p == os.path.join(str(tmp_path / "sub"), "g.pbtxt")
    text = open(p).read()
    assert 'op: "MatMul"' in text
    assert text_format.Parse(text, graph_pb2.GraphDef()) == g.as_graph_def()
    pb = graph_io.write_graph(g.as_graph_def(), str(tmp_path), "g.pb", as_text=False)
    assert graph_pb2.GraphDef.FromString(open(pb, "rb").read()) == g.as_graph_def()
    assert graph_io.read_graph_def(pb) == graph_io.read_graph_def(p)
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]


# -- import --------------------------------------------------------------------------------
def test_import_runs_to_the_same_result():
    x, w, b, y, z = _mlp()
    gd = tf.get_default_graph().as_graph_def()
    xs = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(z, {x: xs})
    g2 = tf.Graph()
    with g2.as_default():
        zz, init1, init2 = tf.import_graph_def(gd, return_elements=["z:0", "w/Assign", "b/Assign"])
        assert zz.name == "import/z:0" and zz.shape.as_list() == [None]
        assert init1.name == "import/w/Assign"
        with tf.Session() as sess:
            sess.run([init1, init2])
            np.testing.assert_allclose(sess.run(zz, {"import/x:0": xs}), want, rtol=1e-6)
        assert g2.get_operation_by_name("import/w/read").get_attr("_class") == ["loc:@import/w"]


def test_import_scopes_input_map_and_repeats():
    x, w, b, y, z = _mlp()
    gd = tf.get_default_graph().as_graph_def()
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(gd)
        tf.import_graph_def(gd)
        names = {op.name for op in g2.get_operations()}
        assert "import/z" in names and "import_1/z" in names
        feed = tf.placeholder(tf.float32, [5, 3], name="feed")
        out, = tf.import_graph_def(gd, input_map={"x:0": feed}, return_elements=["y:0"],
                                   name="mapped")
        assert out.shape.as_list() == [5, 2]
        assert out.op.inputs[0].op.inputs[0] is feed
        none = tf.import_graph_def(gd, name="plain")
        assert none is None
        with pytest.raises(ValueError, match="not found in graph_def"):
            tf.import_graph_def(gd, input_map={"nope:0": feed}, name="bad")
        with pytest.raises(ValueError, match="not found in graph_def"):
            tf.import_graph_def(gd, return_elements=["nope:0"], name="bad2")
        with pytest.raises(TypeError):
            tf.import_graph_def(gd, return_elements="z:0")


def test_import_without_prefix_and_out_of_order_nodes():
    _mlp()
    gd = tf.get_default_graph().as_graph_def()
    shuffled = graph_pb2.GraphDef()
    shuffled.versions.CopyFrom(gd.versions)
    shuffled.node.extend(reversed(gd.node))
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(shuffled, name="")
        assert {op.name for op in g2.get_operations()} == {n.name for n in gd.node}
        tf.constant(1.0, name="z")  # the imported name is taken: a new op gets another
        assert g2.get_operation_by_name("z_1").type == "Const"


def test_import_errors():
    gd = graph_pb2.GraphDef()
    n = gd.node.add(name="a", op="NoSuchOpAnywhere")
    with pytest.raises(tf.errors.NotFoundError, match="NoSuchOpAnywhere"):
        tf.import_graph_def(gd)
    n.op = "Identity"
    n.input.append("missing")
    with pytest.raises(ValueError, match="missing"):
        tf.import_graph_def(gd)
    cyc = text_format.Parse('''
      node { name: "a" op: "Identity" input: "b" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
    ''', graph_pb2.GraphDef())
    with pytest.raises(ValueError, match="cycle"):
        tf.import_graph_def(cyc)
    wrong_t = text_format.Parse('''
      node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "value" value { tensor { dtype: DT_FLOAT float_val: 1 } } } }
      node { name: "i" op: "Identity" input: "c" attr { key: "T" value { type: DT_INT32 } } }
    ''', graph_pb2.GraphDef())
    with pytest.raises(ValueError, match="'i'"):
        tf.import_graph_def(wrong_t)
    dup = text_format.Parse('node { name: "a" op: "NoOp" } node { name: "a" op: "NoOp" }',
                            graph_pb2.GraphDef())
    with pytest.raises(ValueError, match="Duplicate"):
        tf.import_graph_def(dup)


def test_import_fills_defaults_and_ignores_unknown_attrs():
    gd = text_format.Parse('''
      node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "shape" value { shape { dim { size: 2 } dim { size: 2 } } } } }
      node { name: "m" op: "MatMul" input: "a" input: "a:0"
             attr { key: "T" value { type: DT_FLOAT } }
             attr { key: "grad_a" value { b: false } }
             attr { key: "bogus" value { i: 3 } }
             attr { key: "_output_shapes" value { list { shape { dim { size: 2 } } } } } }
    ''', graph_pb2.GraphDef())
    m, = tf.import_graph_def(gd, return_elements=["m"])
    assert m.get_attr("transpose_a") is False
    assert m.outputs[0].shape.as_list() == [2, 2]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(m.outputs[0], {"import/a:0": np.eye(2)}), np.eye(2))


def test_tf_made_frozen_graph_imports_and_runs():
    """A TensorFlow-frozen MLP (fixture) gives TF's outputs in flowgraph."""
    with open(os.path.join(FIXTURES, "tf_frozen_mlp.json")) as f:
        fx = json.load(f)
    for name in ("tf_frozen_mlp.pb", "tf_frozen_mlp.pbtxt"):
        g = tf.Graph()
        with g.as_default():
            gd = graph_io.read_graph_def(os.path.join(FIXTURES, name))
            probs, = tf.import_graph_def(gd, return_elements=[fx["output"]], name="")
            with tf.Session() as sess:
                got = sess.run(probs, {fx["input"]: np.array(fx["x"], np.float32)})
        np.testing.assert_allclose(got, fx["probs"], rtol=1e-5, atol=1e-6)
        assert got.dtype == np.float32


# -- graph_util ----------------------------------------------------------------------------
def test_extract_sub_graph():
    x, w, b, y, z = _mlp()
    tf.constant(3.0, name="unrelated")
    gd = tf.get_default_graph().as_graph_def()
    sub = graph_util.extract_sub_graph(gd, ["y"])
    names = [n.name for n in sub.node]
    assert "unrelated" not in names and "z" not in names and "w/Assign" not in names
    assert names == [n.name for n in gd.node if n.name in set(names)]
    with pytest.raises(TypeError):
        graph_util.extract_sub_graph(gd, "y")
    with pytest.raises(AssertionError, match="nope"):
        graph_util.extract_sub_graph(gd, ["nope"])


def test_convert_variables_to_constants_freezes():
    x, w, b, y, z = _mlp()
    xs = np.ones((2, 3), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, tf.ones([3, 2])))
        want = sess.run(z, {x: xs})
        frozen = tf.graph_util.convert_variables_to_constants(
            sess, tf.get_default_graph().as_graph_def(), ["z"])
        partial = graph_util.convert_variables_to_constants(
            sess, tf.get_default_graph().as_graph_def(), ["z"], variable_names_blacklist=["b"])
    assert {n.op for n in frozen.node}.isdisjoint({"VariableV2", "Assign"})
    assert _node(frozen, "w").op == "Const"
    assert _node(partial, "b").op == "VariableV2"
    g2 = tf.Graph()
    with g2.as_default():
        zz, = tf.import_graph_def(frozen, return_elements=["z:0"], name="")
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(zz, {"x:0": xs}), want)


def test_remove_training_nodes():
    x = tf.placeholder(tf.float32, [2], name="x")
    i1 = tf.identity(x, name="i1")
    i2 = tf.identity(i1 * 2.0, name="i2")
    tf.identity(i2 + 1.0, name="out")
    gd = tf.get_default_graph().as_graph_def()
    cleaned = graph_util.remove_training_nodes(gd, protected_nodes=["out"])
    names = [n.name for n in cleaned.node]
    assert "i1" not in names and "i2" not in names and "out" in names
    assert list(_node(cleaned, "mul").input)[0] == "x"
    g2 = tf.Graph()
    with g2.as_default():
        o, = tf.import_graph_def(cleaned, return_elements=["out:0"], name="")
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(o, {"x:0": [1.0, 2.0]}), [3.0, 5.0])


# -- TensorFlow runs our GraphDefs ----------------------------------------------------------
def test_tensorflow_imports_and_runs_our_graph_def():
    tf_real = pytest.importorskip("tensorflow")
    x, w, b, y, z = _mlp()
    act = tf.nn.relu(y, name="act") if hasattr(tf.nn, "relu") else y
    soft = tf.nn.softmax(act, name="soft") if hasattr(tf.nn, "softmax") else act
    xs = np.random.RandomState(1).randn(4, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run([z, soft], {x: xs})
        frozen = tf.graph_util.convert_variables_to_constants(
            sess, tf.get_default_graph().as_graph_def(add_shapes=True), ["z", soft.op.name])
    full = tf.get_default_graph().as_graph_def()
    tfv1 = tf_real.compat.v1
    for gd, needs_init in ((frozen, False), (full, True)):
        g = tf_real.Graph()
        with g.as_default():
            tf_gd = tfv1.GraphDef.FromString(gd.SerializeToString())
            tfv1.import_graph_def(tf_gd, name="")
            with tfv1.Session(graph=g) as sess:
                if needs_init:
                    sess.run(["w/Assign", "b/Assign"])
                got = sess.run(["z:0", soft.name], {"x:0": xs})
        for a, e in zip(got, want):
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def test_graph_def_text_matches_tensorflow_parse():
    tf_real = pytest.importorskip("tensorflow")
    _mlp()
    text = text_format.MessageToString(tf.get_default_graph().as_graph_def())
    theirs = text_format.Parse(text, tf_real.compat.v1.GraphDef())
    assert len(theirs.node) == len(tf.get_default_graph().get_operations())


def test_missing_library_function_is_refused_on_import():
    gd = text_format.Parse('''
      node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
             attr { key: "value" value { tensor { dtype: DT_INT32 int_val: 0 } } } }
      node { name: "w" op: "While" input: "c"
             attr { key: "T" value { list { type: DT_INT32 } } }
             attr { key: "cond" value { func { name: "cond_fn" } } }
             attr { key: "body" value { func { name: "body_fn" } } } }
    ''', graph_pb2.GraphDef())
    with pytest.raises(ValueError, match="'w'.*'(body|cond)_fn'.*library"):
        tf.import_graph_def(gd)
    assert not tf.get_default_graph().get_operations()
