"""`tf.data` in graph mode: datasets are scalar variant tensors made by host-only dataset
ops; iterators are per-session resources read by `IteratorGetNext`."""
from flowgraph.data import experimental
from flowgraph.data.dataset import AUTOTUNE, Dataset, DatasetV1
from flowgraph.data.dataset import INFINITE as INFINITE_CARDINALITY
from flowgraph.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from flowgraph.data.functions import DatasetSpec
from flowgraph.data.iterator import (Iterator, make_initializable_iterator,
                                     make_one_shot_iterator)
from flowgraph.data.options import Options, ThreadingOptions
from flowgraph.data.readers import (FixedLengthRecordDataset, TextLineDataset,
                                    TFRecordDataset)
from flowgraph.data import structure as _structure

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "DatasetV1", "FixedLengthRecordDataset",
           "INFINITE_CARDINALITY", "Iterator", "Options", "ThreadingOptions",
           "UNKNOWN_CARDINALITY", "TFRecordDataset", "TextLineDataset", "experimental",
           "get_output_classes", "get_output_shapes", "get_output_types",
           "make_initializable_iterator", "make_one_shot_iterator"]


def get_output_types(dataset_or_iterator):
    """The nest of dtypes of the elements of a dataset or iterator."""
    return _structure.types(dataset_or_iterator.element_spec)


def get_output_shapes(dataset_or_iterator):
    """The nest of static shapes of the elements of a dataset or iterator."""
    return _structure.shapes(dataset_or_iterator.element_spec)


def get_output_classes(dataset_or_iterator):
    """The nest of classes (`tf.Tensor`) of the elements of a dataset or iterator."""
    return dataset_or_iterator.output_classes
