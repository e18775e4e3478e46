"""Shape arithmetic shared by the convolution, pooling and padding layers (Keras's
`conv_utils`): argument normalization and output lengths."""
from flowgraph.layers.utils import conv_output_length, deconv_output_length  # tf.layers'

__all__ = ["normalize_tuple", "normalize_padding", "normalize_data_format",
           "conv_output_length", "deconv_output_length", "channels_axis",
           "perm_to_last", "perm_to_first"]


def normalize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or n ints) as a tuple of n ints."""
    if isinstance(value, int):
        out = (value,) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {value}") from None
        if len(out) != n or not all(isinstance(v, int) for v in out):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {value}")
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value} including {[v for v in out if v < low]}"
                         f" that does not satisfy the requirement `{req}`.")
    return out


def normalize_padding(value):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in {"valid", "same", "causal"}:
        raise ValueError("The `padding` argument must be a list/tuple or one of "
                         f'"valid", "same" (or "causal", only for `Conv1D). '
                         f"Received: {padding}")
    return padding


def normalize_data_format(value, default):
    value = (value or default).lower()
    if value not in {"channels_first", "channels_last"}:
        raise ValueError('The `data_format` argument must be one of "channels_first", '
                         f'"channels_last". Received: {value}')
    return value


def channels_axis(data_format, rank):
    """The channel axis of a (rank + 2)-D input."""
    return 1 if data_format == "channels_first" else rank + 1


def perm_to_last(ndims):
    """The transpose permutation channels_first -> channels_last."""
    return [0] + list(range(2, ndims)) + [1]


def perm_to_first(ndims):
    """The transpose permutation channels_last -> channels_first."""
    return [0, ndims - 1] + list(range(1, ndims - 1))
