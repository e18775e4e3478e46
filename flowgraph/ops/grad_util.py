"""The one place where a broadcast gradient is reduced back to an input's shape.

Every binary op's gradient calls `reduce_gradient_args(x, y, gx, gy)` (or `sum_to(g, x)`).
When the shapes are fully known this builds at most a `Sum` over constant axes and a
`Reshape` to a constant shape (nothing at all when no broadcasting happened); otherwise it
computes the axes at run time with TF's `BroadcastGradientArgs` op."""
from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = []


def broadcast_reduction_axes(s0, s1):
    """(r0, r1): for shapes s0 and s1 (lists of ints), the axes of the broadcast result that
    each must be summed over to get back its own shape (TF's BCast rule: nothing when the
    shapes are equal, else every axis where that side is 1 or missing)."""
    s0, s1 = [int(d) for d in s0], [int(d) for d in s1]
    n = max(len(s0), len(s1))
    a = [1] * (n - len(s0)) + s0
    b = [1] * (n - len(s1)) + s1
    for i, j in zip(a, b):
        if i != j and i != 1 and j != 1:
            raise ValueError(f"Incompatible shapes: [{','.join(map(str, s0))}] vs. "
                             f"[{','.join(map(str, s1))}]")
    if s0 == s1:
        return [], []
    # An axis where both are 1 is listed for both (summing a size-1 axis is harmless), as
    # TF's BroadcastGradientArgs does.
    return [k for k in range(n) if a[k] == 1], [k for k in range(n) if b[k] == 1]


@defop("BroadcastGradientArgs", inputs=("s0: T", "s1: T"), outputs=("r0: T", "r1: T"),
       attrs={"T": dtypes.int32})
class BroadcastGradientArgs:
    """The reduction axes for the gradients of a broadcasting binary op with input shapes
    `s0` and `s1`."""

    def shape(op):
        if op.get_attr("T") not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Value passed to parameter 's0' has DataType "
                            f"{op.get_attr('T').name} not in list of allowed values: int32, "
                            f"int64 (op '{op.name}' of type {op.type})")
        for t in op.inputs:
            t.shape.with_rank(1)
        return [tensor_shape.TensorShape([None]), tensor_shape.TensorShape([None])]

    def kernel(xp, s0, s1, T):
        try:
            r0, r1 = broadcast_reduction_axes(s0.tolist(), s1.tolist())
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, str(e)) from None
        return xp.asarray(r0, dtype=T), xp.asarray(r1, dtype=T)
    grad = NOT_DIFFERENTIABLE


def broadcast_gradient_args(s0, s1, name=None):
    """`(r0, r1)` = the `BroadcastGradientArgs` op on two shape vectors."""
    return tuple(apply_op("BroadcastGradientArgs", [s0, s1], name=name))


def _static_shape(t):
    s = t.shape
    return s.as_list() if s.is_fully_defined() else None


def _sum_static(g, target, axes):
    """Sum `g` over the constant `axes` and reshape it to the constant shape `target` (as
    TF does, the reshape follows every sum, so the gradient's name is TF's)."""
    from flowgraph.ops import array_ops, reduction_ops
    gshape = g.shape.as_list() if g.shape.is_fully_defined() else None
    if not axes and gshape == list(target):
        return g
    if axes:
        g = reduction_ops.reduce_sum(g, axes)
    return array_ops.reshape(g, target)


def _partial_reduction_axes(s0, s1):
    """(r0, r1) as in `broadcast_reduction_axes` for partially known shapes when the
    broadcast is decided at build time (a 1 against anything else), else None."""
    if s0.ndims is None or s1.ndims is None:
        return None
    n = max(s0.ndims, s1.ndims)
    a = [1] * (n - s0.ndims) + s0.as_list()
    b = [1] * (n - s1.ndims) + s1.as_list()
    r0, r1 = [], []
    for k, (i, j) in enumerate(zip(a, b)):
        if i == 1 and j != 1:
            r0.append(k)
        elif j == 1 and i != 1:
            r1.append(k)
        elif i is None or j is None:
            return None
    return r0, r1


def _sum_partial(g, x, axes):
    """`g` summed over the constant `axes` and reshaped to x's shape; `g` itself when no
    reduction is needed."""
    from flowgraph.ops import array_ops, reduction_ops
    if not axes and g.shape.ndims is not None and g.shape.ndims == x.shape.ndims:
        return g
    if axes:
        g = reduction_ops.reduce_sum(g, axes)
    target = _static_shape(x)
    return array_ops.reshape(g, target if target is not None else array_ops.shape(x))


def reduce_gradient_args(x, y, gx, gy):
    """Reduces the gradients `gx`, `gy` of a broadcasting binary op on `x`, `y` to the
    shapes of `x` and `y`. Either gradient may be None (and then stays None). As in TF,
    the reduction is decided at build time wherever the known dims decide it."""
    from flowgraph.ops import array_ops, reduction_ops
    gx = None if gx is None else convert_to_tensor(gx)
    gy = None if gy is None else convert_to_tensor(gy)
    sx, sy = _static_shape(x), _static_shape(y)
    if sx is not None and sy is not None:
        if sx == sy:
            return gx, gy
        rx, ry = broadcast_reduction_axes(sx, sy)
        return (None if gx is None else _sum_static(gx, sx, rx),
                None if gy is None else _sum_static(gy, sy, ry))
    axes = _partial_reduction_axes(x.shape, y.shape)
    if axes is not None:
        return (None if gx is None else _sum_partial(gx, x, axes[0]),
                None if gy is None else _sum_partial(gy, y, axes[1]))
    shape_x, shape_y = array_ops.shape(x), array_ops.shape(y)
    rx, ry = broadcast_gradient_args(shape_x, shape_y)
    if gx is not None:
        gx = array_ops.reshape(reduction_ops.reduce_sum(gx, rx), shape_x)
    if gy is not None:
        gy = array_ops.reshape(reduction_ops.reduce_sum(gy, ry), shape_y)
    return gx, gy


def sum_to(grad, x):
    """Reduces `grad` (of the broadcast shape of x and something else) to the shape of `x`."""
    from flowgraph.ops import array_ops, reduction_ops
    grad = convert_to_tensor(grad)
    sx, sg = _static_shape(x), _static_shape(grad)
    if sx is not None and sg is not None:
        if sx == sg:
            return grad
        rx, _ = broadcast_reduction_axes(sx, sg)
        return _sum_static(grad, sx, rx)
    axes = _partial_reduction_axes(x.shape, grad.shape)
    if axes is not None:
        return _sum_partial(grad, x, axes[0])
    shape_x = array_ops.shape(x)
    rx, _ = broadcast_gradient_args(shape_x, array_ops.shape(grad))
    return array_ops.reshape(reduction_ops.reduce_sum(grad, rx), shape_x)



def concat_once(tensors, cache):
    """The concatenation along axis 0 of `tensors`, built once per `cache` (one
    `tf.gradients` call): sums of per-step gradients share it (a weight's and a bias's)."""
    key = ("concat0",) + tuple(tensors)
    if key not in cache:
        from flowgraph.ops.join_ops import concat
        cache[key] = concat(list(tensors), 0)
    return cache[key]


def fresh(tensors):
    """Whether `tensors` are unused so far (no consumers; ops without control inputs, on
    one device): replacing their sum by another computation changes nothing else."""
    dev = tensors[0].op.device
    return all(not t._consumers and not t.op._control_inputs and t.op.device == dev
               for t in tensors)


def stackable(tensors):
    """Whether `tensors` share one static shape apart from dim 0 (so they concatenate
    along it)."""
    first = tensors[0].shape
    if first.ndims is None or None in first.as_list()[1:]:
        return False
    return all(t.shape.ndims == first.ndims and t.shape.as_list()[1:] == first.as_list()[1:]
               for t in tensors)
