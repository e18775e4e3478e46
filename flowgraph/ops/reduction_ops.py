"""Reductions (`Sum`, `Mean`, `Max`, ...), arg-max/min, cumulative sums and products, the
selection ops (`Select`, `SelectV2`, `Where`) and the composites built on them
(`reduce_logsumexp`, `count_nonzero`, `clip_by_value`)."""
import numpy as np

from flowgraph.framework import dtypes, errors, shape_fns, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, constant, convert_to_tensor, \
    constant_value
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops.grad_util import sum_to
from flowgraph.ops.math_common import (check_type, const_axes, host_ints, kernel_axes,
                                       lookup, reduction_shape, reduced_shape_static, NUMERIC,
                                       REAL_NUMERIC)

_PUBLIC = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_any", "reduce_all", "reduce_logsumexp", "reduce_variance", "reduce_std",
           "argmax", "argmin", "cumsum", "cumprod", "count_nonzero"]
__all__ = _PUBLIC + ["clip_by_value", "where", "where_v2", "select", "arg_max", "arg_min"]
# `gen_math_ops.clip_by_value` (the ClipByValue op) is `_clip_by_value` here, as in TF.
__namespaces__ = {"math": list(_PUBLIC)}
_INDEX = (dtypes.int32, dtypes.int64)


def _m():
    from flowgraph.ops import math_ops
    return math_ops


# -- reduction kernels -------------------------------------------------------------------
def _sum(xp, input, reduction_indices, keep_dims, op_name):
    axes = kernel_axes(reduction_indices, input.ndim, op_name)
    return xp.sum(input, axis=axes, keepdims=keep_dims, dtype=input.dtype)


def _prod(xp, input, reduction_indices, keep_dims, op_name):
    axes = kernel_axes(reduction_indices, input.ndim, op_name)
    return xp.prod(input, axis=axes, keepdims=keep_dims, dtype=input.dtype)


def _mean(xp, input, reduction_indices, keep_dims, op_name):
    axes = kernel_axes(reduction_indices, input.ndim, op_name)
    if input.dtype.kind not in "iu":
        return xp.mean(input, axis=axes, keepdims=keep_dims).astype(input.dtype, copy=False)
    s = xp.sum(input, axis=axes, keepdims=keep_dims, dtype=input.dtype)
    n = int(np.prod([input.shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return s
    if input.dtype.kind == "u":
        return s // n
    q = xp.abs(s) // n  # C++ integer division truncates toward zero
    return xp.where(s < 0, -q, q).astype(input.dtype, copy=False)


def _extreme(fn, fill):
    def kernel(xp, input, reduction_indices, keep_dims, op_name):
        axes = kernel_axes(reduction_indices, input.ndim, op_name)
        if input.size == 0:  # TF returns the reduction's identity for empty axes
            k = input.dtype.kind
            init = fill(np.finfo(input.dtype) if k in "fc" else np.iinfo(input.dtype), k)
            return getattr(xp, fn)(input, axis=axes, keepdims=keep_dims, initial=init)
        return getattr(xp, fn)(input, axis=axes, keepdims=keep_dims)
    return kernel


def _logical(fn):
    def kernel(xp, input, reduction_indices, keep_dims, op_name):
        axes = kernel_axes(reduction_indices, input.ndim, op_name)
        return getattr(xp, fn)(input, axis=axes, keepdims=keep_dims)
    return kernel


# -- reduction gradients -------------------------------------------------------------------
def _kept_shape(op):
    """The input's shape with the reduced axes set to 1: a list when static, else a Tensor.
    Second value: the static axes (a tuple) or None."""
    from flowgraph.ops import array_ops
    x, axes_t = op.inputs
    rank = x.shape.ndims
    axes = const_axes(axes_t, rank)
    if axes is not None and x.shape.is_fully_defined():
        return reduced_shape_static(x.shape, axes, True).as_list(), axes
    if axes is not None:  # known rank: replace the reduced dims of shape(x) by 1
        mask = np.array([i in axes for i in range(rank)])
        return where_v2(mask, np.int32(1), array_ops.shape(x)), axes
    return reduced_shape(array_ops.shape(x), axes_t), None


def reduced_shape(input_shape, axes):
    """The shape of a keep_dims reduction of a tensor of shape `input_shape` over `axes`."""
    from flowgraph.ops import array_ops
    input_shape = convert_to_tensor(input_shape)
    axes = _m().cast(array_ops.reshape(convert_to_tensor(axes), [-1, 1]), input_shape.dtype)
    rank = array_ops.size(input_shape, out_type=input_shape.dtype)
    axes = _m().floormod(_m().add(axes, rank), _m().maximum(rank, 1))
    hit = reduce_any(_m().equal(array_ops.range(rank), axes), 0)
    return where_v2(hit, constant(1, dtype=input_shape.dtype.base_dtype), input_shape)


def _broadcast_back(op, grad):
    """The gradient of a Sum: `grad` reshaped to kept dims and broadcast to the input."""
    from flowgraph.ops import array_ops
    x = op.inputs[0]
    kept, _ = _kept_shape(op)
    static_in = x.shape.as_list() if x.shape.is_fully_defined() else None
    gshape = grad.shape.as_list() if grad.shape.is_fully_defined() else None
    if not (isinstance(kept, list) and gshape == kept) and not op.get_attr("keep_dims"):
        grad = array_ops.reshape(grad, kept)
    gs = grad.shape
    if static_in is not None and gs.is_fully_defined() and gs.as_list() == static_in:
        return grad
    return array_ops.broadcast_to(grad, static_in if static_in is not None
                                  else array_ops.shape(x))


def _sum_grad(op, grad):
    return [_broadcast_back(op, grad), None]


def _mean_grad(op, grad):
    from flowgraph.ops import array_ops
    g = _broadcast_back(op, grad)
    x, y = op.inputs[0], op.outputs[0]
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        factor = max(x.shape.num_elements() // max(y.shape.num_elements(), 1), 1)
        return [_m().truediv(g, constant(factor, dtype=g.dtype.base_dtype)), None]
    in_size = reduce_prod(array_ops.shape(x))
    out_size = reduce_prod(array_ops.shape(y))
    factor = _m().floordiv(in_size, _m().maximum(out_size, 1))
    return [_m().truediv(g, _m().cast(factor, g.dtype.base_dtype)), None]


def _min_max_grad(op, grad):
    from flowgraph.ops import array_ops
    x, y = op.inputs[0], op.outputs[0]
    kept, _ = _kept_shape(op)
    if not op.get_attr("keep_dims"):
        y = array_ops.reshape(y, kept)
        grad = array_ops.reshape(grad, kept)
    indicators = _m().cast(_m().equal(y, x), grad.dtype.base_dtype)
    num_selected = array_ops.reshape(reduce_sum(indicators, op.inputs[1]), kept)
    return [_m().multiply(_m().truediv(indicators, num_selected), grad), None]


def _prod_grad(op, grad):
    """TF's zero-safe product gradient: the product of all other elements, as an exclusive
    cumulative product from the left times one from the right."""
    from flowgraph.ops import array_ops
    x = op.inputs[0]
    rank = x.shape.ndims
    axes = const_axes(op.inputs[1], rank)
    if axes is None:
        return [_prod_grad_dynamic(op, grad), None]
    g = _broadcast_back(op, grad)
    other = [i for i in range(rank) if i not in axes]
    perm = list(axes) + other
    inv = [perm.index(i) for i in range(rank)]
    if x.shape.is_fully_defined():
        dims = x.shape.as_list()
        rn, on = int(np.prod([dims[i] for i in axes])), int(np.prod([dims[i] for i in other]))
        new_shape = [rn, on]
        permuted_shape = [dims[i] for i in perm]
    else:
        sx = array_ops.shape(x)
        # int32 index arrays: an empty list (all axes reduced) would become float32
        idx = lambda a: np.asarray(a, np.int32)  # noqa: E731
        rn = reduce_prod(array_ops.gather(sx, idx(axes)))
        new_shape = array_ops.stack([rn, reduce_prod(array_ops.gather(sx, idx(other)))])
        permuted_shape = array_ops.gather(sx, idx(perm))
    permuted = array_ops.transpose(x, perm) if perm != list(range(rank)) else x
    reshaped = array_ops.reshape(permuted, new_shape)
    left = cumprod(reshaped, axis=0, exclusive=True)
    right = cumprod(reshaped, axis=0, exclusive=True, reverse=True)
    y = array_ops.reshape(_m().multiply(_m().conj(left), _m().conj(right)), permuted_shape)
    if perm != list(range(rank)):
        y = array_ops.transpose(y, inv)
    return [_m().multiply(g, y), None]  # both have the shape of x


def _prod_grad_dynamic(op, grad):
    """The Prod gradient when the rank or the axes are only known at run time."""
    from flowgraph.ops import array_ops
    x = op.inputs[0]
    g = _broadcast_back(op, grad)
    sx = array_ops.shape(x)
    rank = array_ops.rank(x)
    axes = _m().cast(array_ops.reshape(op.inputs[1], [-1]), dtypes.int32)
    reduced = _m().floormod(_m().add(axes, rank), rank)
    other, _ = array_ops.setdiff1d(array_ops.range(0, rank), reduced)
    perm = array_ops.concat([reduced, other], 0)
    reduced_num = reduce_prod(array_ops.gather(sx, reduced))
    other_num = reduce_prod(array_ops.gather(sx, other))
    permuted = array_ops.transpose(x, perm)
    reshaped = array_ops.reshape(permuted, array_ops.stack([reduced_num, other_num]))
    left = cumprod(reshaped, axis=0, exclusive=True)
    right = cumprod(reshaped, axis=0, exclusive=True, reverse=True)
    y = array_ops.reshape(_m().multiply(_m().conj(left), _m().conj(right)),
                          array_ops.shape(permuted))
    return _m().multiply(g, array_ops.transpose(y, array_ops.invert_permutation(perm)))


def _reduction_op(op_type, kernel, allowed, grad, doc, typed=True):
    def shape(op):
        if typed:
            check_type(op, allowed, arg="input")
        check_type(op, _INDEX, attr="Tidx", arg="reduction_indices")
        return reduction_shape(op)
    body = {"__doc__": doc, "shape": staticmethod(shape), "kernel": staticmethod(kernel),
            "grad": grad if isinstance(grad, str) else staticmethod(grad)}
    attrs = {"keep_dims": False, "Tidx": dtypes.int32}
    inputs = ("input: T" if typed else "input: bool", "reduction_indices: Tidx")
    defop(op_type, inputs=inputs, outputs=("output: T" if typed else "output: bool",),
          attrs=attrs)(type(op_type, (), body))


_reduction_op("Sum", _sum, NUMERIC, _sum_grad, "Computes the sum over the given axes.")
_reduction_op("Mean", _mean, NUMERIC, _mean_grad, "Computes the mean over the given axes.")
_reduction_op("Prod", _prod, NUMERIC, _prod_grad,
              "Computes the product over the given axes.")
_reduction_op("Max", _extreme("max", lambda i, k: -np.inf if k in "fc" else i.min),
              REAL_NUMERIC, _min_max_grad, "Computes the maximum over the given axes.")
_reduction_op("Min", _extreme("min", lambda i, k: np.inf if k in "fc" else i.max),
              REAL_NUMERIC, _min_max_grad, "Computes the minimum over the given axes.")
_reduction_op("Any", _logical("any"), None, NOT_DIFFERENTIABLE,
              "Computes the logical OR over the given axes.", typed=False)
_reduction_op("All", _logical("all"), None, NOT_DIFFERENTIABLE,
              "Computes the logical AND over the given axes.", typed=False)


# -- ArgMax / ArgMin -----------------------------------------------------------------------
def _arg_op(op_type, fn, doc):
    def shape(op):
        check_type(op, REAL_NUMERIC | {dtypes.bool}, arg="input")
        check_type(op, _INDEX, attr="Tidx", arg="dimension")
        check_type(op, _INDEX, attr="output_type", arg="output_type")
        x = op.inputs[0].shape
        d = constant_value(op.inputs[1])
        if x.ndims is None or d is None:
            return tensor_shape.unknown_shape(None if x.ndims is None else
                                              max(x.ndims - 1, 0))
        d, r = int(np.reshape(d, -1)[0]), x.ndims
        if not -r <= d < max(r, 1):
            raise ValueError(f"Expected dimension in the range [{-r}, {r}), but got {d}")
        dims = x.as_list()
        del dims[d % r]
        return tensor_shape.TensorShape(dims)

    def kernel(xp, input, dimension, output_type):
        r = input.ndim
        d = host_ints(dimension)[0]
        if not -r <= d < max(r, 1):
            raise errors.InvalidArgumentError(
                None, None, f"Expected dimension in the range [{-r}, {r}), but got {d}")
        d %= r
        if input.shape[d] == 0:
            raise errors.InvalidArgumentError(
                None, None, f"Reduction axis {d} is empty in shape "
                            f"[{','.join(map(str, input.shape))}]")
        return getattr(xp, fn)(input, axis=d).astype(output_type, copy=False)
    body = {"__doc__": doc, "shape": staticmethod(shape), "kernel": staticmethod(kernel),
            "grad": NOT_DIFFERENTIABLE}
    defop(op_type, inputs=("input: T", "dimension: Tidx"), outputs=("output: output_type",),
          attrs={"output_type": dtypes.int64, "Tidx": dtypes.int32})(type(op_type, (), body))


_arg_op("ArgMax", "argmax", "The index of the largest value along an axis (first on ties).")
_arg_op("ArgMin", "argmin", "The index of the smallest value along an axis (first on ties).")


# -- Cumsum / Cumprod ----------------------------------------------------------------------
def _cumulative(fn, identity):
    def kernel(xp, x, axis, exclusive, reverse):
        r = x.ndim
        a = host_ints(axis)[0]
        if not -r <= a < r:
            raise errors.InvalidArgumentError(
                None, None, f"ScanOp: Expected scan axis in the range [{-r}, {r}), but got {a}")
        a %= r
        if reverse:
            x = xp.flip(x, a)
        out = getattr(xp, fn)(x, axis=a, dtype=x.dtype)
        if exclusive and x.shape[a]:
            head = [slice(None)] * r
            head[a] = slice(0, -1)
            pad = list(x.shape)
            pad[a] = 1
            out = xp.concatenate([xp.full(pad, identity, dtype=x.dtype), out[tuple(head)]], a)
        if reverse:
            out = xp.flip(out, a)
        return out
    return kernel


def _cum_shape(op):
    check_type(op, NUMERIC)
    check_type(op, _INDEX, attr="Tidx", arg="axis")
    return op.inputs[0].shape.with_rank_at_least(1)


@defop("Cumsum", inputs=("x: T", "axis: Tidx"), outputs=("out: T",),
       attrs={"exclusive": False, "reverse": False, "Tidx": dtypes.int32})
class Cumsum:
    """The cumulative sum of x along `axis` (exclusive: shifted by one; reverse: from the
    end)."""
    shape = _cum_shape
    kernel = _cumulative("cumsum", 0)

    def grad(op, grad):
        return [cumsum(grad, op.inputs[1], exclusive=op.get_attr("exclusive"),
                       reverse=not op.get_attr("reverse")), None]


@defop("Cumprod", inputs=("x: T", "axis: Tidx"), outputs=("out: T",),
       attrs={"exclusive": False, "reverse": False, "Tidx": dtypes.int32})
class Cumprod:
    """The cumulative product of x along `axis`."""
    shape = _cum_shape
    kernel = _cumulative("cumprod", 1)

    def grad(op, grad):
        x, axis = op.inputs
        ex, rev = op.get_attr("exclusive"), op.get_attr("reverse")
        prod = cumprod(x, axis, exclusive=ex, reverse=rev)
        out = cumsum(_m().multiply(prod, grad), axis, exclusive=ex, reverse=not rev)
        return [_m().truediv(out, x), None]


# -- Select / SelectV2 / Where -------------------------------------------------------------
@defop("Select", inputs=("condition: bool", "t: T", "e: T"), outputs=("output: T",))
class Select:
    """Picks elements from t where condition is true, else from e. condition has the shape
    of t, or is a vector selecting rows of t, or a scalar."""
    def shape(op):
        c, t, e = (i.shape for i in op.inputs)
        out = t.merge_with(e)
        if c.ndims == 1 and out.ndims is not None and out.ndims > 1:
            c.merge_with(out[:1])
        elif c.ndims not in (None, 0):
            merged = c.merge_with(out)
            if c.ndims > 1 and out.ndims is not None:
                return merged  # TF merges a same-shape condition's dims into the result
        return out

    def kernel(xp, condition, t, e):
        if t.shape != e.shape:
            raise errors.InvalidArgumentError(
                None, None, f"'then' and 'else' must have the same size.  but received: "
                            f"{list(t.shape)} vs. {list(e.shape)}")
        if condition.ndim == 1 and t.ndim > 1:
            if condition.shape[0] != t.shape[0]:
                raise errors.InvalidArgumentError(
                    None, None, "Number of batches of 'then' must match size of 'cond', but "
                                f"saw: {t.shape[0]} vs. {condition.shape[0]}")
            condition = condition.reshape((-1,) + (1,) * (t.ndim - 1))
        elif condition.ndim and condition.shape != t.shape:
            raise errors.InvalidArgumentError(
                None, None, f"'cond' and 'then' must have the same size.  but received: "
                            f"{list(condition.shape)} vs. {list(t.shape)}")
        return xp.where(condition, t, e)

    def grad(op, grad):
        from flowgraph.ops import array_ops
        c, t = op.inputs[0], op.inputs[1]
        zeros = array_ops.zeros_like(t)
        return [None, where(c, grad, zeros), where(c, zeros, grad)]


@defop("SelectV2", inputs=("condition: bool", "t: T", "e: T"), outputs=("output: T",))
class SelectV2:
    """Picks elements from t where condition is true, else from e, broadcasting all three."""
    def shape(op):
        c, t, e = (i.shape for i in op.inputs)
        return shape_fns.broadcast_shapes(c, shape_fns.broadcast_shapes(t, e))

    def kernel(xp, condition, t, e):
        return xp.where(condition, t, e)

    def grad(op, grad):
        from flowgraph.ops import array_ops
        c, t, e = op.inputs
        zeros = array_ops.zeros_like(grad)
        return [None, sum_to(where_v2(c, grad, zeros), t), sum_to(where_v2(c, zeros, grad), e)]


@defop("ClipByValue", inputs=("t: T", "clip_value_min: T", "clip_value_max: T"),
       outputs=("output: T",))
class ClipByValue:
    """Clips t elementwise to [clip_value_min, clip_value_max] (scalars or t's shape)."""
    def shape(op):
        check_type(op, NUMERIC, arg="t")
        t = op.inputs[0].shape
        for b in op.inputs[1:]:
            if b.shape.ndims not in (None, 0):
                t = t.merge_with(b.shape)
        return t

    def kernel(xp, t, clip_value_min, clip_value_max):
        for b in (clip_value_min, clip_value_max):
            if b.ndim and b.shape != t.shape:
                raise errors.InvalidArgumentError(
                    None, None, "clip_value_min and clip_value_max must be either scalars "
                                f"or have the same shape as t: {list(b.shape)} vs. "
                                f"{list(t.shape)}")
        return xp.minimum(xp.maximum(t, clip_value_min), clip_value_max)

    def grad(op, grad):
        from flowgraph.ops import array_ops
        x, lo, hi = op.inputs
        zeros = array_ops.zeros_like(grad)
        below, above = _m().less(x, lo), _m().greater(x, hi)
        gx = where_v2(_m().logical_or(below, above), zeros, grad)
        return [gx, sum_to(where_v2(below, grad, zeros), lo),
                sum_to(where_v2(above, grad, zeros), hi)]


@defop("Where", inputs=("input: T",), outputs=("index: int64",), attrs={"T": dtypes.bool})
class Where:
    """The coordinates of the true (nonzero) elements of input, one row per element, in
    row-major order."""
    def shape(op):
        check_type(op, NUMERIC | {dtypes.bool}, arg="input")
        r = op.inputs[0].shape.ndims
        return tensor_shape.TensorShape([None, r]) if r is not None else \
            tensor_shape.unknown_shape(2)

    def kernel(xp, input):
        return xp.argwhere(input).astype(np.int64, copy=False)
    grad = NOT_DIFFERENTIABLE


# -- builders ------------------------------------------------------------------------------
def _reduction_dims(x, axis):
    """The reduction-axes argument: `axis`, or all axes when it is None."""
    if axis is not None:
        return axis
    if x.shape.ndims is not None:
        return constant(np.arange(x.shape.ndims, dtype=np.int32))
    from flowgraph.ops import array_ops
    return array_ops.range(0, array_ops.rank(x))


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axis = lookup(axis, "axis", reduction_indices, "reduction_indices")
    keepdims = lookup(keepdims, "keepdims", keep_dims, "keep_dims")
    x = convert_to_tensor(input_tensor)
    dims = _reduction_dims(x, axis)
    out = apply_op(op_type, [x, dims], {"keep_dims": bool(keepdims)}, name=name)
    if axis is None and not keepdims:
        out.set_shape([])  # known to be a scalar even when x's rank is not
    return out


def _reduction_builder(op_type, what):
    def builder(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
        return _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices,
                       keep_dims)
    builder.__doc__ = (f"Computes the {what} of elements across dimensions of a tensor.\n\n"
                       "    `axis=None` reduces all dimensions; `keepdims` keeps reduced "
                       "dimensions with length 1.")
    return builder


reduce_sum = _reduction_builder("Sum", "sum")
reduce_mean = _reduction_builder("Mean", "mean")
reduce_max = _reduction_builder("Max", "maximum")
reduce_min = _reduction_builder("Min", "minimum")
reduce_prod = _reduction_builder("Prod", "product")
reduce_any = _reduction_builder("Any", "logical OR")
reduce_all = _reduction_builder("All", "logical AND")


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None,
                     reduction_indices=None, keep_dims=None):
    """Computes log(sum(exp(x))) across dimensions, stably (subtracting the max first)."""
    from flowgraph.ops import array_ops, core
    axis = lookup(axis, "axis", reduction_indices, "reduction_indices")
    keepdims = bool(lookup(keepdims, "keepdims", keep_dims, "keep_dims"))
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as name:
        x = convert_to_tensor(input_tensor)
        raw_max = reduce_max(x, axis, keepdims=True)
        my_max = core.stop_gradient(where_v2(_m().is_finite(raw_max), raw_max, 0))
        result = _m().log(reduce_sum(_m().exp(_m().subtract(x, my_max)), axis,
                                     keepdims=keepdims))
        if not keepdims:
            my_max = array_ops.reshape(my_max, apply_op("Shape", [result]))
        return _m().add(result, my_max, name=name)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Computes the variance of elements across dimensions."""
    with name_scope(name, "reduce_variance", [input_tensor]):
        x = convert_to_tensor(input_tensor)
        means = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(_m().square(x - means), axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Computes the standard deviation of elements across dimensions."""
    with name_scope(name, "reduce_std", [input_tensor]):
        return _m().sqrt(reduce_variance(input_tensor, axis, keepdims))


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    """The index of the largest value across an axis (0 when None)."""
    axis = lookup(axis, "axis", dimension, "dimension")
    return apply_op("ArgMax", [input, 0 if axis is None else axis],
                    {"output_type": dtypes.as_dtype(output_type)}, name=name)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    """The index of the smallest value across an axis (0 when None)."""
    axis = lookup(axis, "axis", dimension, "dimension")
    return apply_op("ArgMin", [input, 0 if axis is None else axis],
                    {"output_type": dtypes.as_dtype(output_type)}, name=name)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):
    """The raw `ArgMax` op (TF1's deprecated `tf.arg_max`): `dimension` is required."""
    return apply_op("ArgMax", [input, dimension], {"output_type": dtypes.as_dtype(output_type)},
                    name=name)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):
    """The raw `ArgMin` op (TF1's deprecated `tf.arg_min`): `dimension` is required."""
    return apply_op("ArgMin", [input, dimension], {"output_type": dtypes.as_dtype(output_type)},
                    name=name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum of x along axis: [a, b, c] -> [a, a + b, a + b + c]."""
    with name_scope(name, "Cumsum", [x]) as name:
        x = convert_to_tensor(x, name="x")
        return apply_op("Cumsum", [x, axis], {"exclusive": exclusive, "reverse": reverse},
                        name=name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product of x along axis: [a, b, c] -> [a, a * b, a * b * c]."""
    with name_scope(name, "Cumprod", [x]) as name:
        x = convert_to_tensor(x, name="x")
        return apply_op("Cumprod", [x, axis], {"exclusive": exclusive, "reverse": reverse},
                        name=name)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):
    """Computes the number of nonzero elements across dimensions."""
    input_tensor = lookup(input, "input", input_tensor, "input_tensor")
    axis = lookup(axis, "axis", reduction_indices, "reduction_indices")
    keepdims = bool(lookup(keepdims, "keepdims", keep_dims, "keep_dims"))
    with name_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input")
        base = x.dtype.base_dtype
        zero = None if base == dtypes.bool else constant(
            "" if base == dtypes.string else np.zeros((), base.as_numpy_dtype), dtype=base,
            name="zeros")
        nonzero = x if base == dtypes.bool else _m().not_equal(x, zero)
        nonzero = _m().cast(nonzero, dtypes.int64)
        return _m().cast(reduce_sum(nonzero, axis, keepdims=keepdims), dtype)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to [clip_value_min, clip_value_max] (as Minimum then Maximum)."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as name:
        values = convert_to_tensor(t, name="t")
        t_min = _m().minimum(values, clip_value_max)
        values.shape.assert_is_compatible_with(t_min.shape)
        t_max = _m().maximum(t_min, clip_value_min, name=name)
        values.shape.assert_is_compatible_with(t_max.shape)
        return t_max


def where(condition, x=None, y=None, name=None):
    """With x and y: elements of x where condition is true, else of y (`Select`). Alone:
    the int64 coordinates of the true elements of condition (`Where`)."""
    if x is None and y is None:
        with name_scope(name, "Where", [condition]) as name:
            condition = convert_to_tensor(condition, preferred_dtype=dtypes.bool,
                                          name="condition")
            return apply_op("Where", [condition], name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return apply_op("Select", [condition, x, y], name=name)


def where_v2(condition, x=None, y=None, name=None):
    """Like `where`, but condition, x and y broadcast against each other (`SelectV2`)."""
    if x is None and y is None:
        return where(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return apply_op("SelectV2", [condition, x, y], name=name)


def select(condition, x, y, name=None):
    """Elements of x where condition is true, else of y (TF1's `select`)."""
    return where(condition, x, y, name=name)



def _clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """The `ClipByValue` op (tf.clip_by_value itself builds Minimum and Maximum)."""
    return apply_op("ClipByValue", [t, clip_value_min, clip_value_max], name=name)
