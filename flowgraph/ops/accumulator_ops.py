"""`tf.ConditionalAccumulator`: TF's resource accumulator ops. Gradients applied with a
`local_step` older than the accumulator's global step are dropped; `take_grad(n)` waits
for n gradients, returns their mean (or sum), resets the sum and advances the step.
An accumulator is a session resource (shared by name, like a queue), so on a ps task the
workers' graphs share it (SyncReplicasOptimizer aggregates through it)."""
import threading

import numpy as np

from flowgraph import tf_logging
from flowgraph.framework import dtypes as _dtypes, errors, tensor_shape
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.ops import queue_state

__all__ = ["ConditionalAccumulatorBase", "ConditionalAccumulator"]


class _Accumulator:
    def __init__(self, name, dtype, shape, reduction_type):
        self.name, self.dtype, self.shape = name, dtype, shape
        self.reduction_type = reduction_type
        self.sum, self.count, self.global_step = None, 0, 0
        self._cond = threading.Condition()
        self._cancelled = False

    def apply(self, local_step, grad):
        with self._cond:
            if local_step < self.global_step:
                tf_logging.warning(f"Dropped a stale gradient of {self.name}: local_step "
                                   f"{local_step} < global step {self.global_step}")
                return
            if self.shape is not None and (len(self.shape) != grad.ndim or any(
                    d is not None and d != g for d, g in zip(self.shape, grad.shape))):
                raise errors.InvalidArgumentError(
                    None, None, f"Shape mismatch: expected {list(self.shape)}, got "
                                f"{list(grad.shape)}")
            if self.sum is not None and self.sum.shape != grad.shape:
                raise errors.InvalidArgumentError(
                    None, None, f"Shape mismatch: expected {list(self.sum.shape)}, got "
                                f"{list(grad.shape)}")
            self.sum = grad.astype(self.dtype, copy=True) if self.sum is None \
                else self.sum + grad
            self.count += 1
            self._cond.notify_all()

    def take(self, num_required):
        if num_required < 1:
            raise errors.InvalidArgumentError(
                None, None, f"Argument num_required must be positive, but was "
                            f"{num_required}")
        with self._cond:
            queue_state._wait(self._cond, lambda: self._ready(num_required),
                              f"accumulator {self.name} take_grad")
            out = self.sum / self.dtype.type(self.count) if self.reduction_type == b"MEAN" \
                else self.sum
            self.sum, self.count = None, 0
            self.global_step += 1
            return np.asarray(out, dtype=self.dtype)

    def _ready(self, n):
        if self._cancelled:
            raise errors.CancelledError(None, None, f"Accumulator {self.name} was cancelled")
        return self.count >= n

    def set_global_step(self, step):
        with self._cond:
            if step < self.global_step:
                tf_logging.warning(f"Accumulator {self.name}: global step set back from "
                                   f"{self.global_step} to {step}")
            self.global_step = step

    def cancel(self):
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()


def _get(ctx, handle):
    key = np.asarray(handle, dtype=object).item()
    acc = queue_state._BY_SESSION.get(ctx.session, {}).get(key)
    if acc is None:
        raise errors.NotFoundError(None, None, f"Resource {key} does not exist.")
    return acc


@defop("ResourceConditionalAccumulator", outputs=("handle: resource",),
       attrs={"dtype": None, "shape": None, "container": "", "shared_name": "",
              "reduction_type": "MEAN"}, stateful=True)
class ResourceConditionalAccumulator:
    """An accumulator of gradients of one shape: made in the session on first use."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return tensor_shape.TensorShape([2])

    def kernel(ctx, dtype, shape, container, shared_name, reduction_type, op_name):
        key = f"accumulator:{container}/{shared_name or op_name}"
        dims = None if shape is None else tensor_shape.as_shape(shape)
        dims = None if dims is None or dims.ndims is None else dims.as_list()
        red = reduction_type if isinstance(reduction_type, bytes) else reduction_type.encode()
        queue_state.lookup_or_create(ctx.session, key, lambda: _Accumulator(
            shared_name or op_name, np.dtype(dtype), dims, red))
        return np.asarray(key, dtype=object)


@defop("ResourceAccumulatorApplyGradient",
       inputs=("handle: resource", "local_step: int64", "gradient: dtype"),
       attrs={"dtype": None}, stateful=True)
class ResourceAccumulatorApplyGradient:
    """Adds a gradient computed at `local_step` (dropped when stale)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, handle, local_step, gradient, dtype):
        _get(ctx, handle).apply(int(local_step), np.asarray(gradient))


@defop("ResourceAccumulatorTakeGradient", inputs=("handle: resource", "num_required: int32"),
       outputs=("average: dtype",), attrs={"dtype": None}, stateful=True)
class ResourceAccumulatorTakeGradient:
    """Waits for `num_required` gradients; returns their mean and resets."""
    blocking = True
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.unknown_shape()]

    def kernel(ctx, handle, num_required, dtype):
        return _get(ctx, handle).take(int(num_required))


@defop("ResourceAccumulatorNumAccumulated", inputs=("handle: resource",),
       outputs=("num_accumulated: int32",), stateful=True)
class ResourceAccumulatorNumAccumulated:
    """The number of gradients accumulated since the last take."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return [tensor_shape.TensorShape([])]

    def kernel(ctx, handle):
        return np.int32(_get(ctx, handle).count)


@defop("ResourceAccumulatorSetGlobalStep", inputs=("handle: resource", "new_global_step: int64"),
       stateful=True)
class ResourceAccumulatorSetGlobalStep:
    """Sets the step below which applied gradients count as stale."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return []

    def kernel(ctx, handle, new_global_step):
        _get(ctx, handle).set_global_step(int(new_global_step))


def _int64(x):
    x = convert_to_tensor(x)
    return x if x.dtype == _dtypes.int64 else apply_op("Cast", [x], {"DstT": _dtypes.int64})


class ConditionalAccumulatorBase:
    """What accumulators share: the handle, dtype and shape, and the step and count ops."""

    def __init__(self, dtype, shape, accumulator_ref):
        self._dtype = _dtypes.as_dtype(dtype)
        self._shape = tensor_shape.as_shape(shape) if shape is not None \
            else tensor_shape.unknown_shape()
        self._accumulator_ref = accumulator_ref
        self._name = accumulator_ref.op.name

    accumulator_ref = property(lambda self: self._accumulator_ref)
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)

    def num_accumulated(self, name=None):
        return apply_op("ResourceAccumulatorNumAccumulated", [self._accumulator_ref], {},
                        name=name or f"{self._name}_NumAccumulated")

    def set_global_step(self, new_global_step, name=None):
        return apply_op("ResourceAccumulatorSetGlobalStep",
                        [self._accumulator_ref, _int64(new_global_step)], {},
                        name=name)


class ConditionalAccumulator(ConditionalAccumulatorBase):
    """Aggregates gradients of one shape; gradients older than its global step are
    dropped."""

    def __init__(self, dtype, shape=None, shared_name=None, name="conditional_accumulator",
                 reduction_type="MEAN"):
        shape = tensor_shape.as_shape(shape) if shape is not None else \
            tensor_shape.unknown_shape()
        ref = apply_op("ResourceConditionalAccumulator", [],
                       {"dtype": _dtypes.as_dtype(dtype), "shape": shape,
                        "shared_name": shared_name or "", "reduction_type": reduction_type},
                       name=name)
        super().__init__(dtype, shape, ref)

    def apply_grad(self, grad, local_step=0, name=None):
        """Adds `grad` (computed at `local_step`) to the accumulator."""
        grad = convert_to_tensor(grad, dtype=self._dtype)
        grad.get_shape().assert_is_compatible_with(self._shape)
        return apply_op("ResourceAccumulatorApplyGradient",
                        [self._accumulator_ref, _int64(local_step), grad], {},
                        name=name)

    def take_grad(self, num_required, name=None):
        """Waits for `num_required` gradients and returns their mean (or sum)."""
        out = apply_op("ResourceAccumulatorTakeGradient", [self._accumulator_ref, num_required],
                       {"dtype": self._dtype}, name=name)
        out.set_shape(self._shape)
        return out
