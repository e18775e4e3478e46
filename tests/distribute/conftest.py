"""One Ray head per test module, in the pytest process, bound to 127.0.0.1; processes the
tests start join it through FLOWGRAPH_RAY_ADDRESS. Teardown shuts it down, which ends
every actor and Ray process it started."""
import os
import socket

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head():
    ray = pytest.importorskip("ray")
    from flowgraph.distribute import ray_backend
    if ray.is_initialized():
        ray.shutdown()
    info = ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False,
                    num_cpus=4, namespace=ray_backend.NAMESPACE, log_to_driver=False,
                    configure_logging=False)
    old = os.environ.get(ray_backend.ADDRESS_ENV)
    os.environ[ray_backend.ADDRESS_ENV] = info.address_info["gcs_address"]
    try:
        yield info.address_info["gcs_address"]
    finally:
        from flowgraph.distribute import server
        server._LOCAL.clear()
        ray.shutdown()
        if old is None:
            os.environ.pop(ray_backend.ADDRESS_ENV, None)
        else:
            os.environ[ray_backend.ADDRESS_ENV] = old
