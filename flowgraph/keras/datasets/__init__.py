"""`tf.keras.datasets`: Keras's own dataset files, downloaded into `~/.keras/datasets`."""

from flowgraph.keras.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist

__all__ = ["boston_housing", "cifar10", "fashion_mnist", "imdb", "mnist"]
