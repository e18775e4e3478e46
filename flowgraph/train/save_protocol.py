"""How `Saver.save` writes so that a kill at any instant leaves a checkpoint that restores,
named by the `checkpoint` state file:

- a save to a new prefix writes its bundle (data, then index: no index, no checkpoint),
  syncs it, and only then points the state file at it;
- a save over an existing prefix (`saver.save(sess, prefix)` again, no global step)
  writes the new bundle under a fresh temporary prefix, points the state file at that
  complete copy, links its files over the old prefix's (data first, index last), points
  the state file back at the prefix, and deletes the copy. At every instant the state
  file names a whole checkpoint: the old prefix, the copy, or the new prefix.

Temporary files that killed saves left behind are removed by the next save into the same
directory (except a copy the state file still names)."""
import os

from flowgraph.framework import durable, errors
from flowgraph.framework import tensor_bundle
from flowgraph.train import checkpoint_management as cm


def state_paths(save_dir, latest_filename):
    """The checkpoint prefixes the state file in `save_dir` names (none if unreadable)."""
    try:
        st = cm.get_checkpoint_state(save_dir or ".", latest_filename)
    except (ValueError, errors.OpError, OSError):
        return []
    if st is None:
        return []
    return [st.model_checkpoint_path] + list(st.all_model_checkpoint_paths)


def clean(save_dir, latest_filename):
    """Removes stale temporary files of killed saves from `save_dir`."""
    return durable.remove_stale(save_dir or ".", keep=state_paths(save_dir, latest_filename))


def save(run, checkpoint_file, point_state):
    """Writes the checkpoint `checkpoint_file` with `run(prefix)` (runs the save op, returns
    the prefix written). `point_state(prefix, final)` (or None) records `prefix` in the
    state file; for an overwrite it is first called with the temporary copy (final False).
    Returns the checkpoint's path."""
    if not cm.checkpoint_exists(checkpoint_file):
        path = run(checkpoint_file)
        if point_state is not None:
            point_state(path, True)
        return path
    tmp = durable.temp_name(checkpoint_file)
    state_on_copy = False
    try:
        run(tmp)
        if point_state is not None:
            state_on_copy = True
            point_state(tmp, False)
        tensor_bundle.install_bundle(tmp, checkpoint_file)
        if point_state is not None:
            point_state(checkpoint_file, True)
            state_on_copy = False
    finally:
        if not state_on_copy:  # else the state file still names the copy: keep it
            tensor_bundle.remove_bundle(tmp)
            _remove_dir(tmp + "_temp")  # a sharded save's per-shard directory
        durable.done(tmp)
    return checkpoint_file


def _remove_dir(path):
    try:
        os.rmdir(path)
    except OSError:
        pass
