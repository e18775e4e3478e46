"""`tf.ConfigProto`, `tf.GPUOptions`, `tf.GraphOptions`, `tf.OptimizerOptions`,
`tf.RunOptions`, `tf.RunMetadata`: TF's protocol messages (wire-compatible with TF's).

flowgraph acts on device_count, log_device_placement, allow_soft_placement,
intra_op_parallelism_threads (the BLAS threads: runtime/threads.py),
inter_op_parallelism_threads and RunOptions.trace_level; other fields are kept and
serialized, as TF keeps the ones a build does not use."""
from flowgraph.proto.cluster_pb2 import ClusterDef, JobDef  # noqa: F401
from flowgraph.proto.config_pb2 import (ConfigProto, GPUOptions, GraphOptions,  # noqa: F401
                                        OptimizerOptions, RunMetadata, RunOptions,
                                        SessionMetadata, ThreadPoolOptionProto)
