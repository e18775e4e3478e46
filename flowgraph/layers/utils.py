"""Argument handling shared by the layers: tuples, padding, data formats, output lengths,
and activations/initializers/regularizers given by name."""
import numbers

from flowgraph.ops import init_ops, nn_ops


def normalize_tuple(value, n, name):
    """`value` (an int or an iterable of `n` ints) as a tuple of `n` ints."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    try:
        t = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value}") from None
    if len(t) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value}")
    for v in t:
        if not isinstance(v, numbers.Integral):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {value} including element {v} of type {type(v)}")
    return tuple(int(v) for v in t)


def normalize_padding(value, allow_causal=False):
    padding = value.lower() if isinstance(value, str) else value
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of "
                         f"{', '.join(repr(a) for a in allowed)}. Received: {value}")
    return padding


def normalize_data_format(value):
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError('The `data_format` argument must be one of "channels_first", '
                         f'"channels_last". Received: {value}')
    return data_format


def tf_data_format(data_format, ndim):
    """'channels_last' -> NWC / NHWC / NDHWC, 'channels_first' -> NCW / NCHW / NCDHW for a
    tensor of `ndim` dimensions."""
    spatial = "DHW"[-(ndim - 2):] if ndim > 3 else "W"
    if data_format == "channels_last":
        return "N" + spatial + "C"
    return "NC" + spatial


def conv_output_length(length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution over `length` inputs (None stays None)."""
    if length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ("same", "causal"):
        out = length
    elif padding == "valid":
        out = length - dilated + 1
    else:  # full
        out = length + dilated - 1
    return (out + stride - 1) // stride


def deconv_output_length(length, filter_size, padding, output_padding=None, stride=0,
                         dilation=1):
    """Output length of a transposed convolution over `length` inputs."""
    if length is None:
        return None
    filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(filter_size - stride, 0)
        if padding == "full":
            return length * stride - (stride + filter_size - 2)
        return length * stride
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (length - 1) * stride + filter_size - 2 * pad + output_padding


# -- things given by name -----------------------------------------------------------------
def get_activation(activation):
    """A callable for `activation`: None (no activation), a callable, or a Keras name."""
    if activation is None or callable(activation):
        return activation
    from flowgraph.ops import math_ops
    names = {"relu": nn_ops.relu, "relu6": nn_ops.relu6, "elu": nn_ops.elu, "selu": nn_ops.selu,
             "softplus": nn_ops.softplus, "softsign": nn_ops.softsign, "softmax": nn_ops.softmax,
             "sigmoid": math_ops.sigmoid, "tanh": math_ops.tanh, "swish": nn_ops.swish,
             "silu": nn_ops.silu, "exponential": math_ops.exp, "linear": None}
    if activation not in names:
        raise ValueError(f"Unknown activation function: '{activation}'")
    return names[activation]


def get_initializer(initializer):
    """An initializer for `initializer`: None, an object/callable, or a Keras name."""
    if initializer is None or callable(initializer) and not isinstance(initializer, str):
        return initializer
    if isinstance(initializer, dict):
        raise TypeError("initializer configs are not supported; pass an initializer")
    names = {"zeros": init_ops.zeros_initializer, "ones": init_ops.ones_initializer,
             "glorot_uniform": init_ops.glorot_uniform_initializer,
             "glorot_normal": init_ops.glorot_normal_initializer,
             "he_normal": init_ops.he_normal, "he_uniform": init_ops.he_uniform,
             "lecun_normal": init_ops.lecun_normal, "lecun_uniform": init_ops.lecun_uniform,
             "random_normal": init_ops.random_normal_initializer,
             "random_uniform": init_ops.random_uniform_initializer,
             "truncated_normal": init_ops.truncated_normal_initializer,
             "orthogonal": init_ops.orthogonal_initializer,
             "identity": init_ops.identity_initializer}
    key = str(initializer).lower()
    if key not in names:
        raise ValueError(f"Unknown initializer: '{initializer}'")
    return names[key]()


def get_regularizer(regularizer):
    """A regularizer for `regularizer`: None, a callable, or a Keras name ('l1', 'l2',
    'l1_l2', with Keras's default factor 0.01)."""
    if regularizer is None or callable(regularizer):
        return regularizer
    from flowgraph import regularizers
    names = {"l1": regularizers.L1, "l2": regularizers.L2, "l1_l2": regularizers.l1_l2}
    if regularizer not in names:
        raise ValueError(f"Unknown regularizer: '{regularizer}'")
    return names[regularizer]()
