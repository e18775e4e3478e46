"""The generated protobuf modules match `proto/`, and our messages are wire-compatible
with TensorFlow's own (field numbers and types checked against TF's descriptors)."""
import importlib
import os
import re
import sys

import pytest
from google.protobuf import descriptor_pb2, text_format

from flowgraph.proto import (attr_value_pb2, checkpoint_state_pb2, graph_pb2, meta_graph_pb2,
                             saver_pb2, tensor_bundle_pb2, variable_pb2)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = sorted(f[:-6] for f in os.listdir(os.path.join(ROOT, "proto")) if f.endswith(".proto"))


def _have_protoc():
    try:
        import grpc_tools  # noqa: F401
        return True
    except ImportError:
        import shutil
        return shutil.which("protoc") is not None


def test_every_proto_has_a_module():
    for name in PROTOS:
        importlib.import_module(f"flowgraph.proto.{name}_pb2")


@pytest.mark.skipif(not _have_protoc(), reason="needs grpcio-tools or protoc")
def test_generated_modules_are_current(tmp_path):
    """Each module's embedded descriptor equals what protoc makes of proto/ today."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        gen = importlib.import_module("gen_protos")
    finally:
        sys.path.pop(0)
    fds = descriptor_pb2.FileDescriptorSet()
    with open(gen.descriptor_set(str(tmp_path / "all.pb")), "rb") as f:
        fds.ParseFromString(f.read())
    fresh = {fd.name: fd for fd in fds.file}
    assert sorted(fresh) == sorted(p + ".proto" for p in PROTOS)
    for name in PROTOS:
        mod = importlib.import_module(f"flowgraph.proto.{name}_pb2")
        have = descriptor_pb2.FileDescriptorProto()
        have.ParseFromString(mod.DESCRIPTOR.serialized_pb)
        assert _normal(have) == _normal(fresh[name + ".proto"]), \
            f"{name}_pb2.py is stale: run scripts/gen_protos.py"
    # With the same protoc version the files must also be byte-identical.
    out = tmp_path / "gen"
    out.mkdir()
    gen.generate(str(out))
    for name in PROTOS:
        fresh_text = (out / f"{name}_pb2.py").read_text()
        with open(os.path.join(ROOT, "flowgraph", "proto", f"{name}_pb2.py")) as f:
            mine = f.read()
        if _protoc_line(fresh_text) == _protoc_line(mine):
            assert fresh_text == mine, f"{name}_pb2.py differs from a fresh generation"


def _normal(fd):
    """A FileDescriptorProto without json_name (protoc drops it from embedded ones)."""
    fd = descriptor_pb2.FileDescriptorProto.FromString(fd.SerializeToString())

    def walk(msgs):
        for m in msgs:
            for f in m.field:
                f.ClearField("json_name")
            walk(m.nested_type)
    walk(fd.message_type)
    return fd


def _protoc_line(text):
    m = re.search(r"^# Protobuf Python Version: .*$", text, re.M)
    return m and m.group(0)


def test_messages_live_in_a_private_pool():
    from google.protobuf import descriptor_pool
    with pytest.raises(KeyError):
        descriptor_pool.Default().FindFileByName("graph.proto")
    assert graph_pb2.GraphDef.DESCRIPTOR.full_name == "tensorflow.GraphDef"


def test_text_format_round_trip():
    g = graph_pb2.GraphDef()
    n = g.node.add(name="c", op="Const")
    n.attr["dtype"].type = 1
    n.attr["value"].tensor.dtype = 1
    n.attr["value"].tensor.float_val.append(2.5)
    g.versions.producer = 134
    txt = text_format.MessageToString(g)
    assert 'op: "Const"' in txt and "DT_FLOAT" in txt
    assert text_format.Parse(txt, graph_pb2.GraphDef()) == g


def test_empty_list_attr_is_written():
    a = attr_value_pb2.AttrValue()
    a.list.SetInParent()
    assert a.SerializeToString() == b"\x0a\x00"
    assert attr_value_pb2.AttrValue(b=False).SerializeToString() == b"\x28\x00"


def test_bundle_header_bytes():
    h = tensor_bundle_pb2.BundleHeaderProto(num_shards=1)
    h.version.producer = 1
    assert h.SerializeToString() == bytes.fromhex("08011a020801")


# -- against TensorFlow ------------------------------------------------------------------
def _tf_modules():
    pytest.importorskip("tensorflow")
    from tensorflow.core.framework import (attr_value_pb2 as a, graph_pb2 as g, tensor_pb2 as t,
                                           variable_pb2 as v)
    from tensorflow.core.protobuf import (meta_graph_pb2 as m, saver_pb2 as s,
                                          tensor_bundle_pb2 as b)
    from tensorflow.python.training import checkpoint_state_pb2 as c
    return {"attr_value": a, "graph": g, "tensor": t, "variable": v, "meta_graph": m,
            "saver": s, "tensor_bundle": b, "checkpoint_state": c}


def _check_fields(ours, theirs, path):
    assert ours.full_name == theirs.full_name, path
    for f in ours.fields:
        tf_f = theirs.fields_by_number.get(f.number)
        assert tf_f is not None, f"{path}.{f.name}: TF has no field {f.number}"
        assert (f.name, f.type, f.is_repeated) == (tf_f.name, tf_f.type, tf_f.is_repeated), \
            f"{path}.{f.name} differs from TF's"
        if f.is_repeated and f.type not in (f.TYPE_MESSAGE, f.TYPE_STRING, f.TYPE_BYTES):
            assert f.is_packed == tf_f.is_packed, f"{path}.{f.name} packing"
        if f.enum_type is not None:
            tf_vals = {v.name: v.number for v in tf_f.enum_type.values}
            for v in f.enum_type.values:
                assert tf_vals.get(v.name) == v.number, f"{path}.{f.name}: enum {v.name}"
        if (f.containing_oneof is None) != (tf_f.containing_oneof is None):
            raise AssertionError(f"{path}.{f.name}: oneof membership differs")
    for nested in ours.nested_types:
        _check_fields(nested, theirs.nested_types_by_name[nested.name], path + "." + nested.name)


def test_field_numbers_and_types_match_tensorflow():
    """Every message and enum of ours has TF's numbers, types and labels (looked up by
    full name in TF's descriptor pool, so protos added later are checked too)."""
    _tf_modules()
    from google.protobuf import descriptor_pool
    from tensorflow.core.framework import (function_pb2, node_def_pb2, op_def_pb2,  # noqa: F401
                                           resource_handle_pb2, tensor_slice_pb2,
                                           step_stats_pb2, types_pb2, versions_pb2)
    from tensorflow.core.protobuf import config_pb2  # noqa: F401
    pool = descriptor_pool.Default()
    for name in PROTOS:
        ours = importlib.import_module(f"flowgraph.proto.{name}_pb2").DESCRIPTOR
        for md in ours.message_types_by_name.values():
            _check_fields(md, pool.FindMessageTypeByName(md.full_name), md.full_name)
        for ed in ours.enum_types_by_name.values():
            theirs = pool.FindEnumTypeByName(ed.full_name)
            tf_vals = {v.name: v.number for v in theirs.values}
            assert {v.name: v.number for v in ed.values} == tf_vals, ed.full_name


def _sample_meta_graph():
    m = meta_graph_pb2.MetaGraphDef()
    m.meta_info_def.tensorflow_version = "flowgraph"
    m.meta_info_def.stripped_default_attrs = True
    n = m.graph_def.node.add(name="w", op="VariableV2")
    n.attr["dtype"].type = 1
    d = n.attr["shape"].shape.dim.add()
    d.size = 3
    n.attr["_class"].list.s.append(b"loc:@w")
    c = m.graph_def.node.add(name="c", op="Const")
    c.attr["value"].tensor.dtype = 1
    c.attr["value"].tensor.tensor_shape.dim.add().size = 2
    c.attr["value"].tensor.tensor_content = b"\x00" * 8
    c.input.append("^w")
    m.graph_def.versions.producer = 134
    m.saver_def.filename_tensor_name = "save/Const:0"
    m.saver_def.version = saver_pb2.SaverDef.V2
    m.saver_def.keep_checkpoint_every_n_hours = 10000.0
    v = variable_pb2.VariableDef(variable_name="w:0", initializer_name="w/Assign",
                                 snapshot_name="w/read:0", trainable=True)
    m.collection_def["variables"].bytes_list.value.append(v.SerializeToString())
    m.collection_def["train_op"].node_list.value.append("train")
    m.collection_def["ints"].int64_list.value.extend([1, -2])
    return m


def test_our_bytes_parse_with_tensorflow_and_back():
    tf_mods = _tf_modules()
    m = _sample_meta_graph()
    theirs = tf_mods["meta_graph"].MetaGraphDef()
    theirs.ParseFromString(m.SerializeToString())
    assert text_format.MessageToString(theirs) == text_format.MessageToString(m)
    assert theirs.graph_def.node[0].attr["shape"].shape.dim[0].size == 3
    back = meta_graph_pb2.MetaGraphDef()
    back.ParseFromString(theirs.SerializeToString())
    assert back == m
    # TF's text format parses with ours.
    assert text_format.Parse(text_format.MessageToString(theirs),
                             meta_graph_pb2.MetaGraphDef()) == m
    st = checkpoint_state_pb2.CheckpointState(model_checkpoint_path="m-2",
                                             all_model_checkpoint_paths=["m-1", "m-2"])
    tf_st = tf_mods["checkpoint_state"].CheckpointState()
    text_format.Parse(text_format.MessageToString(st), tf_st)
    assert list(tf_st.all_model_checkpoint_paths) == ["m-1", "m-2"]
    e = tensor_bundle_pb2.BundleEntryProto(dtype=1, offset=52, size=48, crc32c=0xFFFFFFF0)
    e.shape.dim.add().size = 4
    tf_e = tf_mods["tensor_bundle"].BundleEntryProto()
    tf_e.ParseFromString(e.SerializeToString())
    assert (tf_e.offset, tf_e.size, tf_e.crc32c, tf_e.shape.dim[0].size) == (52, 48, 0xFFFFFFF0, 4)


def test_tensorflow_graph_def_parses_with_ours():
    tf = pytest.importorskip("tensorflow")
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        tf.matmul(x, tf.ones([3, 2]), name="y")
    data = g.as_graph_def(add_shapes=True).SerializeToString()
    ours = graph_pb2.GraphDef()
    ours.ParseFromString(data)
    assert [n.name for n in ours.node] == [n.name for n in g.as_graph_def().node]
    from tensorflow.core.framework import graph_pb2 as tf_graph_pb2
    assert tf_graph_pb2.GraphDef.FromString(ours.SerializeToString()) == \
        tf_graph_pb2.GraphDef.FromString(data)
