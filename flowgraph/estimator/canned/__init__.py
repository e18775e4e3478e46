"""The canned estimators (`tf.compat.v1.estimator` versions) and their heads."""
from flowgraph.estimator.canned.dnn import DNNClassifier, DNNRegressor
from flowgraph.estimator.canned.dnn_linear_combined import (DNNLinearCombinedClassifier,
                                                            DNNLinearCombinedRegressor)
from flowgraph.estimator.canned.linear import LinearClassifier, LinearRegressor

__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
           "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"]
