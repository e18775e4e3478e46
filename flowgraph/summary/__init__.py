"""`tf.summary` (TF1): summary ops and the `FileWriter` that writes them for TensorBoard.

    loss_summary = tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter("/tmp/logs", sess.graph)
    writer.add_summary(sess.run(merged), step)

The protobuf classes (`Summary`, `Event`, `SessionLog`, ...) are tensorboardX's generated
ones, wire-compatible with TensorFlow's."""
from tensorboardX.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata, LogMessage
from tensorboardX.proto.summary_pb2 import (Summary, SummaryDescription, SummaryMetadata,
                                            HistogramProto)

from flowgraph.summary.summary import (scalar, histogram, image, audio, text,
                                       tensor_summary, merge, merge_all)
from flowgraph.summary.writer import FileWriter, FileWriterCache
from flowgraph.summary.event_reader import summary_iterator

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge",
           "merge_all", "FileWriter", "FileWriterCache", "Event", "SessionLog",
           "TaggedRunMetadata", "Summary", "SummaryDescription", "SummaryMetadata",
           "LogMessage", "HistogramProto", "summary_iterator"]
