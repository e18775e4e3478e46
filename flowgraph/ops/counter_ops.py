"""`tf.count_up_to`: increments an integer variable until it reaches a limit."""
from flowgraph.framework import errors
from flowgraph.framework.graph import colocate_with
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["count_up_to"]


@defop("CountUpTo", inputs=("ref: Ref(T)",), outputs=("output: T",), attrs={"limit": None},
       stateful=True)
class CountUpTo:
    """Increments the integer variable `ref` and outputs its value before the increment;
    OutOfRangeError once the value has reached `limit`."""

    def shape(op):
        return op.inputs[0].shape.merge_with([])

    def kernel(ctx, ref, limit):
        old = ctx.read(ref)
        if old >= limit:
            raise errors.OutOfRangeError(None, None, f"Reached limit of {limit}")
        ctx.write(ref, (old + 1).astype(old.dtype))
        return ctx.xp.array(old, copy=True)
    grad = NOT_DIFFERENTIABLE


def count_up_to(ref, limit, name=None):
    """Increments the int32/int64 variable `ref` until it reaches `limit`; returns the
    value before the increment."""
    t = ref._ref() if hasattr(ref, "_ref") else convert_to_tensor(ref, as_ref=True)
    if t.dtype.base_dtype.name not in ("int32", "int64"):
        raise TypeError(f"Value passed to parameter 'ref' has DataType "
                        f"{t.dtype.base_dtype.name} not in list of allowed values: "
                        "int32, int64")
    with colocate_with(t.op):
        return apply_op("CountUpTo", [t], {"limit": int(limit)}, name=name or "CountUpTo")
