"""`tf.keras.utils`: Sequence, get_file, to_categorical, normalize, plot_model."""

from flowgraph.keras.utils.data_utils import Sequence

__all__ = ["Sequence"]
