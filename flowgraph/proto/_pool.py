"""flowgraph's own protobuf descriptor pool.

Our messages use TF's package name (`tensorflow.GraphDef`...) so their text format and
type names match TF's; keeping them out of protobuf's default pool lets real TensorFlow
be imported in the same process without a duplicate-symbol clash."""
from google.protobuf import any_pb2, descriptor_pool

POOL = descriptor_pool.DescriptorPool()
POOL.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)  # meta_graph.proto imports it
