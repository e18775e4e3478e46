"""MetaGraphDef: a GraphDef plus collections, the SaverDef and meta info
(`tf.train.export_meta_graph`; `tf.train.import_meta_graph`, which also makes a Saver, is
in `train/saver.py`). Collections of serialized protos (variables, savers) are rebuilt by
the `from_proto` functions their owners register here, as TF's `register_proto_function`."""
import logging
import os

from google.protobuf import any_pb2, text_format
from google.protobuf.message import DecodeError

from flowgraph.framework import graph_io
from flowgraph.framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from flowgraph.framework.importer import import_graph_def
from flowgraph.proto import meta_graph_pb2, saver_pb2
from flowgraph import version

__all__ = ["export_meta_graph", "read_meta_graph_file", "export_scoped_meta_graph",
           "import_scoped_meta_graph", "MetaGraphDef", "register_proto_function"]

MetaGraphDef = meta_graph_pb2.MetaGraphDef
_log = logging.getLogger("flowgraph")

_FROM_PROTO = {}  # collection key -> from_proto(serialized bytes, import_scope, memo)


def register_proto_function(collection_name, from_proto):
    """Items of `collection_name` are stored as serialized protos (they have `to_proto`) and
    rebuilt on import by `from_proto(data, import_scope, memo)`; `memo` is one dict per
    import, so an object listed in several collections is rebuilt once."""
    _FROM_PROTO[collection_name] = from_proto


def _is_variable(v):
    return hasattr(v, "to_proto") and hasattr(v, "initializer") and hasattr(v, "_ref")


def _is_saver(v):
    return hasattr(v, "saver_def") and hasattr(v, "to_proto")


def _is_any(v):
    """A google.protobuf.Any (protobuf's own class or our descriptor pool's)."""
    return getattr(getattr(v, "DESCRIPTOR", None), "full_name", None) == "google.protobuf.Any"


def _add_collection(meta, key, values, export_scope):
    """Stores one collection in `meta`; returns False (and logs) if it cannot."""
    cd = meta_graph_pb2.CollectionDef()
    values = list(values)
    if not values:
        return False
    if all(_is_variable(v) or _is_saver(v) for v in values) or (
            key in _FROM_PROTO and all(hasattr(v, "to_proto") for v in values)):
        for v in values:
            p = v.to_proto(export_scope=export_scope)
            if p is not None:
                cd.bytes_list.value.append(p.SerializeToString())
    elif all(_is_any(v) for v in values):  # e.g. SavedModel assets
        for v in values:
            cd.any_list.value.add(type_url=v.type_url, value=v.value)
    elif all(isinstance(v, (Tensor, Operation)) for v in values):
        for v in values:
            name = graph_io.strip_name_scope(v.name, export_scope)
            if export_scope and name == v.name:
                continue
            cd.node_list.value.append(name)
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        cd.int64_list.value.extend(values)
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        cd.float_list.value.extend(float(v) for v in values)
    elif all(isinstance(v, (bytes, str)) for v in values):
        cd.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in values)
    else:
        _log.warning("Cannot export collection %r: its items are not all variables, "
                     "tensors, operations, numbers or strings", key)
        return False
    if cd.WhichOneof("kind") is None:
        return False
    meta.collection_def[key].CopyFrom(cd)
    return True


def _scope_graph_def(gd, export_scope):
    """The nodes under `export_scope`, with the scope stripped from all names."""
    from flowgraph.proto import graph_pb2
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.library.CopyFrom(gd.library)  # function bodies use their own local names
    prefix = export_scope.rstrip("/") + "/"
    for n in gd.node:
        if not n.name.startswith(prefix):
            continue
        m = out.node.add()
        m.CopyFrom(n)
        m.name = n.name[len(prefix):]
        del m.input[:]
        for s in n.input:
            stripped = graph_io.strip_name_scope(s, export_scope)
            if stripped == s:
                raise ValueError(f"Node '{n.name}' has input '{s}' from outside the "
                                 f"export scope '{export_scope}'")
            m.input.append(stripped)
        if "_class" in m.attr:
            locs = [graph_io.strip_name_scope(c.decode(), export_scope).encode()
                    for c in m.attr["_class"].list.s]
            del m.attr["_class"].list.s[:]
            m.attr["_class"].list.s.extend(locs)
    return out


def _clear_devices(gd):
    for n in gd.node:
        n.device = ""
    for f in gd.library.function:
        for n in f.node_def:
            n.device = ""


def export_scoped_meta_graph(filename=None, graph_def=None, graph=None, export_scope=None,
                             as_text=False, unbound_inputs_col_name="unbound_inputs",
                             clear_devices=False, saver_def=None, clear_extraneous_savers=False,
                             strip_default_attrs=False, save_debug_info=False,
                             meta_info_def=None, collection_list=None, **kwargs):
    """Builds a MetaGraphDef of `graph` (default graph) restricted to `export_scope`,
    writes it to `filename` if given; returns (meta_graph_def, {name: variable})."""
    graph = graph or get_default_graph()
    if graph_def is None:
        graph_def = graph_io.as_graph_def(graph, add_shapes=True)
    else:
        graph_def = graph_io.as_our_graph_def(graph_def)
    if export_scope:
        graph_def = _scope_graph_def(graph_def, export_scope)
    if clear_devices:
        _clear_devices(graph_def)
    meta = meta_graph_pb2.MetaGraphDef()
    if meta_info_def is not None:
        meta.meta_info_def.CopyFrom(meta_info_def)
    meta.meta_info_def.stripped_default_attrs = True
    meta.meta_info_def.tensorflow_version = version.VERSION
    meta.meta_info_def.tensorflow_git_version = version.GIT_VERSION
    meta.graph_def.CopyFrom(graph_def)
    if saver_def is not None:
        sd = saver_pb2.SaverDef.FromString(saver_def.SerializeToString())
        for f in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            setattr(sd, f, graph_io.strip_name_scope(getattr(sd, f), export_scope))
        meta.saver_def.CopyFrom(sd)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        if not isinstance(key, str):
            continue
        values = graph.get_collection(key)
        if clear_extraneous_savers and key == GraphKeys.SAVERS:
            continue
        _add_collection(meta, key, values, export_scope)
    if filename:
        filename = os.fspath(filename)
        if as_text:
            graph_io.atomic_write(filename, text_format.MessageToString(meta))
        else:
            graph_io.atomic_write(filename, meta.SerializeToString(deterministic=True))
    variables = {}
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
        name = graph_io.strip_name_scope(v.op.name, export_scope)
        if not export_scope or name != v.op.name:
            variables[name] = v
    return meta, variables


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, **kwargs):
    """Returns the MetaGraphDef of the graph (writing it to `filename` if given): the
    GraphDef with `_output_shapes`, the collections, and `saver_def`."""
    meta, _ = export_scoped_meta_graph(
        filename=filename, graph_def=graph_def, graph=graph, export_scope=export_scope,
        as_text=as_text, clear_devices=clear_devices, saver_def=saver_def,
        clear_extraneous_savers=clear_extraneous_savers, meta_info_def=meta_info_def,
        collection_list=collection_list)
    return meta


def read_meta_graph_file(filename):
    """A MetaGraphDef from a binary or text file."""
    filename = os.fspath(filename)
    if not os.path.isfile(filename):
        raise IOError(f"File {filename} does not exist.")
    with open(filename, "rb") as f:
        data = f.read()
    meta = meta_graph_pb2.MetaGraphDef()
    try:
        meta.ParseFromString(data)
        return meta
    except (DecodeError, RuntimeError, ValueError):
        pass
    try:
        return text_format.Parse(data.decode(), meta_graph_pb2.MetaGraphDef())
    except (UnicodeDecodeError, text_format.ParseError) as e:
        raise IOError(f"Cannot parse file {filename}: {e}") from None


def as_meta_graph_def(meta_graph_or_file):
    if isinstance(meta_graph_or_file, meta_graph_pb2.MetaGraphDef):
        return meta_graph_or_file
    if hasattr(meta_graph_or_file, "SerializeToString") and \
            hasattr(meta_graph_or_file, "graph_def"):
        return meta_graph_pb2.MetaGraphDef.FromString(meta_graph_or_file.SerializeToString())
    return read_meta_graph_file(meta_graph_or_file)


def import_scoped_meta_graph(meta_graph_or_file, clear_devices=False, graph=None,
                             import_scope=None, input_map=None,
                             unbound_inputs_col_name="unbound_inputs",
                             restore_collections_predicate=lambda key: True):
    """Imports a MetaGraphDef's graph and collections into `graph` (default graph) under
    `import_scope`; returns {name: variable} of the imported global variables."""
    meta = as_meta_graph_def(meta_graph_or_file)
    graph = graph or get_default_graph()
    gd = graph_io.as_our_graph_def(meta.graph_def)
    if clear_devices:
        gd = type(gd).FromString(gd.SerializeToString())
        _clear_devices(gd)
    with graph.as_default():
        import_graph_def(gd, input_map=input_map, name=import_scope or "")
        by_name = {}
        for key in sorted(meta.collection_def):
            if not restore_collections_predicate(key):
                continue
            try:
                _import_collection(graph, key, meta.collection_def[key], import_scope,
                                   by_name)
            except (KeyError, DecodeError, RuntimeError) as e:
                raise ValueError(f"Cannot restore collection {key!r} of the meta graph: "
                                 f"{e}") from None
    scope = (import_scope.rstrip("/") + "/") if import_scope else ""
    return {v.op.name[len(scope):]: v
            for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
            if v.op.name.startswith(scope)}


def _import_collection(graph, key, cd, import_scope, by_name):
    """Adds one stored collection to `graph` (variables are shared between collections
    through `by_name`)."""
    kind = cd.WhichOneof("kind")
    if kind == "node_list":
        for name in cd.node_list.value:
            graph.add_to_collection(key, graph.as_graph_element(
                graph_io.prepend_name_scope(name, import_scope)))
    elif kind == "bytes_list" and key in _FROM_PROTO:
        for data in cd.bytes_list.value:
            graph.add_to_collection(key, _FROM_PROTO[key](data, import_scope, by_name))
    elif kind == "bytes_list":
        for data in cd.bytes_list.value:
            graph.add_to_collection(key, data)
    elif kind in ("int64_list", "float_list"):
        for x in getattr(cd, kind).value:
            graph.add_to_collection(key, x)
    elif kind == "any_list":
        for x in cd.any_list.value:
            graph.add_to_collection(key, any_pb2.Any(type_url=x.type_url, value=x.value))
    else:
        _log.warning("Cannot import collection %r of kind %s", key, kind)
