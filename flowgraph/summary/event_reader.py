"""Reading event files back, verifying every CRC.

    for event in summary_iterator(path):
        ...

Event files are TFRecord files (`framework/tf_record.py`); corrupt or truncated records
raise `tf.errors.DataLossError`."""
import glob
import os

from flowgraph.framework import errors
from flowgraph.framework.tf_record import tf_record_iterator

__all__ = ["tf_record_iterator", "summary_iterator", "event_files", "read_events"]


def summary_iterator(path):
    """Yields each `Event` protobuf (tensorboardX's generated class) of an event file."""
    from tensorboardX.proto import event_pb2
    for data in tf_record_iterator(path):
        e = event_pb2.Event()
        try:
            e.ParseFromString(data)
        except Exception as exc:
            raise errors.DataLossError(None, None, f"unparsable Event in {path}: {exc}") \
                from None
        yield e


def event_files(logdir):
    """The event files of `logdir`, oldest name first."""
    return sorted(glob.glob(os.path.join(os.fspath(logdir), "*tfevents*")))


def read_events(logdir):
    """Every `Event` of every event file in `logdir`, file by file."""
    return [e for p in event_files(logdir) for e in summary_iterator(p)]
