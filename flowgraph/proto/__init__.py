"""Generated protobuf modules for TF's file formats (from `proto/`, by
`scripts/gen_protos.py`): `graph_pb2.GraphDef`, `meta_graph_pb2.MetaGraphDef`, ...

The messages are wire- and text-compatible with TensorFlow's own, registered in a
private descriptor pool (see `_pool`)."""
