"""`tf.keras.layers`: Keras's layers (each family in its own module)."""
from flowgraph.keras.engine.base_layer import Layer  # noqa: F401
from flowgraph.keras.engine.input_layer import Input, InputLayer  # noqa: F401
from flowgraph.keras.engine.input_spec import InputSpec  # noqa: F401
from flowgraph.keras.layers.core import (Activation, Dense, Dropout, Flatten,  # noqa: F401
                                         Lambda, Masking, Permute, RepeatVector, Reshape)
