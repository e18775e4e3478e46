"""The `checkpoint` state file (CheckpointState as protobuf text) and checkpoint files:
`latest_checkpoint`, `get_checkpoint_state`, `update_checkpoint_state`,
`checkpoint_exists`, `get_checkpoint_mtimes`, `remove_checkpoint`."""
import glob
import logging
import os

from google.protobuf import text_format

from flowgraph.framework.graph_io import atomic_write
from flowgraph.proto import checkpoint_state_pb2, saver_pb2

__all__ = ["latest_checkpoint", "get_checkpoint_state", "update_checkpoint_state",
           "generate_checkpoint_state_proto", "checkpoint_exists", "get_checkpoint_mtimes",
           "remove_checkpoint", "CheckpointState"]

CheckpointState = checkpoint_state_pb2.CheckpointState
_log = logging.getLogger("flowgraph")


def _state_filename(save_dir, latest_filename):
    return os.path.join(save_dir, latest_filename or "checkpoint")


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                    all_model_checkpoint_paths=None,
                                    all_model_checkpoint_timestamps=None,
                                    last_preserved_timestamp=None):
    """A CheckpointState; with a relative `save_dir`, relative paths are stored relative
    to it (as TF does)."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and \
            len(all_model_checkpoint_timestamps) != len(paths):
        raise ValueError(f"Checkpoint timestamps, if provided, must match checkpoint paths "
                         f"({len(all_model_checkpoint_timestamps)} vs {len(paths)})")
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    st = CheckpointState(model_checkpoint_path=model_checkpoint_path,
                         all_model_checkpoint_paths=paths,
                         all_model_checkpoint_timestamps=all_model_checkpoint_timestamps or [])
    if last_preserved_timestamp is not None:
        st.last_preserved_timestamp = last_preserved_timestamp
    return st


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=False):
    """Writes the `checkpoint` state file in `save_dir` (atomically)."""
    path = _state_filename(save_dir, latest_filename)
    if save_relative_paths:
        rel = lambda p: os.path.relpath(p, save_dir) if os.path.isabs(p) else p  # noqa: E731
        model_checkpoint_path = rel(model_checkpoint_path)
        all_model_checkpoint_paths = [rel(p) for p in all_model_checkpoint_paths or []]
    st = generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                         all_model_checkpoint_paths,
                                         all_model_checkpoint_timestamps,
                                         last_preserved_timestamp)
    if os.path.normpath(path) == os.path.normpath(st.model_checkpoint_path):
        raise RuntimeError(f"Save path '{model_checkpoint_path}' conflicts with path used for "
                           "checkpoint state.  Please use a different save path.")
    atomic_write(path, text_format.MessageToString(st))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState in `checkpoint_dir`, relative paths joined to the directory;
    None when there is no readable state file."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = _state_filename(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            text = f.read().decode()
        st = text_format.Parse(text, CheckpointState())
    except (OSError, UnicodeDecodeError, text_format.ParseError) as e:
        _log.warning("%s: %s: checkpoint state ignored", path, e)
        return None
    if not st.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")
    if not os.path.isabs(st.model_checkpoint_path):
        st.model_checkpoint_path = os.path.join(checkpoint_dir, st.model_checkpoint_path)
    for i, p in enumerate(st.all_model_checkpoint_paths):
        if not os.path.isabs(p):
            st.all_model_checkpoint_paths[i] = os.path.join(checkpoint_dir, p)
    return st


def checkpoint_exists(checkpoint_prefix):
    """Whether a checkpoint (V2 `.index`, or a V1 file/pattern) exists at the prefix."""
    checkpoint_prefix = os.fspath(checkpoint_prefix)
    if os.path.isfile(checkpoint_prefix + ".index"):
        return True
    return bool(glob.glob(checkpoint_prefix)) and not os.path.isdir(checkpoint_prefix)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in `checkpoint_dir`, or None."""
    st = get_checkpoint_state(checkpoint_dir, latest_filename)
    if st and st.model_checkpoint_path:
        if checkpoint_exists(st.model_checkpoint_path):
            return st.model_checkpoint_path
        _log.error("Couldn't match files for checkpoint %s", st.model_checkpoint_path)
    return None


def get_checkpoint_mtimes(checkpoint_prefixes):
    """Modification times (seconds since the epoch) of the checkpoints that exist."""
    out = []
    for p in checkpoint_prefixes:
        for f in (p + ".index", p):
            if os.path.isfile(f):
                out.append(os.path.getmtime(f))
                break
    return out


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=saver_pb2.SaverDef.V2,
                      meta_graph_suffix="meta"):
    """Deletes a checkpoint's files (index, data shards, meta graph), ignoring missing ones."""
    files = [checkpoint_prefix + ".index", checkpoint_prefix + "." + meta_graph_suffix]
    files += glob.glob(glob.escape(checkpoint_prefix) + ".data-?????-of-?????")
    if checkpoint_format_version != saver_pb2.SaverDef.V2:
        files.append(checkpoint_prefix)
    for f in files:
        try:
            os.remove(f)
        except OSError:
            pass
