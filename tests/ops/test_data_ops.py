"""The dataset and iterator ops are covered by tests/data/ and the conformance tests
against TF (their values are datasets, not arrays an op-table case can compare)."""

import flowgraph as tf
from flowgraph.framework.op_builder import apply_op

_WHERE = "tests/data/ and tests/conformance/test_data_*.py (dataset values)"
EXEMPT = {n: _WHERE for n in (
    "TensorSliceDataset", "TensorDataset", "RangeDataset", "BatchDatasetV2",
    "RepeatDataset", "TakeDataset", "SkipDataset", "PrefetchDataset", "UnbatchDataset",
    "WindowDataset", "IgnoreErrorsDataset", "ModelDataset", "OptionsDataset",
    "RewriteDataset",
    "CacheDataset", "ShuffleDataset", "ZipDataset", "ConcatenateDataset",
    "PaddedBatchDatasetV2", "MapDataset", "ParallelMapDatasetV2", "FilterDataset",
    "FlatMapDataset", "InterleaveDataset", "ParallelInterleaveDatasetV4", "MapAndBatchDataset",
    "IteratorV2", "DatasetCardinality",
    "OneShotIterator", "MakeIterator", "IteratorGetNext", "IteratorToStringHandle",
    "IteratorFromStringHandleV2", "GeneratorDataset", "TextLineDataset",
    "TFRecordDataset", "FixedLengthRecordDatasetV2")}


def test_model_and_options_datasets_pass_elements_through():
    """TF's graphs may hold ModelDataset/OptionsDataset (autotuning, options): their
    elements are their input's."""
    ds = tf.data.Dataset.range(4)
    attrs = {"output_types": [tf.int64], "output_shapes": [tf.TensorShape([])]}
    v = apply_op("ModelDataset", [ds._variant_tensor], attrs)
    v = apply_op("OptionsDataset", [v], dict(attrs, serialized_options=""))
    x = tf.compat.v1.data.make_one_shot_iterator(
        tf.data.Dataset(v, ds.element_spec)).get_next()
    with tf.Session() as s:
        assert [s.run(x) for _ in range(4)] == [0, 1, 2, 3]
