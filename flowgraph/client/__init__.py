"""Client-side tools (TF's `tensorflow.python.client`): `timeline`."""
from flowgraph.client import timeline  # noqa: F401
