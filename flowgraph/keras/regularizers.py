"""`tf.keras.regularizers`: the Keras 2 regularizers of `flowgraph/regularizers.py`, with
Keras's `get`, `serialize` and `deserialize`."""
from flowgraph import regularizers as _regularizers
from flowgraph.keras.utils import generic_utils

Regularizer = _regularizers.Regularizer
L1L2 = _regularizers.L1L2
L1 = _regularizers.L1
L2 = _regularizers.L2
l1_l2 = _regularizers.l1_l2
l1 = L1
l2 = L2

_BY_NAME = {"L1L2": L1L2, "L1": L1, "L2": L2, "l1": L1, "l2": L2, "l1_l2": l1_l2,
            "Regularizer": Regularizer}


def serialize(regularizer):
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config, custom_objects=None):
    """A regularizer from a name or a `serialize` dict."""
    return generic_utils.deserialize_keras_object(config, _BY_NAME, custom_objects,
                                                  "regularizer")


def get(identifier):
    """A regularizer from None, a name ('l1', 'l2', 'l1_l2'), a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
