"""`tf.switch_case`: run the branch selected by an integer index."""
from flowgraph.framework.graph import Tensor, name_scope
from flowgraph.ops import control_flow_ops, math_ops

__all__ = ["switch_case"]


def _branches(branch_fns):
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)):
        pairs = list(branch_fns) if branch_fns and isinstance(branch_fns[0], (list, tuple)) \
            else list(enumerate(branch_fns))
    else:
        raise TypeError("'branch_fns' must be a list, tuple, or dict")
    if not pairs:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    for key, fn in pairs:
        if not isinstance(key, int):
            raise TypeError(f"branch_fns dict keys must be ints, got {key!r}")
        if not callable(fn):
            raise TypeError(f"fn for key {key} must be callable.")
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(keys))):
        found = "{" + ",".join(str(k) for k in keys) + "}"
        raise ValueError("branch indices (keys) must form contiguous range of [0 to "
                         f"{len(keys)}) but found {found}")
    return [fn for _, fn in sorted(pairs, key=lambda p: p[0])]


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs `branch_fns[branch_index]`; an index out of range runs `default`, or the last
    branch when no default is given. `branch_fns` is a list of callables, a list of
    `(int, callable)` pairs or a dict keyed 0..N-1."""
    fns = _branches(branch_fns)
    with name_scope(name, "switch_case", [branch_index]):
        if not isinstance(branch_index, Tensor):
            raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
        if not branch_index.dtype.base_dtype.is_integer:
            raise TypeError("'branch_index' must be an integer Tensor, got "
                            f"{branch_index.dtype}")
        if default is None:
            default = fns[-1]
        pairs = [(math_ops.equal(branch_index, i), fn) for i, fn in enumerate(fns)]
        return control_flow_ops.case(pairs, default=default, exclusive=True,
                                     name="indexed_case")
