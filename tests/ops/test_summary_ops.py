"""Summary ops are tested by decoding their serialized protobufs in tests/summary/ (and
byte for byte against TF in tests/conformance/test_summary_conformance.py)."""

_WHERE = "tests/summary/test_summary_ops.py"
EXEMPT = {op: _WHERE for op in ("ScalarSummary", "HistogramSummary", "ImageSummary",
                                "AudioSummary", "AudioSummaryV2", "TensorSummaryV2",
                                "MergeSummary")}
CASES = []
