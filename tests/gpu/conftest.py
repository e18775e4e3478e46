"""The `fake_gpu` fixture: the CuPy emulation (tests/gpu/fake_cupy.py, not a GPU) installed
as `cupy` for one test, so the GPU code paths run and are checked on any machine."""
import pytest

from tests.gpu import fake_cupy


@pytest.fixture
def fake_gpu(monkeypatch):
    """Sessions created in the test get an emulated /gpu:0; yields the emulation module."""
    fake_cupy.install(monkeypatch)
    yield fake_cupy
