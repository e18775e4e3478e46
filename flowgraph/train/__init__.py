"""`tf.train`: optimizers, the global step and learning-rate schedules."""
from flowgraph.train.optimizer import Optimizer
from flowgraph.train.optimizers import (GradientDescentOptimizer, MomentumOptimizer,
                                        AdagradOptimizer, AdadeltaOptimizer, RMSPropOptimizer)
from flowgraph.train.adam import AdamOptimizer, FtrlOptimizer
from flowgraph.train.training_util import (global_step, get_global_step, create_global_step,
                                           get_or_create_global_step, assert_global_step)
from flowgraph.train.learning_rate_decay import (exponential_decay, inverse_time_decay,
                                                 natural_exp_decay, piecewise_constant,
                                                 polynomial_decay, cosine_decay)

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdagradOptimizer",
           "AdadeltaOptimizer", "RMSPropOptimizer", "AdamOptimizer", "FtrlOptimizer",
           "global_step", "get_global_step", "create_global_step",
           "get_or_create_global_step", "assert_global_step", "exponential_decay",
           "inverse_time_decay", "natural_exp_decay", "piecewise_constant",
           "polynomial_decay", "cosine_decay"]
