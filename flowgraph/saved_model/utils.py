"""TensorInfo protos for the tensors a SignatureDef names (`tf.saved_model.utils`)."""
from flowgraph.framework import dtypes, graph_io, tensor_shape
from flowgraph.framework.graph import get_default_graph
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.proto import meta_graph_pb2, types_pb2

__all__ = ["build_tensor_info", "get_tensor_from_tensor_info"]


def build_tensor_info(tensor):
    """A TensorInfo naming `tensor` (a Tensor, or a SparseTensor by its three component
    tensors) with its dtype and static shape."""
    info = meta_graph_pb2.TensorInfo(
        dtype=dtypes.as_dtype(tensor.dtype).as_datatype_enum,
        tensor_shape=tensor_shape.as_shape(tensor.get_shape()).as_proto())
    if isinstance(tensor, SparseTensor):
        info.coo_sparse.values_tensor_name = tensor.values.name
        info.coo_sparse.indices_tensor_name = tensor.indices.name
        info.coo_sparse.dense_shape_tensor_name = tensor.dense_shape.name
    else:
        info.name = tensor.name
    return info


def build_tensor_info_from_op(op):
    """A TensorInfo naming an op (dtype DT_INVALID, unknown shape): how init and train ops
    are kept in a SignatureDef."""
    return meta_graph_pb2.TensorInfo(
        dtype=types_pb2.DT_INVALID, name=op.name,
        tensor_shape=tensor_shape.TensorShape(None).as_proto())


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The Tensor (or SparseTensor) of `graph` (default graph) that `tensor_info` names,
    its names prefixed with `import_scope`. KeyError if there is none."""
    graph = graph or get_default_graph()

    def tensor(name):
        return graph.get_tensor_by_name(graph_io.prepend_name_scope(name, import_scope))
    encoding = tensor_info.WhichOneof("encoding")
    if encoding == "name":
        return tensor(tensor_info.name)
    if encoding == "coo_sparse":
        c = tensor_info.coo_sparse
        return SparseTensor(tensor(c.indices_tensor_name), tensor(c.values_tensor_name),
                            tensor(c.dense_shape_tensor_name))
    raise ValueError(f"Invalid TensorInfo.encoding: {encoding}. Expected `coo_sparse`, "
                     "`composite_tensor`, or `name` for a dense tensor.")


def get_element_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The op or tensor of `graph` that `tensor_info` names."""
    graph = graph or get_default_graph()
    return graph.as_graph_element(graph_io.prepend_name_scope(tensor_info.name, import_scope))
