"""`tf.test`: gradient checking and device queries for tests."""
from flowgraph.test.gradient_checker import (compute_gradient, compute_gradient_error,
                                             random_direction_error)


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """True when CuPy is importable and sees at least one GPU."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def gpu_device_name():
    return "/device:GPU:0" if is_gpu_available() else ""


def is_built_with_cuda():
    return is_gpu_available()
