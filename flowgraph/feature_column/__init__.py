"""`tf.feature_column` (TF1's v1 columns): how raw features become model inputs.
`input_layer` and `linear_model` build the graph; `make_parse_example_spec` gives the
`tf.parse_example` spec the columns read."""
from flowgraph.feature_column.numeric import numeric_column, bucketized_column
from flowgraph.feature_column.categorical import (
    categorical_column_with_hash_bucket, categorical_column_with_vocabulary_list,
    categorical_column_with_vocabulary_file, categorical_column_with_identity,
    weighted_categorical_column)
from flowgraph.feature_column.crossed import crossed_column
from flowgraph.feature_column.dense import indicator_column, embedding_column, \
    shared_embedding_columns
from flowgraph.feature_column.sequence import (
    sequence_categorical_column_with_identity, sequence_categorical_column_with_hash_bucket,
    sequence_categorical_column_with_vocabulary_file,
    sequence_categorical_column_with_vocabulary_list, sequence_numeric_column)
from flowgraph.feature_column.models import input_layer, linear_model, \
    make_parse_example_spec

__all__ = ["numeric_column", "bucketized_column", "categorical_column_with_hash_bucket",
           "categorical_column_with_vocabulary_list", "categorical_column_with_vocabulary_file",
           "categorical_column_with_identity", "weighted_categorical_column",
           "crossed_column", "indicator_column", "embedding_column",
           "shared_embedding_columns",
           "input_layer", "linear_model", "make_parse_example_spec",
           "sequence_categorical_column_with_identity",
           "sequence_categorical_column_with_hash_bucket",
           "sequence_categorical_column_with_vocabulary_file",
           "sequence_categorical_column_with_vocabulary_list", "sequence_numeric_column"]
