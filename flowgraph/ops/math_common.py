"""Shared pieces of the math op modules: TF's dtype groups, the type check every math op's
shape rule starts with, the elementwise op factories, and reduction-axis helpers."""
import numpy as np

from flowgraph.framework import dtypes, shape_fns, tensor_shape
from flowgraph.framework.op_builder import constant_value
from flowgraph.framework.registry import defop

# TF's allowed-type lists (op_def `T: {...}`), as sets of base DTypes.
REAL_FLOAT = frozenset((dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64))
COMPLEX = frozenset((dtypes.complex64, dtypes.complex128))
FLOAT = REAL_FLOAT | COMPLEX
SIGNED_INT = frozenset((dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64))
INT = SIGNED_INT | frozenset((dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64))
REAL_NUMERIC = REAL_FLOAT | INT
NUMERIC = FLOAT | INT
SIGNED_NUMERIC = FLOAT | SIGNED_INT  # Neg, Sign, Pow, Reciprocal, ...
INT32_64 = frozenset((dtypes.int32, dtypes.int64))
ALL = None  # no restriction

_ORDER = ["bfloat16", "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64",
          "int8", "int16", "int32", "int64", "complex64", "complex128", "bool", "string"]


def check_type(op, allowed, attr="T", arg="x"):
    """TypeError (as TF's op_def checks) when the op's type attr is not in `allowed`."""
    if allowed is None:
        return
    dt = op._attrs.get(attr)
    if dt is not None and dtypes.as_dtype(dt).base_dtype not in allowed:
        names = [n for n in _ORDER if dtypes.as_dtype(n) in allowed]
        raise TypeError(f"Value passed to parameter '{arg}' has DataType "
                        f"{dtypes.as_dtype(dt).name} not in list of allowed values: "
                        f"{', '.join(names)} (op '{op.name}' of type {op.type})")


def typed(rule, allowed, attr="T", arg="x"):
    """A shape rule that first checks the op's type attr against `allowed`."""
    if allowed is None:
        return rule

    def shape(op):
        check_type(op, allowed, attr, arg)
        return rule(op)
    return shape


def _as_grad(fn):
    return fn if fn is None or isinstance(fn, str) else staticmethod(fn)


def binary_op(op_type, kernel, doc, allowed, grad, out="T", attrs=None, flags=None):
    """Registers an elementwise binary op `z = kernel(xp, x, y)` with numpy broadcasting
    (`flags`: OpDef flags, e.g. its neutral element)."""
    body = {"__doc__": doc, "shape": staticmethod(typed(shape_fns.broadcast, allowed)),
            "kernel": staticmethod(kernel), "grad": _as_grad(grad), **(flags or {})}
    cls = type(op_type, (), body)
    return defop(op_type, inputs=("x: T", "y: T"), outputs=(f"z: {out}",),
                 attrs=attrs)(cls)


def unary_op(op_type, kernel, doc, allowed, grad, out="T", inputs=("x: T",),
             outputs=("y: {out}",), flags=None):
    """Registers an elementwise unary op `y = kernel(xp, x)` (`flags`: OpDef flags)."""
    body = {"__doc__": doc, "shape": staticmethod(typed(shape_fns.unchanged, allowed)),
            "kernel": staticmethod(kernel), "grad": _as_grad(grad), **(flags or {})}
    cls = type(op_type, (), body)
    return defop(op_type, inputs=inputs, outputs=tuple(o.format(out=out) for o in outputs))(cls)


def grad_pair_shape(op):
    """Shape of `*Grad(y, dy)` ops: the merge of both inputs' shapes."""
    check_type(op, FLOAT, arg="y")
    return op.inputs[0].shape.merge_with(op.inputs[1].shape)


# -- reduction axes ------------------------------------------------------------------------
def lookup(new, new_name, old, old_name):
    """TF's deprecated_argument_lookup: at most one of two spellings may be given."""
    if old is not None:
        if new is not None:
            raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'")
        return old
    return new


def const_axes(axis_tensor, rank):
    """The constant axes of a reduction as a sorted tuple of non-negative ints, or None when
    not known at build time. ValueError for out-of-range axes (like TF's shape fn)."""
    v = constant_value(axis_tensor)
    if v is None or rank is None:
        return None
    out = set()
    for a in np.reshape(v, -1).tolist():
        if not -rank <= a < max(rank, 1) or (rank == 0 and a not in (0, -1)):
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} "
                             "dimensions.")
        out.add(a % rank if rank else 0)
    return tuple(sorted(out)) if rank else ()


def reduced_shape_static(in_shape, axes, keep_dims):
    """Static output shape of a reduction of `in_shape` over constant `axes`."""
    dims = in_shape.as_list()
    if keep_dims:
        return tensor_shape.TensorShape([1 if i in axes else d for i, d in enumerate(dims)])
    return tensor_shape.TensorShape([d for i, d in enumerate(dims) if i not in axes])


def reduction_shape(op):
    """Shape rule of Sum/Mean/Max/...: inputs (input, reduction_indices), attr keep_dims."""
    x = op.inputs[0].shape
    keep = op.get_attr("keep_dims")
    rank = x.ndims
    axes = const_axes(op.inputs[1], rank)
    if axes is not None:
        return reduced_shape_static(x, axes, keep)
    ishape = op.inputs[1].shape
    if rank is not None and keep:
        return tensor_shape.unknown_shape(rank)
    if rank is not None and ishape.ndims == 0:
        return tensor_shape.unknown_shape(max(rank - 1, 0))
    return tensor_shape.unknown_shape()


def host_ints(v):
    """A small int tensor's value (numpy or CuPy array, or scalar) as a list of ints."""
    v = v.tolist() if hasattr(v, "tolist") else v
    return [int(i) for i in v] if isinstance(v, (list, tuple)) else [int(v)]


def kernel_axes(axes, ndim, op_name=None):
    """Run-time axes of a reduction: a tuple of non-negative ints, validated like TF."""
    from flowgraph.framework import errors
    flat = host_ints(axes)
    out = []
    for a in flat:
        if not -ndim <= a < max(ndim, 1):
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {ndim} "
                            f"dimension(s)")
        a = a % ndim if ndim else 0
        if a in out:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction arguments: Axes contains duplicate "
                            f"dimension: {a}")
        out.append(a)
    return tuple(out) if ndim else ()
