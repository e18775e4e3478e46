"""Suite-wide test settings: quiet TensorFlow, a fresh default graph per test, and the `gpu`
marker (tests marked `@pytest.mark.gpu` are skipped unless CuPy sees a CUDA device)."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before anything imports tensorflow

import pytest  # noqa: E402

import flowgraph as tf  # noqa: E402


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
