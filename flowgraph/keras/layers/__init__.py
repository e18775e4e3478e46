"""`tf.keras.layers`: Keras's layers (each family in its own module)."""
from flowgraph.keras.engine.base_layer import Layer  # noqa: F401
from flowgraph.keras.engine.input_layer import Input, InputLayer  # noqa: F401
from flowgraph.keras.engine.input_spec import InputSpec  # noqa: F401
from flowgraph.keras.layers.core import (Activation, Dense, Dropout, Flatten,  # noqa: F401
                                         Lambda, Masking, Permute, RepeatVector, Reshape)
from flowgraph.keras.layers.convolutional import (  # noqa: F401
    Conv1D, Conv2D, Conv2DTranspose, Conv3D, Convolution1D, Convolution2D,
    Convolution2DTranspose, Convolution3D, DepthwiseConv2D, SeparableConv2D,
    SeparableConvolution2D)
from flowgraph.keras.layers.pooling import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
    GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D,
    MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from flowgraph.keras.layers.reshaping import (  # noqa: F401
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D,
    ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from flowgraph.keras.layers.embeddings import Embedding  # noqa: F401
from flowgraph.keras.layers.normalization import BatchNormalization  # noqa: F401
from flowgraph.keras.layers.advanced_activations import (  # noqa: F401
    ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU)
from flowgraph.keras.layers.merge import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract)
from flowgraph.keras.layers.noise import (  # noqa: F401
    AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D,
    SpatialDropout3D)
from flowgraph.keras.layers.recurrent import (  # noqa: F401
    GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell, StackedRNNCells)
from flowgraph.keras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper  # noqa: F401
from flowgraph.keras.layers.serialization import deserialize, serialize  # noqa: F401
