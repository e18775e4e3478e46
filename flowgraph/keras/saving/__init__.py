"""`tf.keras` model files: HDF5 in Keras's layout and TF checkpoints for weights."""

from flowgraph.keras.saving import hdf5_format, tf_format
from flowgraph.keras.saving.save import load_model, load_weights, save_model, save_weights

__all__ = ["hdf5_format", "tf_format", "load_model", "save_model", "save_weights",
           "load_weights"]
