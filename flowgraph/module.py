"""`tf.Module`: a named container of variables and sub-modules.

The module's name scope is opened once when it is made (so a second `Dense` is
`dense_1/`) and re-entered by `with self.name_scope:`; `variables`, `trainable_variables`
and `submodules` walk the module's attributes in name order, its own values first.
"""
import re

from flowgraph.framework import nest
from flowgraph.framework.graph import get_default_graph, name_scope as _name_scope
from flowgraph.ops.variables import Variable


def _camel_to_snake(name):
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


class Module:
    """Base class for objects that own variables, other modules and functions."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid module name. Module names must be "
                             "valid Python identifiers (e.g. a valid class name).")
        self._name = name
        with _name_scope(name) as scope:
            self._scope_name = scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """The module's name scope, re-entered absolutely."""
        return get_default_graph().name_scope(self._scope_name)

    @property
    def variables(self):
        """Variables of this module and its sub-modules (each once)."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def submodules(self):
        """Every module reachable from this one."""
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    def _flatten(self, predicate, seen=None):
        """Matching leaves of this module's attributes (sorted by name), then those of each
        sub-module found, recursively; every object once."""
        seen = {id(self)} if seen is None else seen
        subs = []
        for key in sorted(vars(self)):
            if key in self._TF_MODULE_IGNORED_PROPERTIES:
                continue
            for leaf in nest.flatten(vars(self)[key]):
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
                if predicate(leaf):
                    yield leaf
                if isinstance(leaf, Module):
                    subs.append(leaf)
        for sub in subs:
            yield from sub._flatten(predicate, seen)

    @classmethod
    def with_name_scope(cls, method):
        """Decorates a method to run inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__, wrapped.__doc__ = method.__name__, method.__doc__
        return wrapped

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"


__all__ = ["Module"]
