"""Creating tensors: zeros, ones, zeros_like, ones_like, fill, range, linspace,
sequence_mask and meshgrid."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, constant, \
    convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops.array_ops import _static_value, _as_input, _fn, _int_list, _shape_arg, \
    _shape_from_tensor, reshape, shape, size

__all__ = ["zeros", "ones", "zeros_like", "ones_like", "fill", "range", "linspace",
           "lin_space", "sequence_mask", "meshgrid"]

_range = range  # the builtin, shadowed by TF's `range` builder below
_SMALL = 1000   # TF stores zeros/ones with fewer elements as a Const, larger ones as Fill


# -- Fill, ZerosLike, OnesLike --------------------------------------------------------------

@defop("Fill", inputs=("dims: index_type", "value: T"), outputs=("output: T",),
       attrs={"index_type": dtypes.int32})
class Fill:
    """A tensor of shape `dims` filled with the scalar `value`."""
    def shape(op):
        op.inputs[0].shape.with_rank(1)
        op.inputs[1].shape.with_rank(0)
        return _shape_from_tensor(op.inputs[0])

    def kernel(xp, dims, value):
        d = _int_list(dims)
        if np.ndim(dims) != 1:
            raise errors.InvalidArgumentError(None, None, f"dims must be a vector, got shape "
                                                          f"{list(np.shape(dims))}")
        if np.ndim(value) != 0:
            raise errors.InvalidArgumentError(None, None, f"value must be a scalar, got shape "
                                                          f"{list(np.shape(value))}")
        if any(x < 0 for x in d):
            raise errors.InvalidArgumentError(None, None, f"dims must be non-negative: {d}")
        return xp.array(xp.broadcast_to(value, d))

    def grad(op, g):
        return [None, _fn("reduce_sum")(g)]


@defop("ZerosLike", inputs=("x: T",), outputs=("y: T",))
class ZerosLike:
    """A tensor of zeros with the shape and type of `x`."""
    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, x):
        if x.dtype == object:  # strings: the empty string
            return np.full(x.shape, b"", dtype=object)
        return xp.zeros_like(x)
    grad = NOT_DIFFERENTIABLE


@defop("OnesLike", inputs=("x: T",), outputs=("y: T",))
class OnesLike:
    """A tensor of ones with the shape and type of `x`."""
    def shape(op):
        return op.inputs[0].shape

    def kernel(xp, x):
        return xp.ones_like(x)
    grad = NOT_DIFFERENTIABLE


def fill(dims, value, name=None, layout=None):
    """Creates a tensor of shape `dims` filled with the scalar `value`."""
    dims = dims if isinstance(dims, Tensor) else _shape_arg(dims, "dims")
    return apply_op("Fill", [dims, value], name=name)


def _filled(value, shape, dtype, name, default_name):
    """zeros/ones: a Const when small and static (as TF), else a Fill."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, default_name, [shape]) as scope:
        if not isinstance(shape, Tensor):
            try:
                dims = [int(d) for d in _static_dims(shape)]
            except (TypeError, ValueError):
                dims = None
            if dims is not None and int(np.prod(dims)) < _SMALL:
                v = b"" if dtype == dtypes.string and value == 0 else value
                return constant(v, dtype=dtype, shape=dims, name=scope)
        shape = shape if isinstance(shape, Tensor) else _shape_arg(shape, "shape_as_tensor")
        if shape.shape.ndims == 0:
            shape = reshape(shape, [-1])
        v = b"" if dtype == dtypes.string and value == 0 else value
        return apply_op("Fill", [shape, constant(v, dtype=dtype)], name=scope)


def _static_dims(shape):
    from flowgraph.framework.tensor_shape import TensorShape as TS
    if isinstance(shape, TS):
        return shape.as_list()
    if hasattr(shape, "__index__"):
        return [shape]
    if any(isinstance(d, Tensor) for d in shape):
        raise TypeError("shape holds tensors")
    out = [d.value if hasattr(d, "value") and not hasattr(d, "__index__") else d
           for d in shape]
    if any(d is None for d in out):
        raise ValueError("unknown dim")
    return np.reshape(out, -1).tolist()


def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """Creates a tensor of the given shape with all elements zero."""
    return _filled(0 if dtypes.as_dtype(dtype) != dtypes.bool else False, shape, dtype, name,
                   "zeros")


def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    """Creates a tensor of the given shape with all elements one."""
    return _filled(1 if dtypes.as_dtype(dtype) != dtypes.bool else True, shape, dtype, name,
                   "ones")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """A tensor of zeros with the shape of `tensor` (and its dtype unless `dtype`)."""
    with name_scope(name, "zeros_like", [tensor]) as scope:
        tensor = _as_input(tensor, name="tensor")
        dt = tensor.dtype.base_dtype if dtype is None else dtypes.as_dtype(dtype)
        if optimize and tensor.shape.is_fully_defined() and dt != dtypes.variant:
            return zeros(tensor.shape.as_list(), dt, name=scope)
        if dt != tensor.dtype.base_dtype:
            return zeros(shape(tensor), dt, name=scope)
        return apply_op("ZerosLike", [tensor], name=scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """A tensor of ones with the shape of `tensor` (and its dtype unless `dtype`)."""
    with name_scope(name, "ones_like", [tensor]) as scope:
        tensor = _as_input(tensor, name="tensor")
        dt = tensor.dtype.base_dtype if dtype is None else dtypes.as_dtype(dtype)
        s = shape(tensor) if optimize else apply_op("Shape", [tensor])
        return ones(s, dt, name=scope)


# -- Range, LinSpace ------------------------------------------------------------------------

def _range_size(start, limit, delta, dtype):
    """The length of range(start, limit, delta) as TF computes it; ValueError if invalid."""
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if np.dtype(dtype).kind in "iu":
        s, l, d = int(start), int(limit), int(delta)
        return (abs(l - s) + abs(d) - 1) // abs(d)
    t = np.dtype(dtype).type
    return int(np.ceil(np.abs((t(float(limit)) - t(float(start))) / t(float(delta)))))


@defop("Range", inputs=("start: Tidx", "limit: Tidx", "delta: Tidx"), outputs=("output: Tidx",),
       attrs={"Tidx": dtypes.int32})
class Range:
    """The sequence start, start + delta, ... up to (not including) limit."""
    def shape(op):
        for t in op.inputs:
            t.shape.with_rank(0)
        vals = [_static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return TensorShape([None])
        return TensorShape([_range_size(*vals, op.get_attr("Tidx").as_numpy_dtype)])

    def kernel(xp, start, limit, delta, Tidx):
        try:
            n = _range_size(start, limit, delta, Tidx)
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        return (start + xp.arange(n, dtype=Tidx) * delta).astype(Tidx, copy=False)
    grad = NOT_DIFFERENTIABLE


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.bfloat16, dtypes.float32,
                dtypes.float64]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 (TF's name)
    """A 1-D tensor `[start, start + delta, ...]` up to (not including) `limit`.

    Ints give int32 and any float float32 unless `dtype` says otherwise."""
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        want = None if dtype is None else dtypes.as_dtype(dtype)
        vals = [(v, n) for v, n in ((start, "start"), (limit, "limit"), (delta, "delta"))]
        if want is None:
            # Python ints count as int32, Python floats as float32; the widest type wins.
            kinds = []
            for v, _ in vals:
                if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
                    kinds.append(dtypes.as_dtype(v.dtype).base_dtype)
                elif isinstance(v, (np.ndarray, np.generic)):
                    kinds.append(dtypes.as_dtype(np.asarray(v).dtype))
                elif isinstance(v, float):
                    kinds.append(dtypes.float32)
                else:
                    kinds.append(dtypes.int32 if -2**31 <= int(v) < 2**31 else dtypes.int64)
            for k in kinds:
                if k not in _RANGE_ORDER:
                    raise TypeError(f"Unsupported range dtype {k.name}")
            want = max(kinds, key=_RANGE_ORDER.index)
        args = []
        for v, n in vals:
            if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
                t = convert_to_tensor(v, name=n)
                args.append(t if t.dtype.base_dtype == want else _fn("cast")(t, want))
            else:
                args.append(constant(np.asarray(v).astype(want.as_numpy_dtype), name=n))
        return apply_op("Range", args, name=scope)


@defop("LinSpace", inputs=("start: T", "stop: T", "num: Tidx"), outputs=("output: T",),
       attrs={"Tidx": dtypes.int32})
class LinSpace:
    """`num` evenly spaced values from `start` to `stop` inclusive."""
    def shape(op):
        for t in op.inputs:
            t.shape.with_rank(0)
        n = _static_value(op.inputs[2])
        if n is not None and int(n) <= 0:
            raise ValueError(f"Requires num > 0: {int(n)}")
        return TensorShape([None if n is None else int(n)])

    def kernel(xp, start, stop, num):
        n = int(num)
        if n <= 0:
            raise errors.InvalidArgumentError(None, None, f"Requires num > 0: {n}")
        dt = start.dtype
        if n == 1:
            return xp.asarray([start], dtype=dt)
        step = (stop - start) / (n - 1)
        out = start + xp.arange(n, dtype=dt) * step
        out[-1] = stop
        return out.astype(dt, copy=False)

    def grad(op, g):
        # out[i] = start + (stop - start) * w[i] with w[i] = i / max(num - 1, 1)
        dt = g.dtype.base_dtype
        cast, sub, mul = _fn("cast"), _fn("subtract"), _fn("multiply")
        reduce_sum = _fn("reduce_sum")
        n = op.inputs[2]
        w = _fn("truediv")(cast(range(0, n), dt),
                           cast(_fn("maximum")(sub(n, 1), 1), dt))
        return [reduce_sum(mul(g, 1 - w)),  # operator form: 1 takes w's dtype
                reduce_sum(mul(g, w)), None]


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (both included)."""
    if axis != 0:
        raise NotImplementedError("linspace with axis != 0 is not supported")
    with name_scope(name, "LinSpace", [start, stop, num]) as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, name="stop", dtype=start.dtype)
        return apply_op("LinSpace", [start, stop, num], name=scope)


lin_space = linspace


# -- sequence_mask, meshgrid ----------------------------------------------------------------

def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """A mask `mask[i..., j] = j < lengths[i...]` of length `maxlen` (default max(lengths))."""
    with name_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = _fn("reduce_max")(lengths)
            maxlen = _fn("maximum")(convert_to_tensor(0, dtype=maxlen.dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        if maxlen.shape.ndims is not None and maxlen.shape.ndims != 0:
            raise ValueError(f"Argument `maxlen` must be scalar for sequence_mask, received "
                             f"`maxlen` = {maxlen} with shape '{maxlen.shape}' instead")
        row = range(0, maxlen, 1)
        from flowgraph.ops.array_ops import expand_dims
        matrix = _fn("cast")(expand_dims(lengths, -1), maxlen.dtype)
        result = _fn("less")(row, matrix)
        if dtypes.as_dtype(dtype) == dtypes.bool:
            return result
        return _fn("cast")(result, dtype)


def meshgrid(*args, **kwargs):
    """Coordinate arrays from 1-D coordinate vectors (`indexing` "xy" or "ij")."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = list(kwargs)[0]
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    from flowgraph.ops import join_ops, manip_ops
    with name_scope(name, "meshgrid", args):
        n = len(args)
        args = [convert_to_tensor(a) for a in args]
        out = [reshape(a, [1] * i + [-1] + [1] * (n - i - 1)) for i, a in enumerate(args)]
        sizes = [size(a) for a in args]
        if indexing == "xy" and n > 1:
            out[0] = reshape(out[0], [1, -1] + [1] * (n - 2))
            out[1] = reshape(out[1], [-1, 1] + [1] * (n - 2))
            sizes[0], sizes[1] = sizes[1], sizes[0]
        target = join_ops.stack(sizes)
        return [manip_ops.broadcast_to(o, target) for o in out]
