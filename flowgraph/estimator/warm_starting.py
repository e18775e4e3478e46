"""`tf.estimator.WarmStartSettings` and `tf.compat.v1.train.warm_start`: initialise a new
model's variables from another checkpoint (by name, or through a renaming map)."""
import collections
import os

from flowgraph import tf_logging as logging
from flowgraph.framework.graph import GraphKeys, get_default_graph
from flowgraph.train import checkpoint_utils
from flowgraph.ops.variables import Variable

__all__ = ["WarmStartSettings", "VocabInfo", "warm_start"]

VocabInfo = collections.namedtuple("VocabInfo", [
    "new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab", "old_vocab_size",
    "backup_initializer", "axis"])


class WarmStartSettings(collections.namedtuple("WarmStartSettings", [
        "ckpt_to_initialize_from", "vars_to_warm_start", "var_name_to_vocab_info",
        "var_name_to_prev_var_name"])):
    """Where to warm-start from (a checkpoint file or directory), which variables (a
    regex over the trainable ones, or a list of regexes or variables) and their names
    in the old checkpoint."""

    def __new__(cls, ckpt_to_initialize_from, vars_to_warm_start=".*",
                var_name_to_vocab_info=None, var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        return super().__new__(cls, ckpt_to_initialize_from, vars_to_warm_start,
                               var_name_to_vocab_info or {},
                               var_name_to_prev_var_name or {})


def _grouped_variables(vars_to_warm_start):
    graph = get_default_graph()
    if isinstance(vars_to_warm_start, str) or vars_to_warm_start is None:
        logging.info("Warm-starting variables only in TRAINABLE_VARIABLES.")
        found = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope=vars_to_warm_start)
    elif isinstance(vars_to_warm_start, list):
        if all(isinstance(v, str) for v in vars_to_warm_start):
            found = []
            for v in vars_to_warm_start:
                found += graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=v)
        elif all(isinstance(v, Variable) for v in vars_to_warm_start):
            found = vars_to_warm_start
        else:
            raise ValueError(f"If `vars_to_warm_start` is a list, it must be all `Variable` "
                             f"or all `str`.  Given types are "
                             f"{[type(v) for v in vars_to_warm_start]}")
    else:
        raise ValueError(f"`vars_to_warm_start must be a `list` or `str`.  Given type is "
                         f"{type(vars_to_warm_start)}")
    grouped = {}  # a partitioned variable's parts group under its full name, as TF's
    for v in found:
        info = getattr(v, "_save_slice_info", None)
        grouped.setdefault(info.full_name if info else v.op.name, []).append(v)
    return {name: vs[0] if len(vs) == 1 and not getattr(vs[0], "_save_slice_info", None)
            else vs for name, vs in grouped.items()}


def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
               var_name_to_prev_var_name=None):
    """Makes the chosen variables' initializers load from `ckpt_to_initialize_from`."""
    logging.info(f"Warm-starting from: {ckpt_to_initialize_from}")
    if var_name_to_vocab_info:
        raise NotImplementedError("warm_start: vocabulary remapping (VocabInfo) is not "
                                  "supported by flowgraph.")
    renames = dict(var_name_to_prev_var_name or {})
    grouped = _grouped_variables(vars_to_warm_start)
    assignment = {}
    for name, var in grouped.items():
        prev = renames.get(name)
        logging.debug(f"Warm-starting variable: {name}; prev_var_name: {prev or 'Unchanged'}")
        assignment[prev or name] = var
    if assignment:
        checkpoint_utils.init_from_checkpoint(ckpt_to_initialize_from, assignment)
    logging.info("Warm-started %d variables.", len(assignment))
    unused = set(renames) - set(grouped)
    if unused:
        raise ValueError(f"You provided the following variables in var_name_to_prev_var_name "
                         f"that were not used: {unused}.  Perhaps you misspelled them?  Here "
                         f"is the list of viable variable names: {grouped.keys()}")


def settings_from(warm_start_from):
    """WarmStartSettings from a checkpoint path or directory, a SavedModel directory or
    settings (None stays None)."""
    if warm_start_from is None:
        return None
    if isinstance(warm_start_from, (str, bytes)):
        path = os.fsdecode(warm_start_from)
        variables = os.path.join(path, "variables", "variables")
        if os.path.exists(variables + ".index"):  # a SavedModel directory
            logging.info("Warm-starting from a SavedModel")
            return WarmStartSettings(ckpt_to_initialize_from=variables)
        return WarmStartSettings(ckpt_to_initialize_from=path)
    if isinstance(warm_start_from, WarmStartSettings):
        return warm_start_from
    raise ValueError(f"warm_start_from must be a string or a WarmStartSettings, instead "
                     f"got {type(warm_start_from)}")

