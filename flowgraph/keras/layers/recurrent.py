"""Keras's recurrent layers: the cells (SimpleRNNCell, LSTMCell, GRUCell,
StackedRNNCells), the generic `RNN(cell)` loop over time (`backend.rnn`), and SimpleRNN,
LSTM and GRU. Weights are laid out as Keras lays them out (`lstm/lstm_cell/kernel` of
shape (input_dim, 4 * units), gates i, f, c, o; GRU gates z, r, h with `reset_after`'s
(2, 3 * units) bias), so HDF5 weights cross with real Keras."""
import inspect

import numpy as np

from flowgraph.framework import tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.keras import activations, constraints, initializers, regularizers
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.functional import deserialize_layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.layers.core import _ser
from flowgraph.ops import (array_ops, core, creation_ops, join_ops, math_ops, matmul_ops,
                           nn_ops, state_ops, unary_ops)

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "SimpleRNN",
           "LSTM", "GRU"]


def _flat_sizes(state_size):
    sizes = state_size if isinstance(state_size, (list, tuple)) else [state_size]
    out = []
    for s in sizes:
        out += _flat_sizes(s) if isinstance(s, (list, tuple)) else [s]
    return out


def _has_arg(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _dot(x, w):
    return matmul_ops.matmul(x, w)


class _DropoutCell(Layer):
    """Dropout masks for a cell's inputs and recurrent state, drawn once per sequence
    (the same mask at every step) and only in the training phase."""
    _gates = 1

    def reset_dropout_mask(self):
        self._dropout_mask_cache = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask_cache = None

    def _masks(self, like, rate, training, count):
        ones = array_ops.ones_like(like)

        def dropped():
            return K.dropout(ones, rate)
        return [K.in_train_phase(dropped, ones, training=training) for _ in range(count)]

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        if not 0 < self.dropout < 1:
            return None
        if getattr(self, "_dropout_mask_cache", None) is None:
            self._dropout_mask_cache = self._masks(inputs, self.dropout, training, count)
        return self._dropout_mask_cache

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        if not 0 < self.recurrent_dropout < 1:
            return None
        if getattr(self, "_recurrent_dropout_mask_cache", None) is None:
            self._recurrent_dropout_mask_cache = self._masks(inputs, self.recurrent_dropout,
                                                             training, count)
        return self._recurrent_dropout_mask_cache

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states of shape (batch_size, size) for each state."""
        if inputs is not None:
            batch_size = array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        states = [creation_ops.zeros(join_ops.stack([batch_size, s]), dtype=dtype or
                                     K.floatx()) for s in _flat_sizes(self.state_size)]
        return states[0] if len(states) == 1 else states

    def _base_cell_config(self):
        return {
            "units": self.units, "activation": _ser(activations, self.activation)}

    def _common_config(self):
        return {
            "use_bias": self.use_bias,
            "kernel_initializer": _ser(initializers, self.kernel_initializer),
            "recurrent_initializer": _ser(initializers, self.recurrent_initializer),
            "bias_initializer": _ser(initializers, self.bias_initializer)}

    def _reg_config(self):
        return {
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": _ser(regularizers, self.recurrent_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "recurrent_constraint": _ser(constraints, self.recurrent_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}

    def _init_common(self, units, activation, use_bias, kernel_initializer,
                     recurrent_initializer, bias_initializer, kernel_regularizer,
                     recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint, dropout, recurrent_dropout):
        if units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))

    def _kernels(self, input_dim, gates, bias_shape, bias_initializer=None):
        u = self.units
        self.kernel = self.add_weight("kernel", shape=(input_dim, gates * u),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, dtype=self.dtype)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", shape=(u, gates * u),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                dtype=self.dtype)
        self.bias = self.add_weight("bias", shape=bias_shape,
                                    initializer=bias_initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    dtype=self.dtype) if self.use_bias else None
        self.built = True


class SimpleRNNCell(_DropoutCell):
    """`h_t = activation(x_t W + h_{t-1} U + b)`."""

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        self._kernels(dims[-1], 1, (self.units,))

    def call(self, inputs, states, training=None):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        dp = self.get_dropout_mask_for_cell(inputs, training)
        rec_dp = self.get_recurrent_dropout_mask_for_cell(prev, training)
        h = _dot(math_ops.multiply(inputs, dp[0]) if dp else inputs, self.kernel)
        if self.bias is not None:
            h = nn_ops.bias_add(h, self.bias)
        if rec_dp:
            prev = math_ops.multiply(prev, rec_dp[0])
        output = math_ops.add(h, _dot(prev, self.recurrent_kernel))
        if self.activation is not None:
            output = self.activation(output)
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config.update(self._base_cell_config())
        config.update(self._common_config())
        config.update(self._reg_config())
        return config


class LSTMCell(_DropoutCell):
    """Long short-term memory: gates i, f, o and candidate c from
    `x_t W + h_{t-1} U + b`; `c_t = f c_{t-1} + i act(c~)`, `h_t = o act(c_t)`."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=2, **kwargs):
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = implementation
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        bias_init = None
        if self.unit_forget_bias:
            base = self.bias_initializer
            u = self.units

            def bias_init(shape, dtype=None, **kwargs):
                return join_ops.concat([base((u,), dtype=dtype),
                                        creation_ops.ones((u,), dtype=dtype),
                                        base((2 * u,), dtype=dtype)], 0)
        self._kernels(dims[-1], 4, (4 * self.units,), bias_init)

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp = self.get_dropout_mask_for_cell(inputs, training, count=4)
        rec_dp = self.get_recurrent_dropout_mask_for_cell(h_tm1, training, count=4)
        if dp:
            inputs = math_ops.multiply(inputs, dp[0])
        if rec_dp:
            h_tm1 = math_ops.multiply(h_tm1, rec_dp[0])
        z = math_ops.add(_dot(inputs, self.kernel), _dot(h_tm1, self.recurrent_kernel))
        if self.bias is not None:
            z = nn_ops.bias_add(z, self.bias)
        z0, z1, z2, z3 = join_ops.split(z, 4, axis=1)
        ra = self.recurrent_activation
        i, f, o = ra(z0), ra(z1), ra(z3)
        c = math_ops.add(math_ops.multiply(f, c_tm1), math_ops.multiply(i, self.activation(z2)))
        h = math_ops.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(self._base_cell_config())
        config["recurrent_activation"] = _ser(activations, self.recurrent_activation)
        config.update(self._common_config())
        config["unit_forget_bias"] = self.unit_forget_bias
        config.update(self._reg_config())
        config["implementation"] = self.implementation
        return config


class GRUCell(_DropoutCell):
    """Gated recurrent unit: update gate z, reset gate r; with `reset_after` (Keras's
    default, the cuDNN form) r multiplies `h_{t-1} U_h + b_h` after the product."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=2, reset_after=True,
                 **kwargs):
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        bias_shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._kernels(dims[-1], 3, bias_shape)

    def call(self, inputs, states, training=None):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        dp = self.get_dropout_mask_for_cell(inputs, training, count=3)
        rec_dp = self.get_recurrent_dropout_mask_for_cell(h_tm1, training, count=3)
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        x = math_ops.multiply(inputs, dp[0]) if dp else inputs
        h_in = math_ops.multiply(h_tm1, rec_dp[0]) if rec_dp else h_tm1
        matrix_x = _dot(x, self.kernel)
        if input_bias is not None:
            matrix_x = nn_ops.bias_add(matrix_x, input_bias)
        x_z, x_r, x_h = join_ops.split(matrix_x, 3, axis=-1)
        ra = self.recurrent_activation
        if self.reset_after:
            inner = _dot(h_in, self.recurrent_kernel)
            if recurrent_bias is not None:
                inner = nn_ops.bias_add(inner, recurrent_bias)
            rec_z, rec_r, rec_h = join_ops.split(inner, 3, axis=-1)
            z = ra(math_ops.add(x_z, rec_z))
            r = ra(math_ops.add(x_r, rec_r))
            rec_h = math_ops.multiply(r, rec_h)
        else:
            inner = _dot(h_in, self.recurrent_kernel[:, :2 * u])
            rec_z, rec_r = join_ops.split(inner, 2, axis=-1)
            z = ra(math_ops.add(x_z, rec_z))
            r = ra(math_ops.add(x_r, rec_r))
            rec_h = _dot(math_ops.multiply(r, h_in), self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(math_ops.add(x_h, rec_h))
        h = math_ops.add(math_ops.multiply(z, h_tm1),
                         math_ops.multiply(math_ops.subtract(1.0, z), hh))
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update(self._base_cell_config())
        config["recurrent_activation"] = _ser(activations, self.recurrent_activation)
        config.update(self._common_config())
        config.update(self._reg_config())
        config.update({"implementation": self.implementation,
                       "reset_after": self.reset_after})
        return config


class StackedRNNCells(Layer):
    """Cells applied one after another at each step, as one cell."""

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if "call" not in dir(cell) or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells={cells}")
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for cell in self.cells for s in _flat_sizes(cell.state_size)]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", None) or _flat_sizes(last.state_size)[0]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            st = fn(inputs, batch_size, dtype) if fn else None
            out += st if isinstance(st, (list, tuple)) else [st]
        return out

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()

    reset_recurrent_dropout_mask = reset_dropout_mask

    def build(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                with name_scope(cell.name):
                    cell.build(dims)
                    cell.built = True
            out = getattr(cell, "output_size", None) or _flat_sizes(cell.state_size)[0]
            dims = [dims[0], out]
        self.built = True

    def call(self, inputs, states, constants=None, training=None, **kwargs):
        states = list(states)
        new_states = []
        for cell in self.cells:
            n = len(_flat_sizes(cell.state_size))
            own, states = states[:n], states[n:]
            kw = {"training": training} if _has_arg(cell.call, "training") \
                else {}
            with name_scope(cell.name):
                inputs, st = cell.call(inputs, own, **kw)
            new_states += list(st) if isinstance(st, (list, tuple)) else [st]
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [{"class_name": type(c).__name__, "config": c.get_config()}
                           for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)


def _standardize_args(inputs, initial_state, constants, num_constants):
    """(inputs, initial_state list or None, constants list or None) from Keras's calling
    forms: `rnn(x, initial_state=[h, c])` or `rnn([x, h, c])`."""
    if isinstance(inputs, list):
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
            inputs = inputs[:1]
        inputs = inputs[0]

    def to_list(x):
        if x is None or isinstance(x, list):
            return x
        if isinstance(x, tuple):
            return list(x)
        return [x]
    return inputs, to_list(initial_state), to_list(constants)


class RNN(Layer):
    """Runs `cell` over the time axis of (batch, time, features) inputs."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError("Argument `cell` should have a `call` method. Received: "
                             f"cell={cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have a `state_size` attribute (tuple of "
                             f"integers, one integer per RNN state). Received: cell={cell}")
        self.zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)
        num_constants = kwargs.pop("num_constants", 0)
        if "input_shape" not in kwargs and ("input_dim" in kwargs or
                                            "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.time_major = time_major
        self.supports_masking = True
        self._rnn_spec = None
        self.states = None
        self._num_constants = num_constants
        self._batch_size = None

    @property
    def _n_states(self):
        return len(_flat_sizes(self.cell.state_size))

    def _output_dim(self):
        out = getattr(self.cell, "output_size", None)
        return out if out is not None else _flat_sizes(self.cell.state_size)[0]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(
                input_shape[0], int) and input_shape[0] is not None:
            input_shape = input_shape[0]
        dims = tensor_shape.TensorShape(input_shape).as_list()
        batch, time = (dims[1], dims[0]) if self.time_major else (dims[0], dims[1])
        out_dim = self._output_dim()
        if self.return_sequences:
            out = [time, batch, out_dim] if self.time_major else [batch, time, out_dim]
        else:
            out = [batch, out_dim]
        out = tensor_shape.TensorShape(out)
        if self.return_state:
            return [out] + [tensor_shape.TensorShape([batch, s])
                            for s in _flat_sizes(self.cell.state_size)]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * self._n_states
        return out_mask

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        dims = tensor_shape.TensorShape(input_shape).as_list()
        if self._rnn_spec is not None and self._rnn_spec.ndim is not None and \
                len(dims) != self._rnn_spec.ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f"layer: expected ndim={self._rnn_spec.ndim}, found "
                             f"ndim={len(dims)}. Full shape received: {tuple(dims)}")
        self._batch_size = dims[1] if self.time_major else dims[0]
        step_shape = [self._batch_size] + dims[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            with name_scope(self.cell.name):
                self.cell.build(step_shape)
                self.cell.built = True
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        fn = getattr(self.cell, "get_initial_state", None)
        shape = array_ops.shape(inputs)
        batch = shape[1] if self.time_major else shape[0]
        if fn is not None:
            init = fn(inputs=None, batch_size=batch, dtype=inputs.dtype)
        else:
            init = [creation_ops.zeros(join_ops.stack([batch, s]), dtype=inputs.dtype)
                    for s in _flat_sizes(self.cell.state_size)]
        return list(init) if isinstance(init, (list, tuple)) else [init]

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(
            inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return self._checked_call(inputs, **kwargs)
        extra = (initial_state or []) + (constants or [])
        if all(isinstance(t, Tensor) and K.is_keras_tensor(t) for t in extra):
            if constants:
                self._num_constants = len(constants)
            full = [inputs] + extra
            saved = self._input_spec
            self._input_spec = None
            try:
                return self._checked_call(full, **kwargs)
            finally:
                self._input_spec = saved
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
            self._num_constants = len(constants)
        return self._checked_call(inputs, **kwargs)

    def _checked_call(self, inputs, **kwargs):
        first = inputs[0] if isinstance(inputs, list) else inputs
        if self._rnn_spec is not None and isinstance(first, Tensor):
            nd = first.shape.ndims
            if nd is not None and self._rnn_spec.ndim is not None and nd != self._rnn_spec.ndim:
                raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                                 f"layer: expected ndim={self._rnn_spec.ndim}, found "
                                 f"ndim={nd}. Full shape received: "
                                 f"{tuple(first.shape.as_list())}")
        return super().__call__(inputs, **kwargs)

    def _process_inputs(self, inputs, initial_state, constants):
        if isinstance(inputs, list):
            if self._num_constants:
                initial_state = inputs[1:-self._num_constants]
                constants = inputs[-self._num_constants:]
            else:
                initial_state = inputs[1:]
            if not initial_state:
                initial_state = None
            inputs = inputs[0]
        if initial_state is None:
            initial_state = list(self.states) if self.stateful else \
                self.get_initial_state(inputs)
            if self.stateful:
                initial_state = [convert(s) for s in initial_state]
        if len(initial_state) != self._n_states:
            raise ValueError(f"Layer {self.name} expects {self._n_states} state(s), but "
                             f"it received {len(initial_state)} initial state(s). Input "
                             f"received: {inputs}")
        return inputs, list(initial_state), constants

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = self._process_inputs(inputs, initial_state,
                                                                constants)
        if isinstance(mask, list):
            mask = mask[0]
        for cell in [self.cell] + list(getattr(self.cell, "cells", [])):
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        dims = inputs.shape.as_list()
        timesteps = dims[0] if self.time_major else dims[1]
        if self.unroll and timesteps is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. \n"
                             "- If using a Sequential model, specify the time dimension by "
                             "passing an `input_shape` or `batch_input_shape` argument to "
                             "your first layer. If your first layer is an Embedding, you "
                             "can also use the `input_length` argument.\n- If using the "
                             "functional API, specify the time dimension by passing a "
                             "`shape` or `batch_shape` argument to your Input layer.")
        kw = {"training": training} if _has_arg(self.cell.call, "training") \
            else {}
        cell, n_const = self.cell, len(constants or [])
        cell_scope = cell.name if isinstance(cell, Layer) else None
        if constants and not _has_arg(cell.call, "constants"):
            raise ValueError(f"RNN cell {cell} does not support constants. Received: "
                             f"constants={constants}")

        def step(x, states):
            states = list(states)
            if n_const:
                consts, states = states[-n_const:], states[:-n_const]
                kw2 = dict(kw, constants=consts)
            else:
                kw2 = kw
            with name_scope(cell_scope):
                output, new_states = cell.call(x, states, **kw2)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            return output, list(new_states)

        last_output, outputs, states = K.rnn(
            step, inputs, initial_state, constants=constants, go_backwards=self.go_backwards,
            mask=mask, unroll=self.unroll, input_length=timesteps,
            time_major=self.time_major, zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        batch = dims[1] if self.time_major else dims[0]
        out_dim = self._output_dim()
        last_output.set_shape([batch, out_dim])
        for s, size in zip(states, _flat_sizes(self.cell.state_size)):
            s.set_shape([batch, size])
        if self.stateful:
            self.add_update([state_ops.assign(v, unary_ops.cast(s, v.dtype.base_dtype))
                             for v, s in zip(self.states, states)])
        if self.return_sequences:
            output = outputs
            output.set_shape([timesteps, batch, out_dim] if self.time_major else
                             [batch, timesteps, out_dim])
        else:
            output = last_output
        if self.return_state:
            return [output] + states
        return output

    def reset_states(self, states=None):
        """Zeros the states of a stateful RNN (or sets them to `states`)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch = self._batch_size
        if not batch:
            raise ValueError("If a RNN is stateful, it needs to know its batch size. "
                             "Specify the batch size of your input tensors: \n- If using "
                             "a Sequential model, specify the batch size by passing a "
                             "`batch_input_shape` argument to your first layer.\n- If "
                             "using the functional API, specify the batch size by passing "
                             "a `batch_shape` argument to your Input layer.")
        sizes = _flat_sizes(self.cell.state_size)
        if self.states is None:
            self.states = [K.variable(np.zeros((batch, s)), dtype=self.dtype) for s in sizes]
            return
        if states is None:
            K.batch_set_value([(v, np.zeros((batch, s))) for v, s in zip(self.states, sizes)])
            return
        states = states if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self.states):
            raise ValueError(f"Layer {self.name} expects {len(self.states)} states, but it "
                             f"received {len(states)} state values. States received: "
                             f"{states}")
        pairs = []
        for i, (value, v, s) in enumerate(zip(states, self.states, sizes)):
            value = np.asarray(value)
            if value.shape != (batch, s):
                raise ValueError(f"State {i} is incompatible with layer {self.name}: "
                                 f"expected shape={(batch, s)} but found shape="
                                 f"{value.shape}")
            pairs.append((v, value))
        K.batch_set_value(pairs)

    def _rnn_config(self):
        config = {"return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "time_major": self.time_major}
        if self._num_constants:
            config["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = self.zero_output_for_mask
        return config

    def get_config(self):
        config = super().get_config()
        config.update(self._rnn_config())
        config["cell"] = {"class_name": type(self.cell).__name__,
                          "config": self.cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", 0)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer


def convert(v):
    """A state variable's value as a tensor."""
    return core.identity(v) if not isinstance(v, Tensor) else v


_CELL_ATTRS = ("units", "activation", "recurrent_activation", "use_bias",
               "kernel_initializer", "recurrent_initializer", "bias_initializer",
               "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
               "bias_regularizer", "kernel_constraint", "recurrent_constraint",
               "bias_constraint", "dropout", "recurrent_dropout", "implementation",
               "reset_after")


class _CellLayer(RNN):
    """SimpleRNN/LSTM/GRU: an RNN over its own cell, configured flat (the cell's
    arguments are the layer's)."""
    _cell_class = None
    _cell_name = None

    def __init__(self, units, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, time_major=False,
                 activity_regularizer=None, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _CELL_ATTRS}
        if "implementation" in cell_kwargs and self._cell_class is SimpleRNNCell:
            cell_kwargs.pop("implementation")
        cell = self._cell_class(units, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True),
                                name=self._cell_name, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         time_major=time_major, activity_regularizer=activity_regularizer,
                         **kwargs)
        self._rnn_spec = InputSpec(ndim=3)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training,
                            initial_state=initial_state)

    def get_config(self):
        config = Layer.get_config(self)
        config.update(self._rnn_config())
        cell_config = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cell_config.pop(k, None)
        for k, v in cell_config.items():
            config[k] = v
        config["activity_regularizer"] = _ser(regularizers, self.activity_regularizer)
        order = ["name", "trainable", "dtype", "batch_input_shape", "return_sequences",
                 "return_state", "go_backwards", "stateful", "unroll", "time_major"]
        return {k: config[k] for k in order + [k for k in config if k not in order]
                if k in config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _delegate(name):
    return property(lambda self: getattr(self.cell, name))


for _attr in _CELL_ATTRS:
    setattr(_CellLayer, _attr, _delegate(_attr))


class SimpleRNN(_CellLayer):
    """A fully-connected RNN whose output is fed back as its state."""
    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        super().__init__(units, return_sequences, return_state, go_backwards, stateful,
                         unroll, kwargs.pop("time_major", False), activity_regularizer,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, **kwargs)


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997); states [h, c]."""
    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, time_major=False, unroll=False,
                 **kwargs):
        super().__init__(units, return_sequences, return_state, go_backwards, stateful,
                         unroll, time_major, activity_regularizer, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout,
                         implementation=kwargs.pop("implementation", 2), **kwargs)


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al., 2014); `reset_after=True` by default, as in
    Keras 2 (the cuDNN-compatible form, with a (2, 3 * units) bias)."""
    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True,
                 **kwargs):
        super().__init__(units, return_sequences, return_state, go_backwards, stateful,
                         unroll, time_major, activity_regularizer, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout,
                         implementation=kwargs.pop("implementation", 2),
                         reset_after=reset_after, **kwargs)
