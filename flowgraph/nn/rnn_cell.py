"""`tf.nn.rnn_cell` (and `tf.contrib.rnn`): recurrent cells, from `rnn_cell_impl`."""
from flowgraph.nn.rnn_cell_impl import (RNNCell, LayerRNNCell, BasicRNNCell,  # noqa: F401
                                        BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell,
                                        DropoutWrapper, ResidualWrapper, DeviceWrapper,
                                        LSTMStateTuple)

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell",
           "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
           "LSTMStateTuple"]
