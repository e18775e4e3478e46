"""`tf.test`: TestCase and main, gradient checking, device queries."""
import platform
import time
from unittest import mock  # noqa: F401  (tf.test.mock)

from flowgraph.test.gradient_checker import (compute_gradient, compute_gradient_error,
                                             random_direction_error)
from flowgraph.test.test_case import (TestCase, main, get_temp_dir, assert_equal_graph_def,
                                      test_src_dir_path)


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


def is_built_with_gpu_support():
    return is_gpu_available()


def is_built_with_rocm():
    return False


def is_built_with_xla():
    return False


def is_cpu_target_available(cpu):
    """True for the host's own CPU target ('x86', 'aarch64', ...)."""
    return cpu.lower() in platform.machine().lower()


class Benchmark:
    """`tf.test.Benchmark`: `report_benchmark` prints what it is given; `run_op_benchmark`
    times `sess.run(op_or_tensor)` over `min_iters` runs after `burn_iters` warm-ups."""

    def report_benchmark(self, iters=None, cpu_time=None, wall_time=None, throughput=None,
                         extras=None, name=None, metrics=None):
        print(f"benchmark {name or type(self).__name__}: iters={iters} wall_time={wall_time}"
              f" extras={extras or {}}")

    def run_op_benchmark(self, sess, op_or_tensor, feed_dict=None, burn_iters=2, min_iters=10,
                         store_trace=False, store_memory_usage=True, name=None, extras=None,
                         mbs=0):
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        start = time.perf_counter()
        for _ in range(min_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        wall = (time.perf_counter() - start) / max(min_iters, 1)
        result = {"iters": min_iters, "wall_time": wall, "extras": extras or {},
                  "name": name}
        self.report_benchmark(iters=min_iters, wall_time=wall, extras=extras, name=name)
        return result
