"""Graph <-> protobuf: `Graph.as_graph_def`, `Operation.node_def`, `Variable.to_proto`,
`tf.train.write_graph`, and the AttrValue encoding both directions share.

Attrs whose value equals the op's registered default are left out of the NodeDef (TF's
"strip default attrs"): older TF releases reject attrs they do not know, and every
reader fills defaults back in."""
import os

import numpy as np
from google.protobuf import text_format

from flowgraph.framework import dtypes, tensor_shape, tensor_util
from flowgraph.framework.durable import atomic_write
from flowgraph.proto import attr_value_pb2, graph_pb2, node_def_pb2, variable_pb2

from flowgraph.version import GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER  # noqa: F401


# -- attrs --------------------------------------------------------------------------------
def _scalar_kind(v, hint=None):
    if isinstance(v, attr_value_pb2.AttrValue):
        return "attr"
    if isinstance(v, (bool, np.bool_)):
        return "b"
    if isinstance(v, (int, np.integer)):
        return "f" if isinstance(hint, float) else "i"
    if isinstance(v, (float, np.floating)):
        return "f"
    if isinstance(v, (str, bytes)):
        return "s"
    if isinstance(v, (dtypes.DType, np.dtype)) or (isinstance(v, type) and
                                                  issubclass(v, np.generic)):
        return "type"
    if isinstance(v, tensor_shape.TensorShape):
        return "shape"
    if isinstance(v, np.ndarray):
        return "tensor"
    if hasattr(v, "tensor_shape") and hasattr(v, "tensor_content"):
        return "tensor"
    if hasattr(v, "dim") and hasattr(v, "unknown_rank"):
        return "shape"
    if hasattr(v, "name") and isinstance(getattr(v, "name"), str):
        return "func"
    raise TypeError(f"Cannot store {type(v).__name__} {v!r:.60} in an AttrValue")


def _encode_scalar(kind, v):
    if kind == "b":
        return bool(v)
    if kind == "i":
        return int(v)
    if kind == "f":
        return float(v)
    if kind == "s":
        return v.encode() if isinstance(v, str) else bytes(v)
    if kind == "type":
        return dtypes.as_dtype(v).base_dtype.as_datatype_enum
    if kind == "shape":
        return tensor_util.shape_to_proto(v) if isinstance(v, tensor_shape.TensorShape) \
            else v
    if kind == "tensor":
        return tensor_util.compact_tensor_proto(v) if isinstance(v, np.ndarray) \
            else tensor_util.make_tensor_proto(v)
    if kind == "func":
        return attr_value_pb2.NameAttrList(name=v.name)
    raise AssertionError(kind)


def attr_value(value, hint=None):
    """The AttrValue for a Python attr value; `hint` (the registered default) decides
    between int and float."""
    av = attr_value_pb2.AttrValue()
    if isinstance(value, attr_value_pb2.AttrValue):
        av.CopyFrom(value)
        return av
    if isinstance(value, (list, tuple)):
        av.list.SetInParent()
        if not value:
            return av
        hint0 = hint[0] if isinstance(hint, (list, tuple)) and hint else None
        kinds = {_scalar_kind(x, hint0) for x in value}
        if kinds == {"i", "f"}:
            kinds = {"f"}
        if len(kinds) != 1 or "attr" in kinds:
            raise TypeError(f"Cannot store a list of mixed kinds {sorted(kinds)} in an AttrValue")
        kind = kinds.pop()
        field = getattr(av.list, kind)
        items = [_encode_scalar(kind, x) for x in value]
        if kind in ("shape", "tensor", "func"):
            for x in items:
                field.add().CopyFrom(x)
        else:
            field.extend(items)
        return av
    kind = _scalar_kind(value, hint)
    enc = _encode_scalar(kind, value)
    if kind in ("shape", "tensor", "func"):
        getattr(av, kind).CopyFrom(enc)
    else:
        setattr(av, kind, enc)
    return av


def _decode_scalar(kind, v):
    if kind == "s":
        try:
            return v.decode()
        except UnicodeDecodeError:
            return v
    if kind == "type":
        return dtypes.as_dtype(v)
    if kind == "shape":
        return tensor_util.shape_from_proto(v)
    if kind == "tensor":
        arr = tensor_util.MakeNdarray(v, lazy=True)
        arr.flags.writeable = False
        return arr
    if kind == "func":
        return v.name
    if kind == "b":
        return bool(v)
    if kind == "f":
        return float(v)
    return int(v)


def attr_value_to_python(av):
    """The Python value flowgraph keeps for an AttrValue (None if it holds no value)."""
    kind = av.WhichOneof("value")
    if kind is None:
        return None
    if kind == "placeholder":
        raise ValueError(f"Attr placeholder {av.placeholder!r} is only valid in functions")
    if kind != "list":
        return _decode_scalar(kind, getattr(av, kind))
    lv = av.list
    for k in ("s", "i", "f", "b", "type", "shape", "tensor", "func"):
        items = getattr(lv, k)
        if len(items):
            return [_decode_scalar(k, x) for x in items]
    return []


def _same_attr(value, default):
    try:
        return attr_value(value, default).SerializeToString(deterministic=True) == \
            attr_value(default, default).SerializeToString(deterministic=True)
    except TypeError:
        return False


# -- nodes and graphs ---------------------------------------------------------------------
def node_def(op, add_shapes=False, strip_defaults=True):
    """The NodeDef of `op`: name, type, inputs (data, then `^control`), device, attrs
    (those equal to the op's default left out unless `strip_defaults` is False)."""
    nd = node_def_pb2.NodeDef(name=op.name, op=op.type)
    nd.input.extend(t._as_node_def_input() for t in op._inputs)
    nd.input.extend("^" + c.name for c in op._control_inputs)
    if op.device:
        nd.device = op.device
    defaults = op._op_def.attrs
    for k in sorted(op._attrs):
        v = op._attrs[k]
        if v is None:
            continue
        if strip_defaults and k in defaults and defaults[k] is not None and \
                k not in op._op_def.required_attrs and _same_attr(v, defaults[k]):
            continue
        try:
            nd.attr[k].CopyFrom(attr_value(v, defaults.get(k)))
        except TypeError as e:
            raise TypeError(f"Attr '{k}' of op '{op.name}' ({op.type}): {e}") from None
    if add_shapes:
        shapes = nd.attr["_output_shapes"].list
        nd.attr["_output_shapes"].list.SetInParent()
        for t in op._outputs:
            shapes.shape.add().CopyFrom(tensor_util.shape_to_proto(t.shape))
    return nd


def as_graph_def(graph, add_shapes=False):
    """The GraphDef of `graph`, ops in creation order. A graph with functional control
    flow (`If`/`While`) also gets a function library (see `function_io`)."""
    from flowgraph.framework import function_io
    if function_io.has_functions(graph):
        return function_io.graph_def_with_library(graph, add_shapes)
    gd = graph_pb2.GraphDef()
    gd.versions.producer = GRAPH_DEF_VERSION
    gd.versions.min_consumer = GRAPH_DEF_VERSION_MIN_CONSUMER
    with graph._lock:
        ops = list(graph._ops)
    for op in ops:
        gd.node.add().CopyFrom(node_def(op, add_shapes))
    return gd


def as_our_graph_def(graph_def):
    """`graph_def` (ours, TF's, or serialized bytes) as flowgraph's GraphDef message."""
    if isinstance(graph_def, graph_pb2.GraphDef):
        return graph_def
    if isinstance(graph_def, (bytes, bytearray)):
        return graph_pb2.GraphDef.FromString(bytes(graph_def))
    if hasattr(graph_def, "SerializeToString") and hasattr(graph_def, "node"):
        return graph_pb2.GraphDef.FromString(graph_def.SerializeToString())
    raise TypeError(f"graph_def must be a GraphDef proto, got {type(graph_def).__name__}")


# -- names --------------------------------------------------------------------------------
def strip_name_scope(name, export_scope):
    """`name` without the leading `export_scope/` (also inside `^x` and `loc:@x`)."""
    if not export_scope:
        return name
    scope = export_scope if export_scope.endswith("/") else export_scope + "/"
    for lead in ("^", "loc:@", ""):
        if name.startswith(lead + scope):
            return lead + name[len(lead) + len(scope):]
    return name


def prepend_name_scope(name, import_scope):
    """`import_scope/name` (also inside `^x` and `loc:@x`)."""
    if not import_scope:
        return name
    scope = import_scope if import_scope.endswith("/") else import_scope + "/"
    for lead in ("^", "loc:@"):
        if name.startswith(lead):
            return lead + scope + name[len(lead):]
    return scope + name


def variable_to_proto(var, export_scope=None):
    """The VariableDef of `var`, names relative to `export_scope`; None if `var` is not
    under that scope."""
    name = var.op.name
    if export_scope and not (name + "/").startswith(export_scope.rstrip("/") + "/"):
        return None
    d = variable_pb2.VariableDef()
    d.variable_name = strip_name_scope(_ref_tensor(var).name, export_scope)
    iv = getattr(var, "_initial_value", None)
    if iv is not None:
        d.initial_value_name = strip_name_scope(iv.name, export_scope)
    d.initializer_name = strip_name_scope(var.initializer.name, export_scope)
    snap = getattr(var, "_snapshot", None)
    if snap is None:
        snap = var.value()
    d.snapshot_name = strip_name_scope(snap.name, export_scope)
    d.trainable = bool(getattr(var, "trainable", True))
    d.is_resource = False
    return d


def _ref_tensor(var):
    t = getattr(var, "_variable", None)
    return t if t is not None else var._ref()


# -- files --------------------------------------------------------------------------------
def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a graph (or GraphDef) to `logdir/name`, as text or binary; returns the path."""
    g = graph_or_graph_def
    gd = g.as_graph_def() if hasattr(g, "as_graph_def") and hasattr(g, "get_operations") \
        else as_our_graph_def(g)
    path = os.path.join(os.fspath(logdir), name)
    if as_text:
        atomic_write(path, text_format.MessageToString(gd))
    else:
        atomic_write(path, gd.SerializeToString(deterministic=True))
    return path


def read_graph_def(path):
    """A GraphDef from a binary or text file (the format is detected)."""
    with open(path, "rb") as f:
        data = f.read()
    gd = graph_pb2.GraphDef()
    try:
        gd.ParseFromString(data)
        return gd
    except Exception:  # noqa: BLE001 - not binary: try text
        pass
    try:
        return text_format.Parse(data.decode(), graph_pb2.GraphDef())
    except (UnicodeDecodeError, text_format.ParseError) as e:
        raise ValueError(f"{path} is neither a binary nor a text GraphDef: {e}") from None
