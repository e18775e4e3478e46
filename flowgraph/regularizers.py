"""Weight regularizers: functions of a weight tensor returning a scalar penalty.

TF1's `tf.contrib.layers` regularizers (`l1_regularizer`, `l2_regularizer`,
`l1_l2_regularizer`, `sum_regularizer`, `apply_regularization`) and the Keras 2 ones
(`tf.keras.regularizers.l1/l2/l1_l2`, `L1`, `L2`, `L1L2`). Pass one as the `regularizer`
of `tf.get_variable` or a `tf.variable_scope`: the penalty of each new variable is added to
`GraphKeys.REGULARIZATION_LOSSES`. The ops are added by their TF type names, so the graph
matches TF's (`<var>/Regularizer/l2_regularizer` is `Mul(scale, L2Loss(var))`).
"""
import numbers

import numpy as np

from flowgraph.framework.graph import GraphKeys, get_default_graph, name_scope
from flowgraph.framework.op_builder import apply_op, constant, convert_to_tensor

__all__ = ["l1_regularizer", "l2_regularizer", "l1_l2_regularizer", "sum_regularizer",
           "apply_regularization", "Regularizer", "L1L2", "L1", "L2", "l1", "l2", "l1_l2"]


def _check_scale(scale, what="scale", dot=""):
    """TF's checks: no integers, no negatives; returns True when the scale is 0."""
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"{what} cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real):
        if scale < 0.:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale:g}{dot}")
        return scale == 0.
    return False


def _sum_all(x):
    """`tf.reduce_sum(x)` over every axis, built as TF builds it."""
    x = convert_to_tensor(x)
    rank = x.shape.ndims
    if rank is None:
        from flowgraph.ops import math_ops
        return math_ops.reduce_sum(x)
    axes = constant(np.arange(rank, dtype=np.int32), name="Const")
    return apply_op("Sum", [x, axes], {"keep_dims": False}, name="Sum")


def l1_regularizer(scale, scope=None):
    """A function `l1(weights)` returning `scale * sum(|weights|)` (named
    `l1_regularizer`). A scale of 0 gives a function returning None."""
    if _check_scale(scale):
        return lambda _: None

    def l1(weights, name=None):
        """Applies L1 regularization to weights."""
        with name_scope(scope, "l1_regularizer", [weights]) as name:
            my_scale = convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return apply_op("Mul", [my_scale, _sum_all(apply_op("Abs", [weights]))],
                            name=name)
    return l1


def l2_regularizer(scale, scope=None):
    """A function `l2(weights)` returning `scale * sum(weights ** 2) / 2` (named
    `l2_regularizer`). A scale of 0 gives a function returning None."""
    if _check_scale(scale, dot="."):
        return lambda _: None

    def l2(weights):
        """Applies l2 regularization to weights."""
        with name_scope(scope, "l2_regularizer", [weights]) as name:
            my_scale = convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return apply_op("Mul", [my_scale, apply_op("L2Loss", [weights])], name=name)
    return l2


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """The sum of an L1 and an L2 regularizer (named `l1_l2_regularizer`)."""
    if isinstance(scale_l1, numbers.Integral):
        raise ValueError(f"scale_l1 cannot be an integer: {scale_l1}")
    if isinstance(scale_l2, numbers.Integral):
        raise ValueError(f"scale_l2 cannot be an integer: {scale_l2}")
    scope = scope or "l1_l2_regularizer"
    if scale_l1 == 0.:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def sum_regularizer(regularizer_list, scope=None):
    """A regularizer adding the (non-None) penalties of `regularizer_list` with AddN; None
    when the list holds no regularizer."""
    regularizer_list = [r for r in regularizer_list if r is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        """Applies the sum of all the input regularizers."""
        with name_scope(scope, "sum_regularizer", [weights]) as name:
            terms = [t for t in (r(weights) for r in regularizer_list) if t is not None]
            return apply_op("AddN", [terms], name=name) if terms else None
    return sum_reg


def apply_regularization(regularizer, weights_list=None):
    """Sums `regularizer(w)` over `weights_list` (default: the WEIGHTS collection) under
    `get_regularization_penalty`, adds the sum to REGULARIZATION_LOSSES and returns it."""
    if not weights_list:
        weights_list = get_default_graph().get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with name_scope("get_regularization_penalty", values=weights_list) as scope:
        penalties = [regularizer(w) for w in weights_list]
        penalties = [p if p is not None else constant(0.0) for p in penalties]
        for p in penalties:
            if p.get_shape().ndims != 0:
                raise ValueError("regularizer must return a scalar Tensor instead of a Tensor "
                                 f"with rank {p.get_shape().ndims}.")
        total = apply_op("AddN", [penalties], name=scope)
        total.graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, total)
        return total


# -- Keras 2 style ---------------------------------------------------------------------------
def _check_penalty(x, what):
    if not isinstance(x, (float, int)) or isinstance(x, bool):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, expected "
                         "an int or float value.")
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, a "
                         "positive/negative infinity or NaN is not a property value")


class Regularizer:
    """Regularizer base class: `regularizer(x)` returns a scalar penalty tensor."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x ** 2)` (Keras: defaults 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        _check_penalty(l1, "l1")
        _check_penalty(l2, "l2")
        self.l1 = np.float32(l1)
        self.l2 = np.float32(l2)

    def __call__(self, x):
        x = convert_to_tensor(x)
        reg = constant(0.0, dtype=x.dtype.base_dtype)
        if self.l1:
            reg = apply_op("AddV2", [reg, apply_op("Mul", [
                _float(self.l1, x), _sum_all(apply_op("Abs", [x]))])])
        if self.l2:
            reg = apply_op("AddV2", [reg, apply_op("Mul", [
                _float(self.l2, x), _sum_all(apply_op("Square", [x]))])])
        return reg

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


def _float(v, x):
    return convert_to_tensor(float(v), dtype=x.dtype.base_dtype)


class L1(Regularizer):
    """`l1 * sum(|x|)` (Keras: default 0.01)."""

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l1 = 0.01 if l1 is None else l1
        _check_penalty(l1, "l1")
        self.l1 = np.float32(l1)

    def __call__(self, x):
        x = convert_to_tensor(x)
        return apply_op("Mul", [_float(self.l1, x), _sum_all(apply_op("Abs", [x]))])

    def get_config(self):
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """`l2 * sum(x ** 2)` (Keras: default 0.01; no factor 1/2, unlike `l2_regularizer`)."""

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l2 = 0.01 if l2 is None else l2
        _check_penalty(l2, "l2")
        self.l2 = np.float32(l2)

    def __call__(self, x):
        x = convert_to_tensor(x)
        return apply_op("Mul", [_float(self.l2, x), _sum_all(apply_op("Square", [x]))])

    def get_config(self):
        return {"l2": float(self.l2)}


def l1_l2(l1=0.01, l2=0.01):
    """An `L1L2` regularizer with Keras's defaults for this helper (both 0.01)."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
