"""`tf.distributions.Normal`: the Gaussian with mean `loc` and standard deviation `scale`."""
import math

from flowgraph.distributions import distribution, kullback_leibler
from flowgraph.distributions.util import as_params, batch_shape_of
from flowgraph.framework.graph import name_scope
from flowgraph.ops import (array_ops, creation_ops, math_ops, random_ops, reduction_ops,
                           unary_ops, join_ops)

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

    def _quantile(self, p):
        return self._loc + self._scale * _ndtri(p)

    def _entropy(self):
        scale = self._scale * creation_ops.ones_like(self._loc)
        return 0.5 * math.log(2. * math.pi * math.e) + unary_ops.log(scale)

    def _mean(self):
        return self._loc * creation_ops.ones_like(self._scale)

    def _mode(self):
        return self._mean()

    def _stddev(self):
        return self._scale * creation_ops.ones_like(self._loc)


# Acklam's rational approximation of the inverse normal cdf (relative error < 1.2e-9).
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00, 1.0)
_P_LOW = 0.02425


def _horner(coefs, x):
    out = coefs[0]
    for c in coefs[1:]:
        out = out * x + c
    return out


def _ndtri(p):
    """The standard normal quantile of p, from graph ops. Each region's formula gets an
    input clipped into that region, so unused branches never make NaN gradients."""
    with name_scope("ndtri", values=[p]):
        one = creation_ops.ones_like(p)
        central = reduction_ops.clip_by_value(p, _P_LOW, 1. - _P_LOW) - 0.5
        r = central * central
        mid = central * _horner(_A, r) / _horner(_B, r)
        tail_p = reduction_ops.clip_by_value(math_ops.minimum(p, 1. - p), 1e-37, _P_LOW)
        q = unary_ops.sqrt(-2. * unary_ops.log(tail_p))
        tail = _horner(_C, q) / _horner(_D, q)  # the lower tail; the upper one is -tail
        x = reduction_ops.where(
            math_ops.less(p, _P_LOW), tail,
            reduction_ops.where(math_ops.greater(p, 1. - _P_LOW), -tail, mid))
        inf = one * float("inf")
        return reduction_ops.where(math_ops.equal(p, 0.), -inf,
                                   reduction_ops.where(math_ops.equal(p, 1.), inf, x))


@kullback_leibler.RegisterKL(Normal, Normal)
def _kl_normal_normal(a, b, name=None):
    """KL(a || b) of two normals, in closed form."""
    with name_scope(name, "kl_normal_normal", [a.loc, b.loc, a.scale, b.scale]):
        log_ratio = unary_ops.log(a.scale) - unary_ops.log(b.scale)
        mean_term = 0.5 * math_ops.squared_difference(a.loc / b.scale, b.loc / b.scale)
        return mean_term + 0.5 * unary_ops.expm1(2. * log_ratio) - log_ratio
