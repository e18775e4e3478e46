"""`tf.keras.optimizers` as TF1 Keras uses them: Keras's (legacy) OptimizerV2 classes
SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax and Nadam, with Keras's update formulas,
hyperparameter variables (`learning_rate`, `decay`, ...), an int64 `iter` counter and slot
variables named `<variable>/<slot>` under the optimizer's name scope.

`get_updates(loss, params)` returns the update op list Keras's training function runs;
`lr`/`learning_rate` and the other hyperparameters are settable attributes (a variable's
value once the optimizer's weights exist)."""
import functools
import types

import numpy as np

from flowgraph.framework import dtypes, op_builder
from flowgraph.framework import graph as graph_module
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.gradients import gradients as _tf_gradients
from flowgraph.keras import backend, initializers
from flowgraph.keras import learning_rate_schedule as schedules
from flowgraph.ops import (
    array_ops,
    clip_ops,
    core,
    gather_ops,
    math_ops,
    reduction_ops,
    scopes,
    sparse_training_ops,
    state_ops,
    unary_ops,
)
from flowgraph.ops import variables as variables_module
from flowgraph.train import optimizer as tf_optimizer_module

_VALID_DTYPES = frozenset([dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64])


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (not name[i - 1].isupper()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _var_name(var):
    name = var.op.name if hasattr(var, "op") else var.name.split(":")[0]
    return name


def _dedupe(values, indices):
    """(summed values, unique indices) of an IndexedSlices' parts."""
    unique, positions = gather_ops.unique(indices)
    summed = gather_ops.unsorted_segment_sum(values, positions, array_ops.shape(unique)[0])
    return summed, unique


class Optimizer:
    """Keras's OptimizerV2 (the legacy optimizer TF1 Keras compiles with)."""

    def __init__(self, name, gradient_aggregator=None, gradient_transformers=None,
                 **kwargs):
        allowed = {"clipnorm", "clipvalue", "lr", "decay", "global_clipnorm"}
        for k in kwargs:
            if k not in allowed:
                raise TypeError("Unexpected keyword argument "
                                f"passed to optimizer: {k!s}. Allowed kwargs are "
                                f"{allowed}.")
            if kwargs[k] is not None and not callable(kwargs[k]) and \
                    isinstance(kwargs[k], (int, float)) and kwargs[k] < 0:
                raise ValueError(f"Expected {k} >= 0, received: {kwargs[k]}")
        object.__setattr__(self, "_hyper", {})
        self._use_locking = True
        self._name = name or backend.unique_object_name(_snake(type(self).__name__),
                                                        zero_based=True)
        self._slots = {}
        self._slot_names = []
        self._weights = []
        self._iterations = None
        decay = kwargs.pop("decay", 0.0)
        if decay < 0.0:
            raise ValueError(f"decay cannot be less than 0. Received: decay={decay}.")
        self._initial_decay = decay
        self._hypers_created = False
        self.gradient_transformers = list(gradient_transformers or [])
        self.clipnorm = kwargs.pop("clipnorm", None)
        self.global_clipnorm = kwargs.pop("global_clipnorm", None)
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError("Cannot accept both `clipnorm` and `global_clipnorm`. "
                             f"Received: `clipnorm`={self.clipnorm}, "
                             f"`global_clipnorm`={self.global_clipnorm}.")
        self.clipvalue = kwargs.pop("clipvalue", None)

    # -- hyperparameters -------------------------------------------------------------
    def _set_hyper(self, name, value):
        if name not in self._hyper:
            self._hyper[name] = value
            return
        prev = self._hyper[name]
        if callable(prev) or isinstance(prev, (op_builder.Tensor, int, float)) or \
                isinstance(value, schedules.LearningRateSchedule):
            self._hyper[name] = value
        else:
            backend.set_value(prev, value)

    def _get_hyper(self, name, dtype=None):
        if not self._hypers_created:
            self._create_hypers()
        value = self._hyper[name]
        if isinstance(value, schedules.LearningRateSchedule):
            return value
        if callable(value) and not isinstance(value, variables_module.Variable):
            value = value()
        if dtype:
            return unary_ops.cast(value, dtype)
        return value

    def __getattr__(self, name):
        hyper = self.__dict__.get("_hyper")
        if hyper is None:
            raise AttributeError(name)
        if name == "lr":
            name = "learning_rate"
        if name in hyper:
            return self._get_hyper(name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name == "lr":
            name = "learning_rate"
        if name in self.__dict__.get("_hyper", {}):
            self._set_hyper(name, value)
        else:
            object.__setattr__(self, name, value)

    def _create_hypers(self):
        if self._hypers_created:
            return
        for name, value in sorted(self._hyper.items()):
            if isinstance(value, (op_builder.Tensor, variables_module.Variable)) or \
                    callable(value):
                continue
            self._hyper[name] = self.add_weight(name, shape=[], trainable=False,
                                                initializer=value)
        self._hypers_created = True

    def _serialize_hyperparameter(self, name):
        value = self._hyper[name]
        if isinstance(value, schedules.LearningRateSchedule):
            return schedules.serialize(value)
        if callable(value) and not isinstance(value, variables_module.Variable):
            return value()
        if isinstance(value, (op_builder.Tensor, variables_module.Variable)):
            return backend.get_value(value)
        return value

    # -- weights ---------------------------------------------------------------------
    def add_weight(self, name, shape, dtype=None, initializer="zeros", trainable=None):
        """A non-slot optimizer variable (hyperparameters, `iter`)."""
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        if isinstance(initializer, str) or (callable(initializer) and
                                            not isinstance(initializer, (int, float))):
            init = initializers.get(initializer)
            initial_value = functools.partial(init, shape=shape, dtype=dtype)
        else:
            initial_value = np.asarray(initializer, dtype=dtype.as_numpy_dtype).reshape(shape)
        v = variables_module.Variable(initial_value, name=name, dtype=dtype,
                                      trainable=bool(trainable))
        backend.track_variable(v)
        return v

    @property
    def iterations(self):
        """The int64 step counter `iter`."""
        if self._iterations is None:
            self._iterations = self.add_weight("iter", shape=[], dtype=dtypes.int64,
                                               trainable=False)
            self._weights.append(self._iterations)
        return self._iterations

    @iterations.setter
    def iterations(self, variable):
        if self._iterations is not None:
            raise RuntimeError("Cannot set `iterations` to a new Variable after the Optimizer "
                               "weights have been created. Here it is attempting to set "
                               f"`iterations` to {variable}.")
        self._iterations = variable
        self._weights.append(variable)

    def add_slot(self, var, slot_name, initializer="zeros", shape=None):
        """The slot variable `<var>/<slot_name>` (created once)."""
        if slot_name not in self._slot_names:
            self._slot_names.append(slot_name)
        slot_dict = self._slots.setdefault(_var_name(var), {})
        weight = slot_dict.get(slot_name)
        if weight is None:
            dt = var.dtype.base_dtype
            if isinstance(initializer, str) or callable(initializer):
                init = initializers.get(initializer)
                initial_value = functools.partial(
                    init, shape=shape if shape is not None else var.shape, dtype=dt)
            else:
                initial_value = initializer
            with graph_module.colocate_with(var.op if hasattr(var, "op") else var):
                weight = variables_module.Variable(initial_value, name=f"{_var_name(var)}/"
                                                   f"{slot_name}", dtype=dt, trainable=False)
            backend.track_variable(weight)
            slot_dict[slot_name] = weight
            self._weights.append(weight)
        return weight

    def get_slot(self, var, slot_name):
        return self._slots[_var_name(var)][slot_name]

    def get_slot_names(self):
        return self._slot_names

    def _create_slots(self, var_list):
        pass

    def _create_all_weights(self, var_list):
        _ = self.iterations
        self._create_hypers()
        self._create_slots(var_list)

    def variables(self):
        return self._weights

    @property
    def weights(self):
        return self._weights

    def get_weights(self):
        """The optimizer's state: iterations first, then slots in creation order."""
        return backend.batch_get_value(self.weights)

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self._name} with a  weight "
                f"list of length {len(weights)}, but the optimizer was expecting "
                f"{len(params)} weights. Provided weights: {str(weights)[:50]}...")
        if not params:
            return
        pairs = []
        for pv, p, w in zip(backend.batch_get_value(params), params, weights):
            if pv.shape != np.shape(w):
                raise ValueError(f"Optimizer weight shape {pv.shape} not compatible with "
                                 f"provided weight shape {np.shape(w)}.")
            pairs.append((p, w))
        backend.batch_set_value(pairs)

    # -- gradients and updates -------------------------------------------------------
    def get_gradients(self, loss, params):
        """The gradients of `loss` for `params` (a ValueError names a param without one)."""
        params = list(params)
        with backend.get_graph().as_default(), backend.name_scope(self._name + "/gradients"):
            grads = backend.gradients(loss, params)
            for grad, param in zip(grads, params):
                if grad is None:
                    raise ValueError(
                        f"Variable {param} has `None` for gradient. Please make sure that all "
                        "of your ops have a gradient defined (i.e. are differentiable). "
                        "Common ops without gradient: K.argmax, K.round, K.eval.")
        return grads

    def get_updates(self, loss, params):
        """[the op applying one step to `params` for `loss`]."""
        grads = self.get_gradients(loss, params)
        pairs = list(zip(grads, params))
        for g, v in pairs:
            if g is not None and v.dtype.base_dtype not in _VALID_DTYPES:
                raise ValueError(f"Invalid type {v.dtype.base_dtype} for {v.name}, expected: "
                                 f"{sorted(d.name for d in _VALID_DTYPES)}.")
        return [self.apply_gradients(pairs)]

    def minimize(self, loss, var_list, grad_loss=None, name=None):
        """`apply_gradients` of the gradients of `loss` (a tensor or a callable)."""
        if callable(loss):
            loss = loss()
        if callable(var_list):
            var_list = var_list()
        grads = _tf_gradients(loss, list(var_list), grad_ys=grad_loss)
        return self.apply_gradients(zip(grads, var_list), name=name)

    def _transform_gradients(self, grads_and_vars):
        if self.clipvalue is not None:
            grads_and_vars = [(reduction_ops.clip_by_value(g, -self.clipvalue, self.clipvalue), v)
                              for g, v in grads_and_vars]
        if self.clipnorm is not None:
            grads_and_vars = [(clip_ops.clip_by_norm(g, self.clipnorm), v)
                              for g, v in grads_and_vars]
        if self.global_clipnorm is not None:
            clipped, _ = clip_ops.clip_by_global_norm([g for g, _ in grads_and_vars],
                                                      self.global_clipnorm)
            grads_and_vars = list(zip(clipped, [v for _, v in grads_and_vars]))
        for fn in self.gradient_transformers:
            grads_and_vars = fn(grads_and_vars)
        return grads_and_vars

    def _prepare(self, var_list):
        state = {}
        for var in var_list:
            dt = var.dtype.base_dtype
            if dt not in state:
                state[dt] = {}
                self._prepare_local(dt, state)
        return state

    def _prepare_local(self, var_dtype, apply_state):
        if "learning_rate" in self._hyper:
            apply_state[var_dtype]["lr_t"] = core.identity(self._decayed_lr(var_dtype))

    def _coefficients(self, var, apply_state):
        dt = var.dtype.base_dtype
        if apply_state is None or dt not in apply_state:
            apply_state = {dt: {}}
            self._prepare_local(dt, apply_state)
        return apply_state[dt]

    def _decayed_lr(self, var_dtype):
        lr_t = self._get_hyper("learning_rate", var_dtype)
        if isinstance(lr_t, schedules.LearningRateSchedule):
            local_step = unary_ops.cast(self.iterations, var_dtype)
            lr_t = unary_ops.cast(lr_t(local_step), var_dtype)
        if self._initial_decay > 0.0:
            local_step = unary_ops.cast(self.iterations, var_dtype)
            decay_t = op_builder.constant(self._initial_decay, dtype=var_dtype)
            lr_t = lr_t / (1.0 + decay_t * local_step)
        return lr_t

    def apply_gradients(self, grads_and_vars, name=None,
                        experimental_aggregate_gradients=True):
        """The op applying `(gradient, variable)` pairs; it increments `iterations`."""
        grads_and_vars = [(g, v) for g, v in grads_and_vars if g is not None]
        if not grads_and_vars:
            raise ValueError("No gradients provided for any variable.")
        var_list = [v for _, v in grads_and_vars]
        with graph_module.name_scope(self._name):
            with scopes.init_scope():
                self._create_all_weights(var_list)
            apply_state = self._prepare(var_list)
            grads_and_vars = self._transform_gradients(grads_and_vars)
            update_ops = []
            with graph_module.name_scope(name or self._name):
                for grad, var in grads_and_vars:
                    with graph_module.colocate_with(var.op), \
                            graph_module.name_scope("update_" + var.op.name):
                        if isinstance(grad, IndexedSlices):
                            if getattr(var, "constraint", None) is not None:
                                raise RuntimeError(
                                    "Cannot use a constraint function on a sparse variable. "
                                    f"Received: grad={grad}, "
                                    f"var.constraint={var.constraint}.")
                            op = self._resource_apply_sparse_duplicate_indices(
                                grad.values, var, grad.indices, apply_state)
                        else:
                            op = self._resource_apply_dense(grad, var, apply_state)
                        if getattr(var, "constraint", None) is not None:
                            with graph_module.control_dependencies([op]):
                                op = state_ops.assign(var, var.constraint(var))
                        update_ops.append(op)
                with graph_module.control_dependencies([core.group(*update_ops)]):
                    return state_ops.assign_add(self.iterations,
                                                op_builder.constant(1, dtype="int64")).op

    def _resource_apply_dense(self, grad, var, apply_state):
        raise NotImplementedError("Must be implemented in subclasses.")

    def _resource_apply_sparse_duplicate_indices(self, grad, var, indices, apply_state=None):
        summed, unique = _dedupe(grad, indices)
        return self._resource_apply_sparse(summed, var, unique, apply_state)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        """Rows `indices` of the gradient (unique); by default the dense update of the
        scattered gradient (what Keras's Adam and Adagrad amount to)."""
        dense = gather_ops.scatter_nd(array_ops.expand_dims(indices, -1), grad,
                                      array_ops.shape(var, out_type=indices.dtype))
        return self._resource_apply_dense(dense, var, apply_state)

    # -- config ----------------------------------------------------------------------
    def get_config(self):
        config = {"name": self._name}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        if self.global_clipnorm is not None:
            config["global_clipnorm"] = self.global_clipnorm
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects=custom_objects)
        return cls(**config)

    def _common_config(self, *hypers):
        config = Optimizer.get_config(self)
        config["learning_rate"] = self._serialize_hyperparameter("learning_rate")
        config["decay"] = self._initial_decay
        for h in hypers:
            config[h] = self._serialize_hyperparameter(h)
        return config


def _assign(ref, value):
    return state_ops.assign(ref, value, use_locking=True)


class SGD(Optimizer):
    """Gradient descent with optional momentum (Keras's form: `v = momentum * v - lr * g;
    w += v`, Nesterov: `w += momentum * v - lr * g`)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._momentum = isinstance(momentum, op_builder.Tensor) or callable(momentum) or \
            momentum > 0
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError("`momentum` must be between [0, 1]. Received: "
                             f"momentum={momentum} (of type {type(momentum)}).")
        self._set_hyper("momentum", momentum)
        self.nesterov = nesterov

    def _create_slots(self, var_list):
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        apply_state[var_dtype]["momentum"] = core.identity(
            self._get_hyper("momentum", var_dtype))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        if self._momentum:
            accum = self.get_slot(var, "momentum")
            new_accum = _assign(accum, accum * c["momentum"] - grad * c["lr_t"])
            if self.nesterov:
                return state_ops.assign_add(var, new_accum * c["momentum"] - grad * c["lr_t"],
                                            use_locking=True).op
            return state_ops.assign_add(var, new_accum, use_locking=True).op
        return state_ops.assign_sub(var, grad * c["lr_t"], use_locking=True).op

    def _resource_apply_sparse_duplicate_indices(self, grad, var, indices, apply_state=None):
        if self._momentum:
            return super()._resource_apply_sparse_duplicate_indices(grad, var, indices,
                                                                    apply_state)
        c = self._coefficients(var, apply_state)
        return sparse_training_ops.scatter_add(var, indices, -grad * c["lr_t"]).op

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        accum = self.get_slot(var, "momentum")
        rows = gather_ops.gather(accum, indices) * c["momentum"] - c["lr_t"] * grad
        new_accum = sparse_training_ops.scatter_update(accum, indices, rows)
        step = rows * c["momentum"] - c["lr_t"] * grad if self.nesterov else rows
        with graph_module.control_dependencies([new_accum]):
            return sparse_training_ops.scatter_add(var, indices, step).op

    def get_config(self):
        config = self._common_config("momentum")
        config["nesterov"] = self.nesterov
        return config


class RMSprop(Optimizer):
    """RMSprop: `ms = rho * ms + (1 - rho) * g^2; w -= lr * g / (sqrt(ms) + epsilon)`
    (with momentum or centering: TF's ApplyRMSProp/ApplyCenteredRMSProp)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("rho", rho)
        self._momentum = isinstance(momentum, op_builder.Tensor) or callable(momentum) or \
            momentum > 0
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError("`momentum` must be between [0, 1]. Received: "
                             f"momentum={momentum} (of type {type(momentum)}).")
        self._set_hyper("momentum", momentum)
        self.epsilon = epsilon or backend.epsilon()
        self.centered = centered

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "rms")
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")
        if self.centered:
            for var in var_list:
                self.add_slot(var, "mg")

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        rho = core.identity(self._get_hyper("rho", var_dtype))
        st = apply_state[var_dtype]
        st.update(neg_lr_t=-st["lr_t"],
                  epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
                  rho=rho, momentum=core.identity(self._get_hyper("momentum", var_dtype)),
                  one_minus_rho=1.0 - rho)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        rms = self.get_slot(var, "rms")
        if self._momentum:
            mom = self.get_slot(var, "momentum")
            if self.centered:
                mg = self.get_slot(var, "mg")
                return op_builder.apply_op(
                    "ApplyCenteredRMSProp", [var, mg, rms, mom, c["lr_t"], c["rho"],
                                             c["momentum"], c["epsilon"], grad],
                    {"use_locking": True}).op
            return op_builder.apply_op(
                "ApplyRMSProp", [var, rms, mom, c["lr_t"], c["rho"], c["momentum"],
                                 c["epsilon"], grad], {"use_locking": True}).op
        rms_t = _assign(rms, c["rho"] * rms + c["one_minus_rho"] * unary_ops.square(grad))
        denom_t = rms_t
        if self.centered:
            mg = self.get_slot(var, "mg")
            mg_t = _assign(mg, c["rho"] * mg + c["one_minus_rho"] * grad)
            denom_t = rms_t - unary_ops.square(mg_t)
        var_t = var - c["lr_t"] * grad / (unary_ops.sqrt(denom_t) + c["epsilon"])
        return _assign(var, var_t).op

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        rms = self.get_slot(var, "rms")
        if self._momentum:
            mom = self.get_slot(var, "momentum")
            if self.centered:
                return op_builder.apply_op(
                    "SparseApplyCenteredRMSProp",
                    [var, self.get_slot(var, "mg"), rms, mom, c["lr_t"], c["rho"],
                     c["momentum"], c["epsilon"], grad, indices], {"use_locking": True}).op
            return op_builder.apply_op(
                "SparseApplyRMSProp", [var, rms, mom, c["lr_t"], c["rho"], c["momentum"],
                                       c["epsilon"], grad, indices], {"use_locking": True}).op
        rms_t = _assign(rms, rms * c["rho"])
        with graph_module.control_dependencies([rms_t]):
            rms_t = sparse_training_ops.scatter_add(rms, indices,
                                                    grad * grad * c["one_minus_rho"])
            denom = gather_ops.gather(rms_t, indices)
        deps = [rms_t]
        if self.centered:
            mg = self.get_slot(var, "mg")
            mg_t = _assign(mg, mg * c["rho"])
            with graph_module.control_dependencies([mg_t]):
                mg_t = sparse_training_ops.scatter_add(mg, indices, grad * c["one_minus_rho"])
                denom = denom - unary_ops.square(gather_ops.gather(mg_t, indices))
            deps.append(mg_t)
        update = sparse_training_ops.scatter_add(
            var, indices, c["neg_lr_t"] * grad / (unary_ops.sqrt(denom) + c["epsilon"]))
        return core.group(update, *deps)

    def set_weights(self, weights):
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    def get_config(self):
        config = self._common_config("rho", "momentum")
        config.update(epsilon=self.epsilon, centered=self.centered)
        return config


class Adam(Optimizer):
    """Adam (TF's ApplyAdam; with `amsgrad`, the max of past second moments)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = epsilon or backend.epsilon()
        self.amsgrad = amsgrad

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")
        if self.amsgrad:
            for var in var_list:
                self.add_slot(var, "vhat")

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        local_step = unary_ops.cast(self.iterations + 1, var_dtype)
        beta_1_t = core.identity(self._get_hyper("beta_1", var_dtype))
        beta_2_t = core.identity(self._get_hyper("beta_2", var_dtype))
        beta_1_power = math_ops.pow(beta_1_t, local_step)
        beta_2_power = math_ops.pow(beta_2_t, local_step)
        st = apply_state[var_dtype]
        lr = st["lr_t"] * (unary_ops.sqrt(1 - beta_2_power) / (1 - beta_1_power))
        st.update(lr=lr, epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
                  beta_1_t=beta_1_t, beta_1_power=beta_1_power, one_minus_beta_1_t=1 - beta_1_t,
                  beta_2_t=beta_2_t, beta_2_power=beta_2_power, one_minus_beta_2_t=1 - beta_2_t)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        if not self.amsgrad:
            return op_builder.apply_op(
                "ApplyAdam", [var, m, v, c["beta_1_power"], c["beta_2_power"], c["lr_t"],
                              c["beta_1_t"], c["beta_2_t"], c["epsilon"], grad],
                {"use_locking": True}).op
        vhat = self.get_slot(var, "vhat")
        alpha = c["lr_t"] * unary_ops.sqrt(1 - c["beta_2_power"]) / (1 - c["beta_1_power"])
        m_t = state_ops.assign_add(m, (grad - m) * (1 - c["beta_1_t"]), use_locking=True)
        v_t = state_ops.assign_add(v, (unary_ops.square(grad) - v) * (1 - c["beta_2_t"]),
                                   use_locking=True)
        vhat_t = _assign(vhat, math_ops.maximum(vhat, v_t))
        return state_ops.assign_sub(var, (m_t * alpha) / (unary_ops.sqrt(vhat_t) +
                                                          c["epsilon"]), use_locking=True).op

    def set_weights(self, weights):
        num_vars = int((len(self.weights) - 1) / 2)
        if len(weights) == 3 * num_vars + 1:
            weights = weights[:len(self.weights)]
        super().set_weights(weights)

    def get_config(self):
        config = self._common_config("beta_1", "beta_2")
        config.update(epsilon=self.epsilon, amsgrad=self.amsgrad)
        return config


class Adagrad(Optimizer):
    """Adagrad: `acc += g^2; w -= lr * g / (sqrt(acc) + epsilon)`."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07,
                 name="Adagrad", **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError("initial_accumulator_value must be non-negative: %s"
                             % initial_accumulator_value)
        if epsilon is None:
            epsilon = backend.epsilon()
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            init = initializers.Constant(self._initial_accumulator_value,
                                         dtype=var.dtype.base_dtype)
            self.add_slot(var, "accumulator", init)

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        st = apply_state[var_dtype]
        st.update(epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
                  neg_lr_t=-st["lr_t"])

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        acc = self.get_slot(var, "accumulator")
        acc_t = state_ops.assign_add(acc, grad * grad, use_locking=True)
        return state_ops.assign_sub(var, c["lr_t"] * grad / (unary_ops.sqrt(acc_t) +
                                                             c["epsilon"]),
                                    use_locking=True).op

    def set_weights(self, weights):
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.setdefault("initial_accumulator_value", 0.1)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        return cls(**config)

    def get_config(self):
        config = self._common_config()
        config.update(initial_accumulator_value=self._initial_accumulator_value,
                      epsilon=self.epsilon)
        return config


class Adadelta(Optimizer):
    """Adadelta (TF's ApplyAdadelta)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-07, name="Adadelta",
                 **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("rho", rho)
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for v in var_list:
            self.add_slot(v, "accum_grad")
        for v in var_list:
            self.add_slot(v, "accum_var")

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        apply_state[var_dtype].update(
            epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
            rho=core.identity(self._get_hyper("rho", var_dtype)))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        return op_builder.apply_op(
            "ApplyAdadelta", [var, self.get_slot(var, "accum_grad"),
                              self.get_slot(var, "accum_var"), c["lr_t"], c["rho"],
                              c["epsilon"], grad], {"use_locking": True}).op

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        return op_builder.apply_op(
            "SparseApplyAdadelta", [var, self.get_slot(var, "accum_grad"),
                                    self.get_slot(var, "accum_var"), c["lr_t"], c["rho"],
                                    c["epsilon"], grad, indices], {"use_locking": True}).op

    def set_weights(self, weights):
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    def get_config(self):
        config = self._common_config("rho")
        config["epsilon"] = self.epsilon
        return config


class Adamax(Optimizer):
    """Adamax: `m += (g - m) * (1 - beta_1); v = max(beta_2 * v, |g|);
    w -= lr / (1 - beta_1^t) * m / (v + epsilon)`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 name="Adamax", **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")

    def _prepare_local(self, var_dtype, apply_state):
        super()._prepare_local(var_dtype, apply_state)
        local_step = unary_ops.cast(self.iterations + 1, var_dtype)
        beta_1_t = core.identity(self._get_hyper("beta_1", var_dtype))
        beta_2_t = core.identity(self._get_hyper("beta_2", var_dtype))
        beta_1_power = math_ops.pow(beta_1_t, local_step)
        st = apply_state[var_dtype]
        st.update(neg_scaled_lr=-st["lr_t"] / (1 - beta_1_power),
                  epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
                  beta_1_t=beta_1_t, beta_1_power=beta_1_power,
                  one_minus_beta_1_t=1 - beta_1_t, beta_2_t=beta_2_t)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t = state_ops.assign_add(m, (grad - m) * (1 - c["beta_1_t"]), use_locking=True)
        v_t = _assign(v, math_ops.maximum(c["beta_2_t"] * v, unary_ops.abs(grad)))
        step = c["lr_t"] / (1 - c["beta_1_power"]) * (m_t / (v_t + c["epsilon"]))
        return state_ops.assign_sub(var, step, use_locking=True).op

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_rows = gather_ops.gather(m, indices) * c["beta_1_t"] + grad * c["one_minus_beta_1_t"]
        m_t = sparse_training_ops.scatter_update(m, indices, m_rows)
        v_rows = math_ops.maximum(gather_ops.gather(v, indices) * c["beta_2_t"],
                                  unary_ops.abs(grad))
        v_t = sparse_training_ops.scatter_update(v, indices, v_rows)
        step = c["neg_scaled_lr"] * (m_rows / (v_rows + c["epsilon"]))
        with graph_module.control_dependencies([m_t, v_t]):
            return sparse_training_ops.scatter_add(var, indices, step).op

    def get_config(self):
        config = self._common_config("beta_1", "beta_2")
        config["epsilon"] = self.epsilon
        return config


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras's momentum schedule (`schedule_decay`)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 name="Nadam", **kwargs):
        kwargs["decay"] = kwargs.pop("schedule_decay", 0.004)
        learning_rate = kwargs.get("lr", learning_rate)
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            raise ValueError("The Nadam optimizer does not support "
                             "tf.keras.optimizers.LearningRateSchedules as the learning rate.")
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = epsilon or backend.epsilon()
        self._m_cache = None

    def _create_slots(self, var_list):
        var_dtype = var_list[0].dtype.base_dtype
        if self._m_cache is None:
            self._m_cache = self.add_weight("momentum_cache", shape=[], dtype=var_dtype,
                                            initializer="ones", trainable=False)
            self._weights.append(self._m_cache)
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")

    def _prepare(self, var_list):
        self._m_cache_read = core.identity(self._m_cache)
        return super()._prepare(var_list)

    def _prepare_local(self, var_dtype, apply_state):
        lr_t = core.identity(self._get_hyper("learning_rate", var_dtype))
        beta_1_t = core.identity(self._get_hyper("beta_1", var_dtype))
        beta_2_t = core.identity(self._get_hyper("beta_2", var_dtype))
        local_step = unary_ops.cast(self.iterations + 1, var_dtype)
        next_step = unary_ops.cast(self.iterations + 2, var_dtype)
        decay_base = unary_ops.cast(0.96, var_dtype)
        m_t = beta_1_t * (1.0 - 0.5 * math_ops.pow(decay_base, self._initial_decay * local_step))
        m_t_1 = beta_1_t * (1.0 - 0.5 * math_ops.pow(decay_base, self._initial_decay *
                                                     next_step))
        m_schedule_new = unary_ops.cast(self._m_cache_read, var_dtype) * m_t
        if var_dtype == self._m_cache.dtype.base_dtype:
            m_schedule_new = core.identity(_assign(self._m_cache, m_schedule_new))
        m_schedule_next = m_schedule_new * m_t_1
        apply_state[var_dtype] = dict(
            lr_t=lr_t, neg_lr_t=-lr_t,
            epsilon=op_builder.convert_to_tensor(self.epsilon, dtype=var_dtype),
            beta_1_t=beta_1_t, beta_2_t=beta_2_t, m_t=m_t, m_t_1=m_t_1,
            one_minus_beta_1_t=1 - beta_1_t, one_minus_beta_2_t=1 - beta_2_t,
            one_minus_m_t=1.0 - m_t, one_minus_m_schedule_new=1.0 - m_schedule_new,
            one_minus_m_schedule_next=1.0 - m_schedule_next,
            v_t_prime_denominator=1.0 - math_ops.pow(beta_2_t, local_step))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        g_prime = grad / c["one_minus_m_schedule_new"]
        m_t = _assign(m, c["beta_1_t"] * m + c["one_minus_beta_1_t"] * grad)
        m_t_prime = m_t / c["one_minus_m_schedule_next"]
        v_t = _assign(v, c["beta_2_t"] * v + c["one_minus_beta_2_t"] * unary_ops.square(grad))
        v_t_prime = v_t / c["v_t_prime_denominator"]
        m_t_bar = c["one_minus_m_t"] * g_prime + c["m_t_1"] * m_t_prime
        var_t = var - c["lr_t"] * m_t_bar / (unary_ops.sqrt(v_t_prime) + c["epsilon"])
        return _assign(var, var_t).op

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        g_prime = grad / c["one_minus_m_schedule_new"]
        m_t = _assign(m, m * c["beta_1_t"])
        with graph_module.control_dependencies([m_t]):
            m_t = sparse_training_ops.scatter_add(m, indices, grad * c["one_minus_beta_1_t"])
            m_rows = gather_ops.gather(m_t, indices)
        m_t_prime = m_rows / c["one_minus_m_schedule_next"]
        v_t = _assign(v, v * c["beta_2_t"])
        with graph_module.control_dependencies([v_t]):
            v_t = sparse_training_ops.scatter_add(v, indices,
                                                  grad * grad * c["one_minus_beta_2_t"])
            v_rows = gather_ops.gather(v_t, indices)
        v_t_prime = v_rows / c["v_t_prime_denominator"]
        m_t_bar = c["one_minus_m_t"] * g_prime + c["m_t_1"] * m_t_prime
        update = sparse_training_ops.scatter_add(
            var, indices, c["neg_lr_t"] * m_t_bar / (unary_ops.sqrt(v_t_prime) + c["epsilon"]))
        return core.group(update, m_t_bar, v_t)

    def get_config(self):
        config = self._common_config("beta_1", "beta_2")
        config["epsilon"] = self.epsilon
        return config


class TFOptimizer(Optimizer):
    """Wraps a `tf.train` optimizer so Keras can compile with it."""

    def __init__(self, optimizer, iterations=None, name="TFOptimizer"):
        super().__init__(name)
        self.optimizer = optimizer
        if iterations is None:
            with graph_module.name_scope(type(self).__name__):
                iterations = backend.variable(0, dtype="int64", name="iterations")
        self._iterations = iterations
        backend.track_tf_optimizer(self)

    @property
    def iterations(self):
        return self._iterations

    def get_updates(self, loss, params):
        return [self.optimizer.minimize(loss, var_list=list(params),
                                        global_step=self.iterations)]

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        return self.optimizer.apply_gradients(grads_and_vars, global_step=self.iterations)

    def variables(self):
        return self.optimizer.variables()

    @property
    def weights(self):
        raise NotImplementedError("TFOptimizer wraps a tf.train optimizer; it has no Keras "
                                  "weights")

    def get_config(self):
        raise NotImplementedError("TFOptimizer cannot be serialized")


legacy = types.ModuleType("flowgraph.keras.optimizers.legacy",
                          "Keras's legacy optimizers (the ones TF1 graph mode uses).")
for _c in (Optimizer, SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam):
    setattr(legacy, _c.__name__, _c)
del _c

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam}
_CLASSES = {c.__name__: c for c in (SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam)}


def serialize(optimizer):
    """{'class_name': ..., 'config': ...} of an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """An optimizer from a `serialize` dict (class names matched case-insensitively)."""
    objects = {k.lower(): v for k, v in dict(_CLASSES, **_BY_NAME).items()}
    custom = dict(custom_objects or {})
    name = config["class_name"]
    cls = custom.get(name) or objects.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """An optimizer from an instance, a name ('rmsprop', ...), a config dict or a
    `tf.train` optimizer (wrapped in TFOptimizer)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, tf_optimizer_module.Optimizer):
        opt = TFOptimizer(identifier)
        backend.track_tf_optimizer(opt)
        return opt
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
