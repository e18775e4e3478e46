"""Assembling public namespaces from what modules declare: a module lists the names it
gives `tf.<ns>` once, in `__namespaces__ = {"<ns>": ["name", "public=private", ...]}`
(top-level `tf.*` names are its `__all__`). A declared name the module lacks is an error
at import, never a silently missing name."""
import types


def names(ns, modules):
    """{public name: object} of everything `modules` declare for namespace `ns`."""
    out = {}
    for m in modules:
        for entry in getattr(m, "__namespaces__", {}).get(ns, ()):
            public, _, private = entry.partition("=")
            out[public] = getattr(m, private or public)  # AttributeError: a broken entry
    return out


def module(name, modules=(), **extra):
    """A `flowgraph.<name>` module object holding what `modules` declare for `name`."""
    m = types.ModuleType(f"flowgraph.{name}")
    m.__dict__.update(names(name.rpartition(".")[2], modules), **extra)
    return m
