"""Device strings as TF parses and prints them: `/job:x/replica:0/task:0/device:GPU:1`."""
import re

_FIELDS = ("job", "replica", "task", "device_type", "device_index")


class DeviceSpec:
    """A (possibly partial) device specification."""

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = None if device_type is None else (
            device_type.upper() if device_type.upper() in ("CPU", "GPU", "TPU") else device_type)
        self.device_index = None if device_index in (None, "*") else int(device_index)

    @classmethod
    def from_string(cls, spec):
        return cls(**_parse(spec))

    def parse_from_string(self, spec):
        for k, v in _parse(spec).items():
            setattr(self, k, v)
        return self

    def make_merged_spec(self, dev):
        return DeviceSpec(**{f: getattr(dev, f) if getattr(dev, f) is not None
                             else getattr(self, f) for f in _FIELDS})

    def merge_from(self, dev):
        for f in _FIELDS:
            if getattr(dev, f) is not None:
                setattr(self, f, getattr(dev, f))

    def replace(self, **kwargs):
        d = {f: getattr(self, f) for f in _FIELDS}
        d.update(kwargs)
        return DeviceSpec(**d)

    def to_string(self):
        s = ""
        if self.job is not None:
            s += f"/job:{self.job}"
        if self.replica is not None:
            s += f"/replica:{self.replica}"
        if self.task is not None:
            s += f"/task:{self.task}"
        if self.device_type is not None:
            idx = "*" if self.device_index is None else self.device_index
            s += f"/device:{self.device_type}:{idx}"
        return s

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())

    def __repr__(self):
        return f"<DeviceSpec {self.to_string()!r}>"


_PART = re.compile(r"^(job|replica|task|device|cpu|gpu|CPU|GPU|TPU)(?::(.*))?$")


def _parse(spec):
    """Parses a device string into DeviceSpec fields; raises ValueError if malformed."""
    out = {}
    spec = spec or ""
    for part in spec.split("/"):
        if not part:
            continue
        bits = part.split(":")
        key = bits[0].lower() if bits[0].lower() in ("cpu", "gpu", "tpu") else bits[0]
        if key == "job" and len(bits) == 2:
            out["job"] = bits[1]
        elif key in ("replica", "task") and len(bits) == 2:
            out[key] = int(bits[1])
        elif key in ("cpu", "gpu", "tpu") and len(bits) in (1, 2):
            out["device_type"] = key.upper()
            if len(bits) == 2 and bits[1] != "*":
                out["device_index"] = int(bits[1])
        elif key == "device" and len(bits) in (2, 3):
            out["device_type"] = bits[1].upper() if bits[1].lower() in ("cpu", "gpu", "tpu") \
                else bits[1]
            if len(bits) == 3 and bits[2] != "*":
                out["device_index"] = int(bits[2])
        else:
            raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
    return out


def canonical_name(spec):
    """`/cpu:0` -> `/device:CPU:0`; partial specs stay partial."""
    if isinstance(spec, DeviceSpec):
        return spec.to_string()
    return DeviceSpec.from_string(spec).to_string() if spec else ""


def merge_device(outer, inner):
    """The device an op gets from an enclosing spec `outer` and a nested spec `inner`."""
    if not outer:
        return canonical_name(inner)
    if not inner:
        return canonical_name(outer)
    return DeviceSpec.from_string(outer).make_merged_spec(DeviceSpec.from_string(inner)).to_string()
