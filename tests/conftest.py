"""Suite-wide test settings: quiet TensorFlow, a fresh default graph per test, and the `gpu`
marker (tests marked `@pytest.mark.gpu` are skipped unless CuPy sees a CUDA device).

`--fake-gpu` (or FLOWGRAPH_FAKE_GPU=1) installs tests/gpu/fake_cupy.py as `cupy` for the
whole run where no real CuPy GPU is present: sessions then get a /gpu:0 whose arrays obey
CuPy's device/host rules (it is not a GPU; see that module), ops default to it, and `gpu`
tests run on it. Tests written for a CPU-only machine (device lists, placement logs,
timelines) fail in that mode, as they would on a GPU machine."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before anything imports tensorflow
# The reference is TF's oneDNN CPU build, which TF turns on by itself only on some CPUs (not
# on AMD ones): its kernels differ from the Eigen ones in tie-breaking and supported attrs
# (dilated Conv3D), so switch it on everywhere for one reference on every machine.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import pytest  # noqa: E402

import flowgraph as tf  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--fake-gpu", action="store_true", default=False,
                     help="run with the CuPy emulation of tests/gpu/fake_cupy.py as the GPU "
                          "array module where no real CuPy GPU is present (also: "
                          "FLOWGRAPH_FAKE_GPU=1)")


def pytest_configure(config):
    if config.getoption("--fake-gpu") or \
            os.environ.get("FLOWGRAPH_FAKE_GPU", "0") not in ("", "0"):
        from tests.gpu import fake_cupy
        if not fake_cupy.real_cupy_available():  # a real GPU wins
            fake_cupy.install()


def _have_gpu():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, no device
        return False


def pytest_collection_modifyitems(config, items):
    if not any(item.get_closest_marker("gpu") for item in items) or _have_gpu():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU with CuPy")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    """Each test starts with an empty default graph (and no leftover graph seed); an
    InteractiveSession a test left open is closed after it."""
    tf.reset_default_graph()
    yield
    for _ in range(100):
        sess = tf.get_default_session()
        if not isinstance(sess, tf.InteractiveSession):
            break
        sess.close()


@pytest.fixture(autouse=True)
def _keep_tensorflow_modes():
    """Tests that switch real TF's control-flow or variable mode cannot leak it into the
    tests after them: the modes are put back as they were before each test."""
    import sys
    tf_real = sys.modules.get("tensorflow")
    if tf_real is None:
        yield
        return
    v1 = tf_real.compat.v1
    cf2, rv = v1.control_flow_v2_enabled(), v1.resource_variables_enabled()
    yield
    if v1.control_flow_v2_enabled() != cf2:
        (v1.enable_control_flow_v2 if cf2 else v1.disable_control_flow_v2)()
    if v1.resource_variables_enabled() != rv:
        (v1.enable_resource_variables if rv else v1.disable_resource_variables)()
