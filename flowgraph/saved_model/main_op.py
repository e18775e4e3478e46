"""Main ops: what a SavedModel runs after its variables are restored
(`tf.saved_model.main_op`)."""
from flowgraph.framework.graph import control_dependencies, get_default_graph
from flowgraph.initializers import tables_initializer
from flowgraph.ops import core, variables

__all__ = ["main_op", "main_op_with_restore"]


def main_op():
    """A group of the global and local variable initializers and the table
    initializers."""
    return core.group(variables.global_variables_initializer(),
                      variables.local_variables_initializer(), tables_initializer())


def main_op_with_restore(restore_op_name):
    """`main_op()` followed by the op named `restore_op_name` (a name or an op)."""
    restore = get_default_graph().as_graph_element(restore_op_name) \
        if isinstance(restore_op_name, (str, bytes)) else restore_op_name
    with control_dependencies([main_op()]):
        return core.group(restore)
