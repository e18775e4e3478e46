"""`tf.nn.rnn_cell`: recurrent cells (TF1's legacy cells).

A cell maps `(inputs, state)` to `(output, new_state)`. Its variables are made on the
first call, in a variable scope named after the cell (`basic_lstm_cell`, `gru_cell`,
...; uniquified like a layer's) inside the scope the cell is called in, so they carry
TF's names (`rnn/basic_lstm_cell/kernel`) and TF checkpoints restore into them. Later
calls reuse them. The math is TF's: LSTM gates in the order i, j, f, o; GRU gates r, u."""
import collections
import re

from flowgraph.framework import dtypes, nest, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import array_ops, init_ops, math_ops, nn_ops, variable_scope as vs

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell",
           "GRUCell", "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
           "LSTMStateTuple"]

_BIAS = "bias"
_WEIGHTS = "kernel"


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _activation(a):
    if a is None:
        return math_ops.tanh
    if callable(a):
        return a
    names = {"tanh": math_ops.tanh, "sigmoid": math_ops.sigmoid, "relu": nn_ops.relu,
             "linear": lambda x: x}
    if a not in names:
        raise ValueError(f"Unknown activation function: {a}")
    return names[a]


def _as_shape_list(s):
    """A state/output size as a list of dims: an int, a TensorShape or a list."""
    if isinstance(s, tensor_shape.TensorShape):
        return s.as_list()
    if isinstance(s, (list, tuple)):
        return list(s)
    return [int(s)]


def _zero_state_tensors(state_size, batch_size, dtype):
    """Zeros of shape [batch_size] + s for each size s in the structure `state_size`."""
    static_batch = batch_size if isinstance(batch_size, int) else None
    if isinstance(batch_size, Tensor):
        from flowgraph.ops.array_ops import _static_value
        v = _static_value(batch_size)
        static_batch = None if v is None else int(v)

    def zeros(s):
        dims = _as_shape_list(s)
        if isinstance(batch_size, Tensor):
            shape = array_ops.concat([array_ops.reshape(batch_size, [1]),
                                      convert_to_tensor(dims, dtype=dtypes.int32)], 0)
        else:
            shape = [int(batch_size)] + dims
        z = array_ops.zeros(shape, dtype=dtype)
        z.set_shape([static_batch] + dims)
        return z
    return _map_sizes(zeros, state_size)


def _map_sizes(fn, sizes):
    """`fn` over the leaves of a state_size structure (ints and TensorShapes are leaves)."""
    if isinstance(sizes, dict):
        return type(sizes)((k, _map_sizes(fn, v)) for k, v in sizes.items())
    if isinstance(sizes, tuple) and hasattr(sizes, "_fields"):
        return type(sizes)(*[_map_sizes(fn, v) for v in sizes])
    if isinstance(sizes, (list, tuple)):
        return type(sizes)(_map_sizes(fn, v) for v in sizes)
    return fn(sizes)


def _flat_sizes(sizes):
    out = []
    _map_sizes(out.append, sizes)
    return out


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM cell: `(c, h)`, the cell state and the output."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


# -- the base classes ----------------------------------------------------------------------
class RNNCell:
    """Abstract recurrent cell: subclasses give `state_size`, `output_size` and
    `call(inputs, state)` (and `build(inputs_shape)` to make variables)."""

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        self._reuse = kwargs.pop("_reuse", None)
        if kwargs:
            raise TypeError(f"Unexpected keyword arguments: {sorted(kwargs)}")
        self.trainable = trainable
        self._name = name
        self._base_name = name or _snake(type(self).__name__)
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._scope = None
        self.built = False
        self._trainable_weights, self._non_trainable_weights = [], []

    # -- what a cell declares --
    @property
    def state_size(self):
        """The size(s) of the state: an int, a TensorShape, or a structure of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        """The size of the output: an int or TensorShape."""
        raise NotImplementedError("Abstract method")

    def build(self, inputs_shape):
        """Makes the cell's variables (called once, in the cell's variable scope)."""
        self.built = True

    def call(self, inputs, state):
        raise NotImplementedError("Abstract method")

    # -- layer-like plumbing --
    @property
    def name(self):
        return self._scope.name.split("/")[-1] if self._scope is not None else \
            self._base_name

    @property
    def dtype(self):
        return self._dtype

    @property
    def scope_name(self):
        return self._scope.name if self._scope is not None else None

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        extra = [] if self.trainable else list(self._trainable_weights)
        return extra + list(self._non_trainable_weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    variables = weights
    trainable_variables = trainable_weights

    def add_variable(self, name, shape=None, dtype=None, initializer=None, trainable=True,
                     **kwargs):
        """A variable of this cell, `get_variable(name, ...)` in its scope."""
        kwargs.pop("partitioner", None)
        v = vs.get_variable(name, shape=shape, dtype=dtype or self._dtype or dtypes.float32,
                            initializer=initializer, trainable=trainable and self.trainable,
                            **kwargs)
        bucket = self._trainable_weights if trainable else self._non_trainable_weights
        if all(v is not w for w in bucket):
            bucket.append(v)
        return v

    add_weight = add_variable

    def _set_scope(self, scope=None):
        if self._scope is None:
            if self._reuse:
                with vs.variable_scope(scope if scope is not None else self._base_name) \
                        as captured:
                    self._scope = captured
            else:
                with vs.variable_scope(scope, default_name=self._base_name) as captured:
                    self._scope = captured

    def __call__(self, inputs, state, scope=None):
        """Runs the cell on `inputs` (batch-major) from `state`: `(output, new_state)`."""
        if scope is not None:
            with vs.variable_scope(scope, custom_getter=self._rnn_get_variable) as scope:
                return self._layer_call(inputs, state, scope)
        with vs.variable_scope(vs.get_variable_scope(),
                               custom_getter=self._rnn_get_variable):
            return self._layer_call(inputs, state, None)

    def _layer_call(self, inputs, state, scope):
        self._set_scope(scope)
        if self._dtype is None:
            first = nest.flatten(inputs)[0]
            if isinstance(first, Tensor) or hasattr(first, "dtype"):
                self._dtype = dtypes.as_dtype(first.dtype).base_dtype
        with vs.variable_scope(self._scope, reuse=True if self.built else self._reuse,
                               auxiliary_name_scope=False) as sc:
            with name_scope(sc.original_name_scope):
                if not self.built:
                    shapes = nest.map_structure(
                        lambda x: convert_to_tensor(x).shape, inputs)
                    self.build(shapes)
                    self.built = True
                return self.call(inputs, state)

    def _rnn_get_variable(self, getter, *args, **kwargs):
        v = getter(*args, **kwargs)
        trainable = kwargs.get("trainable", True)
        bucket = self._trainable_weights if trainable else self._non_trainable_weights
        if all(v is not w for w in bucket):
            bucket.append(v)
        return v

    def zero_state(self, batch_size, dtype):
        """Zeros for the state: shape [batch_size, s] for each size s in `state_size`."""
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return _zero_state_tensors(self.state_size, batch_size, dtypes.as_dtype(dtype))

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """`zero_state`, with the batch size and dtype taken from `inputs` if given."""
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            d = inputs.shape[0] if inputs.shape.ndims else None
            d = getattr(d, "value", d)
            batch_size = d if d is not None else array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError("get_initial_state needs inputs, or batch_size and dtype")
        return self.zero_state(batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An RNNCell whose variables are made in `build`, as TF's layer-based cells."""


def _input_depth(inputs_shape, cell):
    s = tensor_shape.as_shape(inputs_shape)
    d = s[-1] if s.ndims else None
    d = getattr(d, "value", d)
    if d is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {s}")
    return d


def _linear(inputs, state, kernel, bias):
    """`[inputs, state] @ kernel + bias`, as TF's cells compute it."""
    from flowgraph.ops import nn_ops
    return nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, state], 1), kernel),
                           bias)


# -- cells -------------------------------------------------------------------------------------
class BasicRNNCell(LayerRNNCell):
    """`output = new_state = activation(W [inputs, state] + b)`."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, self)
        self._kernel = self.add_variable(_WEIGHTS, shape=[depth + self._num_units,
                                                          self._num_units])
        self._bias = self.add_variable(_BIAS, shape=[self._num_units],
                                       initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        out = self._activation(_linear(inputs, state, self._kernel, self._bias))
        return out, out


class GRUCell(LayerRNNCell):
    """Gated recurrent unit: gates `r, u = sigmoid(W_g [x, h] + b_g)`, candidate
    `c = activation(W_c [x, r * h] + b_c)`, `h' = u * h + (1 - u) * c`."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, self)
        n = self._num_units
        self._gate_kernel = self.add_variable(
            "gates/" + _WEIGHTS, shape=[depth + n, 2 * n],
            initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable(
            "gates/" + _BIAS, shape=[2 * n],
            initializer=self._bias_initializer if self._bias_initializer is not None
            else init_ops.constant_initializer(1.0, dtype=self._dtype))
        self._candidate_kernel = self.add_variable(
            "candidate/" + _WEIGHTS, shape=[depth + n, n],
            initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable(
            "candidate/" + _BIAS, shape=[n],
            initializer=self._bias_initializer if self._bias_initializer is not None
            else init_ops.zeros_initializer(dtype=self._dtype))
        self.built = True

    def call(self, inputs, state):
        value = math_ops.sigmoid(_linear(inputs, state, self._gate_kernel, self._gate_bias))
        r, u = array_ops.split(value=value, num_or_size_splits=2, axis=1)
        candidate = _linear(inputs, r * state, self._candidate_kernel, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(LayerRNNCell):
    """LSTM without peepholes or projection: gates `i, j, f, o` from one matmul;
    `c' = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j)`,
    `h' = activation(c') * sigmoid(o)`. The state is `LSTMStateTuple(c, h)`."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, self)
        n = self._num_units
        self._kernel = self.add_variable(_WEIGHTS, shape=[depth + n, 4 * n])
        self._bias = self.add_variable(_BIAS, shape=[4 * n],
                                       initializer=init_ops.zeros_initializer(
                                           dtype=self._dtype))
        self.built = True

    def call(self, inputs, state):
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(value=state, num_or_size_splits=2, axis=1)
        gates = _linear(inputs, h, self._kernel, self._bias)
        i, j, f, o = array_ops.split(value=gates, num_or_size_splits=4, axis=1)
        forget = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        new_c = c * math_ops.sigmoid(f + forget) + \
            math_ops.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(LayerRNNCell):
    """LSTM with optional peepholes (`use_peepholes`), cell clipping (`cell_clip`) and a
    projection of the output (`num_proj`, clipped by `proj_clip`)."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        out = num_proj if num_proj else num_units
        self._state_size = LSTMStateTuple(num_units, out) if state_is_tuple else \
            num_units + out
        self._output_size = out

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._output_size

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, self)
        n = self._num_units
        h_depth = self._num_proj if self._num_proj is not None else n
        self._kernel = self.add_variable(_WEIGHTS, shape=[depth + h_depth, 4 * n],
                                         initializer=self._initializer)
        self._bias = self.add_variable(_BIAS, shape=[4 * n],
                                       initializer=init_ops.zeros_initializer(
                                           dtype=self._dtype))
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", shape=[n],
                                               initializer=self._initializer)
            self._w_i_diag = self.add_variable("w_i_diag", shape=[n],
                                               initializer=self._initializer)
            self._w_o_diag = self.add_variable("w_o_diag", shape=[n],
                                               initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable("projection/" + _WEIGHTS,
                                                  shape=[n, self._num_proj],
                                                  initializer=self._initializer)
        self.built = True

    def call(self, inputs, state):
        n = self._num_units
        num_proj = self._num_proj if self._num_proj is not None else n
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, n])
            m_prev = array_ops.slice(state, [0, n], [-1, num_proj])
        lstm = _linear(inputs, m_prev, self._kernel, self._bias)
        i, j, f, o = array_ops.split(value=lstm, num_or_size_splits=4, axis=1)
        forget = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        if self._use_peepholes:
            c = sigmoid(f + forget + self._w_f_diag * c_prev) * c_prev + \
                sigmoid(i + self._w_i_diag * c_prev) * self._activation(j)
        else:
            c = sigmoid(f + forget) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else \
            array_ops.concat([c, m], 1)
        return m, new_state


class MultiRNNCell(RNNCell):
    """Cells stacked: the output of cell k is the input of cell k + 1; the state is the
    tuple of the cells' states (variables under `cell_<k>/`)."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest.is_sequence(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        if len(set(id(c) for c in cells)) < len(cells):
            import logging
            logging.getLogger("flowgraph").warning(
                "At least two cells provided to MultiRNNCell are the same object and will "
                "share weights.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(nest.is_sequence(c.state_size) for c in cells):
            raise ValueError("Some cells return tuples of states, but the flag "
                             "state_is_tuple is not set.")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return super().zero_state(batch_size, dtype)

    def build(self, inputs_shape):
        self.built = True

    def call(self, inputs, state):
        cur = inputs
        new_states = []
        pos = 0
        for i, cell in enumerate(self._cells):
            with vs.variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not nest.is_sequence(state):
                        raise ValueError(f"Expected state to be a tuple of length "
                                         f"{len(self.state_size)}, but received: {state}")
                    cur_state = state[i]
                else:
                    size = cell.state_size
                    cur_state = array_ops.slice(state, [0, pos], [-1, size])
                    pos += size
                cur, new_state = cell(cur, cur_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else \
            array_ops.concat(new_states, 1)
        return cur, new_states

    @property
    def trainable_weights(self):
        out = list(self._trainable_weights)
        for c in self._cells:
            out += [w for w in c.trainable_weights if all(w is not o for o in out)]
        return out


from flowgraph.nn.rnn_cell_wrappers import (DropoutWrapper, ResidualWrapper,  # noqa: E402
                                            DeviceWrapper)
