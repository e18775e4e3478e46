"""`tf.keras.preprocessing`: sequence and text utilities."""

from flowgraph.keras.preprocessing import sequence, text

__all__ = ["sequence", "text"]
