"""`tf.keras.utils`: Sequence, get_file, to_categorical, normalize, Progbar, custom objects,
serialization helpers."""

from flowgraph.keras.utils.data_utils import Sequence, get_file, validate_file
from flowgraph.keras.utils.generic_utils import (CustomObjectScope, Progbar,  # noqa: F401
                                                 custom_object_scope, deserialize_keras_object,
                                                 get_custom_objects, get_registered_name,
                                                 register_keras_serializable,
                                                 serialize_keras_object)
from flowgraph.keras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from flowgraph.keras.utils.layer_utils import count_params, print_summary  # noqa: F401
from flowgraph.keras.utils.np_utils import normalize, to_categorical
from flowgraph.keras.utils.vis_utils import model_to_dot, plot_model

__all__ = ["Sequence", "array_to_img", "get_file", "img_to_array", "load_img",
           "model_to_dot", "normalize", "plot_model", "save_img", "to_categorical",
           "validate_file"]
