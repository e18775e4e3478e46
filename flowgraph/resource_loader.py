"""`tf.resource_loader`: find data files next to the calling module."""
import inspect as _inspect
import os as _os
import sys as _sys

__all__ = ["get_data_files_path", "get_path_to_datafile", "get_root_dir_with_all_resources",
           "load_resource", "readahead_file_path"]


def _caller_dir(depth=2):
    return _os.path.dirname(_inspect.getfile(_sys._getframe(depth)))


def get_data_files_path():
    """The directory of the Python file that calls this."""
    return _caller_dir()


def get_path_to_datafile(path):
    """`path` joined to the calling file's directory."""
    return _os.path.join(_caller_dir(), path)


def get_root_dir_with_all_resources():
    """The root directory holding the program's resources: the calling file's directory
    (flowgraph has no Bazel runfiles tree)."""
    return _caller_dir()


def load_resource(path):
    """The bytes of the file at `path`, relative to the directory holding the `flowgraph`
    package (e.g. `flowgraph/...`)."""
    root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
    with open(_os.path.join(root, path.replace("/", _os.sep)), "rb") as f:
        return f.read()


def readahead_file_path(path, readahead="128M"):
    """`path` unchanged: there is no readahead file system here."""
    return path
