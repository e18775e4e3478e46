"""TF1's extra scopes: `tf.init_scope`, `tf.op_scope`, `tf.container`."""
import contextlib

from flowgraph.framework.graph import (control_dependencies, get_default_graph,
                                       name_scope)

__all__ = ["init_scope", "op_scope", "container"]


@contextlib.contextmanager
def init_scope():
    """Lifts op creation out of function-building graphs (cond branches, loop bodies) into
    the outermost graph, keeping the current name scope, and clears control dependencies:
    where TF makes variables and their initializers."""
    g = get_default_graph()
    inner = g.get_name_scope()
    outer = g
    while getattr(outer, "outer_graph", None) is not None:
        outer = outer.outer_graph
    if outer is g:
        with control_dependencies(None):
            yield
        return
    with outer.as_default(), outer.name_scope(inner + "/" if inner else None), \
            control_dependencies(None):
        yield


@contextlib.contextmanager
def op_scope(values, name, default_name=None):
    """Deprecated TF name: `name_scope(name, default_name, values)`."""
    with name_scope(name, default_name=default_name, values=values) as scope:
        yield scope


def container(container_name):
    """Stateful ops made inside (variables, queues, ...) record `container_name` in their
    `container` attr."""
    return get_default_graph().container(container_name)
