"""Keras's engine: the base Layer, Input, the functional Network, Model and Sequential."""
