"""`tf.distributions.Bernoulli`: 0/1 draws with P(1) = `probs` = sigmoid(`logits`)."""
from flowgraph.distributions import distribution, kullback_leibler
from flowgraph.distributions.util import as_params, batch_shape_of
from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.ops import array_ops, join_ops, math_ops, nn_ops, random_ops, unary_ops
from flowgraph.ops import creation_ops, xent_ops

__all__ = ["Bernoulli"]


def probs_and_logits(logits, probs, to_probs, to_logits):
    """Both parameterizations, from whichever one was given."""
    if (probs is None) == (logits is None):
        raise ValueError("Must pass probs or logits, but not both.")
    if probs is None:
        (logits,) = as_params([logits], ["logits"])
        with name_scope("probs"):
            probs = to_probs(logits)
        return logits, probs
    (probs,) = as_params([probs], ["probs"])
    with name_scope("logits"):
        logits = to_logits(probs)
    return logits, probs


class Bernoulli(distribution.Distribution):
    """Bernoulli(logits=None, probs=None, dtype=tf.int32): a batch of coin flips."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False,
                 allow_nan_stats=True, name="Bernoulli"):
        parameters = dict(logits=logits, probs=probs, dtype=dtype,
                          validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                          name=name)
        with name_scope(name) as name:
            self._logits, self._probs = probs_and_logits(
                logits, probs, unary_ops.sigmoid,
                lambda p: unary_ops.log(p) - unary_ops.log1p(-p))
        super().__init__(dtypes.as_dtype(dtype), distribution.NOT_REPARAMETERIZED,
                         validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], name)

    logits = property(lambda self: self._logits, doc="Log-odds of drawing a 1.")
    probs = property(lambda self: self._probs, doc="Probability of drawing a 1.")

    def _batch_shape(self):
        return batch_shape_of(self._logits)

    def _batch_shape_tensor(self):
        return array_ops.shape(self._logits)

    def _sample_n(self, n, seed=None):
        shape = join_ops.concat([[n], self.batch_shape_tensor()], 0)
        u = random_ops.random_uniform(shape, dtype=self._probs.dtype, seed=seed)
        return unary_ops.cast(math_ops.less(u, self._probs), self.dtype)

    def _event(self, event):
        event = unary_ops.cast(event, self._logits.dtype)
        logits = self._logits
        if not event.shape.is_fully_defined() or not logits.shape.is_fully_defined() or \
                event.shape != logits.shape:  # broadcast both ways, as TF
            logits = creation_ops.ones_like(event) * logits
            event = creation_ops.ones_like(logits) * event
        return event, logits

    def _log_prob(self, event):
        event, logits = self._event(event)
        return -xent_ops.sigmoid_cross_entropy_with_logits(labels=event, logits=logits)

    def _entropy(self):
        return nn_ops.softplus(-self._logits) + (1. - self._probs) * self._logits

    def _mean(self):
        return creation_ops.ones_like(self._probs) * self._probs

    def _variance(self):
        return self._probs * (1. - self._probs)

    def _mode(self):
        return unary_ops.cast(math_ops.greater(self._probs, 0.5), self.dtype)


@kullback_leibler.RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    """KL(a || b) of two Bernoullis."""
    with name_scope(name, "kl_bernoulli_bernoulli", [a.logits, b.logits]):
        return (nn_ops.softplus(-b.logits) - nn_ops.softplus(-a.logits)) * a.probs + \
            (nn_ops.softplus(b.logits) - nn_ops.softplus(a.logits)) * (1. - a.probs)
