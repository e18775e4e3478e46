"""`tf.feature_column` (TF1's v1 columns): how raw features become model inputs.
`input_layer` and `linear_model` build the graph; `make_parse_example_spec` gives the
`tf.parse_example` spec the columns read."""
from flowgraph.feature_column.numeric import numeric_column, bucketized_column
from flowgraph.feature_column.models import input_layer, linear_model, \
    make_parse_example_spec

__all__ = ["numeric_column", "bucketized_column", "input_layer", "linear_model",
           "make_parse_example_spec"]
