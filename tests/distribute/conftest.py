"""One Ray head for the tests of this package, in the pytest process, bound to
127.0.0.1; processes the tests start join it through FLOWGRAPH_RAY_ADDRESS. Teardown
shuts it down, which ends every actor and Ray process it started."""
import os
import socket

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package")
def ray_head():
    ray = pytest.importorskip("ray")
    from flowgraph.distribute import ray_backend
    if ray.is_initialized():
        ray.shutdown()
    names = (ray_backend.ADDRESS_ENV, "RAY_AUTH_MODE", "RAY_AUTH_TOKEN")
    old = {k: os.environ.get(k) for k in names}
    try:
        yield ray_backend.start_head(num_cpus=4)
    finally:
        from flowgraph.distribute import server
        server._LOCAL.clear()
        ray.shutdown()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
