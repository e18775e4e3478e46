"""`tf.distributions.Distribution`: the base class of TF1's distributions.

Public methods open `<distribution name>/<method>` name scopes and call the subclass's
`_log_prob`, `_cdf`, `_sample_n`, ...; missing ones fall back on each other (prob from
log_prob, stddev from variance, ...) or raise NotImplementedError as TF does."""
import contextlib

import numpy as np

from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.framework.op_builder import constant, constant_value, convert_to_tensor
from flowgraph.ops import array_ops, join_ops, unary_ops

__all__ = ["Distribution", "ReparameterizationType", "FULLY_REPARAMETERIZED",
           "NOT_REPARAMETERIZED"]


class ReparameterizationType:
    """Whether samples are differentiable functions of the parameters."""

    def __init__(self, rep_type):
        self._rep_type = rep_type

    def __repr__(self):
        return f"<Reparameterization Type: {self._rep_type}>"

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__


FULLY_REPARAMETERIZED = ReparameterizationType("FULLY_REPARAMETERIZED")
NOT_REPARAMETERIZED = ReparameterizationType("NOT_REPARAMETERIZED")


def static_value(shape_tensor_or_shape):
    """A TensorShape from a static shape or a shape tensor."""
    if isinstance(shape_tensor_or_shape, tensor_shape.TensorShape):
        return shape_tensor_or_shape
    c = constant_value(shape_tensor_or_shape)
    if c is None:
        return tensor_shape.unknown_shape()
    return tensor_shape.TensorShape(np.reshape(c, [-1]).tolist() if np.ndim(c) else c)


class Distribution:
    """A probability distribution over tensors of `dtype`, batched over `batch_shape`,
    each draw of shape `event_shape`."""

    def __init__(self, dtype, reparameterization_type, validate_args, allow_nan_stats,
                 parameters=None, graph_parents=None, name=None):
        self._dtype = dtype
        self._reparameterization_type = reparameterization_type
        self._validate_args = validate_args  # accepted; no runtime assertions are added
        self._allow_nan_stats = allow_nan_stats
        self._parameters = dict(parameters or {})
        self._parameters.pop("self", None)
        self._parameters.pop("__class__", None)
        self._graph_parents = list(graph_parents or [])
        self._name = name or type(self).__name__

    # -- properties ---------------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    parameters = property(lambda self: dict(self._parameters))
    reparameterization_type = property(lambda self: self._reparameterization_type)
    allow_nan_stats = property(lambda self: self._allow_nan_stats)
    validate_args = property(lambda self: self._validate_args)

    def copy(self, **override_parameters_kwargs):
        """A new distribution of this type with some parameters replaced."""
        params = dict(self.parameters, **override_parameters_kwargs)
        return type(self)(**params)

    @contextlib.contextmanager
    def _name_scope(self, name, values=()):
        """`<distribution name>/<name>/`, as TF's methods open it."""
        with name_scope(self.name):
            with name_scope(name, values=list(values)) as scope:
                yield scope

    # -- shapes -----------------------------------------------------------------------
    @property
    def batch_shape(self):
        """The static shape of a batch of distributions (a TensorShape)."""
        return tensor_shape.as_shape(self._batch_shape())

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        with self._name_scope(name):
            if self.batch_shape.is_fully_defined():
                return convert_to_tensor(self.batch_shape.as_list(), dtype=dtypes.int32,
                                         name="batch_shape")
            return self._batch_shape_tensor()

    @property
    def event_shape(self):
        """The static shape of one draw (a TensorShape)."""
        return tensor_shape.as_shape(self._event_shape())

    def event_shape_tensor(self, name="event_shape_tensor"):
        with self._name_scope(name):
            if self.event_shape.is_fully_defined():
                return convert_to_tensor(self.event_shape.as_list(), dtype=dtypes.int32,
                                         name="event_shape")
            return self._event_shape_tensor()

    def _event_shape(self):
        return tensor_shape.TensorShape([])

    def _event_shape_tensor(self):
        return constant([], dtype=dtypes.int32)

    def is_scalar_event(self, name="is_scalar_event"):
        with self._name_scope(name):
            return constant(self.event_shape.ndims == 0, name="is_scalar_event")

    def is_scalar_batch(self, name="is_scalar_batch"):
        with self._name_scope(name):
            return constant(self.batch_shape.ndims == 0, name="is_scalar_batch")

    # -- sampling ---------------------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name="sample"):
        """Samples of shape `sample_shape + batch_shape + event_shape`."""
        with self._name_scope(name, [sample_shape]):
            shape = convert_to_tensor(sample_shape, dtype=dtypes.int32, name="sample_shape")
            static = static_value(shape)
            if shape.shape.ndims == 0:
                static = tensor_shape.TensorShape(
                    [None if static.ndims is None else int(constant_value(shape))])
                shape = array_ops.reshape(shape, [1])
            n = _prod(shape, static)
            samples = self._sample_n(n, seed)
            rest = array_ops.shape(samples)[1:]
            out = array_ops.reshape(samples, join_ops.concat([shape, rest], 0))
            out.set_shape(static.concatenate(samples.shape[1:]))
            return out

    # -- densities, with TF's fallbacks ------------------------------------------------------
    def _call(self, method, fallback, value, name):
        with self._name_scope(name, [value]):
            value = _as_value(value, self)
            own = getattr(self, method, None)
            if own is not None:
                return own(value)
            if fallback is not None:
                return fallback(value)
            raise NotImplementedError(f"{name} is not implemented: {type(self).__name__}")

    def log_prob(self, value, name="log_prob"):
        return self._call("_log_prob", self._fallback("_prob", unary_ops.log), value, name)

    def prob(self, value, name="prob"):
        return self._call("_prob", self._fallback("_log_prob", unary_ops.exp), value, name)

    def log_cdf(self, value, name="log_cdf"):
        return self._call("_log_cdf", self._fallback("_cdf", unary_ops.log), value, name)

    def cdf(self, value, name="cdf"):
        return self._call("_cdf", self._fallback("_log_cdf", unary_ops.exp), value, name)

    def log_survival_function(self, value, name="log_survival_function"):
        def from_cdf(v):
            return unary_ops.log1p(-self.cdf(v))
        return self._call("_log_survival_function", from_cdf, value, name)

    def survival_function(self, value, name="survival_function"):
        def from_cdf(v):
            return 1. - self.cdf(v)
        return self._call("_survival_function", from_cdf, value, name)

    def quantile(self, value, name="quantile"):
        return self._call("_quantile", None, value, name)

    def _fallback(self, method, fn):
        own = getattr(self, method, None)
        return None if own is None else (lambda v: fn(own(v)))

    def _stat(self, method, name, fallback=None):
        with self._name_scope(name):
            own = getattr(self, method, None)
            if own is not None:
                return own()
            if fallback is not None:
                return fallback()
            raise NotImplementedError(f"{name} is not implemented: {type(self).__name__}")

    def entropy(self, name="entropy"):
        return self._stat("_entropy", name)

    def mean(self, name="mean"):
        return self._stat("_mean", name)

    def mode(self, name="mode"):
        return self._stat("_mode", name)

    def variance(self, name="variance"):
        own = getattr(self, "_stddev", None)
        return self._stat("_variance", name,
                          None if own is None else lambda: unary_ops.square(own()))

    def stddev(self, name="stddev"):
        own = getattr(self, "_variance", None)
        return self._stat("_stddev", name,
                          None if own is None else lambda: unary_ops.sqrt(own()))

    def covariance(self, name="covariance"):
        return self._stat("_covariance", name)

    def kl_divergence(self, other, name="kl_divergence"):
        """KL(self || other), from the registered formula for the two types."""
        from flowgraph.distributions import kullback_leibler
        with self._name_scope(name):
            return kullback_leibler.kl_divergence(self, other)

    def cross_entropy(self, other, name="cross_entropy"):
        """Cross entropy H[self, other] = H[self] + KL(self || other)."""
        with self._name_scope(name):
            return self.entropy() + self.kl_divergence(other)

    def __repr__(self):
        return (f"<tf.distributions.{type(self).__name__} '{self.name}' "
                f"batch_shape={self.batch_shape} event_shape={self.event_shape} "
                f"dtype={self.dtype.name}>")


def _as_value(value, dist):
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value, dtype=dist.dtype, name="value")


def _prod(shape, static):
    from flowgraph.ops import reduction_ops
    if static.is_fully_defined():
        return int(np.prod(static.as_list(), dtype=np.int64))
    return reduction_ops.reduce_prod(shape)
