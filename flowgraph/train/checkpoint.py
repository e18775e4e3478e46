"""TF's checkpoint-reader API (`tf.train.NewCheckpointReader`, `load_checkpoint`,
`load_variable`, `list_variables`) over the tensor bundle files of
`flowgraph/framework/tensor_bundle.py`."""
import os

from flowgraph.framework.tensor_bundle import BundleReader

__all__ = ["CheckpointReader", "NewCheckpointReader", "load_checkpoint", "load_variable",
           "list_variables"]


# -- TF's checkpoint-reader API ----------------------------------------------------------
class CheckpointReader:
    """`tf.train.NewCheckpointReader(prefix)`: read tensors and metadata of a checkpoint."""

    def __init__(self, filepattern):
        self._bundle = BundleReader(_as_prefix(filepattern))

    def get_tensor(self, tensor_str):
        """The saved value of `tensor_str` as a numpy array."""
        value = self._bundle.read(tensor_str)
        return value[()] if value.ndim == 0 and value.dtype != object else value

    def has_tensor(self, tensor_str):
        return self._bundle.has(tensor_str)

    def get_variable_to_shape_map(self):
        return {k: self._bundle.shape(k) for k in self._bundle.keys()}

    def get_variable_to_dtype_map(self):
        return {k: self._bundle.dtype(k) for k in self._bundle.keys()}

    def debug_string(self):
        """One line per tensor, as TF prints it: `name (DT_FLOAT) [4,3]`."""
        from flowgraph.proto import types_pb2
        lines = []
        for k in self._bundle.keys():
            enum = types_pb2.DataType.Name(self._bundle.dtype(k).as_datatype_enum)
            dims = ",".join(str(d) for d in self._bundle.shape(k))
            lines.append(f"{k} ({enum}) [{dims}]\n")
        return "".join(lines).encode()


def _as_prefix(path):
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode()
    if path.endswith(".index"):
        return path[:-len(".index")]
    return path


def NewCheckpointReader(filepattern):  # noqa: N802 (TF's name)
    """A `CheckpointReader` for the checkpoint with prefix `filepattern`."""
    return CheckpointReader(filepattern)


def load_checkpoint(ckpt_dir_or_file):
    """A `CheckpointReader` for a checkpoint prefix, or the latest one in a directory."""
    from flowgraph.train import checkpoint_management
    filename = _checkpoint_filename(ckpt_dir_or_file, checkpoint_management)
    return CheckpointReader(filename)


def _checkpoint_filename(ckpt_dir_or_file, cm):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = cm.latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        return latest
    return path


def load_variable(ckpt_dir_or_file, name):
    """The value of variable `name` saved in the checkpoint."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file):
    """Sorted (name, shape) pairs of the variables in the checkpoint."""
    reader = load_checkpoint(ckpt_dir_or_file)
    shapes = reader.get_variable_to_shape_map()
    return [(k, shapes[k]) for k in sorted(shapes)]
