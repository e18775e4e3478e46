"""The input-pipeline ops have TF's signatures: input/output names, attr names, which
attrs are required (no default in TF's OpDef), and statefulness."""
import pytest

import flowgraph  # noqa: F401  (registers the ops)
from tests.optest import check_opdef_matches_tf

pytest.importorskip("tensorflow")

OPS = ["ParseExampleV2", "ParseSequenceExampleV2", "DecodeRaw", "DecodeCSV",
       "DecodeCompressed", "ReadFile", "WriteFile", "MatchingFiles",
       "FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2", "PriorityQueueV2",
       "QueueEnqueueV2", "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
       "QueueDequeueUpToV2", "QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2",
       "TFRecordReaderV2", "TextLineReaderV2", "WholeFileReaderV2",
       "FixedLengthRecordReaderV2", "IdentityReaderV2", "ReaderReadV2", "ReaderReadUpToV2",
       "ReaderNumRecordsProducedV2", "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2"]


@pytest.mark.parametrize("name", OPS)
def test_signature_matches_tf(name):
    check_opdef_matches_tf(name)
