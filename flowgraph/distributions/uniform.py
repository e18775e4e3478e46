"""`tf.distributions.Uniform`: constant density on [low, high)."""
from flowgraph.distributions import distribution
from flowgraph.distributions.util import as_params, batch_shape_of
from flowgraph.framework.graph import name_scope
from flowgraph.ops import (array_ops, creation_ops, join_ops, math_ops, random_ops,
                           reduction_ops, unary_ops)

__all__ = ["Uniform"]

_SQRT12 = 12. ** 0.5


class Uniform(distribution.Distribution):
    """Uniform(low=0., high=1.): a batch of uniform distributions on [low, high)."""

    def __init__(self, low=0., high=1., validate_args=False, allow_nan_stats=True,
                 name="Uniform"):
        parameters = dict(low=low, high=high, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[low, high]) as name:
            self._low, self._high = as_params([low, high], ["low", "high"])
        super().__init__(self._low.dtype.base_dtype, distribution.FULLY_REPARAMETERIZED,
                         validate_args, allow_nan_stats, parameters,
                         [self._low, self._high], name)

    low = property(lambda self: self._low, doc="Lower boundary of the support.")
    high = property(lambda self: self._high, doc="Upper boundary of the support.")

    def range(self, name="range"):
        """high - low."""
        with self._name_scope(name):
            return self._high - self._low

    def _batch_shape(self):
        return batch_shape_of(self._low, self._high)

    def _batch_shape_tensor(self):
        return array_ops.shape(self._low + self._high)

    def _sample_n(self, n, seed=None):
        shape = join_ops.concat([[n], self.batch_shape_tensor()], 0)
        u = random_ops.random_uniform(shape, dtype=self.dtype, seed=seed)
        return self._low + self.range() * u

    def _prob(self, x):
        x = x * creation_ops.ones_like(self._low + self._high)
        outside = math_ops.logical_or(math_ops.less(x, self._low),
                                      math_ops.greater_equal(x, self._high))
        density = creation_ops.ones_like(x) / self.range()
        return reduction_ops.where(
            unary_ops.is_nan(x), x,
            reduction_ops.where(outside, creation_ops.zeros_like(x), density))

    def _cdf(self, x):
        x = x * creation_ops.ones_like(self._low + self._high)
        frac = (x - self._low) / self.range()
        return reduction_ops.where(
            math_ops.less(x, self._low), creation_ops.zeros_like(x),
            reduction_ops.where(math_ops.greater_equal(x, self._high),
                                creation_ops.ones_like(x), frac))

    def _entropy(self):
        return unary_ops.log(self.range())

    def _mean(self):
        return (self._low + self._high) / 2.

    def _variance(self):
        return unary_ops.square(self.range()) / 12.

    def _stddev(self):
        return self.range() / _SQRT12
