"""`tf.gfile` (TF1 names) and `tf.io.gfile` (lower-case names): file helpers that raise
TF's error classes. Local files only."""
import errno
import glob as _glob
import os
import shutil

from flowgraph.framework import errors

__all__ = ["GFile", "Open", "FastGFile", "Exists", "MakeDirs", "Mkdir", "Glob", "Remove",
           "Rename", "Copy", "ListDirectory", "IsDirectory", "DeleteRecursively", "Stat",
           "Walk", "exists", "makedirs", "mkdir", "glob", "remove", "rename", "copy",
           "listdir", "isdir", "rmtree", "stat", "walk"]


def _error(e, path):
    """An OSError as TF's error class."""
    cls = {errno.ENOENT: errors.NotFoundError, errno.EEXIST: errors.AlreadyExistsError,
           errno.EACCES: errors.PermissionDeniedError,
           errno.EPERM: errors.PermissionDeniedError}.get(e.errno, errors.UnknownError)
    return cls(None, None, f"{path}; {e.strerror or e}")


class GFile:
    """A file object like `open(name, mode)`; the file is opened on first use, so a
    missing file raises `NotFoundError` when read."""

    def __init__(self, name, mode="r"):
        self.name = os.fspath(name)
        self.mode = mode
        self._f = None

    def _file(self):
        if self._f is None:
            try:
                self._f = open(self.name, self.mode)
            except OSError as e:
                raise _error(e, self.name) from None
        return self._f

    def read(self, n=-1):
        return self._file().read(n)

    def readline(self):
        return self._file().readline()

    def readlines(self):
        return self._file().readlines()

    def write(self, data):
        return self._file().write(data)

    def seek(self, offset, whence=0):
        return self._file().seek(offset, whence)

    def tell(self):
        return self._file().tell()

    def size(self):
        return os.path.getsize(self.name)

    def flush(self):
        if self._f is not None:
            self._f.flush()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def __iter__(self):
        return iter(self._file())

    def __next__(self):
        return next(self._file())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


Open = FastGFile = GFile


def Exists(filename):  # noqa: N802 (TF's names)
    return os.path.exists(os.fspath(filename))


def IsDirectory(dirname):  # noqa: N802
    return os.path.isdir(os.fspath(dirname))


def MakeDirs(dirname):  # noqa: N802
    """Creates `dirname` and its parents; fine if it exists."""
    try:
        os.makedirs(os.fspath(dirname), exist_ok=True)
    except OSError as e:
        raise _error(e, dirname) from None


def Mkdir(dirname):  # noqa: N802
    try:
        os.mkdir(os.fspath(dirname))
    except OSError as e:
        raise _error(e, dirname) from None


def Glob(filename):  # noqa: N802
    """Paths matching the pattern(s), sorted."""
    patterns = [filename] if isinstance(filename, (str, bytes, os.PathLike)) else filename
    out = []
    for p in patterns:
        p = os.fspath(p)
        p = p.decode() if isinstance(p, bytes) else p
        out.extend(sorted(_glob.glob(p)))
    return out


def Remove(filename):  # noqa: N802
    try:
        os.remove(os.fspath(filename))
    except OSError as e:
        raise _error(e, filename) from None


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    if not overwrite and os.path.exists(os.fspath(newname)):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {newname}")
    try:
        os.replace(os.fspath(oldname), os.fspath(newname))
    except OSError as e:
        raise _error(e, oldname) from None


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    if not overwrite and os.path.exists(os.fspath(newpath)):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {newpath}")
    try:
        shutil.copyfile(os.fspath(oldpath), os.fspath(newpath))
    except OSError as e:
        raise _error(e, oldpath) from None


def ListDirectory(dirname):  # noqa: N802
    """Entry names in `dirname` (not full paths)."""
    try:
        return os.listdir(os.fspath(dirname))
    except OSError as e:
        raise _error(e, dirname) from None


def DeleteRecursively(dirname):  # noqa: N802
    path = os.fspath(dirname)
    try:
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except OSError as e:
        raise _error(e, dirname) from None


class FileStatistics:
    """What `Stat` returns: `length`, `mtime_nsec`, `is_directory`."""

    def __init__(self, length, mtime_nsec, is_directory):
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory


def Stat(filename):  # noqa: N802
    try:
        st = os.stat(os.fspath(filename))
    except OSError as e:
        raise _error(e, filename) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(os.fspath(filename)))


def Walk(top, in_order=True):  # noqa: N802
    """(directory, subdirectory names, file names) for `top` and below."""
    yield from os.walk(os.fspath(top), topdown=in_order)


exists, isdir, makedirs, mkdir, glob = Exists, IsDirectory, MakeDirs, Mkdir, Glob
remove, rename, copy, listdir, rmtree = Remove, Rename, Copy, ListDirectory, DeleteRecursively
stat, walk = Stat, Walk
