"""Keras's generic utilities: object (de)serialization, custom object scopes and the
`Progbar` progress bar that `fit` prints."""
import codecs
import inspect
import marshal
import re
import sys
import threading
import time

import numpy as np

__all__ = ["Progbar", "to_snake_case", "serialize_keras_object", "deserialize_keras_object",
           "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "register_keras_serializable", "get_registered_name", "func_dump"]

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}


class _LocalObjects(threading.local):
    def __init__(self):
        self.objects = {}


_LOCAL = _LocalObjects()


def func_dump(func):
    """Keras's serialized function: (base64 marshal of the code, defaults, closure)."""
    code = codecs.encode(marshal.dumps(func.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def to_snake_case(name):
    """`MyLayer` -> `my_layer`, as Keras names layers (private names get `private`)."""
    s = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


def get_custom_objects():
    """The global dict of custom objects (name -> class or function)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """`with custom_object_scope({'MyLayer': MyLayer}):` makes the names deserializable."""

    def __init__(self, *args):
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = dict(_LOCAL.objects)
        for objects in self.custom_objects:
            _LOCAL.objects.update(objects or {})
        return self

    def __exit__(self, *args):
        _LOCAL.objects = self.backup


custom_object_scope = CustomObjectScope


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function as `package>name`."""
    def decorator(arg):
        key = f"{package}>{name or arg.__name__}"
        _GLOBAL_CUSTOM_OBJECTS[key] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = key
        return arg
    return decorator


def get_registered_name(obj):
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def serialize_keras_object(instance):
    """`{'class_name': ..., 'config': ...}` for objects with `get_config`, a function's
    name for functions, None for None."""
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": get_registered_name(type(instance)),
                "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} since it doesn't implement "
                     "`get_config()`.")


def _lookup(name, module_objects, custom_objects):
    for table in (custom_objects or {}, _LOCAL.objects, _GLOBAL_CUSTOM_OBJECTS,
                  module_objects or {}):
        if name in table:
            return table[name]
    return None


def _unknown(kind, name):
    return ValueError(f"Unknown {kind}: '{name}'. Please ensure you are using a "
                      "`keras.utils.custom_object_scope` and that this object is included "
                      "in the scope. See https://www.tensorflow.org/guide/keras/"
                      "save_and_serialize#registering_the_custom_object for details.")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """The object a `serialize_keras_object` result (or a name) stands for."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(f"Improper config format: {identifier}")
        name = identifier["class_name"]
        cls = _lookup(name, module_objects, custom_objects)
        if cls is None:
            raise _unknown(printable_module_name, name)
        config = identifier["config"]
        if hasattr(cls, "from_config"):
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                merged = {**_GLOBAL_CUSTOM_OBJECTS, **_LOCAL.objects,
                          **(custom_objects or {})}
                return cls.from_config(config, custom_objects=merged)
            with CustomObjectScope(custom_objects or {}):
                return cls.from_config(config)
        with CustomObjectScope(custom_objects or {}):
            return cls(**config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier)
        return obj() if inspect.isclass(obj) else obj  # a class by name: an instance
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: "
                     f"{identifier}")


class Progbar:
    """Keras's progress bar: `Progbar(target).update(current, [('loss', v)])`.

    verbose=1 draws `12/40 [=====>....] - ETA: 0s - loss: 0.4321`, redrawn in place
    (backspaces and a carriage return) on a terminal and one line per update otherwise;
    verbose=2 prints one line when the target is reached. Values not in
    `stateful_metrics` are averaged over the steps seen, weighted by step size."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
        self._total_width = 0
        self._seen_so_far = 0
        self._values, self._values_order = {}, []
        self._start = time.time()
        self._last_update = 0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def _fmt_value(self, avg, two):
        cond = avg > 1e-3 if two else abs(avg) > 1e-3
        return f" {avg:.4f}" if cond else f" {avg:.4e}"

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current`, folding in `values` (name, value) pairs."""
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                base = max(current - self._seen_so_far, 1)
                if k not in self._values:
                    self._values[k] = [v * base, base]
                else:
                    self._values[k][0] += v * base
                    self._values[k][1] += base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        now = time.time()
        info = f" - {now - self._start:.0f}s"
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            prev_total_width = self._total_width
            message = ("\b" * prev_total_width + "\r") if self._dynamic_display else "\n"
            if self.target is not None:
                numdigits = int(np.log10(self.target)) + 1
                bar = f"{current:{numdigits}d}/{self.target} ["
                prog_width = int(self.width * float(current) / self.target)
                if prog_width > 0:
                    bar += "=" * (prog_width - 1) + (">" if current < self.target else "=")
                bar += "." * (self.width - prog_width) + "]"
            else:
                bar = f"{current:7d}/Unknown"
            self._total_width = len(bar)
            message += bar
            time_per_unit = self._estimate_step_duration(current, now)
            if self.target is None or finalize:
                info += self._format_time(time_per_unit, self.unit_name)
            else:
                eta = time_per_unit * (self.target - current)
                if eta > 3600:
                    eta_format = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:" \
                                 f"{int(eta % 60):02d}"
                elif eta > 60:
                    eta_format = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_format = f"{int(eta)}s"
                info = f" - ETA: {eta_format}"
            for k in self._values_order:
                avg = np.mean(self._values[k][0] / max(1, self._values[k][1]))
                info += f" - {k}:" + self._fmt_value(avg, False)
            self._total_width += len(info)
            if prev_total_width > self._total_width:
                info += " " * (prev_total_width - self._total_width)
            if finalize:
                info += "\n"
            sys.stdout.write(message + info)
            sys.stdout.flush()
        elif self.verbose == 2 and finalize:
            numdigits = int(np.log10(self.target)) + 1
            info = f"{current:{numdigits}d}/{self.target}" + info
            for k in self._values_order:
                avg = np.mean(self._values[k][0] / max(1, self._values[k][1]))
                info += f" - {k}:" + self._fmt_value(avg, True)
            if self._time_at_epoch_end:
                per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
                per_step = per_epoch / self.target
                self._time_at_epoch_start = now
                self._time_at_epoch_end = None
                info += " -" + self._format_time(per_epoch, "epoch")
                info += " -" + self._format_time(per_step, self.unit_name)
                info += "\n"
            sys.stdout.write(info)
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    @staticmethod
    def _format_time(time_per_unit, unit_name):
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1e6:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        # The first step pays for compiling the graph's plans: leave it out once past it.
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        if current == 1:
            self._time_after_first_step = now
        return (now - self._start) / current

    def _update_stateful_metrics(self, stateful_metrics):
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)
