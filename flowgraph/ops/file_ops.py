"""Whole files as string tensors: `ReadFile`, `WriteFile`, `MatchingFiles`."""
import glob
import os

import numpy as np

from flowgraph.framework import errors, tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = ["read_file", "write_file", "matching_files"]
__namespaces__ = {"io": ["read_file", "write_file", "matching_files"]}


def _text(v):
    v = np.asarray(v.get() if hasattr(v, "get") and not isinstance(v, np.ndarray) else v,
                   dtype=object)
    if v.ndim != 0:
        raise errors.InvalidArgumentError(None, None, f"Input filename tensor must be "
                                                      f"scalar, but had shape: {list(v.shape)}")
    x = v.item()
    return x.decode() if isinstance(x, bytes) else str(x)


def _os_error(e, path):
    if isinstance(e, FileNotFoundError):
        return errors.NotFoundError(None, None, f"{path}; No such file or directory")
    if isinstance(e, IsADirectoryError):
        return errors.FailedPreconditionError(None, None, f"{path}; Is a directory")
    if isinstance(e, PermissionError):
        return errors.PermissionDeniedError(None, None, f"{path}; Permission denied")
    return errors.UnknownError(None, None, f"{path}; {e}")


def _scalar_input(op):
    if op.inputs[0].shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.ndims}")


@defop("ReadFile", inputs=("filename: string",), outputs=("contents: string",))
class ReadFile:
    """The whole contents of the file `filename`."""
    devices = ("CPU",)
    foldable = False  # reads the file system at each run
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        _scalar_input(op)
        return tensor_shape.TensorShape([])

    def kernel(xp, filename):
        path = _text(filename)
        try:
            if os.path.isdir(path):
                raise IsADirectoryError(path)
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise _os_error(e, path) from None
        return np.asarray(data, dtype=object)


@defop("WriteFile", inputs=("filename: string", "contents: string"), stateful=True)
class WriteFile:
    """Writes `contents` to `filename`, creating its directory if needed."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        for t in op.inputs:
            if t.shape.ndims not in (None, 0):
                raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
        return []

    def kernel(ctx, filename, contents):
        path = _text(filename)
        data = np.asarray(contents, dtype=object).item()
        try:
            d = os.path.dirname(path)
            if d:
                os.makedirs(d, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else str(data).encode())
        except OSError as e:
            raise _os_error(e, path) from None


@defop("MatchingFiles", inputs=("pattern: string",), outputs=("filenames: string",))
class MatchingFiles:
    """The sorted paths matching a glob pattern (or each of a vector of patterns)."""
    devices = ("CPU",)
    foldable = False  # reads the file system at each run
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        if op.inputs[0].shape.ndims not in (None, 0, 1):
            raise ValueError(f"Shape must be at most rank 1 but is rank "
                             f"{op.inputs[0].shape.ndims}")
        return tensor_shape.TensorShape([None])

    def kernel(xp, pattern):
        pats = np.asarray(pattern, dtype=object).reshape(-1).tolist()
        found = []
        for p in pats:
            p = p.decode() if isinstance(p, bytes) else str(p)
            found.extend(glob.glob(p))
        out = np.empty(len(found), dtype=object)
        out[:] = [f.encode() for f in sorted(found)]
        return out


def read_file(filename, name=None):
    """Reads the whole file `filename` into a scalar string tensor."""
    return apply_op("ReadFile", [filename], name=name)


def write_file(filename, contents, name=None):
    """Writes the scalar string `contents` to the file `filename` (an Operation)."""
    return apply_op("WriteFile", [filename, contents], name=name)


def matching_files(pattern, name=None):
    """The files matching a glob pattern (a scalar or vector of patterns)."""
    return apply_op("MatchingFiles", [pattern], name=name)
