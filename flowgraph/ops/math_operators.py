"""TF's Python operators on `Tensor`, installed when `math_ops` is imported (as TF's
`_override_operator`): `+ - * / // % ** @`, unary `-`, `abs()`, `~`, `& | ^` and
`< <= > >=`, with reflected forms for Python and numpy left operands. `==` and `!=` stay
identity comparisons, as in TF1. Each binary operator opens TF's name scope ("add",
"mul", "truediv", ...), so `a + b` builds an `AddV2` op named "add"."""
import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor


def _m():
    from flowgraph.ops import math_ops
    return math_ops


def _is_bool(t):
    return t.dtype.base_dtype == dtypes.bool


def _and(x, y, name=None):
    if _is_bool(x):
        return _m().logical_and(x, y, name=name)
    return _m().bitwise_and(x, y)  # TF: the op gets its default name inside the scope


def _or(x, y, name=None):
    if _is_bool(x):
        return _m().logical_or(x, y, name=name)
    return _m().bitwise_or(x, y)


def _xor(x, y, name=None):
    if _is_bool(x):
        return _m().logical_xor(x, y, name=name)
    return _m().bitwise_xor(x, y)


def _invert(x):
    return _m().logical_not(x) if _is_bool(x) else _m().invert(x)


def _by_name(builder):
    """A binary builder looked up at call time (math_ops is still loading at install)."""
    def fn(x, y, name=None):
        return getattr(_m(), builder)(x, y, name=name)
    return fn


_PLAIN = (int, float, complex, bool, str, bytes, list, tuple, np.ndarray, np.generic, Tensor)


def _defer(other, rname):
    """Whether a failed `x <op> other` should let Python try `other.__r<op>__` (TF does this
    for foreign types that implement the reflected operator)."""
    return not isinstance(other, _PLAIN) and hasattr(type(other), rname)


def _binary_operator(fn, op_name, dunder):
    rname = f"__r{dunder}__"

    def forward(self, other):
        try:
            with name_scope(None, op_name, [self, other]) as scope:
                return fn(self, other, name=scope)
        except (TypeError, ValueError):
            if _defer(other, rname):
                return NotImplemented
            raise

    def reflected(self, other):
        with name_scope(None, op_name, [self, other]) as scope:
            x = convert_to_tensor(other, dtype=self.dtype.base_dtype, name="x")
            return fn(x, self, name=scope)
    forward.__name__, reflected.__name__ = f"__{dunder}__", rname
    return forward, reflected


def install():
    """Gives Tensor TF's arithmetic, comparison and bitwise operators (not == / !=)."""
    table = [(_by_name("add"), "add", "add"), (_by_name("subtract"), "sub", "sub"),
             (_by_name("multiply"), "mul", "mul"), (_by_name("truediv"), "truediv", "truediv"),
             (_by_name("floordiv"), "floordiv", "floordiv"),
             (_by_name("floormod"), "mod", "mod"), (_by_name("pow"), "pow", "pow"),
             (_by_name("matmul"), "matmul", "matmul"), (_and, "and", "and"),
             (_or, "or", "or"), (_xor, "xor", "xor")]
    for fn, op_name, dunder in table:
        fwd, rev = _binary_operator(fn, op_name, dunder)
        setattr(Tensor, f"__{dunder}__", fwd)
        setattr(Tensor, f"__r{dunder}__", rev)
    Tensor.__neg__ = lambda self: apply_op("Neg", [self])
    Tensor.__abs__ = lambda self: _m().abs(self)  # ComplexAbs for complex tensors
    Tensor.__invert__ = _invert
    Tensor.__lt__ = lambda self, other: apply_op("Less", [self, other])
    Tensor.__le__ = lambda self, other: apply_op("LessEqual", [self, other])
    Tensor.__gt__ = lambda self, other: apply_op("Greater", [self, other])
    Tensor.__ge__ = lambda self, other: apply_op("GreaterEqual", [self, other])

