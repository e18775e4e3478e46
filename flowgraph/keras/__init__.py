"""`tf.keras`: Keras 2 as it runs on TF1 graphs and sessions."""
from flowgraph.keras import (activations, backend, constraints, initializers,  # noqa: F401
                             losses, metrics, optimizers, regularizers)
from flowgraph.keras import callbacks, engine, layers, models, utils  # noqa: F401
from flowgraph.keras import datasets, preprocessing, saving  # noqa: F401
from flowgraph.keras.backend import name_scope  # noqa: F401
from flowgraph.keras.engine.base_layer import Layer  # noqa: F401
from flowgraph.keras.engine.input_layer import Input  # noqa: F401
from flowgraph.keras.engine.input_spec import InputSpec  # noqa: F401
from flowgraph.keras.engine.sequential import Sequential  # noqa: F401
from flowgraph.keras.engine.training import Model  # noqa: F401
from flowgraph.keras.initializers import Initializer  # noqa: F401
from flowgraph.keras.losses import Loss  # noqa: F401
from flowgraph.keras.metrics import Metric  # noqa: F401
from flowgraph.keras.optimizers import Optimizer  # noqa: F401
from flowgraph.keras.regularizers import Regularizer  # noqa: F401

__version__ = "2.21.0"
