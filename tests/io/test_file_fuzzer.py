"""The seeded file fuzzer (`tests/io/file_fuzzer.py`) for a few seconds, plus the crafted
files of issue 14: each must load or fail with TF's error class, allocating nothing the
file cannot justify. FLOWGRAPH_FUZZ_SECONDS sets the budget (default 3); the long mode is
`python -m tests.io.file_fuzzer --cases 10000`."""
import os
import tracemalloc

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.proto import graph_pb2
from tests.io import file_fuzzer

SECONDS = float(os.environ.get("FLOWGRAPH_FUZZ_SECONDS", "3"))


def test_fuzzer_within_budget():
    counts, failures = file_fuzzer.fuzz(seconds=SECONDS, seed=int(os.environ.get(
        "FLOWGRAPH_FUZZ_SEED", "0")), timeout=20)
    assert counts["cases"] > 10
    assert failures == []


def test_every_loader_has_seeds(tmp_path):
    seeds = file_fuzzer.make_seeds(str(tmp_path))
    assert {s[0] for s in seeds} == set(file_fuzzer.LOADERS)
    for loader, name, data, comp in seeds:  # the seeds themselves load
        assert file_fuzzer.run_case((loader, name, data, comp), str(tmp_path / "c"),
                                    trace_memory=False) == ("ok", ""), (loader, name)


def _const_graph(shape, values=(1.0,), dtype=1, field="float_val"):
    gd = graph_pb2.GraphDef()
    n = gd.node.add(name="c", op="Const")
    n.attr["dtype"].type = dtype
    t = n.attr["value"].tensor
    t.dtype = dtype
    for d in shape:
        t.tensor_shape.dim.add().size = d
    getattr(t, field).extend(values)
    return gd


def _import(gd):
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    return g


@pytest.mark.parametrize("shape", [[2 ** 40], [2 ** 27], [2 ** 20, 2 ** 20]])
def test_huge_fill_constant_imports_without_allocating(shape):
    gd = _const_graph(shape)
    assert len(gd.SerializeToString()) < 64
    tracemalloc.start()
    try:
        g = _import(gd)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    c = g.get_tensor_by_name("c:0")
    assert c.shape.as_list() == shape
    # written back as one value and a shape, as TF's own fill constants are
    again = g.as_graph_def().node[0].attr["value"].tensor
    assert list(again.float_val) == [1.0] and not again.tensor_content


def test_fill_constant_runs_when_it_fits_and_is_invalid_argument_when_not():
    g = _import(_const_graph([2 ** 20]))
    with g.as_default(), tf.Session() as s:
        c = g.get_tensor_by_name("c:0")
        assert s.run(tf.reduce_sum(c)) == 2 ** 20
    g = _import(_const_graph([2 ** 50]))
    with g.as_default(), tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot parse tensor"):
            s.run(g.get_tensor_by_name("c:0")[:3])


def test_partial_fill_beyond_the_limit_is_refused():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot parse tensor"):
        _import(_const_graph([2 ** 40], values=(1.0, 2.0)))
    g = _import(_const_graph([5], values=(1.0, 2.0)))  # small: expanded as TF does
    with g.as_default(), tf.Session() as s:
        np.testing.assert_array_equal(s.run("c:0"), [1, 2, 2, 2, 2])


def test_shape_past_int64_is_value_error():
    with pytest.raises(ValueError, match="too large"):
        _import(_const_graph([2 ** 62, 4]))


@pytest.mark.parametrize("set_class", [
    lambda av: av.list.i.extend([1, 2]), lambda av: av.SetInParent(),
    lambda av: setattr(av, "i", 3), lambda av: av.list.s.append(b"loc:@\xff\xfe"),
    lambda av: setattr(av, "s", b"\xff")], ids=["ints", "empty", "int", "non-utf8",
                                                   "scalar-bytes"])
def test_bad_class_attr_is_value_error(set_class):
    gd = _const_graph([1])
    set_class(gd.node[0].attr["_class"])
    with pytest.raises(ValueError, match="_class") as e:
        _import(gd)
    assert not isinstance(e.value, UnicodeError)


def test_const_value_of_the_wrong_kind_is_value_error():
    gd = _const_graph([1])
    av = gd.node[0].attr["value"]
    t = graph_pb2.GraphDef().node.add().attr["value"].tensor
    t.CopyFrom(av.tensor)
    av.ClearField("tensor")
    av.list.tensor.add().CopyFrom(t)
    with pytest.raises(ValueError, match="Const"):
        _import(gd)


def test_function_calling_itself_is_value_error():
    gd = graph_pb2.GraphDef()
    f = gd.library.function.add()
    f.signature.name = "f"
    f.signature.input_arg.add(name="x", type=1)
    f.signature.output_arg.add(name="y", type=1)
    p = f.node_def.add(name="p", op="Const")
    p.attr["dtype"].type = 10
    p.attr["value"].tensor.dtype = 10
    p.attr["value"].tensor.bool_val.append(True)
    for nodes, cond, x in ((f.node_def, "p:output:0", "x"), (gd.node, "pc", "x")):
        if nodes is gd.node:
            for name, dt, field, v in (("x", 1, "float_val", 1.0), ("pc", 10, "bool_val", True)):
                c = gd.node.add(name=name, op="Const")
                c.attr["dtype"].type = dt
                c.attr["value"].tensor.dtype = dt
                getattr(c.attr["value"].tensor, field).append(v)
        i = nodes.add(name="i", op="If")
        i.input.extend([cond, x])
        i.attr["Tcond"].type = 10
        i.attr["Tin"].list.type.append(1)
        i.attr["Tout"].list.type.append(1)
        i.attr["then_branch"].func.name = "f"
        i.attr["else_branch"].func.name = "f"
    f.ret["y"] = "i:output:0"
    with pytest.raises(ValueError, match="recursive"):
        _import(gd)


def test_tf1_reader_names_exist():
    assert tf.train.summary_iterator is tf.compat.v1.train.summary_iterator
    assert callable(tf.python_io.tf_record_iterator)
    assert tf.compat.v1.python_io.tf_record_iterator is tf.python_io.tf_record_iterator


@pytest.mark.parametrize("read", [lambda p: list(tf.train.summary_iterator(p)),
                                  lambda p: list(tf.python_io.tf_record_iterator(p))],
                         ids=["summary_iterator", "tf_record_iterator"])
def test_record_readers_on_missing_files_and_directories(tmp_path, read):
    with pytest.raises(tf.errors.NotFoundError):
        read(str(tmp_path / "missing"))
    with pytest.raises(tf.errors.FailedPreconditionError):
        read(str(tmp_path))
