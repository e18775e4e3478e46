"""Array ops: shapes, reshaping and transposing, and helpers shared by the array modules.

Joining and splitting live in `join_ops`, tiling, padding and broadcasting in `manip_ops`,
slicing in `slicing_ops`, gathering and scattering in `gather_ops`, constant-like creation in
`creation_ops` and matrix diagonals in `diag_ops`; their builders are reachable here too
(`array_ops.gather`, as in TF) through the module `__getattr__` at the bottom.
"""
import numbers
import weakref

import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, constant, constant_value, \
    convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.sparse_tensor import SparseTensor
from flowgraph.framework.tensor_shape import TensorShape, unknown_shape

__all__ = ["shape", "shape_n", "size", "rank", "reshape", "transpose", "matrix_transpose",
           "expand_dims", "squeeze", "invert_permutation"]
__namespaces__ = {"math": ["invert_permutation"],
                  "linalg": ["transpose=matrix_transpose", "matrix_transpose"]}

_INDEX = ("int32", "int64")


# -- helpers shared by the array op modules ------------------------------------------------

# Build-time evaluation of small integer subgraphs, as TF's shape inference does (e.g.
# `reshape(x, [-1, shape(x)[1] * shape(x)[2]])` has a static last dim when those dims are
# known). Values are numpy arrays; a "partial" value is an object array holding None where
# an entry is unknown (e.g. `shape(x)` for x of shape [None, 3]). Structural ops move
# entries around, so they keep partial values; the other ops need fully known inputs.
_STRUCTURAL = frozenset((
    "StridedSlice", "Slice", "Pack", "ConcatV2", "Reshape", "ExpandDims", "Squeeze",
    "Identity", "GatherV2", "Tile", "Transpose", "Unpack", "ReverseV2"))
_FOLDABLE = _STRUCTURAL | frozenset((
    "Cast", "Range", "Fill", "Size", "Rank", "Shape", "ShapeN", "AddV2", "Add", "Sub",
    "Mul", "FloorDiv", "FloorMod", "Maximum", "Minimum", "Prod", "Sum", "Max", "Min", "Neg",
    "ZerosLike", "OnesLike", "Equal", "NotEqual", "Less", "Greater", "LessEqual",
    "GreaterEqual"))
_FOLD_LIMIT = 1000
_FOLD_CACHE = weakref.WeakKeyDictionary()
_NO_VALUE = object()


def _static_value(t):
    """Like `op_builder.constant_value`, but also evaluates small integer subgraphs of the
    ops in `_FOLDABLE` whose inputs are known at build time. None when unknown."""
    v = _partial_value(t)
    if v is None or (v.dtype == object and any(e is None for e in v.reshape(-1))):
        return None
    if v.dtype == object:
        v = v.astype(t.dtype.as_numpy_dtype)
    return v


def _partial_value(t, depth=0):
    """The value of `t` at build time as far as it is known: a numpy array, an object array
    with None for unknown entries, or None."""
    if not isinstance(t, Tensor):
        return None
    v = constant_value(t)
    if v is not None or depth > 24:
        return v
    hit = _FOLD_CACHE.get(t, None)
    if hit is not None:
        return None if hit is _NO_VALUE else hit
    v = _fold(t, depth)
    if v is None and (t.dtype.is_integer or t.dtype.base_dtype == dtypes.bool):
        n = t.shape.num_elements()
        if n is not None and n <= _FOLD_LIMIT:  # unknown entries, known layout
            v = np.full(t.shape.as_list(), None, dtype=object)
    _FOLD_CACHE[t] = _NO_VALUE if v is None else v
    return v


def _is_partial(v):
    return v.dtype == object and any(e is None for e in v.reshape(-1))


def _fold(t, depth):
    op = t.op
    if op.type not in _FOLDABLE or not (t.dtype.is_integer or t.dtype.base_dtype ==
                                        dtypes.bool):
        return None
    d = op._op_def
    if d.kernel is None or getattr(d, "wants_ctx", False) or d.stateful:
        return None
    if op.type == "Shape":
        dims = op.inputs[0].shape.as_tuple_or_none()
        if dims is None:
            return None
        return np.array(dims, dtype=t.dtype.as_numpy_dtype) if None not in dims else \
            np.array(list(dims) + [0], dtype=object)[:-1]
    if op.type in ("ShapeN", "Size", "Rank"):
        vals = [np.broadcast_to(np.int8(0), x.shape.as_list())  # no memory, any size
                if x.shape.is_fully_defined() else None for x in op.inputs]
    else:
        vals = [_partial_value(x, depth + 1) for x in op.inputs]
    if any(v is None for v in vals) or any(np.size(v) > _FOLD_LIMIT for v in vals):
        return None
    if any(_is_partial(v) for v in vals):
        if op.type == "Cast" and t.dtype.is_integer:
            return vals[0]
        if op.type not in _STRUCTURAL:
            return None
    args, pos = [], 0
    for arg in d.inputs:
        if arg.number_attr:
            n = op._attrs[arg.number_attr]
            args.append(vals[pos:pos + n])
            pos += n
        elif arg.type_list_attr or arg.is_ref:
            return None
        else:
            args.append(vals[pos])
            pos += 1
    kwargs = {}
    for p in d.kernel_params:
        a = op._name if p == "op_name" else op._attrs[p]
        if isinstance(a, dtypes.DType):
            a = np.dtype(a.as_numpy_dtype)
        elif isinstance(a, tensor_shape.TensorShape):
            a = a.as_tuple_or_none()
        elif isinstance(a, list) and a and isinstance(a[0], dtypes.DType):
            a = [np.dtype(x.as_numpy_dtype) for x in a]
        kwargs[p] = a
    try:
        with np.errstate(all="ignore"):
            out = d.kernel(np, *args, **kwargs)
    except Exception:  # noqa: BLE001 - a failing fold just means "unknown"
        return None
    if isinstance(out, (list, tuple)):
        out = out[t.value_index]
    out = np.asarray(out)
    return out if out.size <= _FOLD_LIMIT else None


def _host(a):
    """A numpy copy of a kernel input that may live on a GPU (CuPy), for validating
    indices and other small host-side work."""
    get = getattr(a, "get", None)
    return get() if callable(get) and not isinstance(a, np.ndarray) else np.asarray(a)


_ATOMIC_ADD = frozenset(map(np.dtype, ("float16", "float32", "float64", "int32", "uint32",
                                      "uint64")))


def _scatter_add(xp, a, index, values, subtract=False):
    """`a[index] += values` (or `-=`) in place, repeated indices accumulating: numpy's
    `ufunc.at` on the host. CuPy has no `ufunc.at` everywhere; `cupyx.scatter_add` does it
    with CUDA atomics, which exist for float16/32/64, int32, uint32 and uint64: int64 goes
    through uint64 (two's complement addition is the same bits), complex through its real
    and imaginary parts, and the remaining small types through the host."""
    if xp is np:
        (np.subtract if subtract else np.add).at(a, index, values)
        return a
    import cupyx
    values = xp.asarray(values, dtype=a.dtype)
    if subtract:
        values = -values
    if a.dtype in _ATOMIC_ADD:
        cupyx.scatter_add(a, index, values)
    elif a.dtype == np.int64:
        cupyx.scatter_add(a.view(np.uint64), index, values.view(np.uint64))
    elif a.dtype.kind == "c":
        cupyx.scatter_add(a.real, index, values.real)
        cupyx.scatter_add(a.imag, index, values.imag)
    else:
        host = a.get()
        ix = tuple(map(_host, index)) if isinstance(index, tuple) else \
            index if isinstance(index, (int, slice)) else _host(index)
        np.add.at(host, ix, values.get())
        a[...] = xp.asarray(host)
    return a


def _int_list(value):
    """A list of Python ints from a constant numpy value."""
    return [int(v) for v in np.reshape(_host(value), -1)]


def _partial_vector(t):
    """The entries of a 1-D int tensor known at build time: a list with None where unknown
    (negative entries are kept, e.g. -1 in a reshape), or None when even the length is."""
    v = _partial_value(t)
    if v is not None and np.ndim(v) == 1:
        return [None if e is None else int(e) for e in v]
    n = t.shape.as_tuple_or_none() if isinstance(t, Tensor) else None
    if n is not None and len(n) == 1 and n[0] is not None and n[0] <= _FOLD_LIMIT:
        return [None] * n[0]
    return None


def _shape_from_tensor(t, what="shape"):
    """The partial TensorShape a 1-D shape tensor describes (negative entries unknown)."""
    dims = _partial_vector(t)
    if dims is None:
        return unknown_shape()
    for d in dims:
        if d is not None and d < -1:
            raise ValueError(f"Invalid value in tensor used for shape: {d}")
    return TensorShape([None if d is None or d < 0 else d for d in dims])


def _const_axis(t):
    """The int value of a constant scalar axis tensor, or None."""
    v = _static_value(t)
    return None if v is None or np.ndim(v) != 0 else int(v)


def _shape_arg(shape, name="shape"):
    """Converts a shape argument (list, TensorShape, tensor or list with tensors)."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a "
                             "Tensor.")
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)):
        shape = [tensor_shape.dimension_value(d) for d in shape]
    return convert_to_tensor(shape, name=name, preferred_dtype=dtypes.int32)


def _fn(name):
    """A math builder by name, imported lazily (math_ops or reduction_ops)."""
    import importlib
    for m in ("math_ops", "reduction_ops"):
        try:
            f = getattr(importlib.import_module(f"flowgraph.ops.{m}"), name, None)
        except ImportError:
            continue
        if f is not None:
            return f
    raise NotImplementedError(f"flowgraph.ops has no math builder {name!r} yet")


def _shape_of(t, out_type=dtypes.int32):
    """`shape(t)` as a constant when static (as TF's optimize=True does)."""
    return shape(t, out_type=out_type)


def _zeros_for_none(grads, op):
    from flowgraph.ops import creation_ops
    return [g if g is not None else creation_ops.zeros_like(t) for g, t in zip(grads, op.outputs)]


# -- shape, size and rank -------------------------------------------------------------------

@defop("Shape", inputs=("input: T",), outputs=("output: out_type",),
       attrs={"out_type": dtypes.int32})
class Shape:
    """The shape of `input` as a 1-D int tensor."""
    def shape(op):
        return TensorShape([op.inputs[0].shape.ndims])

    def static_value(op):
        s = op.inputs[0].shape
        if s.is_fully_defined():
            return np.asarray(s.as_list(), op.get_attr("out_type").as_numpy_dtype)

    def kernel(xp, input, out_type):
        return xp.asarray(np.shape(input), dtype=out_type)
    grad = NOT_DIFFERENTIABLE


@defop("ShapeN", inputs=("input: N * T",), outputs=("output: N * out_type",),
       attrs={"out_type": dtypes.int32})
class ShapeN:
    """The shapes of several tensors."""
    def shape(op):
        return [TensorShape([t.shape.ndims]) for t in op.inputs]

    def kernel(xp, input, out_type):
        return [xp.asarray(np.shape(x), dtype=out_type) for x in input]
    grad = NOT_DIFFERENTIABLE


@defop("Size", inputs=("input: T",), outputs=("output: out_type",),
       attrs={"out_type": dtypes.int32})
class Size:
    """The number of elements of `input`."""
    def shape(op):
        return TensorShape([])

    def static_value(op):
        s = op.inputs[0].shape
        if s.is_fully_defined():
            return np.asarray(s.num_elements(), op.get_attr("out_type").as_numpy_dtype)

    def kernel(xp, input, out_type):
        return xp.asarray(np.size(input), dtype=out_type)
    grad = NOT_DIFFERENTIABLE


@defop("Rank", inputs=("input: T",), outputs=("output: int32",))
class Rank:
    """The number of dimensions of `input`."""
    def shape(op):
        return TensorShape([])

    def static_value(op):
        n = op.inputs[0].shape.ndims
        return None if n is None else np.asarray(n, np.int32)

    def kernel(xp, input):
        return xp.asarray(np.ndim(input), dtype=np.int32)
    grad = NOT_DIFFERENTIABLE


def _as_input(x, name="input"):
    if hasattr(x, "_as_graph_element") and not isinstance(x, Tensor) and hasattr(x, "value"):
        return x.value()
    return convert_to_tensor(x, name=name)


def shape(input, name=None, out_type=None):
    """Returns the shape of a tensor as a 1-D int tensor (a constant when fully known)."""
    out_type = dtypes.int32 if out_type is None else dtypes.as_dtype(out_type)
    with name_scope(name, "Shape", [input]) as scope:
        if isinstance(input, SparseTensor):  # its dense_shape, as TF
            d = input.dense_shape
            return d if out_type == d.dtype else apply_op(
                "Cast", [d], {"DstT": out_type, "Truncate": False}, name="Cast")
        input = _as_input(input)
        s = input.shape
        if s.is_fully_defined():
            return constant(s.as_list(), dtype=out_type, name=scope)
        return apply_op("Shape", [input], {"out_type": out_type}, name=scope)


def shape_n(input, out_type=dtypes.int32, name=None):
    """Returns the shapes of a list of tensors."""
    return apply_op("ShapeN", [list(input)], {"out_type": dtypes.as_dtype(out_type)},
                    name=name)


def size(input, name=None, out_type=None):
    """Returns the number of elements of a tensor (a constant when fully known)."""
    out_type = dtypes.int32 if out_type is None else dtypes.as_dtype(out_type)
    with name_scope(name, "Size", [input]) as scope:
        input = _as_input(input)
        n = input.shape.num_elements()
        if n is not None:
            return constant(n, dtype=out_type, name=scope)
        return apply_op("Size", [input], {"out_type": out_type}, name=scope)


def rank(input, name=None):
    """Returns the rank of a tensor (a constant when statically known)."""
    with name_scope(name, "Rank", [input]) as scope:
        input = _as_input(input)
        if input.shape.ndims is not None:
            return constant(input.shape.ndims, dtype=dtypes.int32, name=scope)
        return apply_op("Rank", [input], name=scope)


# -- reshape, transpose, expand_dims, squeeze -----------------------------------------------

def _reshape_shape(op):
    x = op.inputs[0].shape
    dims = _partial_vector(op.inputs[1])
    if dims is None:
        return unknown_shape()
    if sum(1 for d in dims if d == -1) > 1:
        return unknown_shape(len(dims))
    for d in dims:
        if d is not None and d < -1:
            raise ValueError(f"Size {dims.index(d)} must be non-negative, not {d}")
    n_in = x.num_elements()
    known = [d for d in dims if d is not None and d >= 0]
    n_known = int(np.prod(known)) if known else 1
    missing = [i for i, d in enumerate(dims) if d is None or d < 0]
    out = [None if d is None or d < 0 else d for d in dims]
    if not missing and n_in is None and x.ndims is not None:
        # the known input dims must divide the output size, whatever the unknown ones are
        n_part = int(np.prod([d for d in x.as_list() if d is not None]))
        if n_part and n_known % n_part:
            raise ValueError(f"Dimension size must be evenly divisible by {n_part} but is "
                             f"{n_known}")
    if not missing:
        if n_in is not None and n_in != n_known:
            raise ValueError(f"Cannot reshape a tensor with {n_in} elements to shape "
                             f"{dims} ({n_known} elements)")
    elif len(missing) == 1 and n_in is not None:
        if n_known == 0 or n_in % n_known:
            if n_known or n_in:
                raise ValueError(f"Cannot reshape a tensor with {n_in} elements to shape "
                                 f"{dims} ({n_known} elements)")
        else:
            out[missing[0]] = n_in // n_known
    return TensorShape(out)


@defop("Reshape", inputs=("tensor: T", "shape: Tshape"), outputs=("output: T",),
       attrs={"Tshape": dtypes.int32})
class Reshape:
    """Reshapes `tensor` to `shape` (one entry may be -1)."""
    shape = _reshape_shape

    def forwards_input(op):  # a reshape to the fully known shape its input has
        s = op.inputs[0].shape
        return 0 if s.is_fully_defined() and op.outputs[0].shape.as_list() == s.as_list() \
            else None

    def kernel(xp, tensor, shape):
        shape = tuple(_int_list(shape))
        try:
            return xp.reshape(tensor, shape)
        except ValueError:
            want = int(np.prod([d for d in shape if d >= 0]))
            raise errors.InvalidArgumentError(
                None, None, f"Input to reshape is a tensor with {np.size(tensor)} values, "
                            f"but the requested shape has {want}") from None

    def grad(op, g):
        return [reshape(g, _shape_of(op.inputs[0])), None]


def reshape(tensor, shape, name=None):
    """Reshapes a tensor; one entry of `shape` may be -1 (inferred)."""
    return apply_op("Reshape", [tensor, _shape_arg(shape)], name=name)


def _transpose_shape(op):
    x = op.inputs[0].shape
    perm = _partial_vector(op.inputs[1])
    # An unknown-rank input takes its rank from perm's length, as TF, only from length 2 up.
    if perm is None:
        n = op.inputs[1].shape.as_tuple_or_none()
        k = n[0] if n and n[0] is not None and n[0] >= 2 else None
        return unknown_shape(x.ndims if x.ndims is not None else k)
    if x.ndims is not None and len(perm) != x.ndims:
        raise ValueError(f"Dimension must be {x.ndims} but is {len(perm)}")
    if x.ndims is None:
        return unknown_shape(len(perm) if len(perm) >= 2 else None)
    n = x.ndims
    dims = x.as_list()
    out = []
    for p in perm:
        if p is None:
            out.append(None)
        elif not -n <= p < n:
            raise ValueError(f"perm dim {p} is out of range of input rank {n}")
        else:
            out.append(dims[p % n])
    return TensorShape(out)


def _check_perm(perm, n):
    perm = [int(p) for p in np.reshape(perm, -1)]
    if len(perm) != n:
        raise errors.InvalidArgumentError(
            None, None, f"transpose expects a vector of size {n}. But input(1) is a vector "
                        f"of size {len(perm)}")
    if sorted(p % n if n else p for p in perm) != list(range(n)) or \
            any(not -n <= p < n for p in perm):
        raise errors.InvalidArgumentError(None, None, f"{perm} is not a valid permutation")
    return tuple(p % n for p in perm)


@defop("Transpose", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
       attrs={"Tperm": dtypes.int32})
class Transpose:
    """Permutes the dimensions of `x` by `perm`."""
    shape = _transpose_shape
    permutes = True

    def kernel(xp, x, perm):
        return xp.transpose(x, _check_perm(perm, np.ndim(x)))

    def grad(op, g):
        return [transpose(g, invert_permutation(op.inputs[1])), None]


@defop("ConjugateTranspose", inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
       attrs={"Tperm": dtypes.int32})
class ConjugateTranspose:
    """Permutes the dimensions of `x` by `perm` and conjugates it."""
    shape = _transpose_shape

    def kernel(xp, x, perm):
        return xp.conj(xp.transpose(x, _check_perm(perm, np.ndim(x))))

    def grad(op, g):
        return [transpose(g, invert_permutation(op.inputs[1]), conjugate=True), None]


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Transposes `a`; `perm` defaults to reversing the dimensions."""
    with name_scope(name, "transpose", [a]) as scope:
        a = _as_input(a, name="a")
        if perm is None:
            n = a.shape.ndims
            if n is not None:
                perm = np.arange(n - 1, -1, -1, dtype=np.int32)
            else:
                from flowgraph.ops import creation_ops
                r = rank(a)
                perm = _fn("subtract")(_fn("subtract")(r, 1), creation_ops.range(0, r, 1))
        op_type = "ConjugateTranspose" if conjugate and a.dtype.is_complex else "Transpose"
        return apply_op(op_type, [a, perm], name=scope)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two dimensions of `a`."""
    with name_scope(name, "matrix_transpose", [a]) as scope:
        a = _as_input(a, name="a")
        n = a.shape.ndims
        if n is None:
            raise ValueError("matrix_transpose needs the rank of `a` to be known")
        if n < 2:
            raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  "
                             f"Received `a` = {a} with shape: {a.shape}")
        perm = list(range(n - 2)) + [n - 1, n - 2]
        return transpose(a, perm=perm, conjugate=conjugate, name=scope)


@defop("InvertPermutation", inputs=("x: T",), outputs=("y: T",), attrs={"T": dtypes.int32})
class InvertPermutation:
    """The inverse of the permutation `x`: `y[x[i]] = i`."""
    def shape(op):
        return op.inputs[0].shape.with_rank(1)

    def kernel(xp, x):
        n = np.size(x)
        if np.ndim(x) != 1:
            raise errors.InvalidArgumentError(None, None, "invert_permutation expects a 1D "
                                                          "vector.")
        xs = _host(x)
        if n and (xs.min() < 0 or xs.max() >= n or np.unique(xs).size != n):
            raise errors.InvalidArgumentError(None, None, f"{xs.tolist()} is not a "
                                                          "permutation of 0..n-1")
        y = xp.empty(n, dtype=x.dtype)
        y[x] = xp.arange(n, dtype=x.dtype)
        return y
    grad = NOT_DIFFERENTIABLE


def invert_permutation(x, name=None):
    """Computes the inverse permutation of a 1-D int tensor."""
    return apply_op("InvertPermutation", [x], name=name)


def _expand_dims_shape(op):
    x = op.inputs[0].shape
    d = _const_axis(op.inputs[1])
    if x.ndims is None:
        return unknown_shape()
    if d is None:
        return unknown_shape(x.ndims + 1)
    n = x.ndims
    if not -n - 1 <= d <= n:
        raise ValueError(f"dim {d} not in the interval [{-n - 1}, {n}].")
    d = d + n + 1 if d < 0 else d
    dims = x.as_list()
    return TensorShape(dims[:d] + [1] + dims[d:])


@defop("ExpandDims", inputs=("input: T", "dim: Tdim"), outputs=("output: T",),
       attrs={"Tdim": dtypes.int32})
class ExpandDims:
    """Inserts a dimension of size 1 at index `dim`."""
    shape = _expand_dims_shape

    def kernel(xp, input, dim):
        n = np.ndim(input)
        d = _int_list(dim)[0] if np.size(dim) == 1 else None
        if d is None or not -n - 1 <= d <= n:
            raise errors.InvalidArgumentError(
                None, None, f"Tried to expand dim index {d} for tensor with {n} dimensions.")
        return xp.expand_dims(input, d)

    def grad(op, g):
        return [reshape(g, _shape_of(op.inputs[0])), None]


def expand_dims(input, axis=None, name=None, dim=None):
    """Inserts a dimension of length 1 into a tensor's shape at `axis`."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'dim' and 'axis'.")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return apply_op("ExpandDims", [input, axis], name=name)


def _squeeze_shape(op):
    x = op.inputs[0].shape
    axes = op.get_attr("squeeze_dims")
    if x.ndims is None:
        return unknown_shape()
    n, dims = x.ndims, x.as_list()
    if axes:
        keep = set(range(n))
        for i, a in enumerate(axes):
            if not -n <= a < n:
                raise ValueError(f"squeeze_dims[{i}] not in [{-n},{n}).")
            a %= n
            if dims[a] is not None and dims[a] != 1:
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, "
                                 f"got {dims[a]}")
            keep.discard(a)
        return TensorShape([dims[i] for i in sorted(keep)])
    if any(d is None for d in dims):
        return unknown_shape()
    return TensorShape([d for d in dims if d != 1])


@defop("Squeeze", inputs=("input: T",), outputs=("output: T",), attrs={"squeeze_dims": []})
class Squeeze:
    """Removes dimensions of size 1 (all of them, or those in `squeeze_dims`)."""
    shape = _squeeze_shape

    def kernel(xp, input, squeeze_dims):
        n = np.ndim(input)
        if not squeeze_dims:
            return xp.squeeze(input)
        axes = tuple(sorted({a % n for a in squeeze_dims}))
        for a in axes:
            if input.shape[a] != 1:
                raise errors.InvalidArgumentError(
                    None, None, f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                f"{input.shape[a]}")
        return xp.squeeze(input, axis=axes)

    def grad(op, g):
        return [reshape(g, _shape_of(op.inputs[0]))]


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Removes dimensions of size 1 from the shape of a tensor."""
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'")
        axis = squeeze_dims
    if np.isscalar(axis) or isinstance(axis, numbers.Integral):
        axis = [axis]
    return apply_op("Squeeze", [input], {"squeeze_dims": [int(a) for a in (axis or [])]},
                    name=name)


_SUBMODULES = ("join_ops", "manip_ops", "slicing_ops", "gather_ops", "creation_ops",
               "diag_ops")


def __getattr__(name):
    """`array_ops.gather` etc.: builders that live in the sibling array modules."""
    import importlib
    for m in _SUBMODULES:
        mod = importlib.import_module(f"flowgraph.ops.{m}")
        if name in getattr(mod, "__all__", ()):
            return getattr(mod, name)
    raise AttributeError(f"module 'flowgraph.ops.array_ops' has no attribute {name!r}")
