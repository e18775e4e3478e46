"""Version constants (`tf.VERSION`, `tf.version`): a leaf module.

flowgraph follows the `tf.compat.v1` API of TensorFlow 2.21, so `VERSION` and `__version__`
say "2.21.0" (programs that branch on the TF version take the path that fits); the
package's own release is in `GIT_VERSION` ("flowgraph-<release>").
"""
import platform as _platform

FLOWGRAPH_RELEASE = "0.1.0"
VERSION = "2.21.0"
__version__ = VERSION
GIT_VERSION = f"flowgraph-{FLOWGRAPH_RELEASE}"
COMPILER_VERSION = _platform.python_compiler()
# The GraphDef producer version we write: new enough that TF honours scalar and partial
# Placeholder shapes (>= 22), old enough that no op we emit counts as deprecated.
GRAPH_DEF_VERSION = 134
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0
CXX11_ABI_FLAG = 0
CXX_VERSION = 201703
MONOLITHIC_BUILD = 0

__all__ = ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "GRAPH_DEF_VERSION",
           "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER",
           "CXX11_ABI_FLAG", "CXX_VERSION", "MONOLITHIC_BUILD"]
