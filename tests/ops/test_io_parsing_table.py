"""Op-table cases for the decode ops; the parsing, file, queue and reader ops are
stateful or proto-driven and tested in tests/io/."""
import gzip
import zlib

import numpy as np
import pytest

import flowgraph as tf
from tests.optest import Case, run_case


def _strings(*xs):
    a = np.empty(len(xs), dtype=object)
    a[:] = list(xs)
    return a


_RAW = _strings(b"\x01\x02\x03\x04\xff\xfe", b"\x00\x01\x00\x02\x00\x03")

CASES = [
    Case("DecodeRaw", lambda s: tf.decode_raw(s, tf.int16), [_RAW],
         ref=lambda s: np.stack([np.frombuffer(b, "<i2") for b in s]), name="DecodeRaw_le"),
    Case("DecodeRaw", lambda s: tf.io.decode_raw(s, tf.uint16, little_endian=False), [_RAW],
         ref=lambda s: np.stack([np.frombuffer(b, ">u2").astype(np.uint16) for b in s]),
         name="DecodeRaw_be"),
    Case("DecodeRaw", lambda s: tf.decode_raw(s, tf.float32),
         [np.asarray(np.float32([1.5, -2.0]).tobytes(), dtype=object)],
         ref=lambda s: np.float32([1.5, -2.0]), name="DecodeRaw_scalar"),
    Case("DecodeCSV", lambda r: tf.decode_csv(r, [[0], [1.0], ["d"], [np.int64(7)]]),
         [_strings(b"1,2.5,a,3", b",,,", b'"4","-1e2","x,""y""",9')],
         ref=lambda r: [np.int32([1, 0, 4]), np.float32([2.5, 1.0, -100.0]),
                        _strings(b"a", b"d", b'x,"y"'), np.int64([3, 7, 9])]),
    Case("DecodeCSV", lambda r: tf.decode_csv(r, [[0.0], ["?"]], field_delim=";",
                                              na_value="NA", select_cols=[1, 2]),
         [_strings(b"a;1;NA", b"b;NA;c")],
         ref=lambda r: [np.float32([1.0, 0.0]), _strings(b"?", b"c")],
         name="DecodeCSV_select"),
    Case("DecodeCompressed", lambda s: tf.io.decode_compressed(s, "ZLIB"),
         [_strings(zlib.compress(b"hello"), b"")], ref=lambda s: _strings(b"hello", b"")),
    Case("DecodeCompressed", lambda s: tf.io.decode_compressed(s, "GZIP"),
         [_strings(gzip.compress(b"abc" * 10))], ref=lambda s: _strings(b"abc" * 10),
         name="DecodeCompressed_gzip"),
]

EXEMPT = {
    "ParseExampleV2": "tests/io/test_example_parsing.py",
    "ParseSequenceExampleV2": "tests/io/test_example_parsing.py",
    "ReadFile": "tests/io/test_example_parsing.py",
    "WriteFile": "tests/io/test_example_parsing.py",
    "MatchingFiles": "tests/io/test_example_parsing.py",
    "SerializeTensor": "tests/io/test_example_parsing.py",
    "ParseTensor": "tests/io/test_example_parsing.py",
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case):
    run_case(case)

EXEMPT.update({op: "tests/io/test_queues.py" for op in (
    "FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2", "PriorityQueueV2",
    "QueueEnqueueV2", "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
    "QueueDequeueUpToV2", "QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2")})
EXEMPT.update({op: "tests/io/test_readers.py" for op in (
    "TFRecordReaderV2", "TextLineReaderV2", "WholeFileReaderV2", "FixedLengthRecordReaderV2",
    "IdentityReaderV2", "ReaderReadV2", "ReaderReadUpToV2", "ReaderNumRecordsProducedV2",
    "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2")})
