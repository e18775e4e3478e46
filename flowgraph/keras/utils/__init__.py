"""`tf.keras.utils`: Sequence, get_file, to_categorical, normalize, plot_model."""

from flowgraph.keras.utils.data_utils import Sequence, get_file, validate_file
from flowgraph.keras.utils.np_utils import normalize, to_categorical

__all__ = ["Sequence", "get_file", "normalize", "to_categorical", "validate_file"]
