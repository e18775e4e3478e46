"""`tf.keras.utils`."""
from flowgraph.keras.utils.generic_utils import (CustomObjectScope, Progbar,  # noqa: F401
                                                 custom_object_scope, deserialize_keras_object,
                                                 get_custom_objects, get_registered_name,
                                                 register_keras_serializable,
                                                 serialize_keras_object)
from flowgraph.keras.utils.layer_utils import count_params, print_summary  # noqa: F401
