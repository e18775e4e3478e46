"""Reading event files (TFRecord framing) back, verifying every CRC.

    for event in summary_iterator(path):
        ...

A record is: uint64 length, uint32 masked CRC-32C of the length bytes, the data, uint32
masked CRC-32C of the data (all little-endian). Corrupt or truncated records raise
`tf.errors.DataLossError`."""
import glob
import os
import struct

from flowgraph.framework import errors

__all__ = ["tf_record_iterator", "summary_iterator", "event_files", "read_events"]


def _masked_crc():
    try:
        from flowgraph.framework import crc32c
        return lambda b: crc32c.mask(crc32c.value(b))
    except (ImportError, AttributeError):
        from tensorboardX.record_writer import masked_crc32c
        return masked_crc32c


def _loss(path, offset, what):
    return errors.DataLossError(None, None, f"{what} at byte {offset} of {path}")


def tf_record_iterator(path):
    """Yields the payload (bytes) of each record in `path`, checking both CRCs."""
    crc = _masked_crc()
    with open(path, "rb") as f:
        offset = 0
        while True:
            head = f.read(12)
            if not head:
                return
            if len(head) < 12:
                raise _loss(path, offset, "truncated record header")
            length_bytes = head[:8]
            length, = struct.unpack("<Q", length_bytes)
            if struct.unpack("<I", head[8:])[0] != crc(length_bytes):
                raise _loss(path, offset, "corrupted record (length CRC mismatch)")
            data = f.read(length)
            tail = f.read(4)
            if len(data) < length or len(tail) < 4:
                raise _loss(path, offset, "truncated record")
            if struct.unpack("<I", tail)[0] != crc(data):
                raise _loss(path, offset, "corrupted record (data CRC mismatch)")
            yield data
            offset += 16 + length


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
