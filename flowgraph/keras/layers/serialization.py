"""`tf.keras.layers.serialize` / `deserialize`: a layer as `{'class_name', 'config'}`
and back (Keras's own layer classes by name, others through `custom_objects`)."""
from flowgraph.keras.engine.functional import deserialize_layer
from flowgraph.keras.utils import generic_utils

__all__ = ["serialize", "deserialize"]


def serialize(layer):
    """`{'class_name': ..., 'config': layer.get_config()}`."""
    return generic_utils.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer described by `serialize`'s output."""
    return deserialize_layer(config, custom_objects=custom_objects)
