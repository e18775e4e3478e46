"""Nested fetch structures: flatten any nesting of lists, tuples, namedtuples and dicts
to graph elements, and rebuild the results in the same shape."""
from flowgraph.framework.graph import Operation
from flowgraph.framework.indexed_slices import IndexedSlices, IndexedSlicesValue
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue


def flatten(fetches, graph):
    """Returns (elements, rebuild); `rebuild(values)` maps flat results back to the structure."""
    elements = []

    def walk(f):
        if f is None:
            raise TypeError(f"Fetch argument None has invalid type {type(None)}")
        if isinstance(f, IndexedSlices):  # fetched as an IndexedSlicesValue
            parts = [walk(f.values), walk(f.indices),
                     walk(f.dense_shape) if f.dense_shape is not None else (lambda vals: None)]
            return lambda vals: IndexedSlicesValue(*[p(vals) for p in parts])
        if isinstance(f, SparseTensor):  # fetched as a SparseTensorValue
            parts = [walk(f.indices), walk(f.values), walk(f.dense_shape)]
            return lambda vals: SparseTensorValue(*[p(vals) for p in parts])
        if isinstance(f, dict):
            keys = list(f.keys())
            subs = [walk(f[k]) for k in keys]
            factory = getattr(f, "default_factory", _NONE)
            ctor = type(f) if factory is _NONE else (lambda kv: type(f)(factory, kv))
            return lambda vals: ctor(zip(keys, [s(vals) for s in subs]))
        if isinstance(f, (list, tuple)):
            subs = [walk(x) for x in f]
            if isinstance(f, tuple) and hasattr(f, "_fields"):
                return lambda vals: type(f)(*[s(vals) for s in subs])
            ctor = type(f)
            return lambda vals: ctor(s(vals) for s in subs)
        try:
            el = graph.as_graph_element(f, allow_tensor=True, allow_operation=True)
        except TypeError as e:
            raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a "
                            f"string or Tensor. ({e})") from None
        except ValueError as e:
            raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                             f"({e})") from None
        except KeyError as e:
            raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                             f"({e.args[0]})") from None
        i = len(elements)
        elements.append(el)
        if isinstance(el, Operation):
            return lambda vals: None
        return lambda vals: vals[i]

    return elements, walk(fetches)


_NONE = object()
