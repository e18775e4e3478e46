"""Shape arithmetic shared by the convolution, pooling and padding layers (Keras's
`conv_utils`): argument normalization and output lengths."""

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


def conv_output_length(length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution (or pooling) along one axis."""
    if length is None:
        return None
    dilated = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = length
    elif padding == "valid":
        out = length - dilated + 1
    else:  # full
        out = length + dilated - 1
    return (out + stride - 1) // stride


def deconv_output_length(length, filter_size, padding, output_padding=None, stride=0,
                         dilation=1):
    """Output length of a transposed convolution along one axis."""
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


def channels_axis(data_format, rank):
    """The channel axis of a (rank + 2)-D input."""
    return 1 if data_format == "channels_first" else rank + 1


def perm_to_last(ndims):
    """The transpose permutation channels_first -> channels_last."""
    return [0] + list(range(2, ndims)) + [1]


def perm_to_first(ndims):
    """The transpose permutation channels_last -> channels_first."""
    return [0, ndims - 1] + list(range(1, ndims - 1))
