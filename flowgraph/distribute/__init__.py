"""Distributed TF1 on Ray: `ClusterSpec`, `Server`, `replica_device_setter` and sessions
on server targets (see docs/distributed.md)."""
from flowgraph.distribute.cluster import ClusterSpec
from flowgraph.distribute.device_setter import (GreedyLoadBalancingStrategy,
                                                byte_size_load_fn, replica_device_setter)
from flowgraph.distribute.server import Server
from flowgraph.proto.cluster_pb2 import ClusterDef, JobDef
from flowgraph.proto.tensorflow_server_pb2 import ServerDef

__all__ = ["ClusterSpec", "Server", "replica_device_setter", "ClusterDef", "JobDef",
           "ServerDef"]
_ = (GreedyLoadBalancingStrategy, byte_size_load_fn)
