"""A flowgraph graph of feature columns (lookup tables, hash buckets, crosses, buckets,
embeddings), exported as a GraphDef, imported and run by TF 2.21: the same outputs, so
models using these ops can be served by TensorFlow."""
import numpy as np
import pytest

import flowgraph as fg
from flowgraph.proto import graph_pb2

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1


def _build(tmp_path):
    vocab = tmp_path / "v.txt"
    vocab.write_text("x\ny\nz\n")
    fc = fg.feature_column
    feats = {"w": fg.placeholder(fg.string, [None, 2], name="w"),
             "age": fg.placeholder(fg.float32, [None, 1], name="age"),
             "w2": fg.placeholder(fg.string, [None, 2], name="w2"),
             "n": fg.placeholder(fg.int64, [None, 1], name="n")}
    age = fc.bucketized_column(fc.numeric_column("age"), [18.0, 40.5])
    h = fc.categorical_column_with_hash_bucket("w", 9)
    v = fc.categorical_column_with_vocabulary_list("w", ["a", "b"], num_oov_buckets=2)
    f = fc.categorical_column_with_vocabulary_file("w2", str(vocab), default_value=2)
    n = fc.categorical_column_with_vocabulary_list("n", [5, 3, 1])
    cross = fc.crossed_column([age, "w"], 11)
    ones = fg.constant_initializer(0.25)
    lm = fc.linear_model(feats, [h, f, n, cross, age])
    il = fc.input_layer(feats, [fc.embedding_column(v, 2, initializer=ones),
                                fc.indicator_column(cross), fc.indicator_column(f)])
    init = fg.group(fg.global_variables_initializer(), fg.tables_initializer(),
                    name="init_all")
    return lm, il, init


FEED = {"w:0": np.array([[b"a", b"y"], [b"q", b""], [b"z", b"b"]], object),
        "w2:0": np.array([[b"x", b"y"], [b"q", b""], [b"", b"z"]], object),
        "age:0": np.array([[10.0], [40.5], [77.0]], np.float32),
        "n:0": np.array([[3], [9], [5]], np.int64)}


def test_tf_runs_flowgraph_graphdef(tmp_path):
    with fg.Graph().as_default() as g:
        lm, il, init = _build(tmp_path)
        with fg.Session() as s:
            s.run(init)
            for var in fg.global_variables():  # deterministic, non-zero weights
                s.run(var.assign(np.linspace(-1, 1, var.shape.num_elements()).reshape(
                    var.shape.as_list()).astype(np.float32)))
            want = s.run([lm, il], {g.get_tensor_by_name(k): v for k, v in FEED.items()})
            values = {var.op.name: s.run(var) for var in fg.global_variables()}
        graph_def = g.as_graph_def()
    with tf1.Graph().as_default() as tg:
        tf1.import_graph_def(tf1.GraphDef.FromString(graph_def.SerializeToString()),
                             name="")
        with tf1.Session(graph=tg) as s:
            s.run("init_all")
            s.run([tf1.assign(tg.get_tensor_by_name(f"{name}:0"), val)
                   for name, val in values.items()])
            got = s.run([lm.name, il.name], FEED)
    for w, x in zip(want, got):
        np.testing.assert_allclose(x, w, rtol=1e-6, atol=1e-6)


@pytest.fixture
def ref_variables():
    """TF1's reference variables (VariableV2), as TF 1.x programs make them."""
    was = tf_real.compat.v1.resource_variables_enabled()
    tf1.disable_resource_variables()
    yield
    if was:
        tf1.enable_resource_variables()


def test_flowgraph_runs_tf_graphdef(tmp_path, ref_variables):
    vocab = tmp_path / "v.txt"
    vocab.write_text("x\ny\nz\n")
    with tf1.Graph().as_default() as tg:
        fc = tf1.feature_column
        feats = {"w": tf1.placeholder(tf1.string, [None, 2], name="w"),
                 "w2": tf1.placeholder(tf1.string, [None, 2], name="w2"),
                 "age": tf1.placeholder(tf1.float32, [None, 1], name="age"),
                 "n": tf1.placeholder(tf1.int64, [None, 1], name="n")}
        age = fc.bucketized_column(fc.numeric_column("age"), [18.0, 40.5])
        v = fc.categorical_column_with_vocabulary_list("w", ["a", "b"], num_oov_buckets=2)
        f = fc.categorical_column_with_vocabulary_file("w2", str(vocab), default_value=2)
        cross = fc.crossed_column([age, "w"], 11)
        init = tf1.constant_initializer(0.5)
        lm = fc.linear_model(feats, [fc.categorical_column_with_hash_bucket("w", 9), f, cross,
                                     fc.categorical_column_with_identity("n", 10), age])
        il = fc.input_layer(feats, [fc.embedding_column(v, 2, initializer=init),
                                    fc.indicator_column(cross), fc.indicator_column(f)])
        tf1.group(tf1.global_variables_initializer(), tf1.tables_initializer(),
                  name="init_all")
        with tf1.Session() as s:
            s.run("init_all")
            for var in tf1.global_variables():
                var.load(np.linspace(-1, 1, var.shape.num_elements()).reshape(
                    var.shape.as_list()).astype(np.float32), s)
            want = s.run([lm, il], FEED)
            values = {var.op.name: s.run(var) for var in tf1.global_variables()}
        data = tg.as_graph_def().SerializeToString()
    with fg.Graph().as_default() as g:
        fg.import_graph_def(graph_pb2.GraphDef.FromString(data), name="")
        with fg.Session() as s:
            s.run("init_all")
            s.run([fg.assign(g.get_tensor_by_name(f"{name}:0"), val)
                   for name, val in values.items()])
            got = s.run([lm.name, il.name], FEED)
    for w, x in zip(want, got):
        np.testing.assert_allclose(x, w, rtol=1e-6, atol=1e-6)
