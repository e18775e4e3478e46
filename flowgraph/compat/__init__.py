"""`tf.compat`: `tf.compat.v1` is flowgraph itself."""
from flowgraph.compat import v1  # noqa: F401


def as_bytes(s, encoding="utf-8"):
    return s if isinstance(s, bytes) else s.encode(encoding)


def as_text(s, encoding="utf-8"):
    return s.decode(encoding) if isinstance(s, bytes) else s


as_str = as_text
