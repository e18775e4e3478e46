"""`tf.sysconfig`: build facts. flowgraph is pure Python (numpy, optional CuPy), so there
are no C++ headers or libraries to compile custom ops against."""
import os as _os

__all__ = ["get_include", "get_lib", "get_compile_flags", "get_link_flags",
           "get_build_info", "CXX11_ABI_FLAG", "CXX_VERSION", "MONOLITHIC_BUILD"]

CXX11_ABI_FLAG = 0
CXX_VERSION = 0
MONOLITHIC_BUILD = 0


def _no_cxx(what):
    raise NotImplementedError(f"flowgraph is pure Python and has no {what}: custom ops are "
                              "written as @defop blocks in Python")


def get_lib():
    """The directory of the flowgraph package."""
    return _os.path.dirname(_os.path.abspath(__file__))


def get_include():
    """Raises NotImplementedError: flowgraph ships no C++ headers."""
    _no_cxx("C++ headers")


def get_compile_flags():
    """Raises NotImplementedError: there is no C++ library to compile against."""
    _no_cxx("C++ compile flags")


def get_link_flags():
    """Raises NotImplementedError: there is no C++ library to link against."""
    _no_cxx("C++ library to link")


def get_build_info():
    """Facts about this build: no CUDA/ROCm/TensorRT build (GPUs come through CuPy)."""
    return {"is_cuda_build": False, "is_rocm_build": False, "is_tensorrt_build": False}
