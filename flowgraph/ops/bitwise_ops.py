"""The `tf.bitwise` module: the shifts (`LeftShift`, `RightShift`) on integer tensors, and
the and/or/xor/invert ops of `math_ops` gathered under their `tf.bitwise` names."""
import numpy as np

from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import NOT_DIFFERENTIABLE
from flowgraph.ops.math_common import INT, binary_op
from flowgraph.ops.math_ops import bitwise_and, bitwise_or, bitwise_xor, invert

__all__ = []
__namespaces__ = {"bitwise": ["bitwise_and", "bitwise_or", "bitwise_xor", "invert",
                              "left_shift", "right_shift"]}
_EXPORTS = (bitwise_and, bitwise_or, bitwise_xor, invert)


def _shift(fn):
    """`fn(x, y)` with y clamped to [0, bits - 1], as TF's kernels clamp it."""
    def kernel(xp, x, y):
        bits = np.dtype(x.dtype).itemsize * 8
        return getattr(xp, fn)(x, xp.clip(y, 0, bits - 1).astype(x.dtype, copy=False))
    return kernel


binary_op("LeftShift", _shift("left_shift"), "Returns x << y elementwise (y clamped to "
          "[0, bits - 1]).", INT, NOT_DIFFERENTIABLE)
binary_op("RightShift", _shift("right_shift"), "Returns x >> y elementwise, arithmetic "
          "for signed types (y clamped to [0, bits - 1]).", INT, NOT_DIFFERENTIABLE)


def left_shift(x, y, name=None):
    """Elementwise x << y."""
    return apply_op("LeftShift", [x, y], name=name)


def right_shift(x, y, name=None):
    """Elementwise x >> y (arithmetic shift for signed integers)."""
    return apply_op("RightShift", [x, y], name=name)
