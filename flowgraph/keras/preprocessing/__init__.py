"""`tf.keras.preprocessing`: sequence, text and image utilities."""

from flowgraph.keras.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
