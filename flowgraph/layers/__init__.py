"""`tf.layers`: TF1's layers, as classes (`tf.layers.Dense(...)`, applied by calling them)
and as functions (`tf.layers.dense(inputs, ...)`).

Each layer makes its variables with `tf.get_variable` in its own variable scope, so they
carry TF's names (`dense/kernel`, `dense_1/bias`, `conv2d/kernel`,
`batch_normalization/moving_mean`) and TF checkpoints restore into them; `reuse=True`
(functions) or calling the same layer object again shares them."""
from flowgraph.layers.base import Layer, InputSpec
from flowgraph.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from flowgraph.layers.convolutional import (Conv1D, Conv2D, Conv2DTranspose, conv1d,
                                            conv2d, conv2d_transpose)
from flowgraph.layers.pooling import (MaxPooling1D, MaxPooling2D, AveragePooling1D,
                                      AveragePooling2D, max_pooling1d, max_pooling2d,
                                      average_pooling1d, average_pooling2d)
from flowgraph.layers.normalization import BatchNormalization, batch_normalization
from flowgraph.layers.convolutional3d import (Conv3D, Conv3DTranspose, MaxPooling3D,
                                              AveragePooling3D, conv3d, conv3d_transpose,
                                              max_pooling3d, average_pooling3d)

# TF's aliases.
Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution2DTranspose = Deconvolution2D = Conv2DTranspose
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
convolution1d, convolution2d = conv1d, conv2d
convolution2d_transpose = deconvolution2d = conv2d_transpose

__all__ = ["Layer", "InputSpec", "Dense", "Dropout", "Flatten", "dense", "dropout",
           "flatten", "Conv1D", "Conv2D", "Conv2DTranspose", "conv1d", "conv2d",
           "conv2d_transpose", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
           "AveragePooling2D", "max_pooling1d", "max_pooling2d", "average_pooling1d",
           "average_pooling2d", "BatchNormalization", "batch_normalization"]
__all__ += ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "conv3d",
            "conv3d_transpose", "max_pooling3d", "average_pooling3d"]
Convolution3D, MaxPool3D, AvgPool3D = Conv3D, MaxPooling3D, AveragePooling3D
Convolution3DTranspose = Deconvolution3D = Conv3DTranspose
convolution3d, convolution3d_transpose = conv3d, conv3d_transpose
