"""`tf.distributions.Categorical`: draws of a class index in [0, K) with probabilities
`probs` = softmax(`logits`) along the last axis."""
from flowgraph.distributions import distribution, kullback_leibler
from flowgraph.distributions.bernoulli import probs_and_logits
from flowgraph.framework import dtypes, tensor_shape
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import (array_ops, creation_ops, math_ops, nn_ops, random_ops,
                           reduction_ops, unary_ops, xent_ops, join_ops)

__all__ = ["Categorical"]


class Categorical(distribution.Distribution):
    """Categorical(logits=None, probs=None, dtype=tf.int32): `logits`/`probs` are
    [..., K]; the batch shape is their leading dimensions."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False,
                 allow_nan_stats=True, name="Categorical"):
        parameters = dict(logits=logits, probs=probs, dtype=dtype,
                          validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                          name=name)
        with name_scope(name) as name:
            self._logits, self._probs = probs_and_logits(
                logits, probs, nn_ops.softmax, unary_ops.log)
            k = self._logits.shape[-1] if self._logits.shape.ndims else None
            k = getattr(k, "value", k)
            self._event_size = convert_to_tensor(k, dtype=dtypes.int32, name="event_size") \
                if k is not None else unary_ops.cast(array_ops.shape(self._logits)[-1],
                                                     dtypes.int32, name="event_size")
        super().__init__(dtypes.as_dtype(dtype), distribution.NOT_REPARAMETERIZED,
                         validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], name)

    logits = property(lambda self: self._logits, doc="Unnormalized log-probabilities.")
    probs = property(lambda self: self._probs, doc="Class probabilities.")
    event_size = property(lambda self: self._event_size, doc="The number of classes K.")

    def _batch_shape(self):
        s = self._logits.shape
        return tensor_shape.unknown_shape() if s.ndims is None else s[:-1]

    def _batch_shape_tensor(self):
        return array_ops.shape(self._logits)[:-1]

    def _sample_n(self, n, seed=None):
        k = self._event_size
        flat = array_ops.reshape(self._logits, [-1, k])
        draws = random_ops.multinomial(flat, n, seed=seed, output_dtype=self.dtype)
        return array_ops.reshape(array_ops.transpose(draws),
                                 join_ops.concat([[n], self.batch_shape_tensor()], 0))

    def _broadcast(self, k):
        """k and logits broadcast against each other (k without the class axis)."""
        k = unary_ops.cast(k, dtypes.int32)
        logits = self._logits
        if not (k.shape.is_fully_defined() and self.batch_shape.is_fully_defined() and
                k.shape == self.batch_shape):
            logits = creation_ops.ones_like(array_ops.expand_dims(k, -1),
                                            dtype=logits.dtype) * logits
            k = creation_ops.ones_like(logits[..., 0], dtype=k.dtype) * k
        return k, logits

    def _log_prob(self, k):
        k, logits = self._broadcast(k)
        return -xent_ops.sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits)

    def _cdf(self, k):
        """The probabilities of the classes below k, summed (TF's cdf: P(X < k))."""
        k, logits = self._broadcast(k)
        classes = creation_ops.range(self._event_size)
        upto = math_ops.less(classes, array_ops.expand_dims(k, -1))
        probs = creation_ops.ones_like(logits) * self._probs
        return reduction_ops.reduce_sum(
            reduction_ops.where(upto, probs, creation_ops.zeros_like(probs)), -1)

    def _entropy(self):
        return -reduction_ops.reduce_sum(
            nn_ops.log_softmax(self._logits) * self._probs, -1)

    def _mode(self):
        return unary_ops.cast(reduction_ops.argmax(self._probs, -1), self.dtype)


@kullback_leibler.RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    """KL(a || b) of two categoricals over the same classes."""
    with name_scope(name, "kl_categorical_categorical", [a.logits, b.logits]):
        return reduction_ops.reduce_sum(
            nn_ops.softmax(a.logits) * (nn_ops.log_softmax(a.logits) -
                                        nn_ops.log_softmax(b.logits)), -1)
