"""Keras's base `Layer` in graph mode: weights are graph variables, calls add graph ops.

A layer gets a per-graph unique name on construction (`dense`, `dense_1`, ... through
`backend.get_uid`). Its first call opens a name scope of that name, builds the layer
there (so its variables are `dense/kernel`, `dense/bias`) and applies `call`; later calls
open the scope again (`dense_1/...` when TF's name scoping makes it unique). A call on
Keras tensors (ones with `_keras_history`) records a `Node`, the edge the functional API
walks."""
import inspect
import threading

import numpy as np

from flowgraph.framework import dtypes, nest, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.keras import backend as K
from flowgraph.keras import constraints, initializers, regularizers
from flowgraph.keras.engine.input_spec import InputSpec, assert_input_compatibility
from flowgraph.keras.engine.node import Node
from flowgraph.ops import array_ops, core, math_ops, variables
from flowgraph.keras.utils.generic_utils import to_snake_case

__all__ = ["Layer", "InputSpec", "Node"]

_ALLOWED_KWARGS = {"input_dim", "input_shape", "batch_input_shape", "batch_size", "weights",
                   "activity_regularizer", "autocast", "implementation"}


class _CallContext(threading.local):
    """The `training` value a calling layer (a Model) passes down to its sublayers."""

    def __init__(self):
        self.training = []


_CALL_CONTEXT = _CallContext()

# Keras's own layer classes by name, for deserializing configs (subclasses outside the
# package must come through `custom_objects`, as in Keras).
LAYER_CLASSES = {}


def _accepts(fn, arg):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return arg in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _has_history(t):
    return isinstance(t, Tensor) and getattr(t, "_keras_history", None) is not None


class Layer:
    """The base class of Keras layers: `build(input_shape)` makes weights, `call(inputs)`
    computes outputs; calling the layer does both (the build once)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("flowgraph.keras"):
            LAYER_CLASSES[cls.__name__] = cls

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        for k in kwargs:
            if k not in _ALLOWED_KWARGS:
                raise TypeError(f"('Keyword argument not understood:', '{k}')")
        self._layers = []
        self._trainable = trainable
        self._trainable_weights, self._non_trainable_weights = [], []
        self._updates, self._losses = [], []
        self._inbound_nodes, self._outbound_nodes = [], []
        self._input_spec = None
        self.supports_masking = False
        self.built = False
        self._dynamic = dynamic
        if name is None:
            base = to_snake_case(type(self).__name__)
            uid = K.get_uid(base)
            name = base if uid == 1 else f"{base}_{uid - 1}"
        self._name = name
        if isinstance(dtype, dtypes.DType):
            dtype = dtype.name
        self._dtype = dtype
        self._initial_weights = kwargs.get("weights")
        self._activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            if "batch_input_shape" in kwargs:
                batch_input_shape = tuple(kwargs["batch_input_shape"])
            else:
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
            self._batch_input_shape = batch_input_shape
        self._expects_training_arg = _accepts(self.call, "training")
        self._expects_mask_arg = _accepts(self.call, "mask")

    # -- attribute tracking: sublayers set as attributes belong to the layer --------------
    def __setattr__(self, name, value):
        layers = self.__dict__.get("_layers")
        if layers is not None and not name.startswith("_"):
            for v in nest.flatten(value) if isinstance(value, (list, tuple)) else [value]:
                if isinstance(v, Layer) and v is not self and all(v is not x for x in layers):
                    layers.append(v)
        object.__setattr__(self, name, value)

    # -- properties --------------------------------------------------------------------
    name = property(lambda self: self._name)
    dynamic = property(lambda self: self._dynamic)
    activity_regularizer = property(lambda self: self._activity_regularizer)

    @property
    def dtype(self):
        return self._dtype if self._dtype is not None else K.floatx()

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        for v in nest.flatten(value):
            if v is not None and not isinstance(v, InputSpec):
                raise TypeError("Layer input_spec must be an instance of InputSpec. "
                                f"Got: {v}")
        self._input_spec = value

    def _flatten_layers(self):
        """Every nested layer, depth first, each once."""
        seen, out = set(), []

        def walk(layer):
            for sub in layer._layers:
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append(sub)
                    walk(sub)
        walk(self)
        return out

    @staticmethod
    def _dedup(weights):
        seen, out = set(), []
        for w in weights:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        ws = list(self._trainable_weights)
        for layer in self._layers:
            ws += layer.trainable_weights
        return self._dedup(ws)

    @property
    def non_trainable_weights(self):
        if self.trainable:
            ws = list(self._non_trainable_weights)
            for layer in self._layers:
                ws += layer.non_trainable_weights
        else:
            ws = self._trainable_weights + self._non_trainable_weights
            for layer in self._layers:
                ws += layer.weights
        return self._dedup(ws)

    @property
    def weights(self):
        return self._dedup(self.trainable_weights + self.non_trainable_weights)

    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)
    variables = property(lambda self: self.weights)

    @property
    def updates(self):
        ups = list(self._updates)
        for layer in self._layers:
            ups += layer.updates
        return [u() if callable(u) else u for u in self._dedup(ups)]

    @property
    def losses(self):
        out = [l() if callable(l) else l for l in self._losses]
        for layer in self._layers:
            out += layer.losses
        return self._dedup(out)

    def add_loss(self, losses, inputs=None):
        """Adds loss tensors (or zero-argument callables making them) to `losses`."""
        for loss in nest.flatten(losses) if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if not callable(loss) and not isinstance(loss, Tensor):
                loss = convert_to_tensor(loss, dtype=K.floatx())
            self._losses.append(loss)

    def add_update(self, updates, inputs=None):
        """Adds update ops (run by `fit` each training step) to `updates`."""
        for u in nest.flatten(updates) if isinstance(updates, (list, tuple)) else [updates]:
            if u is not None:
                self._updates.append(u)

    def get_updates_for(self, inputs):
        return self.updates

    def get_losses_for(self, inputs):
        return self.losses

    # -- weights -------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable=None, constraint=None, partitioner=None,
                   use_resource=None, synchronization=None, aggregation=None, **kwargs):
        """Makes the variable `<layer scope>/<name>` and tracks it in the layer's weights;
        a `regularizer` adds its penalty to `losses`."""
        for k in kwargs:
            if k not in ("getter", "collections", "experimental_autocast", "caching_device"):
                raise TypeError(f"Unknown keyword argument: {k}")
        shape = () if shape is None else shape
        dtype = dtypes.as_dtype(dtype or self.dtype or K.floatx())
        if trainable is None:
            trainable = True
        initializer = initializers.get(initializer)
        if initializer is None:
            if dtype.is_floating:
                initializer = initializers.get("glorot_uniform")
            elif dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
                initializer = initializers.get("zeros")
            else:
                raise ValueError(f"An initializer for variable {name} of type "
                                 f"{dtype.name} is required for layer {self.name}")
        regularizer = regularizers.get(regularizer)
        constraint = constraints.get(constraint)
        shape = tensor_shape.TensorShape(shape)
        dims = tuple(shape.as_list())

        def init():
            return initializer(dims, dtype=dtype)
        var = variables.Variable(initial_value=init, name=name, dtype=dtype,
                                 trainable=trainable, constraint=constraint)
        track = getattr(K, "track_variable", None)
        if track is not None:
            track(var)
        if regularizer is not None:
            with name_scope(name + "/Regularizer"):
                self.add_loss(regularizer(var))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        return var

    def get_weights(self):
        """The weights' values as numpy arrays (read in the Keras session)."""
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Sets the weights from numpy arrays, in the order of `weights`."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f'You called `set_weights(weights)` on layer "{self.name}" '
                             f"with a weight list of length {len(weights)}, but the layer "
                             f"was expecting {len(params)} weights. Provided weights: "
                             f"{str(weights)[:50]}...")
        pairs = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            ref = tuple(p.shape.as_list())
            if ref != w.shape:
                raise ValueError(f"Layer weight shape {ref} not compatible with provided "
                                 f"weight shape {w.shape}")
            pairs.append((p, w))
        K.batch_set_value(pairs)

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but "
                             "the layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(int(np.prod(w.shape.as_list())) for w in self.weights))

    # -- building and calling ------------------------------------------------------------
    def build(self, input_shape):
        """Makes the layer's weights; called once, before the first `call`."""
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError(f"Please run in eager mode or implement the "
                                  f"compute_output_shape method on your layer "
                                  f"({type(self).__name__}).")

    def compute_mask(self, inputs, mask=None):
        if not self.supports_masking:
            if any(m is not None for m in nest.flatten(mask)):
                raise TypeError(f"Layer {self.name} does not support masking, but was "
                                f"passed an input_mask: {mask}")
            return None
        return mask

    def _maybe_build(self, inputs):
        if self.built:
            return
        assert_input_compatibility(self.input_spec, inputs, self.name)
        self.build(nest.map_structure(lambda t: t.shape, inputs))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def __call__(self, *args, **kwargs):
        """Builds the layer (first call), applies `call`, records the call as a Node."""
        if "_layers" not in self.__dict__:
            raise RuntimeError("You must call `super().__init__()` in the layer constructor.")
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise ValueError("The first argument to `Layer.call` must always be passed.")
        inputs = nest.map_structure(
            lambda x: convert_to_tensor(x) if isinstance(x, (np.ndarray, float, int))
            else x, inputs)
        flat = nest.flatten(inputs)
        if self._expects_mask_arg and "mask" not in kwargs:
            masks = [getattr(t, "_keras_mask", None) if isinstance(t, Tensor) else None
                     for t in flat]
            if any(m is not None for m in masks):
                kwargs["mask"] = masks[0] if not isinstance(inputs, (list, tuple)) else masks
        training = kwargs.get("training")
        if training is None and _CALL_CONTEXT.training:
            training = _CALL_CONTEXT.training[-1]
        if self._expects_training_arg:
            if training is not None:
                kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        _CALL_CONTEXT.training.append(training)
        try:
            with name_scope(self._name_scope()):
                self._maybe_build(inputs)
                if not self.dynamic:
                    assert_input_compatibility(self.input_spec, inputs, self.name)
                outputs = self.call(inputs, *args, **kwargs)
                if outputs is None:
                    raise ValueError("A layer's `call` method should return a Tensor or a "
                                     f"list of Tensors, not None (layer: {self.name}).")
                if self._activity_regularizer is not None:
                    self._activity_regularize(outputs)
        finally:
            _CALL_CONTEXT.training.pop()
        outputs = self._set_mask_metadata(inputs, outputs, kwargs.get("mask"))
        if flat and all(_has_history(t) for t in flat):
            outputs = self._add_inbound_node(inputs, outputs, args, kwargs)
        return outputs

    def _name_scope(self):
        return self.name

    def _activity_regularize(self, outputs):
        with name_scope("ActivityRegularizer"):
            for out in nest.flatten(outputs):
                loss = self._activity_regularizer(out)
                batch = math_ops.cast(array_ops.shape(out)[0], loss.dtype)
                self.add_loss(math_ops.truediv(loss, batch))

    def _set_mask_metadata(self, inputs, outputs, previous_mask):
        flat_in = {id(t) for t in nest.flatten(inputs)}
        # An output that is one of the inputs gets its own identity, so its history and
        # mask stay the input's.
        outputs = nest.map_structure(
            lambda t: core.identity(t) if id(t) in flat_in else t, outputs)
        mask = previous_mask
        if mask is None and not self._expects_mask_arg:
            masks = [getattr(t, "_keras_mask", None) for t in nest.flatten(inputs)
                     if isinstance(t, Tensor)]
            if any(m is not None for m in masks):
                mask = masks[0] if not isinstance(inputs, (list, tuple)) else masks
        out_mask = self.compute_mask(inputs, mask) if (
            mask is not None or self.supports_masking) else None
        flat_out = nest.flatten(outputs)
        flat_mask = nest.flatten(out_mask) if isinstance(out_mask, (list, tuple)) else \
            [out_mask] * len(flat_out)
        for t, m in zip(flat_out, flat_mask):
            if isinstance(t, Tensor):
                t._keras_mask = m
        return outputs

    def _add_inbound_node(self, inputs, outputs, args, kwargs):
        flat = nest.flatten(inputs)
        hist = [t._keras_history for t in flat]
        layers = [h[0] for h in hist]
        node_idx = [h[1] for h in hist]
        tensor_idx = [h[2] for h in hist]
        arguments = {k: v for k, v in kwargs.items() if k != "mask"}
        unnest = not isinstance(inputs, (list, tuple))
        Node(self, layers[0] if unnest else layers, node_idx[0] if unnest else node_idx,
             tensor_idx[0] if unnest else tensor_idx, inputs, outputs, arguments)
        index = len(self._inbound_nodes) - 1
        for i, t in enumerate(nest.flatten(outputs)):
            t._keras_history = (self, index, i)
        return outputs

    # -- connectivity --------------------------------------------------------------------
    def _node_attr(self, index, attr, what):
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer has never been called and thus has no defined "
                               f"{what}.")
        if len(self._inbound_nodes) <= index:
            raise ValueError(f"Asked to get {what} at node {index}, but the layer has only "
                             f"{len(self._inbound_nodes)} inbound nodes.")
        return getattr(self._inbound_nodes[index], attr)

    def get_input_at(self, node_index):
        return self._node_attr(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        return self._node_attr(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        return self._node_attr(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        return self._node_attr(node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index):
        t = self.get_input_at(node_index)
        return nest.map_structure(lambda x: getattr(x, "_keras_mask", None), t)

    def get_output_mask_at(self, node_index):
        t = self.get_output_at(node_index)
        return nest.map_structure(lambda x: getattr(x, "_keras_mask", None), t)

    def _single(self, attr, what):
        if not self._inbound_nodes:
            if what.endswith("shape"):
                raise AttributeError("The layer has never been called and thus has no "
                                     f"defined {what}.")
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        values = [getattr(n, attr) for n in self._inbound_nodes]
        if len(values) > 1 and what.endswith("shape"):
            if all(str(v) == str(values[0]) for v in values):
                return values[0]
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with '
                                 f"different {what}s. Hence the notion of \"{what}\" is "
                                 "ill-defined for the layer. Use `get_"
                                 f"{what.replace(' ', '_')}_at(node_index)` instead.")
        if len(values) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f'notion of "layer {what}" is ill-defined. Use '
                                 f"`get_{what}_at(node_index)` instead.")
        return values[0]

    input = property(lambda self: self._single("input_tensors", "input"))
    output = property(lambda self: self._single("output_tensors", "output"))
    input_shape = property(lambda self: self._single("input_shapes", "input shape"))
    output_shape = property(lambda self: self._single("output_shapes", "output shape"))
    input_mask = property(lambda self: self.get_input_mask_at(0))
    output_mask = property(lambda self: self.get_output_mask_at(0))

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if hasattr(self, "_batch_input_shape"):
            config["batch_input_shape"] = self._batch_input_shape
        config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object name={self.name!r}>"
LAYER_CLASSES["Layer"] = Layer
