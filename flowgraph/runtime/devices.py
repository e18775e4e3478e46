"""Local devices: CPU devices run kernels with numpy, GPU devices with CuPy.

`ConfigProto(device_count={'CPU': N})` makes N CPU devices whose transfers really copy, so
placement and partitioning are exercised on any machine."""
import numpy as np

PREFIX = "/job:localhost/replica:0/task:0/device:"


def _cupy():
    try:
        import cupy
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no CuPy, no driver or no GPU
        return None


class Device:
    """One local device: its full name, type, index and array module."""

    def __init__(self, device_type, index, xp):
        self.device_type, self.index, self.xp = device_type, index, xp
        self.name = f"{PREFIX}{device_type}:{index}"

    def copy_from(self, value, src):
        """`value` as an array on this device: always a real copy. Where it comes from is
        read off the value itself (a CuPy array or a host array), not `src`, the device the
        plan expects it on. Values that are not arrays (TensorLists) pass through."""
        on_gpu = hasattr(value, "__cuda_array_interface__")
        if not on_gpu and not isinstance(value, (np.ndarray, np.generic)):
            return value
        if self.device_type == "GPU":
            with self.xp.cuda.Device(self.index):
                if on_gpu and value.device.id != self.index:
                    value = value.get()  # from another GPU: through the host
                return self.xp.array(value, copy=True)
        if on_gpu:
            return value.get()
        return np.array(value, copy=True)

    def put(self, value):
        """`value` on this device: as it is when it is already here, else a copy."""
        on_gpu = hasattr(value, "__cuda_array_interface__")
        if on_gpu == (self.device_type == "GPU") and (not on_gpu or
                                                     value.device.id == self.index):
            return value
        return self.copy_from(value, None)

    def __repr__(self):
        return f"<Device {self.name}>"


def local_devices(config=None):
    """The devices a session with `config` gets: CPUs first, then the GPUs present."""
    counts = dict(getattr(config, "device_count", None) or {})
    n_cpu = max(1, int(counts.get("CPU", 1)))
    devices = [Device("CPU", i, np) for i in range(n_cpu)]
    cp = _cupy() if counts.get("GPU", 1) else None
    if cp is not None:
        n_gpu = cp.cuda.runtime.getDeviceCount()
        if "GPU" in counts:
            n_gpu = min(n_gpu, int(counts["GPU"]))
        devices += [Device("GPU", i, cp) for i in range(n_gpu)]
    return devices


class DeviceAttributes:
    """What `device_lib.list_local_devices()` reports for one device."""

    def __init__(self, device):
        self.name = device.name
        self.device_type = device.device_type
        self.memory_limit = 0
        if device.device_type == "GPU":
            free, total = device.xp.cuda.Device(device.index).mem_info
            self.memory_limit = total
        self.physical_device_desc = "" if device.device_type == "CPU" else \
            f"device: {device.index}"

    def __repr__(self):
        return f"name: \"{self.name}\"\ndevice_type: \"{self.device_type}\"\n"


def list_local_devices(session_config=None):
    """Descriptions of the local devices, as `device_lib.list_local_devices()`."""
    return [DeviceAttributes(d) for d in local_devices(session_config)]
