"""`tf.compat`: text/bytes helpers, type tuples, dimension helpers, forward compatibility.

`tf.compat.v1` is the flowgraph module itself (set up by `flowgraph/__init__.py`).
"""
import contextlib as _contextlib
import datetime as _datetime
import numbers as _numbers
import os as _os

import numpy as _np

from flowgraph.framework import tensor_shape as _tensor_shape

bytes_or_text_types = (bytes, str)
complex_types = (_numbers.Complex, _np.number)
integral_types = (_numbers.Integral, _np.integer)
real_types = (_numbers.Real, _np.integer, _np.floating)


def as_bytes(bytes_or_text, encoding="utf-8"):
    """`bytes` unchanged (bytearray copied); `str` encoded; anything else a TypeError."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """`str` unchanged; `bytes` decoded; anything else a TypeError."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8"):
    """`as_str` for bytes, `str(value)` for anything else."""
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path):
    """A `os.PathLike` as its string; other values unchanged."""
    return _os.fspath(path) if isinstance(path, _os.PathLike) else path


def dimension_value(dimension):
    """The int (or None) held by a `Dimension`; other values unchanged."""
    if isinstance(dimension, _tensor_shape.Dimension):
        return dimension.value
    return dimension


def dimension_at_index(shape, index):
    """`Dimension` `index` of `shape` (unknown when the rank is unknown)."""
    shape = _tensor_shape.as_shape(shape)
    if shape.ndims is None:
        return _tensor_shape.Dimension(None)
    return shape.dims[index]


# TF's forward-compatibility window: ops newer than this date may be used.
_HORIZON = _datetime.date(2026, 1, 16)
_horizon_override = [None]


def forward_compatible(year, month, day):
    """True when the (possibly overridden) horizon is past `year-month-day`."""
    horizon = _horizon_override[0] or _HORIZON
    return horizon > _datetime.date(year, month, day)


@_contextlib.contextmanager
def forward_compatibility_horizon(year, month, day):
    """Within the block, `forward_compatible` uses `year-month-day` as the horizon."""
    previous = _horizon_override[0]
    _horizon_override[0] = _datetime.date(year, month, day)
    try:
        yield
    finally:
        _horizon_override[0] = previous


__all__ = ["as_bytes", "as_text", "as_str", "as_str_any", "path_to_str",
           "bytes_or_text_types", "complex_types", "integral_types", "real_types",
           "dimension_value", "dimension_at_index", "forward_compatible",
           "forward_compatibility_horizon"]
