"""Keras's core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector, Lambda, Masking."""
import sys
import types

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.op_builder import constant_value
from flowgraph.keras import activations, constraints, initializers, regularizers
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.keras.engine.input_spec import InputSpec
from flowgraph.keras.utils import generic_utils
from flowgraph.ops import (array_ops, control_flow_ops, core, join_ops, manip_ops,
                           math_ops, matmul_ops, nn_impl, nn_ops, reduction_ops, unary_ops)

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
           "Lambda", "Masking"]


def smart_cond(pred, true_fn, false_fn):
    """`true_fn()` or `false_fn()` now for a Python bool, else a `tf.cond`."""
    if isinstance(pred, (bool, int, np.bool_)):
        return true_fn() if pred else false_fn()
    value = constant_value(pred)
    if value is not None:
        return true_fn() if value else false_fn()
    return control_flow_ops.cond(pred, true_fn, false_fn)


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


class Dense(Layer):
    """`output = activation(dot(input, kernel) + bias)`."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_dim"),)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        if self.units < 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tensor_shape.TensorShape(input_shape)
        last_dim = input_shape[-1] if input_shape.ndims else None
        last_dim = getattr(last_dim, "value", last_dim)
        if last_dim is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: "
                             f"{input_shape}")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight("kernel", shape=[last_dim, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint,
                                      dtype=self.dtype, trainable=True)
        self.bias = self.add_weight("bias", shape=[self.units],
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint,
                                    dtype=self.dtype, trainable=True) if self.use_bias \
            else None
        self.built = True

    def call(self, inputs):
        if inputs.dtype.base_dtype != dtypes.as_dtype(self.dtype):
            inputs = unary_ops.cast(inputs, self.dtype)
        rank = inputs.shape.ndims
        if rank == 2 or rank is None:
            outputs = matmul_ops.matmul(inputs, self.kernel)
        else:
            outputs = matmul_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tensor_shape.TensorShape(input_shape)
        return tensor_shape.TensorShape(input_shape.as_list()[:-1] + [self.units])

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": _ser(activations, self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _ser(initializers, self.kernel_initializer),
            "bias_initializer": _ser(initializers, self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint)})
        return config


class Activation(Layer):
    """Applies an activation function (by name or callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = _ser(activations, self.activation)
        return config


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 while training, scaling the rest by
    1 / (1 - rate); the identity at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value "
                             "between 0 and 1.")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        concrete = array_ops.shape(inputs)
        dims = [concrete[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        return join_ops.stack(dims)

    def call(self, inputs, training=None):
        if isinstance(self.rate, (int, float)) and self.rate == 0:
            return core.identity(inputs)
        if training is None:
            training = K.learning_phase()

        def dropped():
            return nn_impl.dropout(inputs, noise_shape=self._get_noise_shape(inputs),
                                   seed=self.seed, rate=self.rate)
        out = smart_cond(training, dropped, lambda: core.identity(inputs))
        out.set_shape(inputs.shape)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape,
                       "seed": self.seed})
        return config


class Flatten(Layer):
    """Flattens all but the batch dimension: (batch, d1, d2, ...) -> (batch, d1*d2*...)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or K.image_data_format()
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.shape.ndims
        if self.data_format == "channels_first" and rank is not None and rank > 1:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        if rank == 1:
            return array_ops.expand_dims(inputs, 1)
        dims = inputs.shape.as_list()[1:] if rank is not None else None
        if dims is not None and all(d is not None for d in dims):
            flat = int(np.prod(dims)) if dims else 1
            out = array_ops.reshape(inputs, (-1, flat))
            batch = inputs.shape.as_list()[0]
            out.set_shape((batch, flat))
            return out
        batch = array_ops.shape(inputs)[0]
        return array_ops.reshape(inputs, join_ops.stack([batch, -1]))

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        rest = dims[1:]
        flat = int(np.prod(rest)) if all(d is not None for d in rest) else None
        return tensor_shape.TensorShape([dims[0], flat])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the non-batch dimensions to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        msg = ("total size of new array must be unchanged, input_shape = "
               f"{list(input_shape)}, output_shape = {list(output_shape)}")
        known, unknown = 1, None
        for i, d in enumerate(output_shape):
            if d < 0:
                if unknown is not None:
                    raise ValueError("There must be at most one unknown dimension in "
                                     f"output_shape. Received: output_shape={output_shape}.")
                unknown = i
            else:
                known *= d
        original = int(np.prod(input_shape))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return output_shape

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        if None in dims[1:]:
            out = [dims[0]] + [d if d >= 0 else None for d in self.target_shape]
        else:
            out = [dims[0]] + self._fix_unknown_dimension(dims[1:], self.target_shape)
        return tensor_shape.TensorShape(out)

    def call(self, inputs):
        batch = array_ops.shape(inputs)[0]
        out = array_ops.reshape(inputs, join_ops.stack([batch] + list(self.target_shape)))
        if inputs.shape.ndims is not None:
            out.set_shape(self.compute_output_shape(inputs.shape))
        return out

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Permutes the non-batch dimensions: `Permute((2, 1))` swaps the two of a 3-D input."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The "
                             "set of indices in `dims` must be consecutive and start from "
                             f"1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        return tensor_shape.TensorShape([dims[0]] + [dims[d] for d in self.dims])

    def call(self, inputs):
        return array_ops.transpose(inputs, perm=(0,) + self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """Repeats a 2-D input `n` times: (batch, f) -> (batch, n, f)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        dims = tensor_shape.TensorShape(input_shape).as_list()
        return tensor_shape.TensorShape([dims[0], self.n, dims[1]])

    def call(self, inputs):
        x = array_ops.expand_dims(inputs, 1)
        return manip_ops.tile(x, [1, self.n, 1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `Lambda(lambda x: x ** 2)`."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self.mask = mask
        self._output_shape = output_shape
        self._supports_masking = self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        code = getattr(self.function, "__code__", None)
        names = code.co_varnames[:code.co_argcount] if code is not None else ()
        if "mask" in names:
            kwargs["mask"] = mask
        if "training" in names:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError("We could not automatically infer the shape of the "
                                      "Lambda's output. Please specify `output_shape` for "
                                      "this Lambda.")
        if callable(self._output_shape):
            return tensor_shape.TensorShape(self._output_shape(input_shape))
        dims = tensor_shape.TensorShape(input_shape).as_list()
        return tensor_shape.TensorShape([dims[0]] + list(self._output_shape))

    @staticmethod
    def _serialize_function(fn, allow_raw=False):
        # A named function is saved by name (it comes back through `custom_objects`); an
        # anonymous lambda as Keras writes it, its bytecode (which flowgraph never loads).
        if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
            return generic_utils.func_dump(fn), "lambda", fn.__module__
        if callable(fn):
            return fn.__name__, "function", fn.__module__
        if allow_raw:
            return fn, "raw", None
        raise ValueError(f"Invalid input for serialization, type: {type(fn)} ")

    def get_config(self):
        fn, fn_type, module = self._serialize_function(self.function)
        shape, shape_type, shape_module = self._serialize_function(self._output_shape,
                                                                   allow_raw=True)
        config = {"function": fn, "function_type": fn_type, "module": module,
                  "output_shape": shape, "output_shape_type": shape_type,
                  "output_shape_module": shape_module}
        if self.mask is not None:
            mask, mask_type, mask_module = self._serialize_function(self.mask)
            config.update({"mask": mask, "mask_type": mask_type, "mask_module": mask_module})
        config["arguments"] = self.arguments
        return dict(list(super().get_config().items()) + list(config.items()))

    @staticmethod
    def _parse_function(config, custom_objects, key, module_key, type_key):
        kind = config.pop(type_key, "function")
        module = config.pop(module_key, None)
        value = config.pop(key, None)
        if kind == "function":
            return generic_utils.deserialize_keras_object(
                value, module_objects=dict(vars(sys.modules[module])) if module in
                sys.modules else None, custom_objects=custom_objects,
                printable_module_name="function in Lambda layer")
        if kind == "lambda":
            raise ValueError("flowgraph does not load the serialized bytecode of a lambda "
                             "in a Lambda layer (it would run code from the file): define "
                             "the function by name and pass it in `custom_objects`.")
        if kind == "raw":
            return value
        raise TypeError(f"Unknown function type received: {kind}. Expected types are "
                        "['function', 'lambda', 'raw']")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        fn = cls._parse_function(config, custom_objects, "function", "module",
                                 "function_type")
        shape = cls._parse_function(config, custom_objects, "output_shape",
                                    "output_shape_module", "output_shape_type")
        mask = cls._parse_function(config, custom_objects, "mask", "mask_module",
                                   "mask_type") if "mask" in config else None
        if isinstance(shape, list):
            shape = tuple(shape)
        return cls(fn, output_shape=shape, mask=mask, **config)


class Masking(Layer):
    """Masks time steps whose features all equal `mask_value` (they are zeroed and
    skipped by mask-aware downstream layers)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return reduction_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = reduction_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value),
                                        axis=-1, keepdims=True)
        out = math_ops.multiply(inputs, unary_ops.cast(keep, inputs.dtype))
        out._keras_mask = array_ops.squeeze(keep, axis=-1)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
