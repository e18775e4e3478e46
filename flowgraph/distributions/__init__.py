"""`tf.distributions`: TF1's (deprecated) probability distributions, built from graph ops."""
from flowgraph.distributions.distribution import (Distribution, ReparameterizationType,
                                                  FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED)
from flowgraph.distributions.kullback_leibler import kl_divergence, RegisterKL
from flowgraph.distributions.normal import Normal
from flowgraph.distributions.bernoulli import Bernoulli
from flowgraph.distributions.categorical import Categorical
from flowgraph.distributions.uniform import Uniform

__all__ = ["Distribution", "ReparameterizationType", "FULLY_REPARAMETERIZED",
           "NOT_REPARAMETERIZED", "kl_divergence", "RegisterKL", "Normal", "Bernoulli",
           "Categorical", "Uniform"]
