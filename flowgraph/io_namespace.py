"""`tf.io`: writing graphs and the `gfile` file helpers."""
from flowgraph import gfile  # noqa: F401
from flowgraph.framework.graph_io import write_graph  # noqa: F401
from flowgraph.framework.tensor_util import make_tensor_proto, make_ndarray  # noqa: F401

__all__ = ["gfile", "write_graph", "make_tensor_proto", "make_ndarray"]
