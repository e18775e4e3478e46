"""RNN cell wrappers: dropout, residual connections, device placement. A wrapper opens no
variable scope, so the wrapped cell's variables keep their TF names."""
from flowgraph.framework import nest
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import math_ops
from flowgraph.nn.rnn_cell_impl import RNNCell, LSTMStateTuple

__all__ = ["DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]


class _Wrapper(RNNCell):
    def __init__(self, cell):
        super().__init__(name=getattr(cell, "_base_name", None))
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError(f"The parameter cell is not a RNNCell: {cell!r}")
        self._cell = cell

    @property
    def wrapped_cell(self):
        return self._cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    @property
    def trainable_weights(self):
        return self._cell.trainable_weights

    @property
    def weights(self):
        return self._cell.weights

    variables = weights


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and (new) state, by keep probabilities.
    With `variational_recurrent`, one mask per run is used at every time step (needs
    `input_size` for input dropout, and `dtype`). By default an LSTM's `c` state is not
    dropped (`dropout_state_filter_visitor`)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0,
                 state_keep_prob=1.0, variational_recurrent=False, input_size=None,
                 dtype=None, seed=None, dropout_state_filter_visitor=None, **kwargs):
        super().__init__(cell)
        self._input_keep_prob = self._check_prob(input_keep_prob, "input_keep_prob")
        self._state_keep_prob = self._check_prob(state_keep_prob, "state_keep_prob")
        self._output_keep_prob = self._check_prob(output_keep_prob, "output_keep_prob")
        self._variational = variational_recurrent
        self._seed = seed
        self._filter = dropout_state_filter_visitor or _default_state_filter
        self._input_size, self._noise_dtype = input_size, dtype
        self._noise = None
        if variational_recurrent and dtype is None:
            raise ValueError("When variational_recurrent=True, dtype must be provided")

    @staticmethod
    def _check_prob(p, what):
        if isinstance(p, (int, float)):
            if not 0.0 < float(p) <= 1.0:
                raise ValueError(f"Parameter {what} must be between 0 and 1: {p}")
            return float(p)
        t = convert_to_tensor(p)
        return t

    def _gen_seed(self, salt, i):
        if self._seed is None:
            return None
        import hashlib
        h = hashlib.md5(f"{self._seed}{salt}_{i}".encode()).hexdigest()[:8]
        return int(h, 16) & 0x7FFFFFFF

    def _dropout(self, values, salt, keep_prob, visitor=None):
        from flowgraph.ops import nn_impl
        flat = nest.flatten(values)
        keep = [True] * len(flat) if visitor is None else _dropout_mask(visitor, values)
        out = []
        for i, (v, k) in enumerate(zip(flat, keep)):
            if not k:
                out.append(v)
            elif self._variational:
                noise = self._variational_noise(salt, i, v)
                kp = convert_to_tensor(keep_prob, dtype=v.dtype)
                out.append(v / kp * math_ops.floor(kp + noise))
            else:
                out.append(nn_impl.dropout(v, keep_prob=keep_prob,
                                           seed=self._gen_seed(salt, i)))
        return nest.pack_sequence_as(values, out)

    def _variational_noise(self, salt, i, v):
        """One uniform [1, depth] draw per run, made outside any loop body."""
        from flowgraph.ops import random_ops
        if self._noise is None:
            self._noise = {}
        key = (salt, i)
        if key not in self._noise:
            from flowgraph.framework.graph import get_default_graph
            g = get_default_graph()
            outer = g
            while getattr(outer, "outer_graph", None) is not None:
                outer = outer.outer_graph
            depth = v.shape.as_list()[1:]
            with outer.as_default():
                self._noise[key] = random_ops.random_uniform(
                    [1] + depth, dtype=self._noise_dtype, seed=self._gen_seed(salt, i))
        return self._noise[key]

    def __call__(self, inputs, state, scope=None):
        if not (isinstance(self._input_keep_prob, float) and self._input_keep_prob == 1.0):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope=scope)
        if not (isinstance(self._state_keep_prob, float) and self._state_keep_prob == 1.0):
            new_state = self._dropout(new_state, "state", self._state_keep_prob,
                                      self._filter)
        if not (isinstance(self._output_keep_prob, float) and
                self._output_keep_prob == 1.0):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state


def _default_state_filter(substate):
    """Do not drop an LSTM's cell state `c` (only `h`)."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


def _dropout_mask(visitor, state):
    """For each leaf of `state` (in flatten order): whether dropout applies. `visitor`
    answers, for a substructure, a bool (for all of it) or a structure of bools (one per
    child), as TF's `get_traverse_shallow_structure`."""
    r = visitor(state)
    if not isinstance(state, (list, tuple)):
        return [bool(r)]
    if isinstance(r, bool):
        if not r:
            return [False] * len(nest.flatten(state))
        return [k for child in state for k in _dropout_mask(visitor, child)]
    out = []
    for child, rc in zip(state, r):
        out += _dropout_mask(visitor, child) if rc else [False] * len(nest.flatten(child))
    return out


class ResidualWrapper(_Wrapper):
    """Adds the cell's inputs to its outputs (`residual_fn(inputs, outputs)` if given)."""

    def __init__(self, cell, residual_fn=None, **kwargs):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def __call__(self, inputs, state, scope=None):
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        nest.assert_same_structure(inputs, output)
        res = nest.map_structure(lambda i, o: convert_to_tensor(i) + o, inputs, output)
        return res, new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell on `device`."""

    def __init__(self, cell, device, **kwargs):
        super().__init__(cell)
        self._device = device

    def __call__(self, inputs, state, scope=None):
        from flowgraph.framework.graph import device
        with device(self._device):
            return self._cell(inputs, state, scope=scope)

