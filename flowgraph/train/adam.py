"""Adam (Kingma & Ba, 2015) and FTRL-proximal (McMahan et al., 2013)."""
from flowgraph.framework.graph import colocate_with, control_dependencies, get_default_graph
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.ops import array_ops, core, math_ops, state_ops
from flowgraph.ops import sparse_training_ops, training_ops  # noqa: F401 (registers ops)
from flowgraph.train.optimizer import Optimizer

__all__ = ["AdamOptimizer", "FtrlOptimizer"]


class AdamOptimizer(Optimizer):
    """Adam: bias-corrected running averages of the gradient (`m`) and its square (`v`);
    `var -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)`. The powers
    `beta1^t`, `beta2^t` live in the variables `beta1_power`, `beta2_power`."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = \
            learning_rate, beta1, beta2, epsilon

    def _get_beta_accumulators(self):
        g = get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph=g),
                self._get_non_slot_variable("beta2_power", graph=g))

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)  # TF colocates the powers with it
        self._create_non_slot_variable(self._beta1, "beta1_power", first)
        self._create_non_slot_variable(self._beta2, "beta2_power", first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._beta1_t = self._hyper(self._beta1, "beta1")
        self._beta2_t = self._hyper(self._beta2, "beta2")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        b1p, b2p = self._get_beta_accumulators()
        c = self._cast
        return apply_op("ApplyAdam", [
            var, self.get_slot(var, "m"), self.get_slot(var, "v"), c(b1p, var), c(b2p, var),
            c(self._lr_t, var), c(self._beta1_t, var), c(self._beta2_t, var),
            c(self._epsilon_t, var), grad], {"use_locking": self._use_locking}).op

    def _apply_sparse(self, grad, var):
        # As TF: decay all of m and v, scatter-add the new rows, then update all of var.
        b1p, b2p = self._get_beta_accumulators()
        c = self._cast
        b1p, b2p = c(b1p, var), c(b2p, var)
        lr_t, beta1, beta2, eps = (c(t, var) for t in (self._lr_t, self._beta1_t,
                                                       self._beta2_t, self._epsilon_t))
        dtype = var.dtype.base_dtype
        # Scalars every sparse update needs: built once, shared by all variables.
        lr = self._shared(("lr", dtype), lambda: lr_t * math_ops.sqrt(1 - b2p) / (1 - b1p))
        one_m_b1 = self._shared(("1-beta1", dtype), lambda: 1 - beta1)
        one_m_b2 = self._shared(("1-beta2", dtype), lambda: 1 - beta2)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_rows = grad.values * one_m_b1
        m_t = state_ops.assign(m, m * beta1, use_locking=self._use_locking)
        with control_dependencies([m_t]):
            m_t = sparse_training_ops.scatter_add(m, grad.indices, m_rows,
                                                  use_locking=self._use_locking)
        v_rows = (grad.values * grad.values) * one_m_b2
        v_t = state_ops.assign(v, v * beta2, use_locking=self._use_locking)
        with control_dependencies([v_t]):
            v_t = sparse_training_ops.scatter_add(v, grad.indices, v_rows,
                                                  use_locking=self._use_locking)
        var_update = state_ops.assign_sub(var, lr * m_t / (math_ops.sqrt(v_t) + eps),
                                          use_locking=self._use_locking)
        return core.group(var_update, m_t, v_t)

    def _finish(self, update_ops, name_scope):
        with control_dependencies(update_ops):
            b1p, b2p = self._get_beta_accumulators()
            with colocate_with(b1p.op):
                up1 = b1p.assign(b1p * self._beta1_t, use_locking=self._use_locking)
                up2 = b2p.assign(b2p * self._beta2_t, use_locking=self._use_locking)
        return core.group(*update_ops + [up1, up2], name=name_scope)


class FtrlOptimizer(Optimizer):
    """FTRL-proximal with L1, L2 and L2-shrinkage regularization (`ApplyFtrl`, or
    `ApplyFtrlV2` when `l2_shrinkage_regularization_strength` > 0)."""

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0, beta=None):
        super().__init__(use_locking, name)
        checks = [(initial_accumulator_value < 0.0, "initial_accumulator_value %f needs to "
                   "be positive or zero", initial_accumulator_value),
                  (learning_rate_power > 0.0, "learning_rate_power %f needs to be negative "
                   "or zero", learning_rate_power),
                  (l1_regularization_strength < 0.0, "l1_regularization_strength %f needs to "
                   "be positive or zero", l1_regularization_strength),
                  (l2_regularization_strength < 0.0, "l2_regularization_strength %f needs to "
                   "be positive or zero", l2_regularization_strength),
                  (l2_shrinkage_regularization_strength < 0.0, "l2_shrinkage_regularization_"
                   "strength %f needs to be positive or zero",
                   l2_shrinkage_regularization_strength)]
        for bad, msg, value in checks:
            if bad:
                raise ValueError(msg % value)
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        value = self._initial_accumulator_value

        def init(shape, dtype):
            return array_ops.ones(shape, dtype=dtype) * value
        for v in var_list:
            shape = v.shape.as_list() if v.shape.is_fully_defined() else \
                array_ops.shape(v.initialized_value())
            self._get_or_make_slot_with_initializer(v, init, shape, v.dtype.base_dtype,
                                                    "accum", self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._l1_tensor = self._hyper(self._l1, "l1_regularization_strength")
        if isinstance(self._beta, (int, float)) and self._beta == 0 and \
                not callable(self._l2):
            # l2 + 0 / (2 * max(lr, 1e-36)) is l2: skip building that arithmetic.
            self._adjusted_l2_tensor = self._hyper(self._l2, "l2_regularization_strength")
        else:
            lr = self._call_if_callable(self._learning_rate)
            self._adjusted_l2_tensor = convert_to_tensor(
                self._l2 + self._beta / (2. * math_ops.maximum(lr, 1e-36)))
        self._l2_shrinkage_tensor = self._hyper(self._l2_shrinkage,
                                                "l2_shrinkage_regularization_strength")
        self._learning_rate_power_tensor = self._hyper(self._learning_rate_power,
                                                       "learning_rate_power")

    def _args(self, var):
        c = self._cast
        head = [c(self._learning_rate_tensor, var), c(self._l1_tensor, var),
                c(self._adjusted_l2_tensor, var)]
        if self._l2_shrinkage > 0.0:
            head.append(c(self._l2_shrinkage_tensor, var))
        return head + [c(self._learning_rate_power_tensor, var)]

    def _slots_of(self, var):
        return [var, self.get_slot(var, "accum"), self.get_slot(var, "linear")]

    def _apply_dense(self, grad, var):
        op = "ApplyFtrlV2" if self._l2_shrinkage > 0.0 else "ApplyFtrl"
        return apply_op(op, self._slots_of(var) + [grad] + self._args(var),
                        {"use_locking": self._use_locking}).op

    def _apply_sparse(self, grad, var):
        op = "SparseApplyFtrlV2" if self._l2_shrinkage > 0.0 else "SparseApplyFtrl"
        return apply_op(op, self._slots_of(var) + [grad.values, grad.indices] +
                        self._args(var), {"use_locking": self._use_locking}).op
