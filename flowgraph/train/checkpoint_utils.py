"""`tf.train.init_from_checkpoint`: initialize variables from a checkpoint instead of
their initializers (the reader functions live in `checkpoint.py`)."""
from flowgraph.framework import graph as graph_lib
from flowgraph.ops import io_ops, slicing_ops, state_ops, variable_scope, variables
from flowgraph.train import checkpoint, checkpoint_management

__all__ = ["init_from_checkpoint"]


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Replaces the initializers of the variables named in `assignment_map` with loads
    from the checkpoint, so `global_variables_initializer()` restores them.

    Keys are names (or scopes, ending in '/') in the checkpoint; values are current
    variables, their names, or scopes ('scope/': 'new_scope/', '/': 'new_scope/', ...).
    Names are looked up among the variables made by `tf.get_variable`."""
    ckpt_file = checkpoint._checkpoint_filename(ckpt_dir_or_file, checkpoint_management)
    reader = checkpoint.load_checkpoint(ckpt_dir_or_file)
    saved = reader.get_variable_to_shape_map()
    items = assignment_map.items() if hasattr(assignment_map, "items") else assignment_map
    store = variable_scope._get_default_variable_store()._vars
    for ckpt_name, current in sorted(items, key=lambda kv: kv[0]):
        if isinstance(current, (list, tuple)) or hasattr(current, "_get_variable_list"):
            parts = list(current) if isinstance(current, (list, tuple)) else \
                current._get_variable_list()
            if ckpt_name not in saved:
                raise ValueError(f"Tensor {ckpt_name} is not found in {ckpt_dir_or_file} "
                                 f"checkpoint {saved}")
            for part in parts:  # each part loads its slice of the saved tensor
                _set_initializer(part, ckpt_file, ckpt_name, part._save_slice_info)
            continue
        var = current if _is_variable(current) else store.get(current)
        if var is not None:
            if ckpt_name not in saved:
                raise ValueError(f"Tensor {ckpt_name} is not found in {ckpt_dir_or_file} "
                                 f"checkpoint {saved}")
            _check_shape(var, ckpt_name, saved[ckpt_name])
            _set_initializer(var, ckpt_file, ckpt_name)
            continue
        _init_scope(ckpt_name, current, store, saved, ckpt_dir_or_file, ckpt_file)


def _init_scope(ckpt_scope, current, store, saved, ckpt_dir_or_file, ckpt_file):
    """Every stored variable under the scope `current` loads the checkpoint tensor of the
    same relative name under `ckpt_scope`."""
    scope = current[:current.rindex("/")] if "/" in current else ""
    if not ckpt_scope.endswith("/"):
        raise ValueError(f"Assignment map with scope only name {scope} should map to scope "
                         f"only {ckpt_scope}. Should be 'scope/': 'other_scope/'.")
    names = sorted(n for n in store if not scope or n.startswith(scope + "/"))
    for name in names:
        rel = name[len(scope):]
        if current != "/":
            rel = rel[1:]
        full = rel if ckpt_scope == "/" else ckpt_scope + rel
        if full.endswith("/"):
            full = full[:-1]
        if full not in saved:
            raise ValueError(f"Tensor {full} ({name[len(scope) + 1:]} in {ckpt_scope}) is "
                             f"not found in {ckpt_dir_or_file} checkpoint")
        var = store[name]
        _check_shape(var, full, saved[full])
        _set_initializer(var, ckpt_file, full)


def _is_variable(x):
    return isinstance(x, variables.Variable)


def _check_shape(var, ckpt_name, ckpt_shape):
    if not var.shape.is_compatible_with(ckpt_shape):
        raise ValueError(f"Shape of variable {var.name} ({var.shape}) doesn't match with "
                         f"shape of tensor {ckpt_name} ({list(ckpt_shape)}) from checkpoint "
                         f"reader.")


def _set_initializer(var, ckpt_file, tensor_name, slice_info=None,
                     name="checkpoint_initializer"):
    """var's initializer becomes an assign of the RestoreV2 of `tensor_name` (on the CPU);
    a part of a partitioned variable (`slice_info`) takes its slice of that tensor."""
    with graph_lib.device(var.device), graph_lib.device("/cpu:0"):
        restored = io_ops.restore_v2(ckpt_file, [tensor_name], [""],
                                     [var.dtype.base_dtype], name=name)[0]
        if slice_info is not None:
            restored = slicing_ops.slice(restored, slice_info.var_offset,
                                         slice_info.var_shape)
    restored.set_shape(var.shape)
    with graph_lib.colocate_with(var.op):
        var._initializer_op = state_ops.assign(var._variable, restored).op
    var._initial_value = restored
