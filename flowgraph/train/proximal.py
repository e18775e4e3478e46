"""Optimizers with L1/L2 proximal steps: proximal gradient descent, proximal Adagrad and
Adagrad dual averaging (`ApplyProximalGradientDescent`, `ApplyProximalAdagrad`,
`ApplyAdagradDA` and their `SparseApply*` variants for IndexedSlices gradients).

As in TF1, proximal gradient descent and proximal Adagrad pass their hyperparameters
uncast (the variables must be of the hyperparameters' dtype); Adagrad DA casts them."""
from flowgraph.framework.graph import colocate_with, device
from flowgraph.framework.op_builder import apply_op, constant
from flowgraph.ops import core, proximal_training_ops  # noqa: F401 (registers ops)
from flowgraph.ops.unary_ops import cast
from flowgraph.train.optimizer import Optimizer

__all__ = ["ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer",
           "AdagradDAOptimizer"]


def _apply(op_type, inputs, use_locking):
    return apply_op(op_type, inputs, {"use_locking": use_locking}).op


def _filled_slot(opt, var, value, slot_name):
    """A slot of `var` filled with `value` (a constant of var's static shape)."""
    with colocate_with(var.op):
        val = constant(value, dtype=var.dtype.base_dtype, shape=var.shape.as_list())
    return opt._get_or_make_slot(var, val, slot_name, opt._name)


class ProximalGradientDescentOptimizer(Optimizer):
    """Gradient descent followed by the proximal L1/L2 step: `prox = var - lr * grad;
    var = sign(prox) * max(|prox| - lr * l1, 0) / (1 + lr * l2)`."""

    def __init__(self, learning_rate, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False,
                 name="ProximalGradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._learning_rate_tensor = None
        self._l1_regularization_strength_tensor = None
        self._l2_regularization_strength_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._l1_regularization_strength_tensor = self._hyper(
            self._l1_regularization_strength, "l1_regularization_strength")
        self._l2_regularization_strength_tensor = self._hyper(
            self._l2_regularization_strength, "l2_regularization_strength")

    def _hypers(self):
        return [self._learning_rate_tensor, self._l1_regularization_strength_tensor,
                self._l2_regularization_strength_tensor]

    def _apply_dense(self, grad, var):
        return _apply("ApplyProximalGradientDescent", [var] + self._hypers() + [grad],
                      self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyProximalGradientDescent",
                      [var] + self._hypers() + [grad.values, grad.indices],
                      self._use_locking)


class ProximalAdagradOptimizer(Optimizer):
    """Adagrad with the proximal L1/L2 step: `accum += grad^2; lr_t = lr / sqrt(accum);
    prox = var - lr_t * grad; var = sign(prox) * max(|prox| - lr_t * l1, 0) /
    (1 + lr_t * l2)`. The `accumulator` slot starts at `initial_accumulator_value`."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalAdagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._learning_rate_tensor = None
        self._l1_regularization_strength_tensor = None
        self._l2_regularization_strength_tensor = None

    def _create_slots(self, var_list):
        for v in var_list:
            _filled_slot(self, v, self._initial_accumulator_value, "accumulator")

    _prepare = ProximalGradientDescentOptimizer._prepare
    _hypers = ProximalGradientDescentOptimizer._hypers

    def _apply_dense(self, grad, var):
        return _apply("ApplyProximalAdagrad",
                      [var, self.get_slot(var, "accumulator")] + self._hypers() + [grad],
                      self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyProximalAdagrad",
                      [var, self.get_slot(var, "accumulator")] + self._hypers() +
                      [grad.values, grad.indices], self._use_locking)


class AdagradDAOptimizer(Optimizer):
    """Adagrad dual averaging (Duchi et al., 2011): the slots `gradient_accumulator`
    (sum of gradients, from 0) and `gradient_squared_accumulator` (sum of squares, from
    `initial_gradient_squared_accumulator_value`); with T = global_step + 1,
    `var = -sign(g) * lr * max(|g| - l1 * T, 0) / (l2 * T * lr + sqrt(gg))`.
    `global_step` is the training step tensor (increment it, e.g. through `minimize`)."""

    def __init__(self, learning_rate, global_step,
                 initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="AdagradDA"):
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(f"initial_gradient_squared_accumulator_value must be "
                             f"positive: {initial_gradient_squared_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_gradient_squared_accumulator_value = \
            initial_gradient_squared_accumulator_value
        self._learning_rate_tensor = None
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._global_step = global_step
        self._global_step_on_worker = None

    def _create_slots(self, var_list):
        for v in var_list:
            _filled_slot(self, v, 0.0, "gradient_accumulator")
            _filled_slot(self, v, self._initial_gradient_squared_accumulator_value,
                         "gradient_squared_accumulator")

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        with colocate_with(self._learning_rate_tensor.op):
            self._global_step_on_worker = core.identity(self._global_step) + 1

    def _inputs(self, var):
        dtype = var.dtype.base_dtype
        with device(var.device):
            step = core.identity(self._global_step_on_worker)
        return [cast(self._learning_rate_tensor, dtype),
                cast(self._l1_regularization_strength, dtype),
                cast(self._l2_regularization_strength, dtype)] + [step]

    def _slots_of(self, var):
        return [var, self.get_slot(var, "gradient_accumulator"),
                self.get_slot(var, "gradient_squared_accumulator")]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdagradDA", self._slots_of(var) + [grad] + self._inputs(var),
                      self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdagradDA",
                      self._slots_of(var) + [grad.values, grad.indices] + self._inputs(var),
                      self._use_locking)
