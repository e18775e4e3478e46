"""`RunMetadata` as a protobuf: flowgraph's `tf.RunMetadata` is a plain Python object
(filled by a traced `Session.run`); `to_proto` gives the wire-compatible
`tensorflow.RunMetadata` message that TensorBoard reads."""
from flowgraph.proto import config_pb2, step_stats_pb2

__all__ = ["to_proto", "step_stats_to_proto"]

_NODE_FIELDS = ("node_name", "all_start_micros", "op_start_rel_micros", "op_end_rel_micros",
                "all_end_rel_micros", "timeline_label", "scheduled_micros", "thread_id",
                "all_start_nanos", "op_start_rel_nanos", "op_end_rel_nanos",
                "all_end_rel_nanos", "scheduled_nanos")


def step_stats_to_proto(step_stats):
    """A `tensorflow.StepStats` message from flowgraph's (or any look-alike) StepStats."""
    if hasattr(step_stats, "SerializeToString"):
        out = step_stats_pb2.StepStats()
        out.ParseFromString(step_stats.SerializeToString())
        return out
    out = step_stats_pb2.StepStats()
    for dev in step_stats.dev_stats:
        d = out.dev_stats.add(device=dev.device)
        for name, value in dict(getattr(dev, "thread_names", None) or {}).items():
            d.thread_names[int(name)] = value
        for ns in dev.node_stats:
            n = d.node_stats.add()
            for f in _NODE_FIELDS:
                v = getattr(ns, f, None)
                if v:
                    setattr(n, f, v)
    return out


def to_proto(run_metadata):
    """A `tensorflow.RunMetadata` message (flowgraph's private proto class)."""
    if hasattr(run_metadata, "SerializeToString"):
        out = config_pb2.RunMetadata()
        out.ParseFromString(run_metadata.SerializeToString())
        return out
    out = config_pb2.RunMetadata()
    out.step_stats.CopyFrom(step_stats_to_proto(run_metadata.step_stats))
    for g in getattr(run_metadata, "partition_graphs", None) or ():
        out.partition_graphs.add().ParseFromString(g.SerializeToString())
    return out
