"""`tf.distributions.Normal`: the Gaussian with mean `loc` and standard deviation `scale`."""
import math

from flowgraph.distributions import distribution, kullback_leibler
from flowgraph.distributions.util import as_params, batch_shape_of
from flowgraph.framework.graph import name_scope
from flowgraph.ops import (array_ops, creation_ops, math_ops, random_ops, unary_ops,
                           join_ops)

__all__ = ["Normal"]


class Normal(distribution.Distribution):
    """Normal(loc, scale): density exp(-((x - loc) / scale)^2 / 2) / (sqrt(2 pi) scale)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True,
                 name="Normal"):
        parameters = dict(loc=loc, scale=scale, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[loc, scale]) as name:
            self._loc, self._scale = as_params([loc, scale], ["loc", "scale"])
        super().__init__(self._loc.dtype.base_dtype, distribution.FULLY_REPARAMETERIZED,
                         validate_args, allow_nan_stats, parameters,
                         [self._loc, self._scale], name)

    loc = property(lambda self: self._loc, doc="The mean.")
    scale = property(lambda self: self._scale, doc="The standard deviation.")

    def _batch_shape(self):
        return batch_shape_of(self._loc, self._scale)

    def _batch_shape_tensor(self):
        return array_ops.shape(self._loc + self._scale)

    def _sample_n(self, n, seed=None):
        shape = join_ops.concat([[n], self.batch_shape_tensor()], 0)
        z = random_ops.random_normal(shape, dtype=self.dtype, seed=seed)
        return z * self._scale + self._loc

    def _z(self, x):
        with name_scope("standardize", values=[x]):
            return (x - self._loc) / self._scale

    def _log_prob(self, x):
        return -0.5 * unary_ops.square(self._z(x)) - (
            0.5 * math.log(2. * math.pi) + unary_ops.log(self._scale))

    def _cdf(self, x):
        return 0.5 * unary_ops.erfc(-self._z(x) * (1. / math.sqrt(2.)))

    def _log_cdf(self, x):
        return unary_ops.log(self._cdf(x))

    def _survival_function(self, x):
        return 0.5 * unary_ops.erfc(self._z(x) * (1. / math.sqrt(2.)))

    def _log_survival_function(self, x):
        return unary_ops.log(self._survival_function(x))

    def _entropy(self):
        scale = self._scale * creation_ops.ones_like(self._loc)
        return 0.5 * math.log(2. * math.pi * math.e) + unary_ops.log(scale)

    def _mean(self):
        return self._loc * creation_ops.ones_like(self._scale)

    def _mode(self):
        return self._mean()

    def _stddev(self):
        return self._scale * creation_ops.ones_like(self._loc)


@kullback_leibler.RegisterKL(Normal, Normal)
def _kl_normal_normal(a, b, name=None):
    """KL(a || b) of two normals, in closed form."""
    with name_scope(name, "kl_normal_normal", [a.loc, b.loc, a.scale, b.scale]):
        log_ratio = unary_ops.log(a.scale) - unary_ops.log(b.scale)
        mean_term = 0.5 * math_ops.squared_difference(a.loc / b.scale, b.loc / b.scale)
        return mean_term + 0.5 * unary_ops.expm1(2. * log_ratio) - log_ratio
