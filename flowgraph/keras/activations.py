"""`tf.keras.activations`: Keras's activation functions by name, with `get`,
`serialize` and `deserialize`. `softmax` and `sigmoid` remember their logits, so the
crossentropy losses can use them (as Keras does)."""
import math

from flowgraph.framework import op_builder
from flowgraph.keras import backend
from flowgraph.ops import nn_ops, reduction_ops, unary_ops


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int or a tuple of axes)."""
    x = op_builder.convert_to_tensor(x)
    if x.shape.ndims is not None and x.shape.ndims <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    if isinstance(axis, int):
        output = nn_ops.softmax(x, axis=axis)
    else:
        e = unary_ops.exp(x - reduction_ops.reduce_max(x, axis=axis, keepdims=True))
        output = e / reduction_ops.reduce_sum(e, axis=axis, keepdims=True)
    backend.set_keras_logits(output, x)
    return output


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return backend.elu(x, alpha)


def selu(x):
    """Scaled ELU (scale 1.0507..., alpha 1.6732...)."""
    return nn_ops.selu(x)


def softplus(x):
    """log(exp(x) + 1)."""
    return nn_ops.softplus(x)


def softsign(x):
    """x / (|x| + 1)."""
    return nn_ops.softsign(x)


def swish(x):
    """x * sigmoid(x)."""
    return nn_ops.swish(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with an optional negative slope, cap and threshold."""
    return backend.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def gelu(x, approximate=False):
    """x * P(X <= x) for a standard normal X (tanh approximation if `approximate`)."""
    x = op_builder.convert_to_tensor(x)
    if approximate:
        inner = op_builder.constant(math.sqrt(2.0 / math.pi), x.dtype) * (
            x + op_builder.constant(0.044715, x.dtype) * x * x * x)
        return 0.5 * x * (1.0 + unary_ops.tanh(inner))
    return 0.5 * x * (1.0 + unary_ops.erf(x / op_builder.constant(math.sqrt(2.0), x.dtype)))


def tanh(x):
    return unary_ops.tanh(x)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    x = op_builder.convert_to_tensor(x)
    output = unary_ops.sigmoid(x)
    backend.set_keras_logits(output, x)
    return output


def exponential(x):
    return unary_ops.exp(x)


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1)."""
    return backend.hard_sigmoid(x)


def linear(x):
    """The identity."""
    return x


def mish(x):
    """x * tanh(softplus(x))."""
    return x * unary_ops.tanh(nn_ops.softplus(x))


_ALL = {f.__name__: f for f in (softmax, elu, selu, softplus, softsign, swish, relu, gelu,
                                tanh, sigmoid, exponential, hard_sigmoid, linear, mish)}


def serialize(activation):
    """The name of an activation function."""
    name = getattr(activation, "__name__", None)
    if name in _ALL and _ALL[name] is activation:
        return name
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    if name is not None:
        return name
    raise ValueError(f"Unknown activation function '{activation}' cannot be serialized due "
                     "to invalid function name. Make sure to use an activation name that "
                     "matches the references defined in activations.py or use "
                     "`@keras.saving.register_keras_serializable` to register any custom "
                     "activations.")


def deserialize(name, custom_objects=None):
    """The activation function called `name`."""
    objects = dict(_ALL, **(custom_objects or {}))
    if isinstance(name, dict):
        cls = objects.get(name.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown activation function '{name.get('class_name')}' "
                             "cannot be deserialized.")
        return cls(**name.get("config", {}))
    if name not in objects:
        raise ValueError(f"Unknown activation function '{name}' cannot be deserialized.")
    return objects[name]


def get(identifier):
    """An activation function from None (linear), a name, a dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
