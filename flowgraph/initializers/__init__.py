"""`tf.initializers`: TF1's initializer objects under their short names, plus the
variable-initializing ops (`tf.initializers.global_variables()`, ...).

The `*_initializer` names in `__all__` are also exported as `tf.zeros_initializer`, ...
The classes live in `flowgraph/ops/init_ops.py`."""
from flowgraph.framework.graph import GraphKeys as _GraphKeys, get_default_graph as _get_graph
from flowgraph.ops import init_ops as _init_ops
from flowgraph.ops.init_ops import (  # noqa: F401
    Initializer, zeros_initializer, ones_initializer, constant_initializer,
    random_uniform_initializer, random_normal_initializer, truncated_normal_initializer,
    uniform_unit_scaling_initializer, variance_scaling_initializer,
    glorot_uniform_initializer, glorot_normal_initializer, orthogonal_initializer,
    identity_initializer, lecun_normal, lecun_uniform, he_normal, he_uniform)
from flowgraph.ops.variables import (global_variables_initializer as global_variables,
                                     local_variables_initializer as local_variables,
                                     variables_initializer as variables)

__all__ = list(_init_ops.__all__)

zeros = zeros_initializer
ones = ones_initializer
constant = constant_initializer
random_uniform = random_uniform_initializer
random_normal = random_normal_initializer
truncated_normal = truncated_normal_initializer
uniform_unit_scaling = uniform_unit_scaling_initializer
variance_scaling = variance_scaling_initializer
glorot_uniform = glorot_uniform_initializer
glorot_normal = glorot_normal_initializer
orthogonal = orthogonal_initializer
identity = identity_initializer


def tables_initializer(name="init_all_tables"):
    """An op that runs the initializers of every table in `GraphKeys.TABLE_INITIALIZERS`."""
    from flowgraph.ops import core
    inits = _get_graph().get_collection(_GraphKeys.TABLE_INITIALIZERS)
    return core.group(*inits, name=name) if inits else core.no_op(name=name)
