"""`tf.nn` functions composed from other ops, built as TF builds them: `dropout`,
`moments`, `batch_normalization`, `l2_normalize`, `embedding_lookup`, `zero_fraction`,
`sufficient_statistics`, `normalize_moments`, `weighted_moments`."""
import numbers

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor

__all__ = []
__namespaces__ = {"math": ["l2_normalize", "zero_fraction"],
                  "nn": ["dropout", "moments", "batch_normalization", "l2_normalize",
                         "embedding_lookup", "zero_fraction", "sufficient_statistics",
                         "normalize_moments", "weighted_moments", "compute_average_loss",
                         "scale_regularization_loss"]}


def _m():
    from flowgraph.ops import math_ops
    return math_ops


def _a():
    from flowgraph.ops import array_ops
    return array_ops


def _axes_list(axes):
    if isinstance(axes, numbers.Integral):
        return [int(axes)]
    if hasattr(axes, "op"):
        return axes
    return [int(a) for a in axes]


def _keep(keep_dims, keepdims, default=False):
    if keep_dims is not None and keepdims is not None and bool(keep_dims) != bool(keepdims):
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    v = keepdims if keepdims is not None else keep_dims
    return default if v is None else bool(v)


# -- dropout -------------------------------------------------------------------------------------
def _noise_shape(x, noise_shape):
    ar = _a()
    if noise_shape is None:
        return ar.shape(x)
    if hasattr(noise_shape, "op"):
        return noise_shape
    dims = list(tensor_shape.as_shape(noise_shape).as_list()) \
        if not isinstance(noise_shape, (list, tuple)) else list(noise_shape)
    if x.shape.ndims is not None and len(dims) == x.shape.ndims:
        xd = x.shape.as_list()
        dims = [xd[i] if d is None else d for i, d in enumerate(dims)]
    if any(d is None for d in dims):
        shp = ar.shape(x)
        return ar.stack([shp[i] if d is None else d for i, d in enumerate(dims)])
    return dims


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes elements of `x` with probability `rate` (= 1 - `keep_prob`) and scales the
    rest by 1 / (1 - rate), as TF does: RandomUniform >= rate selects x * scale or 0."""
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'keep_prob' and 'rate'")
        if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
            raise ValueError(f"`keep_prob` must be a floating point number in the range (0, 1]."
                             f" Received: keep_prob={keep_prob}")
        rate = 1 - keep_prob
    if rate is None:
        raise ValueError("dropout needs either 'rate' or 'keep_prob'")
    from flowgraph.ops import random_ops
    m = _m()
    with name_scope(name, "dropout", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled."
                             f" Received: x={x}")
        is_number = isinstance(rate, numbers.Real) and not hasattr(rate, "op")
        if is_number:
            if not 0 <= rate < 1:
                raise ValueError(f"`rate` must be a scalar tensor or a float in the range "
                                 f"[0, 1). Received: rate={rate}")
            if rate == 0:
                return x
            keep = 1 - rate
            x_scale = m.multiply(x, convert_to_tensor(1 / keep, dtype=x.dtype, name="Const"))
            rate_t = convert_to_tensor(rate, dtype=x.dtype, name="rate")
        else:
            rate_t = convert_to_tensor(rate, dtype=x.dtype, name="rate")
            rate_t.shape.assert_is_compatible_with(tensor_shape.TensorShape([]))
            one = convert_to_tensor(1.0, dtype=x.dtype)
            x_scale = m.truediv(x, m.subtract(one, rate_t))
        uniform = random_ops.random_uniform(_noise_shape(x, noise_shape), seed=seed,
                                            dtype=x.dtype)
        keep_mask = m.greater_equal(uniform, rate_t)
        zero = convert_to_tensor(0, dtype=x.dtype, name="Const_1")
        out = m.where_v2(keep_mask, x_scale, zero)
        out.set_shape(x.shape)
        return out


# -- moments and normalization -------------------------------------------------------------------
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of `x` over `axes` (`shift` is accepted and unused, as in TF)."""
    keep = _keep(keep_dims, keepdims)
    m, ar = _m(), _a()
    with name_scope(name, "moments", [x, axes]):
        x = convert_to_tensor(x, name="x")
        y = m.cast(x, dtypes.float32) if x.dtype.base_dtype == dtypes.float16 else x
        axes = _axes_list(axes)
        mean = m.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = m.reduce_mean(m.squared_difference(y, _stop(mean)), axes, keepdims=True,
                                 name="variance")
        if not keep:
            mean = ar.squeeze(mean, axes)
            variance = ar.squeeze(variance, axes)
        if x.dtype.base_dtype == dtypes.float16:
            return m.cast(mean, dtypes.float16), m.cast(variance, dtypes.float16)
        return mean, variance


def _stop(t):
    from flowgraph.ops.core import stop_gradient
    return stop_gradient(t)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + variance_epsilon) * scale + offset, built as TF does:
    x * inv + (offset - mean * inv) with inv = rsqrt(variance + eps) * scale."""
    m = _m()
    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = convert_to_tensor(x, name="x")
        inv = m.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv *= scale
        # Operators, as TF writes it: the ops are add, Rsqrt, mul, mul_1, mul_2, sub,
        # add_1, and a Python offset follows mean's dtype.
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * _cast_to(inv, x.dtype) + _cast_to(shift, x.dtype)


def _cast_to(t, dtype):
    return t if _dtype(t) == dtype.base_dtype else _m().cast(t, dtype)


def _dtype(t):
    return t.dtype.base_dtype


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    m = _m()
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = m.reduce_sum(m.square(x), axis, keepdims=True)
        inv_norm = m.rsqrt(m.maximum(square_sum, convert_to_tensor(epsilon, dtype=x.dtype)))
        return m.multiply(x, inv_norm, name=scope)


def zero_fraction(value, name=None):
    """The fraction of zeros in `value` (a float32 scalar)."""
    m = _m()
    with name_scope(name, "zero_fraction", [value]):
        value = convert_to_tensor(value, name="value")
        zero = convert_to_tensor(0, dtype=value.dtype, name="zero")
        return m.reduce_mean(m.cast(m.equal(value, zero), dtypes.float32), name="fraction")


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, mean_ss, var_ss, shift): the sums from which normalize_moments computes the
    mean and variance of `x` over `axes`."""
    keep = _keep(keep_dims, keepdims)
    m, ar = _m(), _a()
    axes = _axes_list(axes)
    with name_scope(name, "sufficient_statistics", [x, shift]):
        x = convert_to_tensor(x, name="x")
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        if dims is not None and all(dims[a] is not None for a in axes):
            count = convert_to_tensor(float(np.prod([dims[a] for a in axes])), dtype=x.dtype,
                                      name="count")
        else:
            count = m.cast(m.reduce_prod(ar.gather(ar.shape(x), axes)), x.dtype, name="count")
        if shift is not None:
            shift = convert_to_tensor(shift, name="shift", dtype=x.dtype)
            m_ss, v_ss = m.subtract(x, shift), m.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, m.square(x)
        m_ss = m.reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = m.reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
        return count, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from sufficient statistics."""
    m = _m()
    with name_scope(name, "normalize", [counts, mean_ss, variance_ss, shift]):
        divisor = m.reciprocal(counts, name="divisor")
        shifted_mean = m.multiply(mean_ss, divisor, name="shifted_mean")
        mean = m.add(shifted_mean, shift, name="mean") if shift is not None else shifted_mean
        variance = m.subtract(m.multiply(variance_ss, divisor), m.square(shifted_mean),
                              name="variance")
        return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of `x` over `axes` with each element weighted by
    `frequency_weights` (broadcast against x)."""
    keep = _keep(keep_dims, keepdims)
    m, ar = _m(), _a()
    axes = _axes_list(axes)
    with name_scope(name, "weighted_moments", [x, frequency_weights, axes]):
        x = convert_to_tensor(x, name="x")
        w = convert_to_tensor(frequency_weights, name="frequency_weights", dtype=x.dtype)
        wsum = m.reduce_sum(m.multiply(w, x), axes, keepdims=True, name="weighted_input_sum")
        bw = m.add(w, ar.zeros_like(x))
        sum_w = m.reduce_sum(bw, axes, keepdims=True, name="sum_of_weights")
        divisor = m.reciprocal(sum_w, name="inv_weight_sum")
        mean = m.multiply(wsum, divisor)
        distsq = m.reduce_sum(m.multiply(w, m.squared_difference(x, mean)), axes,
                              keepdims=True, name="weighted_distsq")
        variance = m.multiply(distsq, divisor)
        if not keep:
            mean, variance = ar.squeeze(mean, axes), ar.squeeze(variance, axes)
        return mean, variance


# -- embeddings ----------------------------------------------------------------------------------
def _clip_rows(result, ids, max_norm):
    """Rows of `result` with L2 norm above `max_norm` scaled down to it."""
    if max_norm is None:
        return result
    m = _m()
    ids_rank, rank = ids.shape.ndims, result.shape.ndims
    if ids_rank is None or rank is None:
        raise ValueError("embedding_lookup with max_norm needs static ranks")
    axes = list(range(ids_rank, rank))
    norm = m.sqrt(m.reduce_sum(m.square(result), axes, keepdims=True))
    max_norm = convert_to_tensor(max_norm, dtype=result.dtype)
    return m.truediv(m.multiply(result, max_norm), m.maximum(norm, max_norm))


def _partition_positions(ids, sizes, strategy):
    """Where each id's row lies in the concatenation of partitions of `sizes` rows, with
    TF's assignment of ids to partitions ("mod": id % n; "div": contiguous blocks)."""
    m, ar = _m(), _a()
    n, total = len(sizes), sum(sizes)
    starts = convert_to_tensor(np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(
        ids.dtype.as_numpy_dtype), name="partition_starts")
    if strategy == "mod":
        p, offset = m.floormod(ids, n), m.floordiv(ids, n)
    elif strategy == "div":
        per, extra = divmod(total, n)
        if per == 0:  # fewer ids than partitions: one id in each of the first ones
            p, offset = ids, m.multiply(ids, 0)
        else:
            p = m.maximum(m.floordiv(ids, per + 1), m.floordiv(m.subtract(ids, extra), per))
            offset = m.where(m.less(p, extra), m.floormod(ids, per + 1),
                             m.floormod(m.subtract(ids, extra), per))
    else:
        raise ValueError(f"Unrecognized partition strategy: {strategy}. Must be one of "
                         "'mod' or 'div'.")
    return m.add(ar.gather(starts, p), offset)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows `ids` of the embedding table `params` (a tensor, a variable, or a list of
    partitions split by `partition_strategy`)."""
    if isinstance(params, (list, tuple)):
        params = list(params)
    elif hasattr(params, "_get_variable_list"):  # a PartitionedVariable: its parts
        params = params._get_variable_list()
    else:
        params = [params]
    if not params:
        raise ValueError("Need at least one param")
    ar = _a()
    with name_scope(name, "embedding_lookup", params + [ids]) as scope:
        ids = convert_to_tensor(ids, name="ids")
        if len(params) == 1:
            result = ar.gather(params[0], ids, name=scope)
            return _identity(_clip_rows(result, ids, max_norm))
        sizes = []
        for p in params:
            d0 = tensor_shape.as_shape(p.shape).as_list()[0] if p.shape.ndims else None
            if d0 is None:
                raise ValueError("embedding_lookup over several partitions needs each "
                                 "partition's first dimension to be known")
            sizes.append(d0)
        pos = _partition_positions(ids, sizes, partition_strategy)
        table = ar.concat([convert_to_tensor(p) for p in params], 0)
        result = ar.gather(table, pos, name=scope)
        return _identity(_clip_rows(result, ids, max_norm))


def _identity(t):
    from flowgraph.ops.core import identity
    return identity(t)


# -- distribution-strategy loss helpers (flowgraph always runs one replica) ------------------------
def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per_example_loss * sample_weight) / global_batch_size (default: the size of
    the first dimension); zero when the batch size is zero."""
    m, ar = _m(), _a()
    loss = convert_to_tensor(per_example_loss, name="per_example_loss")
    if loss.shape.ndims == 0:
        raise ValueError("Invalid value passed for `per_example_loss`. Expected a tensor "
                         "with at least rank 1.")
    dtype = loss.dtype.base_dtype
    if sample_weight is not None:
        weight = convert_to_tensor(sample_weight, name="sample_weight")
        loss = m.cast(m.multiply(m.cast(loss, weight.dtype.base_dtype), weight), dtype)
    if global_batch_size is None:
        global_batch_size = ar.shape(loss)[0]
    elif isinstance(global_batch_size, numbers.Real) and global_batch_size < 0:
        raise ValueError("global_batch_size must be non-negative.")
    total = m.reduce_sum(loss)
    return m.div_no_nan(total, m.cast(global_batch_size, dtype))


def scale_regularization_loss(regularization_loss):
    """The summed regularization loss divided by the number of replicas (one)."""
    return _m().reduce_sum(convert_to_tensor(regularization_loss, name="regularization_loss"))
