"""`import flowgraph.compat.v1 as tf`: the same API as `import flowgraph as tf`."""
import sys as _sys

import flowgraph as _fg

_this = _sys.modules[__name__]
for _k in dir(_fg):
    if not _k.startswith("__"):
        setattr(_this, _k, getattr(_fg, _k))
