"""`tf.train.ExponentialMovingAverage` and `assign_moving_average`.

Shadow variables are laid out as TF1 lays them out: `<var>/<ema name>` (inside the current
variable scope, made unique like a default-named variable scope), not trainable, and the
averaged *variables* (not their shadows) join MOVING_AVERAGE_VARIABLES. The update is
`shadow -= (shadow - value) * (1 - decay)`, the form TF computes, so float32 results agree
to the bit."""
import contextlib

from flowgraph.framework import dtypes
from flowgraph.framework.graph import (GraphKeys, Tensor, colocate_with,
                                       control_dependencies, get_default_graph, name_scope)
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import core, init_ops, math_ops, state_ops
from flowgraph.ops import variable_scope as vs
from flowgraph.ops.variables import Variable, _init_scope, global_variables, \
    moving_average_variables, trainable_variables

__all__ = ["ExponentialMovingAverage", "assign_moving_average", "weighted_moving_average"]

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.bfloat16)


@contextlib.contextmanager
def _outside():
    """Where variables are made (TF's init_scope): the outermost graph, no control inputs;
    the name scope stays."""
    with _init_scope(), control_dependencies(None):
        yield


def _key(x):
    """A hashable identity for a Variable or Tensor (both compare by object)."""
    return id(x)


def _make_shadow(primary, initializer, name, shape=None):
    """A non-trainable variable named after the variable scope `<primary>/<name>` (made
    unique), colocated with `primary` when that is a variable, as TF's slot creator."""
    is_var = isinstance(primary, Variable) or (
        isinstance(primary, Tensor) and primary.op.type in ("Variable", "VariableV2"))
    colocate = colocate_with(primary.op) if is_var else contextlib.nullcontext()
    with _outside(), colocate:
        with vs.variable_scope(None, default_name=f"{primary.op.name}/{name}"):
            if shape is None:
                return vs.get_variable("", initializer=initializer, trainable=False,
                                       validate_shape=primary.shape.is_fully_defined())
            return vs.get_variable("", shape=shape, dtype=primary.dtype.base_dtype,
                                   initializer=initializer, trainable=False)


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """`variable -= (variable - value) * (1 - decay)`; returns the updated value.

    With `zero_debias`, the average is kept in a `<variable>/biased` variable (plus a
    `<variable>/local_step` counter) and `variable` is set to `biased / (1 - decay^t)`,
    which removes the bias towards the zero start (Kingma & Ba, 2015)."""
    with name_scope(name, "AssignMovingAvg", [variable, value, decay]) as scope:
        one_minus = convert_to_tensor(1.0 - decay, name="decay")
        base = variable.dtype.base_dtype
        if one_minus.dtype.base_dtype != base:
            one_minus = math_ops.cast(one_minus, base)
        if not zero_debias:
            return state_ops.assign_sub(variable, (variable - value) * one_minus, name=scope)
        return _zero_debias(variable, value, one_minus, scope)


def _zero_debias(unbiased, value, one_minus, scope):
    shape = unbiased.shape
    with vs.variable_scope(unbiased.op.name):
        with _outside():
            zeros = init_ops.zeros_initializer()
            biased = vs.get_variable(_unique("biased"), shape=shape,
                                     dtype=unbiased.dtype.base_dtype,
                                     initializer=zeros, trainable=False)
            local_step = vs.get_variable(_unique("local_step"), shape=[],
                                         dtype=unbiased.dtype.base_dtype,
                                         initializer=zeros, trainable=False)
    update_biased = state_ops.assign_sub(biased, (biased - value) * one_minus)
    update_step = state_ops.assign_add(local_step, 1)
    bias_factor = 1 - math_ops.pow(1.0 - one_minus, update_step)
    return state_ops.assign(unbiased, update_biased / bias_factor, name=scope)


def _unique(name):
    """`name`, or `name_1`, ... when the current variable scope already has it."""
    scope = vs.get_variable_scope().name
    store = vs._get_default_variable_store()
    existing = getattr(store, "_vars", {})
    full = lambda n: f"{scope}/{n}" if scope else n  # noqa: E731
    candidate, i = name, 0
    while full(candidate) in existing:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def weighted_moving_average(value, decay, weight, truediv=True, collections=None,
                            name=None):
    """The moving average of `value * weight` divided by that of `weight`."""
    with vs.variable_scope(name, "WeightedMovingAvg", [value, weight, decay]) as scope:
        value_x_weight = value * weight
        num = vs.get_variable("numerator", shape=value.shape,
                              dtype=value.dtype.base_dtype,
                              initializer=init_ops.zeros_initializer(),
                              trainable=False, collections=collections)
        num = assign_moving_average(num, value_x_weight, decay, zero_debias=False)
        den = vs.get_variable("denominator", shape=weight.shape,
                              dtype=weight.dtype.base_dtype,
                              initializer=init_ops.zeros_initializer(),
                              trainable=False, collections=collections)
        den = assign_moving_average(den, weight, decay, zero_debias=False)
        div = math_ops.truediv if truediv else math_ops.div
        return div(num, den, name=scope.name)


class ExponentialMovingAverage:
    """Keeps moving averages of variables (or tensors) in shadow variables:
    `shadow = decay * shadow + (1 - decay) * value` each time the `apply` op runs.

    With `num_updates` the decay used is `min(decay, (1 + num_updates) / (10 + num_updates))`
    so early averages move faster. `zero_debias` (tensors only, as TF) removes the bias
    towards the zero start of a tensor's average."""

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}      # id(var) -> shadow Variable
        self._kept = {}          # id(var) -> var (keeps ids valid)

    @property
    def name(self):
        return self._name

    def apply(self, var_list=None):
        """Creates the shadow variables (once per variable) and returns an op updating
        all of them. `var_list`: Variables or float Tensors, default trainable variables."""
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        for v in var_list:
            if isinstance(v, Variable) or isinstance(v, Tensor):
                pass
            else:
                raise TypeError(f"Expected a Variable or Tensor, got {v!r}")
        debiased = set()
        for v in var_list:
            if v.dtype.base_dtype not in _FLOATS:
                raise TypeError(f"The variables must be half, float, or double: {v.name}")
            if _key(v) in self._averages:
                continue
            if isinstance(v, Variable):
                avg = _make_shadow(v, v.initialized_value(), self._name)
                get_default_graph().add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, v)
            else:
                shape = v.shape
                if not shape.is_fully_defined():
                    raise ValueError(f"The shape of {v.name} must be fully defined to "
                                     f"average it, got {shape}")
                avg = _make_shadow(
                    v, init_ops.zeros_initializer(),
                    self._name, shape=shape.as_list())
                if self._zero_debias:
                    debiased.add(_key(avg))
            self._averages[_key(v)] = avg
            self._kept[_key(v)] = v
        with name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, name="decay")
            if decay.dtype.base_dtype != dtypes.float32:
                decay = math_ops.cast(decay, dtypes.float32)
            if self._num_updates is not None:
                n = math_ops.cast(self._num_updates, dtypes.float32, name="num_updates")
                decay = math_ops.minimum(decay, (1.0 + n) / (10.0 + n))
            updates = []
            for v in var_list:
                avg = self._averages[_key(v)]
                updates.append(assign_moving_average(
                    avg, v, decay, zero_debias=_key(avg) in debiased))
            return core.group(*updates, name=scope)

    def average(self, var):
        """The shadow variable of `var`, or None if `apply` has not seen it."""
        return self._averages.get(_key(var))

    def average_name(self, var):
        """The name (without `:0`) of `var`'s shadow variable: the existing one's, else the
        name `apply` would give it."""
        avg = self._averages.get(_key(var))
        if avg is not None:
            return avg.op.name
        return get_default_graph().unique_name(f"{var.op.name}/{self._name}",
                                               mark_as_used=False)

    def variables_to_restore(self, moving_avg_variables=None):
        """{checkpoint name: variable} for a Saver that loads the averages into the
        variables themselves: averaged variables map from their shadow's name, every
        other global variable from its own name."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + moving_average_variables()
        averaged = {}
        for v in moving_avg_variables:
            averaged.setdefault(_key(v), v)
        name_map = {}
        for v in averaged.values():
            name_map[self.average_name(v)] = v
        for v in global_variables():
            if _key(v) not in averaged and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map
