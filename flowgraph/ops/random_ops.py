"""Random ops: stateful ops drawing from a per-session, per-op generator.

Each op carries TF's `seed`/`seed2` attrs (see `framework/random_seed.py`). Its kernel asks
the run context for the op's generator, so every run draws new numbers while a program with
a graph seed draws the same sequence in every new session. Draws happen on the host with
numpy and are moved to the op's device. Random ops are not differentiable, but the
parameters composed around them (`mean`, `stddev`, `minval`, `maxval`) are.
"""
import numpy as np

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor, constant_value, \
    constant_value_as_shape
from flowgraph.framework.random_seed import get_seed, set_random_seed, seed_attrs
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["random_normal", "truncated_normal", "random_uniform", "random_shuffle",
           "multinomial", "random_gamma", "set_random_seed", "get_seed"]

__namespaces__ = {
    "random": ["normal=random_normal", "uniform=random_uniform", "truncated_normal",
               "shuffle=random_shuffle", "categorical", "multinomial", "gamma=random_gamma",
               "set_random_seed", "get_seed"],
}

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_INTS = (dtypes.int32, dtypes.int64)


# -- shared pieces ---------------------------------------------------------------------------
def _shape_input(op, i=0):
    """The output shape named by 1-D shape tensor input `i`, as far as it is known."""
    s = op.inputs[i].shape
    if s.ndims is not None and s.ndims != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {s.ndims}")
    v = constant_value(op.inputs[i])
    if v is not None and np.any(np.asarray(v) < 0):
        raise ValueError(f"Dimension {int(np.min(v))} must be >= 0")
    return constant_value_as_shape(op.inputs[i])


def _dims(shape):
    """A kernel's shape input as a tuple of ints, checked."""
    shape = np.asarray(shape.get() if hasattr(shape, "get") else shape)
    if shape.ndim != 1:
        raise errors.InvalidArgumentError(
            None, None, f"shape must be a vector of int32 or int64, got shape {list(shape.shape)}")
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise errors.InvalidArgumentError(
            None, None, f"Dimension {min(dims)} must be >= 0 in shape {list(dims)}")
    return dims


def _rng(ctx, op_name, seed, seed2):
    return ctx.rng(op_name, seed, seed2)


def _to_device(ctx, arr):
    return arr if ctx.xp is np else ctx.xp.asarray(arr)


def _host(ctx, x):
    return np.asarray(x) if ctx.xp is np else ctx.xp.asnumpy(x)


def _shape_tensor(shape):
    """A 1-D integer tensor for `shape` (a list, tuple, TensorShape or Tensor)."""
    if isinstance(shape, Tensor):
        if not shape.dtype.base_dtype.is_integer:
            raise TypeError(f"shape must be an int32 or int64 tensor, got {shape.dtype.name}")
        return shape
    if isinstance(shape, tensor_shape.TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a "
                             "Tensor")
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        dims = [d if isinstance(d, Tensor) else convert_to_tensor(d, dtype=dtypes.int32)
                for d in shape]
        return apply_op("Pack", [dims], {"axis": 0}, name="shape")
    if isinstance(shape, (list, tuple)) and not shape:
        return convert_to_tensor(np.zeros([0], np.int32), name="shape")
    return convert_to_tensor(shape, name="shape")


def _check_dtype(dtype, allowed, what="dtype"):
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype not in allowed:
        raise TypeError(f"Value passed to parameter '{what}' has DataType {dtype.name} not in "
                        f"list of allowed values: {', '.join(d.name for d in allowed)}")
    return dtype


def _random_from_shape(op_type, doc, draw):
    """Registers a `shape -> dtype` random op whose values come from `draw(rng, dims, dtype)`."""
    @defop(op_type, inputs=("shape: T",), outputs=("output: dtype",),
           attrs={"seed": 0, "seed2": 0, "dtype": None, "T": None}, stateful=True)
    class RandomFromShape:
        shape = _shape_input

        def kernel(ctx, shape, seed, seed2, dtype, op_name):
            out = draw(_rng(ctx, op_name, seed, seed2), _dims(shape), dtype)
            return _to_device(ctx, out)
        grad = NOT_DIFFERENTIABLE
    RandomFromShape.__doc__ = doc
    return RandomFromShape


def _normal(rng, dims, dtype):
    if dtype == np.float16:
        return rng.standard_normal(dims, dtype=np.float32).astype(dtype)
    return rng.standard_normal(dims, dtype=dtype)


def _truncated(rng, dims, dtype):
    work = np.float32 if dtype == np.float16 else dtype
    out = rng.standard_normal(dims, dtype=work)
    bad = np.abs(out) > 2
    while bad.any():  # resample values beyond two standard deviations
        out[bad] = rng.standard_normal(int(bad.sum()), dtype=work)
        bad = np.abs(out) > 2
    return out.astype(dtype, copy=False)


def _uniform(rng, dims, dtype):
    work = np.float32 if dtype == np.float16 else dtype
    out = rng.random(dims, dtype=work).astype(dtype, copy=False)
    if dtype == np.float16:  # rounding up to 1.0 in half precision must not happen
        out = np.minimum(out, np.nextafter(np.float16(1), np.float16(0)))
    return out


RandomStandardNormal = _random_from_shape(
    "RandomStandardNormal", "Samples of the standard normal distribution, of shape `shape`.",
    _normal)
TruncatedNormal = _random_from_shape(
    "TruncatedNormal", "Standard normal samples, resampled when beyond 2 standard deviations.",
    _truncated)
RandomUniform = _random_from_shape(
    "RandomUniform", "Samples of the uniform distribution on [0, 1), of shape `shape`.",
    _uniform)


@defop("RandomUniformInt", inputs=("shape: T", "minval: Tout", "maxval: Tout"),
       outputs=("output: Tout",), attrs={"seed": 0, "seed2": 0, "Tout": None, "T": None},
       stateful=True)
class RandomUniformInt:
    """Integers drawn uniformly from [minval, maxval), of shape `shape`."""

    def shape(op):
        for i, what in ((1, "minval"), (2, "maxval")):
            s = op.inputs[i].shape
            if s.ndims is not None and s.ndims != 0:
                raise ValueError(f"Shape must be rank 0 but is rank {s.ndims} ({what})")
        return _shape_input(op)

    def kernel(ctx, shape, minval, maxval, seed, seed2, Tout, op_name):
        lo, hi = int(minval), int(maxval)
        dims = _dims(shape)
        if lo >= hi and int(np.prod(dims)) > 0:
            raise errors.InvalidArgumentError(None, None, f"Need minval < maxval: {lo} >= {hi}")
        if lo >= hi:
            return _to_device(ctx, np.zeros(dims, Tout))
        out = _rng(ctx, op_name, seed, seed2).integers(lo, hi, size=dims, dtype=Tout)
        return _to_device(ctx, out)
    grad = NOT_DIFFERENTIABLE


@defop("RandomShuffle", inputs=("value: T",), outputs=("output: T",),
       attrs={"seed": 0, "seed2": 0, "T": None}, stateful=True)
class RandomShuffle:
    """`value` with its first dimension randomly permuted."""

    def shape(op):
        return op.inputs[0].shape

    def kernel(ctx, value, seed, seed2, op_name):
        if getattr(value, "ndim", 0) == 0 or value.shape[0] <= 1:
            return value
        perm = _rng(ctx, op_name, seed, seed2).permutation(value.shape[0])
        return value[_to_device(ctx, perm)]
    grad = NOT_DIFFERENTIABLE


@defop("Multinomial", inputs=("logits: T", "num_samples: int32"),
       outputs=("output: output_dtype",),
       attrs={"seed": 0, "seed2": 0, "output_dtype": dtypes.int64, "T": None}, stateful=True)
class Multinomial:
    """For each row of `logits` [batch, classes], `num_samples` class indices drawn with
    probabilities softmax(row)."""

    def shape(op):
        s, n = op.inputs[0].shape, op.inputs[1].shape
        if s.ndims is not None and s.ndims != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {s.ndims}")
        if n.ndims is not None and n.ndims != 0:
            raise ValueError(f"Shape must be rank 0 but is rank {n.ndims}")
        v = constant_value(op.inputs[1])
        batch = s.as_list()[0] if s.ndims is not None else None
        return tensor_shape.TensorShape([batch, None if v is None else int(v)])

    def kernel(ctx, logits, num_samples, seed, seed2, output_dtype, op_name):
        host = _host(ctx, logits).astype(np.float64)
        n = int(num_samples)
        if host.ndim != 2:
            raise errors.InvalidArgumentError(None, None, "logits should be a matrix, got "
                                                          f"shape {list(host.shape)}")
        if n < 0:
            raise errors.InvalidArgumentError(None, None, f"num_samples should be "
                                                          f"nonnegative, got {n}")
        batch, classes = host.shape
        if classes == 0 and batch and n:
            raise errors.InvalidArgumentError(None, None, "num_classes should be positive, "
                                                          "got 0")
        rng = _rng(ctx, op_name, seed, seed2)
        if batch == 0 or n == 0:
            return _to_device(ctx, np.zeros((batch, n), output_dtype))
        finite = np.where(np.isfinite(host), host, -np.inf)
        top = np.max(finite, axis=1, keepdims=True)
        p = np.exp(finite - np.where(np.isfinite(top), top, 0))
        cdf = np.cumsum(p, axis=1)
        cdf /= np.where(cdf[:, -1:] > 0, cdf[:, -1:], 1)
        u = rng.random((batch, n))
        # Inverse-CDF sampling: one searchsorted per row.
        idx = np.empty((batch, n), np.int64)
        for r in range(batch):
            idx[r] = np.searchsorted(cdf[r], u[r], side="right")
        np.minimum(idx, classes - 1, out=idx)
        return _to_device(ctx, idx.astype(output_dtype, copy=False))
    grad = NOT_DIFFERENTIABLE


@defop("RandomGamma", inputs=("shape: S", "alpha: T"), outputs=("output: T",),
       attrs={"seed": 0, "seed2": 0, "S": None, "T": None}, stateful=True)
class RandomGamma:
    """Gamma(alpha, 1) samples of shape `shape + alpha.shape`."""

    def shape(op):
        return _shape_input(op).concatenate(op.inputs[1].shape)

    def kernel(ctx, shape, alpha, seed, seed2, op_name):
        a = _host(ctx, alpha)
        dims = _dims(shape) + a.shape
        out = _rng(ctx, op_name, seed, seed2).standard_gamma(
            np.broadcast_to(a.astype(np.float64), dims))
        return _to_device(ctx, out.astype(a.dtype, copy=False))
    grad = NOT_DIFFERENTIABLE


# -- public builders -------------------------------------------------------------------------
def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Outputs random values from a normal distribution: `mean + stddev * N(0, 1)`."""
    dtype = _check_dtype(dtype, _FLOATS)
    with name_scope(name, "random_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = apply_op("RandomStandardNormal", [shape_t],
                       {"dtype": dtype, **seed_attrs(seed)})
        mul = apply_op("Mul", [rnd, stddev_t], name="mul")
        return apply_op("AddV2", [mul, mean_t], name=scope)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None):
    """Normal values (`mean`, `stddev`) with draws beyond 2 stddevs dropped and redrawn."""
    dtype = _check_dtype(dtype, _FLOATS)
    with name_scope(name, "truncated_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = apply_op("TruncatedNormal", [shape_t], {"dtype": dtype, **seed_attrs(seed)})
        mul = apply_op("Mul", [rnd, stddev_t], name="mul")
        return apply_op("AddV2", [mul, mean_t], name=scope)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; integer dtypes
    need an explicit maxval)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype not in _FLOATS + _INTS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
                         f"{tuple(d.name for d in _FLOATS + _INTS)}.")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape_t = _shape_tensor(shape)
        min_is_zero = isinstance(minval, int) and not isinstance(minval, bool) and minval == 0
        max_is_one = isinstance(maxval, int) and not isinstance(maxval, bool) and maxval == 1
        if not (min_is_zero and max_is_one) or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        seeds = seed_attrs(seed)
        if dtype.is_integer:
            return apply_op("RandomUniformInt", [shape_t, minval, maxval], seeds, name=scope)
        rnd = apply_op("RandomUniform", [shape_t], {"dtype": dtype, **seeds})
        if min_is_zero:
            return rnd if max_is_one else apply_op("Mul", [rnd, maxval], name="Mul")
        width = apply_op("Sub", [maxval, minval], name="sub")
        mul = apply_op("Mul", [rnd, width], name="mul")
        return apply_op("AddV2", [mul, minval], name=scope)


def random_shuffle(value, seed=None, name=None):
    """Randomly shuffles `value` along its first dimension."""
    return apply_op("RandomShuffle", [value], seed_attrs(seed), name=name)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Draws `num_samples` class indices per row of `logits` [batch, classes]."""
    with name_scope(name, "multinomial", [logits]):
        return _multinomial(logits, num_samples, seed, output_dtype)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws `num_samples` class indices per row of `logits` [batch, classes]."""
    with name_scope(name, "categorical", [logits]):
        return _multinomial(logits, num_samples, seed, dtype)


def _multinomial(logits, num_samples, seed, output_dtype):
    logits = convert_to_tensor(logits, name="logits")
    _check_dtype(logits.dtype, _FLOATS + (dtypes.int32, dtypes.int64), "T")
    attrs = seed_attrs(seed)
    if output_dtype is not None:
        attrs["output_dtype"] = _check_dtype(output_dtype, _INTS, "output_dtype")
    return apply_op("Multinomial", [logits, num_samples], attrs)


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma(alpha, beta) samples of shape `shape + alpha.shape` (`beta` is the rate)."""
    dtype = _check_dtype(dtype, _FLOATS)
    with name_scope(name, "random_gamma", [shape, alpha, beta]):
        shape_t = _shape_tensor(shape)
        alpha = convert_to_tensor(alpha, dtype=dtype, name="alpha")
        beta = None if beta is None else convert_to_tensor(beta, dtype=dtype, name="beta")
        if beta is not None and alpha.shape != beta.shape:
            # TF broadcasts alpha against beta first, so the sample shape includes both.
            alpha = apply_op("AddV2", [alpha, apply_op("ZerosLike", [beta])])
        out = apply_op("RandomGamma", [shape_t, alpha], seed_attrs(seed))
        if beta is not None:
            out = apply_op("RealDiv", [out, beta], name="truediv")
        tiny = convert_to_tensor(np.finfo(dtype.as_numpy_dtype).tiny, dtype=dtype)
        return apply_op("Maximum", [tiny, out])
