"""`tf.app.flags` / `tf.flags`: absl's flags (what TensorFlow uses), with TF1's
convenience that reading `FLAGS.x` before the flags were parsed parses `sys.argv`
first (unknown flags tolerated)."""
import sys as _sys

from absl import flags as _absl_flags
from absl.flags import *  # noqa: F401,F403

__all__ = [n for n in dir(_absl_flags) if not n.startswith("_")]


class _FlagValuesWrapper:
    """Proxies absl's FlagValues; parses `sys.argv` on first read if nobody has yet."""

    def __init__(self, flag_values):
        self.__dict__["__wrapped"] = flag_values

    def __getattr__(self, name):
        wrapped = self.__dict__["__wrapped"]
        if not wrapped.is_parsed() and not name.startswith("_") and name not in (
                "is_parsed", "mark_as_parsed", "unparse_flags"):
            wrapped(_sys.argv, known_only=True)
        return getattr(wrapped, name)

    def __setattr__(self, name, value):
        return setattr(self.__dict__["__wrapped"], name, value)

    def __delattr__(self, name):
        return delattr(self.__dict__["__wrapped"], name)

    def __dir__(self):
        return dir(self.__dict__["__wrapped"])

    def __getitem__(self, name):
        return self.__dict__["__wrapped"][name]

    def __setitem__(self, name, flag):
        self.__dict__["__wrapped"][name] = flag

    def __len__(self):
        return len(self.__dict__["__wrapped"])

    def __iter__(self):
        return iter(self.__dict__["__wrapped"])

    def __str__(self):
        return str(self.__dict__["__wrapped"])

    def __call__(self, *args, **kwargs):
        return self.__dict__["__wrapped"](*args, **kwargs)

    def __contains__(self, name):
        return name in self.__dict__["__wrapped"]


# The flag-defining functions register into absl's global FLAGS, which this wraps.
FLAGS = _FlagValuesWrapper(_absl_flags.FLAGS)
