"""`tf.config`, the graph-mode subset: the local devices flowgraph's sessions use (CPU,
and CuPy GPUs when present) and the process-wide settings TF keeps there. The threading and
soft-placement settings are recorded and reported back; a `Session` takes its own from its
`ConfigProto`."""
import collections
import types as _types

from flowgraph.runtime import devices as _devices

__all__ = ["PhysicalDevice", "LogicalDevice", "list_physical_devices",
           "list_logical_devices", "get_visible_devices", "set_visible_devices",
           "get_soft_device_placement", "set_soft_device_placement", "threading",
           "experimental"]

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_SETTINGS = {"inter_op": 0, "intra_op": 0, "soft_placement": False, "visible": None}


def _matches(device_type, d):
    return device_type is None or d.device_type == str(device_type).upper()


def list_physical_devices(device_type=None):
    """The machine's devices (`/physical_device:CPU:0`, GPUs through CuPy), optionally
    only those of `device_type`."""
    return [PhysicalDevice(f"/physical_device:{d.device_type}:{d.index}", d.device_type)
            for d in _devices.local_devices() if _matches(device_type, d)]


def list_logical_devices(device_type=None):
    """The devices sessions place ops on (`/device:CPU:0`, ...) among the visible ones."""
    visible = {p.name for p in get_visible_devices()}
    return [LogicalDevice(f"/device:{d.device_type}:{d.index}", d.device_type)
            for d in _devices.local_devices() if _matches(device_type, d) and
            f"/physical_device:{d.device_type}:{d.index}" in visible]


def get_visible_devices(device_type=None):
    """The physical devices marked visible (all of them unless `set_visible_devices`)."""
    visible = _SETTINGS["visible"]
    devs = list_physical_devices() if visible is None else visible
    return [d for d in devs if _matches(device_type, d)]


def set_visible_devices(devices, device_type=None):
    """Records which physical devices are visible (of `device_type`, or all)."""
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    known = list_physical_devices()
    for d in devices:
        if d not in known:
            raise ValueError(f"Unrecognized device: {d!r}")
    keep = [d for d in get_visible_devices() if not _matches(device_type, d)]
    _SETTINGS["visible"] = keep + [d for d in devices if _matches(device_type, d)]


def get_soft_device_placement():
    """The recorded soft-placement switch."""
    return _SETTINGS["soft_placement"]


def set_soft_device_placement(enabled):
    """Records the soft-placement switch (sessions use `allow_soft_placement`)."""
    _SETTINGS["soft_placement"] = bool(enabled)


def _get(key):
    return lambda: _SETTINGS[key]


def _set(key):
    def setter(num_threads):
        _SETTINGS[key] = int(num_threads)
    return setter


threading = _types.ModuleType("flowgraph.config.threading")
threading.get_inter_op_parallelism_threads = _get("inter_op")
threading.set_inter_op_parallelism_threads = _set("inter_op")
threading.get_intra_op_parallelism_threads = _get("intra_op")
threading.set_intra_op_parallelism_threads = _set("intra_op")

experimental = _types.ModuleType("flowgraph.config.experimental")
experimental.list_physical_devices = list_physical_devices
experimental.list_logical_devices = list_logical_devices
experimental.get_visible_devices = get_visible_devices
experimental.set_visible_devices = set_visible_devices
