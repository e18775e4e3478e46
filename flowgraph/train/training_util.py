"""The global step: an int64 scalar variable `global_step` counting training steps."""
from flowgraph.framework import dtypes
from flowgraph.framework.graph import GraphKeys, Tensor, get_default_graph
from flowgraph.ops.variables import Variable

__all__ = ["global_step", "get_global_step", "create_global_step",
           "get_or_create_global_step", "assert_global_step"]


def global_step(sess, global_step_tensor):
    """The value of the global step in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor):
    """Raises TypeError unless `global_step_tensor` is an integer scalar Variable/Tensor."""
    if not isinstance(global_step_tensor, (Variable, Tensor)):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: '
                        f'{global_step_tensor}.')
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError(f'Existing "global_step" does not have integer type: '
                        f'{global_step_tensor.dtype}')
    shape = global_step_tensor.shape
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')


def get_global_step(graph=None):
    """The global step of `graph` (the default graph): the single member of the
    GLOBAL_STEP collection, else the tensor named `global_step:0`, else None."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    else:
        return None  # TF logs "Multiple tensors in global_step collection."
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Creates the int64 scalar `global_step` variable (zero, not trainable, in
    GLOBAL_VARIABLES and GLOBAL_STEP). Raises ValueError if it exists."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    from flowgraph.ops import array_ops
    with graph.as_default(), graph.name_scope(None):
        return Variable(lambda: array_ops.zeros([], dtype=dtypes.int64), name="global_step",
                        trainable=False, dtype=dtypes.int64,
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step of `graph`, created if missing."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step
