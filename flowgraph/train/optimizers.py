"""The first-order optimizers: gradient descent, momentum, Adagrad, Adadelta, RMSProp.

Each update is one fused op (`ApplyMomentum`, ...) on the variable and its slots; sparse
gradients (IndexedSlices) go to the `SparseApply*` ops after summing repeated indices."""
from flowgraph.framework.op_builder import apply_op, constant
from flowgraph.ops import array_ops, sparse_training_ops, training_ops  # noqa: F401
from flowgraph.train.optimizer import Optimizer

__all__ = ["GradientDescentOptimizer", "MomentumOptimizer", "AdagradOptimizer",
           "AdadeltaOptimizer", "RMSPropOptimizer"]


def _apply(op_type, inputs, **attrs):
    return apply_op(op_type, inputs, attrs).op


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent: `var -= learning_rate * grad`."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return _apply("ApplyGradientDescent",
                      [var, self._cast(self._learning_rate_tensor, var), grad],
                      use_locking=self._use_locking)

    def _apply_sparse_duplicate_indices(self, grad, var):
        # ScatterSub adds up repeated indices itself: no deduplication needed.
        delta = grad.values * self._cast(self._learning_rate_tensor, var)
        return sparse_training_ops.scatter_sub(var, grad.indices, delta,
                                               use_locking=self._use_locking).op


class MomentumOptimizer(Optimizer):
    """Momentum: `accum = momentum * accum + grad; var -= learning_rate * accum`
    (`use_nesterov`: `var -= learning_rate * (grad + momentum * accum)`)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        return _apply("ApplyMomentum",
                      [var, self.get_slot(var, "momentum"),
                       self._cast(self._learning_rate_tensor, var), grad,
                       self._cast(self._momentum_tensor, var)],
                      use_locking=self._use_locking, use_nesterov=self._use_nesterov)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyMomentum",
                      [var, self.get_slot(var, "momentum"),
                       self._cast(self._learning_rate_tensor, var), grad.values, grad.indices,
                       self._cast(self._momentum_tensor, var)],
                      use_locking=self._use_locking, use_nesterov=self._use_nesterov)


class AdagradOptimizer(Optimizer):
    """Adagrad: `accum += grad^2; var -= learning_rate * grad / sqrt(accum)`."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        value = self._initial_accumulator_value

        def init(shape, dtype):
            if isinstance(shape, list):
                return constant(value, dtype=dtype, shape=shape)
            return array_ops.fill(shape, constant(value, dtype=dtype))
        for v in var_list:
            shape = v.shape.as_list() if v.shape.is_fully_defined() else \
                array_ops.shape(v.initialized_value())
            self._get_or_make_slot_with_initializer(v, init, shape, v.dtype.base_dtype,
                                                    "accumulator", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdagrad",
                      [var, self.get_slot(var, "accumulator"),
                       self._cast(self._learning_rate_tensor, var), grad],
                      use_locking=self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdagrad",
                      [var, self.get_slot(var, "accumulator"),
                       self._cast(self._learning_rate_tensor, var), grad.values,
                       grad.indices], use_locking=self._use_locking)


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler, 2012): per-coordinate steps from running averages of squared
    gradients and squared updates."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "lr")
        self._rho_t = self._hyper(self._rho, "rho")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _inputs(self, var):
        return [var, self.get_slot(var, "accum"), self.get_slot(var, "accum_update"),
                self._cast(self._lr_t, var), self._cast(self._rho_t, var),
                self._cast(self._epsilon_t, var)]

    def _apply_dense(self, grad, var):
        return _apply("ApplyAdadelta", self._inputs(var) + [grad],
                      use_locking=self._use_locking)

    def _apply_sparse(self, grad, var):
        return _apply("SparseApplyAdadelta", self._inputs(var) + [grad.values, grad.indices],
                      use_locking=self._use_locking)


class RMSPropOptimizer(Optimizer):
    """RMSProp: `ms = decay * ms + (1 - decay) * grad^2; mom = momentum * mom +
    learning_rate * grad / sqrt(ms + epsilon); var -= mom`. `centered` subtracts the
    square of the running mean gradient from `ms`. The `rms` slot starts at one."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay = learning_rate, decay
        self._momentum, self._epsilon, self._centered = momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            shape = v.shape.as_list() if v.shape.is_fully_defined() else \
                array_ops.shape(v.initialized_value())
            self._get_or_make_slot_with_initializer(
                v, lambda s, d: array_ops.ones(s, dtype=d), shape, v.dtype.base_dtype, "rms",
                self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._decay_tensor = self._hyper(self._decay, "decay")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")
        self._epsilon_tensor = self._hyper(self._epsilon, "epsilon")

    def _inputs(self, var):
        slots = [self.get_slot(var, "rms"), self.get_slot(var, "momentum")]
        if self._centered:
            slots.insert(0, self.get_slot(var, "mg"))
        return [var] + slots + [self._cast(t, var) for t in (
            self._learning_rate_tensor, self._decay_tensor, self._momentum_tensor,
            self._epsilon_tensor)]

    def _apply_dense(self, grad, var):
        op = "ApplyCenteredRMSProp" if self._centered else "ApplyRMSProp"
        return _apply(op, self._inputs(var) + [grad], use_locking=self._use_locking)

    def _apply_sparse(self, grad, var):
        op = "SparseApplyCenteredRMSProp" if self._centered else "SparseApplyRMSProp"
        return _apply(op, self._inputs(var) + [grad.values, grad.indices],
                      use_locking=self._use_locking)
