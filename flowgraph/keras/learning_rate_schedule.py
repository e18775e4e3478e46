"""`tf.keras.optimizers.schedules`: learning rates as functions of the optimizer's step
(`ExponentialDecay`, `PiecewiseConstantDecay`, `PolynomialDecay`, `InverseTimeDecay`,
`CosineDecay`), usable as any Keras optimizer's `learning_rate`."""
import math

from flowgraph.framework import op_builder
from flowgraph.framework.graph import name_scope
from flowgraph.ops import math_ops, reduction_ops, unary_ops


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate tensor at `step`."""

    def __call__(self, step):
        raise NotImplementedError("Learning rate schedule must override __call__")

    def get_config(self):
        raise NotImplementedError("Learning rate schedule must override get_config")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _start(initial, step):
    lr = op_builder.convert_to_tensor(initial, name="initial_learning_rate")
    return lr, lr.dtype, unary_ops.cast(step, lr.dtype)


class ExponentialDecay(LearningRateSchedule):
    """lr * decay_rate ^ (step / decay_steps) (the exponent floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        with name_scope(self.name or "ExponentialDecay") as name:
            lr, dt, step = _start(self.initial_learning_rate, step)
            p = step / unary_ops.cast(self.decay_steps, dt)
            if self.staircase:
                p = unary_ops.floor(p)
            return math_ops.multiply(lr, math_ops.pow(unary_ops.cast(self.decay_rate, dt), p),
                                     name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """lr / (1 + decay_rate * step / decay_steps) (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        with name_scope(self.name or "InverseTimeDecay") as name:
            lr, dt, step = _start(self.initial_learning_rate, step)
            p = step / unary_ops.cast(self.decay_steps, dt)
            if self.staircase:
                p = unary_ops.floor(p)
            denom = 1.0 + unary_ops.cast(self.decay_rate, dt) * p
            return math_ops.divide(lr, denom, name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(lr - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end (with
    `cycle`, decay_steps grows to the next multiple past step)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        with name_scope(self.name or "PolynomialDecay") as name:
            lr, dt, step = _start(self.initial_learning_rate, step)
            end = unary_ops.cast(self.end_learning_rate, dt)
            power = unary_ops.cast(self.power, dt)
            decay_steps = unary_ops.cast(self.decay_steps, dt)
            if self.cycle:
                multiplier = reduction_ops.where_v2(
                    math_ops.equal(step, 0), op_builder.constant(1.0, dtype=dt),
                    unary_ops.ceil(step / self.decay_steps))
                decay_steps = math_ops.multiply(decay_steps, multiplier)
            else:
                step = math_ops.minimum(step, decay_steps)
            p = math_ops.divide(step, decay_steps)
            return math_ops.add(math_ops.multiply(lr - end, math_ops.pow(1 - p, power)), end,
                                name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] up to boundaries[0], values[i] in (boundaries[i-1], boundaries[i]],
    values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        with name_scope(self.name or "PiecewiseConstant"):
            x = op_builder.convert_to_tensor(step)
            values = [op_builder.convert_to_tensor(v) for v in self.values]
            result = values[-1]
            for b, v in reversed(list(zip(self.boundaries, values[:-1]))):
                b = op_builder.convert_to_tensor(b)
                if b.dtype != x.dtype:
                    b = unary_ops.cast(b, x.dtype)
                result = reduction_ops.where_v2(math_ops.less_equal(x, b), v, result)
            return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))
    + alpha)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        if warmup_target is not None or warmup_steps:
            raise NotImplementedError("CosineDecay warmup is not supported by flowgraph")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        with name_scope(self.name or "CosineDecay"):
            lr, dt, step = _start(self.initial_learning_rate, step)
            decay_steps = unary_ops.cast(self.decay_steps, dt)
            fraction = math_ops.minimum(step, decay_steps) / decay_steps
            cosine = 0.5 * (1.0 + unary_ops.cos(op_builder.constant(math.pi, dtype=dt) *
                                                fraction))
            alpha = unary_ops.cast(self.alpha, dt)
            return math_ops.multiply(lr, (1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


_CLASSES = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PolynomialDecay,
                                    PiecewiseConstantDecay, CosineDecay)}


def serialize(schedule):
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    objects = dict(_CLASSES, **(custom_objects or {}))
    name = config["class_name"]
    if name not in objects:
        raise ValueError(f"Unknown decay: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    return objects[name].from_config(dict(config.get("config") or {}))
