"""`tf.load_op_library` and friends load compiled C++ kernels, which flowgraph cannot."""

__all__ = ["load_op_library", "load_library", "load_file_system_library"]


def _unsupported(name, path):
    raise NotImplementedError(f"{name}({path!r}): flowgraph cannot load compiled TensorFlow "
                              "C++ libraries; define ops in Python with @defop instead")


def load_op_library(library_filename):
    """Raises NotImplementedError: flowgraph runs no C++ kernels."""
    _unsupported("load_op_library", library_filename)


def load_library(library_location):
    """Raises NotImplementedError: flowgraph runs no C++ kernels."""
    _unsupported("load_library", library_location)


def load_file_system_library(library_filename):
    """Raises NotImplementedError: flowgraph runs no C++ file systems."""
    _unsupported("load_file_system_library", library_filename)
