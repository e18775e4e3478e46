"""The input-pipeline ops have TF's signatures: input/output names, attr names, which
attrs are required (no default in TF's OpDef), and statefulness."""
import pytest

import flowgraph  # noqa: F401  (registers the ops)
from flowgraph.framework import registry

pytest.importorskip("tensorflow")
from tensorflow.python.framework import op_def_registry  # noqa: E402

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
    theirs, ours = op_def_registry.get(name), registry.get(name)
    assert [a.name for a in theirs.input_arg] == [a.name for a in ours.inputs]
    assert [a.name for a in theirs.output_arg] == [a.name for a in ours.outputs]
    assert {a.name for a in theirs.attr} == set(ours.attrs)
    for a in theirs.attr:
        default = ours.attrs[a.name]
        required = default is None or isinstance(default, registry.RequiredList)
        assert required == (not a.HasField("default_value")), a.name
    assert theirs.is_stateful == ours.stateful
