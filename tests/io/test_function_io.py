"""Functional control flow in GraphDefs: If/While branches and bodies as FunctionDefs.

flowgraph's exports are checked for TF's calling conventions and re-imported (graph, text
file, meta graph); GraphDefs that TF 2.21 made with control flow v2 (fixtures from
scripts/make_cf_fixtures.py) are imported and run. When TensorFlow is importable, TF also
runs flowgraph's exports, and flowgraph imports TF's graphs built live."""
import json
import os
import re

import numpy as np
import pytest
from google.protobuf import text_format

import flowgraph as tf
from flowgraph.framework import dtypes, function_io
from flowgraph.proto import graph_pb2
from tests.io import cf_programs

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "tf_cf")
with open(os.path.join(FIXTURES, "cases.json")) as _f:
    CASES = json.load(_f)

_BODY_INPUT = re.compile(r"^(\^?[A-Za-z0-9.][A-Za-z0-9_./>-]*:[a-z][a-z0-9_]*:\d+|"
                         r"[a-z][a-z0-9_]*|\^[A-Za-z0-9.][A-Za-z0-9_./>-]*)$")
_ARG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _close(got, want):
    for a, b in zip(got, want):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5 if a.dtype == np.float32 else 1e-9,
                                   atol=1e-9)


def _build(program, grads=True):
    """(graph, fetch names, feeds, flowgraph's results) of a cf_programs program."""
    g = tf.Graph()
    with g.as_default():
        outs, feeds = cf_programs.PROGRAMS[program](tf, grads)
        with tf.Session() as sess:
            want = [sess.run(outs, f) for f in feeds]
    return g, [t.name for t in outs], feeds, want


def _run_imported(gd, names, feeds, name=""):
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name=name)
        prefix = name + "/" if name else ""
        with tf.Session() as sess:
            return g, [sess.run([prefix + n for n in names],
                                {prefix + k: v for k, v in f.items()}) for f in feeds]


def _fixture(name):
    case = CASES[name]
    with open(os.path.join(FIXTURES, name + ".pb"), "rb") as f:
        gd = graph_pb2.GraphDef.FromString(f.read())
    feeds = [{k: np.asarray(v["value"], dtype=v["dtype"]) for k, v in fd.items()}
             for fd in case["feeds"]]
    outs = [[np.asarray(v["value"], dtype=v["dtype"]) for v in r] for r in case["outputs"]]
    grads = [np.asarray(v["value"], dtype=v["dtype"]) for v in case["grad"]]
    return gd, case, feeds, outs, grads


# -- the shape of the export ---------------------------------------------------------------
def _check_conventions(gd):
    """TF's rules for function-calling nodes and function bodies."""
    lib = {f.signature.name: f for f in gd.library.function}
    assert len(lib) == len(gd.library.function)
    nodes = list(gd.node) + [m for f in gd.library.function for m in f.node_def]
    for n in nodes:
        assert n.op not in ("WhileTapeSize", "WhileTapeRead")
        assert not any(k in n.attr for k in ("_then_branch_inputs", "_else_branch_inputs",
                                              "_cond_inputs", "_body_inputs"))
        if n.op == "If":
            assert {"Tcond", "Tin", "Tout"} <= set(n.attr)  # TF has no defaults for these
            tin = list(n.attr["Tin"].list.type)
            tout = list(n.attr["Tout"].list.type)
            assert len(n.input) - sum(s.startswith("^") for s in n.input) == 1 + len(tin)
            for k in ("then_branch", "else_branch"):
                sig = lib[n.attr[k].func.name].signature
                assert [a.type for a in sig.input_arg] == tin
                assert [a.type for a in sig.output_arg] == tout
        if n.op == "While":
            assert "T" in n.attr
            t = list(n.attr["T"].list.type)
            assert len(n.attr["output_shapes"].list.shape) == len(t)
            cond = lib[n.attr["cond"].func.name].signature
            body = lib[n.attr["body"].func.name].signature
            assert [a.type for a in cond.input_arg] == t
            assert [a.type for a in cond.output_arg] == [dtypes.bool.as_datatype_enum]
            assert [a.type for a in body.input_arg] == t
            assert [a.type for a in body.output_arg] == t
    for f in gd.library.function:
        sig = f.signature
        names = [a.name for a in sig.input_arg] + [a.name for a in sig.output_arg]
        assert len(set(names)) == len(names)
        assert all(_ARG_NAME.match(a) for a in names)
        assert set(f.ret) == {a.name for a in sig.output_arg}
        body_nodes = {m.name for m in f.node_def}
        assert not body_nodes & set(names)
        for m in f.node_def:
            for s in m.input:
                assert _BODY_INPUT.match(s), s
                src = s.lstrip("^").split(":")[0]
                assert src in body_nodes or src in {a.name for a in sig.input_arg}, s
        for r in f.ret.values():
            assert _BODY_INPUT.match(r)


def test_export_holds_one_function_per_branch_and_body():
    g, names, feeds, want = _build("cond_in_loop", grads=False)
    gd = g.as_graph_def()
    _check_conventions(gd)
    by_op = {n.name: n for n in gd.node}
    loop = next(n for n in gd.node if n.op == "While")
    assert loop.attr["cond"].func.name.startswith("while_cond_")
    body = next(f for f in gd.library.function
                if f.signature.name == loop.attr["body"].func.name)
    inner = [m for m in body.node_def if m.op == "If"]
    assert len(inner) == 1  # the cond inside the loop body calls two more functions
    assert len(gd.library.function) == 4
    assert "out" in by_op
    assert g.as_graph_def().SerializeToString(deterministic=True) == \
        gd.SerializeToString(deterministic=True)  # names come from content: stable


def test_graph_without_control_flow_has_no_library():
    a = tf.constant(1.0) + 2.0
    gd = a.graph.as_graph_def()
    assert not gd.HasField("library")


@pytest.mark.parametrize("program", sorted(cf_programs.PROGRAMS))
def test_exports_follow_tf_conventions(program):
    g, _, _, _ = _build(program)
    _check_conventions(g.as_graph_def())


def test_while_gradient_tapes_become_tensor_list_accumulators():
    g, names, feeds, want = _build("while_dynamic")
    ops = [op.type for op in g.get_operations()]
    assert "WhileTapeSize" in ops
    gd = g.as_graph_def()
    fwd = next(n for n in gd.node if n.name == "loop")
    t = [dtypes.as_dtype(x) for x in fwd.attr["T"].list.type]
    assert t[-2:] == [dtypes.variant] * 2  # one accumulator per loop variable
    assert sum(n.op == "TensorListReserve" for n in gd.node) == 2
    size = next(n for n in gd.node if n.name.endswith("WhileTapeSize"))
    assert size.op == "TensorListLength" and size.input[0].startswith("loop:")
    reads = [m for f in gd.library.function for m in f.node_def
             if m.op == "TensorListGetItem"]
    assert len(reads) == 2
    _, got = _run_imported(gd, names, feeds)
    _close(sum(got, []), sum(want, []))


# -- flowgraph -> flowgraph ------------------------------------------------------------------
@pytest.mark.parametrize("program", sorted(cf_programs.PROGRAMS))
def test_export_reimports_and_runs_the_same(program):
    g, names, feeds, want = _build(program)
    gd = g.as_graph_def()
    g2, got = _run_imported(gd, names, feeds)
    for w, r in zip(want, got):
        _close(r, w)
    types = {op.type for op in g2.get_operations()}
    assert {"If", "While"} & types
    gd2 = g2.as_graph_def()  # an imported graph exports again
    _check_conventions(gd2)
    _, again = _run_imported(gd2, names, feeds)
    for w, r in zip(want, again):
        _close(r, w)


def test_text_file_round_trip_and_import_scope(tmp_path):
    g, names, feeds, want = _build("nested_loops")
    path = tf.train.write_graph(g, str(tmp_path), "cf.pbtxt", as_text=True)
    with open(path) as f:
        gd = text_format.Parse(f.read(), graph_pb2.GraphDef())
    assert len(gd.library.function) >= 4
    g2, got = _run_imported(gd, names, feeds, name="imp")
    for w, r in zip(want, got):
        _close(r, w)
    assert g2.get_operation_by_name("imp/outer").type == "While"


def test_imported_loop_can_be_differentiated_again():
    g, names, feeds, want = _build("while_dynamic", grads=True)
    gd = g.as_graph_def()
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(gd, name="")
        x = g2.get_tensor_by_name("x:0")
        out = g2.get_tensor_by_name("out:0")
        dx = tf.gradients(out, x)[0]
        with tf.Session() as sess:
            got = [sess.run(dx, f) for f in feeds]
    _close(got, [w[2] for w in want])


def _ops_case_and_variable_graph():
    x = tf.placeholder(tf.float32, [2], name="x")
    v = tf.Variable([1.0, 2.0], name="v")
    tf.cond(x[0] > 0, lambda: tf.no_op(), lambda: tf.no_op(), name="side")  # no outputs
    tf.identity(tf.case([(x[0] > 1, lambda: x * 2), (x[0] > 0, lambda: x * 3)],
                        default=lambda: x - 1), name="picked")
    tf.identity(tf.cond(x[0] > 0, lambda: tf.identity(v) * 2, lambda: x), name="read")
    tf.global_variables_initializer()
    return ["picked:0", "read:0"], [{"x:0": np.array(x, np.float32)}
                                    for x in ([2, 0], [0.5, 1], [-1, 3])]


def _run_with_init(sess, names, feeds):
    sess.run("init")
    sess.run("side", feeds[0])
    return [sess.run(names, f) for f in feeds]


def test_cond_without_outputs_case_and_variable_reads_round_trip():
    names, feeds = _ops_case_and_variable_graph()
    g = tf.get_default_graph()
    with tf.Session() as sess:
        want = _run_with_init(sess, names, feeds)
    gd = g.as_graph_def()
    _check_conventions(gd)
    side = next(n for n in gd.node if n.name == "side")
    assert list(side.attr["Tout"].list.type) == []
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            got = _run_with_init(sess, names, feeds)
    for w, r in zip(want, got):
        _close(r, w)
    assert want[0][0].tolist() == [4.0, 0.0] and want[2][1].tolist() == [-1.0, 3.0]


def _rnn_training_graph():
    x = tf.placeholder(tf.float32, [3, 2], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable(np.array([[0.5, -0.25], [0.125, 0.75]], np.float32), name="w")
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + x)), [0, x])
    loss = tf.reduce_sum(h * h, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    tf.add_to_collection(tf.GraphKeys.TRAIN_OP, train)
    return {"x:0": np.arange(6, dtype=np.float32).reshape(3, 2) / 6, "n:0": 3}


def test_meta_graph_with_a_trained_loop_round_trips(tmp_path):
    feed = _rnn_training_graph()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run("train", feed)
        path = saver.save(sess, str(tmp_path / "model"))
        want = []
        for _ in range(2):
            sess.run("train", feed)
            want.append(sess.run("loss:0", feed))
    meta = tf.train.export_meta_graph(str(tmp_path / "m.meta"))
    assert meta.graph_def.library.function
    g = tf.Graph()
    with g.as_default():
        restorer = tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        train = tf.get_collection(tf.GraphKeys.TRAIN_OP)[0]
        with tf.Session() as sess:
            restorer.restore(sess, path)
            got = []
            for _ in range(2):
                sess.run(train, feed)
                got.append(sess.run("loss:0", feed))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_scoped_meta_graph_keeps_the_library():
    with tf.name_scope("model"):
        x = tf.placeholder(tf.float32, [2], name="x")
        y = tf.while_loop(lambda a: tf.reduce_sum(a) < 10.0, lambda a: a * 2.0, [x])
        tf.identity(y, name="out")
    meta = tf.train.export_meta_graph(export_scope="model")
    assert meta.graph_def.library.function
    g = tf.Graph()
    with g.as_default():
        tf.train.import_meta_graph(meta, import_scope="again")
        with tf.Session() as sess:
            got = sess.run("again/out:0", {"again/x:0": [1.0, 2.0]})
    np.testing.assert_allclose(got, [4.0, 8.0])


# -- TF-made GraphDefs (fixtures) -------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_tf_control_flow_v2_fixture_imports_and_runs(name):
    gd, case, feeds, outs, grads = _fixture(name)
    assert {"If", "StatelessIf", "While", "StatelessWhile"} & set(case["node_ops"])
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
        types = {op.type for op in g.get_operations()}
        assert types & {"If", "While"} and not types & {"StatelessIf", "StatelessWhile"}
        x = g.get_tensor_by_name(cf_programs.grad_target)
        dx = tf.gradients(g.get_tensor_by_name("out:0"), x)[0]  # our gradient of TF's loop
        with tf.Session() as sess:
            for f, want, gwant in zip(feeds, outs, grads):
                got = sess.run(case["fetches"] + [dx], f)
                _close(got[:-1], want)
                _close([got[-1]], [gwant])


def test_tf_fixture_reexports_for_tf_and_flowgraph():
    gd, case, feeds, outs, _ = _fixture("nested_loops")
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    gd2 = g.as_graph_def()
    _check_conventions(gd2)
    _, got = _run_imported(gd2, case["fetches"], feeds)
    for w, r in zip(outs, got):
        _close(r, w)


def test_stateful_tf_ops_import_as_our_if_and_while():
    gd, case, _, _, _ = _fixture("stateful")
    assert {"If", "While"} <= set(case["node_ops"])
    assert "RandomUniform" in case["function_ops"]
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
        loop = next(op for op in g.get_operations() if op.type == "While")
        body = loop.get_attr("body")
        assert any(op.type == "RandomUniform" for op in body.get_operations())


# -- errors ------------------------------------------------------------------------------------
def _cond_gd():
    g, _, _, _ = _build("cond", grads=False)
    return g.as_graph_def()


def test_function_with_an_unknown_op_is_refused_before_import():
    gd = _cond_gd()
    gd.library.function[0].node_def[0].op = "NoSuchOp"
    with pytest.raises(tf.errors.NotFoundError, match="NoSuchOp.*of function"):
        tf.import_graph_def(gd)
    assert not tf.get_default_graph().get_operations()


def test_function_arity_and_body_errors_name_the_function():
    gd = _cond_gd()
    fname = gd.library.function[0].signature.name
    gd.library.function[0].signature.input_arg.add(name="extra", type=1)
    with pytest.raises(ValueError, match=f"'{fname}'.*takes 4 arguments.*passes 3"):
        tf.import_graph_def(gd)
    gd = _cond_gd()
    f = gd.library.function[0]
    f.ret[f.signature.output_arg[0].name] = "nowhere:z:0"
    with pytest.raises(ValueError, match="names no argument or node"):
        tf.import_graph_def(gd)
    gd = _cond_gd()
    gd.library.function[0].signature.input_arg[0].type = 0
    gd.library.function[0].signature.input_arg[0].type_attr = "T"
    with pytest.raises(ValueError, match="polymorphic"):
        tf.import_graph_def(gd)


def test_function_call_ops_are_refused():
    gd = _cond_gd()
    n = gd.node.add(name="call", op="StatefulPartitionedCall")
    n.attr["f"].func.name = gd.library.function[0].signature.name
    with pytest.raises(tf.errors.NotFoundError, match="'StatefulPartitionedCall'"):
        tf.import_graph_def(gd)


def test_function_io_has_functions():
    assert not function_io.has_functions(tf.get_default_graph())
    tf.cond(tf.constant(True), lambda: tf.constant(1), lambda: tf.constant(2))
    assert function_io.has_functions(tf.get_default_graph())


# -- live TensorFlow ---------------------------------------------------------------------------
@pytest.fixture
def tf1():
    tf_real = pytest.importorskip("tensorflow")
    from tensorflow.python.ops import control_flow_util
    v1 = tf_real.compat.v1
    before = control_flow_util.ENABLE_CONTROL_FLOW_V2
    yield v1
    control_flow_util.ENABLE_CONTROL_FLOW_V2 = before


def _tf_run(tf1, gd, names, feeds):
    g = tf1.Graph()
    with g.as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(gd.SerializeToString()), name="")
        with tf1.Session(graph=g) as sess:
            return [sess.run(names, f) for f in feeds]


@pytest.mark.parametrize("program", sorted(cf_programs.PROGRAMS))
def test_tensorflow_runs_our_export_with_gradients(tf1, program):
    g, names, feeds, want = _build(program)
    got = _tf_run(tf1, g.as_graph_def(), names, feeds)
    for w, r in zip(want, got):
        _close(r, w)


@pytest.mark.parametrize("program", sorted(cf_programs.PROGRAMS))
def test_live_tf_control_flow_v2_graph_imports(tf1, program):
    from tensorflow.python.ops import control_flow_util
    control_flow_util.ENABLE_CONTROL_FLOW_V2 = True
    g = tf1.Graph()
    with g.as_default():
        outs, feeds = cf_programs.PROGRAMS[program](tf1, grads=False)
        with tf1.Session(graph=g) as sess:
            want = [sess.run(outs, f) for f in feeds]
    gd = graph_pb2.GraphDef.FromString(g.as_graph_def().SerializeToString())
    assert gd.library.function
    _, got = _run_imported(gd, [t.name for t in outs], feeds)
    for w, r in zip(want, got):
        _close(r, w)


def test_tensorflow_runs_cond_without_outputs_case_and_variable_reads(tf1):
    names, feeds = _ops_case_and_variable_graph()
    g = tf.get_default_graph()
    with tf.Session() as sess:
        want = _run_with_init(sess, names, feeds)
    tg = tf1.Graph()
    with tg.as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(g.as_graph_def().SerializeToString()),
                             name="")
        with tf1.Session(graph=tg) as sess:
            got = _run_with_init(sess, names, feeds)
    for w, r in zip(want, got):
        _close(r, w)


def test_tensorflow_imports_our_meta_graph_and_trains_through_the_loop(tf1, tmp_path):
    feed = _rnn_training_graph()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
        want = []
        for _ in range(2):
            sess.run("train", feed)
            want.append(sess.run("loss:0", feed))
    g = tf1.Graph()
    with g.as_default():
        restorer = tf1.train.import_meta_graph(path + ".meta")
        with tf1.Session(graph=g) as sess:
            restorer.restore(sess, path)
            got = []
            for _ in range(2):
                sess.run("train", feed)
                got.append(sess.run("loss:0", feed))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_a_func_graph_converts_to_a_library_and_back():
    g, _, _, _ = _build("loop_in_cond", grads=False)
    branch = next(op for op in g.get_operations() if op.type == "If").get_attr("then_branch")
    lib = function_io.function_library(branch)
    assert len(lib.function) == 3  # the branch, then the loop's cond and body it calls
    assert lib.function[0].signature.name.startswith("cond_true_")
    assert [a.type for a in lib.function[0].signature.input_arg] == \
        [t.dtype.base_dtype.as_datatype_enum for t in branch.inputs]
    with g.as_default():
        fg = function_io.func_graph_from_library(lib, shapes=[t.shape for t in branch.inputs])
    assert sorted(op.type for op in fg.get_operations()) == \
        sorted(op.type for op in branch.get_operations())
    assert len(fg.inputs) == len(branch.inputs) and len(fg.outputs) == 1
    assert fg.outer_graph is g


def _frozen_loop():
    feed = _rnn_training_graph()
    g = tf.get_default_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run("loss:0", feed)
        frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(),
                                                              ["loss"])
    assert frozen.library.function and not any(n.op == "VariableV2" for n in frozen.node)
    return frozen, feed, want


def test_frozen_graph_with_a_loop_keeps_its_functions():
    frozen, feed, want = _frozen_loop()
    _, got = _run_imported(frozen, ["loss:0"], [feed])
    np.testing.assert_allclose(got[0][0], want, rtol=1e-6)


def test_tensorflow_runs_a_frozen_loop(tf1):
    frozen, feed, want = _frozen_loop()
    np.testing.assert_allclose(_tf_run(tf1, frozen, ["loss:0"], [feed])[0][0], want,
                               rtol=1e-5)
