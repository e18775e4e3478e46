"""Keras's layer wrappers: TimeDistributed (a layer applied to every time step) and
Bidirectional (an RNN run forwards and backwards, outputs merged)."""
import copy

from flowgraph.framework import tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.functional import deserialize_layer
from flowgraph.keras.layers.recurrent import _standardize_args
from flowgraph.ops import array_ops, join_ops, math_ops

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


def _serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


class Wrapper(Layer):
    """A layer that wraps another layer (`self.layer`)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies `layer` to each time slice of (batch, time, ...) inputs (the same weights
    at every step)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _dims(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        if len(dims) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` "
                             f"with at least 3 dimensions, received: {tuple(dims)}")
        return dims

    def build(self, input_shape):
        dims = self._dims(input_shape)
        if not self.layer.built:
            self.layer.build(tensor_shape.TensorShape([dims[0]] + dims[2:]))
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        dims = self._dims(input_shape)
        child = tensor_shape.TensorShape(
            self.layer.compute_output_shape(tensor_shape.TensorShape([dims[0]] + dims[2:])))
        child = child.as_list()
        return tensor_shape.TensorShape([child[0], dims[1]] + child[1:])

    def call(self, inputs, training=None, mask=None):
        static = inputs.shape.as_list()
        dyn = array_ops.shape(inputs)
        steps = static[1] if static[1] is not None else dyn[1]
        inner = [-1] + [d if d is not None else dyn[i + 2] for i, d in
                        enumerate(static[2:])]
        x = array_ops.reshape(inputs, join_ops.stack(inner) if any(
            isinstance(d, Tensor) for d in inner) else inner)
        kwargs = {}
        if self.layer._expects_training_arg and training is not None:
            kwargs["training"] = training
        y = self.layer(x, **kwargs)
        y_static = y.shape.as_list()
        y_dyn = array_ops.shape(y)
        out = [-1, steps] + [d if d is not None else y_dyn[i + 1]
                             for i, d in enumerate(y_static[1:])]
        y = array_ops.reshape(y, join_ops.stack(out) if any(
            isinstance(d, Tensor) for d in out) else out)
        y.set_shape([static[0], static[1]] + y_static[1:])
        return y

    def compute_mask(self, inputs, mask=None):
        return mask


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Runs a copy of an RNN layer forwards (`forward_<name>`) and one backwards
    (`backward_<name>`) over the sequence and merges their outputs (`merge_mode`
    'concat', 'sum', 'mul', 'ave', or None for the list of both)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `tf.keras.layers.Layer` "
                             f"instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode "
                             "should be one of {'sum', 'mul', 'ave', 'concat', None}")
        super().__init__(layer, **kwargs)
        self.forward_layer = self._recreate(layer, "forward_", go_backwards=False)
        if backward_layer is None:
            self.backward_layer = self._recreate(layer, "backward_", go_backwards=True)
        else:
            self.backward_layer = backward_layer
        self._backward_layer_config = None if backward_layer is None else \
            _serialize(backward_layer)
        self._verify_layers()
        self.merge_mode = merge_mode
        if weights:
            n = len(weights)
            self.forward_layer._initial_weights = weights[:n // 2]
            self.backward_layer._initial_weights = weights[n // 2:]
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._num_constants = 0

    @staticmethod
    def _recreate(layer, prefix, go_backwards):
        config = copy.deepcopy(layer.get_config())
        if go_backwards:
            config["go_backwards"] = not config["go_backwards"]
        config["name"] = prefix + layer.name
        cls = type(layer)
        return cls.from_config(config)

    def _verify_layers(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{f.go_backwards}, backward_layer.go_backwards="
                             f"{b.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(f, attr) != getattr(b, attr):
                raise ValueError("Forward layer and backward layer are expected to have "
                                 f'the same value for attribute "{attr}", got '
                                 f'"{getattr(f, attr)}" for forward layer and '
                                 f'"{getattr(b, attr)}" for backward layer')

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                with name_scope(layer.name):
                    layer.build(input_shape)
                    layer.built = True
                if layer._initial_weights is not None:
                    layer.set_weights(layer._initial_weights)
                    layer._initial_weights = None
        self.built = True

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(
                input_shape[0], int) and input_shape[0] is not None:
            input_shape = input_shape[0]
        out = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            states = list(out[1:])
            out = out[0]
        out_list = out.as_list()
        if self.merge_mode == "concat":
            out_list[-1] = None if out_list[-1] is None else out_list[-1] * 2
            out = tensor_shape.TensorShape(out_list)
        elif self.merge_mode is None:
            out = [out, tensor_shape.TensorShape(out_list)]
        if self.return_state:
            head = out if isinstance(out, list) else [out]
            return head + states + copy.copy(states)
        return out

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state,
                                                             constants, 0)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        if constants is not None:
            raise NotImplementedError("flowgraph's Bidirectional does not take constants.")
        if len(initial_state) % 2:
            raise ValueError("When passing `initial_state` to a Bidirectional RNN, the "
                             "state should be a list containing the states of the "
                             "underlying RNNs. Received: initial_state="
                             f"{initial_state}")
        if all(isinstance(t, Tensor) and K.is_keras_tensor(t) for t in initial_state):
            return super().__call__([inputs] + initial_state, **kwargs)
        kwargs["initial_state"] = initial_state
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, training=None, mask=None, initial_state=None):
        if isinstance(inputs, list):
            inputs, initial_state = inputs[0], inputs[1:] or None
        if isinstance(mask, list):
            mask = mask[0]
        kwargs = {}
        if training is not None:
            kwargs["training"] = training
        if mask is not None:
            kwargs["mask"] = mask
        fstate = bstate = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fstate, bstate = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=fstate, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=bstate, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            y_rev = K.reverse(y_rev, axis)
        if self.merge_mode == "concat":
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == "sum":
            output = math_ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = math_ops.multiply(math_ops.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = math_ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        out = [out_mask, out_mask] if self.merge_mode is None else out_mask
        if self.return_state:
            n = len(self.forward_layer.compute_output_shape(
                tensor_shape.TensorShape([None, None, 1]))) - 1
            head = out if isinstance(out, list) else [out]
            return head + [None] * (2 * n)
        return out

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        if self._backward_layer_config is not None:
            config["backward_layer"] = self._backward_layer_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize_layer(backward, custom_objects=custom_objects)
        return cls(layer, backward_layer=backward, **config)
