"""TF1 initializers (`tf.zeros_initializer`, `tf.glorot_uniform_initializer`, ...).

An initializer is a callable object: `init(shape, dtype=None, partition_info=None)` adds the
ops computing an initial value to the graph and returns that tensor. `tf.get_variable` calls
it under `<var>/Initializer/`, so the op names below follow TF's exactly. The ops are added
with `apply_op` by their TF type name, so this module does not depend on which builder
module defines them.
"""
import math

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, constant as _constant
from flowgraph.ops import random_ops

__all__ = ["zeros_initializer", "ones_initializer", "constant_initializer",
           "random_uniform_initializer", "random_normal_initializer",
           "truncated_normal_initializer", "uniform_unit_scaling_initializer",
           "variance_scaling_initializer", "glorot_uniform_initializer",
           "glorot_normal_initializer", "orthogonal_initializer", "identity_initializer"]

_SMALL = 1000  # TF makes a Const below this many elements, a Fill at or above it


def _dims(shape):
    """A list of ints (or Nones) for a list, tuple, TensorShape or numpy shape."""
    if isinstance(shape, tensor_shape.TensorShape):
        return shape.as_list()
    return [None if d is None else int(d) for d in shape]


def _filled(shape, value, dtype, default_name):
    """`tf.zeros`/`tf.ones` as TF builds them: a Const when the shape is known and small,
    else `Fill(shape_as_tensor, Const)`."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype == dtypes.string:
        value = b"" if value == 0 else value
    elif dtype == dtypes.bool:
        value = bool(value)
    with name_scope(None, default_name, [shape]) as scope:
        if not isinstance(shape, Tensor):
            dims = _dims(shape)
            if all(d is not None for d in dims) and int(np.prod(dims, dtype=np.int64)) < _SMALL:
                return _constant(value, dtype=dtype, shape=dims, name=scope)
            big = any(d is not None and d > np.iinfo(np.int32).max for d in dims)
            shape = _constant(dims, dtype=dtypes.int64 if big else dtypes.int32,
                              name="shape_as_tensor")
        elif shape.shape.ndims == 0:
            shape = apply_op("Reshape", [shape, [-1]])
        fill_value = _constant(value, dtype=dtype)
        return apply_op("Fill", [shape, fill_value], name=scope)


def _check_python_values(value, dtype):
    """TF's check that Python values fit `dtype` (a float is no int, an int no bool)."""
    for v in np.asarray(value, dtype=object).reshape(-1):
        ok = True
        if dtype == dtypes.string:
            ok = isinstance(v, (str, bytes))
        elif dtype.is_bool:
            ok = isinstance(v, (bool, np.bool_))
        elif dtype.is_integer:
            ok = isinstance(v, (int, np.integer)) and not isinstance(v, float)
        elif dtype.is_floating:
            ok = not isinstance(v, (complex, np.complexfloating, str, bytes))
        if not ok:
            raise TypeError(f"Expected {dtype.name}, but got {v} of type "
                            f"'{type(v).__name__}'.")


def _mul(x, y, name="mul"):
    return apply_op("Mul", [x, y], name=name)


def _assert_float_dtype(dtype):
    if not dtype.is_floating:
        raise ValueError("Argument `dtype` is expected to be floating point. "
                         f"Received: <dtype: '{dtype.name}'>.")
    return dtype


def _compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: a conv kernel [..., in, out] counts its
    receptive field (the product of the leading dims) times the in/out channels."""
    shape = _dims(shape)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        field = 1
        for d in shape[:-2]:
            field *= d
        fan_in, fan_out = shape[-2] * field, shape[-1] * field
    return int(fan_in), int(fan_out)


class Initializer:
    """Initializer base class: all initializers inherit from this class."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer built from `get_config()`'s dict."""
        return cls(**config)


class _Filled(Initializer):
    """Tensors filled with the class's `_value` (ops named `_op_name` as TF names them)."""
    _value, _op_name = 0, "zeros"

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return _filled(shape, self._value, self.dtype if dtype is None else dtype,
                       self._op_name)

    def get_config(self):
        return {"dtype": self.dtype.name}


class Zeros(_Filled):
    """Initializer that generates tensors initialized to 0."""


class Ones(_Filled):
    """Initializer that generates tensors initialized to 1."""
    _value, _op_name = 1, "ones"


class Constant(Initializer):
    """Initializer that generates tensors with constant values.

    `value` is a scalar (broadcast to the shape), or values filling the shape in row-major
    order; fewer values than the shape holds repeat the last one."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"Invalid type for initial value={value} of type: "
                            f"{type(value).__name__}. Expected Python scalar, list or tuple "
                            "of values, or numpy.ndarray.")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dtype = dtypes.as_dtype(self.dtype if dtype is None else dtype).base_dtype
        verify_shape = self._verify_shape if verify_shape is None else verify_shape
        dims = tuple(_dims(shape))
        if isinstance(self.value, (np.ndarray, np.generic)):
            arr = np.asarray(self.value)  # numpy values are cast, as TF does
            if dtype != dtypes.string and arr.dtype.kind not in "OUS":
                arr = arr.astype(dtype.as_numpy_dtype)
        else:
            _check_python_values(self.value, dtype)
            arr = np.asarray(self.value)
        if verify_shape and arr.shape != dims:
            raise TypeError(f"Expected Tensor's shape: {dims}, but got {arr.shape}.")
        need = int(np.prod(dims, dtype=np.int64))
        if arr.shape != dims:
            flat = arr.reshape(-1)
            if flat.size > need and arr.ndim > 0:
                raise ValueError(f"Too many elements provided. Takes at most {need}, but "
                                 f"got {flat.size}.")
            if flat.size == 0:  # no values: zeros
                arr = np.zeros(dims, object if dtype == dtypes.string
                               else dtype.as_numpy_dtype)
                if dtype == dtypes.string:
                    arr[...] = b""
            elif flat.size == 1:
                arr = np.broadcast_to(flat.reshape(()), dims)
            else:  # fewer values than the shape holds: repeat the last one
                arr = np.concatenate([flat, np.repeat(flat[-1:], need - flat.size)])
                arr = arr.reshape(dims)
        return _constant(arr, dtype=dtype, name="Const")

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """Initializer that generates tensors with a uniform distribution on [minval, maxval)."""

    def __init__(self, minval=.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype,
                                         seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """Initializer that generates tensors with a normal distribution."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(Initializer):
    """Initializer that generates a truncated normal distribution: values more than two
    standard deviations from the mean are dropped and redrawn."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype,
                                           seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """Uniform on [-sqrt(3 / fan_in) * factor, sqrt(3 / fan_in) * factor], where fan_in is
    the product of all but the last dimension (deprecated in TF; use variance_scaling)."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        scale_shape = _dims(partition_info.full_shape if partition_info is not None
                            else shape)
        input_size = 1.0
        for d in scale_shape[:-1]:
            input_size *= float(d)
        limit = math.sqrt(3 / max(input_size, 1.0)) * self.factor
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


class VarianceScaling(Initializer):
    """Samples with variance `scale / n`, n being fan_in, fan_out or their mean (`mode`).

    `distribution`: "truncated_normal" (or its old alias "normal"; the stddev is divided by
    0.87962566103423978, the stddev of a unit normal truncated at 2, so the variance after
    truncation is right), "untruncated_normal", or "uniform" on [-sqrt(3 scale / n),
    sqrt(3 scale / n)]."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError(f"Argument `scale` must be a positive float. Received: {scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', "
                             f"'fan_avg'). Received: {mode}")
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Argument `distribution` should be one of ('normal', uniform', "
                             f"'truncated_normal', 'untruncated_normal'). Received: "
                             f"{distribution}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        fan_in, fan_out = _compute_fans(partition_info.full_shape
                                        if partition_info is not None else shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / .87962566103423978
            return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype,
                                            seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Glorot (Xavier) uniform: uniform on [-limit, limit], limit = sqrt(6 / (fan_in +
    fan_out)). The default initializer of `tf.get_variable` for floats."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed,
                         dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Glorot (Xavier) normal: truncated normal with stddev (after truncation)
    sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal",
                         seed=seed, dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """An orthogonal matrix (times `gain`) from the QR decomposition of a normal matrix.

    A shape with more than two dims is filled as a (prod(shape[:-1]), shape[-1]) matrix and
    reshaped; with fewer rows than columns the rows are orthonormal, else the columns."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))
        self.seed = seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        dims = _dims(shape)
        if len(dims) < 2:
            raise ValueError("The tensor to initialize, specified by argument `shape` must "
                             f"be at least two-dimensional. Received shape={shape}")
        rows = int(np.prod(dims[:-1], dtype=np.int64))
        cols = int(dims[-1])
        flat_shape = (cols, rows) if rows < cols else (rows, cols)
        a = random_ops.random_normal(flat_shape, dtype=dtype, seed=self.seed)
        q, r = apply_op("Qr", [a], {"full_matrices": False})
        d = apply_op("DiagPart", [r])
        q = _mul(q, apply_op("Sign", [d]))
        if rows < cols:
            with name_scope("matrix_transpose"):
                q = apply_op("Transpose", [q, _constant([1, 0], name="transpose/perm")],
                             name="transpose")
        q = apply_op("Reshape", [q, _constant(dims, dtype=dtypes.int32, name="Reshape/shape")])
        return _mul(self.gain, q)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class Identity(Initializer):
    """The identity matrix times `gain` (2-D shapes only)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        full = shape if partition_info is None else partition_info.full_shape
        if len(_dims(full)) != 2:
            raise ValueError("The tensor to initialize, specified by argument `shape` must "
                             f"be at least two-dimensional. Received shape={shape}")
        dtype = dtypes.as_dtype(self.dtype if dtype is None else dtype).base_dtype
        init = _eye(*_dims(full), dtype=dtype)
        if partition_info is not None:
            init = apply_op("Slice", [init, list(partition_info.var_offset), _dims(shape)])
        return _mul(self.gain, init)

    def get_config(self):
        return {"gain": self.gain, "dtype": self.dtype.name}


def _eye(rows, cols, dtype):
    """`tf.eye(rows, cols)` as TF builds it for static sizes: a diagonal of ones put into
    a matrix by MatrixDiagV3 (square) or MatrixSetDiagV3 on zeros (non-square)."""
    with name_scope(None, "eye"):
        ones = _filled([min(rows, cols)], 1, dtype, "ones")
        if rows == cols:
            with name_scope("diag") as scope:
                k = _constant(0, dtype=dtypes.int32, name="k")
                nr = _constant(-1, dtype=dtypes.int32, name="num_rows")
                nc = _constant(-1, dtype=dtypes.int32, name="num_cols")
                pad = _constant(0, dtype=dtype, name="padding_value")
                return apply_op("MatrixDiagV3", [ones, k, nr, nc, pad],
                                {"align": "RIGHT_LEFT"}, name=scope)
        zeros = _filled([rows, cols], 0, dtype, "zeros")
        with name_scope("set_diag") as scope:
            k = _constant(0, dtype=dtypes.int32, name="k")
            return apply_op("MatrixSetDiagV3", [zeros, ones, k], {"align": "RIGHT_LEFT"},
                            name=scope)


def lecun_normal(seed=None):
    """LeCun normal: truncated normal with stddev (after truncation) sqrt(1 / fan_in)."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="truncated_normal",
                           seed=seed)


def lecun_uniform(seed=None):
    """LeCun uniform: uniform on [-limit, limit], limit = sqrt(3 / fan_in)."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """He normal: truncated normal with stddev (after truncation) sqrt(2 / fan_in)."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="truncated_normal",
                           seed=seed)


def he_uniform(seed=None):
    """He uniform: uniform on [-limit, limit], limit = sqrt(6 / fan_in)."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
identity_initializer = Identity
